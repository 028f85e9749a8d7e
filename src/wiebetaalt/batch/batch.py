"""A whole caseload at once: CSV or JSON Lines in, one outcome row per case out, on every core.

A region runs its caseload through a framework to settle accounts between municipalities, to find
the cases in a grey zone, or to see what a new agreement would shift. Nothing is lost on the way:
a row that is not a valid case gets an output row that names its row number and the field, and
every other row is still decided. See docs/batch.md.

- :func:`decide_batch`: Python objects in, outcomes out, in input order, streaming, on worker
  processes; :meth:`wiebetaalt.engine.engine.Engine.decide_many` is the same on one core.
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
from typing import Any, AnyStr, Literal, NamedTuple, Protocol, TypeVar

from ..decision.audit import Auditor
from ..model.case import CASE_FIELDS, Case, parse_case
from ..engine.durable import CHUNK_SIZE
from ..engine.engine import Engine
from ..errors import CaseError, CaseProblem, EvaluationError, WiebetaaltError
from ..load.loader import load_framework
from ..model.framework import Framework
from ..decision.outcome import REASON_NAMES, Decision, Outcome, format_share
from ..load.postcodes import PostcodeTable, bundled_postcodes

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
    "missing_facts", "rules", "error",
)
EXPLAIN_COLUMNS: tuple[str, ...] = ("legal_basis", "explanation")
#: Which framework decided the row, as ``id@version sha256:…`` (:attr:`FrameworkReference.reference`);
#: the whole audit record is once in the summary and at the head of JSON Lines output (docs/audit.md).
AUDIT_COLUMNS: tuple[str, ...] = ("audit",)


def output_columns(explain: bool = False) -> tuple[str, ...]:
    """The columns of an output row, in order."""
    return OUTPUT_COLUMNS + (EXPLAIN_COLUMNS if explain else ()) + AUDIT_COLUMNS

_BOOLEANS = {"true": True, "ja": True, "1": True, "false": False, "nee": False, "0": False}
_PLAIN_BOOLEANS = {spelling: value for word, value in _BOOLEANS.items()
                   for spelling in (word, word.upper(), word.capitalize())}
_NOT_UTF8 = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, as surrogateescape decodes them
_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON escape that json.loads turns into a lone surrogate when no second half follows it
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
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
        if len(row.data) > _MAX_ROW_BYTES:
            # read_chunks cut it off there: what is left of it is no row
            return _Parsed(None, None, {}, [CaseProblem("", f"de rij is langer dan {_MAX_ROW_BYTES >> 20} MiB",
                                                        f"een rij van hoogstens {_MAX_ROW_BYTES >> 20} MiB")])
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
        if _open_quote(text, self.delimiter, '"')[0]:
            # the csv module would silently end the cell at the end of the row
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
                # the message names the column, never the value: a cell may hold a name or a BSN
                problems.append(CaseProblem(column, "not true or false", "true or false (also ja/nee, 1/0)"))
            return value
        if _INT.fullmatch(cell):
            return int(cell)
        problems.append(CaseProblem(column, "not a whole number", "a whole number"))
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
        # json.loads keeps the last of a key given twice: key order would decide the case. Every key
        # is followed by a colon, so as many colons as keys means no key is repeated; otherwise
        # (a key given twice, deeper objects, or a colon in a text) the row is read again, noting them.
        keys = len(value) + sum(len(item) for item in value.values() if type(item) is dict)
        if line.count(":") != keys:
            value = _checked(json.loads(line, object_pairs_hook=_noting_repeats), "", problems)
        elif "\\u" in line and _ESCAPED_SURROGATE.search(line):
            value = _checked(value, "", problems)
        data: dict[str, Any] = {}
        for key, item in value.items():
            # a case as in a case file, or with the dotted names of the CSV columns; a field given both
            # ways is refused, as a CSV header that names a column twice is
            section, name = _place(key)
            if section and isinstance(data.setdefault(section, {}), dict):
                if name in data[section]:
                    problems.append(_given_twice(key))
                data[section][name] = item
            elif isinstance(item, dict) and isinstance(data.get(key), dict):
                problems += [_given_twice(f"{key}.{name}") for name in item if name in data[key]]
                data[key].update(item)
            else:
                data[key] = item
        return data


#: the key json.loads cannot make, under which :func:`_noting_repeats` notes the keys an object repeats
_REPEATED = object()


def _noting_repeats(items: list[tuple[str, Any]]) -> dict[Any, Any]:
    """A JSON object as a dict, with the keys it gives more than once under ``_REPEATED``."""
    found: dict[Any, Any] = dict(items)
    if len(found) != len(items):
        found[_REPEATED] = [key for key, count in Counter(key for key, _ in items).items() if count > 1]
    return found


def _given_twice(field: str) -> CaseProblem:
    return CaseProblem(field, "staat meer dan eens in de rij (twee keer dezelfde sleutel, of genest én met een punt)",
                       "elk veld één keer")


class _Drop:
    """A JSON value that is left out of the row (its problem is noted)."""


_DROPPED = _Drop()


def _checked(value: Any, field: str, problems: list[CaseProblem]) -> Any:
    """A parsed JSON value without the keys it repeats and without lone surrogates, each a problem.

    A lone surrogate (``"\\ud800"`` with no second half) is no text: it cannot be written as
    UTF-8, and a field that holds one is left out. Returns ``_DROPPED`` for such a value.
    """
    if isinstance(value, str):
        if _SURROGATE.search(value):
            problems.append(_surrogate(field))
            return _DROPPED
        return value
    if isinstance(value, list):
        items = [_checked(item, field, problems) for item in value]
        return _DROPPED if any(item is _DROPPED for item in items) else items
    if not isinstance(value, dict):
        return value
    prefix = f"{field}." if field else ""
    problems += [_given_twice(prefix + _printable(key)) for key in value.pop(_REPEATED, ())]
    clean = {}
    for key, item in value.items():
        if _SURROGATE.search(key):
            problems.append(_surrogate(prefix + _printable(key)))
            continue
        item = _checked(item, prefix + key, problems)
        if item is not _DROPPED:
            clean[key] = item
    return clean


def _surrogate(field: str) -> CaseProblem:
    return CaseProblem(field, "bevat een losse surrogaat (\\ud800–\\udfff), geen tekst", "tekst in UTF-8")


def _printable(key: str) -> str:
    """A key as a message can name it: a lone surrogate as its escape."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")


def _without_ending(text: str) -> str:
    """A row's text without the line ending the csv module ignores."""
    return text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text


def _place(column: str) -> tuple[str, str]:
    section, dot, name = column.partition(".")
    return (section, name) if dot else ("", column)


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
    problems.append(CaseProblem(AMOUNT, "not an amount", "euros, such as 1250 or 1250,50"))
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
    lines = _lines(stream, counter)
    if kind == "jsonl":
        def json_rows() -> Iterator[tuple[int, bytes]]:
            for line_number, line in enumerate(lines, 1):
                if line_number == 1:
                    line = line.removeprefix(_BOM)
                if line.strip():
                    yield line_number, line

        return _RowFormat("jsonl"), _in_chunks(json_rows(), size)
    first = next(lines, b"")
    text = first.removeprefix(_BOM).decode("utf-8", "surrogateescape")
    if not text.strip():
        raise BatchError("the CSV file has no header; the first line names the columns (docs/batch.md)")
    if delimiter is None:
        # Dutch spreadsheets write semicolons; the header has one separator between every column
        delimiter = max((";", ",", "\t"), key=text.count)
    header = tuple(cell.strip() for cell in next(csv.reader([text], delimiter=delimiter)))
    _check_header(header)
    return _RowFormat("csv", header, delimiter), _in_chunks(_csv_rows(lines, header, delimiter), size)


def _lines(stream: Iterable[bytes], counter: list[int]) -> Iterator[bytes]:
    """The lines of ``stream``, none longer than ``_MAX_ROW_BYTES + 1`` bytes; ``counter[0]`` counts the bytes read.

    A longer line is cut off there and the rest of it skipped, so that an input without line
    breaks (such as /dev/zero) cannot fill the memory; the row it starts is invalid.
    """
    readline = getattr(stream, "readline", None)
    if readline is None:
        for line in stream:
            counter[0] += len(line)
            yield line[: _MAX_ROW_BYTES + 1]
        return
    while line := readline(_MAX_ROW_BYTES + 1):
        counter[0] += len(line)
        if len(line) > _MAX_ROW_BYTES and not line.endswith(b"\n"):
            while rest := readline(1 << 16):
                counter[0] += len(rest)
                if rest.endswith(b"\n"):
                    break
        yield line


def _csv_rows(lines: Iterator[bytes], header: tuple[str, ...], delimiter: str) -> Iterator[tuple[int, bytes]]:
    """(first line, bytes) of every CSV row after the header: every line that holds cells is in one row.

    A quoted cell may hold line breaks (a quote is special only as the first character of a cell,
    as in the csv module). A row goes on over the next lines until its open cell closes, but never
    over a line that is a whole row by itself (the header's number of cells, every quoted cell
    closed), nor past ``_MAX_ROW_LINES`` lines or ``_MAX_ROW_BYTES``: then the quote was never
    closed, the row is its first line alone (invalid), and the lines after it are read again as
    rows of their own. So an unclosed quote never swallows the rows after it.
    """
    separator, quote, columns = delimiter.encode(), b'"', len(header)
    empty = b" \t\r\n" + separator
    numbered = enumerate(lines, 2)
    again: deque[tuple[int, bytes]] = deque()  # lines read ahead for a row that did not close

    def whole(line: bytes) -> bool:
        if quote not in line:
            return line.count(separator) + 1 == columns
        still_open, cells = _open_quote(line, separator, quote)
        return not still_open and cells == columns

    while (item := again.popleft() if again else next(numbered, None)) is not None:
        start, line = item
        if quote in line and len(line) <= _MAX_ROW_BYTES and _open_quote(line, separator, quote)[0]:
            taken, length, still_open = [line], len(line), True
            while still_open and len(taken) < _MAX_ROW_LINES:
                more = again.popleft() if again else next(numbered, None)
                if more is None:
                    break
                taken.append(more[1])
                length += len(more[1])
                if length > _MAX_ROW_BYTES or whole(more[1]):
                    break
                still_open = _open_quote(more[1], separator, quote, quoted=True)[0]
            if still_open:
                again.extendleft(reversed(list(enumerate(taken[1:], start + 1))))
            else:
                line = b"".join(taken)
        if line.strip(empty):  # a line of nothing but separators is no row
            yield start, line


def _open_quote(line: AnyStr, delimiter: AnyStr, quote: AnyStr, quoted: bool = False) -> tuple[bool, int]:
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


def _in_chunks(rows: Iterator[tuple[int, bytes]], size: int) -> Iterator[_RowChunk]:
    """(line, bytes) of each row, numbered from 1, as chunks of ``size`` rows."""
    number = 0
    while block := list(itertools.islice(rows, size)):
        lines, data = zip(*block)
        yield _RowChunk(list(range(number + 1, number + len(block) + 1)), list(lines), list(data))
        number += len(block)


_BOM = b"\xef\xbb\xbf"  # Excel starts a UTF-8 file with one
_MAX_ROW_LINES = 100  # a cell over more lines than this is a quote left open
#: a row (all its lines) holds at most this many bytes; the same bound as a case file on the command line
_MAX_ROW_BYTES = 1 << 20


def _check_header(header: tuple[str, ...]) -> None:
    if not set(header) & set(INPUT_COLUMNS):
        # most likely the first row of cases: its cells are case data, not to be repeated in a message
        raise BatchError("de eerste regel noemt geen enkele bekende kolom; een CSV-bestand begint met een kopregel "
                         "die de kolommen noemt, zoals id, peildatum en kind.brp_gemeente (docs/batch.md)")
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
    """The output row of one input row: the columns of :func:`output_columns`, typed for JSON."""
    row: dict[str, Any] = dict.fromkeys(output_columns(explain))
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
    row["audit"] = _reference(result)
    return row


def _reference(outcome: Outcome) -> str | None:
    """The framework that decided ``outcome``, in one cell; None for an outcome without an audit record."""
    return outcome.audit.framework.reference if outcome.audit is not None else None


def _error_text(error: CaseError) -> str:
    return " | ".join(str(problem) for problem in error.problems) or str(error)


#: how a cell starts that a spreadsheet takes for a formula (OWASP, CSV injection)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _text(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text: one that starts like a formula gets a ' in front."""
    return "'" + cell if cell.startswith(_FORMULA) else cell


def _csv_row(number: int, reference: str | None, result: Outcome | CaseError, *, explain: bool = False) -> list[Any]:
    """:func:`record` as CSV cells (lists joined by "; "), made directly: it runs for every row.

    Every cell that can hold text of the case (the reference, a party taken from a case field and
    the shares, explanations and errors that name it) goes through :func:`_text`; the ids of the
    framework, the status and the reason cannot start like a formula, and the row number is a number.
    The audit cell starts with the framework's id, but its version is text of the rule file: it
    goes through :func:`_text` too.
    """
    reference = _text(reference) if reference else ""
    if isinstance(result, CaseError):
        row: list[Any] = [number, reference, "invalid", "", "", "", "", "", "", "", "", _text(_error_text(result))]
        return row + ["", "", ""] if explain else row + [""]
    rules = "; ".join(result.rules)
    if isinstance(result, Decision):
        shares = "; ".join(f"{s.entity} {s.fraction.numerator}/{s.fraction.denominator}" for s in result.shares)
        row = [number, reference, "decision", result.funder, _text(result.entity), _text(shares), "", "", "", "",
               rules, ""]
    else:
        row = [number, reference, "escalation", "", "", "", result.reason.value, result.route.id,
               _text(result.interim_funder or ""), "; ".join(result.missing_facts), rules, ""]
    if explain:
        row += [_text("; ".join(b.citation for b in result.legal_basis)), _text(result.explanation)]
    row.append(_text(result.audit.framework.reference) if result.audit is not None else "")
    return row


class _Writer:
    """Output rows as text of one format."""

    def __init__(self, kind: Format, explain: bool, delimiter: str = ",",
                 audit: Mapping[str, Any] | None = None) -> None:
        self.kind = kind
        self.columns = output_columns(explain)
        self.explain = explain
        self.delimiter = delimiter
        self.audit = audit

    def header(self) -> str:
        """The CSV header line; for JSON Lines the run's audit record, as ``{"audit": {…}}``, when known."""
        if self.kind == "jsonl":
            # a record without "row" is no output row: readers tell it apart by that key
            return json.dumps({"audit": self.audit}, ensure_ascii=False) + "\n" if self.audit is not None else ""
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
        # a cell holding a character of the line terminator is quoted: with "\r\n" a lone carriage
        # return is quoted too (Python 3.11 leaves it bare with "\n", and readers then stop)
        csv.writer(buffer, delimiter=self.delimiter, lineterminator="\r\n").writerow(cells)
        return buffer.getvalue()[:-2]


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
    #: the part of the audit record every outcome of the run shares (:meth:`wiebetaalt.decision.audit.Auditor.header`)
    audit: dict[str, Any] | None = None

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
        if self.audit is None:
            self.audit = other.audit

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
            "audit": self.audit,
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
    results: list[tuple[int, str | None, Outcome | CaseError]] = []
    for index, (row, item) in enumerate(zip(rows, parsed)):
        result = errors[index] if index in errors else next(outcomes)
        if isinstance(result, CaseError):
            result = _without_values(result, item.data)
        results.append((row.number, item.reference, result))
        summary.add(result, item.amount, row)
    return worker.writer.rows(results), summary


def _without_values(error: CaseError, data: Mapping[str, Any]) -> CaseError:
    """``error`` with no value of the row in its messages: only the field and the problem.

    A cell may hold a name or a BSN typed in the wrong column, and the output and standard
    error are shared more widely than the input. The case model quotes a bad date and an
    unknown choice; any other message that holds the field's value loses its text too.
    """
    problems = [_without_value(problem, data) for problem in error.problems]
    return error if problems == list(error.problems) else CaseError(problems, source=error.source)


# the case model quoted the value in these two messages (older versions of case.py do)
_DATE_ECHO = re.compile(r"not a valid date '.*'(; write YYYY-MM-DD)?", re.S)
_CHOICE = re.compile(r"unknown value( \(did you mean '[^']*'\?\))?")
_CHOICE_ECHO = re.compile(r"unknown value .*?(?: \(did you mean '([^']*)'\?\))?", re.S)


def _without_value(problem: CaseProblem, data: Mapping[str, Any]) -> CaseProblem:
    message = problem.message
    if _DATE_ECHO.fullmatch(message):
        message = "not a valid date; write YYYY-MM-DD"
    elif not _CHOICE.fullmatch(message) and (echo := _CHOICE_ECHO.fullmatch(message)):
        # a suggestion is one of the field's own values, not the cell's
        kind = CASE_FIELDS.get(problem.field)
        known = echo[1] is not None and kind is not None and echo[1] in kind.values
        message = "unknown value" + (f" (did you mean {echo[1]!r}?)" if known else "")
    elif any(text in message for text in _texts(_value_at(data, problem.field))):
        message = "not a valid value"
    return problem if message == problem.message else CaseProblem(problem.field, message, problem.expected)


def _value_at(data: Mapping[str, Any], field: str) -> Any:
    value: Any = data
    for name in field.split(".") if field else ():
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _texts(value: Any, depth: int = 0) -> Iterator[str]:
    """The scalar values in ``value`` as text, those long enough to tell apart from a message's own words."""
    if isinstance(value, (list, tuple)) and depth < 3:
        for item in value[:20]:
            yield from _texts(item, depth + 1)
    elif isinstance(value, Mapping) and depth < 3:
        for item in list(value.values())[:20]:
            yield from _texts(item, depth + 1)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(text := str(value).strip()) >= 3:
        yield text


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
    # what every outcome of the run shares, written once: at the head of JSON Lines and in the summary
    audit = Auditor(framework, postcodes if postcodes is not None else bundled_postcodes()).header(settle)
    # a semicolon file from a Dutch spreadsheet gets semicolons back
    writer = _Writer(output_format, explain, delimiter=rows_format.delimiter, audit=audit)
    worker = _Worker(framework, postcodes, settle, rows_format, writer)
    _write(target, writer.header())
    summary = Summary(audit=audit)
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
