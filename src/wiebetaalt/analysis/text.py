"""The grey-zone map in Dutch, for a terminal: ``wiebetaalt analyse`` without ``--json``.

Every Dutch word of the map is here: :func:`format_analysis` writes an
:class:`~wiebetaalt.analysis.findings.Analysis`, and the ``*_reason`` functions word why a rule
never fires (the ``reason`` of a :class:`~wiebetaalt.analysis.findings.RuleFinding`, also in
``--json``).
"""

from __future__ import annotations

import datetime as dt

import json
import textwrap
from collections.abc import Iterator, Sequence
from typing import Any

from .findings import DECISION, Analysis, CaseClass

#: Witnesses of one gap or conflict shown in the text; --json has all of them.
_SHOWN = 5


def overridden_reason(by: Sequence[str]) -> str:
    """A rule holds, but the rules ``by`` override it."""
    return f"geldt, maar regel {', '.join(by)} gaat altijd voor (overrides)"


def set_aside_reason(domain: str, higher: str, rules: Sequence[str]) -> str:
    """A rule of stelsel ``domain`` holds, but the rules of the higher stelsel ``higher`` decide."""
    return f"geldt, maar {higher} is voorliggend op {domain} (regel {', '.join(rules)})"


def grey_reason(rules: Sequence[str]) -> str:
    """A rule holds, but the grey zone of ``rules`` goes before it."""
    return f"geldt, maar het grijze gebied van regel {', '.join(rules)} gaat voor"


def follows_reason(rules: Sequence[str]) -> str:
    """A rule holds, but the outcome always follows from ``rules`` (or from no rule at all)."""
    if not rules:
        return "geldt, maar beslist nooit"
    return f"geldt, maar de uitkomst volgt steeds uit regel {', '.join(rules)}"


def dead_reason(in_force: bool, certain: bool) -> str:
    """A rule is true in no case: its condition never holds, or it is in force on no peildatum."""
    why = "de voorwaarde geldt in geen enkele casus" if in_force else "de regel is op geen enkele peildatum van kracht"
    return why if certain else why + " van het verkende deel of de steekproef"


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _cases(n: int) -> str:
    return "1 geval" if n == 1 else f"{_number(n)} gevallen"


def _flow(value: Any) -> str:
    """A case on one line, as YAML flow style reads it (paste it into a case file)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    text = str(value)
    if not text or text != text.strip() or any(c in text for c in ",[]{}#\"'") or ": " in text:
        return json.dumps(text, ensure_ascii=False)
    return text


def _wrapped(prefix: str, text: str, indent: str) -> list[str]:
    return textwrap.wrap(prefix + text, width=100, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def _what(found: CaseClass) -> str:
    rules = ", ".join(found.rules)
    if found.reason == "no_rule":
        if not found.rules:
            return "geen regel van toepassing"
        # with rules, a rule applies but the party it points to cannot be found on that peildatum
        return f"regel {rules} geldt, maar de betalende partij is niet te bepalen"
    if found.reason == "conflict":
        return f"regels {rules}"
    return f"regels {rules}" if found.rules else "geen regels"


def _found(cases: int, samples: int) -> str:
    if not cases and samples:
        return f"alleen in de steekproef: {_cases(samples)}"
    return _cases(cases) + (f", {_number(samples)} in de steekproef" if samples else "")


def periods(days: tuple[dt.date, ...], points: tuple[dt.date, ...]) -> str:
    """The peildata of a finding as a policymaker reads them: the periods (``points`` are the first
    days of all of them) joined where they follow each other, each with its first and last day. The
    last period has no end, and the first no start: a case can have any peildatum."""
    runs: list[list[int]] = []
    for at in sorted(points.index(day) for day in days if day in points):
        if runs and runs[-1][1] == at - 1:
            runs[-1][1] = at
        else:
            runs.append([at, at])
    said = []
    for first, last in runs:
        start = points[first] if first > 0 else None
        end = points[last + 1] - dt.timedelta(days=1) if last + 1 < len(points) else None
        if start is None:
            if end is None:
                return "elke peildatum"
            said.append(f"tot en met {end.isoformat()}")
        elif end is None:
            said.append(f"vanaf {start.isoformat()}")
        else:
            said.append(f"op {start.isoformat()}" if start == end else
                        f"van {start.isoformat()} tot en met {end.isoformat()}")
    return "peildatum " + "; ".join(said) if said else "geen peildatum"


def _class_lines(found: CaseClass, analysis: Analysis) -> Iterator[str]:
    yield from _wrapped(f"  - {_what(found)} ({_found(found.cases, found.samples)}; "
                        f"{periods(found.peildata, analysis.peildata)})", "", "    ")
    witnesses = found.all_witnesses or (found.witness,)
    if len(witnesses) == 1:
        yield from _wrapped("    getuige: ", _flow(found.witness), "      ")
    else:
        yield "    getuigen:"
        for witness in witnesses[:_SHOWN]:
            yield from _wrapped("      - ", _flow(witness), "        ")
        if len(witnesses) > _SHOWN:
            yield f"      en {_number(len(witnesses) - _SHOWN)} meer (alle getuigen staan in --json)"
    yield f"    voorbeelden: {', '.join(found.examples) if found.examples else 'geen'}"


def format_analysis(analysis: Analysis, source: str | None = None) -> str:
    """The map as Dutch text for a terminal. Time is left out, so that the text is reproducible."""
    a = analysis
    lines = [f"Grijze-gebiedenkaart van {source or a.framework}: {a.title} (versie {a.version})"]
    if a.complete:
        days = "1 peildatum" if len(a.peildata) == 1 else f"{len(a.peildata)} peildata"
        lines.append(f"Volledig verkend: {days}, {_number(a.nodes)} knopen, "
                     f"{_number(len(a.case_classes))} soorten casus.")
    else:
        lines.append(f"NIET volledig verkend: na {_number(a.nodes)} knopen is het budget ({_number(a.budget)}) op.")
        if a.sampling:
            lines += _wrapped(f"De rest is met een steekproef bekeken ({a.sampling.sampler}): "
                              f"{_number(a.sampling.samples)} willekeurige paden door het niet-verkende deel, "
                              f"{_number(a.sampling.settled)} met een uitkomst, {_number(a.sampling.new_case_classes)} "
                              "nieuwe soorten casus.", "", "")
        lines.append("Wat hieronder staat, geldt voor het verkende deel en de steekproef; er kan meer zijn.")
    lines.append("")

    lines.append(f"Gaten (geen regel beslist): {len(a.gaps) or 'geen'}")
    for found in a.gaps:
        lines += _class_lines(found, a)
    lines.append(f"Conflicten (verschillende betalers, geen regel gaat voor): {len(a.conflicts) or 'geen'}")
    for found in a.conflicts:
        lines += _class_lines(found, a)
    lines.append(f"Grijze gebieden (verklaard door het kader): {len(a.grey_zones) or 'geen'}")
    for zone in a.grey_zones:
        classes = "1 soort casus" if zone.case_classes == 1 else f"{zone.case_classes} soorten casus"
        lines += _wrapped(f"  - {zone.rule}: {classes}, {_found(zone.cases, zone.samples)}", "", "    ")
        lines += _wrapped("    getuige: ", _flow(zone.witness), "      ")
    lines.append(f"Regels die nooit gelden: {len(a.dead_rules) or 'geen'}")
    for finding in a.dead_rules:
        lines += _wrapped(f"  - {finding.rule}: {finding.reason}", "", "    ")
        lines += _wrapped("    dichtstbij: ", _flow(finding.witness), "      ")
    lines.append(f"Regels die wel gelden maar nooit beslissen: {len(a.shadowed_rules) or 'geen'}")
    for finding in a.shadowed_rules:
        lines += _wrapped(f"  - {finding.rule}: {finding.reason}", "", "    ")
        lines += _wrapped("    getuige: ", _flow(finding.witness), "      ")
    if a.unsettled:
        lines.append(f"Onbeslist (de engine blijft om ingevulde feiten vragen): {len(a.unsettled)}")
        for found in a.unsettled:
            lines += _class_lines(found, a)
    decisions = [c for c in a.case_classes if c.reason == DECISION]
    lines.append(f"Besluiten: {_number(len(decisions))} soorten casus, {_cases(sum(c.cases for c in decisions))}.")

    c = a.coverage
    lines.append("")
    lines.append(f"Dekking door de voorbeelden ({c.examples}):")
    total = len(c.rules_exercised) + len(c.rules_without_example)
    lines.append(f"  regels met een voorbeeld: {len(c.rules_exercised)} van {total}")
    if c.rules_without_example:
        lines += _wrapped("  regels zonder voorbeeld: ", ", ".join(c.rules_without_example), "    ")
    lines.append(f"  gaten zonder voorbeeld: {len(c.gaps_without_example)} van {len(a.gaps)}")
    lines.append(f"  conflicten zonder voorbeeld: {len(c.conflicts_without_example)} van {len(a.conflicts)}")
    if c.invalid_examples:
        lines += _wrapped("  voorbeelden met een ongeldige casus: ", ", ".join(c.invalid_examples), "    ")
    return "\n".join(lines) + "\n"
