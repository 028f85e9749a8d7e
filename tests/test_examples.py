"""Running the examples of a framework: check_example, run_examples and `wiebetaalt test`."""

from __future__ import annotations

import io
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT
from wiebetaalt import Engine, ExampleResult, check_example, load_framework, run_examples
from wiebetaalt.cli.main import main
from wiebetaalt.testing.text import share_text
from wiebetaalt.model.framework import Expectation, parse_share

BASIS = ROOT / "docs" / "voorbeeld" / "basis.yaml"
REGIO = ROOT / "docs" / "voorbeeld" / "regio.yaml"

#: A small framework of its own, so that these tests do not depend on the bundled rules: an
#: individual decision, a cost shared 412/288/100, a grey zone and a missing fact.
FRAMEWORK = """\
schema_version: 1
framework: toets
title: Toetskader
version: "1"
precedence: [jeugdwet]
default_route: tafel
routes:
  - id: tafel
    name: Regionale tafel
    description: De regionale escalatietafel.
funders:
  - id: gemeente
    name: Woonplaatsgemeente
    party:
      - id: partij-gemeente
        field: kind.brp_gemeente
        prefix: gemeente
  - id: schoolgemeente
    name: Gemeente van de school
    party:
      - id: partij-school
        field: school.gemeente
        prefix: gemeente
  - id: regio
    name: De drie gemeenten samen
    split:
      basis: naar het aantal leerlingen per gemeente
      parts:
        - {party: gemeente A, weight: 412}
        - {party: gemeente B, weight: 288}
        - {party: gemeente C, weight: 100}
rules:
  - id: individueel
    title: Individuele jeugdhulp betaalt de woonplaatsgemeente
    domain: jeugdwet
    when: [{field: hulpvraag.soort, eq: jeugdhulp}, {field: hulpvraag.toegang, eq: individueel}]
    funder: gemeente
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://wetten.overheid.nl/BWBR0034925
    explanation: De woonplaatsgemeente betaalt.
  - id: collectief
    title: Collectieve jeugdhulp betalen de gemeenten samen
    domain: jeugdwet
    when: [{field: hulpvraag.soort, eq: jeugdhulp}, {field: hulpvraag.toegang, eq: collectief}]
    funder: regio
    legal_basis:
      - citation: Regionale afspraak (fictief)
        url: https://example.org/afspraak
    explanation: De gemeenten delen de kosten.
  - id: grijs
    title: Begeleiding op school is niet geregeld
    domain: jeugdwet
    when: {field: hulpvraag.soort, eq: begeleiding}
    grey_zone: true
    suggested_funder: schoolgemeente
    legal_basis:
      - citation: NJi-leidraad zorg in onderwijstijd
        url: https://example.org/leidraad
    explanation: De wet wijst geen betaler aan.
examples:
  - name: Individuele jeugdhulp
    case:
      peildatum: 2025-03-01
      kind: {brp_gemeente: Vlaardingen}
      hulpvraag: {soort: jeugdhulp, toegang: individueel}
    expect: {funder: gemeente, entity: gemeente Vlaardingen, rules: [individueel], legal_basis: art. 2.3}
  - name: Gedeeld naar leerlingen
    case:
      peildatum: 2025-03-01
      hulpvraag: {soort: jeugdhulp, toegang: collectief}
    expect:
      funder: regio
      shares: {SHARES}
  - name: Begeleiding op school
    case:
      peildatum: 2025-03-01
      school: {gemeente: Schiedam}
      hulpvraag: {soort: begeleiding}
    expect: {escalation: grey_zone, rules: [grijs]}
  - name: Toegang onbekend
    case:
      peildatum: 2025-03-01
      kind: {brp_gemeente: Vlaardingen}
      hulpvraag: {soort: jeugdhulp}
    expect: {escalation: missing_facts, missing_facts: [hulpvraag.toegang]}
"""
EXACT_SHARES = '{gemeente A: "51.5%", gemeente B: "36%", gemeente C: "12.5%"}'


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def framework_file(tmp_path: Path, old: str = "", new: str = "", *, shares: str = EXACT_SHARES,
                   name: str = "toets.yaml") -> Path:
    """The framework above in ``tmp_path``, with ``old`` replaced by ``new`` once."""
    text = FRAMEWORK.replace("{SHARES}", shares)
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def copy_with(tmp_path: Path, source: Path, old: str, new: str, name: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def row(out: str, left: str, right: str) -> str:
    """The line of the side-by-side table with ``left`` under verwacht and ``right`` under uitkomst."""
    pattern = rf"\s*\*?\s*{re.escape(left)}\s*\|" + (f" {re.escape(right)}" if right else "")
    found = [line for line in out.splitlines() if re.fullmatch(pattern, line)]
    assert len(found) == 1, f"no row {left!r} | {right!r} in:\n{out}"
    return found[0]


def marked(line: str) -> bool:
    return line.lstrip().startswith("*")


# --- the command -------------------------------------------------------------------------------


def test_passing_files_exit_0(tmp_path: Path):
    ours = framework_file(tmp_path)
    code, out, err = run("test", ours, BASIS, REGIO)
    assert code == 0, out + err
    assert out.splitlines() == [
        f"{ours}: 4 voorbeelden, 4 geslaagd, 0 mislukt",
        f"{BASIS}: 1 voorbeeld, 1 geslaagd, 0 mislukt",
        f"{REGIO}: 4 voorbeelden, 4 geslaagd, 0 mislukt",
    ]
    assert err == "9 voorbeelden, 9 geslaagd, 0 mislukt\n"


def test_a_wrong_expectation_exits_1_with_both_columns_and_the_rules_that_fired(tmp_path: Path):
    wrong = copy_with(tmp_path, BASIS, "entity: gemeente Vlaardingen}", "entity: gemeente Schiedam}", "fout.yaml")
    code, out, err = run("test", wrong)
    assert code == 1
    assert err == "1 voorbeeld, 0 geslaagd, 1 mislukt\n"
    lines = out.splitlines()
    assert lines[0] == f"{wrong}: 1 voorbeeld, 0 geslaagd, 1 mislukt"
    assert "MISLUKT voorbeeld 1: Jeugdhulp in Vlaardingen" in lines
    assert lines.index("  casus:") < lines.index("    kind: {brp_gemeente: Vlaardingen}")
    assert re.search(r"^\s+verwacht\s+\| uitkomst$", out, re.M)
    assert not marked(row(out, "funder: gemeente", "funder: gemeente"))
    assert marked(row(out, "entity: gemeente Schiedam", "entity: gemeente Vlaardingen"))
    assert not marked(row(out, "", "rules: [jeugdhulp]"))
    assert "    - entity: verwacht 'gemeente Schiedam', uitkomst 'gemeente Vlaardingen'" in lines
    assert "  toelichting:" in lines


def test_every_expected_field_is_shown_beside_the_outcome(tmp_path: Path):
    wrong = framework_file(tmp_path, "expect: {funder: gemeente, entity: gemeente Vlaardingen, rules: [individueel], "
                           "legal_basis: art. 2.3}",
                           "expect: {funder: gemeente, rules: [collectief], legal_basis: art. 2.4}")
    code, out, _ = run("test", wrong)
    assert code == 1
    assert marked(row(out, "rules: [collectief]", "rules: [individueel]"))
    assert marked(row(out, "legal_basis: art. 2.4", "legal_basis:"))
    row(out, "", "  - Jeugdwet art. 2.3")
    assert "    - rules: verwacht [collectief], uitkomst [individueel]" in out
    assert "    - legal_basis: verwacht een citaat met 'art. 2.4', uitkomst citeert alleen: Jeugdwet art. 2.3" in out


def test_an_escalation_shows_its_rules_and_candidates(tmp_path: Path):
    wrong = framework_file(tmp_path, "expect: {escalation: grey_zone, rules: [grijs]}",
                           "expect: {funder: schoolgemeente}")
    code, out, _ = run("test", wrong)
    assert code == 1
    assert "MISLUKT voorbeeld 3: Begeleiding op school" in out
    assert marked(row(out, "funder: schoolgemeente", "escalation: grey_zone"))
    row(out, "", "route: tafel")
    row(out, "", "rules: [grijs]")
    row(out, "", "candidates:")
    row(out, "", "  - grijs: schoolgemeente (gemeente Schiedam)")
    assert "- funder: verwacht besluit voor schoolgemeente, uitkomst escalatie (grey_zone)" in out


def test_missing_facts_are_compared_in_order(tmp_path: Path):
    wrong = framework_file(tmp_path, "missing_facts: [hulpvraag.toegang]",
                           "missing_facts: [kind.brp_gemeente, hulpvraag.toegang]")
    code, out, _ = run("test", wrong)
    assert code == 1
    expected, actual = "missing_facts: [kind.brp_gemeente, hulpvraag.toegang]", "missing_facts: [hulpvraag.toegang]"
    assert marked(row(out, expected, actual))
    row(out, "", "rules: [individueel, collectief]")


def test_shares_are_compared_exactly(tmp_path: Path):
    assert run("test", framework_file(tmp_path, name="exact.yaml"))[0] == 0
    fractions = framework_file(tmp_path, shares="{gemeente A: 412/800, gemeente B: 9/25, gemeente C: 1/8}",
                               name="breuken.yaml")
    assert run("test", fractions)[0] == 0
    rounded = framework_file(tmp_path, shares='{gemeente A: "51.49%", gemeente B: "36%", gemeente C: "12.5%"}')
    code, out, _ = run("test", rounded)
    assert code == 1
    assert marked(row(out, "  gemeente A: 51.49%", "  gemeente A: 51.5% (412 van 800)"))
    assert not marked(row(out, "  gemeente B: 36%", "  gemeente B: 36% (288 van 800)"))
    assert not marked(row(out, "  gemeente C: 12.5%", "  gemeente C: 12.5% (100 van 800)"))
    assert "- shares: gemeente A: verwacht 51.49%, uitkomst 51.5% (gewicht 412 van 800)" in out


def test_shares_must_name_the_same_parties(tmp_path: Path):
    other = framework_file(tmp_path, shares='{gemeente A: "51.5%", gemeente B: "36%", gemeente D: "12.5%"}')
    code, out, _ = run("test", other)
    assert code == 1
    assert "- shares: andere partijen; niet in de uitkomst: gemeente D; niet verwacht: gemeente C" in out
    assert marked(row(out, "  gemeente D: 12.5%", ""))
    assert marked(row(out, "", "  gemeente C: 12.5% (100 van 800)"))


def test_a_file_that_does_not_load_exits_2_and_the_others_still_run(tmp_path: Path):
    broken = copy_with(tmp_path, BASIS, "    funder: gemeente\n", "    funder: gemeent\n", "kapot.yaml")
    wrong = framework_file(tmp_path, "missing_facts: [hulpvraag.toegang]", "missing_facts: []")
    code, out, err = run("test", broken, REGIO, wrong)
    assert code == 2
    located = [line for line in out.splitlines() if line.startswith(f"{broken}:")]
    assert re.fullmatch(rf"{re.escape(str(broken))}:\d+:\d+: unknown-funder: onbekende betaler 'gemeent' .*", located[0])
    assert located[-1] == f"{broken}: laadt niet, de voorbeelden zijn niet uitgevoerd; zie `wiebetaalt check`"
    assert f"{REGIO}: 4 voorbeelden, 4 geslaagd, 0 mislukt" in out
    assert f"{wrong}: 4 voorbeelden, 3 geslaagd, 1 mislukt" in out
    assert err == "8 voorbeelden, 7 geslaagd, 1 mislukt\n"


def test_a_path_that_does_not_exist_exits_2_and_the_others_still_run(tmp_path: Path):
    code, out, err = run("test", tmp_path / "weg.yaml", BASIS)
    assert code == 2
    assert f"{tmp_path / 'weg.yaml'}: bestaat niet" in err
    assert f"{BASIS}: 1 voorbeeld, 1 geslaagd, 0 mislukt" in out


def test_no_rule_files_exits_2(tmp_path: Path):
    code, _, err = run("test", tmp_path)
    assert code == 2
    assert "geen regelbestanden gevonden" in err


def test_folders_are_searched_like_check(tmp_path: Path):
    folder = tmp_path / "kaders"
    folder.mkdir()
    framework_file(folder, name="een.yaml")
    framework_file(folder, name="twee.yml")
    (folder / "lees-mij.txt").write_text("geen regelbestand", encoding="utf-8")
    code, out, _ = run("test", tmp_path)
    assert code == 0
    assert out.splitlines() == [f"{folder / 'een.yaml'}: 4 voorbeelden, 4 geslaagd, 0 mislukt",
                                f"{folder / 'twee.yml'}: 4 voorbeelden, 4 geslaagd, 0 mislukt"]


def test_json_results(tmp_path: Path):
    broken = copy_with(tmp_path, BASIS, "    funder: gemeente\n", "    funder: gemeent\n", "kapot.yaml")
    rounded = framework_file(tmp_path, shares='{gemeente A: "51.49%", gemeente B: "36%", gemeente C: "12.5%"}')
    code, out, err = run("test", "--json", BASIS, rounded, broken)
    assert code == 2
    data = json.loads(out)
    assert (data["examples"], data["passed"], data["failed"]) == (5, 4, 1)
    basis, ours, kapot = data["files"]
    assert basis["file"] == str(BASIS) and basis["loaded"] and basis["problems"] == [] and basis["error"] is None
    assert [e["passed"] for e in ours["examples"]] == [True, False, True, True]
    example = ours["examples"][1]
    assert example["name"] == "Gedeeld naar leerlingen"
    assert example["case"] == {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief"}}
    assert example["expected"] == {"funder": "regio", "shares": {"gemeente A": "51.49%", "gemeente B": "36%",
                                                                 "gemeente C": "12.5%"}}
    assert example["outcome"]["status"] == "decision"
    assert example["outcome"]["shares"][0]["share"] == "103/200"
    assert example["mismatches"] == ["shares: gemeente A: verwacht 51.49%, uitkomst 51.5% (gewicht 412 van 800)"]
    assert not kapot["loaded"] and kapot["examples"] == []
    assert kapot["problems"][0]["code"] == "unknown-funder" and kapot["problems"][0]["line"] > 0
    assert err == "5 voorbeelden, 4 geslaagd, 1 mislukt\n"


# --- the API -----------------------------------------------------------------------------------


@pytest.fixture
def framework(tmp_path: Path):
    return load_framework(framework_file(tmp_path))


def test_run_examples_gives_one_result_per_example_in_order(framework):
    results = run_examples(framework)
    assert [r.name for r in results] == [e.name for e in framework.examples]
    assert all(isinstance(r, ExampleResult) and r.passed and r.mismatches == () for r in results)
    assert results[0].case == framework.examples[0].case and results[0].expected == framework.examples[0].expect
    assert results[0].outcome.rules == ("individueel",)


def test_run_examples_uses_a_given_engine_and_leaves_it_open(framework):
    with Engine(framework) as engine:
        assert all(r.passed for r in run_examples(framework, engine))
        assert engine.decide(framework.examples[0].case).rules  # still open


def test_run_examples_refuses_an_engine_of_another_framework(framework):
    with Engine(load_framework(BASIS)) as other:
        with pytest.raises(ValueError):
            run_examples(framework, other)


def differences(expect: dict[str, object], outcome) -> list[str]:
    return check_example(Expectation.model_validate(expect), outcome)


def test_check_example_names_the_field_of_every_difference(framework):
    decision, shared, grey, missing = (r.outcome for r in run_examples(framework))
    assert differences({"funder": "gemeente", "entity": "gemeente Vlaardingen"}, decision) == []
    assert differences({"funder": "schoolgemeente", "entity": "gemeente Schiedam", "rules": ["grijs"],
                        "legal_basis": "Wet langdurige zorg"}, decision) == [
        "funder: verwacht schoolgemeente, uitkomst gemeente",
        "entity: verwacht 'gemeente Schiedam', uitkomst 'gemeente Vlaardingen'",
        "rules: verwacht [grijs], uitkomst [individueel]",
        "legal_basis: verwacht een citaat met 'Wet langdurige zorg', uitkomst citeert alleen: Jeugdwet art. 2.3",
    ]
    assert differences({"escalation": "grey_zone", "rules": ["individueel"]}, decision) == [
        "escalation: verwacht escalatie grey_zone, uitkomst besluit (gemeente Vlaardingen betaalt)"]
    assert differences({"funder": "schoolgemeente", "entity": "gemeente Schiedam", "rules": ["grijs"]}, grey) == [
        "funder: verwacht besluit voor schoolgemeente, uitkomst escalatie (grey_zone)"]
    assert differences({"escalation": "conflict"}, grey) == ["escalation: verwacht conflict, uitkomst grey_zone"]
    assert differences({"escalation": "grey_zone", "legal_basis": "NJi"}, grey) == []
    assert differences({"escalation": "no_rule", "legal_basis": "NJi"}, missing) == [
        "escalation: verwacht no_rule, uitkomst missing_facts",
        "legal_basis: verwacht een citaat met 'NJi', uitkomst heeft geen rechtsgrond",
    ]
    assert differences({"escalation": "missing_facts", "missing_facts": ["hulpvraag.toegang"]}, missing) == []
    assert differences({"escalation": "missing_facts", "missing_facts": ["hulpvraag.toegang", "kind.leeftijd"]},
                       missing) == [
        "missing_facts: verwacht [hulpvraag.toegang, kind.leeftijd], uitkomst [hulpvraag.toegang]"]
    assert differences({"funder": "gemeente", "shares": {"gemeente Vlaardingen": "100%"}}, decision) == [
        "shares: verwacht een verdeling over 1 partij, uitkomst één betaler (gemeente Vlaardingen)"]
    assert differences({"funder": "regio", "shares": {"gemeente A": "51.5%", "gemeente B": "36%",
                                                      "gemeente C": "12.5%"}}, shared) == []


def test_check_example_compares_shares_exactly(framework):
    outcome = run_examples(framework)[1].outcome
    assert differences({"funder": "regio", "shares": {
        "gemeente A": "412/800", "gemeente B": "36.0%", "gemeente C": " 1 / 8 "}}, outcome) == []
    assert differences({"funder": "regio", "shares": {
        "gemeente A": "51.49%", "gemeente B": "36%", "gemeente C": "12.51%"}}, outcome) == [
        "shares: gemeente A: verwacht 51.49%, uitkomst 51.5% (gewicht 412 van 800)",
        "shares: gemeente C: verwacht 12.51%, uitkomst 12.5% (gewicht 100 van 800)",
    ]
    assert differences({"funder": "regio", "shares": {"gemeente A": "51.5%", "gemeente B": "48.5%"}}, outcome) == [
        "shares: andere partijen; niet verwacht: gemeente C",
        "shares: gemeente B: verwacht 48.5%, uitkomst 36% (gewicht 288 van 800)",
    ]


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=10**6))
def test_share_text_is_exact_and_reads_back(numerator, denominator):
    fraction = Fraction(numerator, denominator)
    assert parse_share(share_text(fraction)) == fraction


@pytest.mark.parametrize(("fraction", "text"), [
    (Fraction(412, 800), "51.5%"), (Fraction(9, 25), "36%"), (Fraction(1, 8), "12.5%"), (Fraction(1), "100%"),
    (Fraction(1, 3), "1/3"), (Fraction(1, 1024), "0.09765625%"),
])
def test_share_text(fraction, text):
    assert share_text(fraction) == text


def test_an_example_can_expect_the_route_of_its_escalation():
    framework = load_framework(ROOT / "rules" / "regio" / "waterweg.yaml")
    with Engine(framework) as engine:
        outcome = engine.decide({"peildatum": "2025-11-01", "hulpvraag": {"soort": "thuiszittertraject"}})
    assert check_example(Expectation(escalation="grey_zone", route="waterweg-escalatietafel"), outcome) == []
    assert check_example(Expectation(escalation="grey_zone", route="regionale-tafel"), outcome) == [
        "route: verwacht regionale-tafel, uitkomst waterweg-escalatietafel"]
