"""Framework → a plain durable_rules ruleset (JSON-able dict), deterministically.

durable_rules treats a condition on a missing field as false, so a case with an unknown fact
would silently fall through to a lower rule. To prevent that, every condition is compiled twice,
in three-valued (Kleene) logic pushed down to negation normal form: a *true* pattern that
matches when the condition certainly holds, and an *unknown* pattern that matches when it may
hold but depends on a fact the case leaves out. Resolution then knows, for every rule, whether
it holds, may hold, or does not, and never guesses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from .case import CASE_FIELDS, Case, FieldType
from .model import All, AnyOf, Atom, Condition, Framework, Not, Period

Pattern = dict[str, Any] | None  # None: can never match

#: Short keys keep the JSON that crosses into durable small, and can never clash with the
#: ``sid``/``id`` durable keeps in session state.
FIELD_KEYS: dict[str, str] = {path: f"k{i}" for i, path in enumerate(CASE_FIELDS)}
PEILDATUM_KEY = FIELD_KEYS["peildatum"]
CATCH_ALL = "catch"

_NEGATED = {"eq": "ne", "ne": "eq", "in": "not_in", "not_in": "in", "lt": "gte", "gte": "lt", "lte": "gt", "gt": "lte"}
_DURABLE_OPS = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "ne": "$neq"}


def _encode(ftype: FieldType, value: Any) -> Any:
    # Dates cross as day numbers: durable compares numbers, and JSON has no date type.
    if ftype.kind == "date":
        return (value if isinstance(value, dt.date) else dt.date.fromisoformat(value)).toordinal()
    return value


def _and(parts: list[Pattern]) -> Pattern:
    if any(p is None for p in parts):
        return None
    kept = [p for p in parts if p]
    return kept[0] if len(kept) == 1 else {"$and": kept}


def _or(parts: list[Pattern]) -> Pattern:
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else {"$or": kept}


def _atom(field: str, op: str, value: Any) -> Pattern:
    key, ftype = FIELD_KEYS[field], CASE_FIELDS[field]
    if op == "known":
        return {"$ex": {key: 1}} if value else {"$nex": {key: 1}}
    if op == "eq":
        return {key: _encode(ftype, value)}
    if op == "in":
        return _or([{key: _encode(ftype, v)} for v in value])
    if op == "not_in":
        return _and([{"$neq": {key: _encode(ftype, v)}} for v in value])
    return {_DURABLE_OPS[op]: {key: _encode(ftype, value)}}


def true_pattern(condition: Condition) -> Pattern:
    """Matches exactly the cases where ``condition`` certainly holds."""
    if isinstance(condition, All):
        return _and([true_pattern(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return _or([true_pattern(c) for c in condition.any])
    if isinstance(condition, Not):
        return false_pattern(condition.not_)
    assert isinstance(condition, Atom)
    return _atom(condition.field, condition.op, condition.value)


def false_pattern(condition: Condition) -> Pattern:
    """Matches exactly the cases where ``condition`` certainly does not hold."""
    if isinstance(condition, All):
        return _or([false_pattern(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return _and([false_pattern(c) for c in condition.any])
    if isinstance(condition, Not):
        return true_pattern(condition.not_)
    assert isinstance(condition, Atom)
    if condition.op == "known":
        return _atom(condition.field, "known", not condition.value)
    return _atom(condition.field, _NEGATED[condition.op], condition.value)


def unknown_pattern(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` depends on a fact the case leaves unknown."""
    if isinstance(condition, All):
        # nothing false, something unknown
        return _and(
            [_or([true_pattern(c), unknown_pattern(c)]) for c in condition.all]
            + [_or([unknown_pattern(c) for c in condition.all])]
        )
    if isinstance(condition, AnyOf):
        # nothing true, something unknown
        return _and(
            [_or([false_pattern(c), unknown_pattern(c)]) for c in condition.any]
            + [_or([unknown_pattern(c) for c in condition.any])]
        )
    if isinstance(condition, Not):
        return unknown_pattern(condition.not_)
    assert isinstance(condition, Atom)
    if condition.op == "known":
        return None
    return {"$nex": {FIELD_KEYS[condition.field]: 1}}


def _in_force(period: Period) -> list[Pattern]:
    parts: list[Pattern] = []
    if period.valid_from is not None:
        parts.append({"$gte": {PEILDATUM_KEY: period.valid_from.toordinal()}})
    if period.valid_to is not None:
        parts.append({"$lt": {PEILDATUM_KEY: period.valid_to.toordinal()}})
    return parts


@dataclass(frozen=True)
class CompiledFramework:
    """A framework with its durable ruleset; ``names`` maps durable rule names to (kind, id)."""

    framework: Framework
    ruleset: dict[str, Any]
    names: dict[str, tuple[str, str]]
    digest: str


#: durable matches its own session object ({"sid", "id", "$s"}) against every rule too; a pattern
#: such as "field absent" would fire on it. Every pattern therefore requires the case marker.
IS_CASE: dict[str, Any] = {"$ex": {"cid": 1}}


def _add(ruleset: dict[str, Any], names: dict[str, tuple[str, str]], name: str, state: str, item: str, pattern: Pattern) -> None:
    if pattern is None:
        return
    ruleset[name] = {"all": [{"m": _and([IS_CASE, pattern])}], "pri": 1}
    names[name] = (state, item)


def compile_framework(framework: Framework) -> CompiledFramework:
    """Compile every rule and every party source into a true and an unknown durable rule.

    The result is plain data, the same for the same framework, so it can be inspected and
    snapshot-tested. A catch-all rule matches every case: durable fails (and can crash when the
    session is later deleted) on a fact that no rule takes.
    """
    ruleset: dict[str, Any] = {}
    names: dict[str, tuple[str, str]] = {}
    for i, rule in enumerate(framework.rules):
        window = _in_force(rule)
        _add(ruleset, names, f"t{i}", "true", rule.id, _and([true_pattern(rule.when), *window]))
        _add(ruleset, names, f"u{i}", "unknown", rule.id, _and([unknown_pattern(rule.when), *window]))
    for j, funder in enumerate(framework.funders):
        for k, source in enumerate(funder.party or []):
            if source.when is None:
                continue  # an unconditional source needs no matching
            window = _in_force(source)
            _add(ruleset, names, f"p{j}_{k}", "true", source.id, _and([true_pattern(source.when), *window]))
            _add(ruleset, names, f"q{j}_{k}", "unknown", source.id, _and([unknown_pattern(source.when), *window]))
    ruleset[CATCH_ALL] = {"all": [{"m": {"$ex": {"cid": 1}}}], "pri": 2}
    digest = hashlib.sha256(json.dumps(ruleset, sort_keys=True).encode()).hexdigest()[:16]
    return CompiledFramework(framework, ruleset, names, digest)


def case_fact(case: Case) -> dict[str, Any]:
    """The case as a flat durable fact: known fields only, under their short keys."""
    fact: dict[str, Any] = {"cid": 1}
    for section, values in case:
        if isinstance(values, dt.date):
            fact[PEILDATUM_KEY] = values.toordinal()
            continue
        for name, value in values:
            if value is not None:
                path = f"{section}.{name}"
                fact[FIELD_KEYS[path]] = _encode(CASE_FIELDS[path], value)
    return fact
