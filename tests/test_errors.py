"""Errors are data, and stay data when they cross into or out of a worker process."""

from __future__ import annotations

import pickle

from wiebetaalt import CaseError, CaseProblem, EvaluationError, Framework, FrameworkError, Problem
from wiebetaalt.batch.batch import decide_batch


def test_a_case_error_pickles_with_its_problems_and_source():
    error = CaseError([CaseProblem("kind.leeftijd", "must be a whole number", "0 to 30"),
                       CaseProblem("peildatum", "missing")], source="rij 3")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CaseError
    assert copy.problems == error.problems and copy.source == "rij 3" and str(copy) == str(error)


def test_a_framework_error_pickles_with_its_problems():
    error = FrameworkError([Problem("kader.yaml", 3, 5, "unknown-key", "unknown key 'x'", "did you mean 'y'?", ("a", 0))])
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
