"""Rows: where each row of an input file starts and ends, and the cells of a CSV row.

The main process reads the file line by line and finds where each row ends (:func:`csv_rows`,
:func:`json_rows`); it hands the rows to the worker processes as bytes, a chunk at a time
(:class:`RowChunk`). A worker reads a chunk's CSV rows into cells with the csv module
(:func:`csv_cells`). Both sides read quotes as the csv module does (:func:`open_quote`), within the
bounds that keep one bad row from swallowing the rows after it (docs/batch.md, Input).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import deque
from collections.abc import Iterable, Iterator
from typing import AnyStr, NamedTuple

from ..errors import CaseProblem
from .text import unclosed_quote, unreadable_csv

BOM = b"\xef\xbb\xbf"  # Excel starts a UTF-8 file with one
MAX_ROW_LINES = 100  # a cell over more lines than this is a quote left open
#: a row (all its lines) holds at most this many bytes; the same bound as a case file on the command line
MAX_ROW_BYTES = 1 << 20
#: bytes that are not UTF-8, as a row's text holds them: decoded with "surrogateescape"
NOT_UTF8 = re.compile("[\udc80-\udcff]")


class RawRow(NamedTuple):
    """One input row as read: its number among the rows (from 1), the line it starts on, its bytes."""

    number: int
    line: int
    data: bytes


class RowChunk(NamedTuple):
    """Rows on their way to a worker process, as three lists rather than a tuple per row: such lists
    pickle much faster (docs/batch.md, Speed and memory)."""

    numbers: list[int]
    lines: list[int]
    data: list[bytes]

    def rows(self) -> list[RawRow]:
        return list(map(RawRow._make, zip(self.numbers, self.lines, self.data)))


def lines(stream: Iterable[bytes], counter: list[int]) -> Iterator[bytes]:
    """The lines of ``stream``, none longer than ``MAX_ROW_BYTES + 1`` bytes; ``counter[0]`` counts the bytes read.

    A longer line is cut off there and the rest of it skipped, so that an input without line
    breaks (such as /dev/zero) cannot fill the memory; the row it starts is invalid.
    """
    readline = getattr(stream, "readline", None)
    if readline is None:
        for line in stream:
            counter[0] += len(line)
            yield line[: MAX_ROW_BYTES + 1]
        return
    while line := readline(MAX_ROW_BYTES + 1):
        counter[0] += len(line)
        if len(line) > MAX_ROW_BYTES and not line.endswith(b"\n"):
            while rest := readline(1 << 16):
                counter[0] += len(rest)
                if rest.endswith(b"\n"):
                    break
        yield line


def json_rows(lines: Iterator[bytes]) -> Iterator[tuple[int, bytes]]:
    """(line, bytes) of every JSON Lines row: every line that is not blank."""
    for line_number, line in enumerate(lines, 1):
        if line_number == 1:
            line = line.removeprefix(BOM)
        if line.strip():
            yield line_number, line


def csv_rows(lines: Iterator[bytes], columns: int, delimiter: str) -> Iterator[tuple[int, bytes]]:
    """(first line, bytes) of every CSV row after the header: every line that holds cells is in one row.

    A quoted cell may hold line breaks (a quote is special only as the first character of a cell,
    as in the csv module). A row goes on over the next lines until its open cell closes, but never
    over a line that is a whole row by itself (the header's number of ``columns``, every quoted
    cell closed), nor past ``MAX_ROW_LINES`` lines or ``MAX_ROW_BYTES``: then the quote was never
    closed, the row is its first line alone (invalid), and the lines after it are read again as
    rows of their own. So an unclosed quote never swallows the rows after it.
    """
    separator, quote = delimiter.encode(), b'"'
    empty = b" \t\r\n" + separator
    numbered = enumerate(lines, 2)
    again: deque[tuple[int, bytes]] = deque()  # lines read ahead for a row that did not close

    def whole(line: bytes) -> bool:
        if quote not in line:
            return line.count(separator) + 1 == columns
        still_open, cells = open_quote(line, separator, quote)
        return not still_open and cells == columns

    while (item := again.popleft() if again else next(numbered, None)) is not None:
        start, line = item
        if quote in line and len(line) <= MAX_ROW_BYTES and open_quote(line, separator, quote)[0]:
            taken, length, still_open = [line], len(line), True
            while still_open and len(taken) < MAX_ROW_LINES:
                more = again.popleft() if again else next(numbered, None)
                if more is None:
                    break
                taken.append(more[1])
                length += len(more[1])
                if length > MAX_ROW_BYTES or whole(more[1]):
                    break
                still_open = open_quote(more[1], separator, quote, quoted=True)[0]
            if still_open:
                again.extendleft(reversed(list(enumerate(taken[1:], start + 1))))
            else:
                line = b"".join(taken)
        if line.strip(empty):  # a line of nothing but separators is no row
            yield start, line


def open_quote(line: AnyStr, delimiter: AnyStr, quote: AnyStr, quoted: bool = False) -> tuple[bool, int]:
    """Whether a quoted cell is still open at the end of ``line``, and the number of cells it starts.

    As the csv module reads a row: a quote opens a quoted cell only as the first character of a
    cell; inside one two quotes stand for one and a single quote closes it; from there to the next
    separator everything is text, quotes too. ``quoted``: the line goes on inside an open cell.
    """
    cells, at = 1, 0
    if not quoted and line.startswith(quote):
        quoted, at = True, 1
    while True:
        if quoted:
            at = line.find(quote, at)
            while at >= 0 and line.startswith(quote, at + 1):
                at = line.find(quote, at + 2)
            if at < 0:
                return True, cells
            at += 1
        at = line.find(delimiter, at)
        if at < 0:
            return False, cells
        cells, at = cells + 1, at + 1
        quoted = line.startswith(quote, at)
        if quoted:
            at += 1


def in_chunks(rows: Iterator[tuple[int, bytes]], size: int) -> Iterator[RowChunk]:
    """(line, bytes) of each row, numbered from 1, as chunks of ``size`` rows."""
    number = 0
    while block := list(itertools.islice(rows, size)):
        found_lines, data = zip(*block)
        yield RowChunk(list(range(number + 1, number + len(block) + 1)), list(found_lines), list(data))
        number += len(block)


def csv_cells(texts: list[str], delimiter: str) -> list[list[str] | CaseProblem]:
    """The cells of each of a chunk's CSV rows as the csv module reads them, or why it cannot.

    One reader reads the chunk. A row whose quoted cell is still open at its end is not given to
    it: :func:`csv_rows` ended that row because the quote never closed, and the reader would take
    the next row into the cell, or (at the end of the input) silently close it.
    """
    still_open = ['"' in text and open_quote(text, delimiter, '"')[0] for text in texts]
    closed = iter(_read([text for text, is_open in zip(texts, still_open) if not is_open], delimiter))
    return [unclosed_quote() if is_open
            else next(closed) for is_open in still_open]


def _read(texts: list[str], delimiter: str) -> list[list[str] | CaseProblem]:
    reader = csv.reader(texts, delimiter=delimiter)
    found: list[list[str] | CaseProblem] = []
    for number in range(1, len(texts) + 1):
        try:
            found.append(next(reader, []))
        except csv.Error as error:  # such as a cell beyond the csv module's size limit
            found.append(unreadable_csv(str(error)))
        if reader.line_num != number:
            # the reader went on into the next row, so open_quote and the csv module disagree about
            # a quote: each row is then read alone, so that no row takes the cells of another
            return [_read([text], delimiter)[0] for text in texts]
    return found
