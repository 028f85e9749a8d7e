"""The loader reports every problem in a rule file, each with a stable code at file:line:column.

tests/fixtures/invalid/<code>.yaml holds one small framework per problem code with exactly one
planted problem, on the line marked ``# expect: <code>``. The encoding fixture cannot carry a
readable marker (it is not valid UTF-8), so its expectation lives here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import MINIMAL_FRAMEWORK, ROOT, RULES
from wiebetaalt.errors import FrameworkError, Problem
from wiebetaalt.load.loader import check_framework, is_framework_file, load_framework, rule_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invalid"

#: Every problem code a rule file can produce (unreadable-file is tested apart: it needs no file).
CODES = {
    "yaml-syntax", "duplicate-key", "yaml-tag", "yaml-recursive", "yaml-too-large", "encoding",
    "empty-file", "wrong-type", "missing-key", "unknown-key", "invalid-value", "invalid-url",
    "empty-list", "empty-text", "missing-legal-basis", "operator-count", "rule-outcome",
    "example-expectation", "invalid-date", "duplicate-id", "unknown-funder", "unknown-rule",
    "unknown-route", "unknown-domain", "unknown-field", "wrong-value-type", "unknown-value",
    "operator-type", "invalid-period", "unknown-placeholder", "override-cycle", "invalid-example-case",
    "condition-too-large", "split-part", "invalid-base", "overlapping-versions", "presumption-not-allowed",
    "presumption-twice", "override-inverts-precedence",
}  # fmt: skip
# engine-limit has no fixture: the compiler keeps within every limit of durable known, so only a
# stand-in for durable can produce it (tests/test_durable_limits.py)

#: Expectations that cannot be written into the fixture itself: code -> (line, column).
EXPECTED_HERE = {"encoding": (4, 12)}  # the Latin-1 byte of "Test\xe9kader" on line 4

#: Fixtures whose problem the loader reports somewhere other than the marked line (a loader bug).
KNOWN_MISPLACED: dict[str, str] = {}

EXPECT = re.compile(rb"#\s*expect:\s*([a-z-]+)")


def expectations(data: bytes) -> list[tuple[int, str]]:
    """(line, code) of every ``# expect: <code>`` marker in a file, in order."""
    return [
        (number, match.group(1).decode())
        for number, line in enumerate(data.splitlines(), start=1)
        for match in EXPECT.finditer(line)
    ]


def formatted(problem: Problem) -> str:
    text = f"{problem.file}:{problem.line}:{problem.column}: {problem.code}: {problem.message}"
    return f"{text} ({problem.hint})" if problem.hint else text


def _fixture_params() -> list:
    params = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        reason = KNOWN_MISPLACED.get(path.stem)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


def test_there_is_one_fixture_per_code():
    assert {path.stem for path in FIXTURES.glob("*.yaml")} == CODES
    for path in FIXTURES.glob("*.yaml"):
        marked = expectations(path.read_bytes())
        if path.stem in EXPECTED_HERE:
            assert marked == []
        else:
            assert [code for _, code in marked] == [path.stem], f"{path.name} needs exactly one matching marker"


@pytest.mark.parametrize("path", _fixture_params())
def test_fixture_reports_exactly_its_planted_problem(path: Path):
    code = path.stem
    if code in EXPECTED_HERE:
        line, column = EXPECTED_HERE[code]
    else:
        ((line, _),) = expectations(path.read_bytes())
        column = None

    problems = check_framework(path)

    assert [(p.code, p.line) for p in problems] == [(code, line)], "\n".join(map(str, problems))
    (problem,) = problems
    if column is not None:
        assert problem.column == column
    assert problem.column >= 1
    assert problem.file == str(path)
    assert problem.message
    assert str(problem) == formatted(problem)
    assert str(problem).startswith(f"{path}:{line}:{problem.column}: {code}: {problem.message}")

    with pytest.raises(FrameworkError) as raised:
        load_framework(path)
    assert raised.value.problems == tuple(problems)
    assert str(raised.value) == "\n".join(str(p) for p in problems)


def test_national_framework_has_no_problems():
    path = RULES / "landelijk.yaml"
    assert check_framework(path) == []
    assert load_framework(path).framework == "landelijk"


# the minimal valid framework of conftest: every fixture here is a variation of it
SKELETON = MINIMAL_FRAMEWORK


def variant(tmp_path: Path, *replacements: tuple[str, str], name: str = "kader.yaml") -> Path:
    """Write SKELETON with each ``(old, new)`` applied once (``old`` must occur exactly once)."""
    text = SKELETON
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_skeleton_is_valid(tmp_path: Path):
    path = variant(tmp_path)
    assert check_framework(path) == []
    assert load_framework(path).rules[0].id == "jeugdhulp"


def test_every_problem_is_reported_at_once_sorted_by_position(tmp_path: Path):
    # Problems from all three passes (YAML, structure, meaning), planted out of order by pass.
    path = variant(
        tmp_path,
        ('version: "1"\n', 'version: "1"\nversion: "2"  # expect: duplicate-key\n'),
        ("default_route: tafel\n", "default_route: tafels  # expect: unknown-route\n"),
        ("  - id: jeugdhulp\n", "  - id: jeugdhulp  # expect: missing-key\n"),
        ("    title: Jeugdhulp", "    titel: Jeugdhulp"),
        ("titel: Jeugdhulp betaalt de gemeente\n", "titel: Jeugdhulp betaalt de gemeente  # expect: unknown-key\n"),
        ("eq: jeugdhulp}\n", "eq: jeugdhulp}\n    valid_from: 2025-02-30  # expect: invalid-date\n"),
        ("funder: gemeente\n    legal", "funder: gemeentee  # expect: unknown-funder\n    legal"),
        ("url: https://example.org/jeugdwet\n", "url: example.org/jeugdwet  # expect: invalid-url\n"),
        ("betaalt.\n", "betaalt {kind.gemeente}.  # expect: unknown-placeholder\n"),
        ("      hulpvraag:", "      kind: {leeftijd: 31}  # expect: invalid-example-case\n      hulpvraag:"),
        (
            "expect: {funder: gemeente}\n",
            "expect: {funder: gemeente, escalation: no_rule}  # expect: example-expectation\n",
        ),
    )
    planted = expectations(path.read_bytes())
    assert len(planted) == 10

    problems = check_framework(path)

    assert [(p.line, p.code) for p in problems] == planted
    assert problems == sorted(problems)
    with pytest.raises(FrameworkError) as raised:
        load_framework(path)
    assert raised.value.problems == tuple(problems)


def test_unknown_funder_names_the_closest_declared_funder(tmp_path: Path):
    path = variant(
        tmp_path,
        ("rules:\n", "  - id: schoolbestuur\n    name: Schoolbestuur\nrules:\n"),
        ("    funder: gemeente\n", "    funder: gemeentee\n"),
    )
    (problem,) = check_framework(path)
    assert problem == Problem(
        str(path), 25, 13, "unknown-funder", "onbekende betaler 'gemeentee'",
        "bedoelt u 'gemeente'? bekend: gemeente, schoolbestuur",
    )  # fmt: skip
    assert problem.path == ("rules", 0, "funder")
    assert str(problem) == (
        f"{path}:25:13: unknown-funder: onbekende betaler 'gemeentee' "
        "(bedoelt u 'gemeente'? bekend: gemeente, schoolbestuur)"
    )


def test_unknown_key_names_the_closest_key_and_all_allowed_keys():
    path = FIXTURES / "unknown-key.yaml"
    (problem,) = check_framework(path)
    assert (problem.line, problem.column, problem.code) == (21, 5, "unknown-key")
    assert problem.message == "onbekende sleutel 'titel'"
    assert problem.hint == (
        "bedoelt u 'title'? toegestaan: valid_from, valid_to, id, title, domain, when, funder, grey_zone, "
        "suggested_funder, overrides, route, interim_funder, legal_basis, explanation"
    )
    assert problem.path == ("rules", 0, "titel")


def test_unknown_enum_value_lists_the_allowed_values(tmp_path: Path):
    path = variant(tmp_path, ("{field: hulpvraag.soort, eq: jeugdhulp}", "{field: hulpvraag.toegang, eq: individuel}"))
    (problem,) = check_framework(path)
    assert str(problem) == (
        f"{path}:22:42: unknown-value: 'individuel' is geen waarde van hulpvraag.toegang "
        "(bedoelt u 'individueel'? toegestaan: individueel, collectief)"
    )
    assert problem.path == ("rules", 0, "when", "eq")


def test_unknown_key_at_the_top_level_lists_the_framework_keys(tmp_path: Path):
    path = variant(tmp_path, ("default_route:", "defaultroute:"))
    problems = check_framework(path)
    assert [(p.line, p.code) for p in problems] == [(1, "missing-key"), (6, "unknown-key")]
    assert problems[0].message == "het bestand mist de verplichte sleutel 'default_route'"
    assert problems[1].message == "onbekende sleutel 'defaultroute'"
    assert problems[1].hint == (
        "bedoelt u 'default_route'? toegestaan: schema_version, framework, extends, title, version, precedence, "
        "default_route, routes, funders, rules, presumptions, examples"
    )


@pytest.mark.parametrize("name", ["does-not-exist.yaml", "a-folder"])
def test_a_file_that_cannot_be_read_is_one_problem(tmp_path: Path, name: str):
    path = tmp_path / name
    if name == "a-folder":
        path.mkdir()
    problems = check_framework(path)
    assert [(p.file, p.line, p.column, p.code) for p in problems] == [(str(path), 1, 1, "unreadable-file")]
    assert problems[0].message == {"does-not-exist.yaml": "het bestand of de map bestaat niet",
                                   "a-folder": "het is een map"}[name]
    with pytest.raises(FrameworkError) as raised:
        load_framework(path)
    assert raised.value.problems == tuple(problems)


def test_rule_files_finds_yaml_and_yml_recursively(tmp_path: Path):
    for name in ["b.yaml", "a.yml", "sub/c.yaml", "sub/deeper/d.yml", "notes.txt", "sub/readme.md", "data.json"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("schema_version: 1\n")
    (tmp_path / "folder.yaml").mkdir()  # a folder with a rule-file name is not a rule file
    # a case beside the rule files is not one
    (tmp_path / "sub" / "casus.yaml").write_text("peildatum: 2025-03-01\nhulpvraag: {soort: jeugdhulp}\n")
    single = tmp_path / "elsewhere.txt"
    single.write_text("x: 1\n")

    found = rule_files([tmp_path])

    assert sorted(p.relative_to(tmp_path).as_posix() for p in found) == [
        "a.yml", "b.yaml", "sub/c.yaml", "sub/deeper/d.yml",
    ]  # fmt: skip
    assert found == sorted(found)
    # A file named directly is taken as given, whatever its name.
    assert rule_files([single, tmp_path / "sub"]) == [single, tmp_path / "sub/c.yaml", tmp_path / "sub/deeper/d.yml"]
    assert rule_files([RULES]) == [RULES / "landelijk.yaml", RULES / "regio" / "heuvelland.yaml", RULES / "regio" / "waterweg.yaml"]


# ---------------------------------------------------------------------------------------------
# Regression tests for loader bugs found by these fixtures (each was a strict xfail until fixed).


def test_unknown_key_in_a_condition_names_that_key(tmp_path: Path):
    path = variant(tmp_path, ("eq: jeugdhulp}", "eq: jeugdhulp, value: 1}"))
    (problem,) = check_framework(path)
    assert (problem.line, problem.column, problem.code) == (22, 51, "unknown-key")
    assert problem.message == "onbekende sleutel 'value'"


def test_unknown_key_in_a_list_of_conditions_is_a_problem_not_a_crash(tmp_path: Path):
    path = variant(
        tmp_path,
        ("{field: hulpvraag.soort, eq: jeugdhulp}", "\n      - {field: hulpvraag.soort, eq: jeugdhulp, x: 1}"),
    )
    (problem,) = check_framework(path)
    assert (problem.line, problem.code, problem.message) == (23, "unknown-key", "onbekende sleutel 'x'")


def test_every_missing_key_of_a_mapping_is_reported(tmp_path: Path):
    path = variant(
        tmp_path, ("    title: Jeugdhulp betaalt de gemeente\n", ""), ("    explanation: De gemeente betaalt.\n", "")
    )
    messages = [p.message for p in check_framework(path)]
    assert messages == [
        "rules[0] mist de verplichte sleutel 'explanation'", "rules[0] mist de verplichte sleutel 'title'",
    ]  # fmt: skip


def test_invalid_date_message_quotes_the_date():
    (problem,) = check_framework(FIXTURES / "invalid-date.yaml")
    assert problem.code == "invalid-date"
    assert problem.message == "rules[0].valid_from: geen geldige datum '2025-02-30'; schrijf JJJJ-MM-DD"


def test_a_recursive_alias_is_reported_at_the_alias_not_the_anchor():
    (problem,) = check_framework(FIXTURES / "yaml-recursive.yaml")
    assert (problem.line, problem.column, problem.code) == (16, 15, "yaml-recursive")  # `*gemeente`


def test_a_control_character_is_a_problem_not_a_crash(tmp_path: Path):
    path = variant(tmp_path, ("title: Testkader", "title: Test\x07kader"))
    (problem,) = check_framework(path)
    assert (problem.line, problem.code) == (3, "yaml-syntax")


@pytest.mark.parametrize("atom, accepted", [
    ("{field: kind.leeftijd, lt: 31}", True),   # "every age": one past the range
    ("{field: kind.leeftijd, gt: -1}", True),
    ("{field: kind.leeftijd, lte: 30}", True),
    ("{field: kind.leeftijd, lt: 32}", False),
    ("{field: kind.leeftijd, gte: 31}", False),  # never true
    ("{field: kind.leeftijd, eq: 31}", False),
])
def test_an_age_bound_may_lie_one_past_the_range_only_where_that_still_means_something(tmp_path: Path, atom, accepted):
    path = variant(tmp_path, ("{field: hulpvraag.soort, eq: jeugdhulp}", atom))
    codes = [p.code for p in check_framework(path)]
    assert codes == ([] if accepted else ["unknown-value"])


def test_an_operator_written_as_null_does_not_hide_the_value_check(tmp_path: Path):
    path = variant(tmp_path, ("{field: hulpvraag.soort, eq: jeugdhulp}", "{field: kind.verblijf, eq: 5, ne: null}"))
    assert [p.code for p in check_framework(path)] == ["wrong-value-type"]


def test_an_id_that_is_too_long_is_an_invalid_value_not_a_wrong_type(tmp_path: Path):
    path = variant(tmp_path, ("  - id: jeugdhulp\n", f"  - id: {'j' * 81}\n"))
    (problem,) = check_framework(path)
    assert (problem.line, problem.code) == (19, "invalid-value")
    assert "80 tekens" in problem.message


def test_a_date_in_another_iso_form_is_refused(tmp_path: Path):
    path = variant(tmp_path, ("eq: jeugdhulp}\n", "eq: jeugdhulp}\n    valid_from: '20150101'\n"))
    assert [p.code for p in check_framework(path)] == ["invalid-date"]


def test_an_example_route_must_exist_and_belong_to_an_escalation(tmp_path: Path):
    unknown = variant(tmp_path, ("expect: {funder: gemeente}", "expect: {escalation: grey_zone, route: tafl}"))
    (problem,) = check_framework(unknown)
    assert (problem.line, problem.code) == (33, "unknown-route") and "bedoelt u 'tafel'?" in problem.hint
    decided = variant(tmp_path, ("expect: {funder: gemeente}", "expect: {funder: gemeente, route: tafel}"),
                      name="besluit.yaml")
    (problem,) = check_framework(decided)
    assert problem.code == "example-expectation" and "alleen een escalatie heeft een route" in problem.message


@pytest.mark.parametrize("escape", ["\\e[31m", "\\u200b", "\\u202e", "\\x07"])
def test_an_escape_that_writes_an_invisible_character_into_a_text_is_a_located_problem(tmp_path, escape):
    basis = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
    line = "    explanation: De gemeente {kind.brp_gemeente} betaalt."
    assert line in basis
    path = tmp_path / "kader.yaml"
    path.write_text(basis.replace(line, f'    explanation: "De gemeente {escape}{{kind.brp_gemeente}} betaalt."'),
                    encoding="utf-8")
    [problem] = check_framework(path)
    assert (problem.code, problem.line, problem.path) == ("invalid-value", 28, ("rules", 0, "explanation"))
    assert "positie 13" in problem.message


@pytest.mark.parametrize("written, column", [("leeftijdd: 11", 41), ("leeftijd: negen", 51)])
def test_a_problem_in_an_example_case_is_at_the_unknown_key_or_at_the_wrong_value(tmp_path, written, column):
    # the meaning pass tells the two apart by the case problem's message; this pins where each lands
    basis = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
    line = "      kind: {brp_gemeente: Vlaardingen}"
    assert line in basis
    path = tmp_path / "kader.yaml"
    path.write_text(basis.replace(line, f"      kind: {{brp_gemeente: Vlaardingen, {written}}}"), encoding="utf-8")
    [problem] = check_framework(path)
    assert (problem.code, problem.line, problem.column) == ("invalid-example-case", 33, column)
    assert problem.message.startswith("casusveld kind.leeftijd")


def test_line_breaks_and_tabs_in_a_text_are_fine(tmp_path):
    basis = (ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
    path = tmp_path / "kader.yaml"
    path.write_text(basis.replace("    explanation: De gemeente {kind.brp_gemeente} betaalt.",
                                  '    explanation: "De gemeente\\n\\t{kind.brp_gemeente} betaalt."'), encoding="utf-8")
    assert check_framework(path) == []


@pytest.mark.parametrize(("text", "framework"), [
    ("schema_version: 1\n", True),
    ("framework: regio\nextends: ../landelijk.yaml\n", True),  # an overlay that forgot its version
    ("rules: []\n", True),
    ("peildatum: 2025-03-01\nkind: {leeftijd: 9}\n", False),  # a case
    ("- 1\n- 2\n", False),
    ("", False),
    ("framework: regio\nrules: [\n", True),  # too broken to read, but says what it is
    ("peildatum: [\n", False),  # a broken case
])
def test_a_framework_file_is_told_from_a_case_by_its_keys(tmp_path: Path, text: str, framework: bool):
    path = tmp_path / "bestand.yaml"
    path.write_text(text, encoding="utf-8")
    assert is_framework_file(path) is framework
