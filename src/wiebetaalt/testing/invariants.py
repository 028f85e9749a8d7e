"""The invariants every outcome of a framework keeps, as assertions for a test suite.

Decide a case (drawn by :func:`~wiebetaalt.testing.cases`, or any other) and check the outcome with
:func:`assert_invariants`, or with one of the invariants it combines. A broken invariant raises an
AssertionError that names the case and what broke. See docs/testing.md.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, NoReturn, Union

from ..decision.outcome import Decision, Escalation, EscalationReason, Outcome, asking_for_facts
from ..decision.settle import summary
from ..engine.derive import DERIVATIONS, DERIVED_FROM, DERIVED_VALUE_FROM
from ..engine.engine import Engine
from ..errors import EvaluationError
from ..model.case import CASE_FIELDS, MUNICIPALITY_FIELDS, Case, field_value, parse_case, put_field
from ..model.framework import Framework
from ..model.space import field_space, framework_atoms, used_fields
from .names import POSTCODES, generic

__all__ = (
    "INDIVIDUAL_YOUTH_CARE",
    "assert_cites_legal_basis",
    "assert_decides",
    "assert_deterministic",
    "assert_invariants",
    "assert_no_funder_from_unknown_facts",
    "assert_school_location_irrelevant",
    "assert_shares_sum_to_one",
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

# The facts the engine derives others from, and none of which it derives itself: an unknown one
# may be filled in as any other unknown fact.
_DERIVATION_INPUTS = tuple(dict.fromkeys(path for d in DERIVATIONS for path in d.inputs if path not in DERIVED_FROM))
# the derived fact each input gives the value of (a briefadres goes before a BRP municipality)
_FEEDS = {source: target for target, sources in DERIVED_VALUE_FROM.items() for source in sources}


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
    the registration at ``kind.brp_gemeente`` is in force). A fact the framework presumes and the
    outcome names in ``presumptions`` is one the decision rests on openly: it is not filled in.
    When filling in a fact raises a question about another (a previous municipality asks when the
    move was registered), every answer to that question is tried as well.
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
    if (outcome.funder is not None) != (outcome.reason is EscalationReason.PARTY_UNKNOWN):
        _fail("an escalation names a settled funder exactly when its reason is party_unknown", raw, outcome)
    if asking_for_facts(outcome):
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
    in_case = [field_value(prepared, p) for p in CASE_FIELDS if p in MUNICIPALITY_FIELDS and p != "school.gemeente"]
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
        return [*space.named, *(p for p in POSTCODES if p not in space.named)]
    if ftype.value_type == "str":
        return [*space.named, next(v for v in generic(path) if v not in space.named)]
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
    # a presumed fact is one the decision rests on openly: the outcome names it, and a fact it would
    # be derived from (a kind of stay for verblijf) would contradict the presumption, not fill a gap
    presumed = {p.field for p in outcome.presumptions}
    presumed |= {source for target in presumed for source in DERIVED_VALUE_FROM.get(target, ())}
    paths = [p for p in dict.fromkeys([*used_fields(framework), *_DERIVATION_INPUTS]) if p != "peildatum"]
    for path in paths:
        if path in presumed or field_value(given, path) is not None or field_value(prepared, path) is not None:
            continue
        feeds = _FEEDS.get(path)
        if feeds and field_value(given, feeds) is None and field_value(prepared, feeds) is not None:
            # the engine derived that fact from others (a BRP municipality is one of a woonadres):
            # this one would contradict them, not fill in what the case leaves open
            continue
        for value in _fill_values(framework, path, prepared.peildatum):
            filled = _with(raw, path, value)
            again = _decide(engine, filled, False)
            tries = [(f"{path} = {_shown(value)!r}", again)]
            if (question := asking_for_facts(again)) and question.missing_facts:
                # one fact can raise a question about another (a previous municipality asks when the
                # move was registered): the decision must then hold for every answer to that one
                tries = [(f"{path} = {_shown(value)!r} and {follow} = {_shown(answer)!r}",
                          _decide(engine, _with(filled, follow, answer), False))
                         for follow in question.missing_facts if follow not in presumed and follow != path
                         for answer in _fill_values(framework, follow, prepared.peildatum)] or tries
            for filled_in, found in tries:
                if not isinstance(found, Decision) or found.funder != outcome.funder:
                    _fail(f"the decision rests on the unknown fact {path}: with {filled_in} the outcome is "
                          f"{_describe(found)}", raw, outcome)
                if compare_party and found.entity != outcome.entity:
                    _fail(f"the party rests on the unknown fact {path}: with {filled_in} {found.entity} pays "
                          f"instead of {outcome.entity}", raw, outcome)


def _shown(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
