"""A condition as durable_rules patterns, in three-valued logic, split to the size durable takes.

durable_rules treats a condition on a missing field as false, so a case with an unknown fact
would silently fall through to a lower rule. To prevent that, every condition is compiled twice,
in three-valued (Kleene) logic pushed down to negation normal form: a *true* pattern that
matches when the condition certainly holds, and an *unknown* pattern that matches when it may
hold but depends on a fact the case leaves out (or, when that pattern is too large for durable, a
*false* pattern, the unknown state then being what is left). What each operator means, and which
operator is its negation, comes from :mod:`wiebetaalt.model.conditions`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.case import CASE_FIELDS
from ..model.conditions import All, AnyOf, Atom, Condition, Not, negated
from ..model.fields import FieldType
from .fact import FIELD_KEYS, encode

Pattern = dict[str, Any] | None  # None: can never match


def conjunction(parts: list[Pattern]) -> Pattern:
    """Matches when every part does: flattened, and never (None) when the parts contradict."""
    if any(p is None for p in parts):
        return None
    kept: list[dict[str, Any]] = []
    for part in parts:
        if part:
            kept.extend(part["$and"] if "$and" in part else [part])
    if _contradicts(kept):
        return None
    return kept[0] if len(kept) == 1 else {"$and": kept}


def disjunction(parts: list[Pattern]) -> Pattern:
    """Matches when a part does: flattened, never (None) without parts that can match."""
    kept: list[dict[str, Any]] = []
    for part in parts:
        if part is not None:
            kept.extend(part["$or"] if "$or" in part else [part])
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else {"$or": kept}


def _contradicts(conjuncts: list[dict[str, Any]]) -> bool:
    """True when the atoms of a conjunction cannot all hold, so the branch can be dropped.

    Distributing an unknown pattern pairs "field absent" with tests on that field; durable
    treats every test on an absent field as false, so such a branch never matches.
    """
    absent: set[str] = set()
    tested: set[str] = set()
    equal: dict[str, Any] = {}
    for atom in conjuncts:
        if len(atom) != 1:
            continue
        ((op, body),) = atom.items()
        if op == "$nex":
            absent.update(body)
        elif op in ("$ex", "$neq", "$lt", "$lte", "$gt", "$gte"):
            tested.update(body)
        elif not op.startswith("$"):
            if op in equal and equal[op] != body:
                return True
            equal[op] = body
            tested.add(op)
    return not absent.isdisjoint(tested)


def _equal(key: str, ftype: FieldType, value: Any) -> Pattern:
    return {key: encode(ftype, value)}


def _compare(durable_op: str) -> Callable[[str, FieldType, Any], Pattern]:
    return lambda key, ftype, value: {durable_op: {key: encode(ftype, value)}}


#: How each operator of :data:`~wiebetaalt.model.conditions.OPERATORS` is written for durable (a
#: test checks that every operator of the table has its form here).
_ATOM_PATTERNS: dict[str, Callable[[str, FieldType, Any], Pattern]] = {
    "eq": _equal,
    "ne": _compare("$neq"),
    "in": lambda key, ftype, value: disjunction([_equal(key, ftype, v) for v in value]),
    "not_in": lambda key, ftype, value: conjunction([{"$neq": {key: encode(ftype, v)}} for v in value]),
    "lt": _compare("$lt"),
    "lte": _compare("$lte"),
    "gt": _compare("$gt"),
    "gte": _compare("$gte"),
    "known": lambda key, ftype, value: {"$ex": {key: 1}} if value else {"$nex": {key: 1}},
}


def _atom(field: str, op: str, value: Any) -> Pattern:
    return _ATOM_PATTERNS[op](FIELD_KEYS[field], CASE_FIELDS[field], value)


def true_pattern(condition: Condition) -> Pattern:
    """Matches exactly the cases where ``condition`` certainly holds."""
    if isinstance(condition, All):
        return conjunction([true_pattern(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return disjunction([true_pattern(c) for c in condition.any])
    if isinstance(condition, Not):
        return false_pattern(condition.not_)
    assert isinstance(condition, Atom)
    return _atom(condition.field, condition.op, condition.value)


def false_pattern(condition: Condition) -> Pattern:
    """Matches exactly the cases where ``condition`` certainly does not hold."""
    if isinstance(condition, All):
        return disjunction([false_pattern(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return conjunction([false_pattern(c) for c in condition.any])
    if isinstance(condition, Not):
        return true_pattern(condition.not_)
    assert isinstance(condition, Atom)
    return _atom(condition.field, *negated(condition.op, condition.value))


def _possible(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` holds or depends on an unknown fact."""
    if isinstance(condition, All):
        return conjunction([_possible(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return disjunction([_possible(c) for c in condition.any])
    if isinstance(condition, Not):
        return _possibly_false(condition.not_)
    assert isinstance(condition, Atom)
    return disjunction([true_pattern(condition), unknown_pattern(condition)])


def _possibly_false(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` fails or depends on an unknown fact."""
    if isinstance(condition, All):
        return disjunction([_possibly_false(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return conjunction([_possibly_false(c) for c in condition.any])
    if isinstance(condition, Not):
        return _possible(condition.not_)
    assert isinstance(condition, Atom)
    return disjunction([false_pattern(condition), unknown_pattern(condition)])


def unknown_pattern(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` depends on a fact the case leaves unknown.

    Unknown is "neither certainly true nor certainly false", i.e. possibly true and possibly
    false; each of those is as large as the condition, so the pattern stays linear in its size.
    """
    if isinstance(condition, Not):
        return unknown_pattern(condition.not_)
    if isinstance(condition, Atom):
        return None if condition.op == "known" else {"$nex": {FIELD_KEYS[condition.field]: 1}}
    return conjunction([_possible(condition), _possibly_false(condition)])


#: durable stores two expressions for each $and/$or of a pattern and refuses the 32nd
#: (MAX_SEQUENCE_EXPRESSIONS in its rete.h, error 113), so one pattern holds at most 15.
MAX_CONNECTIVES = 15
#: A condition that must be split into more durable rules than this is refused: the number of
#: parts grows with the product of its nested any/all, and so would the matching time.
MAX_PARTS = 64
_MAX_STEPS = 4096


class PatternTooLarge(ValueError):
    """A pattern cannot be split into at most :data:`MAX_PARTS` patterns durable accepts."""


def connectives(pattern: dict[str, Any]) -> int:
    """How many $and/$or groups ``pattern`` holds (durable takes at most :data:`MAX_CONNECTIVES`)."""
    if len(pattern) == 1:
        ((op, body),) = pattern.items()
        if op in ("$and", "$or"):
            return 1 + sum(connectives(p) for p in body)
    return 0


def split_pattern(pattern: dict[str, Any]) -> list[dict[str, Any]]:
    """``pattern`` as an equivalent disjunction of patterns small enough for durable.

    A small pattern is returned as it is. A large one is distributed, only as far as needed,
    toward disjunctive normal form: a top-level $or becomes separate patterns, and an $and over
    an $or becomes one $and per branch of it. Branches that contradict themselves are dropped.

    Raises:
        PatternTooLarge: it would take more than :data:`MAX_PARTS` patterns.
    """
    parts: list[dict[str, Any]] = []
    stack = [pattern]
    steps = 0
    while stack:
        steps += 1
        if steps > _MAX_STEPS:
            raise PatternTooLarge(f"haar opsplitsen kost meer dan {_MAX_STEPS} stappen")
        current = stack.pop()
        if connectives(current) <= MAX_CONNECTIVES:
            parts.append(current)
            if len(parts) > MAX_PARTS:
                raise PatternTooLarge(f"ze heeft meer dan {MAX_PARTS} durable-regels nodig")
        elif "$or" in current:
            stack.extend(reversed(current["$or"]))
        else:
            # conjunction flattens, so the children of a large $and are atoms and $ors
            children = current["$and"]
            widest = max(range(len(children)), key=lambda i: connectives(children[i]))
            for branch in reversed(children[widest]["$or"]):
                narrowed = conjunction([*children[:widest], branch, *children[widest + 1 :]])
                if narrowed is not None:
                    stack.append(narrowed)
    return parts
