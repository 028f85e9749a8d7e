"""Batch decisions: a CSV or JSON Lines caseload in, one output row per input row out, on every core.

``decide_batch`` decides a list of cases from Python; ``run_batch`` streams a file to a file, as
``wiebetaalt batch`` does (docs/batch.md). A row that is not a valid case gets an output row that
names its row number and the field, and every other row is still decided.

The stages of a file, in the order a row meets them: :mod:`.formats` (what a batch file holds),
:mod:`.reading` and :mod:`.rows` (the main process finds the rows), :mod:`.cases` and
:mod:`.jsonl` (a worker reads each row into a case), :mod:`.run` and :mod:`.pool` (the workers
decide), :mod:`.output` (they write the output rows), :mod:`.summary` and :mod:`.text` (the totals
and their Dutch wording).
"""

from .formats import (
    AUDIT_COLUMNS,
    EXPLAIN_COLUMNS,
    FORMATS,
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    BatchError,
    Format,
    guess_format,
    output_columns,
)
from .output import record
from .pool import default_jobs
from .reading import read_chunks, read_rows
from .rows import RawRow
from .run import Sink, decide_batch, run_batch
from .summary import Summary

__all__ = [
    "AUDIT_COLUMNS", "EXPLAIN_COLUMNS", "FORMATS", "INPUT_COLUMNS", "OUTPUT_COLUMNS", "BatchError", "Format",
    "RawRow", "Sink", "Summary", "decide_batch", "default_jobs", "guess_format", "output_columns", "read_chunks",
    "read_rows", "record", "run_batch",
]
