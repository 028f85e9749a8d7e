"""A whole caseload at once: CSV or JSON Lines in, one outcome row per case out, on every core.

A region runs its caseload through a framework to settle accounts between municipalities, to find
the cases in a grey zone, or to see what a new agreement would shift. Nothing is lost on the way:
a row that is not a valid case gets an output row that names its row number and the field, and
every other row is still decided. See docs/batch.md.

- :func:`decide_batch`: Python objects in, outcomes out, in input order, streaming, on worker
  processes; :meth:`wiebetaalt.engine.Engine.decide_many` is the same on one core.
- :func:`run_batch`: a file in, a file out, with a :class:`Summary` (what ``wiebetaalt batch``
  runs). The workers parse the rows, decide them and write the output text themselves; the main
  process only finds where each row ends and moves bytes between the files and the workers.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import difflib
import gc
import io
import itertools
import json
import multiprocessing
import os
import re
import signal
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol, TypeVar

from .case import CASE_FIELDS, Case, parse_case
from .engine import CHUNK_SIZE, Engine
from .errors import CaseError, CaseProblem, EvaluationError, WiebetaaltError
from .loader import load_framework
from .model import Framework
from .outcome import REASON_NAMES, Decision, Outcome, format_share
from .postcode import PostcodeTable

Format = Literal["csv", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl")

#: Input columns beside the case fields: the caller's own reference for the row (passed through, so
#: that outcomes can be matched to the caseload; use a case number, never a BSN or a name) and an
#: amount in euros (added up per payer by the summary).
REFERENCE, AMOUNT = "id", "bedrag"
INPUT_COLUMNS: tuple[str, ...] = (REFERENCE, *CASE_FIELDS, AMOUNT)

#: Output columns, in order; ``--explain`` adds :data:`EXPLAIN_COLUMNS`.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "row", REFERENCE, "status", "funder", "entity", "shares", "reason", "route", "interim_funder",
    "missing_facts", "rules", "error",
)
EXPLAIN_COLUMNS: tuple[str, ...] = ("legal_basis", "explanation")

_BOOLEANS = {"true": True, "ja": True, "1": True, "false": False, "nee": False, "0": False}
_PLAIN_BOOLEANS = {spelling: value for word, value in _BOOLEANS.items()
                   for spelling in (word, word.upper(), word.capitalize())}
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape decodes them
_CELL_LIMIT = csv.field_size_limit()
_INT = re.compile(r"[+-]?\d{1,9}")
_AMOUNT = re.compile(r"-?\d{1,15}([.,]\d{1,2})?")

T = TypeVar("T")
R = TypeVar("R")


class Sink(Protocol):
    """Where output rows go: a file opened for binary writing, or anything with these methods."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class BatchError(WiebetaaltError, ValueError):
    """The input as a whole cannot be read (a header that names no case fields, a wrong format)."""


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------------------------------------
# Python objects in, outcomes out


def decide_batch(
    framework: Framework | str | Path,
    cases: Iterable[Case | Mapping[str, Any]],
    *,
    jobs: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    postcodes: PostcodeTable | None = None,
    settle: bool = False,
) -> Iterator[Outcome | CaseError]:
    """Decide many cases on ``jobs`` worker processes (default: every core), in input order.

    Yields, for every case, exactly what ``Engine.decide(case, settle=settle)`` returns for it, or
    the :class:`CaseError` it raises. Streaming: at most a few chunks per worker are in flight,
    so memory does not grow with the input. ``settle=False`` (the default here) leaves out which
    answers would settle a missing-facts escalation, which costs about 70 ms per such case.

    Raises:
        FrameworkError: the framework (given as a path) does not load.
        EvaluationError: the engine or a worker process failed.
    """
    # checked now, not when the first outcome is asked for
    jobs = _jobs(jobs)
    _check_chunk_size(chunk_size)
    if isinstance(framework, (str, Path)):
        framework = load_framework(framework)
    worker = _Worker(framework, postcodes, settle)
    return (outcome for results in _ordered(worker, _decide_cases, _chunks(cases, chunk_size), jobs)
            for outcome in results)


def _check_chunk_size(size: int) -> None:
    if size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {size}")


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    source = iter(items)
    while chunk := list(itertools.islice(source, size)):
        yield chunk


def _jobs(jobs: int | None) -> int:
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    return jobs


# ---------------------------------------------------------------------------------------------
# Worker processes


class _Worker:
    """What one process needs to decide chunks: an engine, and for files the row format."""

    def __init__(self, framework: Framework, postcodes: PostcodeTable | None, settle: bool,
                 rows: _RowFormat | None = None, writer: _Writer | None = None) -> None:
        self.framework = framework
        self.postcodes = postcodes
        self.settle = settle
        self.rows = rows
        self.writer = writer
        self._engine: Engine | None = None

    def __getstate__(self) -> dict[str, Any]:
        # a worker process builds its own engine; durable's handle cannot cross processes
        return {**self.__dict__, "_engine": None}

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = Engine(self.framework, postcodes=self.postcodes)
        return self._engine


_current: _Worker | None = None


def _start_worker(worker: _Worker) -> None:
    """Runs first in every worker process."""
    # The main process handles ^C: it stops handing out chunks and keeps what was written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _current
    _current = worker
    worker.engine  # build it now, so that a broken framework fails at once  # noqa: B018
    _tune_gc()


def _tune_gc() -> None:
    # A batch allocates many short-lived objects and no reference cycles that matter; with the
    # default thresholds the collector runs every 700 allocations and rescans the framework and
    # the resolver's caches each time, about a fifth of the run. Freezing what is loaded and
    # collecting less often removes that.
    gc.freeze()
    gc.set_threshold(*_BATCH_GC)


_BATCH_GC = (100_000, 50, 1000)


@contextlib.contextmanager
def _collecting_less() -> Iterator[None]:
    """The thresholds of :func:`_tune_gc` while a batch runs in this process, and the caller's after."""
    before = gc.get_threshold()
    gc.set_threshold(*_BATCH_GC)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _in_worker(task: Callable[[_Worker, T], R], chunk: T) -> R:
    assert _current is not None, "runs in a worker process, after _start_worker"
    return task(_current, chunk)


def _decide_cases(worker: _Worker, chunk: list[Case | Mapping[str, Any]]) -> list[Outcome | CaseError]:
    return list(worker.engine.decide_many(chunk, settle=worker.settle, chunk_size=len(chunk)))


def _context() -> multiprocessing.context.BaseContext:
    # A fork of a process with threads (the pool's own manager thread, an app's threads) can
    # deadlock; the fork server starts workers from a clean process that has the package loaded.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["wiebetaalt.batch"])
        return context
    return multiprocessing.get_context("spawn")


def _ordered(worker: _Worker, task: Callable[[_Worker, T], R], chunks: Iterable[T], jobs: int,
             stop: Callable[[], bool] = lambda: False) -> Iterator[R]:
    """``task`` over ``chunks`` on ``jobs`` processes; results in order, a bounded number in flight."""
    if jobs == 1:
        for chunk in chunks:
            if stop():
                return
            with _collecting_less():  # not across the yield: the caller's code runs as usual
                result = task(worker, chunk)
            yield result
        return
    pool = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_start_worker, initargs=(worker,))
    pending: deque[Future[R]] = deque()
    try:
        for chunk in chunks:
            if stop():
                break
            pending.append(pool.submit(_in_worker, task, chunk))
            if len(pending) >= 3 * jobs:
                yield _result(pending.popleft())
        while pending and not stop():
            yield _result(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Future[R]) -> R:
    try:
        return future.result()
    except BrokenProcessPool as error:
        raise EvaluationError(f"a worker process died: {error}") from None


# ---------------------------------------------------------------------------------------------
# Rows: reading the input formats


class RawRow(NamedTuple):
    """One input row as read: its number among the rows (from 1), the line it starts on, its bytes."""

    number: int
    line: int
    data: bytes


class _RowChunk(NamedTuple):
    """Rows on their way to a worker process, as columns: a tenth of the cost of pickling each row."""

    numbers: list[int]
    lines: list[int]
    data: list[bytes]

    def rows(self) -> list[RawRow]:
        return list(map(RawRow._make, zip(self.numbers, self.lines, self.data)))


class _Parsed(NamedTuple):
    reference: str | None
    amount: Decimal | None
    data: dict[str, Any]
    problems: list[CaseProblem]


class _RowFormat:
    """Turns a raw row into the case data, the reference and the amount; runs in the workers."""

    def __init__(self, kind: Format, header: tuple[str, ...] = (), delimiter: str = ",") -> None:
        self.kind = kind
        self.header = header
        self.delimiter = delimiter
        # per column: its name, its type, the section it goes in (0 for the top of the case) and its name there
        self.sections = ["", *dict.fromkeys(_place(c)[0] for c in header if _place(c)[0])]
        self.columns = [
            (column, CASE_FIELDS[column].kind if column in CASE_FIELDS else "str",
             self.sections.index(_place(column)[0]), _place(column)[1])
            for column in header
        ]
        # the fast paths read the columns grouped by how a cell becomes a value
        self.text = [(i, section, name) for i, (_, kind, section, name) in enumerate(self.columns)
                     if kind not in ("bool", "int")]
        self.bools = [(i, section, name) for i, (_, kind, section, name) in enumerate(self.columns) if kind == "bool"]
        self.ints = [(i, section, name) for i, (_, kind, section, name) in enumerate(self.columns) if kind == "int"]
        # per section: its name, and the (index, field) of its text, yes/no and number columns
        def of(group: list[tuple[int, int, str]], number: int) -> list[tuple[int, str]]:
            return [(i, field) for i, section, field in group if section == number]

        self.plan = [(name, of(self.text, n), of(self.bools, n), of(self.ints, n)) for n, name in enumerate(self.sections)]
        self.padded = (" " + delimiter, delimiter + " ")

    def parse(self, row: RawRow) -> _Parsed:
        problems: list[CaseProblem] = []
        try:
            text, plain = row.data.decode("utf-8"), True
        except UnicodeDecodeError:
            # bytes that are not UTF-8 become lone surrogates, so that the row names the bad cell
            text, plain = row.data.decode("utf-8", "surrogateescape"), False
        if self.kind == "csv":
            found = self._plain(text) if plain else None
            if found is not None:
                data = found
            else:
                cells = self._cells(text, problems)
                data = self._csv(cells, problems) if not problems else {}
        else:
            data = self._json(text, problems)
        reference = data.pop(REFERENCE, None)
        if reference is not None and (not isinstance(reference, (str, int)) or isinstance(reference, bool)):
            problems.append(CaseProblem(REFERENCE, f"not text but {type(reference).__name__}", "text or a number"))
            reference = None
        amount = _amount(data.pop(AMOUNT, None), problems)
        return _Parsed(None if reference is None else str(reference), amount, data, problems)

    def _plain(self, text: str) -> dict[str, Any] | None:
        """The case data of a row as most rows of a caseload are; None for any other row.

        Such a row has no quotes, no control characters, no spaces around a cell, the cell count
        of the header, and every yes/no and number cell in a usual spelling: so each cell goes in
        as it is, and the result is what :meth:`_csv` makes of the row in half the time. The
        other rows go there.
        """
        line = _without_ending(text)
        visible = line.replace("\t", "") if self.delimiter == "\t" else line
        # whitespace other than a space is not printable
        if not line or '"' in line or not visible.isprintable() or len(line) > _CELL_LIMIT:
            return None
        if " " in line and (line.startswith(" ") or line.endswith(" ") or self.padded[0] in line or self.padded[1] in line):
            return None
        cells = line.split(self.delimiter)
        if len(cells) != len(self.header):
            return None
        data: dict[str, Any] = {}
        for section, text_columns, bool_columns, int_columns in self.plan:
            values: dict[str, Any] = {}
            for index, name in text_columns:
                if cell := cells[index]:
                    values[name] = cell
            for index, name in bool_columns:
                if cell := cells[index]:
                    answer = _PLAIN_BOOLEANS.get(cell)
                    if answer is None:
                        return None
                    values[name] = answer
            for index, name in int_columns:
                if cell := cells[index]:
                    if not (cell.isdigit() and cell.isascii() and len(cell) <= 9):
                        return None
                    values[name] = int(cell)
            if not section:
                data = values
            elif values:
                data[section] = values
        return data

    def _cells(self, text: str, problems: list[CaseProblem]) -> list[str]:
        line = _without_ending(text)
        if line and not ('"' in line or "\r" in line or "\n" in line or "\x00" in line or len(line) > _CELL_LIMIT):
            return line.split(self.delimiter)  # what the csv module gives for such a line, in a fifth of the time
        if text.count('"') % 2:
            problems.append(CaseProblem("", "a quoted cell is not closed", "a closing \" for every opening \""))
            return []
        try:
            return next(csv.reader([text], delimiter=self.delimiter), [])
        except csv.Error as error:  # such as a cell beyond the csv module's size limit
            problems.append(CaseProblem("", f"cannot read the row as CSV: {error}", "one row of cells"))
            return []

    def _csv(self, cells: list[str], problems: list[CaseProblem]) -> dict[str, Any]:
        places: list[dict[str, Any]] = [{} for _ in self.sections]
        if len(cells) == len(self.header) and _NOT_UTF8.search("".join(cells)) is None:
            # this runs for every row of a caseload: text cells go in as they are
            for index, section, name in self.text:
                cell = cells[index]
                if cell and (cell := cell.strip()):
                    places[section][name] = cell
            for index, section, name in self.bools:
                cell = cells[index]
                if cell:
                    answer = _BOOLEANS.get(cell.strip().lower())
                    if answer is not None:
                        places[section][name] = answer
                    elif cell.strip():
                        self._typed(self.header[index], "bool", cell.strip(), problems)
            for index, section, name in self.ints:
                cell = cells[index]
                if cell and (cell := cell.strip()):
                    number = self._typed(self.header[index], "int", cell, problems)
                    if number is not None:
                        places[section][name] = number
            return self._nested(places)
        if len(cells) != len(self.header):
            problems.append(CaseProblem("", f"the row has {len(cells)} cells and the header {len(self.header)}",
                                        "one cell per column of the header"))
        for (column, kind, section, name), cell in zip(self.columns, cells):
            if not cell or not (cell := cell.strip()):
                continue  # an empty cell is an unknown fact
            if _NOT_UTF8.search(cell):
                problems.append(CaseProblem(column, "holds bytes that are not UTF-8", "text saved as UTF-8"))
                continue
            value: Any = self._typed(column, kind, cell, problems) if kind in ("bool", "int") else cell
            if value is not None:
                places[section][name] = value
        return self._nested(places)

    @staticmethod
    def _typed(column: str, kind: str, cell: str, problems: list[CaseProblem]) -> bool | int | None:
        """A yes/no or number cell as its value; None, with a problem, when it is neither."""
        if kind == "bool":
            value = _BOOLEANS.get(cell.lower())
            if value is None:
                problems.append(CaseProblem(column, f"not true or false: {_quoted(cell)}",
                                            "true or false (also ja/nee, 1/0)"))
            return value
        if _INT.fullmatch(cell):
            return int(cell)
        problems.append(CaseProblem(column, f"not a whole number: {_quoted(cell)}", "a whole number"))
        return None

    def _nested(self, places: list[dict[str, Any]]) -> dict[str, Any]:
        # text, choices and dates stay text: the case model checks them and says what it expected
        data = places[0]
        for section, values in zip(self.sections[1:], places[1:]):
            if values:
                data[section] = values
        return data

    def _json(self, line: str, problems: list[CaseProblem]) -> dict[str, Any]:
        if _NOT_UTF8.search(line):
            problems.append(CaseProblem("", "the line holds bytes that are not UTF-8", "text saved as UTF-8"))
            return {}
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as error:
            problems.append(CaseProblem("", f"not valid JSON ({str(error)[:80]})", "one JSON object per line"))
            return {}
        if not isinstance(value, dict):
            problems.append(CaseProblem("", f"a JSON {type(value).__name__}, not an object", "one JSON object per line"))
            return {}
        data: dict[str, Any] = {}
        for key, item in value.items():
            # a case as in a case file, or with the dotted names of the CSV columns
            section, name = _place(key)
            if section and isinstance(data.setdefault(section, {}), dict):
                data[section][name] = item
            elif isinstance(item, dict) and isinstance(data.get(key), dict):
                data[key].update(item)
            else:
                data[key] = item
        return data


def _without_ending(text: str) -> str:
    """A row's text without the line ending the csv module ignores."""
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text


def _place(column: str) -> tuple[str, str]:
    section, dot, name = column.partition(".")
    return (section, name) if dot else ("", column)


def _quoted(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _amount(value: Any, problems: list[CaseProblem]) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        try:
            return Decimal(value.strip().replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            pass
    problems.append(CaseProblem(AMOUNT, f"not an amount: {_quoted(str(value))}", "euros, such as 1250 or 1250,50"))
    return None


def read_rows(stream: Iterable[bytes], kind: Format, *, delimiter: str | None = None,
              counter: list[int] | None = None) -> tuple[_RowFormat, Iterator[RawRow]]:
    """The row format and the rows of an input stream; ``counter[0]`` follows the bytes read.

    The rows stay bytes: the worker processes decode and split them, so that the main process
    only finds where each row ends (a CSV row goes on while a quoted cell is open).

    Raises:
        BatchError: the CSV header names a column that is not a case field, or no peildatum.
    """
    rows_format, chunks = read_chunks(stream, kind, CHUNK_SIZE, delimiter=delimiter, counter=counter)
    return rows_format, (row for chunk in chunks for row in chunk.rows())


def read_chunks(stream: Iterable[bytes], kind: Format, size: int, *, delimiter: str | None = None,
                counter: list[int] | None = None) -> tuple[_RowFormat, Iterator[_RowChunk]]:
    """:func:`read_rows` by ``size`` rows at a time, as the worker processes get them."""
    counter = counter if counter is not None else [0]
    lines = iter(stream)
    if kind == "jsonl":
        def json_rows() -> Iterator[tuple[int, bytes]]:
            for line_number, line in enumerate(lines, 1):
                counter[0] += len(line)
                if line_number == 1:
                    line = line.removeprefix(_BOM)
                if line.strip():
                    yield line_number, line

        return _RowFormat("jsonl"), _in_chunks(json_rows(), size)
    first = next(lines, b"")
    counter[0] += len(first)
    text = first.removeprefix(_BOM).decode("utf-8", "surrogateescape")
    if not text.strip():
        raise BatchError("the CSV file has no header; the first line names the columns (docs/batch.md)")
    if delimiter is None:
        # Dutch spreadsheets write semicolons; the header has one separator between every column
        delimiter = max((";", ",", "\t"), key=text.count)
    header = tuple(cell.strip() for cell in next(csv.reader([text], delimiter=delimiter)))
    _check_header(header)
    empty = b" \t\r\n" + delimiter.encode()

    def csv_rows() -> Iterator[tuple[int, bytes]]:
        line_number = 1
        for line in lines:
            line_number += 1
            start = line_number
            counter[0] += len(line)
            if b'"' in line and line.count(b'"') % 2:
                # a doubled quote inside a quoted cell counts twice, so an odd count leaves a cell open;
                # a quote never closed ends its row after a bound, and the rows after it still count
                parts = [line]
                open_cell = True
                while open_cell and len(parts) < _MAX_ROW_LINES and (more := next(lines, None)) is not None:
                    counter[0] += len(more)
                    line_number += 1
                    parts.append(more)
                    open_cell ^= more.count(b'"') % 2 == 1
                line = b"".join(parts)
            if line.strip(empty):  # a line of nothing but separators is no row
                yield start, line

    return _RowFormat("csv", header, delimiter), _in_chunks(csv_rows(), size)


def _in_chunks(rows: Iterator[tuple[int, bytes]], size: int) -> Iterator[_RowChunk]:
    """(line, bytes) of each row, numbered from 1, as chunks of ``size`` rows."""
    number = 0
    while block := list(itertools.islice(rows, size)):
        lines, data = zip(*block)
        yield _RowChunk(list(range(number + 1, number + len(block) + 1)), list(lines), list(data))
        number += len(block)


_BOM = b"\xef\xbb\xbf"  # Excel starts a UTF-8 file with one
_MAX_ROW_LINES = 100  # a cell over more lines than this is a quote left open


def _check_header(header: tuple[str, ...]) -> None:
    problems = []
    for column, count in Counter(header).items():
        if count > 1:
            problems.append(f"column {column!r} appears {count} times")
    for column in header:
        if column not in INPUT_COLUMNS:
            close = difflib.get_close_matches(column, INPUT_COLUMNS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"unknown column {column!r}{hint}")
    if "peildatum" not in header:
        problems.append("no column peildatum; every case needs one")
    if problems:
        raise BatchError("the CSV header: " + "; ".join(problems) +
                         " (the columns are id, the case fields such as kind.brp_gemeente, and bedrag; docs/batch.md)")


# ---------------------------------------------------------------------------------------------
# Output rows


def record(number: int, reference: str | None, result: Outcome | CaseError, *, explain: bool = False) -> dict[str, Any]:
    """The output row of one input row: the columns of :data:`OUTPUT_COLUMNS`, typed for JSON."""
    row: dict[str, Any] = dict.fromkeys(OUTPUT_COLUMNS + (EXPLAIN_COLUMNS if explain else ()))
    row.update(row=number, id=reference, missing_facts=[], rules=[], shares=[])
    if isinstance(result, CaseError):
        row.update(status="invalid", error=_error_text(result))
        if explain:
            row.update(legal_basis=[])
        return row
    if isinstance(result, Decision):
        row.update(status="decision", funder=result.funder, entity=result.entity,
                   shares=[{"entity": s.entity, "share": f"{s.fraction.numerator}/{s.fraction.denominator}",
                            "percentage": format_share(s.fraction)} for s in result.shares])
    else:
        row.update(status="escalation", reason=result.reason.value, route=result.route.id,
                   interim_funder=result.interim_funder, missing_facts=list(result.missing_facts))
    row["rules"] = list(result.rules)
    if explain:
        row.update(legal_basis=[b.citation for b in result.legal_basis], explanation=result.explanation)
    return row


def _error_text(error: CaseError) -> str:
    return " | ".join(str(problem) for problem in error.problems) or str(error)


def _csv_row(number: int, reference: str | None, result: Outcome | CaseError, *, explain: bool = False) -> list[Any]:
    """:func:`record` as CSV cells (lists joined by "; "), made directly: it runs for every row."""
    reference = reference or ""
    if isinstance(result, CaseError):
        row: list[Any] = [number, reference, "invalid", "", "", "", "", "", "", "", "", _error_text(result)]
        return row + ["", ""] if explain else row
    rules = "; ".join(result.rules)
    if isinstance(result, Decision):
        shares = "; ".join(f"{s.entity} {s.fraction.numerator}/{s.fraction.denominator}" for s in result.shares)
        row = [number, reference, "decision", result.funder, result.entity, shares, "", "", "", "", rules, ""]
    else:
        row = [number, reference, "escalation", "", "", "", result.reason.value, result.route.id,
               result.interim_funder or "", "; ".join(result.missing_facts), rules, ""]
    if explain:
        row += ["; ".join(b.citation for b in result.legal_basis), result.explanation]
    return row


class _Writer:
    """Output rows as text of one format."""

    def __init__(self, kind: Format, explain: bool, delimiter: str = ",") -> None:
        self.kind = kind
        self.columns = OUTPUT_COLUMNS + (EXPLAIN_COLUMNS if explain else ())
        self.explain = explain
        self.delimiter = delimiter

    def header(self) -> str:
        if self.kind == "jsonl":
            return ""
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\n").writerow(self.columns)
        return buffer.getvalue()

    def rows(self, results: list[tuple[int, str | None, Outcome | CaseError]]) -> str:
        """The text of the output rows of (row number, reference, outcome or error)."""
        if self.kind == "jsonl":
            return "".join(json.dumps(record(*item, explain=self.explain), ensure_ascii=False) + "\n"
                           for item in results)
        delimiter, separators = self.delimiter, len(self.columns) - 1
        lines = []
        for item in results:
            cells = _csv_row(*item, explain=self.explain)
            line = delimiter.join([cell if isinstance(cell, str) else str(cell) for cell in cells])
            if line.count(delimiter) != separators or '"' in line or "\n" in line or "\r" in line:
                line = self._quoted(cells)
            lines.append(line)  # no cell needs quotes: what the csv module writes, in half the time
        return "".join(line + "\n" for line in lines)

    def _quoted(self, cells: list[Any]) -> str:
        buffer = io.StringIO()
        # the line terminator counts: a cell holding it is quoted
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\n").writerow(cells)
        return buffer.getvalue()[:-1]


# ---------------------------------------------------------------------------------------------
# The summary


@dataclasses.dataclass
class Summary:
    """What a run decided, in totals a policymaker asks for; summaries of parts add up.

    ``payers`` counts cases per (funder, entity): a shared cost counts as the payer's exact
    share of one case. ``amounts`` adds up the ``bedrag`` column the same way.
    """

    rows: int = 0
    decided: int = 0
    escalated: Counter[str] = dataclasses.field(default_factory=Counter)
    invalid: int = 0
    # whole cases stay int (a Fraction sum costs ten times as much); a share makes its payer's count a Fraction
    payers: defaultdict[tuple[str, str], Fraction | int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    amounts: defaultdict[tuple[str, str], Fraction] = dataclasses.field(default_factory=lambda: defaultdict(Fraction))
    escalated_amount: defaultdict[str, Fraction] = dataclasses.field(default_factory=lambda: defaultdict(Fraction))
    rules_decided: Counter[str] = dataclasses.field(default_factory=Counter)
    rules_escalated: Counter[str] = dataclasses.field(default_factory=Counter)
    invalid_fields: Counter[str] = dataclasses.field(default_factory=Counter)
    #: the first invalid rows, as "rij N (regel L): field: problem" lines
    invalid_rows: list[str] = dataclasses.field(default_factory=list)

    MAX_LISTED = 20

    def add(self, result: Outcome | CaseError, amount: Decimal | None = None, row: RawRow | None = None) -> None:
        """Count one outcome (or invalid row) with its amount; ``row`` says where an invalid row is."""
        self.rows += 1
        if isinstance(result, CaseError):
            self.invalid += 1
            self.invalid_fields.update(list(dict.fromkeys(p.field or "(rij)" for p in result.problems)))
            if len(self.invalid_rows) < self.MAX_LISTED:
                where = f"rij {row.number} (regel {row.line}): " if row is not None else ""
                self.invalid_rows.append(where + _error_text(result))
            return
        if isinstance(result, Decision):
            self.decided += 1
            self.rules_decided.update(result.rules)
            if result.shares:
                for share in result.shares:
                    key = (result.funder, share.entity)
                    self.payers[key] += share.fraction
                    if amount is not None:
                        self.amounts[key] += Fraction(amount) * share.fraction
            else:
                self.payers[(result.funder, result.entity)] += 1
                if amount is not None:
                    self.amounts[(result.funder, result.entity)] += Fraction(amount)
            return
        self.escalated[result.reason.value] += 1
        self.rules_escalated.update(result.rules)
        if amount is not None:
            self.escalated_amount[result.reason.value] += Fraction(amount)

    def merge(self, other: Summary) -> None:
        self.rows += other.rows
        self.decided += other.decided
        self.invalid += other.invalid
        for name in ("escalated", "rules_decided", "rules_escalated", "invalid_fields"):
            getattr(self, name).update(getattr(other, name))
        for name in ("payers", "amounts", "escalated_amount"):
            mine = getattr(self, name)
            for key, value in getattr(other, name).items():
                mine[key] += value
        self.invalid_rows += other.invalid_rows[: self.MAX_LISTED - len(self.invalid_rows)]

    def line(self) -> str:
        """One Dutch line: rows, decided, escalated by reason, invalid."""
        reasons = ", ".join(f"{_REASON_NAMES[r]} {n}" for r, n in sorted(self.escalated.items(), key=lambda i: (-i[1], i[0])))
        escalated = sum(self.escalated.values())
        return (f"{self.rows} rijen: {self.decided} beslist, {escalated} geëscaleerd"
                + (f" ({reasons})" if reasons else "") + f", {self.invalid} ongeldig")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "decided": self.decided, "escalated": dict(self.escalated), "invalid": self.invalid,
            "payers": [{"funder": f, "entity": e, "cases": _number(n), "amount": _money(self.amounts.get((f, e)))}
                       for (f, e), n in sorted(self.payers.items(), key=lambda i: (-i[1], i[0]))],
            "escalated_amount": {r: _money(a) for r, a in self.escalated_amount.items()},
            "rules": [{"rule": r, "decided": self.rules_decided[r], "escalated": self.rules_escalated[r]}
                      for r in sorted(self.rules_decided.keys() | self.rules_escalated.keys(),
                                      key=lambda r: (-(self.rules_decided[r] + self.rules_escalated[r]), r))],
            "invalid_fields": dict(self.invalid_fields),
        }

    def format(self) -> str:
        """The totals as Dutch tables: per payer, per escalation reason, per rule."""
        data = self.to_dict()
        money = bool(self.amounts or self.escalated_amount)
        lines = [self.line(), "", "Per betaler (gedeelde kosten tellen naar aandeel):"]
        table = [[p["entity"], p["funder"], _dutch(p["cases"])] + ([_dutch_money(p["amount"])] if money else [])
                 for p in data["payers"]]
        lines += _table(["partij", "betaler", "casussen"] + (["bedrag"] if money else []), table, 2) or ["  (geen)"]
        lines += ["", "Per reden van escalatie:"]
        table = [[f"{_REASON_NAMES[r]} [{r}]", str(n)] + ([_dutch_money(_money(self.escalated_amount.get(r)))] if money else [])
                 for r, n in sorted(self.escalated.items(), key=lambda i: (-i[1], i[0]))]
        lines += _table(["reden", "casussen"] + (["bedrag"] if money else []), table, 1) or ["  (geen)"]
        lines += ["", "Per regel:"]
        lines += _table(["regel", "beslist", "geëscaleerd"],
                        [[r["rule"], str(r["decided"]), str(r["escalated"])] for r in data["rules"]], 1) or ["  (geen)"]
        if self.invalid:
            lines += ["", "Ongeldige rijen per veld:"]
            fields = sorted(self.invalid_fields.items(), key=lambda i: (-i[1], i[0]))
            lines += _table(["veld", "rijen"], [[f, str(n)] for f, n in fields], 1)
        return "\n".join(lines) + "\n"


_REASON_NAMES = {reason.value: name for reason, name in REASON_NAMES.items()}


def _number(value: Fraction | int) -> int | float:
    return int(value) if Fraction(value).denominator == 1 else round(float(value), 2)


def _money(value: Fraction | None) -> str | None:
    return None if value is None else f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}"


_DUTCH_DIGITS = str.maketrans({",": ".", ".": ","})


def _dutch(value: int | float) -> str:
    """1.234 and 1.234,50: Dutch thousands and decimals."""
    return (f"{value:,}" if isinstance(value, int) else f"{value:,.2f}").translate(_DUTCH_DIGITS)


def _dutch_money(value: str | None) -> str:
    return "" if value is None else "€ " + f"{Decimal(value):,.2f}".translate(_DUTCH_DIGITS)


def _table(header: list[str], rows: list[list[str]], text_columns: int) -> list[str]:
    """Aligned columns: the first ``text_columns`` to the left, the numbers after them to the right."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        aligned = [c.ljust(w) if i < text_columns else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return ("  " + "  ".join(aligned)).rstrip()

    return [line(header)] + [line(row) for row in rows]


# ---------------------------------------------------------------------------------------------
# Files in, files out


def _decide_rows(worker: _Worker, chunk: _RowChunk) -> tuple[str, Summary]:
    """Read, decide and write one chunk of rows: the text of its output rows, and its summary."""
    assert worker.rows is not None and worker.writer is not None
    rows = chunk.rows()
    parsed = [worker.rows.parse(row) for row in rows]
    errors: dict[int, CaseError] = {}
    for index, item in enumerate(parsed):
        if not item.problems:
            continue
        if any(not problem.field for problem in item.problems):
            errors[index] = CaseError(item.problems)  # the row could not be read at all
        elif item.problems:
            # name every bad field at once: the row's own problems and the case's
            try:
                parse_case(item.data)
                errors[index] = CaseError(item.problems)
            except CaseError as error:
                errors[index] = CaseError([*item.problems, *error.problems])
    cases = [item.data for index, item in enumerate(parsed) if index not in errors]
    outcomes = worker.engine.decide_many(cases, settle=worker.settle, chunk_size=max(1, len(cases)))
    summary = Summary()
    results = []
    for index, (row, item) in enumerate(zip(rows, parsed)):
        result = errors[index] if index in errors else next(outcomes)
        results.append((row.number, item.reference, result))
        summary.add(result, item.amount, row)
    return worker.writer.rows(results), summary


def run_batch(
    source: Iterable[bytes],
    target: Sink,
    framework: Framework,
    *,
    input_format: Format,
    output_format: Format,
    jobs: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    postcodes: PostcodeTable | None = None,
    settle: bool = False,
    explain: bool = False,
    delimiter: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> tuple[Summary, bool]:
    """Decide every row of ``source`` and write one output row per input row to ``target``.

    Output is written a whole chunk of rows at a time, so whatever stops the run (``stop()``
    turning true, as the command line makes ^C do) leaves complete rows behind. ``progress`` is
    called with (rows written, bytes read) after every chunk.

    Returns:
        the summary, and whether every row was done (False when ``stop`` ended the run).

    Raises:
        BatchError: the input cannot be read as a whole (such as a CSV header naming unknown columns).
        EvaluationError: the engine or a worker process failed.
    """
    counter = [0]
    _check_chunk_size(chunk_size)
    rows_format, chunks = read_chunks(source, input_format, chunk_size, delimiter=delimiter, counter=counter)
    # a semicolon file from a Dutch spreadsheet gets semicolons back
    writer = _Writer(output_format, explain, delimiter=rows_format.delimiter)
    worker = _Worker(framework, postcodes, settle, rows_format, writer)
    _write(target, writer.header())
    summary = Summary()
    stopped = False

    def stopping() -> bool:
        nonlocal stopped
        stopped = stopped or stop()
        return stopped

    for text, part in _ordered(worker, _decide_rows, chunks, _jobs(jobs), stopping):
        _write(target, text)
        summary.merge(part)
        if progress is not None:
            progress(summary.rows, counter[0])
    return summary, not stopped


def _write(target: Sink, text: str) -> None:
    if text:
        target.write(text.encode("utf-8", "surrogateescape"))
        target.flush()


def guess_format(path: str | Path) -> Format | None:
    """The format a file name suggests: .csv, or .jsonl/.ndjson/.json for JSON Lines."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return None
