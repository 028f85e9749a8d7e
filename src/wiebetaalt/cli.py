"""The command line: ``wiebetaalt check``, ``decide`` and ``schema``.

Thin by design: parse arguments, call the public API, format, return an exit code. Exit codes:
0 success (clean framework, a decision), 1 findings (problems in a framework, an escalation),
2 unusable input (bad arguments, an unreadable or invalid case, a framework that does not load).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any, TextIO

from ._yaml import read_yaml
from .case import Case, parse_case
from .engine import Engine
from .errors import CaseError, EvaluationError, FrameworkError
from .loader import check_framework, load_framework, rule_files
from .model import framework_json_schema
from .outcome import Decision, Escalation, EscalationReason, Outcome
from .postcode import PostcodeTable, PostcodeTableError

DEFAULT_FRAMEWORK = Path("rules/landelijk.yaml")

_REASON_NAMES = {
    EscalationReason.NO_RULE: "geen regel van toepassing",
    EscalationReason.CONFLICT: "regels spreken elkaar tegen",
    EscalationReason.GREY_ZONE: "grijs gebied",
    EscalationReason.MISSING_FACTS: "ontbrekende feiten",
}


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
        out.write(json.dumps([
            {"file": p.file, "line": p.line, "column": p.column, "code": p.code, "message": p.message, "hint": p.hint}
            for p in problems
        ], indent=2, ensure_ascii=False) + "\n")
    else:
        for problem in problems:
            out.write(f"{problem}\n")
    err.write(f"{len(files)} file(s) checked, {len(problems)} problem(s)\n")
    if not files and not absent:
        err.write("no rule files found (*.yaml, *.yml)\n")
    if absent or not files:
        return 2
    return 1 if problems else 0


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


def _decide(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        framework = load_framework(args.framework)
        postcodes = PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
        case = read_case(args.case)
    except FrameworkError as error:
        err.write(f"{error}\n{args.framework}: the framework does not load; run `wiebetaalt check`\n")
        return 2
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
        return 2
    except CaseError as error:
        err.write((error.source if error.source else str(error)) + "\n")
        return 2
    try:
        with Engine(framework, postcodes=postcodes) as engine:
            outcome = engine.decide(case)
    except EvaluationError as error:
        err.write(f"{args.case}: the engine failed, no outcome: {error}\n")
        return 2
    if args.json:
        out.write(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(format_outcome(outcome))
    return 0 if isinstance(outcome, Decision) else 1


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, initial_indent="  ", subsequent_indent="  ")


def format_outcome(outcome: Outcome) -> str:
    """An outcome as Dutch text for a terminal."""
    lines: list[str] = []
    if isinstance(outcome, Decision):
        lines.append(f"Besluit: {outcome.entity} betaalt")
        lines.append(f"Betaler: {outcome.funder_name} [{outcome.funder}]")
        lines.append(f"Regels: {', '.join(outcome.rules)}")
        if outcome.overridden:
            lines.append(f"Opzij gezet: {', '.join(outcome.overridden)}")
    else:
        assert isinstance(outcome, Escalation)
        lines.append(f"Escalatie: {_REASON_NAMES[outcome.reason]} [{outcome.reason.value}]")
        lines.append(f"Naar: {outcome.route.name}" + (f" <{outcome.route.url}>" if outcome.route.url else ""))
        for candidate in outcome.candidates:
            lines.append(f"Kandidaat: {candidate.entity or candidate.funder} (regel {candidate.rule})")
        if outcome.missing_facts:
            lines.append(f"Ontbrekende feiten: {', '.join(outcome.missing_facts)}")
        lines.append(f"Betaalt in de tussentijd: {outcome.interim_funder or 'niet vastgelegd in het kader'}")
    if outcome.legal_basis:
        lines.append("Rechtsgrond:")
        lines.extend(f"  - {b.citation} <{b.url}>" for b in outcome.legal_basis)
    lines.append("Toelichting:")
    lines.append(_wrap(outcome.explanation))
    return "\n".join(lines) + "\n"


