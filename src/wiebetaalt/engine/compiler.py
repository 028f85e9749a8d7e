"""Framework → a plain durable_rules ruleset (JSON-able dict), deterministically.

durable_rules treats a condition on a missing field as false, so a case with an unknown fact
would silently fall through to a lower rule. To prevent that, every condition is compiled twice,
in three-valued (Kleene) logic pushed down to negation normal form: a *true* pattern that
matches when the condition certainly holds, and an *unknown* pattern that matches when it may
hold but depends on a fact the case leaves out (or, when that pattern is too large for durable, a
*false* pattern, the unknown state then being what is left). Resolution then knows, for every
rule, whether it holds, may hold, or does not, and never guesses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..model.case import CASE_FIELDS, Case, FieldType
from ..errors import FrameworkError, Problem
from ..model.framework import All, AnyOf, Atom, Condition, Framework, Not, Period
from .network import STACK_LIMIT, AlphaNetwork

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
    kept: list[dict[str, Any]] = []
    for part in parts:
        if part:
            kept.extend(part["$and"] if "$and" in part else [part])
    if _contradicts(kept):
        return None
    return kept[0] if len(kept) == 1 else {"$and": kept}


def _or(parts: list[Pattern]) -> Pattern:
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


def _possible(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` holds or depends on an unknown fact."""
    if isinstance(condition, All):
        return _and([_possible(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return _or([_possible(c) for c in condition.any])
    if isinstance(condition, Not):
        return _possibly_false(condition.not_)
    assert isinstance(condition, Atom)
    return _or([true_pattern(condition), unknown_pattern(condition)])


def _possibly_false(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` fails or depends on an unknown fact."""
    if isinstance(condition, All):
        return _or([_possibly_false(c) for c in condition.all])
    if isinstance(condition, AnyOf):
        return _and([_possibly_false(c) for c in condition.any])
    if isinstance(condition, Not):
        return _possible(condition.not_)
    assert isinstance(condition, Atom)
    return _or([false_pattern(condition), unknown_pattern(condition)])


def unknown_pattern(condition: Condition) -> Pattern:
    """Matches the cases where ``condition`` depends on a fact the case leaves unknown.

    Unknown is "neither certainly true nor certainly false", i.e. possibly true and possibly
    false; each of those is as large as the condition, so the pattern stays linear in its size.
    """
    if isinstance(condition, Not):
        return unknown_pattern(condition.not_)
    if isinstance(condition, Atom):
        return None if condition.op == "known" else {"$nex": {FIELD_KEYS[condition.field]: 1}}
    return _and([_possible(condition), _possibly_false(condition)])


def _in_force(period: Period) -> list[Pattern]:
    parts: list[Pattern] = []
    if period.valid_from is not None:
        parts.append({"$gte": {PEILDATUM_KEY: period.valid_from.toordinal()}})
    if period.valid_to is not None:
        parts.append({"$lt": {PEILDATUM_KEY: period.valid_to.toordinal()}})
    return parts


@dataclass(frozen=True)
class CompiledFramework:
    """A framework with its durable ruleset.

    ``names`` maps durable rule names to (state, id), state being "true", "unknown" or "false";
    ``complement`` lists the items with a false rule instead of an unknown rule, with the period
    they are in force: such an item is unknown when in force and neither true nor false.
    """

    framework: Framework
    ruleset: dict[str, Any]
    names: dict[str, tuple[str, str]]
    complement: tuple[tuple[str, Period], ...]
    digest: str
    #: the short keys of the case fields some pattern reads; the others need not cross into durable
    keys: frozenset[str] = frozenset(FIELD_KEYS.values())
    #: the durable rule names of each part: durable builds every part as a ruleset of its own,
    #: with :data:`CATCH_ALL`, and can walk it for every fact (:mod:`wiebetaalt.engine.network`)
    parts: tuple[tuple[str, ...], ...] = ()

    def part_rulesets(self) -> list[dict[str, Any]]:
        """One durable ruleset per part, each with the catch-all."""
        return [{**{name: self.ruleset[name] for name in part}, CATCH_ALL: self.ruleset[CATCH_ALL]}
                for part in self.parts]


#: durable matches its own session object ({"sid", "id", "$s"}) against every rule too; a pattern
#: such as "field absent" would fire on it. Every pattern therefore requires the case marker.
IS_CASE: dict[str, Any] = {"$ex": {"cid": 1}}


#: durable stores two expressions for each $and/$or of a pattern and refuses the 32nd
#: (MAX_SEQUENCE_EXPRESSIONS in its rete.h, error 113), so one pattern holds at most 15.
MAX_CONNECTIVES = 15
#: A condition that must be split into more durable rules than this is refused: the number of
#: parts grows with the product of its nested any/all, and so would the matching time.
MAX_PARTS = 64
_MAX_STEPS = 4096


class PatternTooLarge(ValueError):
    """A pattern cannot be split into at most :data:`MAX_PARTS` patterns durable accepts."""


def _connectives(pattern: dict[str, Any]) -> int:
    if len(pattern) == 1:
        ((op, body),) = pattern.items()
        if op in ("$and", "$or"):
            return 1 + sum(_connectives(p) for p in body)
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
            raise PatternTooLarge(f"splitting it takes more than {_MAX_STEPS} steps")
        current = stack.pop()
        if _connectives(current) <= MAX_CONNECTIVES:
            parts.append(current)
            if len(parts) > MAX_PARTS:
                raise PatternTooLarge(f"it needs more than {MAX_PARTS} durable rules")
        elif "$or" in current:
            stack.extend(reversed(current["$or"]))
        else:
            # _and flattens, so the children of a large $and are atoms and $ors
            children = current["$and"]
            widest = max(range(len(children)), key=lambda i: _connectives(children[i]))
            for branch in reversed(children[widest]["$or"]):
                narrowed = _and([*children[:widest], branch, *children[widest + 1 :]])
                if narrowed is not None:
                    stack.append(narrowed)
    return parts


def _items(framework: Framework) -> Iterator[tuple[str, str, Condition, Period, tuple[str | int, ...]]]:
    """(durable name stem, rule or source id, condition, period, path of its ``when``)."""
    for i, rule in enumerate(framework.rules):
        yield str(i), rule.id, rule.when, rule, ("rules", i, "when")
    for j, funder in enumerate(framework.funders):
        for k, source in enumerate(funder.party or []):
            if source.when is not None:  # an unconditional source needs no matching
                yield f"{j}_{k}", source.id, source.when, source, ("funders", j, "party", k, "when")


#: state -> durable name prefix for (a rule, a party source)
_NAME_PREFIX = {"true": ("t", "p"), "unknown": ("u", "q"), "false": ("f", "g")}


def _fits(pattern: Pattern) -> bool:
    return pattern is None or _connectives(pattern) <= MAX_CONNECTIVES


def compile_framework(framework: Framework) -> CompiledFramework:
    """Compile every rule and every party source into durable rules that tell its truth.

    Each item gets a *true* rule and, to tell "unknown" from "false", either an *unknown* rule or,
    when the unknown pattern is too large for one durable rule, a *false* rule; the engine then
    takes an item in force that is neither true nor false as unknown (``CompiledFramework.
    complement``). Unknown rules are preferred because they rarely fire, and each firing costs
    a round trip into durable. A pattern still too large is split into several durable rules
    under the same id. A catch-all rule matches every case: durable fails (and can crash when the
    session is later deleted) on a fact that no rule takes.

    The result is plain data, the same for the same framework, so it can be inspected and
    snapshot-tested.

    Raises:
        FrameworkError: a condition is too large to compile (code ``condition-too-large``, with
            the path of its ``when``; the loader reports it at its line).
    """
    ruleset: dict[str, Any] = {}
    names: dict[str, tuple[str, str]] = {}
    paths: dict[str, tuple[str | int, ...]] = {}
    complement: list[tuple[str, Period]] = []
    problems: list[Problem] = []
    for stem, item, condition, period, path in _items(framework):
        window = _in_force(period)
        patterns = {"true": _and([IS_CASE, true_pattern(condition), *window])}
        unknown = _and([IS_CASE, unknown_pattern(condition), *window])
        if _fits(unknown):
            patterns["unknown"] = unknown
        else:
            patterns["false"] = _and([IS_CASE, false_pattern(condition), *window])
            complement.append((item, period))
        for state, pattern in patterns.items():
            if pattern is None:
                continue  # can never match
            try:
                parts = split_pattern(pattern)
            except PatternTooLarge as error:
                problems.append(Problem(
                    f"<framework {framework.framework}>", 0, 0, "condition-too-large",
                    f"the condition of {item!r} is too large for durable_rules: {error}",
                    "split it into several rules, or write it with fewer nested any/all", path))
                break
            name = _NAME_PREFIX[state][path[0] != "rules"]
            for n, part in enumerate(parts):
                durable_name = f"{name}{stem}" if len(parts) == 1 else f"{name}{stem}_{n}"
                ruleset[durable_name] = {"all": [{"m": part}], "pri": 1}
                names[durable_name] = (state, item)
                paths[durable_name] = path
    partition = _partition(framework, ruleset, names, paths, problems)
    if problems:
        raise FrameworkError(problems)
    ruleset[CATCH_ALL] = {"all": [{"m": IS_CASE}], "pri": 2}
    text = json.dumps(ruleset, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    keys = frozenset(key for key in FIELD_KEYS.values() if f'"{key}"' in text)
    return CompiledFramework(framework, ruleset, names, tuple(complement), digest, keys, partition)


def _partition(framework: Framework, ruleset: dict[str, Any], names: dict[str, tuple[str, str]],
               paths: dict[str, tuple[str | int, ...]], problems: list[Problem]) -> tuple[tuple[str, ...], ...]:
    """Split the durable rules, in order, into parts durable can build and walk for every fact.

    Rules that stay open together for one case (a region's rule per school, all open while the
    school is unknown) can need more of durable's walk than it has; crossing that limit crashes the
    process (see :mod:`wiebetaalt.engine.network`). Each part is matched on its own, so what fired is the
    same as in one ruleset. Most frameworks fit in one part.
    """
    parts: list[list[str]] = []
    current: list[str] = []
    network = AlphaNetwork([IS_CASE])
    for name, rule in ruleset.items():
        pattern = rule["all"][0]["m"]
        network.add(pattern)
        if network.fits():
            current.append(name)
            continue
        alone = AlphaNetwork([IS_CASE, pattern])
        if not alone.fits():
            problems.append(Problem(
                f"<framework {framework.framework}>", 0, 0, "condition-too-large",
                f"the condition of {names[name][1]!r} opens more tests at once than durable_rules can follow "
                f"(at most {STACK_LIMIT})", "split it into several rules, or write it with fewer nested any/all",
                paths[name]))
            network = AlphaNetwork([IS_CASE, *(ruleset[n]["all"][0]["m"] for n in current)])
            continue
        parts.append(current)
        current, network = [name], alone
    if current or not parts:
        parts.append(current)
    return tuple(tuple(part) for part in parts)


# (section, [(field name, short key, is a date)]) for every section of the case model
_LAYOUT: list[tuple[str, list[tuple[str, str, bool]]]] = []
for _path, _ftype in CASE_FIELDS.items():
    _section, _, _name = _path.partition(".")
    if _name:
        if not _LAYOUT or _LAYOUT[-1][0] != _section:
            _LAYOUT.append((_section, []))
        _LAYOUT[-1][1].append((_name, FIELD_KEYS[_path], _ftype.kind == "date"))

# per set of keys: (section, [(field name, key)] of the other fields, [(field name, key)] of the dates)
_Layout = list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]
_LAYOUTS: dict[frozenset[str] | None, _Layout] = {}


def _layout(keys: frozenset[str] | None) -> _Layout:
    found = _LAYOUTS.get(keys)
    if found is None:
        found = [
            (section, [(name, key) for name, key, is_date in fields if not is_date and (keys is None or key in keys)],
             [(name, key) for name, key, is_date in fields if is_date and (keys is None or key in keys)])
            for section, fields in _LAYOUT
        ]
        if len(_LAYOUTS) < 1000:  # a few frameworks per process; a bound all the same
            _LAYOUTS[keys] = found
    return found


def case_fact(case: Case, keys: frozenset[str] | None = None) -> dict[str, Any]:
    """The case as a flat durable fact: known fields only, under their short keys.

    ``keys`` (see :attr:`CompiledFramework.keys`) leaves out the fields no pattern reads: durable
    parses every field of a fact and echoes the whole fact for every rule that fires.
    """
    fact: dict[str, Any] = {"cid": 1, PEILDATUM_KEY: case.peildatum.toordinal()}
    # the models' __dict__ directly: this runs for every case, and pydantic's iteration is slow
    for section, plain, dates in _layout(keys):
        values = getattr(case, section).__dict__
        for name, key in plain:
            if (value := values[name]) is not None:
                fact[key] = value
        for name, key in dates:
            if (value := values[name]) is not None:
                fact[key] = value.toordinal()
    return fact
