"""Escalations that can be acted on: the facts that settle them, who pays meanwhile, asking for facts."""

from __future__ import annotations

import io
import itertools
import sys
from pathlib import Path

import pytest

from conftest import RULES
from wiebetaalt import CaseError, Decision, Engine, Escalation, EscalationReason, load_framework
from wiebetaalt.decision.questions import Question, ask, question
from wiebetaalt.decision.settle import ANY_TEXT, with_fact
from wiebetaalt.model.case import parse_case
from wiebetaalt.cli.main import main
from wiebetaalt.load.loader import check_framework
from wiebetaalt.model.space import field_space

OPEN_ACCESS = {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"},
               "kind": {"brp_gemeente": "Delft", "verblijf": False, "geheim_adres": False, "wlz_indicatie": False}}


@pytest.fixture(scope="module")
def waterweg():
    with Engine(load_framework(RULES / "regio" / "waterweg.yaml")) as engine:
        yield engine


def test_the_smallest_settling_set_can_be_smaller_than_the_list_of_missing_facts(engine):
    outcome = engine.decide(OPEN_ACCESS, presume=False)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    # whether it is individual or collective help decides it, whatever the rest
    assert outcome.settling_facts == ("hulpvraag.toegang",)
    assert set(outcome.settling_facts) <= set(outcome.missing_facts)
    by_answer = {a.value: a for a in outcome.answers if a.field == "hulpvraag.toegang"}
    assert by_answer["individueel"].outcome == "decision" and "gemeente Delft betaalt" in by_answer["individueel"].result
    assert by_answer["collectief"].outcome == "grey_zone"
    assert "Met antwoord op hulpvraag.toegang" in outcome.explanation


@pytest.mark.parametrize("case", [
    OPEN_ACCESS,
    {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"},
     "kind": {"brp_gemeente": "Delft", "leeftijd": 11}},
    {"peildatum": "2021-03-01", "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}, "kind": {"wlz_indicatie": False}},
    {"peildatum": "2025-03-01", "hulpvraag": {"soort": "leerlingenvervoer"}},
], ids=["toegang", "woonplaats", "gezag-2021", "co-ouderschap"])
def test_every_combination_of_answers_to_the_settling_set_settles_the_case(engine, case):
    # without presumptions, so that the exceptions are part of the settling set too
    outcome = engine.decide(case, presume=False)
    assert isinstance(outcome, Escalation) and outcome.settling_facts
    prepared = engine.prepare(case)
    spaces = [field_space(engine.framework, path, prepared.peildatum).values for path in outcome.settling_facts]
    for combination in itertools.product(*spaces):
        filled = prepared
        for path, value in zip(outcome.settling_facts, combination):
            filled = with_fact(filled, path, ANY_TEXT if value == "Overig" else value)
        settled = engine.decide(filled, settle=False, presume=False)
        assert not (isinstance(settled, Escalation) and settled.reason is EscalationReason.MISSING_FACTS), (
            combination, settled.missing_facts)


def test_each_listed_fact_gets_one_answer_per_class_of_values(engine):
    outcome = engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "begeleiding"},
                             "kind": {"wlz_indicatie": False, "brp_gemeente": "Delft", "verblijf": False,
                                      "geheim_adres": False}})
    assert isinstance(outcome, Escalation)
    ages = [a.label for a in outcome.answers if a.field == "kind.leeftijd"]
    assert ages == ["0 t/m 6", "7", "8 t/m 17", "18", "19 of meer"]
    assert {a.field for a in outcome.answers} == set(outcome.missing_facts)
    data = outcome.to_dict()
    assert data["settling_facts"] == list(outcome.settling_facts)
    assert data["answers"][0].keys() == {"field", "value", "label", "result", "outcome"}


def test_settling_is_left_out_on_request(engine):
    outcome = engine.decide(OPEN_ACCESS, settle=False)
    assert isinstance(outcome, Escalation) and outcome.settling_facts == () and outcome.answers == ()


def test_a_region_declares_its_table_contact_deadline_and_who_pays_meanwhile(waterweg, engine):
    thuiszitter = {"peildatum": "2025-11-01", "school": {"bestuur": "Stichting Primair Onderwijs Schiedam"},
                   "hulpvraag": {"soort": "thuiszittertraject"}}
    regional = waterweg.decide(thuiszitter)
    assert isinstance(regional, Escalation) and regional.route.id == "waterweg-escalatietafel"
    assert regional.route.contact and regional.route.deadline == "binnen tien werkdagen na aanmelding"
    assert regional.interim_funder == "schoolbestuur Stichting Primair Onderwijs Schiedam"
    assert "In de tussentijd betaalt schoolbestuur Stichting Primair Onderwijs Schiedam" in regional.explanation
    assert regional.to_dict()["route"]["deadline"] == "binnen tien werkdagen na aanmelding"
    # the national framework declares no interim payer anywhere, and says so
    national = engine.decide(thuiszitter)
    assert isinstance(national, Escalation) and national.interim_funder is None
    assert "Het kader wijst geen betaler voor de tussentijd aan." in national.explanation


def test_an_unresolved_interim_payer_says_which_facts_it_needs():
    with Engine(load_framework(RULES / "regio" / "heuvelland.yaml")) as heuvelland:
        outcome = heuvelland.decide({"peildatum": "2025-09-01", "kind": {"brp_gemeente": "Meerssen"},
                                     "hulpvraag": {"soort": "thuiszittertraject"}})
    assert isinstance(outcome, Escalation) and outcome.interim_funder == "Gemeente van de woonplaats van de jeugdige (Jeugdwet)"
    assert "welke partij dat is, hangt af van: kind.verblijf" in outcome.explanation


def test_an_interim_funder_must_be_declared(tmp_path: Path):
    text = (RULES / "regio" / "waterweg.yaml").read_text(encoding="utf-8").replace(
        "interim_funder: schoolbestuur", "interim_funder: schoolbestur")
    broken = tmp_path / "regio" / "waterweg.yaml"
    broken.parent.mkdir()
    broken.write_text(text, encoding="utf-8")
    (tmp_path / "landelijk.yaml").write_text((RULES / "landelijk.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (problem,) = check_framework(broken)
    assert problem.code == "unknown-funder" and "bedoelt u 'schoolbestuur'" in problem.hint


def test_ask_asks_only_what_is_needed_until_it_decides(engine):
    prompts, lines = [], []
    answers = iter(["nee", "misschien", "nee", "nee"])

    def read(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    case = {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Vlaardingen", "leeftijd": 11},
            "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}
    outcome = ask(engine, case, read, lines.append, presume=False)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Vlaardingen" and not outcome.presumptions
    assert prompts == ["kind.wlz_indicatie: ", "kind.verblijf: ", "kind.verblijf: ", "kind.geheim_adres: "]
    assert "  antwoord ja of nee" in lines  # the bad answer is refused and asked again
    # with the framework's presumptions, the exceptions are presumed and named, not asked
    prompts.clear()
    outcome = ask(engine, case, read, lines.append)
    assert prompts == [] and isinstance(outcome, Decision) and outcome.entity == "gemeente Vlaardingen"
    assert {p.field for p in outcome.presumptions} == {"kind.wlz_indicatie", "kind.verblijf", "kind.geheim_adres"}


def test_ask_stops_on_an_empty_answer_with_the_outcome_so_far(engine):
    outcome = ask(engine, OPEN_ACCESS, lambda prompt: "", lambda line: None)
    assert isinstance(outcome, Escalation) and outcome.settling_facts == ("hulpvraag.toegang",)


@pytest.mark.parametrize(("path", "typed", "value"), [
    ("kind.verblijf", "Ja", True), ("hulpvraag.toegang", "2", "collectief"), ("hulpvraag.toegang", "individueel", "individueel"),
    ("kind.leeftijd", "12", 12), ("kind.brp_inschrijfdatum", "2025-01-31", "2025-01-31"), ("kind.brp_gemeente", " Delft ", "Delft"),
])
def test_a_typed_answer_is_read_as_its_value(path, typed, value):
    assert question(path).parse(typed) == value


@pytest.mark.parametrize(("path", "typed"), [("kind.verblijf", "soms"), ("hulpvraag.toegang", "3"), ("kind.leeftijd", "elf"),
                                             ("kind.brp_inschrijfdatum", "31-1-2025"), ("kind.brp_gemeente", "  ")])
def test_a_typed_answer_that_means_nothing_is_refused_in_dutch(path, typed):
    with pytest.raises(ValueError):
        question(path).parse(typed)


def test_every_case_field_has_a_question_in_plain_dutch():
    from wiebetaalt.model.case import CASE_FIELDS
    from wiebetaalt.model.questions import QUESTIONS

    assert QUESTIONS.keys() == CASE_FIELDS.keys()
    for path in CASE_FIELDS:
        asked = question(path)
        assert isinstance(asked, Question) and asked.text.endswith("?") and asked.text[0].isupper()
        # the fact in the caseworker's words: no dotted field, no field name
        name = path.rpartition(".")[2]
        assert "." not in asked.text.rstrip("?") and ("_" not in name or name not in asked.text), asked.text
    assert question("kind.leeftijd").text == "Hoe oud is de jeugdige (in jaren)?"


def test_decide_ask_on_the_command_line(monkeypatch, tmp_path: Path):
    case = tmp_path / "casus.yaml"
    case.write_text("peildatum: 2025-03-01\nkind: {brp_gemeente: Vlaardingen, leeftijd: 11}\n"
                    "hulpvraag: {soort: jeugdhulp, toegang: individueel}\n", encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("nee\nnee\nnee\n"))
    out, err = io.StringIO(), io.StringIO()
    code = main(["decide", str(case), "--ask", "--geen-aannames"], stdout=out, stderr=err)
    assert code == 0 and "Besluit: gemeente Vlaardingen betaalt" in out.getvalue()
    assert "Heeft de jeugdige een Wlz-indicatie van het CIZ?" in out.getvalue()
    assert "Aangenomen" not in out.getvalue()
    out = io.StringIO()
    code = main(["decide", str(case), "--ask"], stdout=out, stderr=err)
    assert code == 0 and "Besluit: gemeente Vlaardingen betaalt" in out.getvalue()
    assert "Wlz-indicatie van het CIZ?" not in out.getvalue() and "  - geen Wlz-indicatie: " in out.getvalue()


def test_with_fact_validates_like_any_case():
    case = parse_case({"peildatum": "2025-03-01"})
    assert with_fact(case, "kind.leeftijd", 12).kind.leeftijd == 12
    with pytest.raises(CaseError) as caught:
        with_fact(case, "kind.leeftijd", 99)
    (problem,) = caught.value.problems
    assert (problem.field, problem.code, problem.message) == ("kind.leeftijd", "invalid-value", "te groot")


def test_ask_asks_for_a_fact_whose_absence_makes_the_grey_zone(engine):
    # before 2022, joint gezag and parents apart: the grey zone holds because the main residence is
    # not known; asking for it settles the case
    case = {"peildatum": "2021-03-01", "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"},
            "kind": {"leeftijd": 9, "gezag": "beide_ouders", "ouders_wonen_apart": True, "wlz_indicatie": False}}
    before = engine.decide(case)
    assert isinstance(before, Escalation) and before.reason is EscalationReason.GREY_ZONE
    assert before.rules == ("woonplaats-oud-hoofdverblijf-onbepaald",)
    lines: list[str] = []
    answers = iter(["Maassluis"])
    outcome = ask(engine, case, lambda prompt: next(answers), lines.append, framework=engine.framework)
    assert "In welke gemeente woont de ouder bij wie de jeugdige feitelijk het meest verblijft?" in "\n".join(lines)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Maassluis", outcome.explanation
    # without the framework, or with an empty answer, the grey zone stands
    assert ask(engine, case, lambda prompt: "", lines.append) == before
    assert ask(engine, case, lambda prompt: "", lines.append, framework=engine.framework).reason is \
        EscalationReason.GREY_ZONE
