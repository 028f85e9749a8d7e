"""A small, independent interpreter of framework conditions, used as an oracle in tests.

It evaluates conditions straight on the case in three-valued logic (True, False, None for
unknown) without durable_rules or the compiler, so agreement with the engine checks both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wiebetaalt.model.case import Case, field_value
from wiebetaalt.model.conditions import All, AnyOf, Atom, Condition, Not
from wiebetaalt.model.framework import Framework
from wiebetaalt.decision.resolve import Truth


def evaluate(condition: Condition, case: Case) -> bool | None:
    if isinstance(condition, All):
        results = [evaluate(c, case) for c in condition.all]
        return False if False in results else (None if None in results else True)
    if isinstance(condition, AnyOf):
        results = [evaluate(c, case) for c in condition.any]
        return True if True in results else (None if None in results else False)
    if isinstance(condition, Not):
        result = evaluate(condition.not_, case)
        return None if result is None else not result
    assert isinstance(condition, Atom)
    value: Any = field_value(case, condition.field)
    if condition.op == "known":
        return (value is not None) == condition.value
    if value is None:
        return None
    target = condition.value
    if isinstance(value, dt.date):
        # a rule file writes dates as YYYY-MM-DD text, which orders as the dates do
        value = value.isoformat()
    return {
        "eq": lambda: value == target,
        "ne": lambda: value != target,
        "in": lambda: value in target,
        "not_in": lambda: value not in target,
        "lt": lambda: value < target,
        "lte": lambda: value <= target,
        "gt": lambda: value > target,
        "gte": lambda: value >= target,
    }[condition.op]()


def truth(framework: Framework, case: Case) -> Truth:
    true: set[str] = set()
    unknown: set[str] = set()
    items = [(r.id, r.when, r) for r in framework.rules]
    items += [(s.id, s.when, s) for f in framework.funders for s in f.party or [] if s.when is not None]
    for ident, condition, period in items:
        if not period.in_force(case.peildatum):
            continue
        result = evaluate(condition, case)
        if result is True:
            true.add(ident)
        elif result is None:
            unknown.add(ident)
    return Truth(frozenset(true), frozenset(unknown))
