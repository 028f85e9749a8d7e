"""Presumptions (issue 15): a framework presumes the ordinary value of a fact that exists only when an
authority recorded it, names every presumption an outcome rests on, never presumes what decides the
woonplaats, and ``presume=False`` gives the strict answer."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_helpers import read_output, run_cli, write_csv
from conftest import MINIMAL_FRAMEWORK, RULES
from wiebetaalt import Decision, Engine, Escalation, EscalationReason, check_framework, load_framework, recheck
from wiebetaalt.decision.outcome import asking_for_facts
from wiebetaalt.engine.presume import answer
from wiebetaalt.load.presumptions import presumable
from wiebetaalt.model.case import CASE_FIELDS

JEUGDHULP = {"peildatum": "2025-03-01", "kind": {"leeftijd": 11, "brp_gemeente": "Vlaardingen"},
             "school": {"gemeente": "Schiedam"}, "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}


def fields(outcome: Any) -> set[str]:
    return {p.field for p in outcome.presumptions}


def test_an_ordinary_case_is_decided_and_names_the_presumptions_it_rests_on(engine):
    strict = engine.decide(JEUGDHULP, presume=False)
    assert isinstance(strict, Escalation) and strict.reason is EscalationReason.MISSING_FACTS
    outcome = engine.decide(JEUGDHULP)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Vlaardingen"
    # the strict answer escalated for the first of them; the others were asked once it was presumed
    assert "kind.wlz_indicatie" in strict.missing_facts
    assert fields(outcome) == {"kind.wlz_indicatie", "kind.verblijf", "kind.geheim_adres"}
    assert all(p.reason and str(p.source).startswith("https://") for p in outcome.presumptions)
    assert outcome.explanation.endswith("Aangenomen, zolang niet anders bekend: "
                                        + "; ".join(p.label for p in outcome.presumptions) + ".")
    data = outcome.to_dict()
    assert [p["field"] for p in data["presumptions"]] == [p.field for p in outcome.presumptions]
    assert data["audit"]["presumptions"] == [p.field for p in outcome.presumptions] and data["audit"]["presume"]


def test_a_given_fact_is_never_presumed(engine):
    given = {**JEUGDHULP, "kind": {**JEUGDHULP["kind"], "wlz_indicatie": True}}
    outcome = engine.decide(given)
    assert "kind.wlz_indicatie" not in fields(outcome)
    assert isinstance(outcome, Decision) and outcome.funder == "zorgkantoor"


def test_a_decision_that_rests_on_nothing_unknown_names_no_presumption(engine):
    full = {**JEUGDHULP, "kind": {**JEUGDHULP["kind"], "wlz_indicatie": False, "verblijf": False,
                                  "geheim_adres": False}}
    outcome = engine.decide(full)
    assert isinstance(outcome, Decision) and outcome.presumptions == ()
    assert dataclasses.replace(engine.decide(full, presume=False), audit=None) == dataclasses.replace(outcome, audit=None)


def test_what_decides_the_woonplaats_is_never_presumed(engine):
    case = {**JEUGDHULP, "kind": {"leeftijd": 11}}
    outcome = engine.decide(case)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.PARTY_UNKNOWN
    assert "kind.brp_woonadres" in outcome.missing_facts
    for path in ("peildatum", "kind.leeftijd", "kind.brp_gemeente", "hulpvraag.soort", "hulpvraag.toegang",
                 "school.samenwerkingsverband", "kind.postcode", "kind.brp_inschrijfdatum", "kind.gezag"):
        assert not presumable(path), path
    assert presumable("kind.wlz_indicatie") and presumable("kind.co_ouderschap")


@settings(max_examples=40, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "kind.leeftijd": st.integers(0, 23), "kind.brp_gemeente": st.sampled_from(["Schiedam", "Vlaardingen"]),
    "kind.wlz_indicatie": st.booleans(), "kind.verblijf": st.booleans(), "kind.geheim_adres": st.booleans(),
    "hulpvraag.soort": st.sampled_from(["jeugdhulp", "begeleiding", "verpleging", "dyslexiezorg", "logopedie",
                                        "diagnostiek_behandeling", "extra_ondersteuning"]),
    "hulpvraag.toegang": st.sampled_from(["individueel", "collectief"]),
}))
def test_presuming_only_ever_answers_with_what_the_strict_answer_left_open(engine, values):
    case: dict[str, Any] = {"peildatum": "2025-03-01"}
    for path, value in values.items():
        section, name = path.split(".")
        case.setdefault(section, {})[name] = value
    strict = engine.decide(case, settle=False, presume=False)
    presumed = engine.decide(case, settle=False)
    if not presumed.presumptions:
        # nothing presumed: the strict answer itself
        assert dataclasses.replace(presumed, audit=None) == dataclasses.replace(strict, audit=None)
        return
    # the strict answer asks for facts (which rules hold, or which party pays)
    assert asking_for_facts(strict) is not None
    # every presumption was a fact the strict answer asked for (or one asked for once those were
    # presumed), never one the case gives, and the presumed answer is what the presumed values give
    for p in presumed.presumptions:
        section, name = p.field.split(".")
        assert case.get(section, {}).get(name) is None
    filled = json.loads(json.dumps(case))
    for p in presumed.presumptions:
        section, name = p.field.split(".")
        filled.setdefault(section, {})[name] = p.value
    again = engine.decide(filled, settle=False, presume=False)
    assert again.to_dict() | {"audit": None, "presumptions": [], "explanation": ""} == \
        presumed.to_dict() | {"audit": None, "presumptions": [], "explanation": ""}
    # and each one named is needed: left out, the answer changes
    for p in presumed.presumptions:
        section, name = p.field.split(".")
        without = json.loads(json.dumps(filled))
        del without[section][name]
        assert answer(engine.decide(without, settle=False, presume=False)) != answer(presumed), p.field


def test_a_presumption_made_moot_by_another_is_not_named(engine):
    # the first escalation asks for the stay and for whether the registration before it was only for
    # a procedure; with no stay presumed the second no longer matters
    case = {"peildatum": "2025-03-01", "kind": {"leeftijd": 16, "brp_gemeente": "Vlaardingen"},
            "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}
    first = engine.decide(case, settle=False, presume=False)
    assert {"kind.verblijf", "kind.inschrijving_alleen_voor_procedure"} <= set(first.missing_facts)
    outcome = engine.decide(case)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Vlaardingen"
    assert "kind.verblijf" in fields(outcome)
    assert "kind.inschrijving_alleen_voor_procedure" not in fields(outcome)
    assert "procedure" not in outcome.explanation


def _framework(tmp_path: Path, presumptions: str, name: str = "kader.yaml", text: str = MINIMAL_FRAMEWORK) -> Path:
    path = tmp_path / name
    path.write_text(text.replace("examples:\n", presumptions + "examples:\n"), encoding="utf-8")
    return path


WLZ = """presumptions:
  - field: kind.wlz_indicatie
    value: false
    label: geen Wlz-indicatie
    reason: Alleen het CIZ geeft een Wlz-indicatie af.
    source: https://example.org/wlz
"""


def test_check_reports_every_problem_of_the_presumptions_at_once(tmp_path: Path):
    path = _framework(tmp_path, """presumptions:
  - {field: kind.brp_gemeente, value: Delft, label: woont in Delft, reason: meestal, source: https://example.org/a}
  - {field: kind.wlz_indicatie, value: nee, label: geen Wlz, reason: CIZ, source: https://example.org/b}
  - {field: kind.wlz_indicatie, value: false, label: geen Wlz, reason: CIZ, source: https://example.org/b}
  - {field: kind.wlz_indicatei, value: false, label: geen Wlz, reason: CIZ, source: https://example.org/b}
""")
    problems = check_framework(path)
    assert [(p.line, p.code) for p in problems] == [
        (29, "presumption-not-allowed"), (30, "wrong-value-type"), (31, "presumption-twice"), (32, "unknown-field")]
    assert "bedoelt u 'kind.wlz_indicatie'?" in problems[3].hint


def test_an_overlay_adds_presumptions_but_cannot_change_those_of_its_base(tmp_path: Path):
    _framework(tmp_path, WLZ, "basis.yaml")
    overlay = """schema_version: 1
framework: regio
extends: basis.yaml
title: Regio
version: "1"
presumptions:
  - {field: kind.co_ouderschap, value: false, label: geen co-ouderschap, reason: afspraak, source: https://example.org/c}
"""
    (tmp_path / "regio.yaml").write_text(overlay, encoding="utf-8")
    framework = load_framework(tmp_path / "regio.yaml")
    assert [p.field for p in framework.presumptions] == ["kind.wlz_indicatie", "kind.co_ouderschap"]
    (tmp_path / "regio.yaml").write_text(overlay + "  - {field: kind.wlz_indicatie, value: true, label: Wlz, "
                                         "reason: regio, source: https://example.org/d}\n", encoding="utf-8")
    (problem,) = check_framework(tmp_path / "regio.yaml")
    assert (problem.file.endswith("regio.yaml"), problem.line, problem.code) == (True, 8, "presumption-twice")
    assert "het kader waarop dit voortbouwt" in problem.message


def test_decide_and_batch_on_the_command_line_name_the_presumptions(tmp_path: Path):
    case = tmp_path / "casus.json"
    case.write_text(json.dumps(JEUGDHULP), encoding="utf-8")
    status, out, _ = run_cli("decide", str(case), "--json")
    assert status == 0 and {p["field"] for p in json.loads(out)["presumptions"]} >= {"kind.wlz_indicatie"}
    status, out, _ = run_cli("decide", str(case), "--json", "--geen-aannames")
    assert status == 1 and json.loads(out)["presumptions"] == []
    source = write_csv(tmp_path / "c.csv", [["A", "2025-03-01", "11", "Vlaardingen", "jeugdhulp", "individueel"]],
                       header=["id", "peildatum", "kind.leeftijd", "kind.brp_gemeente", "hulpvraag.soort",
                               "hulpvraag.toegang"])
    target, summary = tmp_path / "uit.csv", tmp_path / "totalen.json"
    status, _, _ = run_cli("batch", str(source), "-o", str(target), "--jobs", "1", "--summary-json", str(summary))
    [row] = read_output(target)
    assert status == 0 and row["status"] == "decision" and "kind.wlz_indicatie" in row["presumptions"].split("; ")
    totals = json.loads(summary.read_text(encoding="utf-8"))
    assert totals["presumed"] == 1 and totals["presumed_fields"]["kind.wlz_indicatie"] == 1
    assert totals["audit"]["presume"] is True
    status, _, _ = run_cli("batch", str(source), "-o", str(target), "--jobs", "1", "--geen-aannames")
    [row] = read_output(target)
    assert status == 0 and row["status"] == "escalation" and row["presumptions"] == ""


def test_a_stored_outcome_that_rests_on_presumptions_still_holds_when_rechecked(engine):
    outcome = engine.decide(JEUGDHULP)
    assert outcome.presumptions
    assert recheck(outcome.to_dict(), engine).holds
    strict = engine.decide(JEUGDHULP, presume=False)
    assert recheck(strict.to_dict(), engine).holds  # decided again without presumptions, as stored


def test_a_minor_with_a_wlz_indication_is_not_asked_whether_the_disorder_is_only_psychiatric():
    with Engine(load_framework(RULES / "landelijk.yaml")) as engine:
        case = {"peildatum": "2025-03-01", "kind": {"leeftijd": 9, "brp_gemeente": "Vlaardingen", "wlz_indicatie": True},
                "hulpvraag": {"soort": "persoonlijke_verzorging", "toegang": "individueel"}}
        outcome = engine.decide(case, presume=False)
        assert "kind.alleen_psychische_stoornis" not in getattr(outcome, "missing_facts", ())
        assert isinstance(outcome, Decision) and outcome.funder == "zorgkantoor"
        # an adult may have a Wlz indication for a psychiatric disorder: nothing is derived then
        adult = {**case, "kind": {**case["kind"], "leeftijd": 30}}
        assert "niet alleen een psychische stoornis" not in engine.decide(adult).explanation


@pytest.mark.parametrize("field", sorted(CASE_FIELDS))
def test_every_presumption_of_the_bundled_frameworks_is_allowed(field):
    national = load_framework(RULES / "landelijk.yaml")
    if field in {p.field for p in national.presumptions}:
        assert presumable(field)
