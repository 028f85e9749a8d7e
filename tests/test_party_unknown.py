"""The funder is certain, the party is not yet named (issue 15, part 3): the outcome names the funder
the law settles and what names its party, and batch counts these apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_helpers import read_output, run_cli, write_csv
from wiebetaalt import Decision, Escalation, EscalationReason, FrameworkError, load_framework
from wiebetaalt.cli.text import format_outcome
from wiebetaalt.model.framework import Expectation
from wiebetaalt.testing.examples import check_example

SWV = {"peildatum": "2025-03-01", "school": {"soort": "basisonderwijs"}, "hulpvraag": {"soort": "extra_ondersteuning"}}
CO_PARENTS = {"peildatum": "2025-03-01", "hulpvraag": {"soort": "leerlingenvervoer"},
              "kind": {"feitelijke_verblijfsgemeente": "Schiedam", "co_ouderschap": True,
                       "verblijfsgemeente_andere_ouder": "Maassluis"}}


def test_the_schools_swv_pays_and_the_outcome_asks_which_one(engine):
    outcome = engine.decide(SWV)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.PARTY_UNKNOWN
    assert outcome.funder == "swv_school" and outcome.missing_facts == ("school.samenwerkingsverband",)
    data = outcome.to_dict()
    assert data["reason"] == "party_unknown" and data["funder"] == "swv_school" and data["funder_name"]
    text = format_outcome(outcome)
    assert "Escalatie: betaler staat vast, partij nog niet [party_unknown]" in text
    assert "[swv_school]; welke partij: vul school.samenwerkingsverband in" in text
    # naming the party decides it, for the same funder
    named = engine.decide({**SWV, "school": {**SWV["school"], "samenwerkingsverband": "PO Waterweg"}})
    assert isinstance(named, Decision) and named.funder == outcome.funder
    assert named.entity == "samenwerkingsverband PO Waterweg"


def test_under_co_parenting_both_municipalities_are_named_and_the_split_is_open(engine):
    outcome = engine.decide(CO_PARENTS)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.PARTY_UNKNOWN
    assert outcome.funder == "gemeenten_co_ouderschap" and outcome.missing_facts == ("kind.dagen_bij_andere_ouder",)
    assert [c.entity for c in outcome.candidates] == ["gemeente Schiedam", "gemeente Maassluis"]
    assert "Bekend zijn al: gemeente Schiedam, gemeente Maassluis; de verdeling ligt nog niet vast." in outcome.explanation
    split = engine.decide({**CO_PARENTS, "kind": {**CO_PARENTS["kind"], "dagen_bij_andere_ouder": 2}})
    assert isinstance(split, Decision) and {s.entity for s in split.shares} == {"gemeente Schiedam", "gemeente Maassluis"}


def test_an_open_rule_is_still_missing_facts_not_party_unknown(engine):
    # whether the Jeugdwet or the Wmo applies is open: no funder is settled yet
    outcome = engine.decide({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Delft"},
                             "hulpvraag": {"soort": "begeleiding", "toegang": "individueel",
                                           "gericht_op_onderwijs": False}})
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    assert outcome.funder is None and outcome.to_dict()["funder"] is None


@settings(max_examples=60, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "kind.leeftijd": st.integers(0, 23), "kind.brp_gemeente": st.sampled_from(["Schiedam", "Vlaardingen"]),
    "kind.brp_woonadres": st.booleans(), "kind.verblijf": st.booleans(), "kind.co_ouderschap": st.booleans(),
    "kind.feitelijke_verblijfsgemeente": st.just("Schiedam"), "kind.dagen_bij_andere_ouder": st.integers(0, 7),
    "school.samenwerkingsverband": st.just("PO Waterweg"), "kind.gezag": st.sampled_from(["beide_ouders", "voogdij"]),
    "peildatum": st.sampled_from(["2021-06-01", "2025-03-01"]),
    "hulpvraag.soort": st.sampled_from(["jeugdhulp", "extra_ondersteuning", "leerlingenvervoer", "begeleiding"]),
    "hulpvraag.toegang": st.sampled_from(["individueel", "collectief"]),
}))
def test_every_answer_to_a_party_unknown_escalation_keeps_its_funder(engine, values):
    case: dict[str, Any] = {"peildatum": values.pop("peildatum", "2025-03-01")}
    for path, value in values.items():
        section, name = path.split(".")
        case.setdefault(section, {})[name] = value
    outcome = engine.decide(case)
    if not (isinstance(outcome, Escalation) and outcome.reason is EscalationReason.PARTY_UNKNOWN):
        return
    assert outcome.funder is not None and outcome.missing_facts
    # what a decision would be after any answer to the facts it asks: the same funder, never another
    for answer in outcome.answers:
        if answer.outcome == "decision":
            filled = json.loads(json.dumps(case))
            section, name = answer.field.split(".")
            filled.setdefault(section, {})[name] = answer.value if answer.value != "(ingevulde waarde)" else "X"
            decided = engine.decide(filled, settle=False)
            assert not isinstance(decided, Decision) or decided.funder == outcome.funder, answer


def test_an_example_names_the_settled_funder_beside_party_unknown(engine):
    outcome = engine.decide(SWV)
    assert check_example(Expectation(escalation="party_unknown", funder="swv_school"), outcome) == []
    wrong = check_example(Expectation(escalation="party_unknown", funder="woonplaatsgemeente"), outcome)
    assert wrong and wrong[0].startswith("funder")
    with pytest.raises(ValueError, match="precies één van funder of escalation"):
        Expectation(escalation="missing_facts", funder="swv_school")


def test_a_rule_file_example_with_funder_and_party_unknown_loads(tmp_path: Path):
    from conftest import MINIMAL_FRAMEWORK

    text = MINIMAL_FRAMEWORK + ("  - name: Zonder gemeente\n    case:\n      peildatum: 2025-03-01\n"
                                "      hulpvraag: {soort: jeugdhulp}\n"
                                "    expect: {escalation: party_unknown, funder: gemeente}\n")
    path = tmp_path / "kader.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        framework = load_framework(path)
    except FrameworkError as error:  # pragma: no cover - the message says what is wrong
        pytest.fail(str(error))
    assert framework.examples[-1].expect.funder == "gemeente"


def test_batch_names_the_funder_and_counts_party_unknown_apart(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [
        ["A", "2025-03-01", "basisonderwijs", "", "extra_ondersteuning"],
        ["B", "2025-03-01", "basisonderwijs", "PO Waterweg", "extra_ondersteuning"],
    ], header=["id", "peildatum", "school.soort", "school.samenwerkingsverband", "hulpvraag.soort"])
    target, summary = tmp_path / "uit.csv", tmp_path / "totalen.json"
    status, out, _ = run_cli("batch", str(source), "-o", str(target), "--jobs", "1", "--summary-json", str(summary))
    first, second = read_output(target)
    assert status == 0 and first["status"] == "escalation" and first["reason"] == "party_unknown"
    assert first["funder"] == "swv_school" and first["missing_facts"] == "school.samenwerkingsverband"
    assert second["status"] == "decision" and second["funder"] == "swv_school"
    totals = json.loads(summary.read_text(encoding="utf-8"))
    assert totals["escalated"] == {"party_unknown": 1}


def test_an_escalation_with_someone_paying_meanwhile_names_no_settled_funder():
    from conftest import RULES
    from wiebetaalt import Engine

    with Engine(load_framework(RULES / "regio" / "waterweg.yaml")) as engine:
        outcome = engine.decide({"peildatum": "2025-03-01", "school": {"soort": "vo"},
                                 "hulpvraag": {"soort": "thuiszittertraject"}})
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.GREY_ZONE
    assert outcome.interim_funder is not None  # the school board pays meanwhile ...
    assert outcome.funder is None and outcome.to_dict()["funder"] is None  # ... but nothing is settled
