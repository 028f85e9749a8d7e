"""What a batch file is: its two formats, the columns of an input row and those of an output row.

A caseload comes as CSV or JSON Lines. An input row holds the case fields by their dotted names,
the caller's reference and an amount; an output row holds the outcome (docs/batch.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ..errors import WiebetaaltError
from ..model.case import CASE_FIELDS

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")

#: Input columns beside the case fields: the caller's own reference for the row (passed through, so
#: that outcomes can be matched to the caseload; use a case number, never a BSN or a name) and an
#: amount in euros (added up per payer by the summary).
REFERENCE, AMOUNT = "id", "bedrag"
INPUT_COLUMNS: tuple[str, ...] = (REFERENCE, *CASE_FIELDS, AMOUNT)

#: Output columns, in order; ``--explain`` adds :data:`EXPLAIN_COLUMNS`, and :data:`AUDIT_COLUMNS`
#: come last (after the others, so that every other column keeps its place).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "row", REFERENCE, "status", "funder", "entity", "shares", "reason", "route", "interim_funder",
    "missing_facts", "rules", "error", "presumptions",
)
EXPLAIN_COLUMNS: tuple[str, ...] = ("legal_basis", "explanation")
#: Which framework decided the row, as ``id@version sha256:…`` (:attr:`FrameworkReference.reference`);
#: the whole audit record is once in the summary and at the head of JSON Lines output (docs/audit.md).
AUDIT_COLUMNS: tuple[str, ...] = ("audit",)


def output_columns(explain: bool = False) -> tuple[str, ...]:
    """The columns of an output row, in order."""
    return OUTPUT_COLUMNS + (EXPLAIN_COLUMNS if explain else ()) + AUDIT_COLUMNS


def place(column: str) -> tuple[str, str]:
    """The section of a dotted column name and its name there; ("", column) for the top of the case."""
    section, dot, name = column.partition(".")
    return (section, name) if dot else ("", column)


class BatchError(WiebetaaltError, ValueError):
    """The input as a whole cannot be read (a header that names no case fields, a wrong format)."""


def guess_format(path: str | Path) -> Format | None:
    """The format a file name suggests: .csv, or .jsonl/.ndjson/.json for JSON Lines."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return None
