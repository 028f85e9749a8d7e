"""Which facts settle a missing-facts escalation, and what each answer leads to.

An escalation for missing facts lists every fact the outcome still depends on. A person filling
in a form wants less: the smallest set of those facts whose answers turn the escalation into an
answer, and for each fact what every possible answer would lead to. Both are found by deciding the
case again with the fact filled in, for one value of every class of values the framework tells
apart (:mod:`wiebetaalt.model.space`), so what they say holds for every answer, not only the ones tried.
Asking a person for them is :mod:`wiebetaalt.decision.questions`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..model.case import CASE_FIELDS, Case, parse_case, put_field
from ..model.framework import Framework
from ..model.space import OTHER_TEXT, field_space
from .outcome import Decision, Escalation, EscalationReason, FactAnswer, Outcome, asking_for_facts

#: How settling decides a case with one more fact filled in: an Engine's ``decide`` without settling.
Decide = Callable[[Case], Outcome]

#: Filled in for a text field that no condition compares: any value leads to the same outcome.
ANY_TEXT = "(ingevulde waarde)"
#: At most this many extra decisions to find the smallest settling set; beyond it, none is named.
#: A minor's case decided without presumptions that leaves every exception open (Wlz, stay,
#: registration before it, secret address) needs a few hundred with the national file (0.03 s);
#: with the age open as well it needs some 4,000, so then only the answers per fact are given.
SEARCH_BUDGET = 1000


def with_fact(case: Case, path: str, value: Any) -> Case:
    """``case`` with one fact filled in (validated like any case)."""
    data = case.model_dump(mode="json", exclude_none=True)
    put_field(data, path, value)
    return parse_case(data)


def _candidates(framework: Framework, case: Case, path: str) -> list[tuple[Any, str]]:
    """(value, label) for one value of every class of values of ``path`` the framework tells apart."""
    space = field_space(framework, path, case.peildatum)
    value_type = CASE_FIELDS[path].value_type
    if value_type == "bool":
        return [(True, "ja"), (False, "nee")]
    if value_type == "enum":
        return [(v, str(v)) for v in space.values]
    if value_type == "str":
        named = [(v, str(v)) for v in space.values if v != OTHER_TEXT]
        return [*named, (ANY_TEXT, "een andere waarde" if named else "een waarde")]
    found = []
    values = list(space.values)
    for i, value in enumerate(values):
        if i + 1 == len(values):
            label = f"{value} of meer" if value_type == "int" else f"vanaf {value}"
        elif value_type == "int":
            last = values[i + 1] - 1
            label = str(value) if last == value else f"{value} t/m {last}"
        else:
            label = f"vóór {values[i + 1]}" if i == 0 else f"{value} t/m {values[i + 1] - dt.timedelta(days=1)}"
        found.append((value, label))
    return found


def summary(outcome: Outcome, free_text: bool = False) -> str:
    """One Dutch line for an outcome: who pays, or what kind of escalation and what it still needs."""
    if isinstance(outcome, Decision):
        who = outcome.funder_name if free_text and not outcome.shares else outcome.entity
        return f"{who} betaalt (regel {', '.join(outcome.rules)})"
    if outcome.reason is EscalationReason.MISSING_FACTS:
        return f"nog nodig: {', '.join(outcome.missing_facts)}"
    if outcome.reason is EscalationReason.PARTY_UNKNOWN:
        # the funder is settled (and said elsewhere); only what names its party is still needed
        return f"betaler vast ({outcome.funder}), voor de partij nog nodig: {', '.join(outcome.missing_facts)}"
    names = {
        EscalationReason.NO_RULE: "geen regel",
        EscalationReason.CONFLICT: "regels spreken elkaar tegen",
        EscalationReason.GREY_ZONE: "grijs gebied",
    }
    rules = f" (regel {', '.join(outcome.rules)})" if outcome.rules else ""
    return f"escalatie: {names[outcome.reason]}{rules}, naar {outcome.route.name}"


def settle(decide: Decide, framework: Framework, case: Case,
           escalation: Escalation) -> tuple[tuple[str, ...], tuple[FactAnswer, ...]]:
    """The smallest set of facts whose answers settle ``escalation``, and what each answer leads to.

    ``decide`` decides a case with ``framework`` (without settling: the engine passes its own
    ``decide``), so this module needs no engine.

    Settled means: whatever the answers, the outcome is a decision or an escalation of another
    kind. An answer can make a fact matter that was not listed yet (the municipality before a
    stay, once it is known there is a stay), so the set is found as the smallest union of facts
    over all ways of asking one listed fact at a time until every branch is settled. It is empty
    when that takes more than :data:`SEARCH_BUDGET` decisions; the answers per listed fact are
    always given.
    """
    cache: dict[frozenset[tuple[str, Any]], Outcome] = {}

    def outcome(assignment: frozenset[tuple[str, Any]]) -> Outcome:
        if assignment not in cache:
            if len(cache) >= SEARCH_BUDGET:
                raise _OverBudget
            changed = case
            for path, value in sorted(assignment, key=lambda item: item[0]):
                changed = with_fact(changed, path, value)
            cache[assignment] = decide(changed)
        return cache[assignment]

    options: dict[str, list[tuple[Any, str]]] = {}

    def values(path: str) -> list[tuple[Any, str]]:
        if path not in options:
            options[path] = _candidates(framework, case, path)
        return options[path]

    def needed(assignment: frozenset[tuple[str, Any]], found: Outcome, depth: int) -> frozenset[str] | None:
        """The fewest facts that settle every answer from here, or None when none does within reach."""
        if not (asking := asking_for_facts(found)):
            return frozenset()
        if depth == 0:
            return None
        best: frozenset[str] | None = None
        for path in asking.missing_facts:
            union = frozenset({path})
            for value, _ in values(path):
                step = assignment | {(path, value)}
                below = needed(step, outcome(step), depth - 1)
                if below is None:
                    break
                union |= below
            else:
                if best is None or len(union) < len(best):
                    best = union
        return best

    listed = list(escalation.missing_facts)
    try:
        answers = tuple(
            FactAnswer(path, value.isoformat() if isinstance(value, dt.date) else value, label,
                       summary(found := outcome(frozenset({(path, value)})), free_text=value == ANY_TEXT),
                       "decision" if isinstance(found, Decision) else found.reason.value)
            for path in listed for value, label in values(path)
        )
    except _OverBudget:
        return (), ()
    try:
        smallest = needed(frozenset(), escalation, _MAX_DEPTH)
    except _OverBudget:
        smallest = None
    if not smallest:
        return (), answers
    ordered = tuple(dict.fromkeys([*(p for p in listed if p in smallest), *sorted(smallest)]))
    return ordered, tuple(sorted(answers, key=lambda a: a.field not in smallest))


class _OverBudget(Exception):
    """The search for the smallest settling set took more decisions than it may."""


_MAX_DEPTH = 10
