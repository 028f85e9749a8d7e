"""The compiler: deterministic plain data, three-valued patterns, validity windows."""

from __future__ import annotations

import json

from wiebetaalt.compiler import CATCH_ALL, FIELD_KEYS, PEILDATUM_KEY, case_fact, compile_framework
from wiebetaalt.case import parse_case
from wiebetaalt.model import Atom, Not


def test_compiling_twice_gives_the_same_json(national):
    first, second = compile_framework(national), compile_framework(national)
    assert json.dumps(first.ruleset, sort_keys=True) == json.dumps(second.ruleset, sort_keys=True)
    assert first.digest == second.digest


def test_every_rule_has_a_true_and_an_unknown_pattern_and_a_catch_all_exists(national):
    compiled = compile_framework(national)
    kinds = {(state, item) for state, item in compiled.names.values()}
    for rule in national.rules:
        assert ("true", rule.id) in kinds and ("unknown", rule.id) in kinds
    assert compiled.ruleset[CATCH_ALL]["all"][0]["m"] == {"$ex": {"cid": 1}}


def test_a_rule_in_force_from_a_date_compiles_that_date_as_a_day_number(national):
    compiled = compile_framework(national)
    index = [r.id for r in national.rules].index("basisondersteuning-schoolbestuur")
    pattern = json.dumps(compiled.ruleset[f"t{index}"])
    assert json.dumps({"$gte": {PEILDATUM_KEY: national.rules[index].valid_from.toordinal()}}) in pattern


def test_negation_is_pushed_down_and_unknown_is_field_absence():
    from wiebetaalt.compiler import false_pattern, true_pattern, unknown_pattern

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
