"""Explanations as data: an outcome carries what its explanation says as parts, rendered once.

The resolver makes the parts, the engine adds what it derived and what settles the case, and
``explain`` renders them; the text itself is pinned by the snapshot of every example case (see
bench/snapshot.sh) and by the wording tests in test_outcome.py and test_ask.py.
"""

from __future__ import annotations

import dataclasses

from conftest import RULES
from wiebetaalt import Decision, Engine, Escalation, load_framework
from wiebetaalt.decision.explain import FrameworkText, Interim, NoInterim, Reach, Reason, Refer, explain, fill
from wiebetaalt.decision.notes import PostcodeFound, Presumed, Settled
from wiebetaalt.decision.resolve import Resolver
from wiebetaalt.model.case import parse_case

THUISZITTER = {"peildatum": "2025-11-01", "school": {"bestuur": "Stichting Primair Onderwijs Schiedam"},
               "hulpvraag": {"soort": "thuiszittertraject"}}


def test_the_explanation_is_the_text_of_its_parts(engine):
    for raw in (THUISZITTER,
                {"peildatum": "2025-03-01", "kind": {"postcode": "3132AB"}, "hulpvraag": {"soort": "begeleiding"}},
                {"peildatum": "2025-03-01", "hulpvraag": {"soort": "basisondersteuning"}}):
        outcome = engine.decide(raw)
        assert outcome.explanation_parts
        assert outcome.explanation == explain(outcome.explanation_parts)


def test_a_draft_leaves_the_text_to_whoever_finishes_it(engine):
    case = engine.prepare(THUISZITTER)
    resolver = Resolver(engine.framework)
    draft, written = resolver.draft(case, engine.match(case)), resolver.resolve(case, engine.match(case))
    assert draft.explanation == "" and written.explanation == explain(draft.explanation_parts)
    assert written.explanation_parts == draft.explanation_parts
    # the parts are what the explanation says; outcomes compare by their text
    assert dataclasses.replace(written, explanation="") == draft


def test_nobody_paying_meanwhile_is_said_once_and_a_declared_interim_payer_takes_its_place(engine):
    national = engine.decide(THUISZITTER)
    assert isinstance(national, Escalation) and national.interim_funder is None
    parts = national.explanation_parts
    assert [type(p) for p in parts].count(NoInterim) == 1 and not any(isinstance(p, Interim) for p in parts)
    assert isinstance(parts[0], Reason) and parts[0].reason is national.reason
    assert Refer(national.route.name) in parts
    with Engine(load_framework(RULES / "regio" / "waterweg.yaml")) as waterweg:
        regional = waterweg.decide(THUISZITTER)
    assert isinstance(regional, Escalation)
    # who pays meanwhile, then how to reach the table, in place of saying that nobody does
    said = regional.explanation_parts[-2:]
    assert said == (Interim("Schoolbestuur (bevoegd gezag van de school)",
                            "schoolbestuur Stichting Primair Onderwijs Schiedam"),
                    Reach(regional.route.name, regional.route.contact, regional.route.deadline))
    assert not any(isinstance(p, NoInterim) for p in regional.explanation_parts)


def test_the_engine_adds_what_it_derived_and_what_settles_the_case_after_the_resolvers_parts(engine):
    outcome = engine.decide({"peildatum": "2025-03-01", "kind": {"postcode": "3132AB"},
                             "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}})
    found = [p for p in outcome.explanation_parts if isinstance(p, PostcodeFound)]
    assert found == [PostcodeFound("3132AB", "Vlaardingen")]
    assert found[0].sentence() in outcome.explanation
    open_access = {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"},
                   "kind": {"brp_gemeente": "Delft", "verblijf": False, "geheim_adres": False, "wlz_indicatie": False}}
    settled = engine.decide(open_access)
    assert isinstance(settled, Escalation) and settled.settling_facts == ("hulpvraag.toegang",)
    assert settled.explanation_parts[-1] == Settled(("hulpvraag.toegang",))
    assert settled.explanation.endswith(" Met antwoord op hulpvraag.toegang is de casus in elk geval beslist of "
                                        "duidelijk naar wie hij gaat.")
    unsettled = engine.decide(open_access, settle=False)
    assert settled.explanation_parts[:-1] == unsettled.explanation_parts
    assert not any(isinstance(p, Settled) for p in unsettled.explanation_parts)


def test_a_part_that_says_nothing_leaves_no_gap():
    assert Reach("Tafel", None, None).sentence() == ""
    assert explain([Refer("Tafel"), Reach("Tafel", None, None), NoInterim()]) == (
        "Leg de casus voor aan: Tafel. Het kader wijst geen betaler voor de tussentijd aan.")
    assert explain([Reach("Tafel", "tafel@example.org", "binnen een week")]) == (
        "Tafel: aanmelden via tafel@example.org; termijn: binnen een week.")


def test_a_framework_text_fills_its_placeholders_from_the_case_and_the_party():
    case = parse_case({"peildatum": "2025-01-01", "kind": {"verblijf": False}, "school": {"gemeente": "Schiedam"}})
    text = fill("school in {school.gemeente},  verblijf {kind.verblijf}, adres {kind.geheim_adres}: "
                "{partij} betaalt", case, "gemeente Delft")
    assert text == "school in Schiedam, verblijf nee, adres onbekend: gemeente Delft betaalt"
    assert FrameworkText(fill("{partij}", case)).sentence() == "onbekend"


def test_a_decision_says_who_pays_first_and_its_legal_basis_last(engine):
    outcome = engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "basisondersteuning"},
                             "school": {"bestuur": "Stichting X"}})
    assert isinstance(outcome, Decision)
    first, last = outcome.explanation_parts[0], outcome.explanation_parts[-1]
    assert outcome.explanation.startswith(f"{outcome.entity[:1].upper()}{outcome.entity[1:]} betaalt ")
    assert outcome.explanation.startswith(first.sentence())
    assert last.sentence() == "Rechtsgrond: " + "; ".join(b.citation for b in outcome.legal_basis) + "."
    assert outcome.explanation.endswith(last.sentence())
