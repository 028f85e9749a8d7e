"""The Dutch wording of the testing stage: how an example's differences, its result and a file's
results read, as ``wiebetaalt test`` prints them and the pytest plugin reports them.

The examples are written by policymakers, so what they read about them is Dutch. The command line
cannot be imported by the pytest plugin, so the wording both share lives here, beside
:mod:`wiebetaalt.testing.examples`, which compares and uses it.
"""

from __future__ import annotations

import json
import textwrap
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..decision.outcome import Decision, Escalation, Outcome
from ..model.framework import parse_share

if TYPE_CHECKING:
    from .examples import ExampleResult


# --- counts and labels ------------------------------------------------------------------------------


def not_collected(count: int, first: str, rules: list[str]) -> str:
    """Why pytest ran no rule file although it walked past some."""
    files = "1 kader" if count == 1 else f"{count} kaders"
    return (f"wiebetaalt: {files} niet als test verzameld ({first}{' …' if count > 1 else ''}): pytest verzamelt "
            f"kaders onder wiebetaalt_rules ({', '.join(rules) or 'geen'}) en kaders die u zelf noemt. "
            "Noem het bestand (pytest pad/kader.yaml) of zet de map in wiebetaalt_rules (docs/pytest.md).")


def example_label(number: int) -> str:
    """How the ``number``-th example of a file is named (1-based)."""
    return f"voorbeeld {number}"


def examples(n: int) -> str:
    return f"{n} voorbeeld" if n == 1 else f"{n} voorbeelden"


def results_line(total: int, failed: int) -> str:
    """``N voorbeelden, M geslaagd, K mislukt``."""
    return f"{examples(total)}, {total - failed} geslaagd, {failed} mislukt"


EXAMPLES_NOT_RUN = "de voorbeelden zijn niet uitgevoerd"
NOT_LOADED = "laadt niet"


def does_not_load(file: str, skipped: str = EXAMPLES_NOT_RUN) -> str:
    """A rule file that does not load, and what was therefore not done (by default: its examples)."""
    return f"{file}: {NOT_LOADED}, {skipped}; zie `wiebetaalt check`"


def not_run(label: str, name: str, error: object) -> str:
    """An example the engine failed on."""
    return f"{label}: {name}: niet uitgevoerd: {error}\n"


def failed_at(where: str, label: str) -> str:
    """The last line of a failing example in pytest: where it is, as a traceback ends."""
    return f"{where}: {label} mislukt"


# --- values as an example writes them ---------------------------------------------------------------


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


def listed(items: Any) -> str:
    return "[" + ", ".join(str(item) for item in items) + "]"


def describe(outcome: Outcome) -> str:
    """An outcome in a few words: ``besluit (gemeente X betaalt)`` or ``escalatie (grey_zone)``."""
    if isinstance(outcome, Decision):
        return f"besluit ({outcome.entity} betaalt)"
    return f"escalatie ({outcome.reason.value})"


# --- differences (each starts with the field of ``expect`` it concerns) -----------------------------


def difference(field: str, expected: object, actual: object) -> str:
    return f"{field}: verwacht {expected}, uitkomst {actual}"


def no_legal_basis(expected: str, citations: list[str]) -> str:
    cited = "; ".join(citations)
    return (f"legal_basis: verwacht een citaat met {expected!r}, uitkomst "
            + (f"citeert alleen: {cited}" if cited else "heeft geen rechtsgrond"))


def no_shares(parties: int, outcome: Outcome) -> str:
    """Shares were expected, the outcome has one payer or none."""
    who = f"één betaler ({outcome.entity})" if isinstance(outcome, Decision) else describe(outcome)
    counted = "1 partij" if parties == 1 else f"{parties} partijen"
    return f"shares: verwacht een verdeling over {counted}, uitkomst {who}"


def other_parties(absent: list[str], extra: list[str]) -> str:
    parts = ([f"niet in de uitkomst: {', '.join(absent)}"] if absent else []) + (
        [f"niet verwacht: {', '.join(extra)}"] if extra else [])
    return f"shares: andere partijen; {'; '.join(parts)}"


def other_share(entity: str, expected: str, fraction: Fraction, weight: int, total: int) -> str:
    return f"shares: {entity}: verwacht {expected}, uitkomst {share_text(fraction)} (gewicht {weight} van {total})"


# --- results ----------------------------------------------------------------------------------------


def format_file_results(file: str, results: list[ExampleResult]) -> str:
    """The results of one file's examples as Dutch text: a count, then every failure in full."""
    failed = [(i, r) for i, r in enumerate(results, 1) if not r.passed]
    text = f"{file}: {results_line(len(results), len(failed))}\n"
    for number, result in failed:
        text += "\n" + format_example_result(result, example_label(number))
    return text


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
            f"missing_facts: {listed(expect.missing_facts)}" if expect.missing_facts is not None else "",
            f"missing_facts: {listed(escalation.missing_facts)}" if escalation else "",
            "missing_facts" in differs,
        ))
    rows.append((f"rules: {listed(expect.rules)}" if expect.rules is not None else "",
                 f"rules: {listed(outcome.rules)}", "rules" in differs))
    if decision and decision.overridden:
        rows.append(("", f"overridden: {listed(decision.overridden)}", False))
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
