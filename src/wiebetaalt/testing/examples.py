"""Run the examples of a framework: does every worked case give the outcome it expects?

An example (:class:`~wiebetaalt.model.framework.Example`) is a case with an
:class:`~wiebetaalt.model.framework.Expectation`. :func:`check_example` compares one expectation with one
outcome and returns the differences, each naming the field of ``expect`` it concerns;
:func:`run_examples` decides every example of a framework and returns an :class:`ExampleResult` per
example. ``wiebetaalt test``, the pytest plugin (:mod:`wiebetaalt.testing.pytest_plugin`) and the
project's own tests (tests/test_rules.py) are built on these. The differences are written in
Dutch, for the policymakers who write the examples; the wording, and how a result reads
(:func:`~wiebetaalt.testing.text.format_example_result`), is in :mod:`wiebetaalt.testing.text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..decision.outcome import Decision, Escalation, Outcome
from ..engine.engine import Engine
from ..model.framework import Example, Expectation, Framework, parse_share
from .text import describe, difference, listed, no_legal_basis, no_shares, other_parties, other_share


@dataclass(frozen=True)
class ExampleResult:
    """One example, decided: its case, what it expects, what came out, and how they differ."""

    name: str
    case: dict[str, Any]
    expected: Expectation
    outcome: Outcome
    #: Every difference between ``expected`` and ``outcome``, each starting with its field
    #: (``funder: …``, ``shares: …``); empty when the example passes.
    mismatches: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.mismatches

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "case": self.case,
            "expected": self.expected.model_dump(exclude_none=True),
            "outcome": self.outcome.to_dict(),
            "mismatches": list(self.mismatches),
        }


def check_example(expect: Expectation, outcome: Outcome) -> list[str]:
    """The differences between what an example expects and the outcome; empty when it passes.

    Every difference starts with the ``expect`` field it concerns (``funder: verwacht …, uitkomst
    …``). ``shares`` are compared exactly (``'51.5%'`` is 103/200, not about 0.515) and must name
    the same parties as the outcome; ``missing_facts`` and ``rules`` must match in order;
    ``legal_basis`` must occur in one of the outcome's citations; ``presumptions`` must name the
    fields of the presumptions the outcome rests on, in any order. When the outcome is of the other
    type (a decision where an escalation was expected, or the reverse), only that is reported of
    ``funder``/``entity``/``shares`` or ``escalation``/``missing_facts``/``route``; ``rules`` and
    ``legal_basis`` are still compared. With ``escalation: party_unknown`` a ``funder`` may be
    named too: the funder the law settles while its party is open.
    """
    found: list[str] = []
    if expect.escalation is None:
        if not isinstance(outcome, Decision):
            found.append(difference("funder", f"besluit voor {expect.funder}", describe(outcome)))
        else:
            if outcome.funder != expect.funder:
                found.append(difference("funder", expect.funder, outcome.funder))
            found += _status_fields(expect, outcome)
    else:
        if not isinstance(outcome, Escalation):
            found.append(difference("escalation", f"escalatie {expect.escalation}", describe(outcome)))
        else:
            if outcome.reason.value != expect.escalation:
                found.append(difference("escalation", expect.escalation, outcome.reason.value))
            if expect.funder is not None and outcome.funder != expect.funder:
                found.append(difference("funder", expect.funder, outcome.funder or "geen"))
            found += _status_fields(expect, outcome)
    if expect.rules is not None and list(outcome.rules) != expect.rules:
        found.append(difference("rules", listed(expect.rules), listed(outcome.rules)))
    if expect.legal_basis is not None and not any(expect.legal_basis in b.citation for b in outcome.legal_basis):
        found.append(no_legal_basis(expect.legal_basis, [b.citation for b in outcome.legal_basis]))
    presumed = [p.field for p in outcome.presumptions]
    if expect.presumptions is not None and sorted(presumed) != sorted(expect.presumptions):
        found.append(difference("presumptions", listed(expect.presumptions), listed(presumed)))
    return found


def _status_fields(expect: Expectation, outcome: Outcome) -> list[str]:
    """entity, shares and missing_facts, once the outcome is of the expected type."""
    found: list[str] = []
    entity = outcome.entity if isinstance(outcome, Decision) else None
    if expect.entity is not None and entity != expect.entity:
        found.append(difference("entity", repr(expect.entity), repr(entity)))
    if expect.shares is not None:
        found += _share_differences(expect.shares, outcome)
    facts = list(outcome.missing_facts) if isinstance(outcome, Escalation) else []
    if expect.missing_facts is not None and facts != expect.missing_facts:
        found.append(difference("missing_facts", listed(expect.missing_facts), listed(facts)))
    if expect.route is not None and isinstance(outcome, Escalation) and outcome.route.id != expect.route:
        found.append(difference("route", expect.route, outcome.route.id))
    return found


def _share_differences(expected: dict[str, str], outcome: Outcome) -> list[str]:
    shares = outcome.shares if isinstance(outcome, Decision) else ()
    if not shares:
        return [no_shares(len(expected), outcome)]
    actual = {share.entity: share for share in shares}
    found: list[str] = []
    absent = [entity for entity in expected if entity not in actual]
    extra = [entity for entity in actual if entity not in expected]
    if absent or extra:
        found.append(other_parties(absent, extra))
    total = sum(share.weight for share in shares)
    for entity, written in expected.items():
        share = actual.get(entity)
        if share is not None and parse_share(written) != share.fraction:
            found.append(other_share(entity, written.strip(), share.fraction, share.weight, total))
    return found


def run_examples(framework: Framework, engine: Engine | None = None) -> list[ExampleResult]:
    """Decide every example of ``framework``, in file order, and compare it with its expectation.

    Args:
        framework: a loaded framework (:func:`~wiebetaalt.load.loader.load_framework`).
        engine: the engine to decide with, for this framework (say, with your own postcode table);
            by default a new one, closed afterwards.

    Raises:
        ValueError: ``engine`` was built for another framework.
        CaseError: an example's case is invalid (never for a framework the loader accepted).
        EvaluationError: the matching engine failed.
    """
    if engine is not None and engine.framework is not framework and engine.framework != framework:
        raise ValueError("the engine was built for another framework")
    own = engine is None
    used = Engine(framework) if engine is None else engine
    try:
        return [run_example(example, used) for example in framework.examples]
    finally:
        if own:
            used.close()


def run_example(example: Example, engine: Engine) -> ExampleResult:
    """Decide one example with ``engine`` and compare the outcome with what the example expects.

    Raises:
        CaseError: the example's case is invalid (never for a framework the loader accepted).
        EvaluationError: the matching engine failed.
    """
    outcome = engine.decide(example.case, presume=example.presume)
    return ExampleResult(
        name=example.name,
        case=example.case,
        expected=example.expect,
        outcome=outcome,
        mismatches=tuple(check_example(example.expect, outcome)),
    )
