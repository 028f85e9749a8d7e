"""The JSON Schema of rule files (``wiebetaalt schema``) agrees with the loader where it can.

Editors check a rule file against the schema while it is typed, so the schema must never mark a
file that ``wiebetaalt check`` accepts; where JSON Schema can say what the loader refuses, it
should mark that too. The loader is the reference in every comparison here.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import TypeAdapter, ValidationError

from conftest import MINIMAL_FRAMEWORK
from wiebetaalt.load.yaml import read_yaml
from wiebetaalt.load.loader import check_framework
from wiebetaalt.model.framework import LegalBasis, Text
from wiebetaalt.model.schema import framework_json_schema

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

SCHEMA = framework_json_schema()
# Editors that assert `format` (date, uri) are stricter than the spec's default; test as they do.
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)

#: Shipped frameworks that are broken on purpose, and the schema errors they must show.
BROKEN_ON_PURPOSE = {"docs/voorbeeld/kapot.yaml": {("rules", 0, "grey_zone")}}

#: Problem codes of tests/fixtures/invalid whose fixture the schema refuses as well. The others
#: need the whole file (references, ids, cycles, periods), the meaning of a case field, the YAML
#: text itself, or the compiled rule, none of which JSON Schema sees.
SCHEMA_REFUSES = {
    "wrong-type", "missing-key", "unknown-key", "invalid-value", "invalid-url", "empty-list",
    "empty-text", "missing-legal-basis", "operator-count", "rule-outcome", "example-expectation",
    "invalid-date", "unknown-field",
}  # fmt: skip


def schema_errors(data: Any) -> list[str]:
    return [
        "/".join(map(str, error.absolute_path)) + ": " + error.message
        for error in sorted(VALIDATOR.iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    ]


def read(path: Path) -> Any:
    # the project's reader, not yaml.safe_load: it keeps dates and `no` as the text the loader sees
    document = read_yaml(path.read_text(encoding="utf-8"))
    assert not document.issues, document.issues
    return document.data


def shipped_frameworks() -> list[Path]:
    """Every framework in the places users copy from; cases (casus-*, examples/) are left out."""
    candidates = [
        *sorted((ROOT / "rules").glob("*.yaml")),
        *sorted((ROOT / "examples").glob("*.yaml")),
        *sorted((ROOT / "docs" / "voorbeeld").glob("*.yaml")),
    ]
    for entry in sorted(FIXTURES.glob("valid*")):
        candidates.extend(sorted(entry.rglob("*.yaml")) if entry.is_dir() else [entry])
    return [p for p in candidates if isinstance(data := read(p), dict) and "schema_version" in data]


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- the schema itself ---------------------------------------------------------------------------


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_schema_is_plain_json():
    # what `wiebetaalt schema` writes must read back as the same schema
    assert json.loads(json.dumps(SCHEMA)) == SCHEMA


# -- shipped frameworks ----------------------------------------------------------------------------


def test_the_shipped_frameworks_are_found():
    found = {relative(p) for p in shipped_frameworks()}
    assert {"rules/landelijk.yaml", "docs/voorbeeld/basis.yaml", "docs/voorbeeld/regio.yaml"} <= found
    assert set(BROKEN_ON_PURPOSE) <= found
    assert not any(name.startswith("examples/") or "/casus-" in name for name in found)


@pytest.mark.parametrize("path", shipped_frameworks(), ids=relative)
def test_a_shipped_framework_passes_the_schema_exactly_when_it_loads(path: Path):
    errors = schema_errors(read(path))
    if relative(path) in BROKEN_ON_PURPOSE:
        assert check_framework(path), "a framework broken on purpose loads"
        flagged = {tuple(e.absolute_path) for e in VALIDATOR.iter_errors(read(path))}
        assert BROKEN_ON_PURPOSE[relative(path)] <= flagged, errors
    else:
        assert not check_framework(path)
        assert errors == []


def test_the_national_framework_uses_a_bare_list_under_when():
    # the case the schema used to refuse; keep it covered if the file is ever rewritten
    rules = read(ROOT / "rules" / "landelijk.yaml")["rules"]
    assert any(isinstance(rule["when"], list) for rule in rules)


# -- invalid fixtures ----------------------------------------------------------------------------


def invalid_fixtures() -> list[Path]:
    return [p for p in sorted((FIXTURES / "invalid").glob("*.yaml")) if p.stem in SCHEMA_REFUSES]


def test_every_code_the_schema_refuses_has_a_fixture():
    assert {p.stem for p in invalid_fixtures()} == SCHEMA_REFUSES


@pytest.mark.parametrize("path", invalid_fixtures(), ids=lambda p: p.stem)
def test_the_schema_refuses_a_structural_mistake(path: Path):
    assert check_framework(path)
    assert schema_errors(read(path))


# -- the schema against the loader, case by case -------------------------------------------------

ATOM = {"field": "kind.verblijf", "eq": True}
OTHER = {"field": "kind.leeftijd", "gte": 4}

def _base() -> dict[str, Any]:
    """The shared minimal framework, with a condition under its party source as well as its rule."""
    data: dict[str, Any] = read_yaml(MINIMAL_FRAMEWORK).data
    data["funders"][0]["party"][0]["when"] = ATOM
    data["rules"][0]["when"] = ATOM
    data["examples"][0]["case"] = {"peildatum": "2025-03-01", "kind": {"verblijf": True}}
    return data


BASE = _base()

_files = itertools.count()
_DROP = object()


def loader_problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    # JSON is YAML, and writing it keeps every string a string for the strict reader
    path = tmp_path / f"kader-{next(_files)}.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    return [p.code for p in check_framework(path)]


def agree(tmp_path: Path, data: dict[str, Any], loads: bool) -> None:
    """The loader gives the verdict the table states, and the schema gives the same one."""
    problems = loader_problems(tmp_path, data)
    assert (not problems) == loads, problems
    errors = schema_errors(data)
    assert (not errors) == loads, errors or "the schema accepts what the loader refuses"


def with_rule(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    rule = data["rules"][0]
    for key, value in changes.items():
        if value is _DROP:
            rule.pop(key, None)
        else:
            rule[key] = value
    return data


def with_party_when(when: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["funders"][0]["party"][0]["when"] = when
    return data


WHEN = {
    "one atom": (ATOM, True),
    "bare list": ([ATOM, OTHER], True),
    "bare list of one": ([ATOM], True),
    "bare list, nested any/all/not": ([{"any": [ATOM, {"not": OTHER}]}, {"all": [{"not": {"any": [OTHER]}}]}], True),
    "nested all/any/not": ({"all": [{"any": [ATOM, {"not": {"all": [OTHER]}}]}]}, True),
    "empty bare list": ([], False),
    "empty all": ({"all": []}, False),
    "bare list under not": ({"not": [ATOM]}, False),
    "bare list inside all": ({"all": [[ATOM, OTHER]]}, False),
    "bare list inside a bare list": ([[ATOM]], False),
    "two operators": ({"field": "kind.verblijf", "eq": True, "ne": False}, False),
    "three operators": ({"field": "kind.leeftijd", "gte": 4, "lt": 12, "in": [5]}, False),
    "no operator": ({"field": "kind.verblijf"}, False),
    "no field": ({"eq": True}, False),
    # an operator left null does not count, for the loader as for the schema
    "a second operator null": ({"field": "kind.verblijf", "eq": True, "ne": None}, True),
    "only a null operator": ({"field": "kind.verblijf", "eq": None}, False),
    "empty in": ({"field": "kind.leeftijd", "in": []}, False),
    "all beside field": ({"all": [ATOM], "field": "kind.verblijf"}, False),
    "all beside any": ({"all": [ATOM], "any": [OTHER]}, False),
    "unknown operator": ({"field": "kind.verblijf", "is": True}, False),
    "unknown case field": ({"field": "kind.verblijven", "eq": True}, False),
    "text instead of a condition": ("kind.verblijf", False),
    "null": (None, False),
}


@pytest.mark.parametrize(("when", "loads"), WHEN.values(), ids=WHEN.keys())
def test_rule_when(tmp_path: Path, when: Any, loads: bool):
    agree(tmp_path, with_rule(when=when), loads)


@pytest.mark.parametrize(("when", "loads"), WHEN.values(), ids=WHEN.keys())
def test_party_source_when(tmp_path: Path, when: Any, loads: bool):
    # a party source may leave `when` out or null: it then always applies
    agree(tmp_path, with_party_when(when), loads or when is None)


def test_a_party_source_without_when(tmp_path: Path):
    data = copy.deepcopy(BASE)
    del data["funders"][0]["party"][0]["when"]
    agree(tmp_path, data, True)


OUTCOME = {
    "funder": ({}, True),
    "funder, grey_zone false": ({"grey_zone": False}, True),
    "grey zone with a suggestion": ({"funder": _DROP, "grey_zone": True, "suggested_funder": "gemeente"}, True),
    "grey zone without a suggestion": ({"funder": _DROP, "grey_zone": True}, True),
    "grey zone, funder null": ({"funder": None, "grey_zone": True}, True),
    "grey zone with a funder": ({"grey_zone": True}, False),
    "neither funder nor grey zone": ({"funder": _DROP}, False),
    "funder null": ({"funder": None}, False),
    "suggestion outside a grey zone": ({"suggested_funder": "gemeente"}, False),
    "suggestion null outside a grey zone": ({"suggested_funder": None}, True),
    "grey_zone as text": ({"grey_zone": "nee"}, False),
}


@pytest.mark.parametrize(("changes", "loads"), OUTCOME.values(), ids=OUTCOME.keys())
def test_rule_outcome(tmp_path: Path, changes: dict[str, Any], loads: bool):
    agree(tmp_path, with_rule(**changes), loads)


EXPECT = {
    "funder": ({"funder": "gemeente"}, True),
    "escalation": ({"escalation": "no_rule"}, True),
    "funder and escalation null": ({"funder": "gemeente", "escalation": None}, True),
    "both": ({"funder": "gemeente", "escalation": "no_rule"}, False),
    "neither": ({"rules": ["jeugdhulp"]}, False),
    "both null": ({"funder": None, "escalation": None}, False),
    "unknown missing fact": ({"escalation": "missing_facts", "missing_facts": ["kind.verblijven"]}, False),
    "escalation with its route": ({"escalation": "no_rule", "route": "tafel"}, True),
    "decision with a route": ({"funder": "gemeente", "route": "tafel"}, False),
    "decision with a null route": ({"funder": "gemeente", "route": None}, True),
}


@pytest.mark.parametrize(("expect", "loads"), EXPECT.values(), ids=EXPECT.keys())
def test_example_expectation(tmp_path: Path, expect: dict[str, Any], loads: bool):
    data = copy.deepcopy(BASE)
    data["examples"][0]["expect"] = expect
    agree(tmp_path, data, loads)


OTHER_KEYS = {
    "precedence twice the same": (("precedence",), ["jeugdwet", "jeugdwet"], False),
    "party field that is no party": (("funders", 0, "party", 0, "field"), "kind.leeftijd", False),
    "party field unknown": (("funders", 0, "party", 0, "field"), "kind.gemeente", False),
    "title of spaces": (("title",), " \t ", False),
    "title of a no-break space": (("title",), "\u00a0", False),
    "url without scheme": (("rules", 0, "legal_basis", 0, "url"), "example.org/jeugdwet", False),
    "url with capitals": (("rules", 0, "legal_basis", 0, "url"), "HTTPS://example.org/jeugdwet", True),
    "ftp url": (("rules", 0, "legal_basis", 0, "url"), "ftp://example.org/jeugdwet", False),
    "route url without scheme": (("routes", 0, "url"), "www.example.org", False),
    "id with capitals": (("rules", 0, "id"), "Jeugdhulp", False),
}


@pytest.mark.parametrize(("where", "value", "loads"), OTHER_KEYS.values(), ids=OTHER_KEYS.keys())
def test_other_keys(tmp_path: Path, where: tuple[str | int, ...], value: Any, loads: bool):
    data = copy.deepcopy(BASE)
    node: Any = data
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value
    agree(tmp_path, data, loads)


# -- patterns against the validators they stand for ------------------------------------------------


def test_the_text_pattern_refuses_exactly_what_strip_whitespace_empties():
    pattern = re.compile(SCHEMA["properties"]["title"]["pattern"])
    text = TypeAdapter(Text)
    # every whitespace character of Unicode lies below U+3100, except U+FEFF (whitespace to ECMA-262)
    for char in map(chr, [*range(0x3100), 0xFEFF]):
        try:
            text.validate_python(char)
            loads = True
        except ValidationError:
            loads = False
        assert bool(pattern.search(char)) == loads, f"U+{ord(char):04X}"


URL_STARTS = ["https://", "http://", "HTTPS://", "HtTp://", "https:", "https:/", "ftp://", " https://", "\thttp://", ""]



# a host-like part first, or nearly every generated URL would fail on its host alone
@given(st.sampled_from(URL_STARTS), st.text("ab9.-", max_size=8), st.text(st.characters(codec="utf-8"), max_size=12))
def test_the_url_pattern_never_refuses_a_url_the_loader_accepts(start: str, host: str, rest: str):
    url = start + host + rest
    pattern = re.compile(SCHEMA["$defs"]["LegalBasis"]["properties"]["url"]["pattern"])
    try:
        LegalBasis.model_validate({"citation": "c", "url": url})
    except ValidationError:
        return
    assert pattern.search(url)
