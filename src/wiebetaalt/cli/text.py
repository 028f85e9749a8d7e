"""Every Dutch text the command line prints: its messages, the counts in its summary lines, and an
outcome as text (:func:`format_outcome`).

The commands say *what* went wrong; the wording is here, so that the terminal speaks one language
in one voice. The texts of other stages reach the terminal as they are: a located problem of the
loader, a case error, the grey-zone map, the outcome's explanation, and the wording of the testing
stage (:mod:`wiebetaalt.testing.text`), which the pytest plugin shares.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path

from ..decision.outcome import REASON_NAMES, Decision, Escalation, Outcome, format_share
from ..errors import os_reason

#: the names of the standard streams, as a message that one of them failed names them
STDOUT = "de standaarduitvoer"
STDERR = "de standaardfout"
NO_RULE_FILES = "geen regelbestanden gevonden (*.yaml, *.yml)"
NO_SUCH_PATH = "bestaat niet (geen bestand of map)"


def version_text() -> str:
    """``wiebetaalt --version``: this package's version and the rule engine's."""
    def of(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "onbekend"

    return (f"wiebetaalt {of('wiebetaalt')} (durable-rules {of('durable-rules')}, "
            f"Python {sys.version.split()[0]})")


# --- counts -----------------------------------------------------------------------------------------


def files(n: int) -> str:
    return "1 bestand" if n == 1 else f"{n} bestanden"


def problems(n: int) -> str:
    return "1 probleem" if n == 1 else f"{n} problemen"


def checked(file_count: int, problem_count: int) -> str:
    """The summary line of ``check``."""
    return f"{files(file_count)} gecontroleerd, {problems(problem_count)}"


def analysed(framework_count: int, seconds: float) -> str:
    """The last line of ``analyse``, with a decimal comma."""
    return f"{framework_count} kader(s) geanalyseerd in {seconds:.1f} s".replace(".", ",")


# --- files ------------------------------------------------------------------------------------------


def cannot_read(path: object, error: OSError) -> str:
    return f"{path}: kan niet lezen: {os_reason(error)}"


def cannot_write(path: object, error: OSError) -> str:
    return f"{path}: kan niet schrijven: {os_reason(error)}"


def cannot_write_stream(stream: str, error: OSError) -> str:
    return f"wiebetaalt: kan niet schrijven naar {stream}: {os_reason(error)}"


def no_such_path(path: Path) -> str:
    return f"{path}: {NO_SUCH_PATH}"


def not_a_regular_file(path: Path, what: str) -> str:
    return f"{path}: is geen gewoon bestand; geef een {what}bestand, of - voor standaardinvoer"


def too_large(path: Path, what: str, mebibytes: int) -> str:
    return f"{path}: het {what}bestand is groter dan {mebibytes} MiB; een {what} is veel kleiner"


def not_utf8(path: Path, byte: int) -> str:
    return f"{path}: kan niet lezen: geen UTF-8 (byte {byte})"


# --- frameworks -------------------------------------------------------------------------------------


def no_installed_framework(name: str) -> str:
    """The message of a ``--framework`` name that no installed framework has."""
    return f"geen geïnstalleerd kader heet {name!r}"


def installed_frameworks_hint(suggestion: str, installed: Iterable[str]) -> str:
    """The hint of a ``--framework`` name that no installed framework has: the closest name, if any."""
    return (f"{suggestion} " if suggestion else "") + f"geïnstalleerd: {', '.join(installed)}; of geef een bestand"


def framework_does_not_load(framework: str) -> str:
    return f"{framework}: het kader laadt niet"


def see_check(text: str) -> str:
    return f"{text}; zie `wiebetaalt check`"


def installed_does_not_load(path: Path, problem_count: int) -> str:
    return see_check(f"{path}: laadt niet ({problems(problem_count)})")


def installed_framework(row: Mapping[str, object]) -> str:
    """One line of ``kaders``."""
    period = (f"vanaf {row['valid_from']}" if row["valid_from"] else "altijd") + (
        f" tot {row['valid_to']}" if row["valid_to"] else "")
    base = f", bouwt voort op {row['extends']}" if row["extends"] else ""
    return (f"{row['name']}: {row['title']} (kader {row['framework']}, versie {row['version']}, "
            f"regels {period}{base})")


NOT_ANALYSED = "niet geanalyseerd"
BUDGET_TOO_SMALL = "--budget moet minstens 1 zijn"


# --- deciding ---------------------------------------------------------------------------------------


ASK_NEEDS_A_FILE = "met --ask komen de antwoorden van standaardinvoer; geef de casus dan als bestand"


def engine_failed(path: object, error: object) -> str:
    """On standard error: the engine failed on one case or outcome."""
    return f"{path}: de rekenkern faalde, geen uitkomst: {error}"


def engine_failed_short(path: object, error: object) -> str:
    """In the JSON error of a failed engine."""
    return f"{path}: de rekenkern faalde: {error}"


def invalid_outcome_json(path: Path, line: int, column: int) -> str:
    return f"{path}:{line}:{column}: geen geldige JSON; geef de uitvoer van `wiebetaalt decide --json`"


def outcome_names_no_installed_framework(path: Path, installed: Iterable[str]) -> str:
    return (f"{path}: de uitkomst noemt geen geïnstalleerd kader; geef het kader met --framework "
            f"(geïnstalleerd: {', '.join(installed)})")


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent="  ", subsequent_indent="  ")


def format_outcome(outcome: Outcome) -> str:
    """An outcome as Dutch text for a terminal."""
    lines: list[str] = []
    if isinstance(outcome, Decision):
        if len(outcome.shares) > 1:
            lines.append("Besluit: gedeelde kosten")
            lines.extend(f"  - {share.entity}: {format_share(share.fraction)}" for share in outcome.shares)
        else:
            lines.append(f"Besluit: {outcome.entity} betaalt")
        lines.append(f"Betaler: {outcome.funder_name} [{outcome.funder}]")
        lines.append(f"Regels: {', '.join(outcome.rules)}")
        if outcome.overridden:
            lines.append(f"Opzij gezet: {', '.join(outcome.overridden)}")
    else:
        assert isinstance(outcome, Escalation)
        lines.append(f"Escalatie: {REASON_NAMES[outcome.reason]} [{outcome.reason.value}]")
        if outcome.funder is not None:
            lines.append(f"Betaler: {outcome.funder_name} [{outcome.funder}]; welke partij: vul "
                         f"{', '.join(outcome.missing_facts)} in")
        lines.append(f"Naar: {outcome.route.name}" + (f" <{outcome.route.url}>" if outcome.route.url else ""))
        if outcome.route.contact:
            lines.append(f"Aanmelden via: {outcome.route.contact}")
        if outcome.route.deadline:
            lines.append(f"Termijn: {outcome.route.deadline}")
        for candidate in outcome.candidates:
            lines.append(f"Kandidaat: {candidate.entity or candidate.funder} (regel {candidate.rule})")
        if outcome.missing_facts:
            lines.append(f"Ontbrekende feiten: {', '.join(outcome.missing_facts)}")
        if outcome.settling_facts:
            lines.append(f"Beslissend zijn: {', '.join(outcome.settling_facts)}")
        if outcome.answers:
            lines.append("Wat een antwoord oplevert:")
            lines.extend(f"  - {a.field} = {a.label}: {a.result}" for a in outcome.answers)
        lines.append(f"Betaalt in de tussentijd: {outcome.interim_funder or 'niet vastgelegd in het kader'}")
    if outcome.legal_basis:
        lines.append("Rechtsgrond:")
        lines.extend(f"  - {b.citation} <{b.url}>" for b in outcome.legal_basis)
    if outcome.presumptions:
        lines.append("Aangenomen (controleer dit; zonder aannames: --geen-aannames):")
        lines.extend(f"  - {p.label}: {' '.join(p.reason.split())} <{p.source}>" for p in outcome.presumptions)
    lines.append("Toelichting:")
    lines.append(_wrap(outcome.explanation))
    return "\n".join(lines) + "\n"


def format_recheck(summary: str) -> str:
    """The text of ``recheck``: its summary, wrapped."""
    return textwrap.fill(summary, width=100) + "\n"


# --- batch ------------------------------------------------------------------------------------------


FORMAT_UNKNOWN = "geef --input-format (en --output-format): de bestandsnamen zeggen niet csv of jsonl"
JOBS_TOO_SMALL = "--jobs en --chunk-size moeten minstens 1 zijn"


def output_is_stdin(output: Path) -> str:
    return f"{output}: dat is het bestand op standaardinvoer, de invoer zelf; kies een ander uitvoerbestand"


def output_is_input(output: Path, input_: Path) -> str:
    return (f"{output}: dat is het invoerbestand zelf ({input_}); de uitvoer zou de invoer vervangen. Kies een "
            "ander uitvoerbestand")


def summary_is_input(summary: Path) -> str:
    return f"{summary}: dat is het invoerbestand zelf; kies een ander bestand voor --summary-json"


def summary_is_output(summary: Path) -> str:
    return f"{summary}: dat is ook het uitvoerbestand; kies een ander bestand voor --summary-json"


def more_invalid_rows(input_: Path, count: int) -> str:
    return f"{input_}: … en nog {count} ongeldige rijen (zie de kolom error)"


def summary_not_written(path: Path, error: OSError, rows_in: str) -> str:
    return f"{cannot_write(path, error)} (de rijen staan wel in {rows_in})"


def interrupted(rows: int, output: Path) -> str:
    return f"onderbroken: de eerste {rows} rijen staan compleet in {output}; de rest is niet beslist"


def run_stopped(input_: Path, error: object) -> str:
    return f"{input_}: de rekenkern faalde, de run is gestopt: {error}"


def progress(rows: int, rate: float, part: float | None, left: float) -> str:
    """The progress bar of a batch on a terminal: rows, rows per second, how far, and the time left."""
    text = f"{rows:,} rijen, {rate:,.0f}/s".replace(",", ".")
    if part is None:
        return text
    bar = "#" * int(part * 30)
    return f"[{bar:<30}] {part:4.0%}  {text}, nog {left:.0f} s"
