"""Cross-module invariants on generated cases of the national framework: totality, determinism, the
woonplaatsbeginsel, no decision from an unknown fact (the public kit, wiebetaalt.testing, here with
more examples and with settling), and agreement of the durable engine and of the condition
evaluator (wiebetaalt.model.conditions) with the independent reference interpreter."""

from __future__ import annotations

import dataclasses

from hypothesis import given, strategies as st

from conftest import RULES
from reference import evaluate as reference_evaluate, truth as reference_truth
from wiebetaalt import load_framework
from wiebetaalt.model.conditions import evaluate
from wiebetaalt.decision.resolve import resolve
from wiebetaalt.testing import (
    INDIVIDUAL_YOUTH_CARE,
    assert_cites_legal_basis,
    assert_decides,
    assert_deterministic,
    assert_no_funder_from_unknown_facts,
    assert_school_location_irrelevant,
    cases,
)

NATIONAL = load_framework(RULES / "landelijk.yaml")


@given(cases(NATIONAL))
def test_every_valid_case_gets_a_decision_or_an_escalation(engine, raw):
    assert_decides(engine, raw)
    assert_cites_legal_basis(engine, raw)


@given(cases(NATIONAL))
def test_the_same_case_gets_the_same_outcome(engine, raw):
    # settle: working out which answers settle a missing-facts escalation decides the case many
    # times over; it never fails and gives the same answers each time
    assert_deterministic(engine, raw, settle=True)


@given(cases(NATIONAL, known=0.9), st.sampled_from(INDIVIDUAL_YOUTH_CARE))
def test_moving_the_school_never_changes_who_pays_for_individual_youth_care(engine, raw, kind):
    raw.setdefault("hulpvraag", {}).update(soort=kind, toegang="individueel")
    assert_school_location_irrelevant(engine, raw)


@given(cases(NATIONAL, known=0.6))
def test_durable_agrees_with_the_reference_interpreter(engine, raw):
    case = engine.prepare(raw)
    expected = reference_truth(engine.framework, case)
    assert engine.match(case) == expected
    decided, reference = engine.decide(raw, settle=False, presume=False), resolve(engine.framework, case, expected)
    # the engine adds a note on what it derived (a postcode's municipality) to the explanation, and
    # the audit record (which framework, which case); the pure resolver does neither
    assert decided.audit is not None and reference.audit is None
    assert dataclasses.replace(decided, explanation="", audit=None) == dataclasses.replace(reference, explanation="")
    assert decided.explanation.startswith(reference.explanation)


@given(cases(NATIONAL, known=0.6))
def test_the_evaluator_agrees_with_the_reference_interpreter_on_every_condition(engine, raw):
    case = engine.prepare(raw)
    conditions = [rule.when for rule in NATIONAL.rules]
    conditions += [source.when for funder in NATIONAL.funders for source in funder.party or [] if source.when]
    for condition in conditions:
        assert evaluate(condition, case)[0] is reference_evaluate(condition, case)


@given(cases(NATIONAL, known=0.5))
def test_filling_in_an_unknown_fact_never_overturns_a_decision(engine, raw):
    """A decision is only given when no unknown fact could change it: fill each one in and check."""
    assert_no_funder_from_unknown_facts(engine, raw)
