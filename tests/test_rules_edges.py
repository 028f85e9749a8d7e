"""Edge cases of the national rules (issue 15, part 4): voorliggendheid through overrides, the
Wlz/Zvw/Jeugdwet demarcation for specific groups, woonplaats without a BRP woonadres, the old
hoofdverblijf, a move without a registration date, a registration only for a procedure, and extra
support for a pupil from another SWV's region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wiebetaalt import Engine, FrameworkError, load_framework

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_framework(ROOT / "rules" / "landelijk.yaml"))


def decide(engine: Engine, kind: dict[str, Any], hulpvraag: dict[str, Any], *, peildatum: str = "2025-03-01",
           school: dict[str, Any] | None = None, presume: bool = True) -> Any:
    case = {"peildatum": peildatum, "kind": kind, "hulpvraag": hulpvraag, "school": school or {}}
    return engine.decide(case, presume=presume)


# 1. voorliggendheid: the Wlz goes before the Wmo, also for an adult

@pytest.mark.parametrize("soort", ["begeleiding", "persoonlijke_verzorging", "dagbesteding"])
def test_an_adult_with_a_wlz_indication_gets_the_wlz_not_the_wmo(engine: Engine, soort: str) -> None:
    outcome = decide(engine, {"leeftijd": 19, "wlz_indicatie": True, "zorgkantoor": "Rotterdam"},
                     {"soort": soort, "toegang": "individueel", "verlengde_jeugdhulp": False,
                      "gericht_op_onderwijs": False})
    assert outcome.funder == "zorgkantoor"
    assert outcome.entity == "zorgkantoor Rotterdam"


def test_an_adult_without_a_wlz_indication_still_gets_the_wmo(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 19, "wlz_indicatie": False, "brp_gemeente": "Delft"},
                     {"soort": "begeleiding", "toegang": "individueel", "verlengde_jeugdhulp": False,
                      "gericht_op_onderwijs": False})
    assert outcome.funder == "wmo_gemeente"
    assert list(outcome.rules) == ["wmo-volwassene"]


def test_learning_support_stays_with_the_school_with_a_wlz_indication(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 10, "wlz_indicatie": True}, {"soort": "begeleiding",
                     "gericht_op_onderwijs": True}, school={"bestuur": "Stichting PO"})
    assert outcome.funder == "schoolbestuur"


def test_the_national_framework_overrides_no_rule_of_a_higher_stelsel() -> None:
    # load_framework refuses a framework with problems: override-inverts-precedence is one of them
    load_framework(ROOT / "rules" / "landelijk.yaml")


def _framework_with(tmp_path: Path, extra_rule: str) -> Path:
    base = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
    base = base.replace("precedence: [jeugdwet, onderwijs]", "precedence: [jeugdwet, onderwijs, wmo]")
    base = base.replace("examples:", extra_rule + "examples:")
    path = tmp_path / "kader.yaml"
    path.write_text(base, encoding="utf-8")
    return path


_RULE = """  - id: {id}
    title: Regel {id}
    domain: {domain}
    when: {{field: hulpvraag.soort, eq: jeugdhulp}}
    funder: gemeente
    overrides: [{target}]
    valid_from: 2015-01-01
    legal_basis:
      - citation: Voorbeeld
        url: https://example.org/voorbeeld
    explanation: Voorbeeld.
"""


def test_a_direct_override_of_a_higher_stelsel_is_reported_at_its_overrides_line(tmp_path: Path) -> None:
    path = _framework_with(tmp_path, _RULE.format(id="school", domain="onderwijs", target="jeugdhulp"))
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    [problem] = [p for p in caught.value.problems if p.code == "override-inverts-precedence"]
    assert "'school' (domein onderwijs)" in problem.message and "'jeugdhulp' (domein jeugdwet)" in problem.message
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[problem.line - 1].strip().startswith("overrides:")


def test_an_override_through_a_chain_is_reported_with_the_chain(tmp_path: Path) -> None:
    rules = (_RULE.format(id="school", domain="onderwijs", target="jeugdhulp")
             + _RULE.format(id="volwassene", domain="wmo", target="school"))
    with pytest.raises(FrameworkError) as caught:
        load_framework(_framework_with(tmp_path, rules))
    messages = [p.message for p in caught.value.problems if p.code == "override-inverts-precedence"]
    assert any("'volwassene' (domein wmo) zet via school regel 'jeugdhulp' (domein jeugdwet)" in m for m in messages)


def test_an_override_of_a_lower_or_the_same_stelsel_is_fine(tmp_path: Path) -> None:
    rules = (_RULE.format(id="specifiek", domain="jeugdwet", target="jeugdhulp")
             + _RULE.format(id="volwassene", domain="wmo", target="volwassene2")
             + _RULE.format(id="volwassene2", domain="wmo", target="specifiek").replace("    overrides: [specifiek]\n", ""))
    load_framework(_framework_with(tmp_path, rules))


# 2. Wlz, Zvw and Jeugdwet for specific groups

def test_treatment_with_a_wlz_indication_comes_from_the_wlz(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 10, "wlz_indicatie": True, "brp_gemeente": "Delft", "verblijf": False},
                     {"soort": "diagnostiek_behandeling"})
    assert outcome.funder == "zorgkantoor"
    assert "wlz-zorg" in outcome.rules


def test_sglvg_treatment_comes_from_the_wlz(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 15, "sglvg": True, "brp_gemeente": "Delft", "verblijf": False},
                     {"soort": "diagnostiek_behandeling"})
    assert outcome.funder == "zorgkantoor"
    assert list(outcome.rules) == ["wlz-sglvg-behandeling"]


def test_sensory_impairment_care_comes_from_the_zvw(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 6, "zintuiglijke_beperking": True, "wlz_indicatie": False,
                              "brp_gemeente": "Delft", "verblijf": False, "zorgverzekeraar": "VGZ"},
                     {"soort": "diagnostiek_behandeling"})
    assert outcome.funder == "zorgverzekeraar" and outcome.entity == "VGZ"


def test_treatment_without_those_features_stays_with_the_municipality(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 9, "sglvg": False, "zintuiglijke_beperking": False, "wlz_indicatie": False,
                              "brp_gemeente": "Vlaardingen", "verblijf": False, "geheim_adres": False},
                     {"soort": "diagnostiek_behandeling"})
    assert outcome.funder == "woonplaatsgemeente" and outcome.entity == "gemeente Vlaardingen"


# 3. no BRP woonadres: the mother's municipality at birth, then the actual stay

def test_without_a_woonadres_the_mothers_municipality_at_birth_pays(engine: Engine) -> None:
    outcome = decide(engine, {"briefadres": True, "verblijf": False, "geheim_adres": False,
                              "moeder_bij_geboorte_ingeschreven": True, "gemeente_moeder_bij_geboorte": "Rotterdam",
                              "feitelijke_verblijfsgemeente": "Delft", "wlz_indicatie": False},
                     {"soort": "jeugdhulp", "toegang": "individueel"}, peildatum="2024-02-01")
    assert outcome.funder == "woonplaatsgemeente" and outcome.entity == "gemeente Rotterdam"


def test_only_when_the_mother_gives_no_municipality_the_actual_stay_counts(engine: Engine) -> None:
    outcome = decide(engine, {"brp_woonadres": False, "verblijf": False, "geheim_adres": False,
                              "moeder_bij_geboorte_ingeschreven": False, "feitelijke_verblijfsgemeente": "Delft",
                              "wlz_indicatie": False},
                     {"soort": "jeugdhulp", "toegang": "individueel"}, peildatum="2024-02-01")
    assert outcome.entity == "gemeente Delft"


# 4. before 2022: the actual main residence

def test_old_law_joint_authority_follows_the_actual_main_residence(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 9, "gezag": "beide_ouders", "ouders_wonen_apart": True,
                              "hoofdverblijf_gemeente": "Delft", "brp_gemeente": "Rotterdam", "wlz_indicatie": False},
                     {"soort": "jeugdhulp", "toegang": "individueel"}, peildatum="2021-03-01")
    assert outcome.entity == "gemeente Delft"
    assert "feitelijk" in outcome.explanation


# 5. a move without a registration date

def test_a_previous_municipality_without_a_registration_date_is_a_missing_fact(engine: Engine) -> None:
    outcome = decide(engine, {"brp_gemeente": "Delft", "vorige_brp_gemeente": "Maassluis", "verblijf": False,
                              "geheim_adres": False, "wlz_indicatie": False},
                     {"soort": "jeugdhulp", "toegang": "individueel"}, peildatum="2025-02-20")
    # the municipality pays either way; which one turns on the date
    assert outcome.reason.value == "party_unknown" and outcome.funder == "woonplaatsgemeente"
    assert list(outcome.missing_facts) == ["kind.brp_inschrijfdatum"]


# 6. a registration only for a procedure

def test_a_registration_only_for_a_procedure_before_a_stay_escalates(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 15, "verblijf": True, "brp_gemeente_voor_verblijf": "Zwolle",
                              "inschrijving_alleen_voor_procedure": True, "wlz_indicatie": False},
                     {"soort": "jeugdhulp", "toegang": "individueel"}, peildatum="2024-06-01")
    assert outcome.reason.value == "grey_zone"
    assert list(outcome.rules) == ["woonplaats-inschrijving-alleen-voor-procedure"]
    assert outcome.route.id == "geschillencommissie-sociaal-domein"


def test_an_ordinary_registration_before_a_stay_still_decides(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 15, "verblijf": True, "brp_gemeente_voor_verblijf": "Zwolle",
                              "inschrijving_alleen_voor_procedure": False, "wlz_indicatie": False},
                     {"soort": "jeugdhulp", "toegang": "individueel"}, peildatum="2024-06-01")
    assert outcome.entity == "gemeente Zwolle"


# 7. extra support for a pupil from another SWV's region

def test_extra_support_for_a_pupil_from_another_region_is_a_grey_zone_with_the_schools_swv(engine: Engine) -> None:
    outcome = decide(engine, {"woont_buiten_regio_swv_school": True, "swv_woonregio": "PO Delflanden"},
                     {"soort": "extra_ondersteuning"}, school={"samenwerkingsverband": "PO Schiedam-Vlaardingen"})
    assert outcome.reason.value == "grey_zone"
    assert [(c.rule, c.funder, c.entity) for c in outcome.candidates] == [
        ("extra-ondersteuning-leerling-buiten-regio", "swv_school", "samenwerkingsverband PO Schiedam-Vlaardingen")]


def test_extra_support_for_a_pupil_from_the_region_is_the_schools_swv(engine: Engine) -> None:
    outcome = decide(engine, {"woont_buiten_regio_swv_school": False},
                     {"soort": "extra_ondersteuning"}, school={"samenwerkingsverband": "PO Schiedam-Vlaardingen"})
    assert outcome.funder == "swv_school" and outcome.entity == "samenwerkingsverband PO Schiedam-Vlaardingen"


def test_the_region_of_the_pupil_is_derived_from_both_samenwerkingsverbanden(engine: Engine) -> None:
    school = {"samenwerkingsverband": "PO Schiedam-Vlaardingen"}
    outside = decide(engine, {"swv_woonregio": "PO Delflanden"}, {"soort": "extra_ondersteuning"}, school=school)
    assert outside.reason.value == "grey_zone" and outside.presumptions == ()
    assert "buiten die van het samenwerkingsverband van de school" in outside.explanation
    inside = decide(engine, {"swv_woonregio": "PO Schiedam-Vlaardingen"}, {"soort": "extra_ondersteuning"}, school=school)
    assert inside.funder == "swv_school" and inside.presumptions == ()
    # without the pupil's region the ordinary case is presumed, and the outcome says so
    presumed = decide(engine, {}, {"soort": "extra_ondersteuning"}, school=school)
    assert presumed.funder == "swv_school"
    assert [p.field for p in presumed.presumptions] == ["kind.woont_buiten_regio_swv_school"]


@pytest.mark.parametrize("path", ["rules/regio/heuvelland.yaml", "rules/regio/waterweg.yaml"])
def test_a_region_that_agreed_on_pupils_from_elsewhere_leaves_no_grey_zone(path: str) -> None:
    framework = load_framework(ROOT / path)
    rule = next(r for r in framework.rules if "extra-ondersteuning-leerling-buiten-regio" in r.overrides)
    assert rule.funder is not None and not rule.grey_zone


def test_treatment_names_the_sglvg_and_sensory_presumptions_it_rests_on(engine: Engine) -> None:
    outcome = decide(engine, {"leeftijd": 9, "brp_gemeente": "Vlaardingen"}, {"soort": "diagnostiek_behandeling"})
    assert outcome.funder == "woonplaatsgemeente"
    assert {"kind.sglvg", "kind.zintuiglijke_beperking"} <= {p.field for p in outcome.presumptions}
