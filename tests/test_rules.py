"""Every example in every bundled rule file runs as a test: the framework's own promises."""

from __future__ import annotations

from fractions import Fraction

import pytest

from conftest import ROOT, RULES
from wiebetaalt import Decision, Engine, check_example, load_framework
from wiebetaalt.load.yaml import read_yaml
from wiebetaalt.load.loader import rule_files

FRAMEWORKS = {path: load_framework(path) for path in rule_files([RULES])}
EXAMPLES = [
    pytest.param(path, i, id=f"{path.stem}:{example.name}")
    for path, framework in FRAMEWORKS.items()
    for i, example in enumerate(framework.examples)
]
_engines: dict = {}


def _engine(path):
    if path not in _engines:
        _engines[path] = Engine(FRAMEWORKS[path])
    return _engines[path]


def _own_rule_ids(path):
    # an overlay's framework holds the base's rules too; the base's examples exercise those
    return {rule["id"] for rule in read_yaml(path.read_text(encoding="utf-8")).data.get("rules", [])}


def test_every_rule_file_has_examples_for_every_rule_it_declares():
    for path, framework in FRAMEWORKS.items():
        engine = _engine(path)
        exercised = set()
        for example in framework.examples:
            outcome = engine.decide(example.case, presume=example.presume)
            exercised |= set(outcome.rules)
        missing = _own_rule_ids(path) - exercised
        assert not missing, f"{path.name}: no example exercises {sorted(missing)}"


def test_the_bundled_regions_build_on_the_national_framework():
    national = {rule.id for rule in load_framework(RULES / "landelijk.yaml").rules}
    regions = sorted((RULES / "regio").glob("*.yaml"))
    assert len(regions) >= 2
    for path in regions:
        framework = FRAMEWORKS[path]
        own = _own_rule_ids(path)
        assert framework.extends == "../landelijk.yaml"
        assert national <= {rule.id for rule in framework.rules}, f"{path.name} does not carry the national rules"
        assert own and not own & national, f"{path.name} should add rules of its own, not redefine national ones"
        assert framework.default_route in {route.id for route in framework.routes} - {"regionale-tafel"}
        overridden = {target for rule in framework.rules if rule.id in own for target in rule.overrides}
        assert "jeugdhulp-collectief-op-school" in overridden, f"{path.name} should settle collective help at school"


@pytest.mark.parametrize("path", sorted((RULES / "regio").glob("*.yaml")), ids=lambda p: p.stem)
def test_a_region_decides_its_collective_arrangement_with_exact_shares_that_sum_to_one(path):
    framework = FRAMEWORKS[path]
    shared = [e for e in framework.examples if e.expect.shares and len(e.expect.shares) > 1]
    assert shared, f"{path.name} has no example of a shared cost"
    for example in shared:
        outcome = _engine(path).decide(example.case, presume=example.presume)
        assert isinstance(outcome, Decision), example.name
        assert sum(share.fraction for share in outcome.shares) == 1
        assert all(isinstance(share.fraction, Fraction) for share in outcome.shares)


@pytest.mark.parametrize(("path", "index"), EXAMPLES)
def test_example(path, index):
    example = FRAMEWORKS[path].examples[index]
    outcome = _engine(path).decide(example.case, presume=example.presume)
    mismatches = check_example(example.expect, outcome)
    assert not mismatches, "\n".join([*mismatches, f"uitkomst: {outcome.to_dict()}"])


def test_the_same_facts_in_2021_and_2023_get_the_answer_of_their_own_law():
    import yaml

    engine = _engine(RULES / "landelijk.yaml")
    cases = {year: yaml.safe_load((ROOT / "examples" / f"pleegzorg-{year}.yaml").read_text(encoding="utf-8"))
             for year in (2021, 2023)}
    # the same child, the same stay: only the peildatum differs
    assert {k: v for k, v in cases[2021].items() if k != "peildatum"} == {
        k: v for k, v in cases[2023].items() if k != "peildatum"}
    old, new = engine.decide(cases[2021]), engine.decide(cases[2023])
    assert isinstance(old, Decision) and isinstance(new, Decision)
    # before 2022 a ward lives where it actually stays; from 2022 the BRP municipality before the stay
    assert (old.entity, new.entity) == ("gemeente Schiedam", "gemeente Rotterdam")
    assert any("(oud)" in b.citation for b in old.legal_basis)
    assert any("onder 2°" in b.citation for b in new.legal_basis)
