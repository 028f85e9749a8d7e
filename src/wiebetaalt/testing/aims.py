"""Explicit examples aimed at every rule and party source of a framework: :func:`aimed_examples`.

A hundred cases drawn by :func:`~wiebetaalt.testing.cases` reach one particular rule only now and
then, so a bug in it passes most runs. The cases here are worked out once per framework
(:class:`_Aimer`): for each aim (a rule, a party source) cases built from the ways it can be reached
(:mod:`wiebetaalt.testing.terms`) are decided until one is, then cut down to the facts it needs and
given every municipality and SWV, and Hypothesis tries them first on every run. See docs/testing.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from hypothesis import example

from ..decision.outcome import Decision, EscalationReason, Outcome
from ..errors import EvaluationError
from ..model.case import CASE_FIELDS, Case, case_data
from ..model.conditions import evaluate
from ..model.framework import Framework, Funder, PartySource, Rule
from .arguments import check_fixed, check_framework, check_peildata
from .names import GENERIC, GENERIC_OTHER, POSTCODES, family
from .strategies import _FIELDS, _AnyDay, _AnyNumber, _Earlier, _keep_derivations_out, _plan, _Plan
from .terms import DAY, OTHER, UNKNOWN, Term, conjoin

__all__ = ("aimed_examples",)

_Test = TypeVar("_Test", bound=Callable[..., Any])


def aimed_examples(
    framework: Framework,
    *,
    peildata: Iterable[dt.date | str] | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> Callable[[_Test], _Test]:
    """A decorator that gives a Hypothesis test of ``cases(framework)`` explicit examples aimed at
    every rule and every party source, which it tries on every run, before the cases it draws.

    A hundred drawn cases come across a rule now and then; these cases are worked out, once per
    framework, so that each rule and each party source is hit on every run:

    - for every rule (every version of it), a case it decides (a Decision or a grey zone, not a
      question), with every number and date it compares at a bound; the same case with one fact it
      needs just outside that bound or unknown, one per fact, and on the day just outside its period;
    - for every party source, a case decided by a rule whose funder finds its party through it
      (unless a case above already is);
    - each of these cases with every municipality (and SWV) named a different one, so that a party
      taken from the wrong field shows, and once more with the ones the rule does not read the same
      as that of the party (the school in the municipality the child lives in);
    - each of them also with every other fact known that keeps it on its aim, for a test that reads
      a fact the rule does not (the school invariant checks individual help only).

    The cases are found by trying cases built from the ways each rule holds on an engine for the
    framework, and keep only the facts the outcome needs and the municipalities and SWVs; a rule or
    party source no case of the framework reaches gets none. Use it below
    ``@given(cases(framework))``, with the same ``peildata`` and ``fixed``; each case is passed as
    the test's one drawn argument.

    Raises:
        TypeError, ValueError: as :func:`cases` for the same arguments, when the decorator is built.
    """
    check_framework(framework, "aimed_examples")
    days = check_peildata(peildata, "aimed_examples")
    given = check_fixed(fixed, "aimed_examples")
    if given.get("peildatum") is not None:
        days = (given["peildatum"],)
    plan = _plan(framework, days)
    key = tuple(sorted(given.items()))
    if key not in plan.aimed:
        plan.aimed[key] = _Aimer(plan, given).cases()
    found = plan.aimed[key]

    def add_examples(test: _Test) -> _Test:
        # Hypothesis runs explicit examples last added first: added in reverse, they run in order
        for case in reversed(found):
            test = example(copy.deepcopy(case))(test)
        return test

    return add_examples


#: A case as the aimer builds it: the peildatum and dotted fields with their values.
_Built = tuple[dt.date, dict[str, Any]]
#: Whether an outcome (with its prepared case) is what an aim is after.
_Check = Callable[[Outcome, Case], bool]


class _Aimer:
    """The cases of :func:`aimed_examples` for one plan and fixed facts.

    Each aim (a rule, a party source) has the ways to reach it (terms) and a check on the outcome.
    Cases built from those ways, the other facts drawn from what ``cases`` draws from, are decided
    until one passes the check; the choices come from a generator seeded with the aim, so that the
    same framework always gives the same cases and a failure on one of them can be run again.
    """

    #: cases tried per aim; about one in three is built with no other fact known, one with half of
    #: them, one with all, since which of those a rule needs to decide depends on what overrides it
    TRIES = 45

    def __init__(self, plan: _Plan, given: Mapping[str, Any]) -> None:
        self.plan = plan
        self.framework = plan.framework
        self.given = dict(given)
        self.engine = plan.rules.engine()
        self.funders = {f.id: f for f in self.framework.funders}
        # the cases found for earlier aims, with their outcomes: a later aim one of them reaches
        # needs no case of its own
        self.hits: list[tuple[Outcome, Case]] = []
        self.found: list[dict[str, Any]] = []

    def cases(self) -> list[dict[str, Any]]:
        for rule in self.framework.rules:
            in_force = tuple(d for d in self.plan.days if rule.in_force(d))
            terms = conjoin(self.plan.rules.terms(rule.when, True), [{"peildatum": in_force}]) if in_force else []
            self.aim(f"{self.framework.framework}/{rule.id}/{rule.valid_from}", terms, _decided_by(rule),
                     self._party_fields(rule.funder), bounds=True)
        for funder in self.framework.funders:
            for source in funder.party or []:
                terms = self._source_terms(funder.id, source)
                self.aim(f"{self.framework.framework}/{funder.id}/{source.id}", terms, self._party_through(source),
                         self._party_fields(funder.id))
        return list({_key(case): case for case in self.found}.values())

    def _source_terms(self, funder_id: str, source: PartySource) -> list[Term]:
        """The ways a rule whose funder finds its party through ``funder_id`` holds with ``source``'s condition."""
        wanted = self.plan.rules.terms(source.when, True) if source.when is not None else [{}]
        found: list[Term] = []
        for rule in self.framework.rules:
            if funder_id not in {f.id for f in self._paying(rule.funder)}:
                continue
            in_force = tuple(d for d in self.plan.days if rule.in_force(d) and source.in_force(d))
            if in_force:
                found += conjoin(conjoin(self.plan.rules.terms(rule.when, True), wanted), [{"peildatum": in_force}])
        return found

    def _party_through(self, source: PartySource) -> _Check:
        def check(outcome: Outcome, prepared: Case) -> bool:
            return source in self._sources(outcome, prepared)
        return check

    def _sources(self, outcome: Outcome, prepared: Case) -> list[PartySource]:
        """The party sources a Decision found its parties through (as the engine looks them up)."""
        if not isinstance(outcome, Decision):
            return []
        used: list[PartySource] = []
        for funder in self._paying(outcome.funder):
            for source in funder.party or []:
                if source.in_force(prepared.peildatum) and (
                        source.when is None or evaluate(source.when, prepared)[0] is True):
                    used.append(source)
                    break
        return used

    def _party_fields(self, funder_id: str | None) -> tuple[str, ...]:
        """The fields the party sources of a funder (and of the parts of its split) read."""
        return tuple(dict.fromkeys(s.field for f in self._paying(funder_id) for s in f.party or []))

    def _paying(self, funder_id: str | None) -> list[Funder]:
        """The funder and, when it splits the cost, the funders of its parts."""
        funder = self.funders.get(funder_id or "")
        if funder is None:
            return []
        return [funder, *(self.funders[p.funder] for p in (funder.split.parts if funder.split else []) if p.funder)]

    def aim(self, seed: str, terms: list[Term], check: _Check, party: tuple[str, ...], *,
            bounds: bool = False) -> None:
        """Add a case that passes ``check``, built from one of ``terms`` with the ``party`` fields
        known, with its variants; with ``bounds``, also one just outside each bound of the term.
        Without, an aim a case already found reaches gets none of its own."""
        if not terms or (not bounds and any(check(*hit) for hit in self.hits)):
            return
        # seeded with the aim, not with its place among the aims: a rule added to a framework leaves
        # the cases aimed at the other rules as they were
        rng = random.Random(seed)
        for attempt in range(self.TRIES):
            term = rng.choice(terms)
            built = self.build(term, rng, (0.0, 0.5, 1.0)[attempt % 3], party)
            decided = self.decide(built)
            if decided is None or not check(*decided):
                continue
            built = self.smallest(built, term, check)
            decided = self.decide(built)
            assert decided is not None
            self.add(built)
            self.hits.append(decided)
            self.add(self.same(built, term, [s.field for s in self._sources(*decided)]))
            self.add(self.full(built, term, check, rng))
            if bounds:
                for path in term:
                    self.add(self.miss(built, term, path, rng))
            return

    def decide(self, built: _Built) -> tuple[Outcome, Case] | None:
        case = case_data(*built)
        try:
            return self.engine.decide(case, settle=False), self.engine.prepare(case)
        except EvaluationError:
            # a case the engine fails on is what the test is for: it gets the case
            self.found.append(case)
            return None

    def add(self, built: _Built | None) -> None:
        if built is not None:
            self.found.append(case_data(*built))

    def build(self, term: Term, rng: random.Random, known: float, party: tuple[str, ...]) -> _Built:
        """A case in the way ``term``, numbers and dates at its bounds, the ``party`` fields each a
        name of its own (a decision needs its party), other facts known by chance."""
        plan = self.plan
        if "peildatum" in self.given:
            peildatum: dt.date = self.given["peildatum"]
        else:
            peildatum = rng.choice(term.get("peildatum", plan.days))
        values: dict[str, Any] = {}
        for path in _FIELDS:
            if path in self.given:
                if self.given[path] is not None:
                    values[path] = self.given[path]
            elif path in term:
                allowed = [v for v in plan.rules.edges(path, term[path]) if v is not UNKNOWN]
                if allowed:
                    values[path] = self.concrete(path, rng.choice(allowed), values)
            elif path in party:
                values[path] = self.fresh(path, values)
            elif rng.random() < known:
                values[path] = self.other(path, peildatum, rng, values)
        _keep_derivations_out(term, values)
        return peildatum, values

    def concrete(self, path: str, value: Any, values: Mapping[str, Any]) -> Any:
        return self.fresh(path, values) if value is OTHER else value

    def fresh(self, path: str, values: Mapping[str, Any]) -> str:
        """A text for ``path`` no condition names and no field of its family in the case holds."""
        if path == "kind.postcode":
            return next(p for p in POSTCODES if p not in self.plan.named[path])
        group = family(path)
        taken = {*(str(c) for p in _FIELDS if family(p) == group for c in self.plan.named.get(p, ())),
                 *(str(v) for p, v in values.items() if family(p) == group)}
        # "Plaats A" to "Plaats Z" for the municipalities, then numbers: a case has ten municipality fields
        stem = {"gemeente": "Plaats", "swv": "SWV"}.get(group, "Anders")
        names = itertools.chain(GENERIC.get(group, GENERIC_OTHER), (f"{stem} {chr(c)}" for c in range(65, 91)),
                                (f"{stem} {i}" for i in itertools.count(1)))
        return next(n for n in names if n not in taken)

    def other(self, path: str, peildatum: dt.date, rng: random.Random, values: Mapping[str, Any]) -> Any:
        """A value for a field the aim does not need, from what ``cases`` draws from; a text of a
        family another field of the case does not hold."""
        value = rng.choice(rng.choice(self.plan.groups(path)))
        if isinstance(value, _AnyNumber):
            return rng.randint(value.low, value.high)
        if isinstance(value, _AnyDay):
            value = rng.randint(-3 * 365, 3 * 365)
        if CASE_FIELDS[path].value_type == "date" and isinstance(value, int):
            return peildatum + value * DAY
        if CASE_FIELDS[path].value_type == "str" and path != "kind.postcode":
            taken = {str(v) for p, v in values.items() if family(p) == family(path)}
            if isinstance(value, _Earlier) or value in taken:
                return self.fresh(path, values)
        return value

    def smallest(self, built: _Built, term: Term, check: _Check) -> _Built:
        """``built`` without the facts the check does not need, and with every municipality and SWV.

        What the term sets stays (the rule's facts at its bounds). Every municipality and SWV field is
        filled in where the check still passes, each with a name of its own: a party read from the
        wrong field (the school's municipality for the child's) is then another party.
        """
        peildatum, values = built
        party = {p for p in _FIELDS if family(p) in ("gemeente", "swv")}
        for path in reversed(list(values)):
            if path in term or path in self.given or path in party:
                continue
            smaller = {p: v for p, v in values.items() if p != path}
            decided = self.decide((peildatum, smaller))
            if decided is not None and check(*decided):
                values = smaller
        for path in _FIELDS:
            if path in party and path not in values and path not in term and path not in self.given:
                fuller = {**values, path: self.fresh(path, values)}
                decided = self.decide((peildatum, fuller))
                if decided is not None and check(*decided):
                    values = fuller
        return peildatum, values

    def full(self, built: _Built, term: Term, check: _Check, rng: random.Random) -> _Built | None:
        """``built`` with every other fact known that keeps it on its aim, for a test that reads a
        fact the rule does not (the school invariant applies to individual help only).

        A choice takes its first value that keeps the aim (``hulpvraag.toegang`` ``individueel``),
        a yes/no field ``false`` first: the plain case, in which fewer other rules hold. A number or
        a date is one of the values ``cases`` draws, a text a name the case does not hold yet.
        """
        peildatum, values = built
        for path in _FIELDS:
            if path in values or path in term or path in self.given:
                continue
            value_type = CASE_FIELDS[path].value_type
            if value_type == "bool":
                tries: list[Any] = [False, True]
            elif value_type == "enum":
                tries = list(CASE_FIELDS[path].values[:2])
            elif value_type == "str" and path != "kind.postcode":
                tries = [self.fresh(path, values)]
            else:
                tries = [self.other(path, peildatum, rng, values)]
            for value in tries:
                fuller = {**values, path: value}
                decided = self.decide((peildatum, fuller))
                if decided is not None and check(*decided):
                    values = fuller
                    break
        return (peildatum, values) if values != built[1] else None

    def same(self, built: _Built, term: Term, party: list[str]) -> _Built | None:
        """``built`` with every field of the family of the party's field that the rule does not read
        holding the party's name: the school in the municipality the child lives in, and so on."""
        peildatum, values = built
        if not party or party[0] not in values or family(party[0]) == party[0]:
            return None
        name = values[party[0]]
        same = {p: (name if family(p) == family(party[0]) and p not in term and p not in self.given else v)
                for p, v in values.items()}
        return (peildatum, same) if same != values else None

    def miss(self, built: _Built, term: Term, path: str, rng: random.Random) -> _Built | None:
        """``built`` with the fact ``path`` just outside what ``term`` allows (or unknown)."""
        peildatum, values = built
        if path in self.given:
            return None
        misses = self.plan.rules.misses(path, term[path])
        if not misses:
            return None
        value = rng.choice(misses)
        if path == "peildatum":
            return value, values
        changed = {p: v for p, v in values.items() if p != path}
        if value is UNKNOWN:
            _keep_derivations_out({**term, path: (UNKNOWN,)}, changed)
        else:
            changed[path] = self.concrete(path, value, changed)
        return peildatum, changed


def _decided_by(rule: Rule) -> _Check:
    """Whether ``rule`` decided an outcome: a Decision, or a grey zone, that names it."""
    def check(outcome: Outcome, prepared: Case) -> bool:
        return rule.id in outcome.rules and rule.in_force(prepared.peildatum) and (
            isinstance(outcome, Decision) or outcome.reason is EscalationReason.GREY_ZONE)
    return check


def _key(case: Mapping[str, Any]) -> str:
    return repr(sorted((k, sorted(v.items()) if isinstance(v, dict) else v) for k, v in case.items()))
