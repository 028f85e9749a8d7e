"""What the commands are given, resolved and checked: the framework (``--framework``), the postcode
table (``--postcodes``) and the rule files that paths name.

What cannot be used is said in Dutch on standard error and, with ``--json``, also as a JSON error
with a stable code on standard output (:func:`json_error`, which every command uses for its
errors), so that a program reading the output never has to parse text.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from ..errors import FrameworkError, Problem, did_you_mean
from ..load.bundled import bundled_frameworks, is_name
from ..load.loader import load_framework, rule_files
from ..load.postcodes import PostcodeTable, PostcodeTableError
from ..model.framework import Framework
from ..testing.text import does_not_load
from . import text


def json_error(args: argparse.Namespace, out: TextIO, code: str, message: str, **more: Any) -> None:
    """With ``--json``, an error is also JSON on standard output, with a stable code."""
    if getattr(args, "json", False):
        error = {"error": {"code": code, "message": message, **more}}
        out.write(json.dumps(error, indent=2, ensure_ascii=False) + "\n")


def problem_dict(problem: Problem) -> dict[str, Any]:
    """A located problem of a rule file as a JSON record."""
    return {"file": problem.file, "line": problem.line, "column": problem.column, "code": problem.code,
            "message": problem.message, "hint": problem.hint}


def path_problem(path: Path | None) -> dict[str, Any]:
    """A path given to a multi-file command that cannot be used (None: no rule file at all), as a
    JSON record of the same form."""
    if path is None:
        return {"file": None, "line": None, "column": None, "code": "no-rule-files", "message": text.NO_RULE_FILES,
                "hint": None}
    return {"file": str(path), "line": None, "column": None, "code": "no-such-path",
            "message": text.NO_SUCH_PATH, "hint": None}


def path_errors(files: list[Path], absent: list[Path]) -> dict[str, Any]:
    """``errors`` for the JSON of `test` and `analyse`: paths that are not there, or no rule file at all."""
    errors = [path_problem(path) for path in absent] or ([] if files else [path_problem(None)])
    return {"errors": errors} if errors else {}


def rule_files_named(paths: list[Path], err: TextIO) -> tuple[list[Path], list[Path]]:
    """The rule files under ``paths`` for a multi-file command, and the paths that do not exist.

    A path that does not exist is reported at once; the files under the other paths still run.
    """
    absent = [path for path in paths if not path.exists()]
    for path in absent:
        err.write(f"{text.no_such_path(path)}\n")
    return rule_files(path for path in paths if path.exists()), absent


def load_reported(path: Path, report: dict[str, Any], as_json: bool, out: TextIO, skipped: str) -> Framework | None:
    """Load one file of a multi-file command; a file that does not load is reported, the rest go on."""
    try:
        framework = load_framework(path)
    except FrameworkError as error:
        report["problems"] = [problem_dict(p) for p in error.problems]
        if not as_json:
            out.writelines(f"{problem}\n" for problem in error.problems)
            out.write(f"{does_not_load(str(path), skipped)}\n")
        return None
    report["loaded"] = True
    return framework


def not_done(path: Path, report: dict[str, Any], as_json: bool, out: TextIO, why: str) -> None:
    """One file of a multi-file command could not be run; the report (or the text) says why."""
    report["error"] = why
    if not as_json:
        out.write(f"{path}: {why}\n")


def framework_path(name: str) -> Path:
    """``--framework``: the file of an installed framework by name, or the path as given.

    Raises:
        FrameworkError: a name (no folder, no .yaml) that no installed framework has.
    """
    if not is_name(name):
        return Path(name)
    installed = bundled_frameworks()
    if name not in installed:
        raise FrameworkError([Problem(name, 1, 1, "unreadable-file", text.no_installed_framework(name),
                                      text.installed_frameworks_hint(did_you_mean(name, installed), installed))])
    return installed[name]


def framework_and_postcodes(args: argparse.Namespace, out: TextIO,
                            err: TextIO) -> tuple[Framework, PostcodeTable | None] | None:
    """The ``--framework`` and ``--postcodes`` of a command; None, after saying why, when one is unusable."""
    try:
        framework = load_framework(framework_path(args.framework))
        return framework, PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
    except FrameworkError as error:
        err.write(f"{error}\n{text.see_check(text.framework_does_not_load(args.framework))}\n")
        json_error(args, out, "framework-does-not-load", text.framework_does_not_load(args.framework),
                   problems=[problem_dict(p) for p in error.problems])
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
        json_error(args, out, "unusable-postcodes", str(error))
    return None


def postcodes_or_none(args: argparse.Namespace, out: TextIO, err: TextIO) -> tuple[bool, PostcodeTable | None]:
    """The ``--postcodes`` table of a command without ``--framework``: (usable, table or None)."""
    try:
        return True, PostcodeTable.from_csv(args.postcodes) if args.postcodes else None
    except (PostcodeTableError, OSError) as error:
        err.write(f"{error}\n")
        json_error(args, out, "unusable-postcodes", str(error))
        return False, None
