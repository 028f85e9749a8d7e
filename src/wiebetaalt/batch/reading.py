"""Reading an input file: its header checked, its rows in chunks, and the reader that the worker
processes turn those rows into cases with.

The rows stay bytes here: the main process only finds where each row ends, and the worker
processes decode and read them (:class:`~wiebetaalt.batch.cases.RowReader`).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator

from ..engine.durable import CHUNK_SIZE
from ..errors import did_you_mean
from .cases import RowReader
from .formats import INPUT_COLUMNS, BatchError, Format
from .rows import BOM, RawRow, RowChunk, csv_rows, in_chunks, json_rows, lines
from .text import NO_KNOWN_COLUMN, header_problems


def read_rows(stream: Iterable[bytes], file_format: Format | None = None, *, delimiter: str | None = None,
              counter: list[int] | None = None, kind: Format | None = None) -> tuple[RowReader, Iterator[RawRow]]:
    """The row reader and the rows of an input stream; ``counter[0]`` follows the bytes read.

    ``kind`` is the former name of ``file_format``, still accepted.

    Raises:
        BatchError: the CSV header names a column that is not a case field, or no peildatum.
    """
    reader, chunks = read_chunks(stream, _given(file_format, kind), CHUNK_SIZE, delimiter=delimiter, counter=counter)
    return reader, (row for chunk in chunks for row in chunk.rows())


def read_chunks(stream: Iterable[bytes], file_format: Format | None = None, size: int = CHUNK_SIZE, *,
                delimiter: str | None = None, counter: list[int] | None = None,
                kind: Format | None = None) -> tuple[RowReader, Iterator[RowChunk]]:
    """:func:`read_rows` by ``size`` rows at a time, as the worker processes get them."""
    file_format = _given(file_format, kind)
    counter = counter if counter is not None else [0]
    found = lines(stream, counter)
    if file_format == "jsonl":
        return RowReader("jsonl"), in_chunks(json_rows(found), size)
    first = next(found, b"").removeprefix(BOM).decode("utf-8", "surrogateescape")
    if not first.strip():
        raise BatchError("the CSV file has no header; the first line names the columns (docs/batch.md)")
    if delimiter is None:
        # Dutch spreadsheets write semicolons; the header has one separator between every column
        delimiter = max((";", ",", "\t"), key=first.count)
    header = tuple(cell.strip() for cell in next(csv.reader([first], delimiter=delimiter)))
    _check_header(header)
    return RowReader("csv", header, delimiter), in_chunks(csv_rows(found, len(header), delimiter), size)


def _given(file_format: Format | None, kind: Format | None) -> Format:
    """The file format, given by its name or by the name it had before (``kind``), not both."""
    if file_format is not None and kind is None:
        return file_format
    if kind is not None and file_format is None:
        return kind
    raise TypeError("give the file format once: file_format='csv' or 'jsonl'")


def _check_header(header: tuple[str, ...]) -> None:
    if not set(header) & set(INPUT_COLUMNS):
        # most likely the first row of cases: its cells are case data, not to be repeated in a message
        raise BatchError(NO_KNOWN_COLUMN)
    repeated = {column: count for column, count in Counter(header).items() if count > 1}
    unknown = [(column, did_you_mean(column, INPUT_COLUMNS)) for column in header if column not in INPUT_COLUMNS]
    if repeated or unknown or "peildatum" not in header:
        raise BatchError(header_problems(repeated, unknown, "peildatum" not in header))
