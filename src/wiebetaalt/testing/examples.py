"""Run the examples of a framework: does every worked case give the outcome it expects?

An example (:class:`~wiebetaalt.model.framework.Example`) is a case with an
:class:`~wiebetaalt.model.framework.Expectation`. :func:`check_example` compares one expectation with one
outcome and returns the differences, each naming the field of ``expect`` it concerns;
:func:`run_examples` decides every example of a framework and returns an :class:`ExampleResult` per
example; :func:`format_example_result` writes one result as ``wiebetaalt test`` prints it.
``wiebetaalt test``, the pytest plugin (:mod:`wiebetaalt.testing.pytest_plugin`) and the project's own tests
(tests/test_rules.py) are built on these. The differences are written in Dutch, for the
policymakers who write the examples.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine.engine import Engine
from ..model.framework import Example, Expectation, Framework, parse_share
from ..decision.outcome import Decision, Escalation, Outcome


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


def share_text(fraction: Fraction) -> str:
    """An exact share as an example writes it: '60%', '51.5%', or '1/3' when no decimal is exact."""
    percent = fraction * 100
    rest, twos, fives = percent.denominator, 0, 0
    while rest % 2 == 0:
        rest, twos = rest // 2, twos + 1
    while rest % 5 == 0:
        rest, fives = rest // 5, fives + 1
    if rest != 1:  # no decimal notation is exact
        return f"{fraction.numerator}/{fraction.denominator}"
    digits = max(twos, fives)
    scaled = percent * 10**digits
    whole, decimals = divmod(scaled.numerator, 10**digits)
    return f"{whole}.{str(decimals).rjust(digits, '0')}%" if digits else f"{whole}%"


def _listed(items: Any) -> str:
    return "[" + ", ".join(str(item) for item in items) + "]"


def _describe(outcome: Outcome) -> str:
    if isinstance(outcome, Decision):
        return f"besluit ({outcome.entity} betaalt)"
    return f"escalatie ({outcome.reason.value})"


def check_example(expect: Expectation, outcome: Outcome) -> list[str]:
    """The differences between what an example expects and the outcome; empty when it passes.

    Every difference starts with the ``expect`` field it concerns (``funder: verwacht …, uitkomst
    …``). ``shares`` are compared exactly (``'51.5%'`` is 103/200, not about 0.515) and must name
    the same parties as the outcome; ``missing_facts`` and ``rules`` must match in order;
    ``legal_basis`` must occur in one of the outcome's citations. When the outcome is of the other
    kind (a decision where an escalation was expected, or the reverse), only that is reported of
    ``funder``/``entity``/``shares`` or ``escalation``/``missing_facts``/``route``; ``rules`` and
    ``legal_basis`` are still compared.
    """
    found: list[str] = []
    if expect.funder is not None:
        if not isinstance(outcome, Decision):
            found.append(f"funder: verwacht besluit voor {expect.funder}, uitkomst {_describe(outcome)}")
        else:
            if outcome.funder != expect.funder:
                found.append(f"funder: verwacht {expect.funder}, uitkomst {outcome.funder}")
            found += _status_fields(expect, outcome)
    else:
        if not isinstance(outcome, Escalation):
            found.append(f"escalation: verwacht escalatie {expect.escalation}, uitkomst {_describe(outcome)}")
        else:
            if outcome.reason.value != expect.escalation:
                found.append(f"escalation: verwacht {expect.escalation}, uitkomst {outcome.reason.value}")
            found += _status_fields(expect, outcome)
    if expect.rules is not None and list(outcome.rules) != expect.rules:
        found.append(f"rules: verwacht {_listed(expect.rules)}, uitkomst {_listed(outcome.rules)}")
    if expect.legal_basis is not None and not any(expect.legal_basis in b.citation for b in outcome.legal_basis):
        cited = "; ".join(b.citation for b in outcome.legal_basis)
        found.append(
            f"legal_basis: verwacht een citaat met {expect.legal_basis!r}, uitkomst "
            + (f"citeert alleen: {cited}" if cited else "heeft geen rechtsgrond")
        )
    return found


def _status_fields(expect: Expectation, outcome: Outcome) -> list[str]:
    """entity, shares and missing_facts, once the outcome is of the expected kind."""
    found: list[str] = []
    entity = outcome.entity if isinstance(outcome, Decision) else None
    if expect.entity is not None and entity != expect.entity:
        found.append(f"entity: verwacht {expect.entity!r}, uitkomst {entity!r}")
    if expect.shares is not None:
        found += _share_differences(expect.shares, outcome)
    facts = list(outcome.missing_facts) if isinstance(outcome, Escalation) else []
    if expect.missing_facts is not None and facts != expect.missing_facts:
        found.append(f"missing_facts: verwacht {_listed(expect.missing_facts)}, uitkomst {_listed(facts)}")
    if expect.route is not None and isinstance(outcome, Escalation) and outcome.route.id != expect.route:
        found.append(f"route: verwacht {expect.route}, uitkomst {outcome.route.id}")
    return found


def _share_differences(expected: dict[str, str], outcome: Outcome) -> list[str]:
    shares = outcome.shares if isinstance(outcome, Decision) else ()
    if not shares:
        who = f"één betaler ({outcome.entity})" if isinstance(outcome, Decision) else _describe(outcome)
        parties = "1 partij" if len(expected) == 1 else f"{len(expected)} partijen"
        return [f"shares: verwacht een verdeling over {parties}, uitkomst {who}"]
    actual = {share.entity: share for share in shares}
    found: list[str] = []
    absent = [entity for entity in expected if entity not in actual]
    extra = [entity for entity in actual if entity not in expected]
    if absent or extra:
        parts = ([f"niet in de uitkomst: {', '.join(absent)}"] if absent else []) + (
            [f"niet verwacht: {', '.join(extra)}"] if extra else []
        )
        found.append(f"shares: andere partijen; {'; '.join(parts)}")
    total = sum(share.weight for share in shares)
    for entity, text in expected.items():
        share = actual.get(entity)
        if share is not None and parse_share(text) != share.fraction:
            found.append(
                f"shares: {entity}: verwacht {text.strip()}, uitkomst {share_text(share.fraction)} "
                f"(gewicht {share.weight} van {total})"
            )
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
    outcome = engine.decide(example.case)
    return ExampleResult(
        name=example.name,
        case=example.case,
        expected=example.expect,
        outcome=outcome,
        mismatches=tuple(check_example(example.expect, outcome)),
    )


def format_example_result(result: ExampleResult, label: str = "voorbeeld") -> str:
    """One example as Dutch text: its case, then what it expects beside what came out.

    Rows whose field differs start with ``*``; the differences and the explanation follow.
    """
    status = "geslaagd" if result.passed else "MISLUKT"
    lines = [f"{status} {label}: {result.name}", "  casus:"]
    lines += [f"    {key}: {_flow(value)}" for key, value in result.case.items()]
    rows = _rows(result)
    width = max([len("verwacht"), *(len(left) for left, _, _ in rows)])
    lines.append(f"    {'verwacht'.ljust(width)} | uitkomst")
    lines += [f"  {'*' if differs else ' '} {left.ljust(width)} | {right}".rstrip() for left, right, differs in rows]
    if result.mismatches:
        lines.append("  verschillen:")
        lines += [f"    - {mismatch}" for mismatch in result.mismatches]
    lines.append("  toelichting:")
    lines.append(textwrap.fill(result.outcome.explanation, width=100, initial_indent="    ", subsequent_indent="    ",
                               break_on_hyphens=False))
    return "\n".join(lines) + "\n"


def _flow(value: Any) -> str:
    """A value of a case on one line, as YAML flow style reads it."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    text = str(value)
    if not text or text != text.strip() or any(c in text for c in ",[]{}#\"'") or ": " in text or text.endswith(":"):
        return json.dumps(text, ensure_ascii=False)
    return text


def _rows(result: ExampleResult) -> list[tuple[str, str, bool]]:
    """(expected, outcome, differs) per line: each field of the expectation beside the same field
    of the outcome, then what else the outcome says (the rules set aside, the candidates)."""
    expect, outcome = result.expected, result.outcome
    differs = {mismatch.split(":", 1)[0] for mismatch in result.mismatches}
    decision = outcome if isinstance(outcome, Decision) else None
    escalation = outcome if isinstance(outcome, Escalation) else None
    rows: list[tuple[str, str, bool]] = [(
        f"funder: {expect.funder}" if expect.funder is not None else f"escalation: {expect.escalation}",
        f"funder: {decision.funder}" if decision else f"escalation: {escalation.reason.value if escalation else ''}",
        bool(differs & {"funder", "escalation"}),
    )]
    if expect.entity is not None or (decision and not decision.shares):
        rows.append((
            f"entity: {expect.entity}" if expect.entity is not None else "",
            f"entity: {decision.entity}" if decision else "",
            "entity" in differs,
        ))
    if escalation:
        rows.append(("", f"route: {escalation.route.id}", False))
    shares = {share.entity: share for share in decision.shares} if decision else {}
    if expect.shares is not None or shares:
        wanted = expect.shares or {}
        total = sum(share.weight for share in shares.values())
        rows.append(("shares:" if wanted else "", "shares:" if shares else "",
                     "shares" in differs and wanted.keys() != shares.keys()))
        for entity in [*wanted, *(e for e in shares if e not in wanted)]:
            text, share = wanted.get(entity), shares.get(entity)
            rows.append((
                f"  {entity}: {text.strip()}" if text is not None else "",
                f"  {entity}: {share_text(share.fraction)} ({share.weight} van {total})" if share else "",
                "shares" in differs and (text is None or share is None or parse_share(text) != share.fraction),
            ))
    if expect.missing_facts is not None or (escalation and escalation.missing_facts):
        rows.append((
            f"missing_facts: {_listed(expect.missing_facts)}" if expect.missing_facts is not None else "",
            f"missing_facts: {_listed(escalation.missing_facts)}" if escalation else "",
            "missing_facts" in differs,
        ))
    rows.append((f"rules: {_listed(expect.rules)}" if expect.rules is not None else "",
                 f"rules: {_listed(outcome.rules)}", "rules" in differs))
    if decision and decision.overridden:
        rows.append(("", f"overridden: {_listed(decision.overridden)}", False))
    if escalation and escalation.candidates:
        rows.append(("", "candidates:", False))
        rows += [("", f"  - {c.rule}: {c.funder}" + (f" ({c.entity})" if c.entity else ""), False)
                 for c in escalation.candidates]
    if expect.legal_basis is not None:
        citations = [b.citation for b in outcome.legal_basis]
        rows.append((f"legal_basis: {expect.legal_basis}", "legal_basis:" if citations else "legal_basis: []",
                     "legal_basis" in differs))
        rows += [("", f"  - {citation}", False) for citation in citations]
    return rows
