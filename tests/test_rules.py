"""Every example in every bundled rule file runs as a test: the framework's own promises."""

from __future__ import annotations

import pytest

from conftest import RULES
from wiebetaalt import Engine, check_example, load_framework
from wiebetaalt.loader import rule_files

EXAMPLES = [
    pytest.param(path, i, id=f"{path.stem}:{example.name}")
    for path in rule_files([RULES])
    for i, example in enumerate(load_framework(path).examples)
]
_engines: dict = {}


def _engine(path):
    if path not in _engines:
        _engines[path] = Engine(load_framework(path))
    return _engines[path]


def test_every_rule_file_has_examples_for_every_rule():
    for path in rule_files([RULES]):
        framework = load_framework(path)
        engine = _engine(path)
        exercised = set()
        for example in framework.examples:
            outcome = engine.decide(example.case)
            exercised |= set(outcome.rules)
        missing = {r.id for r in framework.rules} - exercised
        assert not missing, f"{path.name}: no example exercises {sorted(missing)}"


@pytest.mark.parametrize(("path", "index"), EXAMPLES)
def test_example(path, index):
    example = load_framework(path).examples[index]
    outcome = _engine(path).decide(example.case)
    mismatches = check_example(example.expect, outcome)
    assert not mismatches, "\n".join([*mismatches, f"uitkomst: {outcome.to_dict()}"])
