"""The commands about rule files: ``check`` (every located problem), ``test`` (the examples),
``analyse`` (the grey-zone map) and ``schema`` (the JSON Schema editors check rule files with).

``check``, ``test`` and ``analyse`` take many paths: a path that does not exist or a file that does
not load is reported, and the other files still run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from ..analysis.analyse import analyse
from ..analysis.text import format_analysis
from ..engine.durable import require_durable
from ..engine.engine import Engine
from ..errors import CaseError, EvaluationError
from ..load.loader import check_framework, inherited_examples
from ..model.schema import case_json_schema, framework_json_schema
from ..testing import text as testing_text
from ..testing.examples import ExampleResult, run_examples
from . import text
from .files import write_file
from .inputs import (json_error, load_reported, not_done, path_errors, path_problem, postcodes_or_none, problem_dict,
                     rule_files_named)


def check_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    require_durable()  # a check without the engine would miss what only durable refuses
    files, absent = rule_files_named(args.paths, err)
    problems = [p for f in files for p in check_framework(f)]
    if args.json:
        # a path that is not there, or names no rule file, is a problem of the list too
        unusable = [path_problem(path) for path in absent] or ([] if files else [path_problem(None)])
        out.write(json.dumps(unusable + [problem_dict(p) for p in problems], indent=2, ensure_ascii=False) + "\n")
    else:
        for problem in problems:
            out.write(f"{problem}\n")
    err.write(f"{text.checked(len(files), len(problems))}\n")
    if not files and not absent:
        err.write(f"{text.NO_RULE_FILES}\n")
    if absent or not files:
        return 2
    return 1 if problems else 0


def test_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    files, absent = rule_files_named(args.paths, err)
    unusable = bool(absent) or not files
    usable, postcodes = postcodes_or_none(args, out, err)
    if not usable:
        return 2
    reports: list[dict[str, Any]] = []
    everything: list[ExampleResult] = []
    for path in files:
        report: dict[str, Any] = {"file": str(path), "loaded": False, "problems": [], "error": None, "examples": []}
        reports.append(report)
        framework = load_reported(path, report, args.json, out, testing_text.EXAMPLES_NOT_RUN)
        if framework is None:
            unusable = True
            continue
        try:
            with Engine(framework, postcodes=postcodes) as engine:
                results = run_examples(framework, engine)
        except (EvaluationError, CaseError) as error:
            unusable = True
            not_done(path, report, args.json, out, f"{testing_text.EXAMPLES_NOT_RUN}: {error}")
            continue
        everything += results
        report["examples"] = [result.to_dict() for result in results]
        if not args.json:
            out.write(testing_text.format_file_results(str(path), results))
    failed = sum(not result.passed for result in everything)
    if args.json:
        out.write(json.dumps({
            "examples": len(everything), "passed": len(everything) - failed, "failed": failed, "files": reports,
            **path_errors(files, absent)}, indent=2, ensure_ascii=False, default=str) + "\n")
    err.write(f"{testing_text.results_line(len(everything), failed)}\n")
    return _status(files, absent, unusable, bool(failed), err)


def analyse_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.budget < 1:
        err.write(f"{text.BUDGET_TOO_SMALL}\n")
        json_error(args, out, "bad-arguments", text.BUDGET_TOO_SMALL)
        return 2
    files, absent = rule_files_named(args.paths, err)
    unusable = bool(absent) or not files
    findings = False
    reports: list[dict[str, Any]] = []
    seconds, analysed = 0.0, 0
    for number, path in enumerate(files):
        report: dict[str, Any] = {"file": str(path), "loaded": False, "problems": [], "error": None}
        reports.append(report)
        framework = load_reported(path, report, args.json, out, text.NOT_ANALYSED)
        if framework is None:
            unusable = True
            continue
        try:
            analysis = analyse(framework, budget=args.budget, examples=inherited_examples(path))
        except (EvaluationError, CaseError) as error:
            unusable = True
            not_done(path, report, args.json, out, f"{text.NOT_ANALYSED}: {error}")
            continue
        findings = findings or analysis.findings
        seconds, analysed = seconds + analysis.seconds, analysed + 1
        report.update(analysis.to_dict())
        if not args.json:
            out.write(("\n" if number else "") + format_analysis(analysis, str(path)))
    if args.json:
        out.write(json.dumps({"files": reports, **path_errors(files, absent)}, indent=2, ensure_ascii=False) + "\n")
    # the time goes to standard error, so that the map itself is the same on every run
    if files:
        err.write(f"{text.analysed(analysed, seconds)}\n")
    return _status(files, absent, unusable, bool(findings), err)


def _status(files: list[Path], absent: list[Path], unusable: bool, found: bool, err: TextIO) -> int:
    """The exit status of test and analyse: 2 when a path or file was unusable, 1 for failures or
    findings, else 0; paths that named no rule file at all are said on standard error."""
    if not files and not absent:
        err.write(f"{text.NO_RULE_FILES}\n")
    if unusable:
        return 2
    return 1 if found else 0


def schema_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    schema = json.dumps(case_json_schema() if args.case else framework_json_schema(), indent=2, ensure_ascii=False)
    if args.output:
        try:
            write_file(args.output, f"{schema}\n".encode("utf-8"))
        except OSError as error:
            err.write(f"{text.cannot_write(args.output, error)}\n")
            return 2
    else:
        out.write(f"{schema}\n")
    return 0
