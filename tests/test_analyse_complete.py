"""The grey-zone map keeps its promise: every outcome ``decide`` gives is in it, and its witnesses are minimal.

docs/analyse.md says a complete map holds every kind of case the framework treats alike. Here that
is checked from outside: frameworks with one rule or one party source taken out (each in turn, of
the national framework and of both regions) are mapped, and every example case of the original is
decided with the changed framework; what ``decide`` gives must be a class of cases of the map, and
a gap or conflict it gives must be one of the map's gaps or conflicts. Each witness holds only the
facts that make its finding: without any one of them, ``decide`` no longer gives that finding.
"""

from __future__ import annotations

import bisect
import copy
import datetime as dt
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from wiebetaalt import Analysis, Engine, Escalation, Framework, load_framework
from wiebetaalt.analysis.analyse import analyse
from wiebetaalt.decision.outcome import Outcome, asking_for_facts
from wiebetaalt.load.loader import inherited_examples
from wiebetaalt.model.case import field_value

NATIONAL = ROOT / "rules" / "landelijk.yaml"
# libyaml where PyYAML has it: the national file is read once and written out seventy times
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
REGIONS = sorted((ROOT / "rules" / "regio").glob("*.yaml"))


def _key(outcome: Outcome) -> tuple[str, tuple[str, ...]]:
    return (outcome.reason.value if isinstance(outcome, Escalation) else "decision", outcome.rules)


@functools.cache
def _parsed(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return data


def _read(path: Path) -> dict[str, Any]:
    return copy.deepcopy(_parsed(path))


def _write(data: dict[str, Any], folder: Path, name: str) -> Path:
    # the examples expect what the file decided before; the tests decide their cases themselves
    data = {key: value for key, value in data.items() if key != "examples"}
    path = folder / name
    path.write_text(yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _without_rule(data: dict[str, Any], rule_id: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    changed["rules"] = [r for r in changed["rules"] if r["id"] != rule_id]
    for rule in changed["rules"]:
        if rule_id in rule.get("overrides", []):
            rule["overrides"] = [r for r in rule["overrides"] if r != rule_id]
            if not rule["overrides"]:
                del rule["overrides"]
    return changed


def _without_source(data: dict[str, Any], source_id: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    for funder in changed.get("funders", []):
        if "party" in funder:
            funder["party"] = [s for s in funder["party"] if s["id"] != source_id]
            if not funder["party"]:
                del funder["party"]
                funder.setdefault("fallback", funder["name"])
    return changed


def _removals(path: Path) -> list[tuple[str, str]]:
    """Every rule id and party source of the file itself, as (kind, id)."""
    data = _read(path)
    rules = dict.fromkeys(r["id"] for r in data.get("rules", []))
    sources = [s["id"] for f in data.get("funders", []) for s in f.get("party", [])]
    return [("rule", r) for r in rules] + [("source", s) for s in sources]


CASES = [(path, kind, item) for path in [NATIONAL, *REGIONS] for kind, item in _removals(path)]


def assert_decide_is_in_the_map(framework: Framework, analysis: Analysis, cases: list[dict[str, Any]]) -> None:
    """Every settled outcome of ``cases`` is a class of cases of the map; a gap or a conflict is one
    of its gaps or conflicts on the case's peildatum, with a witness of the case's class: given the
    case's own values for the facts it names, the witness still shows that gap or conflict."""
    classes = {(c.reason, c.rules) for c in analysis.case_classes}
    problems = [c for c in [*analysis.gaps, *analysis.conflicts]]
    with Engine(framework) as engine:
        for case in cases:
            outcome = engine.decide(case, presume=False, settle=False)
            if asking_for_facts(outcome) is not None:
                continue
            key = _key(outcome)
            assert key in classes, (key, case)
            if key[0] in ("no_rule", "conflict"):
                prepared = engine.prepare(case)
                period = bisect.bisect_right(analysis.peildata, prepared.peildatum) - 1

                def fits(witness: dict[str, Any]) -> bool:
                    # the witness with the case's own values for the facts it names shows the same
                    # finding: the case lies in the class of cases the witness stands for
                    own = copy.deepcopy(witness)
                    for path in _leaves(witness):
                        value = field_value(prepared, path)
                        if value is not None:
                            section, _, name = path.rpartition(".")
                            own[section][name] = value.isoformat() if isinstance(value, dt.date) else value
                    return _key(engine.decide(own, presume=False, settle=False)) == key

                assert any((c.reason, c.rules) == key and analysis.peildata[period] in c.peildata
                           and any(fits(w) for w in (c.all_witnesses or (c.witness,))) for c in problems), (key, case)


@pytest.mark.parametrize(("path", "kind", "item"), CASES,
                         ids=[f"{p.stem}-{k}-{i}" for p, k, i in CASES])
def test_taking_out_a_rule_or_party_source_shows_in_the_map(tmp_path: Path, path: Path, kind: str, item: str):
    data = _read(path)
    changed = _without_rule(data, item) if kind == "rule" else _without_source(data, item)
    if "extends" in changed:
        changed["extends"] = str(NATIONAL)
    framework = load_framework(_write(changed, tmp_path, path.name))
    analysis = analyse(framework)
    assert analysis.complete
    # the examples, and a case of every class of the whole framework's map
    cases = [example.case for example in inherited_examples(path)] + _witnesses(path)
    assert_decide_is_in_the_map(framework, analysis, cases)


@functools.cache
def _map(path: Path) -> Analysis:
    return analyse(load_framework(path))


def _witnesses(path: Path) -> list[dict[str, Any]]:
    found = _map(path)
    return [w for c in found.case_classes for w in (c.all_witnesses or (c.witness,))] + [
        f.witness for f in [*found.dead_rules, *found.shadowed_rules]]


def test_the_national_framework_without_the_hoofdverblijf_source_has_the_gap(tmp_path: Path):
    # before 2022, with joint gezag and parents apart, the municipality is that of the hoofdverblijf;
    # without that source a known hoofdverblijf leaves no payer, while an unknown one is a declared
    # grey zone: the gap lies below the grey zone, reached only by filling in the hoofdverblijf
    changed = _without_source(_read(NATIONAL), "woonplaats-oud-gezamenlijk-apart")
    framework = load_framework(_write(changed, tmp_path, "landelijk.yaml"))
    analysis = analyse(framework)
    assert analysis.gaps, "analyse found no gap"
    with Engine(framework) as engine:
        for gap in analysis.gaps:
            assert _key(engine.decide(gap.witness)) == (gap.reason, gap.rules)
        kinds = [gap.witness["kind"] for gap in analysis.gaps]
        assert any(k.get("hoofdverblijf_gemeente") and k.get("gezag") == "beide_ouders"
                   and k.get("ouders_wonen_apart") is True for k in kinds), kinds
        outcome = engine.decide({"peildatum": "2021-03-01", "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"},
                                 "kind": {"leeftijd": 9, "wlz_indicatie": False, "gezag": "beide_ouders",
                                          "ouders_wonen_apart": True, "hoofdverblijf_gemeente": "Delft"}},
                                presume=False)
        assert _key(outcome) in {(g.reason, g.rules) for g in analysis.gaps}


KNOWN_FALSE_GAP = """\
schema_version: 1
framework: achter-onbekend
title: Gat achter een regel met known false
version: "1"
precedence: [wlz, jeugdwet]
default_route: tafel
routes:
  - id: tafel
    name: Regionale tafel
    description: De regionale escalatietafel.
funders:
  - id: zorgkantoor
    name: Zorgkantoor
    fallback: het zorgkantoor
  - id: gemeente
    name: Woonplaatsgemeente
    fallback: de gemeente
rules:
  - id: wlz-onbekend
    title: Zonder uitkomst van het CIZ is niet te zeggen of de Wlz voorgaat
    domain: wlz
    when:
      - {field: hulpvraag.soort, eq: begeleiding}
      - {field: kind.wlz_indicatie, known: false}
    grey_zone: true
    legal_basis:
      - citation: Wlz art. 3.2.1
        url: https://example.org/wlz
    explanation: Vraag het CIZ.
  - id: wlz-zorg
    title: Met een Wlz-indicatie betaalt het zorgkantoor
    domain: wlz
    when:
      - {field: hulpvraag.soort, eq: begeleiding}
      - {field: kind.wlz_indicatie, eq: true}
    funder: zorgkantoor
    legal_basis:
      - citation: Wlz art. 3.2.1
        url: https://example.org/wlz
    explanation: De Wlz gaat voor.
  - id: jeugdhulp
    title: Jeugdhulp betaalt de gemeente
    domain: jeugdwet
    when: {field: hulpvraag.soort, eq: jeugdhulp}
    funder: gemeente
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De gemeente betaalt.
"""


def test_a_gap_behind_a_rule_that_holds_while_a_fact_is_unknown_is_reported(tmp_path: Path):
    # begeleiding without a Wlz indication has no rule; with the indication unknown the higher
    # stelsel's grey zone holds, so the engine never asks for it
    path = tmp_path / "kader.yaml"
    path.write_text(KNOWN_FALSE_GAP, encoding="utf-8")
    framework = load_framework(path)
    analysis = analyse(framework)
    behind = [gap.witness for gap in analysis.gaps if gap.witness["hulpvraag"] == {"soort": "begeleiding"}]
    assert behind == [{"peildatum": "2000-01-01", "kind": {"wlz_indicatie": False}, "hulpvraag": {"soort": "begeleiding"}}]
    with Engine(framework) as engine:
        assert _key(engine.decide(behind[0])) == ("no_rule", ())


def _leaves(case: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for name, value in case.items():
        if isinstance(value, dict):
            found += _leaves(value, f"{prefix}{name}.")
        elif name != "peildatum":
            found.append(prefix + name)
    return found


def _without(case: dict[str, Any], dotted: str) -> dict[str, Any]:
    changed = copy.deepcopy(case)
    section, _, name = dotted.rpartition(".")
    del changed[section][name]
    if not changed[section]:
        del changed[section]
    return changed


def assert_every_witness_is_minimal(framework: Framework, analysis: Analysis) -> int:
    """Each witness gives its finding, and without any one of its facts no longer does for certain:
    the outcome then differs, or asks for a fact; for a shadowed rule, or the rule no longer holds.
    Returns how many facts were taken out."""
    witnesses = [(w, (c.reason, c.rules), None)
                 for c in analysis.case_classes for w in (c.all_witnesses or (c.witness,))]
    witnesses += [(z.witness, None, None) for z in analysis.grey_zones]
    witnesses += [(f.witness, None, f.rule) for f in analysis.shadowed_rules]
    taken = 0
    with Engine(framework) as engine:

        def finding(case: dict[str, Any], rule: str | None) -> tuple[Any, ...] | None:
            # without presumptions: a fact presumed is not a fact known for certain
            outcome = engine.decide(case, presume=False, settle=False)
            if asking_for_facts(outcome) is not None:
                return None
            holds = rule is None or rule in engine.match(engine.prepare(case)).true
            return (_key(outcome), holds)

        for witness, key, rule in witnesses:
            found = finding(witness, rule)
            assert found is not None and found[1] and (key is None or found[0] == key), witness
            for dotted in _leaves(witness):
                taken += 1
                assert finding(_without(witness, dotted), rule) != found, (witness, dotted)
    return taken


@pytest.mark.parametrize("path", [ROOT / "docs" / "voorbeeld" / "gaten.yaml", ROOT / "docs" / "voorbeeld" / "regio.yaml"],
                         ids=lambda p: p.stem)
def test_the_witnesses_of_gaps_conflicts_and_shadowed_rules_are_minimal(path: Path):
    framework = load_framework(path)
    analysis = analyse(framework)
    assert analysis.gaps and (analysis.conflicts or "gaten" not in path.stem)
    assert analysis.shadowed_rules or "gaten" not in path.stem
    assert assert_every_witness_is_minimal(framework, analysis) > 0


@pytest.mark.parametrize("path", [NATIONAL, *REGIONS], ids=lambda p: p.stem)
def test_every_witness_holds_only_the_facts_that_make_its_finding(path: Path):
    framework = load_framework(path)
    taken = assert_every_witness_is_minimal(framework, analyse(framework))
    assert taken > 50


def test_unrelated_gaps_are_entries_of_their_own_each_with_only_its_facts(tmp_path: Path):
    # logopedie for a child of 12 or over and dyslexiezorg on the so are two gaps that need two
    # facts each, other facts each
    text = KNOWN_FALSE_GAP.replace("  - id: jeugdhulp\n", """\
  - id: logopedie-jong
    title: Logopedie voor een kind onder de 12
    domain: jeugdwet
    when:
      - {field: hulpvraag.soort, eq: logopedie}
      - {field: kind.leeftijd, lt: 12}
    funder: gemeente
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De gemeente betaalt.
  - id: dyslexie-regulier
    title: Dyslexiezorg buiten het so
    domain: jeugdwet
    when:
      - {field: hulpvraag.soort, eq: dyslexiezorg}
      - {field: school.soort, ne: so}
    funder: gemeente
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De gemeente betaalt.
  - id: jeugdhulp
""")
    path = tmp_path / "kader.yaml"
    path.write_text(text, encoding="utf-8")
    framework = load_framework(path)
    analysis = analyse(framework)
    # one entry per way of falling through: a kind of help no rule names (each of the 19 a witness
    # of it), begeleiding without a Wlz indication, logopedie from 12, dyslexiezorg on the so
    witnesses = [(gap.witness.get("kind", {}), gap.witness.get("school", {}), gap.witness["hulpvraag"])
                 for gap in analysis.gaps]
    assert len(analysis.gaps) == 4 and sorted(gap.cases for gap in analysis.gaps) == [1, 1, 1, 19]
    assert ({}, {"soort": "so"}, {"soort": "dyslexiezorg"}) in witnesses
    assert ({"leeftijd": 12}, {}, {"soort": "logopedie"}) in witnesses
    assert ({"wlz_indicatie": False}, {}, {"soort": "begeleiding"}) in witnesses
    assert assert_every_witness_is_minimal(framework, analysis) > 0
