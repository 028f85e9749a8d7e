"""Hypothesis strategies for cases: :func:`cases` draws valid cases for a framework, toward the
values where it changes its answer.

The cases are drawn toward the constants a framework's conditions name, both sides of every bound,
the dates rules start and stop, the same municipality or another one, with facts left unknown,
because unknown facts are where a framework most often goes wrong. What is drawn from is worked
out once per framework (:class:`_Plan`); ``satisfying`` draws from the ways a rule holds and
``near`` from both sides of its bounds (:mod:`wiebetaalt.testing.terms`). The explicit examples of
``aimed_examples`` (:mod:`wiebetaalt.testing.aims`) are built from the same plan. This module imports
Hypothesis; ``import wiebetaalt`` does not. See docs/testing.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st

from ..engine.derive import DERIVED_FROM
from ..model.case import CASE_FIELDS, case_data
from ..model.framework import Framework
from ..model.space import OTHER_TEXT, date_points, framework_atoms
from .arguments import check_fixed, check_framework, check_known, check_peildata, check_rule
from .names import GENERIC, GENERIC_OTHER, POSTCODES, family
from .terms import DAY, OTHER, UNKNOWN, RuleTerms, Term

__all__ = ("cases",)

_FIELDS = [path for path in CASE_FIELDS if path != "peildatum"]
# About this many entries in the list a field's value is drawn from: enough for the share of
# unknown facts to be close to the one asked for, and few enough (Hypothesis draws the index into
# a list of more than a few hundred entries toward 0, like any number) to keep it so.
_SLOTS = 100


class _Earlier:
    """Stands for a value already drawn for another field of the same family (the same municipality)."""

    def __init__(self, index: int) -> None:
        self.index = index


_EARLIER = tuple(_Earlier(i) for i in range(3))


class _AnyNumber:
    """Stands for any whole number from ``low`` to ``high``, drawn when it is picked."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high


class _AnyDay:
    """Stands for any day within three years of the peildatum, drawn when it is picked."""


_DAYS_AROUND = st.integers(-3 * 365, 3 * 365)


def cases(
    framework: Framework,
    *,
    peildata: Iterable[dt.date | str] | None = None,
    satisfying: str | None = None,
    near: str | None = None,
    known: float = 0.7,
    fixed: Mapping[str, Any] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """A Hypothesis strategy of valid cases for ``framework``, as dicts in the form of a case file.

    Each case is a ``dict`` as ``Engine.decide`` takes it and a case file holds it (dates as
    ``YYYY-MM-DD`` text); ``wiebetaalt.parse_case`` turns it into a :class:`~wiebetaalt.Case`.
    Values are drawn toward the boundaries the framework's conditions use: every choice value, both
    sides of every number and date bound, the days rules start and stop, the texts conditions name
    and others, and a municipality the same as another one in the case or a different one.

    Args:
        framework: a loaded :class:`~wiebetaalt.Framework`.
        peildata: the peildata to draw from (dates or ``YYYY-MM-DD`` texts); by default the first
            day of every period the framework treats alike, the day before it, and other dates.
        satisfying: a rule id: only cases for which that rule is in force and its condition
            certainly holds (on the case as the engine prepares it, with the bundled postcode table).
        near: a rule id: cases on both sides of that rule's bounds, about half in which it holds with
            every number and date it compares at a bound, the others with one fact just outside
            what it needs (or unknown), or the peildatum just outside its period. Any rule, also one
            that cannot hold; not together with ``satisfying``.
        known: the chance, from 0 to 1, that each fact is known; the others are left out (unknown).
            Facts a ``satisfying`` or ``near`` rule needs are always set as it needs them.
        fixed: facts every case has, by dotted field (``{"school.soort": "so"}``, ``"peildatum"``
            too), written as in a case file; ``None`` leaves the fact out of every case. They go
            before what ``satisfying`` and ``near`` need: a rule they keep from holding gives no
            cases with ``satisfying``, and only cases in which it does not hold with ``near``.

    Raises:
        TypeError: ``framework`` is not a Framework, or an argument has the wrong type.
        ValueError: a bad peildatum, ``known`` outside 0..1, an unknown rule id (with the closest
            ids), a ``satisfying`` rule that cannot hold (on any of ``peildata``), both ``satisfying``
            and ``near``, or a ``fixed`` field that the case model does not have (with the closest)
            or a value that does not fit it.
    """
    check_framework(framework, "cases")
    days = check_peildata(peildata)
    chance = check_known(known)
    given = check_fixed(fixed)
    if satisfying is not None and near is not None:
        raise ValueError("cases(satisfying=..., near=...): give one of the two; near already draws cases in which "
                         "the rule holds")
    if given.get("peildatum") is not None:
        days = (given["peildatum"],)
    plan = _plan(framework, days)
    values = plan.values(chance)
    ways: st.SearchStrategy[Term] = st.just({})
    if satisfying is not None:
        ways = st.sampled_from(plan.rules.terms_for(check_rule(framework, satisfying, "satisfying")))
    elif near is not None:
        holding, missing = plan.rules.near_terms(check_rule(framework, near, "near"))
        # a side first, then a way of it: the lists differ in length, and each side should come up
        # about as often as the other
        ways = st.one_of(*(st.sampled_from(side) for side in (holding, missing) if side))
    rule_id = satisfying

    @st.composite
    def draw_case(draw: st.DrawFn) -> dict[str, Any]:
        term = draw(ways)
        if "peildatum" in given:
            peildatum: dt.date = given["peildatum"]
        elif "peildatum" in term:
            peildatum = draw(st.sampled_from(term["peildatum"]))
        else:
            peildatum = draw(plan.peildatum)
        drawn: dict[str, Any] = {}
        for path in _FIELDS:
            if path in given:
                if given[path] is not None:
                    drawn[path] = given[path]
            elif path in term:
                value = draw(st.sampled_from(term[path]))
                if value is UNKNOWN:
                    continue
                drawn[path] = plan.concrete(draw, path, value, drawn)
            else:
                value = draw(values[path])
                if value is not UNKNOWN:
                    drawn[path] = plan.value(draw, path, value, peildatum, drawn)
        if term:
            _keep_derivations_out(term, drawn)
        case = case_data(peildatum, drawn)
        if rule_id is not None and not plan.rules.holds(rule_id, case):
            reject()
        return case

    return draw_case()


def _keep_derivations_out(term: Term, drawn: dict[str, Any]) -> None:
    """Leave out what would fill in a derived fact that ``term`` needs as it is (unknown, or as given)."""
    for target, inputs in DERIVED_FROM.items():
        if target not in term:
            continue
        if target in drawn:
            # a given fact is never replaced, except the municipality by a later registered move
            dropped: tuple[str, ...] = ("kind.brp_inschrijfdatum",) if target == "kind.brp_gemeente" else ()
        else:
            dropped = inputs
        for source in dropped:
            if source not in term:
                drawn.pop(source, None)


class _Plan:
    """What :func:`cases` draws from for one framework, worked out once when the strategy is built."""

    def __init__(self, framework: Framework, peildata: tuple[dt.date, ...] | None) -> None:
        self.framework = framework
        self.named: dict[str, tuple[Any, ...]] = {}
        for path in CASE_FIELDS:
            ftype = CASE_FIELDS[path]
            if ftype.value_type in ("str", "int", "date"):
                found = [c for a in framework_atoms(framework) if a.field == path and a.op != "known"
                         for c in (a.value if isinstance(a.value, list) else [a.value])]
                self.named[path] = tuple(dict.fromkeys(found))
        self.pools: dict[str, tuple[str, ...]] = {}
        for path in _FIELDS:
            if CASE_FIELDS[path].value_type == "str" and path != "kind.postcode":
                group = family(path)
                self.pools[group] = tuple(dict.fromkeys(
                    [*self.pools.get(group, ()), *map(str, self.named[path]), *self._party_names(path)]))
        for group in self.pools:
            self.pools[group] = tuple(dict.fromkeys([*self.pools[group], *GENERIC.get(group, GENERIC_OTHER)]))
        self.changes = self._changes()
        # the last day before each change and the first day of it
        self.points = tuple(sorted({d for change in self.changes for d in (change - DAY, change)}))
        self.peildata = peildata
        if peildata is not None:
            self.peildatum: st.SearchStrategy[dt.date] = st.sampled_from(peildata)
            #: the peildata a rule that must hold is tried on
            self.days = peildata
        else:
            # each period as likely as another, however long it is
            periods = [(a, b - DAY) for a, b in zip(self.changes, self.changes[1:])]
            periods = [(self.changes[0] - dt.timedelta(days=365), self.changes[0] - DAY), *periods,
                       (self.changes[-1], self.changes[-1] + dt.timedelta(days=3 * 365))]
            # the latest first: Hypothesis favours and shrinks toward the first, and the law in force
            # now is what most cases are decided on
            self.peildatum = st.sampled_from(self.points[::-1]) | st.sampled_from(periods[::-1]).flatmap(
                lambda period: st.dates(*period))
            bounds = {d for r in framework.rules for d in (r.valid_from, r.valid_to and r.valid_to - DAY) if d}
            inside = {a + (b - a) / 2 for a, b in zip(self.changes, self.changes[1:])}
            self.days = tuple(sorted({*self.points, *bounds, *inside, self.changes[-1] + dt.timedelta(days=180)}))
        self.rules = RuleTerms(framework, self.named, self.days, peildata)
        self.texts = {path: [str(c) for c in self.named[path]] for path in self.named}
        self._values: dict[float, dict[str, st.SearchStrategy[Any]]] = {}
        #: the cases of ``aimed_examples`` (:mod:`.aims`), by the fixed facts they were worked out with
        self.aimed: dict[tuple[tuple[str, Any], ...], list[dict[str, Any]]] = {}

    def _party_names(self, path: str) -> list[str]:
        # a split names parties with the prefix a party source puts before the field ("gemeente
        # Schiedam"): the bare name makes the two the same payer
        prefixes = {s.prefix for f in self.framework.funders for s in f.party or [] if s.field == path and s.prefix}
        names = [p.party for f in self.framework.funders if f.split for p in f.split.parts if p.party]
        return [name[len(prefix) + 1:] for name in names for prefix in prefixes if name.startswith(prefix + " ")]

    def _changes(self) -> tuple[dt.date, ...]:
        """The days on which the framework's answer may change: rules and party sources start or stop,
        a condition compares the peildatum."""
        changes = set(date_points(self.framework))
        for atom in framework_atoms(self.framework):
            if atom.field == "peildatum" and atom.op != "known":
                changes |= {dt.date.fromisoformat(str(v)) for v in (atom.value if isinstance(atom.value, list)
                                                                     else [atom.value])}
        return tuple(sorted(changes))

    # values in general

    def values(self, known: float) -> dict[str, st.SearchStrategy[Any]]:
        """Per field, one draw that gives the unknown marker or a value (or what stands for one).

        One draw per field, from a list in which each kind of value has its share and the unknown
        marker comes first: Hypothesis draws numbers toward 0 and shrinks toward the first entry, so
        a drawn number compared with ``known`` would leave far more facts unknown than asked, while
        a list keeps the shares, and a failing case shrinks to one with fewer facts.
        """
        if known not in self._values:
            self._values[known] = {path: self._weighted(known, self.groups(path)) for path in _FIELDS}
        return self._values[known]

    def groups(self, path: str) -> list[Sequence[Any]]:
        """The kinds of value of a field, each as likely as another."""
        ftype = CASE_FIELDS[path]
        if ftype.value_type == "bool":
            return [(True, False)]
        if ftype.value_type == "enum":
            return [ftype.values]
        if ftype.value_type == "int":
            low = ftype.minimum if ftype.minimum is not None else 0
            high = ftype.maximum if ftype.maximum is not None else max([low, *map(int, self.named[path])]) + 1
            bounds = {b for c in self.named[path] for b in (int(c) - 1, int(c), int(c) + 1)} | {low, high}
            return [sorted(b for b in bounds if low <= b <= high),
                    range(low, high + 1) if high - low < _SLOTS else (_AnyNumber(low, high),)]
        if ftype.value_type == "date":
            # a date is told apart by its constants and by lying before or after the peildatum: a
            # whole number is a number of days from the peildatum
            named = sorted({d for c in self.named[path] for d in (dt.date.fromisoformat(str(c)) - DAY,
                                                                  dt.date.fromisoformat(str(c)))})
            return [g for g in ((-1, 0, 1), (_AnyDay(),), named) if g]
        if path == "kind.postcode":
            return [[*map(str, self.named[path]), *POSTCODES]]
        # a text named by this field's conditions, one of its family, or one already in the case
        return [g for g in (self.texts[path], self.pools[family(path)], _EARLIER) if g]

    @staticmethod
    def _weighted(known: float, groups: list[Sequence[Any]]) -> st.SearchStrategy[Any]:
        if known == 0:
            return st.just(UNKNOWN)
        largest = max(len(g) for g in groups)
        scale = max(1, -(-_SLOTS // (largest * len(groups))))
        entries = [v for g in groups for v in g for _ in range(max(1, round(largest * scale / len(g))))]
        unknown = round(len(entries) * (1 - known) / known)
        return st.sampled_from([UNKNOWN] * unknown + entries)

    def value(self, draw: st.DrawFn, path: str, value: Any, peildatum: dt.date, drawn: Mapping[str, Any]) -> Any:
        """The value of a field from what was drawn for it."""
        if isinstance(value, _AnyNumber):
            return draw(st.integers(value.low, value.high))
        if isinstance(value, _AnyDay):
            value = draw(_DAYS_AROUND)
        if CASE_FIELDS[path].value_type == "date" and isinstance(value, int):
            return peildatum + value * DAY
        if isinstance(value, _Earlier):
            group = family(path)
            earlier = [str(v) for p, v in drawn.items() if p != path and family(p) == group]
            pool = earlier or self.pools[group]
            return pool[value.index % len(pool)]
        return value

    def text(self, draw: st.DrawFn, path: str, drawn: Mapping[str, Any]) -> str:
        """A text for ``path`` that none of its conditions names."""
        group = family(path)
        named = self.texts[path]
        pool = [v for v in self.pools[group] if v not in named] or [f"{OTHER_TEXT} ({path})"]
        earlier = [str(v) for p, v in drawn.items() if p != path and family(p) == group and v not in named]
        return draw(st.sampled_from([*pool, *earlier]))

    def concrete(self, draw: st.DrawFn, path: str, value: Any, drawn: Mapping[str, Any]) -> Any:
        if value is not OTHER:
            return value
        if path == "kind.postcode":
            return draw(st.sampled_from([p for p in POSTCODES if p not in self.named[path]]))
        return self.text(draw, path, drawn)


_PLANS: list[_Plan] = []
# a test module builds its strategies at import and a test may build one per example: the work
# per framework (and the engine that prepares cases for `satisfying`) is shared
_PLANS_KEPT = 8


def _plan(framework: Framework, peildata: tuple[dt.date, ...] | None) -> _Plan:
    for plan in _PLANS:
        if plan.framework is framework and plan.peildata == peildata:
            return plan
    plan = _Plan(framework, peildata)
    _PLANS.insert(0, plan)
    del _PLANS[_PLANS_KEPT:]
    return plan
