"""The public test kit (wiebetaalt.testing) on the bundled frameworks, and tests of the kit itself."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import wiebetaalt.testing as kit
from wiebetaalt.testing import aims, invariants, strategies
from strategies import draw_many
from conftest import ROOT, bundled
from wiebetaalt import Decision, Engine, Escalation, EscalationReason, EvaluationError, load_framework, parse_case
from wiebetaalt.model.case import CASE_FIELDS
from wiebetaalt.testing import (
    INDIVIDUAL_YOUTH_CARE,
    aimed_examples,
    assert_cites_legal_basis,
    assert_decides,
    assert_deterministic,
    assert_invariants,
    assert_no_funder_from_unknown_facts,
    assert_school_location_irrelevant,
    assert_shares_sum_to_one,
    cases,
)

FRAMEWORKS = bundled()
NATIONAL = FRAMEWORKS["landelijk"]
ENGINES = {name: Engine(framework) for name, framework in FRAMEWORKS.items()}
RULE_IDS = [(name, rule_id) for name, framework in FRAMEWORKS.items()
            for rule_id in dict.fromkeys(rule.id for rule in framework.rules)]


# --- the bundled frameworks keep every invariant ---------------------------------------------------


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_every_bundled_framework_keeps_the_invariants(name):
    # as docs/testing.md says to write it: the drawn cases and those aimed at every rule and party source
    @settings(max_examples=60, deadline=None)
    @given(cases(FRAMEWORKS[name]))
    @aimed_examples(FRAMEWORKS[name])
    def check(case):
        assert_invariants(ENGINES[name], case)

    check()


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(RULE_IDS), st.data())
def test_a_case_satisfying_a_rule_makes_the_engine_find_that_rule_true(chosen, data):
    name, rule_id = chosen
    case = data.draw(cases(FRAMEWORKS[name], satisfying=rule_id), label="case")
    engine = ENGINES[name]
    assert rule_id in engine.match(engine.prepare(case)).true
    assert_invariants(engine, case)


@pytest.mark.parametrize(("name", "rule_id"), RULE_IDS)
def test_every_rule_of_the_bundled_frameworks_can_be_satisfied(name, rule_id):
    engine = ENGINES[name]
    drawn = []

    # cases() raises when the rule can never hold; each case it draws must make the engine find it true
    @settings(max_examples=3, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(cases(FRAMEWORKS[name], satisfying=rule_id))
    def satisfies(case):
        drawn.append(case)
        assert rule_id in engine.match(engine.prepare(case)).true, case

    satisfies()
    assert drawn


# --- what the strategy draws ---------------------------------------------------------------------


def _draw_many(strategy, count):
    """``count`` valid cases, in a fixed run."""
    drawn = draw_many(strategy, count)
    for case in drawn:
        parse_case(case)  # every case is valid
    return drawn


def _values(drawn, path):
    section, _, name = path.partition(".")
    return [case.get(section, {}).get(name) if section != "peildatum" else case["peildatum"] for case in drawn]


def test_cases_are_drawn_toward_the_boundaries_the_rules_use():
    drawn = _draw_many(cases(NATIONAL, known=1), 200)
    assert set(_values(drawn, "hulpvraag.soort")) == set(CASE_FIELDS["hulpvraag.soort"].values)
    ages = set(_values(drawn, "kind.leeftijd"))
    assert {17, 18} <= ages and {6, 7} <= ages, "both sides of the age bounds 18 and 7"
    days = set(_values(drawn, "peildatum"))
    assert {"2021-12-31", "2022-01-01", "2014-12-31", "2015-01-01"} <= days, "both sides of the woonplaats law change"
    same = {c["kind"]["brp_gemeente"] == c["school"]["gemeente"] for c in drawn}
    assert same == {True, False}, "the school in the municipality the child lives in, and in another"
    moves = {c["kind"]["brp_inschrijfdatum"] <= c["peildatum"] for c in drawn}
    assert moves == {True, False}, "a move registered before the peildatum, and after it"


def test_cases_name_the_texts_a_regional_framework_compares_and_others():
    drawn = _draw_many(cases(FRAMEWORKS["waterweg"]), 150)
    towns = set(_values(drawn, "school.gemeente"))
    assert {"Schiedam", "Vlaardingen", "Maassluis"} < towns
    assert towns - {"Schiedam", "Vlaardingen", "Maassluis", None}, "a municipality no condition names"
    regions = set(_values(drawn, "kind.swv_woonregio"))
    assert {"PO Waterweg", "PO Delflanden"} < regions


def test_known_is_the_share_of_facts_that_are_known():
    def share(known, count=30):
        drawn = _draw_many(cases(NATIONAL, known=known), count)
        return sum(len(c.get(s, {})) for c in drawn for s in ("kind", "school", "hulpvraag")) / (
            len(drawn) * (len(CASE_FIELDS) - 1))

    assert share(0) == 0
    assert share(1) == 1
    assert 0.6 < share(0.7, 150) < 0.8


def test_peildata_are_the_only_peildata_drawn():
    days = [dt.date(2021, 12, 31), "2022-01-01"]
    assert set(_values(_draw_many(cases(NATIONAL, peildata=days), 30), "peildatum")) == {"2021-12-31", "2022-01-01"}


def test_a_satisfying_case_lies_in_the_period_of_a_version_of_the_rule():
    framework = FRAMEWORKS["waterweg"]
    rule_id = "waterweg-collectieve-jeugdhulp-op-school"
    for case in _draw_many(cases(framework, satisfying=rule_id, known=0.3), 60):
        prepared = parse_case(case)
        assert any(r.in_force(prepared.peildatum) for r in framework.rules if r.id == rule_id)
        assert case["hulpvraag"]["toegang"] == "collectief"
        assert case["school"]["gemeente"] in ("Schiedam", "Vlaardingen", "Maassluis")


def test_fixed_facts_are_in_every_case_and_the_rest_is_drawn():
    fixed = {"school.soort": "so", "kind.wlz_indicatie": None, "peildatum": "2025-03-01",
             "kind.brp_inschrijfdatum": "2024-06-30"}
    drawn = _draw_many(cases(NATIONAL, fixed=fixed, known=1), 40)
    for case in drawn:
        assert case["school"]["soort"] == "so" and case["peildatum"] == "2025-03-01"
        assert case["kind"]["brp_inschrijfdatum"] == "2024-06-30" and "wlz_indicatie" not in case["kind"]
        parse_case(case)
    assert len({case["kind"].get("leeftijd") for case in drawn}) > 1  # what is not fixed still varies


def test_fixed_facts_go_before_what_a_rule_needs():
    # the rule needs individual access; fixed facts that agree give cases, with the fixed school
    rule_id = "jeugdhulp-individueel-woonplaats"
    for case in _draw_many(cases(NATIONAL, satisfying=rule_id, fixed={"school.gemeente": "Ergens"}), 20):
        assert case["school"]["gemeente"] == "Ergens" and case["hulpvraag"]["toegang"] == "individueel"


# --- arguments are checked when the strategy is built ---------------------------------------------


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"known": 1.5}, ValueError, r"known=.*from 0 to 1.*1\.5"),
    ({"known": -0.1}, ValueError, r"known=.*from 0 to 1"),
    ({"known": float("nan")}, ValueError, r"known="),
    ({"known": "0.5"}, TypeError, r"known=.*number"),
    ({"known": True}, TypeError, r"known="),
    ({"peildata": []}, ValueError, r"peildata=.*at least one date"),
    ({"peildata": "2025-03-01"}, TypeError, r"peildata=.*a list of dates"),
    ({"peildata": ["2025-02-30"]}, ValueError, r"peildata=.*'2025-02-30' is not a date; write YYYY-MM-DD"),
    ({"peildata": ["1-3-2025"]}, ValueError, r"peildata=.*'1-3-2025' is not a date"),
    ({"peildata": [dt.datetime(2025, 3, 1)]}, TypeError, r"peildata=.*dates or 'YYYY-MM-DD'"),
    ({"peildata": [20250301]}, TypeError, r"peildata="),
    ({"satisfying": "jeugdhulp-individueel-woonplaat"}, ValueError,
     r"satisfying=.*no rule 'jeugdhulp-individueel-woonplaat'; did you mean 'jeugdhulp-individueel-woonplaats'"),
    ({"satisfying": "geen-regel-met-deze-naam-xyz"}, ValueError, r"satisfying=.*no rule"),
    ({"satisfying": 3}, TypeError, r"satisfying=.*rule id"),
    ({"fixed": {"school.sort": "so"}}, ValueError, r"fixed=.*no field 'school.sort'; did you mean 'school.soort'"),
    ({"fixed": {"school.soort": "sso"}}, ValueError, r"fixed=.*school.soort: onbekende waarde; bedoelt u 'so'"),
    ({"fixed": {"kind.leeftijd": "tien"}}, ValueError, r"fixed=.*kind.leeftijd"),
    ({"fixed": {"peildatum": None}}, ValueError, r"fixed=.*always has a peildatum"),
    ({"fixed": [("school.soort", "so")]}, TypeError, r"fixed=.*dict of field: value"),
    ({"satisfying": "jeugdhulp-individueel-woonplaats", "peildata": ["2010-01-01"]}, ValueError,
     r"rule 'jeugdhulp-individueel-woonplaats' \(from 2015-01-01\) cannot hold on any of the given peildata "
     r"\(2010-01-01\)"),
])
def test_bad_arguments_are_refused_when_the_strategy_is_built(kwargs, error, message):
    with pytest.raises(error, match=message):
        cases(NATIONAL, **kwargs)  # no case is drawn


@pytest.mark.parametrize("framework", ["rules/landelijk.yaml", Path("rules/landelijk.yaml")])
def test_a_path_instead_of_a_framework_says_to_load_it(framework):
    with pytest.raises(TypeError, match=r"cases\(framework=\.\.\.\): expected a wiebetaalt Framework \(load it first"):
        cases(framework)


def test_a_rule_that_can_never_hold_is_refused_when_the_strategy_is_built(tmp_path):
    text = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8").replace(
        "when: {field: hulpvraag.soort, eq: jeugdhulp}",
        "when: [{field: hulpvraag.soort, eq: jeugdhulp}, {field: hulpvraag.soort, in: [verpleging, rebound]}]")
    (tmp_path / "tegenspraak.yaml").write_text(text, encoding="utf-8")
    framework = load_framework(tmp_path / "tegenspraak.yaml")
    with pytest.raises(ValueError, match=r"rule 'jeugdhulp' can never hold \(its parts contradict each other\)"):
        cases(framework, satisfying="jeugdhulp")


# --- each invariant fails, with the case and what broke ------------------------------------------


INDIVIDUAL = {
    "peildatum": "2025-03-01",
    "kind": {"brp_gemeente": "Vlaardingen", "verblijf": False, "geheim_adres": False, "wlz_indicatie": False},
    "school": {"gemeente": "Schiedam"},
    "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"},
}
SHARED = {
    "peildatum": "2025-09-01",
    "school": {"gemeente": "Schiedam"},
    "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief"},
}


class _Tampered:
    """An engine whose outcomes are changed after deciding, to see each invariant fail."""

    def __init__(self, engine, change):
        self.framework, self._engine, self._change, self.calls = engine.framework, engine, change, 0

    def prepare(self, case):
        return self._engine.prepare(case)

    def decide(self, case, *, settle=True):
        self.calls += 1
        return self._change(self._engine.decide(case, settle=settle), case, self.calls)


def _case_text(case):
    return re.escape('"peildatum": "' + case["peildatum"] + '"')


def test_the_bundled_frameworks_keep_the_invariants_on_known_cases():
    assert isinstance(assert_invariants(ENGINES["landelijk"], INDIVIDUAL), Decision)
    decision = assert_invariants(ENGINES["waterweg"], SHARED, settle=True)
    assert sum(share.fraction for share in decision.shares) == 1
    assert assert_invariants(ENGINES["landelijk"], parse_case(INDIVIDUAL)).entity == "gemeente Vlaardingen"


def test_assert_decides_fails_on_an_incomplete_outcome_and_on_an_engine_error():
    def ask_for_a_known_fact(outcome, case, calls):
        return Escalation(EscalationReason.MISSING_FACTS, NATIONAL.routes[0], "uitleg",
                          missing_facts=("kind.brp_gemeente",))

    with pytest.raises(AssertionError, match=r"asks for kind\.brp_gemeente, which the case already holds\n  case: "):
        assert_decides(_Tampered(ENGINES["landelijk"], ask_for_a_known_fact), INDIVIDUAL)
    with pytest.raises(AssertionError, match=r"names no party that pays"):
        assert_decides(_Tampered(ENGINES["landelijk"], lambda o, c, n: dataclasses.replace(o, entity=" ")), INDIVIDUAL)
    with pytest.raises(AssertionError, match=r"neither a Decision nor an Escalation"):
        assert_decides(_Tampered(ENGINES["landelijk"], lambda o, c, n: None), INDIVIDUAL)

    def fail(outcome, case, calls):
        raise EvaluationError("durable_rules failed: boom")

    with pytest.raises(AssertionError, match=r"the engine failed instead of deciding: durable_rules failed: boom"):
        assert_decides(_Tampered(ENGINES["landelijk"], fail), INDIVIDUAL)


def test_assert_deterministic_fails_when_the_outcome_changes():
    def flip(outcome, case, calls):
        return dataclasses.replace(outcome, entity=f"gemeente {calls}")

    with pytest.raises(AssertionError,
                       match=r"the same case decided twice gave two outcomes: .*gemeente 1.*gemeente 2"):
        assert_deterministic(_Tampered(ENGINES["landelijk"], flip), INDIVIDUAL)


def test_assert_deterministic_fails_when_deciding_changes_the_case():
    def scribble(outcome, case, calls):
        if isinstance(case, dict):
            case.setdefault("kind", {})["leeftijd"] = 3
        return outcome

    with pytest.raises(AssertionError, match=r'deciding the case changed the case it was given into .*"leeftijd": 3'):
        assert_deterministic(_Tampered(ENGINES["landelijk"], scribble), INDIVIDUAL)


def test_assert_shares_sum_to_one_fails_on_shares_that_do_not_add_up():
    def skim(outcome, case, calls):
        first, *rest = outcome.shares
        skimmed = dataclasses.replace(first, fraction=first.fraction - Fraction(1, 100))
        return dataclasses.replace(outcome, shares=(skimmed, *rest))

    with pytest.raises(AssertionError, match=r"the shares sum to 99/100 \(99%\), not exactly 1") as failure:
        assert_shares_sum_to_one(_Tampered(ENGINES["waterweg"], skim), SHARED)
    assert re.search(_case_text(SHARED), str(failure.value))
    with pytest.raises(AssertionError, match=r"shares the cost, but the decision gives no shares"):
        assert_shares_sum_to_one(_Tampered(ENGINES["waterweg"], lambda o, c, n: dataclasses.replace(o, shares=())),
                                 SHARED)


def test_assert_cites_legal_basis_fails_on_a_decision_without_one():
    with pytest.raises(AssertionError, match=r"the decision cites no legal basis"):
        assert_cites_legal_basis(
            _Tampered(ENGINES["landelijk"], lambda o, c, n: dataclasses.replace(o, legal_basis=())), INDIVIDUAL)
    with pytest.raises(AssertionError, match=r"leaves out the legal basis of rule jeugdhulp-individueel-woonplaats"):
        assert_cites_legal_basis(
            _Tampered(ENGINES["landelijk"], lambda o, c, n: dataclasses.replace(o, legal_basis=o.legal_basis[-1:])),
            INDIVIDUAL)


def test_assert_school_location_irrelevant_fails_when_the_school_decides(tmp_path):
    text = (ROOT / "docs" / "voorbeeld" / "regio.yaml").read_text(encoding="utf-8")
    text = text.replace("    funder: woonplaatsgemeente\n    valid_from: 2015-01-01",
                        "    funder: schoolgemeente\n    valid_from: 2015-01-01")
    (tmp_path / "school-betaalt.yaml").write_text(text, encoding="utf-8")
    engine = Engine(load_framework(tmp_path / "school-betaalt.yaml"))
    with pytest.raises(AssertionError, match=r"moving the school from Schiedam to .* changed who pays for individual "
                                             r"jeugdhulp: gemeente Schiedam betaalt"):
        assert_school_location_irrelevant(engine, INDIVIDUAL)
    # collective help is not individual jeugdhulp: the school may decide it
    collective = {**INDIVIDUAL, "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief"}}
    assert_school_location_irrelevant(engine, collective)
    assert "verpleging" not in INDIVIDUAL_YOUTH_CARE and "jeugdhulp" in INDIVIDUAL_YOUTH_CARE


def test_assert_no_funder_from_unknown_facts_fails_when_an_unknown_fact_would_change_the_funder():
    case = {**INDIVIDUAL, "kind": {k: v for k, v in INDIVIDUAL["kind"].items() if k != "wlz_indicatie"}}

    def guess_no_wlz(outcome, raw, calls):
        # what an engine that treats an unknown Wlz indication as "no" would answer
        decided = ENGINES["landelijk"].decide({**raw, "kind": {"wlz_indicatie": False, **raw["kind"]}}, settle=False)
        return decided if isinstance(decided, Decision) else outcome

    assert isinstance(ENGINES["landelijk"].decide(case, presume=False), Escalation), "without presumptions it asks"
    # the real engine presumes it openly, and the invariant accepts a fact the decision names as presumed
    openly = assert_no_funder_from_unknown_facts(ENGINES["landelijk"], case)
    assert "kind.wlz_indicatie" in {p.field for p in openly.presumptions}
    with pytest.raises(AssertionError, match=r"the decision rests on the unknown fact kind\.wlz_indicatie: with "
                                             r"kind\.wlz_indicatie = True the outcome is .*zorgkantoor.*"
                                             r"\[funder zorgkantoor\]\n  case: .*\n  outcome: gemeente Vlaardingen betaalt"):
        assert_no_funder_from_unknown_facts(_Tampered(ENGINES["landelijk"], guess_no_wlz), case)


def test_a_fallback_party_may_become_the_named_party():
    # the zorgverzekeraar is named by a fallback text until the case names the insurer
    case = {"peildatum": "2025-03-01", "kind": {"wlz_indicatie": False}, "hulpvraag": {"soort": "verpleging"}}
    outcome = assert_no_funder_from_unknown_facts(ENGINES["landelijk"], case)
    assert isinstance(outcome, Decision) and outcome.funder == "zorgverzekeraar"


# --- the kit is public, documented, and stays out of `import wiebetaalt` -------------------------------


def test_the_showcase_a_region_would_write_runs_under_pytest():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "examples/regio-test/"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b", done.stdout)


def test_the_showcase_is_the_example_in_the_docs():
    source = (ROOT / "examples" / "regio-test" / "test_waterweg.py").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    body = source.split('"""', 2)[2].strip()
    assert body in docs


def test_every_public_name_of_the_kit_is_documented():
    docs = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert list(kit.__all__) == sorted(kit.__all__)
    # what the kit's modules define and export is what the package exports, every name of it
    exported = [name for module in (strategies, aims, invariants) for name in module.__all__]
    assert sorted(exported) == list(kit.__all__)
    for module in (strategies, aims, invariants):
        defined = {n for n, v in vars(module).items()
                   if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__}
        assert defined <= set(module.__all__), module.__name__
    homes = {name: module for module in (strategies, aims, invariants) for name in module.__all__}
    assert all(getattr(kit, name) is getattr(homes[name], name) for name in kit.__all__)
    assert [name for name in kit.__all__ if f"`{name}" not in docs] == []


def test_importing_wiebetaalt_does_not_import_hypothesis():
    code = "import sys, wiebetaalt, wiebetaalt.cli.main; sys.exit('hypothesis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
