"""Batch decisions: a CSV or JSON Lines caseload in, one output row per input row out, on every core.

``decide_batch`` decides a list of cases from Python; ``run_batch`` streams a file to a file, as
``wiebetaalt batch`` does (docs/batch.md).
"""

from .batch import (
    AUDIT_COLUMNS,
    EXPLAIN_COLUMNS,
    FORMATS,
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    BatchError,
    Format,
    RawRow,
    Sink,
    Summary,
    decide_batch,
    default_jobs,
    guess_format,
    output_columns,
    read_chunks,
    read_rows,
    record,
    run_batch,
)

__all__ = [
    "AUDIT_COLUMNS", "EXPLAIN_COLUMNS", "FORMATS", "INPUT_COLUMNS", "OUTPUT_COLUMNS", "BatchError", "Format",
    "RawRow", "Sink", "Summary", "decide_batch", "default_jobs", "guess_format", "output_columns", "read_chunks",
    "read_rows", "record", "run_batch",
]
