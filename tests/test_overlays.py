"""Overlays (`extends`), rule versions by period, and shared funding with exact shares."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from test_loader import SKELETON
from wiebetaalt import Decision, Engine, Escalation, EscalationReason, load_framework
from wiebetaalt.load.loader import check_framework
from wiebetaalt.decision.outcome import format_share

OVERLAY = """\
schema_version: 1
framework: regio
extends: kader.yaml
title: Regio
version: "1"
routes:
  - id: regiotafel
    name: Regionale escalatietafel
    description: De tafel van de regio.
default_route: regiotafel
funders:
  - id: regiogemeenten
    name: Gemeenten van de regio naar leerlingaantal
    split:
      basis: Leerlingen per woongemeente op de teldatum.
      parts:
        - {party: gemeente A, weight: 412}
        - {party: gemeente B, weight: 288}
        - {party: gemeente C, weight: 100}
rules:
  - id: collectief
    title: Collectieve jeugdhulp op school betaalt de regio
    domain: jeugdwet
    when: {field: hulpvraag.toegang, eq: collectief}
    funder: regiogemeenten
    overrides: [jeugdhulp]
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De regio deelt de kosten.
examples:
  - name: Collectief
    case:
      peildatum: 2025-03-01
      hulpvraag: {soort: jeugdhulp, toegang: collectief}
    expect: {funder: regiogemeenten}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def region(tmp_path: Path) -> Path:
    write(tmp_path, "kader.yaml", SKELETON)
    return write(tmp_path, "regio.yaml", OVERLAY)


def test_an_overlay_adds_its_rules_funders_and_routes_to_its_base(region: Path):
    framework = load_framework(region)
    assert [r.id for r in framework.rules] == ["jeugdhulp", "collectief"]
    assert [f.id for f in framework.funders] == ["gemeente", "regiogemeenten"]
    assert framework.default_route == "regiotafel" and framework.precedence == ["jeugdwet", "onderwijs"]
    assert [e.name for e in framework.examples] == ["Collectief"]  # the base's examples stay with the base
    with Engine(framework) as engine:
        individual = engine.decide({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Delft"},
                                    "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}})
        collective = engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief"}})
    assert isinstance(individual, Decision) and individual.entity == "gemeente Delft"
    assert isinstance(collective, Decision) and collective.overridden == ("jeugdhulp",)
    shares = {s.entity: s.fraction for s in collective.shares}
    assert shares == {"gemeente A": Fraction(412, 800), "gemeente B": Fraction(288, 800), "gemeente C": Fraction(100, 800)}
    assert sum(shares.values()) == 1
    assert collective.entity == "gemeente A 51,5%; gemeente B 36%; gemeente C 12,5%"
    assert "Leerlingen per woongemeente op de teldatum (gemeente A 412 van 800" in collective.explanation


def test_a_problem_in_the_overlay_is_located_in_the_overlay(region: Path):
    region.write_text(OVERLAY.replace("overrides: [jeugdhulp]", "overrides: [jeugdhlp]"), encoding="utf-8")
    (problem,) = check_framework(region)
    assert (problem.file, problem.line, problem.code) == (str(region), 26, "unknown-rule")
    assert "bedoelt u 'jeugdhulp'?" in problem.hint


def test_an_id_the_base_already_uses_is_refused_with_the_base_position(region: Path):
    region.write_text(OVERLAY.replace("  - id: collectief\n", "  - id: jeugdhulp\n"), encoding="utf-8")
    codes = {(p.file, p.code) for p in check_framework(region)}
    assert (str(region), "duplicate-id") in codes
    (dup,) = [p for p in check_framework(region) if p.code == "duplicate-id"]
    assert "kader.yaml:19" in dup.hint


@pytest.mark.parametrize("change, message", [
    (("extends: kader.yaml", "extends: weg.yaml"), "is niet te lezen"),
    (("extends: kader.yaml", "extends: regio.yaml"), "leidt terug naar dit bestand"),
    (("title: Regio\n", "title: Regio\nprecedence: [onderwijs, jeugdwet]\n"), "mag 'precedence' niet zetten"),
])
def test_a_base_that_cannot_be_used_is_an_invalid_base(region: Path, change, message):
    region.write_text(OVERLAY.replace(*change), encoding="utf-8")
    problems = check_framework(region)
    assert [p.code for p in problems] == ["invalid-base"] and message in problems[0].message


def test_a_broken_base_is_named_not_repeated(region: Path):
    (region.parent / "kader.yaml").write_text(SKELETON.replace("funder: gemeente\n", "funder: gemeentee\n"), encoding="utf-8")
    (problem,) = check_framework(region)
    assert problem.code == "invalid-base" and "unknown-funder" in problem.message and "wiebetaalt check" in problem.hint


VERSIONED = SKELETON.replace(
    "    explanation: De gemeente betaalt.\n",
    "    explanation: De gemeente betaalt.\n    valid_to: 2022-01-01\n"
    "  - id: jeugdhulp\n    title: Jeugdhulp na 2022\n    domain: jeugdwet\n"
    "    when: {field: hulpvraag.soort, eq: jeugdhulp}\n    funder: gemeente\n    valid_from: 2022-01-01\n"
    "    legal_basis:\n      - citation: Jeugdwet art. 1.1 (2022)\n        url: https://example.org/2022\n"
    "    explanation: Nieuw recht.\n",
)


def test_two_versions_of_a_rule_each_decide_their_own_period(tmp_path: Path):
    framework = load_framework(write(tmp_path, "kader.yaml", VERSIONED))
    with Engine(framework) as engine:
        old = engine.decide({"peildatum": "2021-06-01", "kind": {"brp_gemeente": "Delft"}, "hulpvraag": {"soort": "jeugdhulp"}})
        new = engine.decide({"peildatum": "2023-06-01", "kind": {"brp_gemeente": "Delft"}, "hulpvraag": {"soort": "jeugdhulp"}})
    assert isinstance(old, Decision) and isinstance(new, Decision)
    assert [b.citation for b in old.legal_basis] == ["Jeugdwet art. 2.3"]
    assert [b.citation for b in new.legal_basis] == ["Jeugdwet art. 1.1 (2022)"]


def test_versions_in_force_on_the_same_days_are_refused_at_the_second(tmp_path: Path):
    path = write(tmp_path, "kader.yaml", VERSIONED.replace("    valid_to: 2022-01-01\n", "    valid_to: 2022-06-01\n"))
    (problem,) = check_framework(path)
    assert (problem.code, problem.line) == ("overlapping-versions", 29)
    assert f"{path}:19" in problem.hint


SPLIT_FUNDER = """\
  - id: vervoer
    name: Woongemeenten van beide ouders, naar dagen
    split:
      basis: Elke ouder vraagt vervoer aan bij de eigen gemeente voor de eigen dagen.
      parts:
        - {funder: gemeente, remainder_of: 7}
        - {party: gemeente van de andere ouder, weight_field: kind.dagen_bij_andere_ouder}
"""


def _split_framework(tmp_path: Path, parts: str = SPLIT_FUNDER) -> Path:
    text = SKELETON.replace("rules:\n", parts + "rules:\n").replace("    funder: gemeente\n", "    funder: vervoer\n")
    return write(tmp_path, "kader.yaml", text.replace("expect: {funder: gemeente}", "expect: {funder: vervoer}"))


def test_a_split_by_case_numbers_takes_the_remainder_and_asks_for_a_missing_weight(tmp_path: Path):
    framework = load_framework(_split_framework(tmp_path))
    base = {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Delft"}, "hulpvraag": {"soort": "jeugdhulp"}}
    with Engine(framework) as engine:
        missing = engine.decide(base)
        shared = engine.decide({**base, "kind": {"brp_gemeente": "Delft", "dagen_bij_andere_ouder": 3}})
        alone = engine.decide({**base, "kind": {"brp_gemeente": "Delft", "dagen_bij_andere_ouder": 0}})
    assert isinstance(missing, Escalation) and missing.missing_facts == ("kind.dagen_bij_andere_ouder",)
    assert isinstance(shared, Decision)
    assert [(s.entity, s.fraction) for s in shared.shares] == [
        ("gemeente Delft", Fraction(4, 7)), ("gemeente van de andere ouder", Fraction(3, 7))]
    assert isinstance(alone, Decision) and [(s.entity, s.fraction) for s in alone.shares] == [("gemeente Delft", 1)]


def test_all_weights_zero_escalates_instead_of_dividing_by_zero(tmp_path: Path):
    parts = SPLIT_FUNDER.replace("{funder: gemeente, remainder_of: 7}", "{funder: gemeente, weight: 0}").replace(
        "{party: gemeente van de andere ouder, weight_field: kind.dagen_bij_andere_ouder}", "{party: elders, weight: 0}")
    with Engine(load_framework(_split_framework(tmp_path, parts))) as engine:
        outcome = engine.decide({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Delft"}, "hulpvraag": {"soort": "jeugdhulp"}})
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.NO_RULE
    assert "gewichten" in outcome.explanation


@pytest.mark.parametrize("part, code", [
    ("{party: elders, weight: 1, weight_field: kind.leeftijd}", "split-part"),
    ("{party: elders, funder: gemeente, weight: 1}", "split-part"),
    ("{funder: gemeentee, weight: 1}", "unknown-funder"),
    ("{party: elders, weight_field: kind.brp_gemeente}", "wrong-value-type"),
    ("{party: elders, weight_field: kind.lengte}", "unknown-field"),
])
def test_a_bad_split_part_is_located(tmp_path: Path, part, code):
    parts = SPLIT_FUNDER.replace("{party: gemeente van de andere ouder, weight_field: kind.dagen_bij_andere_ouder}", part)
    problems = check_framework(_split_framework(tmp_path, parts))
    assert [(p.code, p.line) for p in problems] == [(code, 24)]


@pytest.mark.parametrize("fraction, text", [
    (Fraction(3, 5), "60%"), (Fraction(103, 200), "51,5%"), (Fraction(1, 8), "12,5%"),
    (Fraction(1, 3), "33,33% (1/3)"), (Fraction(1, 1), "100%"),
])
def test_shares_print_exactly_or_say_they_are_rounded(fraction, text):
    assert format_share(fraction) == text


# --- A region changes a national outcome only through a named override ---------------------------

HIGHER_STELSEL = """\
schema_version: 1
framework: omweg
extends: landelijk.yaml
title: Omweg
version: "1"
rules:
  - id: alle-jeugdhulp-schoolgemeente
    title: Alle jeugdhulp betaalt de schoolgemeente
    domain: wlz
    when: {field: hulpvraag.soort, eq: jeugdhulp}
    funder: schoolgemeente
OVERRIDES
    legal_basis:
      - citation: Regionaal convenant
        url: https://example.org/convenant
    explanation: De schoolgemeente betaalt.
"""
JEUGDHULP = {"peildatum": "2025-03-01",
             "kind": {"brp_gemeente": "Vlaardingen", "leeftijd": 9, "wlz_indicatie": False, "verblijf": False,
                      "alleen_psychische_stoornis": False,
                      "geheim_adres": False},
             "school": {"gemeente": "Schiedam"}, "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}


@pytest.fixture
def with_national(tmp_path: Path) -> Path:
    (tmp_path / "landelijk.yaml").write_bytes((Path(__file__).parent.parent / "rules" / "landelijk.yaml").read_bytes())
    return tmp_path


def test_a_regional_rule_in_a_higher_stelsel_does_not_overturn_the_national_rule_unannounced(with_national: Path):
    path = write(with_national, "omweg.yaml", HIGHER_STELSEL.replace("OVERRIDES\n", ""))
    framework = load_framework(path)
    assert framework.layers["alle-jeugdhulp-schoolgemeente"] == 1 and framework.layers["wlz-zorg"] == 0
    with Engine(framework) as engine:
        outcome = engine.decide(JEUGDHULP, settle=False)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.CONFLICT
    assert set(outcome.rules) == {"jeugdhulp-individueel-woonplaats", "alle-jeugdhulp-schoolgemeente"}
    assert "overrides" in outcome.explanation and "wlz is voorliggend" not in outcome.explanation


def test_the_same_rule_naming_the_national_rule_in_overrides_decides(with_national: Path):
    path = write(with_national, "omweg.yaml", HIGHER_STELSEL.replace(
        "OVERRIDES\n", "    overrides: [jeugdhulp-individueel-woonplaats]\n"))
    with Engine(load_framework(path)) as engine:
        outcome = engine.decide(JEUGDHULP, settle=False)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Schiedam"
    assert outcome.rules == ("alle-jeugdhulp-schoolgemeente",)


def test_the_national_framework_alone_still_lets_a_higher_stelsel_win(national):
    case = {**JEUGDHULP, "kind": {**JEUGDHULP["kind"], "wlz_indicatie": True, "leeftijd": 9,
                                  "alleen_psychische_stoornis": False}, "hulpvraag": {"soort": "dagbesteding",
                                                                                       "toegang": "individueel"}}
    with Engine(national) as engine:
        outcome = engine.decide(case, settle=False)
    assert isinstance(outcome, Decision) and outcome.funder == "zorgkantoor"


def test_analyse_shows_the_unannounced_overturn_as_a_conflict(with_national: Path):
    from wiebetaalt.analysis.analyse import analyse

    path = write(with_national, "omweg.yaml", HIGHER_STELSEL.replace("OVERRIDES\n", ""))
    report = analyse(load_framework(path))
    assert any("alle-jeugdhulp-schoolgemeente" in finding.rules and "jeugdhulp-individueel-woonplaats" in finding.rules
               for finding in report.conflicts)


def test_an_extends_through_a_symlink_loop_is_a_located_problem_not_a_traceback(tmp_path: Path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    path = write(tmp_path, "regio.yaml", 'schema_version: 1\nframework: r\nextends: a.yaml\ntitle: R\nversion: "1"\n')
    [problem] = check_framework(path)
    assert (problem.code, problem.line, problem.column) == ("invalid-base", 3, 10)
    assert "is niet te lezen" in problem.message
