"""Errors are data, and stay data when they cross into or out of a worker process."""

from __future__ import annotations

import errno
import pickle

import pytest

from wiebetaalt import CaseError, CaseProblem, EvaluationError, Framework, FrameworkError, Problem
from wiebetaalt.batch import decide_batch
from wiebetaalt.errors import did_you_mean, os_reason


def test_a_case_error_pickles_with_its_problems_and_source():
    error = CaseError([CaseProblem("kind.leeftijd", "must be a whole number", "0 to 30"),
                       CaseProblem("peildatum", "missing")], source="rij 3")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CaseError
    assert copy.problems == error.problems and copy.source == "rij 3" and str(copy) == str(error)


def test_a_framework_error_pickles_with_its_problems():
    error = FrameworkError([Problem("kader.yaml", 3, 5, "unknown-key", "onbekende sleutel 'x'", "bedoelt u 'y'?",
                                    ("a", 0))])
    copy = pickle.loads(pickle.dumps(error))
    assert copy.problems == error.problems and copy.problems[0].path == ("a", 0) and str(copy) == str(error)


def test_an_evaluation_error_pickles_with_its_message():
    assert str(pickle.loads(pickle.dumps(EvaluationError("durable_rules failed")))) == "durable_rules failed"


def test_case_errors_from_worker_processes_are_intact(national: Framework):
    cases = [{"peildatum": "2025-03-01", "kind": {"leeftijd": "negen"}}] * 3 + [{"peildatum": "2025-03-01"}] * 3
    results = list(decide_batch(national, cases, jobs=2, chunk_size=2, settle=False))
    alone = list(decide_batch(national, cases, jobs=1, chunk_size=2, settle=False))
    errors = [r for r in results if isinstance(r, CaseError)]
    assert len(errors) == 3
    for error, expected in zip(errors, alone):
        assert isinstance(expected, CaseError)
        assert error.problems == expected.problems and str(error) == str(expected)
        assert [p.field for p in error.problems] == ["kind.leeftijd"]


def test_did_you_mean_names_the_closest_choice_in_dutch():
    assert did_you_mean("jeugdhlp", ["onderwijs", "jeugdhulp", "wlz"]) == "bedoelt u 'jeugdhulp'?"
    assert did_you_mean("kind.leeftjd", ["kind.leeftijd"], shown=lambda c: f"{{{c}}}") == "bedoelt u {kind.leeftijd}?"


def test_did_you_mean_says_nothing_when_no_choice_is_close_or_the_text_is_very_long():
    assert did_you_mean("zorgverzekeraar", ["gemeente", "wlz"]) == ""
    assert did_you_mean("x", []) == ""
    # a long text is not compared at all (difflib's cost grows with the square), not even with itself
    long = "j" * 201
    assert did_you_mean(long, [long]) == ""
    assert did_you_mean(long[:200], [long[:200]]) == f"bedoelt u {long[:200]!r}?"


@pytest.mark.parametrize("number, reason", [
    (errno.ENOENT, "het bestand of de map bestaat niet"),
    (errno.EISDIR, "het is een map"),
    (errno.EACCES, "geen toegang"),
    (errno.ELOOP, "te veel symbolische links (een kring)"),
    (errno.ENOSPC, "de schijf is vol"),
])
def test_os_reason_gives_a_common_reason_in_dutch(number, reason):
    assert os_reason(OSError(number, "English words of the system", "kader.yaml")) == reason


def test_os_reason_falls_back_to_the_systems_words_for_an_uncommon_reason():
    assert os_reason(OSError(errno.EINVAL, "geen gewoon bestand maar een pipe of een apparaat")) == (
        "geen gewoon bestand maar een pipe of een apparaat"
    )
    assert os_reason(OSError("no errno at all")) == "no errno at all"
