"""A test kit for frameworks: Hypothesis strategies for cases, and the invariants every outcome keeps.

A region that writes an overlay (or anyone who edits a rule file) tests it the way this project
tests the national framework: generate many cases with :func:`cases`, decide each, and check it
with :func:`assert_invariants`::

    from hypothesis import given
    from wiebetaalt import Engine, load_framework
    from wiebetaalt.testing import assert_invariants, cases

    FRAMEWORK = load_framework("rules/regio/waterweg.yaml")
    ENGINE = Engine(FRAMEWORK)

    @given(cases(FRAMEWORK))
    def test_every_case_keeps_the_invariants(case):
        assert_invariants(ENGINE, case)

The cases are drawn toward the values where a framework changes its answer (the constants its
conditions name, both sides of every bound, the dates rules start and stop, the same municipality
or another one), with facts left unknown, because unknown facts are where a framework most often
goes wrong. This module imports Hypothesis; ``import wiebetaalt`` does not. See docs/testing.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any, NoReturn, Union

try:
    from hypothesis import reject
    from hypothesis import strategies as st
except ModuleNotFoundError as error:
    # Hypothesis is an extra (`import wiebetaalt` does not need it): say how to get it; a module
    # missing inside an installed Hypothesis is another fault and keeps its own message
    if error.name != "hypothesis":
        raise
    raise ModuleNotFoundError(
        "wiebetaalt.testing needs Hypothesis, which is not installed; install it with: "
        "pip install 'wiebetaalt[testing]'", name="hypothesis") from error

from ..decision.settle import summary
from ..model.case import CASE_FIELDS, Case, case_data, field_value, parse_case, put_field
from ..engine.engine import Engine
from ..errors import CaseError, EvaluationError
from ..model.framework import All, AnyOf, Atom, Condition, Framework, Not, Rule
from ..decision.outcome import Decision, Escalation, EscalationReason, Outcome, undetermined
from ..model.space import OTHER_TEXT, date_points, field_space, framework_atoms, used_fields

__all__ = (
    "INDIVIDUAL_YOUTH_CARE",
    "assert_cites_legal_basis",
    "assert_decides",
    "assert_deterministic",
    "assert_invariants",
    "assert_no_funder_from_unknown_facts",
    "assert_school_location_irrelevant",
    "assert_shares_sum_to_one",
    "cases",
)

#: The kinds of help that are individual jeugdhulp under the Jeugdwet when ``hulpvraag.toegang`` is
#: ``individueel``: the woonplaats of the child decides who pays, never where the school is.
INDIVIDUAL_YOUTH_CARE: tuple[str, ...] = (
    "jeugdhulp",
    "begeleiding",
    "persoonlijke_verzorging",
    "diagnostiek_behandeling",
    "dagbesteding",
    "dyslexiezorg",
    "jeugdbescherming",
    "jeugdreclassering",
)

_CaseLike = Union[Case, Mapping[str, Any]]

_FIELDS = [path for path in CASE_FIELDS if path != "peildatum"]
# Text that stands for values no condition names; a municipality and an SWV each get their own
# family, so that two fields of a family are as often the same as different.
_GENERIC = {"gemeente": ("Plaats A", "Plaats B", "Plaats C"), "swv": ("SWV A", "SWV B")}
_GENERIC_OTHER = (OTHER_TEXT, "Anders")
# From the bundled sample table and outside it, written as people write them (the case model
# removes spaces and upper-cases): the engine then derives kind.brp_gemeente, or cannot.
_POSTCODES = ("3132AB", "3111 XY", "2611aa", "3141CD", "9999ZZ", "1234AB")
# Engine.prepare fills these from other facts (docs/case.md#how-brp_woonadres-is-derived); a
# case meant to leave one unknown, or to keep a given municipality, leaves those out too.
_DERIVED_FROM = {
    "kind.brp_gemeente": ("kind.postcode", "kind.brp_inschrijfdatum"),
    "kind.brp_woonadres": ("kind.briefadres", "kind.brp_gemeente", "kind.postcode", "kind.brp_inschrijfdatum",
                           "kind.vorige_brp_gemeente"),
    "kind.verblijf": ("kind.soort_verblijf",),
}
# the derived fact each input fills (a briefadres goes before a BRP municipality)
_FEEDS = {"kind.briefadres": "kind.brp_woonadres", "kind.brp_gemeente": "kind.brp_woonadres",
          "kind.postcode": "kind.brp_gemeente", "kind.vorige_brp_gemeente": "kind.brp_gemeente",
          "kind.soort_verblijf": "kind.verblijf"}
_DERIVATION_INPUTS = ("kind.postcode", "kind.briefadres", "kind.soort_verblijf", "kind.vorige_brp_gemeente",
                      "kind.brp_inschrijfdatum")
# beyond this many alternative ways a rule can hold, the rest are left out (each one kept is sound)
_MAX_TERMS = 512
_DAY = dt.timedelta(days=1)
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


class _Marker:
    """A value that stands for something no case value can be."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: a fact left out of the case
_UNKNOWN = _Marker("<unknown>")
#: a text no condition names
_OTHER = _Marker("<other text>")

_Term = dict[str, tuple[Any, ...]]


# --- strategies -------------------------------------------------------------------------------------


def cases(
    framework: Framework,
    *,
    peildata: Iterable[dt.date | str] | None = None,
    satisfying: str | None = None,
    known: float = 0.7,
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
        known: the chance, from 0 to 1, that each fact is known; the others are left out (unknown).
            Facts a ``satisfying`` rule needs are always set as it needs them.

    Raises:
        TypeError: ``framework`` is not a Framework, or an argument has the wrong type.
        ValueError: a bad peildatum, ``known`` outside 0..1, an unknown rule id (with the closest
            ids), or a rule that cannot hold (on any of ``peildata``).
    """
    if not isinstance(framework, Framework):
        hint = " (load it first: wiebetaalt.load_framework(path))" if isinstance(framework, str) or hasattr(
            framework, "__fspath__") else ""
        raise TypeError(f"cases(framework=...): expected a wiebetaalt Framework{hint}, got {type(framework).__name__}")
    days = _check_peildata(peildata)
    chance = _check_known(known)
    plan = _plan(framework, days)
    values = plan.values(chance)
    terms: list[_Term] = []
    if satisfying is not None:
        terms = plan.terms_for(_check_rule(framework, satisfying))
    rule_id = satisfying
    ways = st.sampled_from(terms) if terms else st.just({})

    @st.composite
    def draw_case(draw: st.DrawFn) -> dict[str, Any]:
        term = draw(ways)
        if "peildatum" in term:
            peildatum: dt.date = draw(st.sampled_from(term["peildatum"]))
        else:
            peildatum = draw(plan.peildatum)
        drawn: dict[str, Any] = {}
        for path in _FIELDS:
            if path in term:
                value = draw(st.sampled_from(term[path]))
                if value is _UNKNOWN:
                    continue
                drawn[path] = plan.concrete(draw, path, value, drawn)
            else:
                value = draw(values[path])
                if value is not _UNKNOWN:
                    drawn[path] = plan.value(draw, path, value, peildatum, drawn)
        if term:
            _keep_derivations_out(term, drawn)
        case = case_data(peildatum, drawn)
        if rule_id is not None and not plan.holds(rule_id, case):
            reject()
        return case

    return draw_case()


def _check_peildata(peildata: Iterable[dt.date | str] | None) -> tuple[dt.date, ...] | None:
    if peildata is None:
        return None
    if isinstance(peildata, (str, dt.date)) or not isinstance(peildata, Iterable):
        raise TypeError(f"cases(peildata=...): expected a list of dates, e.g. [datetime.date(2025, 3, 1)], "
                        f"got {peildata!r}")
    days: list[dt.date] = []
    for day in peildata:
        if isinstance(day, dt.datetime) or not isinstance(day, (dt.date, str)):
            raise TypeError(f"cases(peildata=...): expected dates or 'YYYY-MM-DD' texts, got {day!r}")
        if isinstance(day, str):
            try:
                parsed = parse_case({"peildatum": day}).peildatum
            except CaseError:
                raise ValueError(f"cases(peildata=...): {day!r} is not a date; write YYYY-MM-DD") from None
            days.append(parsed)
        else:
            days.append(day)
    if not days:
        raise ValueError("cases(peildata=...): expected at least one date, got none")
    return tuple(dict.fromkeys(days))


def _check_known(known: float) -> float:
    if isinstance(known, bool) or not isinstance(known, (int, float, Fraction)):
        raise TypeError(f"cases(known=...): expected a number from 0 to 1 (the chance a fact is known), got {known!r}")
    if math.isnan(known) or not 0 <= known <= 1:
        raise ValueError(f"cases(known=...): expected a number from 0 to 1 (the chance a fact is known), got {known!r}")
    return float(known)


def _check_rule(framework: Framework, rule_id: str) -> list[Rule]:
    if not isinstance(rule_id, str):
        raise TypeError(f"cases(satisfying=...): expected a rule id, got {rule_id!r}")
    versions = [rule for rule in framework.rules if rule.id == rule_id]
    if not versions:
        ids = list(dict.fromkeys(rule.id for rule in framework.rules))
        close = difflib.get_close_matches(rule_id, ids, n=3)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"cases(satisfying=...): framework {framework.framework!r} has no rule {rule_id!r}{hint}")
    return versions


def _family(path: str) -> str:
    name = path.rpartition(".")[2]
    if "gemeente" in name:
        return "gemeente"
    if name.startswith("swv") or name == "samenwerkingsverband":
        return "swv"
    return path


def _keep_derivations_out(term: _Term, drawn: dict[str, Any]) -> None:
    for target, inputs in _DERIVED_FROM.items():
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


def _compare(atom: Atom, value: Any) -> bool | None:
    """The truth of ``atom`` for one value of its field, as the engine evaluates it."""
    if atom.op == "known":
        return (value is not _UNKNOWN) is bool(atom.value)
    if value is _UNKNOWN:
        return None
    if value is _OTHER:  # unequal to every constant a condition names
        return atom.op in ("ne", "not_in")
    return atom.holds_for(value)


def _conjoin(left: list[_Term], right: list[_Term]) -> list[_Term]:
    found: list[_Term] = []
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
                if len(found) >= _MAX_TERMS:
                    return found
    return found


class _Plan:
    """What :func:`cases` draws from for one framework, worked out once when the strategy is built."""

    def __init__(self, framework: Framework, peildata: tuple[dt.date, ...] | None) -> None:
        self.framework = framework
        self.named: dict[str, tuple[Any, ...]] = {}
        for path in CASE_FIELDS:
            ftype = CASE_FIELDS[path]
            if ftype.kind in ("str", "int", "date"):
                found = [c for a in framework_atoms(framework) if a.field == path and a.op != "known"
                         for c in (a.value if isinstance(a.value, list) else [a.value])]
                self.named[path] = tuple(dict.fromkeys(found))
        self.pools: dict[str, tuple[str, ...]] = {}
        for path in _FIELDS:
            if CASE_FIELDS[path].kind == "str" and path != "kind.postcode":
                family = _family(path)
                self.pools[family] = tuple(dict.fromkeys(
                    [*self.pools.get(family, ()), *map(str, self.named[path]), *self._party_names(path)]))
        for family in self.pools:
            self.pools[family] = tuple(dict.fromkeys([*self.pools[family], *_GENERIC.get(family, _GENERIC_OTHER)]))
        self.changes = self._changes()
        # the last day before each change and the first day of it
        self.points = tuple(sorted({d for change in self.changes for d in (change - _DAY, change)}))
        self.peildata = peildata
        if peildata is not None:
            self.peildatum: st.SearchStrategy[dt.date] = st.sampled_from(peildata)
            #: the peildata a rule that must hold is tried on
            self.days = peildata
        else:
            # each period as likely as another, however long it is
            periods = [(a, b - _DAY) for a, b in zip(self.changes, self.changes[1:])]
            periods = [(self.changes[0] - dt.timedelta(days=365), self.changes[0] - _DAY), *periods,
                       (self.changes[-1], self.changes[-1] + dt.timedelta(days=3 * 365))]
            # the latest first: Hypothesis favours and shrinks toward the first, and the law in force
            # now is what most cases are decided on
            self.peildatum = st.sampled_from(self.points[::-1]) | st.sampled_from(periods[::-1]).flatmap(
                lambda period: st.dates(*period))
            bounds = {d for r in framework.rules for d in (r.valid_from, r.valid_to and r.valid_to - _DAY) if d}
            inside = {a + (b - a) / 2 for a, b in zip(self.changes, self.changes[1:])}
            self.days = tuple(sorted({*self.points, *bounds, *inside, self.changes[-1] + dt.timedelta(days=180)}))
        self._terms: dict[str, list[_Term]] = {}
        self._engine: Engine | None = None
        self.texts = {path: [str(c) for c in self.named[path]] for path in self.named}
        self._values: dict[float, dict[str, st.SearchStrategy[Any]]] = {}

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
            self._values[known] = {path: self._weighted(known, self._groups(path)) for path in _FIELDS}
        return self._values[known]

    def _groups(self, path: str) -> list[Sequence[Any]]:
        """The kinds of value of a field, each as likely as another."""
        ftype = CASE_FIELDS[path]
        if ftype.kind == "bool":
            return [(True, False)]
        if ftype.kind == "enum":
            return [ftype.values]
        if ftype.kind == "int":
            low = ftype.minimum if ftype.minimum is not None else 0
            high = ftype.maximum if ftype.maximum is not None else max([low, *map(int, self.named[path])]) + 1
            bounds = {b for c in self.named[path] for b in (int(c) - 1, int(c), int(c) + 1)} | {low, high}
            return [sorted(b for b in bounds if low <= b <= high),
                    range(low, high + 1) if high - low < _SLOTS else (_AnyNumber(low, high),)]
        if ftype.kind == "date":
            # a date is told apart by its constants and by lying before or after the peildatum: a
            # whole number is a number of days from the peildatum
            named = sorted({d for c in self.named[path] for d in (dt.date.fromisoformat(str(c)) - _DAY,
                                                                  dt.date.fromisoformat(str(c)))})
            return [g for g in ((-1, 0, 1), (_AnyDay(),), named) if g]
        if path == "kind.postcode":
            return [[*map(str, self.named[path]), *_POSTCODES]]
        # a text named by this field's conditions, one of its family, or one already in the case
        return [g for g in (self.texts[path], self.pools[_family(path)], _EARLIER) if g]

    @staticmethod
    def _weighted(known: float, groups: list[Sequence[Any]]) -> st.SearchStrategy[Any]:
        if known == 0:
            return st.just(_UNKNOWN)
        largest = max(len(g) for g in groups)
        scale = max(1, -(-_SLOTS // (largest * len(groups))))
        entries = [v for g in groups for v in g for _ in range(max(1, round(largest * scale / len(g))))]
        unknown = round(len(entries) * (1 - known) / known)
        return st.sampled_from([_UNKNOWN] * unknown + entries)

    def value(self, draw: st.DrawFn, path: str, value: Any, peildatum: dt.date, drawn: Mapping[str, Any]) -> Any:
        """The value of a field from what was drawn for it."""
        if isinstance(value, _AnyNumber):
            return draw(st.integers(value.low, value.high))
        if isinstance(value, _AnyDay):
            value = draw(_DAYS_AROUND)
        if CASE_FIELDS[path].kind == "date" and isinstance(value, int):
            return peildatum + value * _DAY
        if isinstance(value, _Earlier):
            family = _family(path)
            earlier = [str(v) for p, v in drawn.items() if p != path and _family(p) == family]
            pool = earlier or self.pools[family]
            return pool[value.index % len(pool)]
        return value

    def text(self, draw: st.DrawFn, path: str, drawn: Mapping[str, Any]) -> str:
        """A text for ``path`` that none of its conditions names."""
        family = _family(path)
        named = self.texts[path]
        pool = [v for v in self.pools[family] if v not in named] or [f"{OTHER_TEXT} ({path})"]
        earlier = [str(v) for p, v in drawn.items() if p != path and _family(p) == family and v not in named]
        return draw(st.sampled_from([*pool, *earlier]))

    def concrete(self, draw: st.DrawFn, path: str, value: Any, drawn: Mapping[str, Any]) -> Any:
        if value is not _OTHER:
            return value
        if path == "kind.postcode":
            return draw(st.sampled_from([p for p in _POSTCODES if p not in self.named[path]]))
        return self.text(draw, path, drawn)

    # the ways a rule holds

    def domain(self, path: str) -> tuple[Any, ...]:
        """One value of every class the framework tells apart, and more where that is cheap."""
        ftype = CASE_FIELDS[path]
        if ftype.kind == "bool":
            return (True, False, _UNKNOWN)
        if ftype.kind == "enum":
            return (*ftype.values, _UNKNOWN)
        if ftype.kind == "int" and ftype.minimum is not None and ftype.maximum is not None:
            return (*range(ftype.minimum, ftype.maximum + 1), _UNKNOWN)
        if ftype.kind in ("int", "date"):
            values = field_space(self.framework, path).values
            step: Any = _DAY if ftype.kind == "date" else 1
            return (*sorted({d for v in values for d in (v - step, v)}), _UNKNOWN)
        return (*self.named[path], _OTHER, _UNKNOWN)

    def terms(self, condition: Condition, want: bool) -> list[_Term]:
        """Ways to fill in facts so that ``condition`` is certainly ``want``: any of the terms."""
        if isinstance(condition, Atom):
            domain = self.days if condition.field == "peildatum" else self.domain(condition.field)
            allowed = tuple(v for v in domain if _compare(condition, v) is want)
            return [{condition.field: allowed}] if allowed else []
        if isinstance(condition, Not):
            return self.terms(condition.not_, not want)
        parts = condition.all if isinstance(condition, All) else condition.any
        assert isinstance(condition, (All, AnyOf))
        if isinstance(condition, All) == want:  # every part must be `want`
            found: list[_Term] = [{}]
            for part in parts:
                found = _conjoin(found, self.terms(part, want))
                if not found:
                    break
            return found
        return [term for part in parts for term in self.terms(part, want)][:_MAX_TERMS]

    def terms_for(self, versions: list[Rule]) -> list[_Term]:
        rule_id = versions[0].id
        if rule_id in self._terms:
            return self._terms[rule_id]
        found: list[_Term] = []
        holds_somewhere = False
        for rule in versions:
            ways = self.terms(rule.when, True)
            holds_somewhere = holds_somewhere or bool(ways)
            in_force = tuple(d for d in self.days if rule.in_force(d))
            found += _conjoin(ways, [{"peildatum": in_force}]) if in_force else []
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
        if self._engine is None:
            # only prepare is used (derived facts, a postcode's municipality), never the matching
            self._engine = Engine(self.framework)
        prepared = self._engine.prepare(case)
        return any(rule.in_force(prepared.peildatum) and undetermined(rule.when, prepared)[0] is True
                   for rule in self.framework.rules if rule.id == rule_id)


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


def _period(rule: Rule) -> str:
    start = f"from {rule.valid_from}" if rule.valid_from else ""
    end = f"until {rule.valid_to}" if rule.valid_to else ""
    return " ".join(p for p in (start, end) if p) or "always in force"


# --- invariants -------------------------------------------------------------------------------------


def assert_decides(engine: Engine, case: _CaseLike, *, settle: bool = False) -> Outcome:
    """Every valid case gets a Decision or an Escalation that is complete; returns the outcome.

    A Decision names a funder of the framework, a party and the rules that decided; an Escalation
    names its reason, a route of the framework and an explanation; a missing-facts escalation names
    facts, each unknown in the case. ``settle=True`` also works out which answers settle a
    missing-facts escalation, as ``Engine.decide`` does by default (slower).

    Raises:
        AssertionError: naming the case and what broke (also when the engine fails).
        CaseError: the case itself is not valid.
    """
    raw = _raw(case)
    outcome = _decide(engine, raw, settle)
    _check_decides(engine, raw, outcome)
    return outcome


def assert_deterministic(engine: Engine, case: _CaseLike, *, settle: bool = False) -> Outcome:
    """The same case decided again (also as a parsed :class:`~wiebetaalt.Case`) gets an equal outcome.

    Deciding does not change the dict it was given, either.
    """
    raw = _raw(case)
    outcome = _decide(engine, raw, settle)
    _check_deterministic(engine, raw, outcome, settle)
    return outcome


def assert_school_location_irrelevant(
    engine: Engine, case: _CaseLike, *, kinds: Sequence[str] = INDIVIDUAL_YOUTH_CARE
) -> Outcome:
    """Moving the school to another municipality never changes who pays for individual jeugdhulp.

    Applies when ``hulpvraag.toegang`` is ``individueel`` and ``hulpvraag.soort`` is one of
    ``kinds`` (:data:`INDIVIDUAL_YOUTH_CARE`); other cases pass as they are. The case is decided
    with ``school.gemeente`` unknown, set to every municipality the framework's conditions name,
    to each municipality already in the case, and to one named nowhere: the outcome (the funder and
    party of a Decision; reason, rules and missing facts of an Escalation) stays the same.
    """
    raw = _raw(case)
    outcome = _decide(engine, raw, False)
    _check_school(engine, raw, outcome, kinds)
    return outcome


def assert_shares_sum_to_one(engine: Engine, case: _CaseLike) -> Outcome:
    """A Decision that shares the cost gives every payer an exact share, and the shares sum to exactly 1."""
    raw = _raw(case)
    outcome = _decide(engine, raw, False)
    _check_shares(engine, raw, outcome)
    return outcome


def assert_cites_legal_basis(engine: Engine, case: _CaseLike) -> Outcome:
    """Every Decision cites a legal basis, with the citations of every rule that decided it."""
    raw = _raw(case)
    outcome = _decide(engine, raw, False)
    _check_legal_basis(engine, raw, outcome)
    return outcome


def assert_no_funder_from_unknown_facts(engine: Engine, case: _CaseLike) -> Outcome:
    """A Decision never rests on a fact the case leaves unknown.

    For a Decision, every fact the framework reads (in a condition, a party source or a split, or
    one the engine derives those from) that is unknown is filled in, one at a time, with one value
    of every class the framework tells apart (:func:`wiebetaalt.model.space.field_space`); each time the
    outcome must be a Decision for the same funder and party. Two exceptions follow the case model:
    a party named by a funder's ``fallback`` text may become the concrete party, and a move's
    ``kind.brp_inschrijfdatum`` is filled in on or before the peildatum only (an unknown date means
    the registration at ``kind.brp_gemeente`` is in force).
    """
    raw = _raw(case)
    outcome = _decide(engine, raw, False)
    _check_unknown_facts(engine, raw, outcome)
    return outcome


def assert_invariants(engine: Engine, case: _CaseLike, *, settle: bool = False) -> Outcome:
    """Every invariant of this module for one case; returns its outcome.

    :func:`assert_decides`, :func:`assert_deterministic`, :func:`assert_shares_sum_to_one`,
    :func:`assert_cites_legal_basis`, :func:`assert_school_location_irrelevant` and
    :func:`assert_no_funder_from_unknown_facts`, deciding the case itself once.
    """
    raw = _raw(case)
    outcome = _decide(engine, raw, settle)
    _check_decides(engine, raw, outcome)
    _check_deterministic(engine, raw, outcome, settle)
    _check_shares(engine, raw, outcome)
    _check_legal_basis(engine, raw, outcome)
    _check_school(engine, raw, outcome, INDIVIDUAL_YOUTH_CARE)
    _check_unknown_facts(engine, raw, outcome)
    return outcome


def _raw(case: _CaseLike) -> dict[str, Any]:
    if isinstance(case, Case):
        data = case.model_dump(mode="json", exclude_none=True)
        return {k: v for k, v in data.items() if v != {}}
    if not isinstance(case, Mapping):
        raise TypeError(f"expected a case (a dict or a wiebetaalt Case), got {type(case).__name__}")
    return copy.deepcopy(dict(case))


def _show(raw: Mapping[str, Any]) -> str:
    return json.dumps(raw, ensure_ascii=False, default=str)


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Decision):
        return f"{summary(outcome)} [funder {outcome.funder}]"
    return f"{summary(outcome)} [{outcome.reason.value}]"


def _message(what: str, raw: Mapping[str, Any], outcome: Outcome | None = None) -> str:
    lines = [what, f"  case:    {_show(raw)}"]
    if outcome is not None:
        lines.append(f"  outcome: {_describe(outcome)}")
    return "\n".join(lines)


def _fail(what: str, raw: Mapping[str, Any], outcome: Outcome | None = None) -> NoReturn:
    raise AssertionError(_message(what, raw, outcome))


def _decide(engine: Engine, raw: Mapping[str, Any], settle: bool) -> Outcome:
    try:
        return engine.decide(copy.deepcopy(dict(raw)), settle=settle)
    except EvaluationError as error:
        raise AssertionError(_message(f"the engine failed instead of deciding: {error}", raw)) from error


def _key(outcome: Outcome) -> tuple[Any, ...]:
    if isinstance(outcome, Decision):
        return ("decision", outcome.funder, outcome.entity)
    return (outcome.reason.value, outcome.rules, outcome.missing_facts)


def _check_decides(engine: Engine, raw: Mapping[str, Any], outcome: Outcome) -> None:
    framework = engine.framework
    if isinstance(outcome, Decision):
        funders = {f.id: f for f in framework.funders}
        if outcome.funder not in funders:
            _fail(f"the decision names funder {outcome.funder!r}, which the framework does not declare", raw, outcome)
        if not outcome.entity.strip():
            _fail("the decision names no party that pays", raw, outcome)
        unknown_rules = [r for r in outcome.rules if r not in {rule.id for rule in framework.rules}]
        if not outcome.rules or unknown_rules:
            _fail(f"the decision names no rule of the framework that decided it (rules: {list(outcome.rules)})",
                  raw, outcome)
        if not outcome.explanation.strip():
            _fail("the decision has no explanation", raw, outcome)
        return
    if not isinstance(outcome, Escalation):
        _fail(f"the outcome is neither a Decision nor an Escalation but {type(outcome).__name__}", raw)
    if not isinstance(outcome.reason, EscalationReason):
        _fail(f"the escalation has no valid reason ({outcome.reason!r})", raw, outcome)
    if outcome.route not in framework.routes:
        _fail(f"the escalation goes to route {outcome.route.id!r}, which the framework does not declare", raw, outcome)
    if not outcome.explanation.strip():
        _fail("the escalation has no explanation", raw, outcome)
    if outcome.reason is EscalationReason.MISSING_FACTS:
        if not outcome.missing_facts:
            _fail("the missing-facts escalation names no missing fact", raw, outcome)
        prepared = engine.prepare(copy.deepcopy(dict(raw)))
        known = [f for f in outcome.missing_facts if f not in CASE_FIELDS or field_value(prepared, f) is not None]
        if known:
            _fail(f"the escalation asks for {', '.join(known)}, which the case already holds", raw, outcome)


def _check_deterministic(engine: Engine, raw: Mapping[str, Any], outcome: Outcome, settle: bool) -> None:
    given = copy.deepcopy(dict(raw))
    try:
        again = engine.decide(given, settle=settle)
        # settling decides the case many times over; the parsed case is compared without it
        plain = _decide(engine, raw, False) if settle else outcome
        parsed = engine.decide(parse_case(copy.deepcopy(dict(raw))), settle=False)
    except EvaluationError as error:
        raise AssertionError(_message(f"the engine failed on the same case decided again: {error}", raw,
                                      outcome)) from error
    if given != raw:
        _fail(f"deciding the case changed the case it was given into {_show(given)}", raw, outcome)
    if again != outcome:
        _fail(f"the same case decided twice gave two outcomes: first {_describe(outcome)}, then {_describe(again)}",
              raw, outcome)
    if parsed != plain:
        _fail(f"the case as a dict and as a parsed Case gave two outcomes: {_describe(plain)} and "
              f"{_describe(parsed)}", raw, outcome)


def _with(raw: Mapping[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(dict(raw))
    section, _, name = path.partition(".")
    if value is None:
        changed.get(section, {}).pop(name, None)
    else:
        put_field(changed, path, value)
    return changed


def _check_school(engine: Engine, raw: Mapping[str, Any], outcome: Outcome, kinds: Sequence[str]) -> None:
    prepared = engine.prepare(copy.deepcopy(dict(raw)))
    if prepared.hulpvraag.toegang != "individueel" or prepared.hulpvraag.soort not in kinds:
        return
    here = prepared.school.gemeente
    named = [str(c) for a in framework_atoms(engine.framework) if a.field == "school.gemeente" and a.op != "known"
             for c in (a.value if isinstance(a.value, list) else [a.value])]
    in_case = [field_value(prepared, p) for p in CASE_FIELDS if _family(p) == "gemeente" and p != "school.gemeente"]
    elsewhere = next(f"Plaats {c}" for c in "XYZABC" if f"Plaats {c}" not in {*named, *map(str, in_case)})
    towns = [t for t in dict.fromkeys([*(t for t in in_case if t), *named, elsewhere, None]) if t != here]
    before = _key(outcome)
    for town in towns:
        moved = _decide(engine, _with(raw, "school.gemeente", town), False)
        if _key(moved) != before:
            where = f"to {town}" if town else "to an unknown municipality"
            _fail(f"moving the school from {here or 'an unknown municipality'} {where} changed who pays for "
                  f"individual {prepared.hulpvraag.soort}: {_describe(outcome)} became {_describe(moved)}",
                  raw, outcome)


def _check_shares(engine: Engine, raw: Mapping[str, Any], outcome: Outcome) -> None:
    if not isinstance(outcome, Decision):
        return
    funder = next((f for f in engine.framework.funders if f.id == outcome.funder), None)
    if funder is not None and funder.split is not None and not outcome.shares:
        _fail(f"funder {funder.id} shares the cost, but the decision gives no shares", raw, outcome)
    if not outcome.shares:
        return
    fractions = [share.fraction for share in outcome.shares]
    if not all(isinstance(f, Fraction) and 0 < f <= 1 for f in fractions):
        _fail(f"a share is not an exact fraction between 0 and 1: {[str(f) for f in fractions]}", raw, outcome)
    total = sum(fractions, Fraction(0))
    if total != 1:
        _fail(f"the shares sum to {total} ({float(total) * 100:.6g}%), not exactly 1: "
              f"{', '.join(f'{s.entity} {s.fraction}' for s in outcome.shares)}", raw, outcome)
    entities = [share.entity for share in outcome.shares]
    if len(set(entities)) != len(entities):
        _fail(f"a payer has two shares: {entities}", raw, outcome)
    weights = sum(share.weight for share in outcome.shares)
    wrong = [s.entity for s in outcome.shares if s.fraction != Fraction(s.weight, weights)]
    if wrong:
        _fail(f"the share of {', '.join(wrong)} is not its weight over the sum of the weights ({weights})",
              raw, outcome)


def _check_legal_basis(engine: Engine, raw: Mapping[str, Any], outcome: Outcome) -> None:
    if not isinstance(outcome, Decision):
        return
    if not outcome.legal_basis:
        _fail("the decision cites no legal basis", raw, outcome)
    empty = [b for b in outcome.legal_basis
             if not b.citation.strip() or not str(b.url).startswith(("http://", "https://"))]
    if empty:
        _fail(f"the decision cites a legal basis without a citation or a link: {empty}", raw, outcome)
    peildatum = parse_case(copy.deepcopy(dict(raw))).peildatum
    cited = {b.citation for b in outcome.legal_basis}
    for rule in engine.framework.rules:
        if rule.id in outcome.rules and rule.in_force(peildatum):
            missing = [b.citation for b in rule.legal_basis if b.citation not in cited]
            if missing:
                _fail(f"the decision leaves out the legal basis of rule {rule.id}: {'; '.join(missing)}", raw, outcome)


def _fill_values(framework: Framework, path: str, peildatum: dt.date) -> list[Any]:
    space = field_space(framework, path, peildatum)
    ftype = CASE_FIELDS[path]
    if path == "kind.postcode":
        return [*space.named, *(p for p in _POSTCODES if p not in space.named)]
    if ftype.kind == "str":
        generic = _GENERIC.get(_family(path), _GENERIC_OTHER)
        return [*space.named, next(v for v in generic if v not in space.named)]
    if path == "kind.brp_inschrijfdatum":
        # an unknown registration date means the registration at kind.brp_gemeente is in force
        return sorted({d for d in space.values if d <= peildatum} | {peildatum})
    return list(space.values)


def _check_unknown_facts(engine: Engine, raw: Mapping[str, Any], outcome: Outcome) -> None:
    if not isinstance(outcome, Decision):
        return
    framework = engine.framework
    prepared = engine.prepare(copy.deepcopy(dict(raw)))
    given = parse_case(copy.deepcopy(dict(raw)))
    fallbacks = {f.fallback for f in framework.funders if f.fallback}
    parties = [outcome.entity, *(s.entity for s in outcome.shares)]
    # a fallback text stands in for a party the case does not name; the named party may differ
    compare_party = not any(text in party for text in fallbacks for party in parties)
    paths = [p for p in dict.fromkeys([*used_fields(framework), *_DERIVATION_INPUTS]) if p != "peildatum"]
    for path in paths:
        if field_value(given, path) is not None or field_value(prepared, path) is not None:
            continue
        feeds = _FEEDS.get(path)
        if feeds and field_value(given, feeds) is None and field_value(prepared, feeds) is not None:
            # the engine derived that fact from others (a BRP municipality is one of a woonadres):
            # this one would contradict them, not fill in what the case leaves open
            continue
        for value in _fill_values(framework, path, prepared.peildatum):
            filled = _with(raw, path, value)
            again = _decide(engine, filled, False)
            shown = value.isoformat() if isinstance(value, dt.date) else value
            if not isinstance(again, Decision) or again.funder != outcome.funder:
                _fail(f"the decision rests on the unknown fact {path}: with {path} = {shown!r} the outcome is "
                      f"{_describe(again)}", raw, outcome)
            if compare_party and again.entity != outcome.entity:
                _fail(f"the party rests on the unknown fact {path}: with {path} = {shown!r} {again.entity} pays "
                      f"instead of {outcome.entity}", raw, outcome)
