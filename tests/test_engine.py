"""The durable_rules boundary: matching, sessions, threads, and bad input."""

from __future__ import annotations

import threading

import durable_rules_engine
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from strategies import raw_cases
from wiebetaalt import CaseError, Decision, Engine, Escalation, EvaluationError, Framework
from wiebetaalt.load.postcodes import PostcodeTable

SCHIEDAM = {
    "peildatum": "2025-03-01",
    "kind": {"brp_gemeente": "Vlaardingen", "verblijf": False, "geheim_adres": False, "wlz_indicatie": False},
    "school": {"gemeente": "Schiedam"},
    "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel", "aangemeld_via": "school"},
}


def test_decides_the_schiedam_vlaardingen_case_for_the_residence_municipality(engine):
    outcome = engine.decide(SCHIEDAM)
    assert isinstance(outcome, Decision)
    assert outcome.entity == "gemeente Vlaardingen"
    assert "Schiedam" in outcome.explanation  # it says why the school's municipality does not pay


def test_a_postcode_gives_the_municipality_and_the_explanation_says_so(engine):
    case = {**SCHIEDAM, "kind": {**SCHIEDAM["kind"], "brp_gemeente": None, "postcode": "3132 ab"}}
    outcome = engine.decide(case)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Vlaardingen"
    assert "postcode 3132AB" in outcome.explanation


def test_an_unknown_postcode_is_a_missing_fact(engine):
    case = {**SCHIEDAM, "kind": {**SCHIEDAM["kind"], "brp_gemeente": None, "postcode": "9999ZZ"}}
    outcome = engine.decide(case)
    # the municipality of the woonplaats pays; which one the postcode did not tell
    assert isinstance(outcome, Escalation) and outcome.reason.value == "party_unknown"
    assert outcome.funder == "woonplaatsgemeente"
    assert "kind.brp_woonadres" in outcome.missing_facts or "kind.brp_gemeente" in outcome.missing_facts


def test_a_users_own_postcode_table_is_used(national):
    with Engine(national, postcodes=PostcodeTable({"3132AB": "Gemeente Test"})) as own:
        case = {**SCHIEDAM, "kind": {**SCHIEDAM["kind"], "brp_gemeente": None, "postcode": "3132AB"}}
        assert own.decide(case).entity == "gemeente Gemeente Test"


def test_a_bad_case_raises_a_case_error_naming_every_bad_field(engine):
    with pytest.raises(CaseError) as caught:
        engine.decide({"peildatum": "gisteren", "kind": {"leeftijd": "7", "bsn": "123"}, "hulpvraag": {"soort": "x"}})
    codes = {p.field: p.code for p in caught.value.problems}
    assert codes == {"peildatum": "invalid-date", "kind.leeftijd": "wrong-type", "kind.bsn": "unknown-field",
                     "hulpvraag.soort": "unknown-value"}


def test_decide_many_keeps_going_after_a_bad_case(engine):
    results = list(engine.decide_many([SCHIEDAM, {"peildatum": "nooit"}, SCHIEDAM]))
    assert isinstance(results[0], Decision) and isinstance(results[2], Decision)
    assert isinstance(results[1], CaseError) and results[1].problems[0].field == "peildatum"


def test_a_fact_is_retracted_after_every_decision_so_memory_stays_flat(engine):
    for _ in range(500):
        engine.decide(SCHIEDAM)
    for handle in engine._handles:
        assert durable_rules_engine.get_facts(handle, engine._sid) == "[]"


@settings(max_examples=3, suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(raw_cases(), min_size=30, max_size=60))
def test_threads_sharing_one_engine_get_the_serial_answers(engine, cases):
    # settling a missing-facts escalation decides the case again many times: a few cases do that,
    # the bulk exercises the shared session
    serial = [engine.decide(c, settle=False) for c in cases] * 5 + [engine.decide(c) for c in cases[:3]]
    results: dict[int, list] = {}

    def work(n: int) -> None:
        results[n] = [engine.decide(c, settle=False) for c in cases * 5] + [engine.decide(c) for c in cases[:3]]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in range(4):
        assert results[n] == serial


def test_a_closed_engine_refuses_to_decide(national):
    closed = Engine(national)
    closed.close()
    with pytest.raises(EvaluationError):
        closed.decide(SCHIEDAM)


@settings(max_examples=50)
@given(raw_cases())
def test_many_engines_on_one_framework_do_not_interfere(national, raw):
    first, second = Engine(national), Engine(national)
    try:
        assert first.decide(raw) == second.decide(raw)
    finally:
        first.close()
        second.close()


def test_a_fresh_engine_never_matches_durables_own_session_object(minimal_framework_data):
    """Regression: durable matched its session object like a case, so 'field absent' rules fired."""
    minimal_framework_data["rules"][0]["when"] = {"field": "school.soort", "known": False}
    with Engine(Framework.model_validate(minimal_framework_data)) as fresh:
        outcome = fresh.decide({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Delft"}, "school": {"soort": "vo"}})
    assert isinstance(outcome, Escalation) and outcome.reason.value == "no_rule"


def test_no_party_source_in_force_is_no_rule_not_an_empty_missing_facts(minimal_framework_data):
    minimal_framework_data["funders"][0]["party"][0]["valid_from"] = "2022-01-01"
    with Engine(Framework.model_validate(minimal_framework_data)) as fresh:
        outcome = fresh.decide({"peildatum": "2021-06-01", "kind": {"brp_gemeente": "Delft"}, "hulpvraag": {"soort": "jeugdhulp"}})
    assert isinstance(outcome, Escalation)
    assert outcome.reason.value == "no_rule" and "2021-06-01" in outcome.explanation


def test_a_chunk_that_durable_reports_incompletely_is_an_error_and_the_engine_goes_on(national, monkeypatch):
    from wiebetaalt.engine import durable as durable_module
    from wiebetaalt.engine.compiler import CATCH_ALL

    class Forgetful:
        """durable_rules, except that the catch-all's action leaves out the last case."""

        def __getattr__(self, name: str):
            return getattr(durable_rules_engine, name)

        @staticmethod
        def forget(message):
            if message and message.startswith(f'{{"{CATCH_ALL}"'):
                return message.rpartition(',{"m":')[0] + "]}"
            return message

        def start_action_for_state(self, handle, state):
            action = durable_rules_engine.start_action_for_state(handle, state)
            return (action[0], self.forget(action[1])) if action else action

        def complete_and_start_action(self, handle, state):
            return self.forget(durable_rules_engine.complete_and_start_action(handle, state))

    cases = [SCHIEDAM, {**SCHIEDAM, "school": {"gemeente": "Delft"}}]
    with Engine(national) as engine:
        monkeypatch.setattr(durable_module, "_durable", Forgetful())
        with pytest.raises(EvaluationError, match="1 of 2 cases"):
            list(engine.decide_many(cases, settle=False))
        monkeypatch.undo()
        assert [o.entity for o in engine.decide_many(cases, settle=False)] == ["gemeente Vlaardingen"] * 2
