"""The strict YAML reader: plain data, YAML 1.2 core scalars only, and a source map."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from wiebetaalt.load.yaml import MAX_CHARS, MAX_NODES, Document, Mark, NotARegularFile, read_file, read_yaml, shown


def codes(document: Document) -> list[str]:
    return [issue.code for issue in document.issues]


@pytest.mark.parametrize(
    "text",
    ["no", "No", "NO", "off", "on", "yes", "y", "n", "2025-03-01", "010", "0o17", "0x1F", "1_000", ".inf", "12:30"],
)
def test_yaml_1_1_values_stay_text(text: str):
    document = read_yaml(f"value: {text}\n")
    assert document.issues == []
    assert document.data == {"value": text}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True), ("false", False), ("True", True), ("FALSE", False),
        ("0", 0), ("7", 7), ("-3", -3), ("+12", 12), ("2026", 2026), ("1.5", 1.5),
        ("null", None), ("~", None), ("", None),
        ('"true"', "true"), ("'7'", "7"), ('"null"', "null"),
    ],
)  # fmt: skip
def test_core_scalars_resolve_and_quoted_text_stays_text(text: str, value: object):
    document = read_yaml(f"value: {text}\n")
    assert document.issues == []
    assert document.data == {"value": value}
    assert type(document.data["value"]) is type(value)


def test_a_duplicate_key_is_reported_at_the_second_key_with_the_first_in_the_hint():
    document = read_yaml("title: een\nrules:\n  - id: a\n    id: b\ntitle: twee\n")
    assert [(i.code, i.mark, i.message, i.hint) for i in document.issues] == [
        ("duplicate-key", Mark(4, 5), "sleutel 'id' komt twee keer voor", "eerst op regel 3; houd er één"),
        ("duplicate-key", Mark(5, 1), "sleutel 'title' komt twee keer voor", "eerst op regel 1; houd er één"),
    ]
    assert document.data == {"title": "een", "rules": [{"id": "a"}]}  # the first one is kept


calls: list[object] = []


def record(*args: object) -> str:
    calls.append(args)
    return "constructed"


class Recorder:
    def __init__(self, *args: object) -> None:
        calls.append(args)


@pytest.mark.parametrize(
    "text",
    [
        f"a: !!python/object/apply:{__name__}.record [boom]\n",
        f"a: !!python/object/new:{__name__}.Recorder [boom]\n",
        f"a: !!python/object:{__name__}.Recorder {{x: 1}}\n",
        f"a: !!python/name:{__name__}.record ''\n",
        "a: !!python/object/apply:os.system [echo pwned]\n",
    ],
)
def test_python_tags_are_reported_and_never_constructed(text: str):
    calls.clear()
    document = read_yaml(text)
    assert calls == []
    assert codes(document) == ["yaml-tag"]
    issue = document.issues[0]
    assert issue.mark == Mark(1, 4)
    assert issue.message.startswith("tag 'tag:yaml.org,2002:python/")
    assert issue.hint == "een regelbestand bevat gewone gegevens: haal de tag weg"
    # What is left is plain data: the tag is dropped, nothing else.
    assert document.data["a"] in (["boom"], {"x": 1}, "", ["echo pwned"])


def test_a_local_tag_is_reported_too():
    document = read_yaml("a: !vault geheim\n")
    assert [(i.code, i.message) for i in document.issues] == [("yaml-tag", "tag '!vault' is niet toegestaan")]
    assert document.data == {"a": "geheim"}


@pytest.mark.parametrize("text", ["a: &x [1, *x]\n", "a: &x\n  b: 1\n  c: *x\n"])
def test_a_recursive_alias_is_reported_and_cut(text: str):
    document = read_yaml(text)
    assert codes(document) == ["yaml-recursive"]
    assert document.issues[0].message == "een alias verwijst naar de structuur waarin hij zelf staat"
    assert document.data in ({"a": [1, None]}, {"a": {"b": 1, "c": None}})


@pytest.mark.parametrize(
    ("text", "mark", "data"),
    [
        ("a: &x\n  b: *x\n", Mark(2, 6), {"a": {"b": None}}),
        ("a: &x\n  b:\n    c: *x\n", Mark(3, 8), {"a": {"b": {"c": None}}}),
        ("a: &x\n  b:\n    - 1\n    - *x\n", Mark(4, 7), {"a": {"b": [1, None]}}),
        ("a: &x\n  b:\n    c:\n      - 1\n      - d: *x\n", Mark(5, 12), {"a": {"b": {"c": [1, {"d": None}]}}}),
        ("- &x\n  - [1, *x]\n", Mark(2, 9), [[[1, None]]]),
    ],
)
def test_a_recursive_alias_is_reported_at_the_alias_however_deep(text: str, mark: Mark, data: object):
    document = read_yaml(text)
    assert [(i.code, i.mark) for i in document.issues] == [("yaml-recursive", mark)]
    assert document.data == data


def test_a_loop_entered_through_an_ordinary_alias_is_still_reported_at_the_recursive_alias():
    # The second item reaches the loop through *inner, so the edge that closes it while building is
    # the plain nesting of `inner` in `outer`; the problem is still the alias *outer.
    document = read_yaml("- &outer\n  inner: &inner\n    back: *outer\n- *inner\n")
    assert [(i.code, i.mark) for i in document.issues] == [("yaml-recursive", Mark(3, 11))] * 2
    assert document.data == [{"inner": {"back": None}}, {"back": {"inner": None}}]


def test_a_non_recursive_alias_is_expanded():
    document = read_yaml("a: &x {b: 1}\nc: *x\n")
    assert document.issues == []
    assert document.data == {"a": {"b": 1}, "c": {"b": 1}}


def test_an_alias_bomb_stops_at_the_node_limit():
    # Nine short lines that would expand to 10**9 values; the reader must stop at MAX_NODES.
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 9)]

    document = read_yaml("\n".join(lines) + "\n")

    assert codes(document) == ["yaml-too-large"]
    assert document.issues[0].message == f"het bestand groeit uit tot meer dan {MAX_NODES} waarden (aliassen meegeteld)"
    assert document.issues[0].mark.line == 1  # where the counter tripped: inside the innermost list
    assert document.data is None
    # Every value built gets one entry in the source map (each expansion has its own path), so
    # this counts the work done: it stopped at the first value over the limit.
    assert len(document.values) == MAX_NODES + 1


def test_a_syntax_error_is_an_issue_with_its_position():
    document = read_yaml("title: a\nrules:\n  - id: x\n   name: y\n")
    assert document.data is None
    ((code, mark),) = [(i.code, i.mark) for i in document.issues]
    assert code == "yaml-syntax"
    assert mark.line == 4


@pytest.mark.parametrize("text", ["", "\n", "# only a comment\n", "---\n"])
def test_an_empty_document_has_no_data_and_no_issues(text: str):
    document = read_yaml(text)
    assert document.data is None
    assert document.issues == []


SOURCE = """\
title: Test
rules:
  - id: eerste
    when: {field: kind.leeftijd, gte: 7}
    legal_basis:
      - citation: Jeugdwet
        url: https://example.org
"""


def test_the_source_map_gives_1_based_positions_of_nested_values_and_keys():
    document = read_yaml(SOURCE)
    assert document.issues == []
    values, keys = document.values, document.keys
    assert values[()] == Mark(1, 1)
    assert keys[("title",)] == Mark(1, 1)
    assert values[("title",)] == Mark(1, 8)
    assert keys[("rules",)] == Mark(2, 1)
    assert values[("rules", 0)] == Mark(3, 5)  # a list item is where its mapping starts
    assert keys[("rules", 0, "id")] == Mark(3, 5)
    assert values[("rules", 0, "id")] == Mark(3, 9)
    assert keys[("rules", 0, "when")] == Mark(4, 5)
    assert values[("rules", 0, "when")] == Mark(4, 11)
    assert keys[("rules", 0, "when", "gte")] == Mark(4, 34)
    assert values[("rules", 0, "when", "gte")] == Mark(4, 39)
    assert keys[("rules", 0, "legal_basis", 0, "url")] == Mark(7, 9)
    assert values[("rules", 0, "legal_basis", 0, "url")] == Mark(7, 14)
    assert document.mark(("rules", 0, "when", "gte")) == Mark(4, 39)
    assert document.mark(("rules", 0, "when", "gte"), key=True) == Mark(4, 34)


def test_mark_falls_back_to_the_nearest_existing_ancestor():
    document = read_yaml(SOURCE)
    # Missing leaves fall back to their parent value ...
    assert document.mark(("rules", 0, "title")) == Mark(3, 5)
    assert document.mark(("rules", 0, "when", "field", "nested")) == Mark(4, 19)
    assert document.mark(("rules", 0, "legal_basis", 3, "url")) == Mark(6, 7)
    assert document.mark(("rules", 5)) == Mark(3, 3)
    # ... asking for a key prefers the key, then the value, then an ancestor ...
    assert document.mark(("rules", 0, "nope"), key=True) == Mark(3, 5)
    assert document.mark(("rules", 0), key=True) == Mark(3, 5)
    # ... and a path of which nothing exists is the top of the file.
    assert document.mark(("elders", "diep")) == Mark(1, 1)
    assert document.mark(()) == Mark(1, 1)
    assert read_yaml("").mark(("a",)) == Mark(1, 1)


def test_a_control_character_is_an_issue_not_an_exception():
    document = read_yaml("a: 1\nb: x\x07y\n")
    assert document.data is None
    assert [(i.code, i.mark.line) for i in document.issues] == [("yaml-syntax", 2)]


# --- issue 13, item 12: reading a rule file is bounded, and so is every message about a key


def test_a_duplicate_key_of_any_length_gives_a_short_message():
    key = "k" * 400_000  # a plain key ends at 1024 characters; an explicit one (?) does not
    document = read_yaml(f"? {key}\n: 1\n? {key}\n: 2\n")
    (issue,) = document.issues
    assert issue.code == "duplicate-key"
    assert issue.message == f"sleutel '{'k' * 40}…' komt twee keer voor"


def test_shown_quotes_text_short_and_without_control_characters():
    assert shown("valid_until") == "'valid_until'"
    assert shown("x" * 1000) == "'" + "x" * 40 + "…'"
    assert shown("a\x1b[2Jb\u200b") == "'a\\x1b[2Jb\\u200b'"
    assert shown(7) == "7"


def test_read_file_reads_at_most_the_limit_and_one_byte_more(tmp_path):
    path = tmp_path / "kader.yaml"
    path.write_bytes(b"a" * 100)
    assert read_file(path, 1000) == b"a" * 100
    assert read_file(path, 10) == b"a" * 11  # one more than the limit: the caller can tell it is too long


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_read_file_refuses_what_is_no_regular_file_at_once(tmp_path, kind):
    import os

    path = {"fifo": tmp_path / "kader.yaml", "device": "/dev/zero", "folder": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    start = time.monotonic()
    with pytest.raises(OSError) as caught:
        read_file(path, MAX_CHARS)
    assert time.monotonic() - start < 2
    if kind == "folder":  # what opening a folder as a file always said
        assert isinstance(caught.value, IsADirectoryError) and caught.value.strerror == "Is a directory"
    else:
        assert isinstance(caught.value, NotARegularFile)
        assert caught.value.strerror == "geen gewoon bestand maar een pipe of een apparaat"


def _check_in_thread(path):
    import threading

    from wiebetaalt import check_framework

    found: list[object] = []
    worker = threading.Thread(target=lambda: found.append(check_framework(path)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    return worker, found


def test_a_rule_file_that_is_a_fifo_is_refused_not_waited_for(tmp_path):
    import os

    path = tmp_path / "kader.yaml"
    os.mkfifo(path)
    worker, found = _check_in_thread(path)
    hanging = worker.is_alive()
    if hanging:  # let the reader go: open the other end and close it
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=5)
    assert not hanging
    (problems,) = found
    assert [p.code for p in problems] == ["unreadable-file"]


def test_a_huge_unknown_key_in_a_rule_file_gives_a_short_problem(tmp_path):
    from wiebetaalt import check_framework

    basis = Path(__file__).resolve().parent.parent / "docs" / "voorbeeld" / "basis.yaml"
    path = tmp_path / "kader.yaml"
    path.write_text(basis.read_text(encoding="utf-8") + "? " + "k" * 900_000 + "\n: 1\n", encoding="utf-8")
    problems = [p for p in check_framework(path) if p.code == "unknown-key"]
    assert problems and all(len(str(p)) < 1000 for p in problems)
