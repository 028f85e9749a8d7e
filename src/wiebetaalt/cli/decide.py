"""The commands about one case: ``decide`` (with ``--ask``), ``recheck`` (a stored outcome decided
again) and ``kaders`` (the installed frameworks a case can be decided with)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TextIO

from ..analysis.recheck import RecheckError, recheck, stored_framework
from ..decision.outcome import Decision
from ..decision.questions import ask
from ..engine.engine import Engine
from ..errors import CaseError, EvaluationError, FrameworkError
from ..load.bundled import bundled_frameworks
from ..load.loader import load_framework
from . import text
from .files import read_case, read_limited
from .inputs import framework_and_postcodes, json_error

#: the most one answer to ``decide --ask`` may hold; a longer line ends the questions
MAX_ANSWER_CHARS = 10_000


def decide_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.ask and str(args.case) == "-":
        err.write(f"{text.ASK_NEEDS_A_FILE}\n")
        return 2
    loaded = framework_and_postcodes(args, out, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        case = read_case(args.case)
    except CaseError as error:
        err.write((error.source if error.source else str(error)) + "\n")
        json_error(args, out, "invalid-case" if error.problems else "unreadable-case",
                   error.source if error.source else str(error),
                   problems=[{"field": p.field, "code": p.code, "message": p.message, "expected": p.expected}
                             for p in error.problems])
        return 2
    try:
        with Engine(framework, postcodes=postcodes) as engine:
            if args.ask:
                outcome = ask(engine, case, _reader(out), lambda line: out.write(f"{line}\n"), presume=args.presume,
                              framework=engine.framework)
                out.write("\n")
            else:
                outcome = engine.decide(case, presume=args.presume)
    except EvaluationError as error:
        err.write(f"{text.engine_failed(args.case, error)}\n")
        json_error(args, out, "engine-failed", text.engine_failed_short(args.case, error))
        return 2
    if args.json:
        out.write(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(text.format_outcome(outcome))
    return 0 if isinstance(outcome, Decision) else 1


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


def recheck_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        stored = json.loads(read_limited(args.outcome, what="uitkomst"))
    except CaseError as error:
        err.write(f"{error.source}\n")
        json_error(args, out, "unreadable-outcome", error.source)
        return 2
    except json.JSONDecodeError as error:
        message = text.invalid_outcome_json(args.outcome, error.lineno, error.colno)
        err.write(message + "\n")
        json_error(args, out, "invalid-outcome", message)
        return 2
    try:
        wanted = stored_framework(stored).id
    except RecheckError as error:
        err.write(f"{args.outcome}: {error}\n")
        json_error(args, out, "invalid-outcome", f"{args.outcome}: {error}")
        return 2
    if args.framework is None:
        named = _installed_for(wanted)
        if named is None:
            message = text.outcome_names_no_installed_framework(args.outcome, bundled_frameworks())
            err.write(message + "\n")
            json_error(args, out, "framework-unknown", message)
            return 2
        args.framework = named
    loaded = framework_and_postcodes(args, out, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        result = recheck(stored, framework, postcodes=postcodes)
    except RecheckError as error:
        err.write(f"{args.outcome}: {error}\n")
        json_error(args, out, "invalid-outcome", f"{args.outcome}: {error}")
        return 2
    except EvaluationError as error:
        err.write(f"{text.engine_failed(args.outcome, error)}\n")
        json_error(args, out, "engine-failed", text.engine_failed_short(args.outcome, error))
        return 2
    if args.json:
        out.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n")
    else:
        out.write(text.format_recheck(result.summary))
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


def kaders_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    rows = []
    for name, path in bundled_frameworks().items():
        try:
            framework = load_framework(path)
        except FrameworkError as error:
            err.write(f"{text.installed_does_not_load(path, len(error.problems))}\n")
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
        out.write(f"{text.installed_framework(row)}\n")
    return 0
