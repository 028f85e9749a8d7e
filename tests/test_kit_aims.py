"""The test kit aimed at each rule: explicit examples for every rule and party source
(``aimed_examples``), and cases on both sides of one rule's bounds (``cases(near=...)``)."""

from __future__ import annotations

import re

import pytest
from hypothesis import Phase, given, settings

from strategies import draw_many
from conftest import ROOT, RULES, bundled
from wiebetaalt import Decision, Engine, EscalationReason, load_framework, parse_case
from wiebetaalt.model.case import MUNICIPALITY_FIELDS
from wiebetaalt.testing import aimed_examples, assert_invariants, assert_school_location_irrelevant, cases

FRAMEWORKS = bundled()
NATIONAL = FRAMEWORKS["landelijk"]
ENGINES = {name: Engine(framework) for name, framework in FRAMEWORKS.items()}
WOONPLAATS = "jeugdhulp-individueel-woonplaats"
# kind.leeftijd gte 18, in force from 2015-01-01
EXTENDED = "verlengde-jeugdhulp-woonplaats"


def _aimed(framework, **kwargs):
    """The cases ``aimed_examples`` gives a test, in the order the test gets them."""
    seen = []

    @settings(phases=[Phase.explicit], database=None, deadline=None)
    @given(cases(framework, **kwargs))
    @aimed_examples(framework, **kwargs)
    def collect(case):
        seen.append(case)

    collect()
    return seen


def _field(case, path):
    section, _, name = path.partition(".")
    return case.get(section, {}).get(name)


def _decided_by(engine, case, rule_id):
    outcome = engine.decide(case, settle=False)
    return rule_id in outcome.rules and (
        isinstance(outcome, Decision) or outcome.reason is EscalationReason.GREY_ZONE)


def _without(case, path):
    return {section: ({k: v for k, v in values.items() if f"{section}.{k}" != path} if isinstance(values, dict)
                      else values) for section, values in case.items()}


def _failures(error):
    """The messages of an error and, for a group (several explicit examples failed), of each one in it."""
    if isinstance(error, BaseExceptionGroup):
        return [m for inner in error.exceptions for m in _failures(inner)]
    return [str(error)]


# --- the planted bug: the school's municipality pays for individual jeugdhulp ---------------------


@pytest.fixture(scope="module")
def school_pays(tmp_path_factory):
    """The national framework with its rule for individual jeugdhulp paid by the school's municipality."""
    text = (RULES / "landelijk.yaml").read_text(encoding="utf-8")
    start = text.index(f"  - id: {WOONPLAATS}\n")
    funder = text.index("    funder: woonplaatsgemeente\n", start)
    assert text.index("\n  - id: ", start + 1) > funder, "the funder line belongs to the rule"
    text = text[:funder] + "    funder: schoolgemeente\n" + text[funder + len("    funder: woonplaatsgemeente\n"):]
    path = tmp_path_factory.mktemp("geplant") / "school-betaalt.yaml"
    path.write_text(text, encoding="utf-8")
    framework = load_framework(path)
    return framework, Engine(framework)


# what assert_school_location_irrelevant says about the planted rule
PLANTED = (r"moving the school from .+ to .+ changed who pays for individual \w+: gemeente .+ betaalt "
           rf"\(regel {WOONPLAATS}\) \[funder schoolgemeente\]")


def test_the_documented_usage_catches_the_school_paying_for_individual_youth_care(school_pays):
    framework, engine = school_pays

    # as docs/testing.md shows it, made repeatable: the aimed examples find the bug on every run
    @settings(max_examples=100, deadline=None, derandomize=True, database=None)
    @given(cases(framework))
    @aimed_examples(framework)
    def test_every_case_keeps_the_invariants(case):
        assert_invariants(engine, case)

    with pytest.raises((AssertionError, BaseExceptionGroup)) as raised:
        test_every_case_keeps_the_invariants()
    assert any(re.search(PLANTED, message) for message in _failures(raised.value)), _failures(raised.value)


def test_the_aimed_examples_alone_catch_it(school_pays):
    framework, engine = school_pays
    failing = {}
    for case in _aimed(framework):
        try:
            assert_school_location_irrelevant(engine, case)
        except AssertionError as error:
            failing[str(error)] = case
    assert failing and all(re.search(PLANTED, message) for message in failing), list(failing)
    # a case the rule decides with the school elsewhere than where the child lives, and its twin with
    # the school in that municipality: moving the school shows the bug in both
    schools = {_field(c, "school.gemeente") == _field(c, "kind.brp_gemeente") for c in failing.values()}
    assert schools == {True, False}


# --- what aimed_examples gives --------------------------------------------------------------------


@pytest.mark.parametrize("name", FRAMEWORKS)
def test_every_rule_gets_a_case_it_decides_and_every_party_source_one_it_names_the_party(name):
    framework, engine = FRAMEWORKS[name], ENGINES[name]
    aimed = _aimed(framework)
    outcomes = [engine.decide(case, settle=False) for case in aimed]
    decided = {rule_id for outcome in outcomes for rule_id in outcome.rules
               if isinstance(outcome, Decision) or outcome.reason is EscalationReason.GREY_ZONE}
    assert decided == {rule.id for rule in framework.rules}
    funders = {f.id: f for f in framework.funders}

    def paying(funder_id):
        funder = funders.get(funder_id or "")
        parts = funder.split.parts if funder and funder.split else []
        return [funder, *(funders[p.funder] for p in parts if p.funder)] if funder else []

    # the party source the engine names the party through: the first in force whose condition holds
    named = set()
    for case, outcome in zip(aimed, outcomes):
        if isinstance(outcome, Decision):
            prepared = engine.prepare(case)
            true = engine.match(prepared).true
            for funder in paying(outcome.funder):
                named |= {next((s.id for s in funder.party or [] if s.in_force(prepared.peildatum)
                                and (s.when is None or s.id in true)), None)}
    reachable = {s.id for rule in framework.rules for f in paying(rule.funder) for s in f.party or []}
    assert reachable <= named


def test_a_rule_is_decided_at_its_bound_and_the_same_case_just_past_it_is_there_too():
    aimed = _aimed(NATIONAL)
    engine = ENGINES["landelijk"]
    # the first case the rule decides is the one aimed at it; gte 18 puts the age at 18
    case = next(c for c in aimed if _decided_by(engine, c, EXTENDED))
    assert _field(case, "kind.leeftijd") == 18
    younger = [c for c in aimed if _without(c, "kind.leeftijd") == _without(case, "kind.leeftijd")
               and _field(c, "kind.leeftijd") in (17, None)]
    assert younger and not _decided_by(engine, younger[0], EXTENDED)
    # the day before the rule comes into force
    before = {**case, "peildatum": "2014-12-31"}
    assert before in aimed and not _decided_by(engine, before, EXTENDED)


def _towns(case):
    return [_field(case, p) for p in MUNICIPALITY_FIELDS if _field(case, p) is not None]


def _apart_from_towns(case):
    for path in MUNICIPALITY_FIELDS:
        case = _without(case, path)
    return case


def test_municipalities_differ_in_an_aimed_case_and_are_the_same_in_its_twin():
    aimed = _aimed(NATIONAL)
    decided = [c for c in aimed if _decided_by(ENGINES["landelijk"], c, WOONPLAATS)]
    case = decided[0]
    towns = _towns(case)
    # the school and every source of the woonplaats's party, each another municipality: a party read
    # from the wrong field is then another party
    assert len(towns) > 2 and len(set(towns)) == len(towns), case
    twins = [c for c in aimed if _apart_from_towns(c) == _apart_from_towns(case) and len(_towns(c)) == len(towns)
             and len(set(_towns(c))) == 1]
    assert twins, "the same case with every municipality the one that pays"


def test_aimed_cases_keep_the_fixed_facts_and_peildata_and_are_valid():
    aimed = _aimed(NATIONAL, peildata=["2025-03-01"], fixed={"school.soort": "so", "kind.wlz_indicatie": None})
    assert len(aimed) > 20
    for case in aimed:
        parse_case(case)
        assert case["peildatum"] == "2025-03-01" and _field(case, "school.soort") == "so"
        assert _field(case, "kind.wlz_indicatie") is None


def test_the_same_framework_always_gives_the_same_aimed_cases():
    again = load_framework(RULES / "landelijk.yaml")  # another object: worked out anew
    assert again is not NATIONAL
    assert _aimed(again) == _aimed(NATIONAL)


@pytest.mark.parametrize(("framework", "kwargs", "error", "message"), [
    ("rules/landelijk.yaml", {}, TypeError, r"aimed_examples\(framework=\.\.\.\): expected a wiebetaalt Framework "
                                            r"\(load it first"),
    (NATIONAL, {"fixed": {"school.sort": "so"}}, ValueError,
     r"aimed_examples\(fixed=\.\.\.\): the case model has no field 'school.sort'; did you mean 'school.soort'"),
    (NATIONAL, {"peildata": ["2025-02-30"]}, ValueError, r"aimed_examples\(peildata=\.\.\.\): '2025-02-30' is not"),
])
def test_bad_arguments_of_aimed_examples_are_refused_when_it_is_built(framework, kwargs, error, message):
    with pytest.raises(error, match=message):
        aimed_examples(framework, **kwargs)


# --- cases(near=...) --------------------------------------------------------------------------------


def _holds(engine, case, rule_id):
    return rule_id in engine.match(engine.prepare(case)).true


def test_near_draws_both_sides_of_a_rules_bounds():
    engine = ENGINES["landelijk"]
    drawn = draw_many(cases(NATIONAL, near=EXTENDED), 150)
    holding = [c for c in drawn if _holds(engine, c, EXTENDED)]
    other = [c for c in drawn if not _holds(engine, c, EXTENDED)]
    assert len(holding) > 30 and len(other) > 30, "about half on each side"
    assert {_field(c, "kind.leeftijd") for c in holding} == {18}, "where it holds, the age is at the bound"
    assert 17 in {_field(c, "kind.leeftijd") for c in other}, "and just below it where it does not"
    assert None in {_field(c, "hulpvraag.verlengde_jeugdhulp") for c in other}, "or a fact it needs unknown"
    assert "2014-12-31" in {c["peildatum"] for c in other}, "or the day before it comes into force"
    for case in drawn:
        parse_case(case)


def test_near_a_rule_on_texts_draws_the_texts_it_names_and_others():
    framework, engine = FRAMEWORKS["waterweg"], ENGINES["waterweg"]
    rule_id = "waterweg-collectieve-jeugdhulp-op-school"
    drawn = draw_many(cases(framework, near=rule_id), 100)
    towns = {_field(c, "school.gemeente") for c in drawn if _holds(engine, c, rule_id)}
    assert towns and towns <= {"Schiedam", "Vlaardingen", "Maassluis"}
    elsewhere = {_field(c, "school.gemeente") for c in drawn if not _holds(engine, c, rule_id)}
    assert elsewhere - {"Schiedam", "Vlaardingen", "Maassluis", None}, "a school in a municipality it does not name"


def test_near_takes_a_rule_satisfying_refuses(tmp_path):
    # a rule that can never hold: cases in which it certainly does not
    text = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8").replace(
        "when: {field: hulpvraag.soort, eq: jeugdhulp}",
        "when: [{field: hulpvraag.soort, eq: jeugdhulp}, {field: hulpvraag.soort, in: [verpleging, rebound]}]")
    (tmp_path / "tegenspraak.yaml").write_text(text, encoding="utf-8")
    framework = load_framework(tmp_path / "tegenspraak.yaml")
    engine = Engine(framework)
    drawn = draw_many(cases(framework, near="jeugdhulp"), 50)
    assert drawn and not any(_holds(engine, c, "jeugdhulp") for c in drawn)
    # a rule not in force on any of the peildata: cases in which it would hold but for the date
    drawn = draw_many(cases(NATIONAL, near=WOONPLAATS, peildata=["2010-01-01"]), 50)
    assert not any(_holds(ENGINES["landelijk"], c, WOONPLAATS) for c in drawn)
    assert any(_field(c, "hulpvraag.toegang") == "individueel" for c in drawn)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"near": "jeugdhulp-individueel-woonplaat"}, ValueError,
     r"near=.*no rule 'jeugdhulp-individueel-woonplaat'; did you mean 'jeugdhulp-individueel-woonplaats'"),
    ({"near": 3}, TypeError, r"near=.*rule id"),
    ({"near": WOONPLAATS, "satisfying": WOONPLAATS}, ValueError, r"satisfying=\.\.\., near=\.\.\.\): give one"),
])
def test_bad_arguments_of_near_are_refused_when_the_strategy_is_built(kwargs, error, message):
    with pytest.raises(error, match=message):
        cases(NATIONAL, **kwargs)

