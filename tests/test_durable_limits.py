"""durable_rules' fixed limits: no framework that loads can crash the process or lose a case.

durable walks its network on a stack of 64 nodes; a case that opens more rules at once (a region's
rule per school, all open while the school is unknown) made it answer error 303, and deleting the
session afterwards killed the process. The compiler now splits a framework into parts that stay
within every limit durable is known to have (wiebetaalt.engine.network), and the engine never touches
durable's state after a failed call.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import durable_rules_engine
import pytest
from hypothesis import given, settings, strategies as st

from conftest import ROOT, RULES
from reference import truth as reference_truth
from strategies import raw_cases
from wiebetaalt import Decision, Engine, EvaluationError, Framework, check_framework, load_framework, parse_case
from wiebetaalt.load.yaml import read_yaml
from wiebetaalt.engine.compiler import CATCH_ALL, IS_CASE, compile_framework
from wiebetaalt.engine.fact import case_fact
from wiebetaalt.engine.network import STACK_LIMIT, AlphaNetwork

BASIS = read_yaml((ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")).data
SCHOOL_TOWNS = [f"G{i}" for i in range(40)]


def regional_rule(number: int, when: dict[str, Any]) -> dict[str, Any]:
    return {"id": f"r{number}", "title": f"Regel {number}", "domain": "jeugdwet", "funder": "gemeente",
            "when": when, "legal_basis": [{"citation": "Jeugdwet art. 2.3", "url": "https://example.org/j"}],
            "explanation": "De gemeente betaalt."}


def framework_with(rules: list[dict[str, Any]]) -> Framework:
    return Framework.model_validate({**BASIS, "rules": [*BASIS["rules"], *rules], "examples": []})


def overlay_text(count: int, extends: str) -> str:
    """The overlay of the report: one rule per school municipality, all open while it is unknown."""
    rules = "\n".join(
        f"  - {{id: r{i}, title: r, domain: jeugdwet, funder: schoolgemeente, explanation: x, "
        f"legal_basis: [{{citation: c, url: 'https://e.org'}}], when: {{all: [{{field: school.gemeente, eq: G{i}}}, "
        f"{{field: hulpvraag.soort, eq: schoolmaatschappelijk_werk}}]}}}}" for i in range(count))
    return f"schema_version: 1\nframework: r\nextends: {extends}\ntitle: R\nversion: \"1\"\nrules:\n{rules}\n"


# --- The report's overlay, in a process of its own ---------------------------------------------


@pytest.fixture(scope="module")
def wide_overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("g70")
    shutil.copy(RULES / "landelijk.yaml", folder / "landelijk.yaml")
    (folder / "g70.yaml").write_text(overlay_text(70, "landelijk.yaml"), encoding="utf-8")
    return folder / "g70.yaml"


def wiebetaalt(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "wiebetaalt", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONFAULTHANDLER": "1"})


def test_the_reported_overlay_is_checked_and_decides_a_sparse_case_without_crashing(wide_overlay: Path):
    assert check_framework(wide_overlay) == []
    (wide_overlay.parent / "c.yaml").write_text("peildatum: 2025-03-01\n", encoding="utf-8")
    done = wiebetaalt("decide", "c.yaml", "--framework", wide_overlay.name, "--json", cwd=wide_overlay.parent)
    assert done.returncode == 1, done.stderr[-2000:]  # 1: escalated, as a case with only a date must be
    assert json.loads(done.stdout)["reason"] == "missing_facts"


def test_the_reported_overlay_decides_a_sparse_caseload_in_batch(wide_overlay: Path):
    rows = ["id,peildatum,hulpvraag.soort,school.gemeente,kind.brp_gemeente"]
    rows += [f"c{i},2025-03-01,{'schoolmaatschappelijk_werk' if i % 2 else ''},{'G' + str(i % 90) if i % 3 else ''},"
             f"{'Vlaardingen' if i % 5 else ''}" for i in range(600)]
    (wide_overlay.parent / "in.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    done = wiebetaalt("batch", "in.csv", "-o", "out.csv", "--framework", wide_overlay.name, "--jobs", "2",
                      "--chunk-size", "50", cwd=wide_overlay.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    output = (wide_overlay.parent / "out.csv").read_text(encoding="utf-8").splitlines()
    assert len(output) == 601
    with Engine(load_framework(wide_overlay)) as engine:
        for row, line in zip(rows[1:], output[1:]):
            reference, _, kind, town, home = row.split(",")
            case: dict[str, Any] = {"peildatum": "2025-03-01"}
            if kind:
                case["hulpvraag"] = {"soort": kind}
            if town:
                case["school"] = {"gemeente": town}
            if home:
                case["kind"] = {"brp_gemeente": home}
            outcome = engine.decide(case, settle=False)
            cells = line.split(",")
            assert cells[1:3] == [reference, "decision" if isinstance(outcome, Decision) else "escalation"]
            assert cells[10] == "; ".join(outcome.rules)


def test_the_national_framework_is_one_part_and_the_wide_overlay_several(national: Framework, wide_overlay: Path):
    assert len(compile_framework(national).parts) == 1
    compiled = compile_framework(load_framework(wide_overlay))
    assert len(compiled.parts) > 1
    assert sorted(name for part in compiled.parts for name in part) == sorted(set(compiled.ruleset) - {CATCH_ALL})
    for ruleset in compiled.part_rulesets():
        assert AlphaNetwork(rule["all"][0]["m"] for rule in ruleset.values()).fits()


# --- Wide frameworks decide as the reference interpreter does ----------------------------------

ATOMS = st.one_of(
    st.builds(lambda town: {"field": "school.gemeente", "eq": town}, st.sampled_from(SCHOOL_TOWNS)),
    st.builds(lambda town: {"field": "kind.brp_gemeente", "ne": town}, st.sampled_from(["Delft", "Schiedam"])),
    st.builds(lambda kind: {"field": "hulpvraag.soort", "eq": kind}, st.sampled_from(["jeugdhulp", "begeleiding"])),
    st.builds(lambda age: {"field": "kind.leeftijd", "lt": age}, st.integers(1, 25)),
    st.builds(lambda known: {"field": "kind.wlz_indicatie", "known": known}, st.booleans()),
    st.builds(lambda value: {"field": "kind.verblijf", "eq": value}, st.booleans()),
)
CONDITIONS = st.recursive(ATOMS, lambda inner: st.one_of(
    st.builds(lambda parts: {"all": parts}, st.lists(inner, min_size=2, max_size=3)),
    st.builds(lambda parts: {"any": parts}, st.lists(inner, min_size=2, max_size=3)),
    st.builds(lambda part: {"not": part}, inner),
), max_leaves=4)


@st.composite
def wide_frameworks(draw: st.DrawFn) -> Framework:
    template = draw(CONDITIONS)
    count = draw(st.integers(20, 150))
    # most rules of a wide region share one shape and differ in a value (one per school); some differ
    rules = [regional_rule(i, {"all": [{"field": "school.gemeente", "eq": SCHOOL_TOWNS[i % 40]}, template]})
             if draw(st.integers(0, 3)) else regional_rule(i, draw(CONDITIONS)) for i in range(count)]
    return framework_with(rules)


@settings(max_examples=20, deadline=None)
@given(wide_frameworks(), st.lists(st.one_of(raw_cases(known=0.0), raw_cases(known=0.3), raw_cases(known=0.8)),
                                   min_size=20, max_size=40))
def test_a_wide_framework_matches_as_the_reference_interpreter_in_chunks_and_alone(framework: Framework, raws):
    with Engine(framework) as engine:
        cases = [engine.prepare(raw) for raw in raws]
        expected = [reference_truth(framework, case) for case in cases]
        assert engine.match_many(cases) == expected
        assert [engine.match(case) for case in cases[:5]] == expected[:5]
        assert engine.abandoned == 0


# --- The model of durable's network is sound: whenever durable runs out, the model said so ------


@settings(max_examples=40, deadline=None)
@given(wide_frameworks(), st.lists(st.one_of(raw_cases(known=0.0), raw_cases(known=0.3)), min_size=5, max_size=10))
def test_durable_runs_out_of_stack_only_where_the_model_says_it_can(framework: Framework, raws):
    compiled = compile_framework(framework)
    ruleset = {name: {**rule, "cap": 1} for name, rule in compiled.ruleset.items()}  # one ruleset, unsplit
    network = AlphaNetwork(rule["all"][0]["m"] for rule in ruleset.values())
    try:
        handle = durable_rules_engine.create_ruleset(f"limits_{compiled.digest}_{id(raws)}", json.dumps(ruleset))
    except Exception as error:
        assert not network.fits(), f"durable refused a network the model accepts: {error}"
        return
    failed = False
    for number, raw in enumerate(raws, 1):
        fact = {**case_fact(parse_case(raw)), "sid": "s", "id": number}
        try:
            durable_rules_engine.assert_fact(handle, json.dumps(fact))
        except Exception as error:
            # never touched again: deleting a session after a failed assert corrupts the heap
            assert "303" in str(error) and network.depth() > STACK_LIMIT, str(error)
            failed = True
            break
        durable_rules_engine.retract_fact(handle, json.dumps(fact))
    if not failed:
        durable_rules_engine.delete_ruleset(handle)


def test_the_model_finds_the_walk_of_the_report_too_deep_and_a_narrow_one_within():
    compiled = compile_framework(framework_with([
        regional_rule(i, {"all": [{"field": "school.gemeente", "eq": f"G{i}"},
                                  {"field": "hulpvraag.soort", "eq": "jeugdhulp"}]}) for i in range(70)]))
    patterns = [rule["all"][0]["m"] for rule in compiled.ruleset.values()]
    assert AlphaNetwork(patterns).depth() > STACK_LIMIT
    assert AlphaNetwork([IS_CASE, *patterns[:10]]).fits()
    # and durable, given the whole of it as one ruleset, does run out on a case with only a date
    handle = durable_rules_engine.create_ruleset(f"limits_report_{compiled.digest}", json.dumps(compiled.ruleset))
    fact = {**case_fact(parse_case({"peildatum": "2025-03-01"})), "sid": "s", "id": 1}
    with pytest.raises(durable_rules_engine.error, match="error code: 303"):
        durable_rules_engine.assert_fact(handle, json.dumps(fact))
    # the handle is left as it is: deleting it now could free memory twice


# --- Limits durable refuses to build --------------------------------------------------------


def test_three_hundred_rules_on_one_test_build_in_parts_and_each_decides():
    framework = load_framework(ROOT / "tests" / "fixtures" / "wide-300-rules.yaml")
    with Engine(framework) as engine:
        assert len(engine._handles) > 1
        for age in (0, 7, 18, 30):
            outcome = engine.decide({"peildatum": "2025-03-01", "kind": {"leeftijd": age, "brp_gemeente": "Delft"},
                                     "hulpvraag": {"soort": "jeugdhulp"}}, settle=False)
            # rule i tests the age i % 31: every rule for this age holds, and only those
            assert isinstance(outcome, Decision)
            assert outcome.rules == tuple(f"jeugdhulp-{i}" for i in range(300) if i % 31 == age)


def test_a_framework_durable_still_refuses_is_a_located_engine_limit(monkeypatch: pytest.MonkeyPatch):
    from wiebetaalt.load import loader

    # the loader asks durable whether it builds the compiled framework
    monkeypatch.setattr(loader, "build_error", lambda compiled: "Could not create ruleset, error code: 999")
    [problem] = check_framework(ROOT / "docs" / "voorbeeld" / "basis.yaml")
    assert (problem.code, problem.line, problem.path) == ("engine-limit", 18, ("rules",))
    assert "error code: 999" in problem.message


# --- After a failed call the engine never touches durable's state again -------------------------


class Failing:
    """durable_rules, except that one assert fails as error 303 does; every delete is recorded."""

    def __init__(self) -> None:
        self.fail_next = False
        self.deleted: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(durable_rules_engine, name)

    def _assert(self, call: Any, handle: int, text: str) -> Any:
        if self.fail_next:
            self.fail_next = False
            call(handle, text)  # stores the fact, as durable does before it runs out
            raise durable_rules_engine.error("Could not assert facts, error code: 303")
        return call(handle, text)

    def assert_fact(self, handle: int, text: str) -> Any:
        return self._assert(durable_rules_engine.assert_fact, handle, text)

    def assert_facts(self, handle: int, text: str) -> Any:
        return self._assert(durable_rules_engine.assert_facts, handle, text)

    def delete_state(self, handle: int, sid: str) -> Any:
        self.deleted.append(("state", handle))
        return durable_rules_engine.delete_state(handle, sid)

    def delete_ruleset(self, handle: int) -> Any:
        self.deleted.append(("ruleset", handle))
        return durable_rules_engine.delete_ruleset(handle)


def test_a_failed_durable_call_abandons_its_ruleset_untouched_and_the_engine_goes_on(
        national: Framework, monkeypatch: pytest.MonkeyPatch):
    from wiebetaalt.engine import durable as durable_module

    stand_in = Failing()
    monkeypatch.setattr(durable_module, "_durable", stand_in)
    case = {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Vlaardingen", "wlz_indicatie": False,
            "verblijf": False, "geheim_adres": False}, "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}
    engine = Engine(national)
    [broken] = engine._handles
    stand_in.fail_next = True
    with pytest.raises(EvaluationError, match="303"):
        list(engine.decide_many([case, case], settle=False))
    assert engine.abandoned == 1 and engine._handles != [broken]
    outcome = engine.decide(case, settle=False)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Vlaardingen"
    [replacement] = engine._handles
    engine.close()
    assert stand_in.deleted == [("ruleset", replacement)]  # never the broken one, nor its session


def test_one_rule_that_alone_opens_more_than_durable_can_follow_is_a_located_problem(tmp_path: Path):
    # 70 tests on one date, all of which may hold together
    dates = ", ".join(f"{{field: kind.brp_inschrijfdatum, gte: 2020-{month:02d}-{day:02d}}}"
                      for month in (1, 3, 5) for day in range(1, 24))
    dates += ", {field: kind.brp_inschrijfdatum, gte: 2020-07-01}"
    basis = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
    assert "    when: {field: hulpvraag.soort, eq: jeugdhulp}\n" in basis.splitlines(keepends=True)[21]
    (tmp_path / "kader.yaml").write_text(basis.replace(
        "    when: {field: hulpvraag.soort, eq: jeugdhulp}", f"    when: {{any: [{dates}]}}", 1), encoding="utf-8")
    [problem] = check_framework(tmp_path / "kader.yaml")
    assert (problem.code, problem.line) == ("condition-too-large", 22)
    assert "hoogstens 64" in problem.message


def test_analyse_maps_the_reported_overlay_without_crashing(wide_overlay: Path):
    done = wiebetaalt("analyse", wide_overlay.name, "--json", cwd=wide_overlay.parent)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert json.loads(done.stdout)
