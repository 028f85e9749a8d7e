"""The command line: ``wiebetaalt check``, ``decide``, ``batch``, ``test``, ``analyse`` and ``schema``.

Thin by design: parse arguments, call the public API, format, return an exit code. Exit codes:
0 success (clean framework, a decision, every example passes, every batch row valid), 1 findings
(problems in a framework, an escalation, an example that fails, invalid batch rows), 2 unusable
input (bad arguments, an unreadable or invalid case, a framework that does not load), 130 a batch
stopped by ^C (the rows written so far are complete).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import textwrap
import threading
import time
from pathlib import Path
from collections.abc import Callable
from typing import Any, TextIO

from ._yaml import read_yaml
from .ask import ask
from .analyse import DEFAULT_BUDGET, analyse, format_analysis
from .batch import FORMATS, BatchError, Format, default_jobs, guess_format, run_batch
from .case import Case, parse_case
from .engine import CHUNK_SIZE
from .engine import Engine
from .errors import CaseError, EvaluationError, FrameworkError, Problem
from .examples import ExampleResult, format_example_result, run_examples
from .loader import check_framework, inherited_examples, load_framework, rule_files
from .model import Framework, framework_json_schema
from .outcome import REASON_NAMES, Decision, Escalation, Outcome, format_share
from .postcode import PostcodeTable, PostcodeTableError

DEFAULT_FRAMEWORK = Path("rules/landelijk.yaml")



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wiebetaalt", description="Wie betaalt de hulp aan een kind tussen onderwijs en jeugdhulp?")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="check rule files and report every problem, located")
    check.add_argument("paths", nargs="+", type=Path, help="rule files or folders of them")
    check.add_argument("--json", action="store_true", help="problems as JSON")
    decide = commands.add_parser("decide", help="decide one case (a YAML or JSON file)")
    decide.add_argument("case", type=Path)
    decide.add_argument("--framework", type=Path, default=DEFAULT_FRAMEWORK, help=f"rule file (default {DEFAULT_FRAMEWORK})")
    decide.add_argument("--postcodes", type=Path, help="CSV postcode→gemeente table (default: the bundled sample)")
    decide.add_argument("--json", action="store_true", help="the outcome as JSON")
    decide.add_argument("--ask", action="store_true",
                        help="ask (in Dutch, on standard input) for the facts still needed, then decide")
    batch = commands.add_parser("batch", help="decide every case of a CSV or JSON Lines file, one output row per input row")
    batch.add_argument("input", type=Path, help="CSV or JSON Lines file of cases (docs/batch.md); - reads standard input")
    batch.add_argument("-o", "--output", type=Path, required=True, help="file for the output rows; - writes standard output")
    batch.add_argument("--framework", type=Path, default=DEFAULT_FRAMEWORK, help=f"rule file (default {DEFAULT_FRAMEWORK})")
    batch.add_argument("--input-format", choices=FORMATS, help="default: from the file name (.csv, .jsonl)")
    batch.add_argument("--output-format", choices=FORMATS, help="default: from the file name, else as the input")
    batch.add_argument("--jobs", type=int, help="worker processes (default: every core, here %d)" % default_jobs())
    batch.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help=f"cases per chunk (default {CHUNK_SIZE})")
    batch.add_argument("--postcodes", type=Path, help="CSV postcode→gemeente table (default: the bundled sample)")
    batch.add_argument("--explain", action="store_true", help="add the legal basis and the Dutch explanation to every row")
    batch.add_argument("--settle", action="store_true",
                       help="work out which answers settle a missing-facts escalation (about 70 ms per such case)")
    batch.add_argument("--summary", action="store_true",
                       help="print totals per payer, per escalation reason and per rule")
    batch.add_argument("--summary-json", type=Path, help="write the totals as JSON to this file")
    batch.add_argument("--quiet", action="store_true", help="no progress bar")
    test = commands.add_parser("test", help="run the examples in rule files, show each failure")
    test.add_argument("paths", nargs="+", type=Path, help="rule files or folders of them")
    test.add_argument("--postcodes", type=Path, help="CSV postcode→gemeente table (default: the bundled sample)")
    test.add_argument("--json", action="store_true", help="the results as JSON")
    analyse_ = commands.add_parser("analyse", help="map every kind of case of rule files: gaps, conflicts, grey zones, dead rules")
    analyse_.add_argument("paths", nargs="+", type=Path, help="rule files or folders of them")
    analyse_.add_argument("--budget", type=int, default=DEFAULT_BUDGET,
                          help=f"most decisions to explore before sampling instead (default {DEFAULT_BUDGET})")
    analyse_.add_argument("--json", action="store_true", help="the map as JSON")
    schema = commands.add_parser("schema", help="print the JSON Schema of rule files, for editors")
    schema.add_argument("-o", "--output", type=Path, help="write it to a file instead")
    return parser


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command == "check":
        return _check(args, out, err)
    if args.command == "decide":
        return _decide(args, out, err)
    if args.command == "batch":
        return _batch(args, out, err)
    if args.command == "test":
        return _test(args, out, err)
    if args.command == "analyse":
        return _analyse(args, out, err)
    text = json.dumps(framework_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        out.write(text)
    return 0


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    absent = [path for path in args.paths if not path.exists()]
    for path in absent:
        err.write(f"{path}: no such file or folder\n")
    files = rule_files(path for path in args.paths if path.exists())
    problems = [p for f in files for p in check_framework(f)]
    if args.json:
        out.write(json.dumps([_problem_dict(p) for p in problems], indent=2, ensure_ascii=False) + "\n")
    else:
        for problem in problems:
            out.write(f"{problem}\n")
    err.write(f"{len(files)} file(s) checked, {len(problems)} problem(s)\n")
    if not files and not absent:
        err.write("no rule files found (*.yaml, *.yml)\n")
    if absent or not files:
        return 2
    return 1 if problems else 0


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {"file": problem.file, "line": problem.line, "column": problem.column, "code": problem.code,
            "message": problem.message, "hint": problem.hint}


def read_case(path: Path) -> Case:
    """Read one case from a YAML or JSON file; problems name the file, line and case field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CaseError([], source=f"{path}: cannot read: {error}") from None
    document = read_yaml(text)
    if document.issues:
        issue = document.issues[0]
        raise CaseError([], source=f"{path}:{issue.mark.line}:{issue.mark.column}: {issue.code}: {issue.message}")
    try:
        return parse_case(document.data)
    except CaseError as error:
        lines = []
        for problem in error.problems:
            where = tuple(problem.field.split(".")) if problem.field else ()
            mark = document.mark(where, key=problem.message.startswith("unknown field"))
            lines.append(f"{path}:{mark.line}:{mark.column}: {problem}")
        raise CaseError(list(error.problems), source="\n".join(lines)) from None


def _framework_and_postcodes(args: argparse.Namespace, err: TextIO) -> tuple[Framework, PostcodeTable | None] | None:
    """The ``--framework`` and ``--postcodes`` of a command; None, after saying why, when one is unusable."""
    try:
        framework = load_framework(args.framework)
        return framework, PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
    except FrameworkError as error:
        err.write(f"{error}\n{args.framework}: the framework does not load; run `wiebetaalt check`\n")
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
    return None


def _decide(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    loaded = _framework_and_postcodes(args, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        case = read_case(args.case)
    except CaseError as error:
        err.write((error.source if error.source else str(error)) + "\n")
        return 2
    try:
        with Engine(framework, postcodes=postcodes) as engine:
            if args.ask:
                outcome = ask(engine, case, _reader(out), lambda line: out.write(f"{line}\n"))
                out.write("\n")
            else:
                outcome = engine.decide(case)
    except EvaluationError as error:
        err.write(f"{args.case}: the engine failed, no outcome: {error}\n")
        return 2
    if args.json:
        out.write(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(format_outcome(outcome))
    return 0 if isinstance(outcome, Decision) else 1


def _batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    input_format = args.input_format or guess_format(args.input)
    output_format: Format | None = args.output_format or guess_format(args.output) or input_format
    if input_format is None or output_format is None:
        err.write("give --input-format (and --output-format): the file names do not say csv or jsonl\n")
        return 2
    if args.jobs is not None and args.jobs < 1 or args.chunk_size < 1:
        err.write("--jobs and --chunk-size must be at least 1\n")
        return 2
    loaded = _framework_and_postcodes(args, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    to_stdout = str(args.output) == "-"
    try:
        source = sys.stdin.buffer if str(args.input) == "-" else args.input.open("rb")
    except OSError as error:
        err.write(f"{args.input}: cannot read: {error.strerror or error}\n")
        return 2
    size = _size(args.input)
    progress = None if args.quiet or not err.isatty() else _Progress(err, size)
    interrupted: list[int] = []

    def stop_on(signum: int, frame: object) -> None:
        interrupted.append(signum)

    # signal handlers belong to the main thread; elsewhere ^C stops the run as it stops anything
    catch = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, stop_on) for sig in (signal.SIGINT, signal.SIGTERM)} if catch else {}
    try:
        with source, (_stdout_bytes(out) if to_stdout else args.output.open("wb")) as target:
            summary, finished = run_batch(
                source, target, framework, input_format=input_format, output_format=output_format,
                jobs=args.jobs, chunk_size=args.chunk_size, postcodes=postcodes, settle=args.settle,
                explain=args.explain, progress=progress, stop=lambda: bool(interrupted))
    except BatchError as error:
        err.write(f"{args.input}: {error}\n")
        return 2
    except OSError as error:
        err.write(f"{args.output}: cannot write: {error.strerror or error}\n")
        return 2
    except EvaluationError as error:
        err.write(f"{args.input}: the engine failed, the run stopped: {error}\n")
        return 2
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if progress is not None:
            progress.done()
    for line in summary.invalid_rows:
        err.write(f"{args.input}: {line}\n")
    if summary.invalid > len(summary.invalid_rows):
        err.write(f"{args.input}: … en nog {summary.invalid - len(summary.invalid_rows)} ongeldige rijen (zie de kolom error)\n")
    if args.summary:
        (err if to_stdout else out).write(summary.format())
    if args.summary_json:
        try:
            args.summary_json.write_text(json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
        except OSError as error:
            err.write(f"{args.summary_json}: cannot write: {error.strerror or error}\n")
    if not (args.summary and to_stdout):  # the tables start with this line
        err.write(summary.line() + "\n")
    if not finished:
        err.write(f"onderbroken: de eerste {summary.rows} rijen staan compleet in {args.output}; de rest is niet beslist\n")
        return 130
    return 1 if summary.invalid else 0


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if str(path) != "-" and path.is_file() else None
    except OSError:
        return None


class _stdout_bytes:
    """Standard output as a binary stream that a ``with`` leaves open."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buffer = getattr(out, "buffer", None)

    def __enter__(self) -> _stdout_bytes:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()

    def write(self, data: bytes) -> int:
        if self.buffer is not None:
            self.out.flush()
            return int(self.buffer.write(data))
        return self.out.write(data.decode("utf-8", "surrogateescape"))

    def flush(self) -> None:
        (self.buffer or self.out).flush()


class _Progress:
    """A one-line progress bar on a terminal: rows, rows per second, and how far through the file."""

    def __init__(self, stream: TextIO, size: int | None) -> None:
        self.stream = stream
        self.size = size
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, rows: int, read: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.start, 1e-9)
        text = f"{rows:,} rijen, {rate:,.0f}/s".replace(",", ".")
        if self.size:
            part = min(read / self.size, 1.0)
            bar = "#" * int(part * 30)
            left = (now - self.start) * (1 - part) / part if part > 0 else 0
            text = f"[{bar:<30}] {part:4.0%}  {text}, nog {left:.0f} s"
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()

    def done(self) -> None:
        if self.last:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def _reader(out: TextIO) -> Callable[[str], str]:
    """Read one answer from standard input; the end of the input counts as no answer."""
    def read(prompt: str) -> str:
        out.write(prompt)
        out.flush()
        line = sys.stdin.readline()
        if not line or not sys.stdin.isatty():
            # a terminal echoes what is typed; answers from a file or pipe are shown here instead
            out.write(f"{line.rstrip(chr(10))}\n")
        return line.rstrip("\n")

    return read


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
    lines.append("Toelichting:")
    lines.append(_wrap(outcome.explanation))
    return "\n".join(lines) + "\n"


def _count(n: int) -> str:
    return f"{n} voorbeeld" if n == 1 else f"{n} voorbeelden"


def _test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files, absent = _rule_files_named(args.paths, err)
    unusable = absent or not files
    try:
        postcodes = PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
        return 2
    reports: list[dict[str, Any]] = []
    everything: list[ExampleResult] = []
    for path in files:
        report: dict[str, Any] = {"file": str(path), "loaded": False, "problems": [], "error": None, "examples": []}
        reports.append(report)
        framework = _load_reported(path, report, args.json, out, "de voorbeelden zijn niet uitgevoerd")
        if framework is None:
            unusable = True
            continue
        try:
            with Engine(framework, postcodes=postcodes) as engine:
                results = run_examples(framework, engine)
        except (EvaluationError, CaseError) as error:
            unusable = True
            _not_done(path, report, args.json, out, f"de voorbeelden zijn niet uitgevoerd: {error}")
            continue
        everything += results
        report["examples"] = [result.to_dict() for result in results]
        if not args.json:
            out.write(format_file_results(str(path), results))
    failed = sum(not result.passed for result in everything)
    if args.json:
        out.write(json.dumps({
            "examples": len(everything), "passed": len(everything) - failed, "failed": failed, "files": reports,
        }, indent=2, ensure_ascii=False, default=str) + "\n")
    err.write(f"{_count(len(everything))}, {len(everything) - failed} geslaagd, {failed} mislukt\n")
    if not files and not absent:
        err.write("geen regelbestanden gevonden (*.yaml, *.yml)\n")
    if unusable:
        return 2
    return 1 if failed else 0


def _rule_files_named(paths: list[Path], err: TextIO) -> tuple[list[Path], bool]:
    """The rule files under ``paths`` for `test` and `analyse`, and whether a path does not exist.

    A path that does not exist is reported at once; the files under the other paths still run.
    """
    absent = [path for path in paths if not path.exists()]
    for path in absent:
        err.write(f"{path}: bestaat niet (geen bestand of map)\n")
    return rule_files(path for path in paths if path.exists()), bool(absent)


def _not_done(path: Path, report: dict[str, Any], as_json: bool, out: TextIO, why: str) -> None:
    """One file of a multi-file command could not be run; the report (or the text) says why."""
    report["error"] = why
    if not as_json:
        out.write(f"{path}: {why}\n")


def _load_reported(path: Path, report: dict[str, Any], as_json: bool, out: TextIO, skipped: str) -> Framework | None:
    """Load one file of a multi-file command; a file that does not load is reported, the rest go on."""
    try:
        framework = load_framework(path)
    except FrameworkError as error:
        report["problems"] = [_problem_dict(p) for p in error.problems]
        if not as_json:
            out.writelines(f"{problem}\n" for problem in error.problems)
            out.write(f"{path}: laadt niet, {skipped}; zie `wiebetaalt check`\n")
        return None
    report["loaded"] = True
    return framework


def _analyse(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.budget < 1:
        err.write("--budget moet minstens 1 zijn\n")
        return 2
    files, absent = _rule_files_named(args.paths, err)
    unusable = absent or not files
    findings = False
    reports: list[dict[str, Any]] = []
    seconds, analysed = 0.0, 0
    for number, path in enumerate(files):
        report: dict[str, Any] = {"file": str(path), "loaded": False, "problems": [], "error": None}
        reports.append(report)
        framework = _load_reported(path, report, args.json, out, "niet geanalyseerd")
        if framework is None:
            unusable = True
            continue
        try:
            analysis = analyse(framework, budget=args.budget, examples=inherited_examples(path))
        except (EvaluationError, CaseError) as error:
            unusable = True
            _not_done(path, report, args.json, out, f"niet geanalyseerd: {error}")
            continue
        findings = findings or analysis.findings
        seconds, analysed = seconds + analysis.seconds, analysed + 1
        report.update(analysis.to_dict())
        if not args.json:
            out.write(("\n" if number else "") + format_analysis(analysis, str(path)))
    if args.json:
        out.write(json.dumps({"files": reports}, indent=2, ensure_ascii=False) + "\n")
    # the time goes to standard error, so that the map itself is the same on every run
    if files:
        err.write(f"{analysed} kader(s) geanalyseerd in {seconds:.1f} s\n".replace(".", ","))
    if not files and not absent:
        err.write("geen regelbestanden gevonden (*.yaml, *.yml)\n")
    if unusable:
        return 2
    return 1 if findings else 0


def format_file_results(file: str, results: list[ExampleResult]) -> str:
    """The results of one file's examples as Dutch text: a count, then every failure in full."""
    failed = [(i, r) for i, r in enumerate(results, 1) if not r.passed]
    text = f"{file}: {_count(len(results))}, {len(results) - len(failed)} geslaagd, {len(failed)} mislukt\n"
    for number, result in failed:
        text += "\n" + format_example_result(result, f"voorbeeld {number}")
    return text
