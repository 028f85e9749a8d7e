"""The command line: ``wiebetaalt check``, ``decide``, ``batch``, ``test``, ``analyse`` and ``schema``.

Thin by design: parse arguments, call the public API, format, return an exit code. Exit codes:
0 success (clean framework, a decision, every example passes, every batch row valid), 1 findings
(problems in a framework, an escalation, an example that fails, invalid batch rows), 2 unusable
input (bad arguments, an unreadable or invalid case, a framework that does not load), 130 a batch
stopped by ^C (the rows written so far are complete).
"""

from __future__ import annotations

import argparse
import difflib
import errno
import functools
import json
import os
import secrets
import signal
import stat
import sys
import textwrap
import threading
import time
from pathlib import Path
from collections.abc import Callable
from importlib import metadata
from typing import IO, Any, NoReturn, TextIO, cast

from ..load.yaml import read_yaml
from ..decision.settle import ask
from ..analysis.recheck import RecheckError, recheck, stored_framework
from ..analysis.analyse import DEFAULT_BUDGET, analyse, format_analysis
from ..load.bundled import NATIONAL, bundled_frameworks, is_name
from ..batch.batch import FORMATS, BatchError, Format, Summary, default_jobs, guess_format, run_batch
from ..model.case import Case, case_json_schema, parse_case
from ..engine.durable import CHUNK_SIZE, require_durable
from ..engine.engine import Engine
from ..errors import CaseError, EngineUnavailableError, EvaluationError, FrameworkError, Problem
from ..testing.examples import ExampleResult, format_example_result, run_examples
from ..load.loader import check_framework, inherited_examples, load_framework, rule_files
from ..model.framework import Framework, framework_json_schema
from ..decision.outcome import REASON_NAMES, Decision, Escalation, Outcome, format_share
from ..load.postcodes import PostcodeTable, PostcodeTableError

DEFAULT_FRAMEWORK = NATIONAL
#: the most a case file (or standard input for ``decide -``) may hold
MAX_CASE_BYTES = 1 << 20
#: the most one answer to ``decide --ask`` may hold; a longer line ends the questions
MAX_ANSWER_CHARS = 10_000


class _Said:
    """Where argparse writes (the streams :func:`main` was given) and its complaint, for ``--json``."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.complaint: str | None = None


class _Parser(argparse.ArgumentParser):
    """argparse, writing to the streams of :func:`main` and remembering its complaint."""

    def __init__(self, *args: Any, said: _Said, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.said = said

    def error(self, message: str) -> NoReturn:
        self.said.complaint = message
        super().error(message)

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.said.out if file is sys.stdout else self.said.err).write(message)


def _parser(said: _Said | None = None) -> argparse.ArgumentParser:
    said = said or _Said(cast(TextIO, sys.stdout), cast(TextIO, sys.stderr))
    parser = _Parser(prog="wiebetaalt", said=said, description="Wie betaalt de hulp aan een kind tussen onderwijs en jeugdhulp?")
    parser.add_argument("--version", action="version", version=version_text())
    commands = parser.add_subparsers(dest="command", required=True, 
                                       parser_class=cast(type[_Parser], functools.partial(_Parser, said=said)))
    check = commands.add_parser("check", help="check rule files and report every problem, located")
    check.add_argument("paths", nargs="+", type=Path, help="rule files or folders of them")
    check.add_argument("--json", action="store_true", help="problems as JSON")
    decide = commands.add_parser("decide", help="decide one case (a YAML or JSON file)")
    decide.add_argument("case", type=Path, help="case file (YAML or JSON, at most 1 MiB); - reads standard input")
    decide.add_argument("--framework", default=DEFAULT_FRAMEWORK, help=f"an installed framework (wiebetaalt kaders) or a rule file (default {DEFAULT_FRAMEWORK})")
    decide.add_argument("--postcodes", type=Path, help="CSV postcode→gemeente table (default: the bundled sample)")
    decide.add_argument("--json", action="store_true", help="the outcome as JSON")
    decide.add_argument("--ask", action="store_true",
                        help="ask (in Dutch, on standard input) for the facts still needed, then decide")
    batch = commands.add_parser("batch", help="decide every case of a CSV or JSON Lines file, one output row per input row")
    batch.add_argument("input", type=Path, help="CSV or JSON Lines file of cases (docs/batch.md); - reads standard input")
    batch.add_argument("-o", "--output", type=Path, required=True, help="file for the output rows; - writes standard output")
    batch.add_argument("--framework", default=DEFAULT_FRAMEWORK, help=f"an installed framework (wiebetaalt kaders) or a rule file (default {DEFAULT_FRAMEWORK})")
    batch.add_argument("--input-format", choices=FORMATS, help="default: from the file name (.csv, .jsonl)")
    batch.add_argument("--output-format", choices=FORMATS, help="default: from the file name, else as the input")
    batch.add_argument("--jobs", type=int, help="worker processes (default: every core, here %d)" % default_jobs())
    batch.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help=f"cases per chunk (default {CHUNK_SIZE})")
    batch.add_argument("--postcodes", type=Path, help="CSV postcode→gemeente table (default: the bundled sample)")
    batch.add_argument("--explain", action="store_true",
                       help="add the legal basis and the Dutch explanation to every row; the explanation "
                            "contains case facts (municipalities, postcodes, dates, ages): not for sharing "
                            "beyond who may see the cases")
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
    schema.add_argument("--case", action="store_true", help="the JSON Schema of a case file instead")
    recheck_ = commands.add_parser("recheck", help="decide a stored outcome again and say whether it still holds")
    recheck_.add_argument("outcome", type=Path, help="the stored outcome (JSON from decide --json); - reads standard input")
    recheck_.add_argument("--framework", help="an installed framework or a rule file (default: the installed framework "
                                              "the outcome names)")
    recheck_.add_argument("--postcodes", type=Path, help="CSV postcode→gemeente table (default: the bundled sample)")
    recheck_.add_argument("--json", action="store_true", help="the comparison as JSON")
    kaders = commands.add_parser("kaders", help="list the installed frameworks with their version and period")
    kaders.add_argument("--json", action="store_true", help="the list as JSON")
    return parser


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = cast(TextIO, _Stream(stdout or sys.stdout, "de standaarduitvoer"))
    err = cast(TextIO, _Stream(stderr or sys.stderr, "de standaardfout"))
    try:
        said = _Said(out, err)
        try:
            args = _parser(said).parse_args(argv)
        except SystemExit as exit_:  # --help, or a usage error
            status = int(exit_.code or 0)
            if status and said.complaint and "--json" in (sys.argv[1:] if argv is None else argv):
                _json_error(argparse.Namespace(json=True), out, "bad-arguments", said.complaint)
        else:
            try:
                status = _run(args, out, err)
            except EngineUnavailableError as error:
                err.write(f"wiebetaalt: {error}\n")
                _json_error(args, out, "engine-unavailable", str(error))
                status = 2
        out.flush()  # a full disk or a closed pipe shows here, not in a traceback at exit
        return status
    except _WriteFailed as failed:
        if failed.stream == "de standaardfout":
            if stderr is None:
                _to_null(sys.stderr)  # nowhere left to say it
            return 2
        with _quiet():
            err.write(f"wiebetaalt: kan niet schrijven naar {failed.stream}: {_reason(failed.error)}\n")
        if stdout is None:
            _to_null(sys.stdout)
        return 2


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
    if args.command == "recheck":
        return _recheck(args, out, err)
    if args.command == "kaders":
        return _kaders(args, out, err)
    text = json.dumps(case_json_schema() if args.case else framework_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.output:
        try:
            _write_file(args.output, text.encode("utf-8"))
        except OSError as error:
            err.write(f"{args.output}: kan niet schrijven: {_reason(error)}\n")
            return 2
    else:
        out.write(text)
    return 0


class _WriteFailed(Exception):
    """Standard output or error could not be written; :func:`main` says so in one line."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(stream, error)
        self.stream = stream
        self.error = error


class _Stream:
    """A text stream whose write failures become :class:`_WriteFailed`, for every command alike."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as error:
            raise _WriteFailed(self.name, error) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as error:
            raise _WriteFailed(self.name, error) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def buffer(self) -> Any:
        return getattr(self.stream, "buffer", None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class _quiet:
    """Ignores a failure to write the message about a failure to write."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: object, trace: object) -> bool:
        return isinstance(error, (_WriteFailed, OSError))


def _to_null(stream: TextIO) -> None:
    """Point standard output (or error) at /dev/null after it failed.

    Python flushes it again when it exits, and would print a traceback for what is still in its
    buffer and exit with 120; the failure has been reported once.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


_REASONS = {
    errno.ENOSPC: "de schijf is vol",
    errno.EPIPE: "de ontvanger is gestopt met lezen",
    errno.ENOENT: "het bestand of de map bestaat niet",
    errno.EACCES: "geen toegang",
    errno.EPERM: "niet toegestaan",
    errno.EISDIR: "het is een map",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EROFS: "alleen-lezen bestandssysteem",
    errno.EDQUOT: "de schijfruimte (quotum) is op",
}


def _reason(error: OSError) -> str:
    """Why an operation on a file failed, in Dutch where the reason is a common one."""
    return _REASONS.get(error.errno or 0) or error.strerror or str(error)


def _write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (see :class:`_Replacing`).

    Raises:
        OSError: the file cannot be written; ``path`` is then as it was.
    """
    target = _Replacing.open(path)
    try:
        target.write(data)
        target.commit()
    finally:
        target.discard()


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    require_durable()  # a check without the engine would miss what only durable refuses
    files, absent = _rule_files_named(args.paths, err)
    problems = [p for f in files for p in check_framework(f)]
    if args.json:
        # a path that is not there, or names no rule file, is a problem of the list too
        unusable = [_path_problem(path) for path in absent] or ([] if files else [_path_problem(None)])
        out.write(json.dumps(unusable + [_problem_dict(p) for p in problems], indent=2, ensure_ascii=False) + "\n")
    else:
        for problem in problems:
            out.write(f"{problem}\n")
    err.write(f"{_files(len(files))} gecontroleerd, {_problems(len(problems))}\n")
    if not files and not absent:
        err.write(NO_RULE_FILES + "\n")
    if absent or not files:
        return 2
    return 1 if problems else 0


NO_RULE_FILES = "geen regelbestanden gevonden (*.yaml, *.yml)"


def _files(n: int) -> str:
    return "1 bestand" if n == 1 else f"{n} bestanden"


def _problems(n: int) -> str:
    return "1 probleem" if n == 1 else f"{n} problemen"


def _path_problem(path: Path | None) -> dict[str, Any]:
    """A path given to a multi-file command that cannot be used, as a JSON error record."""
    if path is None:
        return {"file": None, "line": None, "column": None, "code": "no-rule-files", "message": NO_RULE_FILES,
                "hint": None}
    return {"file": str(path), "line": None, "column": None, "code": "no-such-path",
            "message": "bestaat niet (geen bestand of map)", "hint": None}


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {"file": problem.file, "line": problem.line, "column": problem.column, "code": problem.code,
            "message": problem.message, "hint": problem.hint}


def read_case(path: Path) -> Case:
    """Read one case from a YAML or JSON file (``-``: standard input); problems name the file, line and case field.

    The file must be a regular file of at most :data:`MAX_CASE_BYTES`: a device such as /dev/zero
    would be read until the memory runs out, and a named pipe would wait for a writer forever.
    """
    text = _case_text(path)
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


def _case_text(path: Path, what: str = "casus") -> str:
    limit = MAX_CASE_BYTES >> 20
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_CASE_BYTES + 1)
        else:
            # not blocking: opening a named pipe would wait for a writer; fstat then refuses it
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with open(descriptor, "rb") as stream:
                if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                    raise CaseError([], source=f"{path}: is geen gewoon bestand; geef een {what}bestand, of - voor "
                                               "standaardinvoer")
                data = stream.read(MAX_CASE_BYTES + 1)
    except OSError as error:
        raise CaseError([], source=f"{path}: kan niet lezen: {_reason(error)}") from None
    if len(data) > MAX_CASE_BYTES:
        raise CaseError([], source=f"{path}: het {what}bestand is groter dan {limit} MiB; een {what} is veel kleiner")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CaseError([], source=f"{path}: kan niet lezen: geen UTF-8 (byte {error.start + 1})") from None


def version_text() -> str:
    """``wiebetaalt --version``: this package's version and the rule engine's."""
    def of(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "onbekend"

    return (f"wiebetaalt {of('wiebetaalt')} (durable-rules {of('durable-rules')}, "
            f"Python {sys.version.split()[0]})")


def framework_path(name: str) -> Path:
    """``--framework``: the file of an installed framework by name, or the path as given.

    Raises:
        FrameworkError: a name (no folder, no .yaml) that no installed framework has.
    """
    if not is_name(name):
        return Path(name)
    installed = bundled_frameworks()
    if name not in installed:
        close = difflib.get_close_matches(name, list(installed), n=1)
        raise FrameworkError([Problem(name, 1, 1, "unreadable-file", f"geen geïnstalleerd kader heet {name!r}",
                                      (f"bedoelt u {close[0]!r}? " if close else "")
                                      + f"geïnstalleerd: {', '.join(installed)}; of geef een bestand")])
    return installed[name]


def _framework_and_postcodes(args: argparse.Namespace, out: TextIO,
                             err: TextIO) -> tuple[Framework, PostcodeTable | None] | None:
    """The ``--framework`` and ``--postcodes`` of a command; None, after saying why, when one is unusable."""
    try:
        framework = load_framework(framework_path(args.framework))
        return framework, PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
    except FrameworkError as error:
        err.write(f"{error}\n{args.framework}: het kader laadt niet; zie `wiebetaalt check`\n")
        _json_error(args, out, "framework-does-not-load", f"{args.framework}: het kader laadt niet",
                    problems=[_problem_dict(p) for p in error.problems])
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
        _json_error(args, out, "unusable-postcodes", str(error))
    return None


def _json_error(args: argparse.Namespace, out: TextIO, code: str, message: str, **more: Any) -> None:
    """With ``--json``, an error is also JSON on standard output, with a stable code."""
    if getattr(args, "json", False):
        out.write(json.dumps({"error": {"code": code, "message": message, **more}}, indent=2, ensure_ascii=False) + "\n")


def _recheck(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        stored = json.loads(_case_text(args.outcome, what="uitkomst"))
    except CaseError as error:
        err.write(f"{error.source}\n")
        _json_error(args, out, "unreadable-outcome", error.source)
        return 2
    except json.JSONDecodeError as error:
        message = f"{args.outcome}:{error.lineno}:{error.colno}: geen geldige JSON; geef de uitvoer van `wiebetaalt decide --json`"
        err.write(message + "\n")
        _json_error(args, out, "invalid-outcome", message)
        return 2
    try:
        wanted = stored_framework(stored).id
    except RecheckError as error:
        err.write(f"{args.outcome}: {error}\n")
        _json_error(args, out, "invalid-outcome", f"{args.outcome}: {error}")
        return 2
    if args.framework is None:
        named = _installed_for(wanted)
        if named is None:
            message = (f"{args.outcome}: de uitkomst noemt geen geïnstalleerd kader; geef het kader met --framework "
                       f"(geïnstalleerd: {', '.join(bundled_frameworks())})")
            err.write(message + "\n")
            _json_error(args, out, "framework-unknown", message)
            return 2
        args.framework = named
    loaded = _framework_and_postcodes(args, out, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        result = recheck(stored, framework, postcodes=postcodes)
    except RecheckError as error:
        err.write(f"{args.outcome}: {error}\n")
        _json_error(args, out, "invalid-outcome", f"{args.outcome}: {error}")
        return 2
    except EvaluationError as error:
        err.write(f"{args.outcome}: de rekenkern faalde, geen uitkomst: {error}\n")
        _json_error(args, out, "engine-failed", f"{args.outcome}: de rekenkern faalde: {error}")
        return 2
    if args.json:
        out.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        out.write(textwrap.fill(result.summary, width=100) + "\n")
    return 0 if result.holds else 1


def _installed_for(wanted: str) -> str | None:
    """The installed framework whose id is ``wanted`` (a stored outcome names it), if one has it."""
    for name, path in bundled_frameworks().items():
        try:
            if load_framework(path).framework == wanted:
                return name
        except FrameworkError:
            continue
    return None


def _kaders(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rows = []
    for name, path in bundled_frameworks().items():
        try:
            framework = load_framework(path)
        except FrameworkError as error:
            err.write(f"{path}: laadt niet ({_problems(len(error.problems))}); zie `wiebetaalt check`\n")
            continue
        starts = [r.valid_from for r in framework.rules]
        ends = [r.valid_to for r in framework.rules]
        first = min((d for d in starts if d is not None), default=None)
        last = None if None in ends else max(d for d in ends if d is not None)
        rows.append({"name": name, "framework": framework.framework, "version": framework.version,
                     "title": framework.title, "extends": framework.extends, "valid_from": first, "valid_to": last,
                     "file": str(path)})
    if args.json:
        out.write(json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n")
        return 0
    for row in rows:
        period = (f"vanaf {row['valid_from']}" if row["valid_from"] else "altijd") + (
            f" tot {row['valid_to']}" if row["valid_to"] else "")
        base = f", bouwt voort op {row['extends']}" if row["extends"] else ""
        out.write(f"{row['name']}: {row['title']} (kader {row['framework']}, versie {row['version']}, "
                  f"regels {period}{base})\n")
    return 0


def _decide(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.ask and str(args.case) == "-":
        err.write("met --ask komen de antwoorden van standaardinvoer; geef de casus dan als bestand\n")
        return 2
    loaded = _framework_and_postcodes(args, out, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        case = read_case(args.case)
    except CaseError as error:
        err.write((error.source if error.source else str(error)) + "\n")
        _json_error(args, out, "invalid-case" if error.problems else "unreadable-case",
                    error.source if error.source else str(error),
                    problems=[{"field": p.field, "message": p.message, "expected": p.expected} for p in error.problems])
        return 2
    try:
        with Engine(framework, postcodes=postcodes) as engine:
            if args.ask:
                outcome = ask(engine, case, _reader(out), lambda line: out.write(f"{line}\n"))
                out.write("\n")
            else:
                outcome = engine.decide(case)
    except EvaluationError as error:
        err.write(f"{args.case}: de rekenkern faalde, geen uitkomst: {error}\n")
        _json_error(args, out, "engine-failed", f"{args.case}: de rekenkern faalde: {error}")
        return 2
    if args.json:
        out.write(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(format_outcome(outcome))
    return 0 if isinstance(outcome, Decision) else 1


def _batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    require_durable()  # here, not in every worker process
    input_format = args.input_format or guess_format(args.input)
    output_format: Format | None = args.output_format or guess_format(args.output) or input_format
    if input_format is None or output_format is None:
        err.write("geef --input-format (en --output-format): de bestandsnamen zeggen niet csv of jsonl\n")
        return 2
    if args.jobs is not None and args.jobs < 1 or args.chunk_size < 1:
        err.write("--jobs en --chunk-size moeten minstens 1 zijn\n")
        return 2
    to_stdout, from_stdin = str(args.output) == "-", str(args.input) == "-"
    clash = _clash(args, to_stdout, from_stdin)
    if clash:
        err.write(clash + "\n")
        return 2
    loaded = _framework_and_postcodes(args, out, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        source = sys.stdin.buffer if from_stdin else args.input.open("rb")
    except OSError as error:
        err.write(f"{args.input}: kan niet lezen: {_reason(error)}\n")
        return 2
    with source:
        if from_stdin and not to_stdout and _same_as_stdin(args.output):
            err.write(f"{args.output}: dat is het bestand op standaardinvoer, de invoer zelf; kies een ander "
                      "uitvoerbestand\n")
            return 2
        try:
            target: _stdout_bytes | _Replacing = _stdout_bytes(out) if to_stdout else _Replacing.open(args.output)
        except OSError as error:
            err.write(f"{args.output}: kan niet schrijven: {_reason(error)}\n")
            return 2
        ran = _run_batch(args, source, target, framework, postcodes, input_format, output_format, err)
    if isinstance(ran, int):
        return ran
    summary, finished = ran
    for line in summary.invalid_rows:
        err.write(f"{args.input}: {line}\n")
    if summary.invalid > len(summary.invalid_rows):
        err.write(f"{args.input}: … en nog {summary.invalid - len(summary.invalid_rows)} ongeldige rijen (zie de kolom error)\n")
    if args.summary:
        (err if to_stdout else out).write(summary.format())
    status = 1 if summary.invalid else 0
    if args.summary_json:
        try:
            text = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n"
            _write_file(args.summary_json, text.encode("utf-8"))
        except OSError as error:
            err.write(f"{args.summary_json}: kan niet schrijven: {_reason(error)} (de rijen staan wel in "
                      f"{'de standaarduitvoer' if to_stdout else args.output})\n")
            status = 2
    if not (args.summary and to_stdout):  # the tables start with this line
        err.write(summary.line() + "\n")
    if not finished:
        err.write(f"onderbroken: de eerste {summary.rows} rijen staan compleet in {args.output}; de rest is niet beslist\n")
        return 130
    return status


def _run_batch(args: argparse.Namespace, source: IO[bytes], target: _stdout_bytes | _Replacing, framework: Framework,
               postcodes: PostcodeTable | None, input_format: Format, output_format: Format,
               err: TextIO) -> tuple[Summary, bool] | int:
    """Run the batch into ``target``: the summary and whether it finished, or the exit status of a failure.

    A file is replaced by the output only when the run finished or was interrupted (its rows are
    then complete); a run that could not start or failed leaves it as it was.
    """
    name = "de standaarduitvoer" if isinstance(target, _stdout_bytes) else str(args.output)
    size = _size(args.input)
    progress = None if args.quiet or not err.isatty() else _Progress(err, size)
    interrupted: list[int] = []

    def stop_on(signum: int, frame: object) -> None:
        interrupted.append(signum)

    # signal handlers belong to the main thread; elsewhere ^C stops the run as it stops anything
    catch = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, stop_on) for sig in (signal.SIGINT, signal.SIGTERM)} if catch else {}
    try:
        with target:
            result = run_batch(
                source, _Sink(target, name), framework, input_format=input_format, output_format=output_format,
                jobs=args.jobs, chunk_size=args.chunk_size, postcodes=postcodes, settle=args.settle,
                explain=args.explain, progress=progress, stop=lambda: bool(interrupted))
            if isinstance(target, _Replacing):
                try:
                    target.commit()
                except OSError as error:
                    raise _WriteFailed(name, error) from None
            return result
    except BatchError as error:
        err.write(f"{args.input}: {error}\n")
    except _WriteFailed as failed:
        if failed.stream != str(args.output) or isinstance(target, _stdout_bytes):
            raise  # standard output or error: main() says it in one line
        err.write(f"{args.output}: kan niet schrijven: {_reason(failed.error)}\n")
    except OSError as error:
        err.write(f"{args.input}: kan niet lezen: {_reason(error)}\n")
    except EvaluationError as error:
        err.write(f"{args.input}: de rekenkern faalde, de run is gestopt: {error}\n")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if progress is not None:
            progress.done()
    return 2


def _clash(args: argparse.Namespace, to_stdout: bool, from_stdin: bool) -> str | None:
    """Why the files of a batch cannot be used together: an output that is the input would empty it."""
    if not to_stdout and not from_stdin and _same_file(args.input, args.output):
        return (f"{args.output}: dat is het invoerbestand zelf ({args.input}); de uitvoer zou de invoer "
                "vervangen. Kies een ander uitvoerbestand")
    if args.summary_json:
        if not from_stdin and _same_file(args.input, args.summary_json):
            return f"{args.summary_json}: dat is het invoerbestand zelf; kies een ander bestand voor --summary-json"
        if not to_stdout and _same_file(args.output, args.summary_json):
            return f"{args.summary_json}: dat is ook het uitvoerbestand; kies een ander bestand voor --summary-json"
    return None


def _same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file: spelt differently, through a symlink, or a hard link."""
    if os.path.realpath(one) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False  # one of them does not exist (yet)


def _same_as_stdin(path: Path) -> bool:
    try:
        here, there = os.fstat(sys.stdin.fileno()), os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(here.st_mode) and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


class _Sink:
    """The output of a batch, whose write failures say which file failed."""

    def __init__(self, target: _stdout_bytes | _Replacing, name: str) -> None:
        self.target = target
        self.name = name

    def write(self, data: bytes) -> int:
        try:
            return self.target.write(data)
        except OSError as error:
            raise _WriteFailed(self.name, error) from None

    def flush(self) -> None:
        try:
            self.target.flush()
        except OSError as error:
            raise _WriteFailed(self.name, error) from None


class _Replacing:
    """A file written under a temporary name beside ``path`` and moved onto it by :meth:`commit`.

    Until then ``path`` is as it was: a run that cannot start or fails leaves it alone and leaves
    no temporary file behind. A path that exists but is not a regular file (/dev/null, a named
    pipe) is written directly, as a stream; a symlink is followed, so the file it points to is
    replaced. An existing file keeps its permissions.
    """

    def __init__(self, stream: IO[bytes], temporary: str | None, final: str) -> None:
        self.stream = stream
        self.temporary = temporary
        self.final = final

    @classmethod
    def open(cls, path: Path) -> _Replacing:
        final = os.path.realpath(path)
        try:
            existing: os.stat_result | None = os.stat(final)
        except FileNotFoundError:
            existing = None
        # /dev/stdout and /proc/self/fd/1 lead to whatever the shell opened: write to that, not beside it
        if existing is not None and not stat.S_ISREG(existing.st_mode) or str(path).startswith(("/dev/", "/proc/")):
            return cls(open(path, "wb"), None, final)
        folder, name = os.path.split(final)
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        mode = 0o666 if existing is None else stat.S_IMODE(existing.st_mode)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            if existing is not None and hasattr(os, "fchmod"):
                os.fchmod(descriptor, mode)  # the umask would take permissions away
            return cls(open(descriptor, "wb"), temporary, final)
        except BaseException:
            os.close(descriptor)
            os.unlink(temporary)
            raise

    def __enter__(self) -> _Replacing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def write(self, data: bytes) -> int:
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def commit(self) -> None:
        """Close the file and put it in place of ``path``."""
        self.stream.close()
        if self.temporary is not None:
            os.replace(self.temporary, self.final)
            self.temporary = None

    def discard(self) -> None:
        """Close the file and remove it, unless it was committed; ``path`` stays as it was."""
        try:
            self.stream.close()
        except OSError:
            pass  # what was not written is thrown away anyway
        if self.temporary is not None:
            try:
                os.unlink(self.temporary)
            except FileNotFoundError:
                pass
            self.temporary = None


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

    def __exit__(self, kind: object, *exc: object) -> None:
        if kind is None:  # after a failure, flushing would only fail again
            self.flush()

    def write(self, data: bytes) -> int:
        try:
            if self.buffer is not None:
                self.out.flush()
                return int(self.buffer.write(data))
            return self.out.write(data.decode("utf-8", "surrogateescape"))
        except OSError as error:
            raise _WriteFailed("de standaarduitvoer", error) from None

    def flush(self) -> None:
        try:
            (self.buffer or self.out).flush()
        except OSError as error:
            raise _WriteFailed("de standaarduitvoer", error) from None


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
        line = sys.stdin.readline(MAX_ANSWER_CHARS)
        if len(line) >= MAX_ANSWER_CHARS and not line.endswith("\n"):
            line = ""  # no answer is this long (think of /dev/zero): it ends the questions
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
    unusable = bool(absent) or not files
    try:
        postcodes = PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
        _json_error(args, out, "unusable-postcodes", str(error))
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
            **_path_errors(files, absent)}, indent=2, ensure_ascii=False, default=str) + "\n")
    err.write(f"{_count(len(everything))}, {len(everything) - failed} geslaagd, {failed} mislukt\n")
    if not files and not absent:
        err.write(NO_RULE_FILES + "\n")
    if unusable:
        return 2
    return 1 if failed else 0


def _rule_files_named(paths: list[Path], err: TextIO) -> tuple[list[Path], list[Path]]:
    """The rule files under ``paths`` for a multi-file command, and the paths that do not exist.

    A path that does not exist is reported at once; the files under the other paths still run.
    """
    absent = [path for path in paths if not path.exists()]
    for path in absent:
        err.write(f"{path}: bestaat niet (geen bestand of map)\n")
    return rule_files(path for path in paths if path.exists()), absent


def _path_errors(files: list[Path], absent: list[Path]) -> dict[str, Any]:
    """``errors`` for the JSON of `test` and `analyse`: paths that are not there, or no rule file at all."""
    errors = [_path_problem(path) for path in absent] or ([] if files else [_path_problem(None)])
    return {"errors": errors} if errors else {}


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
        _json_error(args, out, "bad-arguments", "--budget moet minstens 1 zijn")
        return 2
    files, absent = _rule_files_named(args.paths, err)
    unusable = bool(absent) or not files
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
        out.write(json.dumps({"files": reports, **_path_errors(files, absent)}, indent=2, ensure_ascii=False) + "\n")
    # the time goes to standard error, so that the map itself is the same on every run
    if files:
        err.write(f"{analysed} kader(s) geanalyseerd in {seconds:.1f} s\n".replace(".", ","))
    if not files and not absent:
        err.write(NO_RULE_FILES + "\n")
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
