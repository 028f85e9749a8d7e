"""Robustness, fast: bench/robustness.py's generators and checks on a few inputs of every kind.

The script itself (``python bench/robustness.py``) tries 10,000 rule files, 100,000 cases and a
million decisions; here every kind of input is tried a few times, and the inputs that once raised
something other than the documented errors are kept as regression tests.
"""

from __future__ import annotations

import sys
import time

import pytest

from conftest import ROOT, RULES
from wiebetaalt import (CaseError, Engine, EvaluationError, Framework, FrameworkError, check_framework,
                        load_framework, parse_case)
from wiebetaalt.load.yaml import MAX_CHARS, MAX_DEPTH, MAX_NODES, read_yaml

# the worker processes of the watcher import the script by name, so its folder goes on the path
sys.path.insert(0, str(ROOT / "bench"))
import robustness  # noqa: E402

SEED = 7


def first_of_each(schedule: list[str], skip: frozenset[str] = frozenset()) -> list[int]:
    return [schedule.index(kind) for kind in dict.fromkeys(schedule) if kind not in skip]


def assert_clean(tally: robustness.Tally) -> None:
    assert tally.failures == [], "\n".join(f"#{i} ({kind}): {what}" for i, kind, what in tally.failures)


def test_every_kind_of_generated_rule_file_loads_or_gives_located_problems():
    # a huge file takes seconds; the limits that bound it are tested below
    indices = first_of_each(robustness.RULE_SCHEDULE, frozenset({"huge", *WIDE}))
    tally = robustness.run_in_process("rule-files", indices, seed=SEED)
    assert_clean(tally)
    assert set(tally.tried) == set(robustness.RULE_SCHEDULE) - {"huge", *WIDE}
    assert tally.count("problems") and tally.count("loaded")


WIDE = ("wide-overlay", "open-together")


def test_wide_overlays_load_and_decide_sparse_cases_in_watched_workers():
    # the shapes that once crashed the process (durable out of stack on rules open together): run
    # in worker processes, so that a crash is counted and the other inputs still run
    indices = [i for i, kind in enumerate(robustness.RULE_SCHEDULE) if kind in WIDE][:6]
    tally = robustness.supervise("rule-files", len(robustness.RULE_SCHEDULE), seed=SEED, workers=2, bound=60.0,
                                 chunk=1, indices=indices)
    assert_clean(tally)
    assert sum(tally.tried[kind] for kind in WIDE) == 6 and tally.count("decided") == 6


def test_every_kind_of_generated_case_gives_an_outcome_or_a_case_error():
    count = 4 * len(robustness.CASE_SCHEDULE)
    tally = robustness.run_in_process("cases", range(count), seed=SEED)
    assert_clean(tally)
    assert set(tally.tried) == set(robustness.CASE_SCHEDULE)
    assert tally.count("case-error") and tally.count("outcome")


def test_the_watcher_counts_a_hang_and_a_crash_and_runs_every_other_input():
    tally = robustness.supervise("watcher-selftest", 10, seed=SEED, workers=2, bound=1.0, chunk=4)
    assert sorted((i, what.split()[0]) for i, _, what in tally.failures) == [(3, "hang"), (6, "crash")]
    assert tally.tried["selftest"] == 10
    assert tally.count("outcome") == 8


def test_threads_deciding_on_one_engine_get_the_serial_outcomes():
    result = robustness.threads_part(SEED, threads=3, cases_per_thread=80)
    assert result["decisions"] == 240
    assert result["mismatches"] == 0 and result["errors"] == []


def test_memory_stays_flat_over_a_run_of_decisions():
    result = robustness.memory_part(SEED, decisions=2000, engines=3)
    assert result["end"] - result["start"] < 8 * robustness.MIB


# --- The limits that bound the time to read any rule file (each once found by the script) ----


def test_a_file_nested_deeper_than_the_limit_is_a_problem_not_a_recursion_error(tmp_path):
    for text in ["a: " + "[" * 5000 + "]" * 5000, "a: " + "{b: " * 5000 + "1" + "}" * 5000,
                 "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 300))]:
        document = read_yaml(text)
        assert [issue.code for issue in document.issues] == ["yaml-too-large"]
        assert document.issues[0].message == f"in het bestand zijn lijsten en mappings meer dan {MAX_DEPTH} niveaus diep genest"
    path = tmp_path / "diep.yaml"
    path.write_text("schema_version: 1\nrules: " + "[" * 2000 + "]" * 2000 + "\n", encoding="utf-8")
    [problem] = check_framework(path)
    assert (problem.line, problem.code) == (2, "yaml-too-large")


def test_nesting_up_to_the_limit_still_reads():
    depth = MAX_DEPTH - 1  # the top-level mapping is one level
    document = read_yaml("a: " + "[" * depth + "x" + "]" * depth)
    assert document.issues == []


def test_a_file_longer_than_the_limit_is_refused_before_it_is_parsed(tmp_path):
    document = read_yaml("a: b\n" * (MAX_CHARS // 5 + 1))
    assert [(i.code, i.message) for i in document.issues] == [
        ("yaml-too-large", f"het bestand heeft meer dan {MAX_CHARS} tekens")]
    path = tmp_path / "groot.yaml"
    path.write_bytes(b"schema_version: 1\ntitle: " + b"x" * (5 * MAX_CHARS) + b"\n")
    started = time.perf_counter()
    [problem] = check_framework(path)
    assert problem.code == "yaml-too-large" and time.perf_counter() - started < 1


def test_a_long_run_of_values_stops_at_the_node_limit_while_it_is_read(monkeypatch: pytest.MonkeyPatch):
    # reading MAX_NODES values takes seconds, so the limit is lowered; what counts is where it stops
    assert len("a: [" + "1," * (MAX_NODES + 10) + "1]") < MAX_CHARS
    monkeypatch.setattr("wiebetaalt.load.yaml.MAX_NODES", 1000)
    document = read_yaml("a: [" + "1," * 5000 + "1]")
    assert [(issue.code, issue.mark.line) for issue in document.issues] == [("yaml-too-large", 1)]
    assert document.issues[0].mark.column < 2 * 1000 + 10  # stopped while reading, not after


def test_an_overlay_extending_a_device_that_never_ends_is_refused(tmp_path):
    overlay = tmp_path / "regio.yaml"
    overlay.write_text((ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
                       + "extends: /dev/zero\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as error:
        load_framework(overlay)
    assert [p.code for p in error.value.problems] == ["invalid-base"]
    assert "/dev/zero" in str(error.value)


def test_a_split_part_whose_funder_is_a_mapping_is_a_problem_not_a_type_error(tmp_path):
    text = (RULES / "regio" / "waterweg.yaml").read_text(encoding="utf-8")
    text = text.replace("- {funder: schoolgemeente, weight: 40}", "- {funder: {id: schoolgemeente}, weight: 40}", 1)
    path = tmp_path / "regio" / "waterweg.yaml"
    path.parent.mkdir()
    path.write_text(text.replace("extends: ../landelijk.yaml", f"extends: {RULES / 'landelijk.yaml'}"),
                    encoding="utf-8")
    codes = {p.code for p in check_framework(path)}
    assert codes == {"wrong-type"}


@pytest.mark.parametrize("target", ['"\\ud800"', '"a\\x00b"'], ids=["a lone surrogate", "a NUL byte"])
def test_an_overlay_extending_a_name_that_is_no_path_is_refused(tmp_path, target: str):
    overlay = tmp_path / "regio.yaml"
    overlay.write_text((ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
                       + f"extends: {target}\n", encoding="utf-8")
    [problem] = check_framework(overlay)
    assert (problem.line, problem.code) == (36, "invalid-base")
    assert "is geen bruikbaar pad" in problem.message and "\x00" not in problem.message


@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"], ids=["NEL", "LS", "PS"])
def test_lines_are_counted_as_an_editor_counts_them(separator: str):
    # YAML 1.1 (PyYAML) also breaks lines at these characters; YAML 1.2 and editors do not
    document = read_yaml(f"title: \"een{separator}twee\"\nrules: !!x 1\n")
    assert [(issue.code, issue.mark.line, issue.mark.column) for issue in document.issues] == [("yaml-tag", 2, 8)]


# --- Cases that once raised something other than CaseError ------------------------------------


@pytest.mark.parametrize("case", [
    pytest.param({"peildatum": "\ud800"}, id="a lone surrogate in a date"),
    pytest.param({"peildatum": "2025-03-01", "hulpvraag": {"soort": robustness.nested(5000, "list")}},
                 id="a deeply nested value for a choice"),
    pytest.param({"peildatum": "2025-03-01", "hulpvraag": {"soort": robustness.nested(5000, "dict")}},
                 id="a deeply nested mapping for a choice"),
])
def test_a_case_that_once_raised_another_error_gives_a_case_error(case, engine: Engine):
    with pytest.raises(CaseError):
        parse_case(case)
    with pytest.raises(CaseError):
        engine.decide(case, settle=False)


def test_a_case_error_quotes_huge_input_briefly_and_still_suggests_a_spelling():
    with pytest.raises(CaseError) as error:
        parse_case({"peildatum": "x" * 1_000_000, "hulpvraag": {"soort": "y" * 1_000_000}})
    assert len(str(error.value)) < 2000
    with pytest.raises(CaseError) as error:
        parse_case({"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhlp"}})
    assert "hulpvraag.soort: onbekende waarde; bedoelt u 'jeugdhulp'?; verwacht een van" in str(error.value)
