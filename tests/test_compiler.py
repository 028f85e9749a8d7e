"""The compiler: golden output for the bundled frameworks, three-valued patterns, validity windows,
splitting.

The compiled rulesets of the three bundled frameworks are kept in ``tests/golden/<name>.json`` and
compared byte for byte: a change in what the compiler emits (or in the bundled rules) fails here
with a summary of what changed. When the change is meant, regenerate the files and review their
diff like code::

    WIEBETAALT_UPDATE_GOLDEN=1 python -m pytest tests/test_compiler.py -k golden
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st

from condition_strategies import atoms, conditions
from conftest import ROOT, RULES
from reference import truth as reference_truth
from strategies import raw_cases
from wiebetaalt import Engine, FrameworkError, load_framework
from wiebetaalt.engine.compiler import CATCH_ALL, CompiledFramework, compile_framework
from wiebetaalt.engine.fact import FIELD_KEYS, PEILDATUM_KEY, case_fact
from wiebetaalt.engine.patterns import (
    _ATOM_PATTERNS, MAX_CONNECTIVES, MAX_PARTS, connectives, false_pattern, true_pattern, unknown_pattern,
)
from wiebetaalt.model.case import parse_case
from wiebetaalt.model.conditions import OPERATORS, Atom, Not
from wiebetaalt.model.framework import Framework

GOLDEN = ROOT / "tests" / "golden"
#: the bundled frameworks, by the name of their golden file
BUNDLED = {"landelijk": RULES / "landelijk.yaml", "waterweg": RULES / "regio" / "waterweg.yaml",
           "heuvelland": RULES / "regio" / "heuvelland.yaml"}
_UPDATE = os.environ.get("WIEBETAALT_UPDATE_GOLDEN") == "1"


def _line(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def golden_text(compiled: CompiledFramework) -> str:
    """``compiled`` as stable JSON: top-level keys sorted, one durable rule (or name, part) per line,
    so that a diff of the file names the rules that changed."""
    data: dict[str, Any] = {
        "framework": compiled.framework.framework,
        "digest": compiled.digest,
        "keys": sorted(compiled.keys),
        "complement": [[item, period.valid_from and period.valid_from.isoformat(),
                        period.valid_to and period.valid_to.isoformat()] for item, period in compiled.complement],
        "names": {name: list(state) for name, state in compiled.names.items()},
        "parts": [list(part) for part in compiled.parts],
        "ruleset": compiled.ruleset,
    }
    out = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict) and value:
            members = [f"  {_line(k)}: {_line(v)}" for k, v in sorted(value.items())]
            out.append(f" {_line(key)}: {{\n" + ",\n".join(members) + "\n }")
        elif isinstance(value, list) and value:
            out.append(f" {_line(key)}: [\n" + ",\n".join(f"  {_line(v)}" for v in value) + "\n ]")
        else:
            out.append(f" {_line(key)}: {_line(value)}")
    return "{\n" + ",\n".join(out) + "\n}\n"


def golden_difference(expected: str, actual: str, limit: int = 40) -> str:
    """What changed between two golden texts, for a person: per top-level key the durable rules (or
    names, parts) added, removed and changed, then the first lines of the diff."""
    summary = []
    old, new = json.loads(expected), json.loads(actual)
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict):
            added = sorted(after.keys() - before.keys())
            removed = sorted(before.keys() - after.keys())
            changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
            summary.append(f"{key}: {len(added)} added {added[:10]}, {len(removed)} removed {removed[:10]}, "
                           f"{len(changed)} changed {changed[:10]}")
        else:
            summary.append(f"{key}: {_line(before)[:200]} -> {_line(after)[:200]}")
    lines = list(difflib.unified_diff(expected.splitlines(), actual.splitlines(), "golden", "compiled", n=0,
                                      lineterm=""))
    shown = [line[:240] for line in lines[:limit]] + ([f"... {len(lines) - limit} more lines"] if len(lines) > limit else [])
    return "\n".join(["the compiler's output differs from the golden file:", *summary, *shown,
                      "if the change is meant: WIEBETAALT_UPDATE_GOLDEN=1 python -m pytest tests/test_compiler.py -k golden"])


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_the_compiled_bundled_frameworks_match_their_golden_files(name: str):
    actual = golden_text(compile_framework(load_framework(BUNDLED[name])))
    path = GOLDEN / f"{name}.json"
    if _UPDATE:
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, golden_difference(expected, actual)


def test_a_changed_compilation_is_summarised_by_the_rules_it_changes(national):
    compiled = compile_framework(national)
    expected = golden_text(compiled)
    ruleset = dict(compiled.ruleset)
    ruleset["t0"] = {**ruleset["t0"], "pri": 3}
    del ruleset["u1"]
    changed = CompiledFramework(compiled.framework, ruleset, compiled.names, compiled.complement, compiled.digest,
                                compiled.keys, compiled.parts)
    message = golden_difference(expected, golden_text(changed))
    assert "ruleset: 0 added [], 1 removed ['u1'], 1 changed ['t0']" in message
    assert "WIEBETAALT_UPDATE_GOLDEN=1" in message


def test_every_operator_of_the_conditions_table_has_a_durable_pattern():
    assert tuple(_ATOM_PATTERNS) == OPERATORS


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
#: operators per kind: few enough that generated conditions often fit durable unsplit
_OPERATORS = {"int": ("eq", "ne", "lt", "gte", "in", "known"), "bool": ("eq", "ne", "known"),
              "str": ("eq", "ne", "in", "not_in", "known"), "enum": ("eq", "ne", "in", "not_in", "known")}


def _with_condition(national: Framework, condition: dict) -> Framework:
    """The national framework with the condition of its first rule replaced."""
    data = national.model_dump(mode="json", by_alias=True, exclude_none=True)
    data["rules"][0]["when"] = condition
    data["examples"] = []
    return Framework.model_validate(data)


_conditions = conditions(atoms(_FIELDS, _OPERATORS))
#: all of anys: small to write, and the shape whose unknown pattern durable refuses unsplit
_wide = st.lists(st.lists(atoms(_FIELDS, _OPERATORS), min_size=2, max_size=3).map(lambda c: {"any": c}),
                 min_size=2, max_size=3).map(lambda c: {"all": c})


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
    assert all(connectives(r["all"][0]["m"]) <= MAX_CONNECTIVES for r in compiled.ruleset.values())
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
    assert all(connectives(r["all"][0]["m"]) <= MAX_CONNECTIVES for r in compiled.ruleset.values())
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
