"""The ways a rule certainly holds, for ``cases(satisfying=...)``: each way a *term*, the values
each field it needs may take; and the ways it just holds or just does not, for ``cases(near=...)``.

A condition is walked as the engine evaluates it, over one value of every class the framework tells
apart per field (:meth:`RuleTerms.domain`), an unknown fact included: an ``all`` joins the terms of
its parts, an ``any`` offers the terms of each part, a ``not`` asks its part for the other truth.
A term's bounds are where the values it allows meet the values it does not (:meth:`RuleTerms.edges`,
:meth:`RuleTerms.misses`): ``near`` draws from both sides of them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..decision.open_facts import undetermined
from ..engine.engine import Engine
from ..model.case import CASE_FIELDS
from ..model.conditions import All, AnyOf, Atom, Condition, Not
from ..model.framework import Framework, Rule
from ..model.space import field_space

#: a dotted field (or ``peildatum``) → the values it may take in this way of holding
Term = dict[str, tuple[Any, ...]]
#: beyond this many alternative ways a rule can hold, the rest are left out (each one kept is sound)
MAX_TERMS = 512
DAY = dt.timedelta(days=1)


class Marker:
    """A value that stands for something no case value can be."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: a fact left out of the case
UNKNOWN = Marker("<unknown>")
#: a text no condition names
OTHER = Marker("<other text>")


def compare(atom: Atom, value: Any) -> bool | None:
    """The truth of ``atom`` for one value of its field, as the engine evaluates it."""
    if atom.op == "known":
        return (value is not UNKNOWN) is bool(atom.value)
    if value is UNKNOWN:
        return None
    if value is OTHER:  # unequal to every constant a condition names
        return atom.op in ("ne", "not_in")
    return atom.holds_for(value)


def conjoin(left: list[Term], right: list[Term]) -> list[Term]:
    """Every way to hold both a term of ``left`` and one of ``right`` (at most :data:`MAX_TERMS`)."""
    found: list[Term] = []
    for a in left:
        for b in right:
            merged = dict(a)
            for path, allowed in b.items():
                if path in merged:
                    allowed = tuple(v for v in merged[path] if any(v is w or v == w for w in allowed))
                    if not allowed:
                        break
                merged[path] = allowed
            else:
                found.append(merged)
                if len(found) >= MAX_TERMS:
                    return found
    return found


def _period(rule: Rule) -> str:
    start = f"from {rule.valid_from}" if rule.valid_from else ""
    end = f"until {rule.valid_to}" if rule.valid_to else ""
    return " ".join(p for p in (start, end) if p) or "always in force"


class RuleTerms:
    """The terms of the rules of one framework, worked out once per rule.

    Args:
        framework: the framework.
        named: per field, the constants its conditions name.
        days: the peildata a rule that must hold is tried on.
        peildata: the peildata ``cases`` was given, if any (for the message of a rule that cannot hold).
    """

    def __init__(self, framework: Framework, named: dict[str, tuple[Any, ...]], days: tuple[dt.date, ...],
                 peildata: tuple[dt.date, ...] | None) -> None:
        self.framework = framework
        self.named = named
        self.days = days
        self.peildata = peildata
        self._terms: dict[str, list[Term]] = {}
        self._near: dict[str, tuple[list[Term], list[Term]]] = {}
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        """An engine for the framework, built when first asked for and then shared."""
        if self._engine is None:
            self._engine = Engine(self.framework)
        return self._engine

    def domain(self, path: str) -> tuple[Any, ...]:
        """One value of every class the framework tells apart, and more where that is cheap."""
        ftype = CASE_FIELDS[path]
        if ftype.value_type == "bool":
            return (True, False, UNKNOWN)
        if ftype.value_type == "enum":
            return (*ftype.values, UNKNOWN)
        if ftype.value_type == "int" and ftype.minimum is not None and ftype.maximum is not None:
            return (*range(ftype.minimum, ftype.maximum + 1), UNKNOWN)
        if ftype.value_type in ("int", "date"):
            values = field_space(self.framework, path).values
            step: Any = DAY if ftype.value_type == "date" else 1
            return (*sorted({d for v in values for d in (v - step, v)}), UNKNOWN)
        return (*self.named[path], OTHER, UNKNOWN)

    def terms(self, condition: Condition, want: bool) -> list[Term]:
        """Ways to fill in facts so that ``condition`` is certainly ``want``: any of the terms."""
        if isinstance(condition, Atom):
            domain = self.days if condition.field == "peildatum" else self.domain(condition.field)
            allowed = tuple(v for v in domain if compare(condition, v) is want)
            return [{condition.field: allowed}] if allowed else []
        if isinstance(condition, Not):
            return self.terms(condition.not_, not want)
        parts = condition.all if isinstance(condition, All) else condition.any
        assert isinstance(condition, (All, AnyOf))
        if isinstance(condition, All) == want:  # every part must be `want`
            found: list[Term] = [{}]
            for part in parts:
                found = conjoin(found, self.terms(part, want))
                if not found:
                    break
            return found
        return [term for part in parts for term in self.terms(part, want)][:MAX_TERMS]

    def terms_for(self, versions: list[Rule]) -> list[Term]:
        """The ways one rule (every version of it) holds on a peildatum on which it is in force.

        Raises:
            ValueError: the rule can never hold, or not on any of the peildata.
        """
        rule_id = versions[0].id
        if rule_id in self._terms:
            return self._terms[rule_id]
        found: list[Term] = []
        holds_somewhere = False
        for rule in versions:
            ways = self.terms(rule.when, True)
            holds_somewhere = holds_somewhere or bool(ways)
            in_force = tuple(d for d in self.days if rule.in_force(d))
            found += conjoin(ways, [{"peildatum": in_force}]) if in_force else []
        if not holds_somewhere:
            raise ValueError(f"cases(satisfying=...): the condition of rule {rule_id!r} can never hold "
                             "(its parts contradict each other)")
        if not found:
            periods = ", ".join(_period(rule) for rule in versions)
            peildata = self.peildata
            on = f"any of the given peildata ({', '.join(d.isoformat() for d in peildata)})" if peildata else \
                "any peildatum on which it is in force"
            raise ValueError(f"cases(satisfying=...): rule {rule_id!r} ({periods}) cannot hold on {on}")
        self._terms[rule_id] = found
        return found

    def holds(self, rule_id: str, case: dict[str, Any]) -> bool:
        """Whether a version of the rule is in force for ``case`` and its condition certainly holds."""
        prepared = self.engine().prepare(case)
        return any(rule.in_force(prepared.peildatum) and undetermined(rule.when, prepared)[0] is True
                   for rule in self.framework.rules if rule.id == rule_id)

    def ordered(self, path: str) -> tuple[Any, ...]:
        """The values of an ordered field (a number, a date, the peildatum) in order; () for another field."""
        if path == "peildatum":
            return self.days
        if CASE_FIELDS[path].value_type not in ("int", "date"):
            return ()
        return tuple(v for v in self.domain(path) if v is not UNKNOWN)

    def edges(self, path: str, allowed: tuple[Any, ...]) -> tuple[Any, ...]:
        """Of the values ``allowed`` for a field, those next to a value that is not: the term's bounds.

        All of ``allowed`` for a field that is not ordered, or where no value lies next to one that
        is not allowed.
        """
        values = self.ordered(path)
        edge = tuple(v for i, v in enumerate(values) if v in allowed and any(
            0 <= j < len(values) and values[j] not in allowed for j in (i - 1, i + 1)))
        if not edge:
            return allowed
        return (*edge, UNKNOWN) if UNKNOWN in allowed else edge

    def misses(self, path: str, allowed: tuple[Any, ...]) -> tuple[Any, ...]:
        """The values just outside ``allowed``: of an ordered field the ones next to an allowed value,
        of another field every other value; and unknown, when the term needs the fact."""
        values = self.ordered(path)
        if values:
            outside = tuple(v for i, v in enumerate(values) if v not in allowed and any(
                0 <= j < len(values) and values[j] in allowed for j in (i - 1, i + 1)))
        else:
            outside = tuple(v for v in self.domain(path) if v is not UNKNOWN and v not in allowed)
        return (*outside, UNKNOWN) if UNKNOWN not in allowed and path != "peildatum" else outside

    def near_terms(self, versions: list[Rule]) -> tuple[list[Term], list[Term]]:
        """The ways one rule holds at its bounds, and the ways it just does not.

        Holding: each way it holds (:meth:`terms`) on a peildatum on which a version is in force,
        every ordered field at a bound. Just not: the same, with one field just outside what the way
        allows (unknown included), or the peildatum just outside the period of the version; another
        way may still make the rule hold. A rule that can never hold gives the ways it certainly does
        not. Either list may be empty, never both.

        Raises:
            ValueError: the rule can neither hold nor certainly not hold.
        """
        rule_id = versions[0].id
        if rule_id in self._near:
            return self._near[rule_id]
        holding: list[Term] = []
        missing: list[Term] = []
        for rule in versions:
            for term in self.terms(rule.when, True):
                at = {path: self.edges(path, allowed) for path, allowed in term.items() if path != "peildatum"}
                # the peildata on which the version is in force and the condition allows
                days = tuple(d for d in term.get("peildatum", self.days) if rule.in_force(d))
                if not days:
                    missing.append({**at, "peildatum": term.get("peildatum", self.days)})
                    continue
                holding.append({**at, "peildatum": days})
                missing += [{**at, path: near, "peildatum": days}
                            for path in at if (near := self.misses(path, term[path]))]
                if outside := self.misses("peildatum", days):
                    missing.append({**at, "peildatum": outside})
        if not holding and not missing:
            missing = [term for rule in versions for term in self.terms(rule.when, False)]
        if not holding and not missing:
            raise ValueError(f"cases(near=...): rule {rule_id!r} can neither hold nor certainly not hold")
        found = (_unique(holding), _unique(missing))
        self._near[rule_id] = found
        return found


def _unique(terms: list[Term]) -> list[Term]:
    """``terms`` without repeats, in order, at most :data:`MAX_TERMS`."""
    seen: dict[tuple[tuple[str, tuple[Any, ...]], ...], Term] = {}
    for term in terms:
        seen.setdefault(tuple(sorted(term.items(), key=lambda item: item[0])), term)
    return list(seen.values())[:MAX_TERMS]
