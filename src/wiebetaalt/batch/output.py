"""Output rows: one record per input row, written as CSV or JSON Lines.

A CSV output is opened in spreadsheets, so a cell that could start a formula is written as text
(:func:`_no_formula`); JSON Lines keeps every value as it is. Runs in the worker processes, a chunk
of rows at a time (:meth:`Writer.rows`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..decision.outcome import Decision, Outcome, format_share
from ..errors import CaseError
from .formats import Format, output_columns


def record(number: int, reference: str | None, result: Outcome | CaseError, *, explain: bool = False) -> dict[str, Any]:
    """The output row of one input row: the columns of :func:`output_columns`, typed for JSON."""
    row: dict[str, Any] = dict.fromkeys(output_columns(explain))
    row.update(row=number, id=reference, missing_facts=[], rules=[], shares=[], presumptions=[])
    if isinstance(result, CaseError):
        row.update(status="invalid", error=error_text(result))
        if explain:
            row.update(legal_basis=[])
        return row
    if isinstance(result, Decision):
        row.update(status="decision", funder=result.funder, entity=result.entity,
                   shares=[{"entity": s.entity, "share": f"{s.fraction.numerator}/{s.fraction.denominator}",
                            "percentage": format_share(s.fraction)} for s in result.shares])
    else:
        # a party_unknown escalation names the settled funder; the others have none
        row.update(status="escalation", funder=result.funder, reason=result.reason.value, route=result.route.id,
                   interim_funder=result.interim_funder, missing_facts=list(result.missing_facts))
    row["rules"] = list(result.rules)
    row["presumptions"] = [p.field for p in result.presumptions]
    if explain:
        row.update(legal_basis=[b.citation for b in result.legal_basis], explanation=result.explanation)
    row["audit"] = _reference(result)
    return row


def _reference(outcome: Outcome) -> str | None:
    """The framework that decided ``outcome``, in one cell; None for an outcome without an audit record."""
    return outcome.audit.framework.reference if outcome.audit is not None else None


def error_text(error: CaseError) -> str:
    """Every problem of an invalid row, in one cell."""
    return " | ".join(str(problem) for problem in error.problems) or str(error)


#: how a cell starts that a spreadsheet takes for a formula (OWASP, CSV injection)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _no_formula(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one that starts like a formula gets a ' in front."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


def csv_row(number: int, reference: str | None, result: Outcome | CaseError, *, explain: bool = False) -> list[Any]:
    """:func:`record` as CSV cells, lists joined by "; ".

    Every cell that can hold text of the case (the reference, a party taken from a case field and
    the shares, explanations and errors that name it) goes through :func:`_no_formula`; the ids of
    the framework, the status and the reason cannot start like a formula, and the row number is a
    number. The audit cell starts with the framework's id, but its version is text of the rule
    file: it goes through :func:`_no_formula` too.
    """
    reference = _no_formula(reference) if reference else ""
    if isinstance(result, CaseError):
        row: list[Any] = [number, reference, "invalid", "", "", "", "", "", "", "", "",
                          _no_formula(error_text(result)), ""]
        return row + ["", "", ""] if explain else row + [""]
    rules = "; ".join(result.rules)
    presumed = "; ".join(p.field for p in result.presumptions)  # field names: they cannot start a formula
    if isinstance(result, Decision):
        shares = "; ".join(f"{s.entity} {s.fraction.numerator}/{s.fraction.denominator}" for s in result.shares)
        row = [number, reference, "decision", result.funder, _no_formula(result.entity), _no_formula(shares),
               "", "", "", "", rules, "", presumed]
    else:
        row = [number, reference, "escalation", result.funder or "", "", "", result.reason.value, result.route.id,
               _no_formula(result.interim_funder or ""), "; ".join(result.missing_facts), rules, "", presumed]
    if explain:
        row += [_no_formula("; ".join(b.citation for b in result.legal_basis)), _no_formula(result.explanation)]
    row.append(_no_formula(result.audit.framework.reference) if result.audit is not None else "")
    return row


class Writer:
    """Output rows as text of one format; made once per run, sent to every worker process."""

    def __init__(self, file_format: Format, explain: bool, delimiter: str = ",",
                 audit: Mapping[str, Any] | None = None) -> None:
        self.file_format = file_format
        self.columns = output_columns(explain)
        self.explain = explain
        self.delimiter = delimiter
        self.audit = audit

    def header(self) -> str:
        """The CSV header line; for JSON Lines the run's audit record, as ``{"audit": {…}}``, when known."""
        if self.file_format == "jsonl":
            # a record without "row" is no output row: readers tell it apart by that key
            return json.dumps({"audit": self.audit}, ensure_ascii=False) + "\n" if self.audit is not None else ""
        return self._csv([self.columns])[0] + "\n"

    def rows(self, results: list[tuple[int, str | None, Outcome | CaseError]]) -> str:
        """The text of the output rows of (row number, reference, outcome or error)."""
        if self.file_format == "jsonl":
            return "".join(json.dumps(record(*item, explain=self.explain), ensure_ascii=False) + "\n"
                           for item in results)
        rows = [csv_row(*item, explain=self.explain) for item in results]
        delimiter, separators = self.delimiter, len(self.columns) - 1
        lines = [delimiter.join([cell if isinstance(cell, str) else str(cell) for cell in row]) for row in rows]
        # A row with no cell that needs quotes (no separator, quote or line break in a cell) is its
        # cells joined: what the csv module writes, at a fraction of its cost (docs/batch.md, Speed
        # and memory). The csv module writes the other rows.
        plain = [line.count(delimiter) == separators and not ('"' in line or "\n" in line or "\r" in line)
                 for line in lines]
        quoted = iter(self._csv([row for row, joined in zip(rows, plain) if not joined]))
        return "".join((line if joined else next(quoted)) + "\n" for line, joined in zip(lines, plain))

    def _csv(self, rows: Iterable[Iterable[Any]]) -> list[str]:
        """The lines the csv module writes for ``rows``, without their line ending."""
        lines = _Lines()
        # A cell that holds a character of the line terminator is quoted. With "\r\n" a lone carriage
        # return is quoted too (Python 3.11 leaves it bare with "\n", and readers then end the row
        # there); the output's lines end in "\n" alone.
        csv.writer(lines, delimiter=self.delimiter, lineterminator="\r\n").writerows(rows)
        return [line[:-2] for line in lines]


class _Lines(list[str]):
    """What a csv writer writes, line by line: it writes each row with one call."""

    def write(self, line: str) -> int:
        self.append(line)
        return len(line)
