"""The compiler: deterministic plain data, three-valued patterns, validity windows, splitting."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings, strategies as st

from reference import truth as reference_truth
from strategies import _value, raw_cases
from wiebetaalt import Engine, FrameworkError
from wiebetaalt.model.case import CASE_FIELDS, parse_case
from wiebetaalt.engine.compiler import (
    CATCH_ALL, FIELD_KEYS, MAX_CONNECTIVES, MAX_PARTS, PEILDATUM_KEY, _connectives, case_fact, compile_framework,
)
from wiebetaalt.model.framework import Atom, Framework, Not


def test_compiling_twice_gives_the_same_json(national):
    first, second = compile_framework(national), compile_framework(national)
    assert json.dumps(first.ruleset, sort_keys=True) == json.dumps(second.ruleset, sort_keys=True)
    assert first.digest == second.digest


def test_every_rule_has_a_true_pattern_and_a_way_to_tell_unknown_and_a_catch_all_exists(national):
    compiled = compile_framework(national)
    kinds = {(state, item) for state, item in compiled.names.values()}
    complement = {item for item, _ in compiled.complement}
    for rule in national.rules:
        assert ("true", rule.id) in kinds
        assert ("unknown", rule.id) in kinds or (("false", rule.id) in kinds and rule.id in complement)
    assert compiled.ruleset[CATCH_ALL]["all"][0]["m"] == {"$ex": {"cid": 1}}


def test_a_rule_in_force_from_a_date_compiles_that_date_as_a_day_number(national):
    compiled = compile_framework(national)
    index = [r.id for r in national.rules].index("basisondersteuning-schoolbestuur")
    pattern = json.dumps(compiled.ruleset[f"t{index}"])
    assert json.dumps({"$gte": {PEILDATUM_KEY: national.rules[index].valid_from.toordinal()}}) in pattern


def test_negation_is_pushed_down_and_unknown_is_field_absence():
    from wiebetaalt.engine.compiler import false_pattern, true_pattern, unknown_pattern

    atom = Atom.model_validate({"field": "kind.leeftijd", "lt": 7})
    key = FIELD_KEYS["kind.leeftijd"]
    assert true_pattern(Not.model_validate({"not": {"field": "kind.leeftijd", "lt": 7}})) == {"$gte": {key: 7}}
    assert false_pattern(atom) == {"$gte": {key: 7}}
    assert unknown_pattern(atom) == {"$nex": {key: 1}}
    assert unknown_pattern(Atom.model_validate({"field": "kind.leeftijd", "known": True})) is None


def test_a_case_fact_holds_only_known_fields_under_short_keys():
    fact = case_fact(parse_case({"peildatum": "2025-03-01", "kind": {"leeftijd": 9}}))
    assert fact == {"cid": 1, PEILDATUM_KEY: 739311, FIELD_KEYS["kind.leeftijd"]: 9}
    assert not {"sid", "id"} & set(fact)


# --- patterns larger than durable accepts -------------------------------------------------------

_FIELDS = ["kind.leeftijd", "kind.verblijf", "kind.geheim_adres", "hulpvraag.soort", "hulpvraag.tijdens_schooltijd",
           "school.gemeente", "kind.brp_gemeente"]


def _with_condition(national: Framework, condition: dict) -> Framework:
    """The national framework with the condition of its first rule replaced."""
    data = national.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["rules"][0]["when"] = condition
    data["examples"] = []
    return Framework.model_validate(data)


@st.composite
def _atoms(draw: st.DrawFn) -> dict:
    field = draw(st.sampled_from(_FIELDS))
    kind = {"int": ["eq", "ne", "lt", "gte", "in", "known"], "bool": ["eq", "ne", "known"]}
    op = draw(st.sampled_from(kind.get(CASE_FIELDS[field].kind, ["eq", "ne", "in", "not_in", "known"])))
    if op == "known":
        return {"field": field, "known": draw(st.booleans())}
    if op in ("in", "not_in"):
        return {"field": field, op: draw(st.lists(_value(field), min_size=1, max_size=3, unique=True))}
    return {"field": field, op: draw(_value(field))}


_conditions = st.recursive(
    _atoms(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
        inner.map(lambda c: {"not": c}),
    ),
    max_leaves=14,
)
#: all of anys: small to write, and the shape whose unknown pattern durable refuses unsplit
_wide = st.lists(st.lists(_atoms(), min_size=2, max_size=3).map(lambda c: {"any": c}), min_size=2, max_size=3).map(
    lambda c: {"all": c})


def _agrees_with_reference(framework: Framework, raws: list[dict]) -> None:
    with Engine(framework) as engine:
        for raw in raws:
            case = engine.prepare(raw)
            assert engine.match(case) == reference_truth(framework, case), raw


def _states(compiled, item: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for state, ident in compiled.names.values():
        if ident == item:
            found[state] = found.get(state, 0) + 1
    return found


_SOME_CASES = [
    {"peildatum": "2025-03-01"},
    {"peildatum": "2025-03-01", "kind": {"verblijf": True}},
    {"peildatum": "2025-03-01", "kind": {"verblijf": False, "geheim_adres": False}},
    {"peildatum": "2025-03-01", "kind": {"verblijf": True}, "hulpvraag": {"soort": "jeugdhulp"}},
    {"peildatum": "2025-03-01", "kind": {"leeftijd": 9, "verblijf": False, "geheim_adres": True},
     "hulpvraag": {"tijdens_schooltijd": False, "soort": "basisondersteuning"}},
]


def test_all_of_two_anys_compiles_to_one_true_and_one_unknown_rule(national):
    # before the unknown pattern was built from "possibly true" and "possibly false", this
    # condition needed more than durable's 15 and/or groups in one pattern (error 113)
    condition = {"all": [
        {"any": [{"field": "kind.verblijf", "eq": True}, {"field": "kind.geheim_adres", "eq": True}]},
        {"any": [{"field": "hulpvraag.tijdens_schooltijd", "eq": True}, {"field": "hulpvraag.soort", "eq": "jeugdhulp"}]},
    ]}
    framework = _with_condition(national, condition)
    assert _states(compile_framework(framework), framework.rules[0].id) == {"true": 1, "unknown": 1}
    _agrees_with_reference(framework, _SOME_CASES)


def test_an_item_whose_unknown_pattern_is_too_large_gets_a_false_rule_and_the_complement(national):
    towns = [f"Gemeente{n}" for n in range(16)]
    condition = {"any": [{"field": "school.gemeente", "eq": t} for t in towns[:8]]
                 + [{"field": "kind.leeftijd", "eq": n} for n in range(4, 12)]}
    framework = _with_condition(national, condition)
    rule = framework.rules[0]
    compiled = compile_framework(framework)
    assert _states(compiled, rule.id) == {"true": 1, "false": 1}
    assert [item for item, _ in compiled.complement] == [rule.id]
    assert all(_connectives(r["all"][0]["m"]) <= MAX_CONNECTIVES for r in compiled.ruleset.values())
    before = (rule.valid_from - dt.timedelta(days=1)).isoformat() if rule.valid_from else "1990-01-01"
    _agrees_with_reference(framework, [
        *_SOME_CASES,
        {"peildatum": "2025-03-01", "school": {"gemeente": "Gemeente3"}},
        {"peildatum": "2025-03-01", "school": {"gemeente": "Elders"}, "kind": {"leeftijd": 15}},
        {"peildatum": "2025-03-01", "school": {"gemeente": "Elders"}},
        {"peildatum": before},  # not in force: neither true nor unknown
    ])


def test_a_pattern_with_more_and_or_groups_than_durable_takes_is_split(national):
    condition = {"all": [{"any": [{"field": "kind.leeftijd", "eq": n}, {"field": "school.gemeente", "eq": f"G{n}"}]}
                         for n in range(16)]}
    framework = _with_condition(national, condition)
    compiled = compile_framework(framework)
    states = _states(compiled, framework.rules[0].id)
    assert states["true"] > 1
    assert all(_connectives(r["all"][0]["m"]) <= MAX_CONNECTIVES for r in compiled.ruleset.values())
    _agrees_with_reference(framework, [
        *_SOME_CASES,
        {"peildatum": "2025-03-01", "kind": {"leeftijd": 3}, "school": {"gemeente": "G0"}},
    ])


@settings(max_examples=60)
@given(_conditions | _wide, st.lists(raw_cases(known=0.5), min_size=1, max_size=8))
def test_durable_agrees_with_the_reference_on_generated_conditions(national, condition, raws):
    try:
        framework = _with_condition(national, condition)
        engine = Engine(framework)
    except FrameworkError as error:
        assert {p.code for p in error.problems} == {"condition-too-large"}
        return
    with engine:
        for raw in raws:
            case = engine.prepare(raw)
            assert engine.match(case) == reference_truth(framework, case)


def test_a_condition_too_large_to_split_is_refused_with_its_path(national):
    # an all of n two-way anys splits into 2**(n - 14) patterns
    wide = [{"any": [{"field": "kind.leeftijd", "ne": n}, {"field": "school.gemeente", "ne": f"G{n}"}]} for n in range(22)]
    framework = _with_condition(national, {"all": wide})
    try:
        compile_framework(framework)
    except FrameworkError as error:
        (problem,) = error.problems
        assert problem.code == "condition-too-large" and problem.path == ("rules", 0, "when")
        assert str(MAX_PARTS) in problem.message or "steps" in problem.message
    else:
        raise AssertionError("an all of 22 anys compiled")
