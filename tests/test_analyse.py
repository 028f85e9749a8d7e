"""The grey-zone map (wiebetaalt analyse) finds what is planted, and every witness reproduces.

A witness is only worth something if ``wiebetaalt decide`` gives the same answer for it, so every
test here decides the witnesses again with a fresh engine and compares.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from conftest import ROOT
from wiebetaalt import Analysis, Engine, Escalation, Framework, load_framework
from wiebetaalt.analysis.analyse import analyse
from wiebetaalt.analysis.explore import Explorer
from wiebetaalt.analysis.findings import CaseClass
from wiebetaalt.analysis.text import format_analysis
from wiebetaalt.cli.main import main
from wiebetaalt.decision.outcome import Outcome

# A small framework with one of everything the map reports:
# - a gap: logopedie, which no rule names;
# - a conflict: jeugdhulp during school time, where two rules of one stelsel name different funders;
# - a declared grey zone: begeleiding;
# - a dead rule: `onmogelijk` asks for two kinds of help at once;
# - two shadowed rules: `verpleging-jeugdwet` (the Zvw is voorliggend) and `basis-gemeente`
#   (always overridden by `basis-school`).
PLANTED = """\
schema_version: 1
framework: geplant
title: Kader met geplante fouten
version: "1"
precedence: [zvw, onderwijs, jeugdwet]
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
  - id: schoolbestuur
    name: Schoolbestuur
    fallback: het schoolbestuur
  - id: zorgverzekeraar
    name: Zorgverzekeraar
    fallback: de zorgverzekeraar
rules:
  - id: jeugdhulp
    title: Jeugdhulp betaalt de gemeente
    domain: jeugdwet
    when: {field: hulpvraag.soort, eq: jeugdhulp}
    funder: gemeente
    legal_basis: [{citation: Jeugdwet art. 2.3, url: "https://example.org/jeugdwet"}]
    explanation: De gemeente betaalt.
  - id: jeugdhulp-school
    title: Jeugdhulp onder schooltijd betaalt het schoolbestuur
    domain: jeugdwet
    when:
      - {field: hulpvraag.soort, eq: jeugdhulp}
      - {field: hulpvraag.tijdens_schooltijd, eq: true}
    funder: schoolbestuur
    legal_basis: [{citation: Afspraak, url: "https://example.org/afspraak"}]
    explanation: Het schoolbestuur betaalt.
  - id: begeleiding-grijs
    title: Begeleiding is grijs gebied
    domain: jeugdwet
    when: {field: hulpvraag.soort, eq: begeleiding}
    grey_zone: true
    suggested_funder: gemeente
    legal_basis: [{citation: Leidraad, url: "https://example.org/leidraad"}]
    explanation: De wet wijst geen betaler aan.
  - id: onmogelijk
    title: Jeugdhulp die ook verpleging is
    domain: jeugdwet
    when:
      - {field: hulpvraag.soort, eq: jeugdhulp}
      - {field: hulpvraag.soort, eq: verpleging}
    funder: gemeente
    legal_basis: [{citation: Jeugdwet, url: "https://example.org/jeugdwet"}]
    explanation: Kan niet.
  - id: verpleging-jeugdwet
    title: Verpleging uit de Jeugdwet
    domain: jeugdwet
    when: {field: hulpvraag.soort, eq: verpleging}
    funder: gemeente
    legal_basis: [{citation: Jeugdwet, url: "https://example.org/jeugdwet"}]
    explanation: De gemeente betaalt.
  - id: verpleging-zvw
    title: Verpleging uit de Zvw
    domain: zvw
    when: {field: hulpvraag.soort, eq: verpleging}
    funder: zorgverzekeraar
    legal_basis: [{citation: Zvw, url: "https://example.org/zvw"}]
    explanation: De zorgverzekeraar betaalt.
  - id: basis-gemeente
    title: Basisondersteuning door de gemeente
    domain: onderwijs
    when: {field: hulpvraag.soort, eq: basisondersteuning}
    funder: gemeente
    legal_basis: [{citation: WPO, url: "https://example.org/wpo"}]
    explanation: De gemeente betaalt.
  - id: basis-school
    title: Basisondersteuning door het schoolbestuur
    domain: onderwijs
    when: {field: hulpvraag.soort, eq: basisondersteuning}
    funder: schoolbestuur
    overrides: [basis-gemeente]
    legal_basis: [{citation: WPO, url: "https://example.org/wpo"}]
    explanation: Het schoolbestuur betaalt.
  - id: overig
    title: De rest regelt de school
    domain: onderwijs
    when: {field: hulpvraag.soort, not_in: [jeugdhulp, begeleiding, verpleging, basisondersteuning, logopedie]}
    funder: schoolbestuur
    legal_basis: [{citation: WPO, url: "https://example.org/wpo"}]
    explanation: Het schoolbestuur betaalt.
examples:
  - name: Jeugdhulp thuis
    case:
      peildatum: 2025-03-01
      kind: {brp_gemeente: Vlaardingen}
      hulpvraag: {soort: jeugdhulp, tijdens_schooltijd: false}
    expect: {funder: gemeente}
  - name: Jeugdhulp op school is een conflict
    case:
      peildatum: 2025-03-01
      hulpvraag: {soort: jeugdhulp, tijdens_schooltijd: true}
    expect: {escalation: conflict}
"""


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analyse") / "geplant.yaml"
    path.write_text(PLANTED, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def planted_framework(planted: Path) -> Framework:
    return load_framework(planted)


@pytest.fixture(scope="module")
def planted_map(planted_framework: Framework) -> Analysis:
    return analyse(planted_framework)


def _reason(outcome: Outcome) -> str:
    return outcome.reason.value if isinstance(outcome, Escalation) else "decision"


def assert_reproduces(engine: Engine, found: CaseClass) -> None:
    outcome = engine.decide(found.witness)
    assert (_reason(outcome), outcome.rules) == (found.reason, found.rules), found.witness


def assert_every_witness_reproduces(framework: Framework, analysis: Analysis) -> None:
    """Each witness, decided by a fresh engine, gives what the map says it gives."""
    with Engine(framework) as engine:
        for found in [*analysis.case_classes, *analysis.unsettled]:
            assert_reproduces(engine, found)
            for witness in found.all_witnesses:
                outcome = engine.decide(witness)
                assert (_reason(outcome), outcome.rules) == (found.reason, found.rules), witness
        for zone in analysis.grey_zones:
            outcome = engine.decide(zone.witness)
            assert _reason(outcome) == "grey_zone" and zone.rule in outcome.rules, zone.witness
        for finding in analysis.dead_rules:
            prepared = engine.prepare(finding.witness)
            assert finding.rule not in engine.match(prepared).true
            assert finding.rule not in engine.decide(finding.witness).rules
        for finding in analysis.shadowed_rules:
            prepared = engine.prepare(finding.witness)
            assert finding.rule in engine.match(prepared).true, finding.witness
            outcome = engine.decide(finding.witness)
            assert finding.rule not in outcome.rules
            assert outcome.rules == finding.beaten_by


def test_the_planted_gap_is_found_with_a_witness(planted_map: Analysis):
    (gap,) = planted_map.gaps
    assert gap.rules == ()
    assert gap.witness == {"peildatum": planted_map.peildata[0].isoformat(), "hulpvraag": {"soort": "logopedie"}}


def test_the_planted_conflict_is_found_with_a_witness(planted_map: Analysis):
    (conflict,) = planted_map.conflicts
    assert conflict.rules == ("jeugdhulp", "jeugdhulp-school")
    assert conflict.witness["hulpvraag"] == {"soort": "jeugdhulp", "tijdens_schooltijd": True}


def test_the_declared_grey_zone_is_counted(planted_map: Analysis):
    (zone,) = planted_map.grey_zones
    assert (zone.rule, zone.case_classes, zone.cases) == ("begeleiding-grijs", 1, 1)
    assert zone.witness["hulpvraag"] == {"soort": "begeleiding"}


def test_a_contradictory_rule_is_dead_and_a_rule_that_always_loses_is_shadowed(planted_map: Analysis):
    assert [f.rule for f in planted_map.dead_rules] == ["onmogelijk"]
    assert all(f.certain for f in planted_map.dead_rules)
    shadowed = {f.rule: f for f in planted_map.shadowed_rules}
    assert set(shadowed) == {"verpleging-jeugdwet", "basis-gemeente"}
    assert shadowed["verpleging-jeugdwet"].beaten_by == ("verpleging-zvw",)
    assert shadowed["basis-gemeente"].beaten_by == ("basis-school",)
    assert "basis-school" in shadowed["basis-gemeente"].reason


def test_every_witness_of_the_planted_framework_reproduces(planted_framework: Framework, planted_map: Analysis):
    assert planted_map.complete
    assert_every_witness_reproduces(planted_framework, planted_map)


def test_coverage_lists_the_rules_and_gaps_no_example_reaches(planted_map: Analysis):
    coverage = planted_map.coverage
    assert coverage.examples == 2
    assert coverage.rules_exercised == ("jeugdhulp", "jeugdhulp-school")
    assert "overig" in coverage.rules_without_example and "begeleiding-grijs" in coverage.rules_without_example
    # the conflict example falls in the conflict; nothing falls in the gap
    assert planted_map.conflicts[0].examples == ("Jeugdhulp op school is een conflict",)
    assert coverage.conflicts_without_example == ()
    assert coverage.gaps_without_example == planted_map.gaps


def test_the_text_report_names_every_finding(planted_map: Analysis):
    text = format_analysis(planted_map, "geplant.yaml")
    for word in ("Gaten (geen regel beslist): 1", "Conflicten", "begeleiding-grijs", "onmogelijk",
                 "verpleging-jeugdwet", "basis-gemeente", "regels zonder voorbeeld", "Volledig verkend"):
        assert word in text


def test_the_command_exits_1_on_findings_and_prints_the_time_to_standard_error(planted: Path):
    out, err = io.StringIO(), io.StringIO()
    assert main(["analyse", str(planted)], stdout=out, stderr=err) == 1
    assert "Grijze-gebiedenkaart" in out.getvalue() and "geanalyseerd in" not in out.getvalue()
    assert "1 kader(s) geanalyseerd in" in err.getvalue()


def test_the_json_output_has_every_part_of_the_map(planted: Path):
    out, err = io.StringIO(), io.StringIO()
    assert main(["analyse", str(planted), "--json"], stdout=out, stderr=err) == 1
    (report,) = json.loads(out.getvalue())["files"]
    for key in ("gaps", "conflicts", "grey_zones", "dead_rules", "shadowed_rules", "coverage", "complete", "nodes"):
        assert key in report, key
    assert report["complete"] is True and report["nodes"] > 0
    assert report["dead_rules"][0]["rule"] == "onmogelijk"
    assert report["coverage"]["rules_without_example"]
    assert report["gaps"][0]["witness"]["hulpvraag"] == {"soort": "logopedie"}


def test_a_bad_path_or_a_framework_that_does_not_load_exits_2(tmp_path: Path):
    broken = tmp_path / "kapot.yaml"
    broken.write_text("schema_version: 1\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["analyse", str(broken)], stdout=out, stderr=err) == 2
    assert "laadt niet" in out.getvalue()
    assert main(["analyse", str(tmp_path / "weg.yaml")], stdout=io.StringIO(), stderr=err) == 2
    assert "bestaat niet" in err.getvalue()


def test_over_budget_the_map_says_so_and_samples_the_rest(planted_framework: Framework):
    analysis = analyse(planted_framework, budget=3, samples=200)
    assert analysis.complete is False and analysis.nodes == 3
    assert analysis.sampling is not None and analysis.sampling.samples > 0 and analysis.sampling.settled > 0
    assert analysis.sampling.sampler == "hypothesis"
    assert any(found.sampled for found in analysis.case_classes)
    # a finding about rules that never fire rests on part of the cases only
    assert all(not f.certain for f in [*analysis.dead_rules, *analysis.shadowed_rules])
    assert_every_witness_reproduces(planted_framework, analysis)
    text = format_analysis(analysis)
    assert "NIET volledig verkend" in text and "steekproef" in text
    data = analysis.to_dict()
    assert data["complete"] is False and data["nodes"] == 3 and data["sampling"]["samples"] > 0


def test_sampling_is_deterministic(planted_framework: Framework):
    first = analyse(planted_framework, budget=3, samples=100).to_dict()
    second = analyse(planted_framework, budget=3, samples=100).to_dict()
    first.pop("seconds"), second.pop("seconds")
    assert first == second


def test_a_second_municipality_is_tried_both_the_same_and_different(planted_framework: Framework):
    with Engine(planted_framework) as engine:
        explorer = Explorer(planted_framework, engine, budget=10)
        assert explorer.values("school.gemeente", 0, ()) == ["Plaats A"]
        assert explorer.values("school.gemeente", 0, (("kind.brp_gemeente", "Plaats A"),)) == ["Plaats A", "Plaats B"]


def test_an_overlay_is_analysed_as_the_merged_framework(tmp_path: Path, planted: Path):
    overlay = tmp_path / "regio.yaml"
    overlay.write_text(f"""\
schema_version: 1
framework: regio
extends: {planted}
title: Regio op het geplante kader
version: "1"
default_route: tafel
routes: []
funders: []
rules:
  - id: logopedie-regio
    title: Logopedie regelt de regio via de school
    domain: onderwijs
    when: {{field: hulpvraag.soort, eq: logopedie}}
    funder: schoolbestuur
    legal_basis: [{{citation: Regionale afspraak, url: "https://example.org/regio"}}]
    explanation: Het schoolbestuur betaalt.
""", encoding="utf-8")
    framework = load_framework(overlay)
    analysis = analyse(framework)
    assert analysis.gaps == ()  # the overlay fills the planted gap
    assert [c.rules for c in analysis.conflicts] == [("jeugdhulp", "jeugdhulp-school")]
    assert_every_witness_reproduces(framework, analysis)


def test_the_national_framework_is_mapped_completely_and_every_witness_reproduces(national: Framework):
    started = time.perf_counter()
    analysis = analyse(national)
    # information only: the map must take well under ten seconds (docs/analyse.md), but the
    # speed of the machine that runs the tests is not what this test is about
    print(f"national map: {analysis.nodes} nodes, {time.perf_counter() - started:.1f} s")
    assert analysis.complete
    # the bundled national framework leaves no kind of case undecided or contested: what the law
    # leaves open is a declared grey zone with a route
    assert (analysis.gaps, analysis.conflicts, analysis.dead_rules, analysis.shadowed_rules) == ((), (), (), ())
    assert len(analysis.grey_zones) >= 10
    assert_every_witness_reproduces(national, analysis)
    assert set(analysis.coverage.rules_exercised) == {r.id for r in national.rules}
    assert analysis.coverage.rules_without_example == ()


def test_the_command_takes_folders(tmp_path: Path):
    folder = tmp_path / "kaders"
    folder.mkdir()
    (folder / "a.yaml").write_text(PLANTED, encoding="utf-8")
    out = io.StringIO()
    assert main(["analyse", str(folder), "--json"], stdout=out, stderr=io.StringIO()) == 1
    assert [f["file"] for f in json.loads(out.getvalue())["files"]] == [str(folder / "a.yaml")]


def test_an_overlays_coverage_counts_the_examples_of_the_frameworks_it_extends():
    from wiebetaalt.load.loader import inherited_examples

    region = ROOT / "rules" / "regio" / "heuvelland.yaml"
    own, national = load_framework(region).examples, load_framework(ROOT / "rules" / "landelijk.yaml").examples
    chain = inherited_examples(region)
    assert [e.name for e in chain] == [e.name for e in (*national, *own)]
    analysis = analyse(load_framework(region), examples=chain)
    assert analysis.coverage.examples == len(chain) and analysis.coverage.rules_without_example == ()


def test_a_finding_says_its_periods_as_a_policymaker_reads_them():
    import datetime as dt

    from wiebetaalt.analysis.text import periods

    # the first days of four periods: the first one reaches back, however early the peildatum
    points = tuple(dt.date.fromisoformat(d) for d in ("2019-12-31", "2020-01-01", "2022-01-01", "2022-01-02"))
    assert periods(points[:1], points) == "peildatum tot en met 2019-12-31"
    assert periods(points[1:3], points) == "peildatum van 2020-01-01 tot en met 2022-01-01"  # joined, with its end
    assert periods(points[3:], points) == "peildatum vanaf 2022-01-02"
    assert periods(points, points) == "elke peildatum"
    assert periods((points[0], points[2]), points) == "peildatum tot en met 2019-12-31; op 2022-01-01"
