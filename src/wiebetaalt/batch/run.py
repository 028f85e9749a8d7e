"""A whole caseload at once: Python objects or a file in, one outcome per case out, on every core.

- :func:`decide_batch`: Python objects in, outcomes out, in input order, streaming, on worker
  processes; :meth:`wiebetaalt.engine.engine.Engine.decide_many` is the same on one core.
- :func:`run_batch`: a file in, a file out, with a :class:`~wiebetaalt.batch.summary.Summary`
  (what ``wiebetaalt batch`` runs). The workers read the rows, decide them and write the output
  text themselves; the main process only finds where each row ends and moves bytes between the
  files and the workers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from ..decision.audit import Auditor
from ..decision.outcome import Outcome
from ..engine.durable import CHUNK_SIZE
from ..errors import CaseError
from ..load.loader import load_framework
from ..load.postcodes import PostcodeTable, bundled_postcodes
from ..model.case import Case
from ..model.framework import Framework
from .cases import row_errors, without_values
from .formats import Format
from .output import Writer
from .pool import Worker, check_chunk_size, chunks, jobs_to_use, ordered
from .reading import read_chunks
from .rows import RowChunk
from .summary import Summary


class Sink(Protocol):
    """Where output rows go: a file opened for binary writing, or anything with these methods."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


def decide_batch(
    framework: Framework | str | Path,
    cases: Iterable[Case | Mapping[str, Any]],
    *,
    jobs: int | None = None,
    chunk_size: int = CHUNK_SIZE,
    postcodes: PostcodeTable | None = None,
    settle: bool = False,
    presume: bool = True,
) -> Iterator[Outcome | CaseError]:
    """Decide many cases on ``jobs`` worker processes (default: every core), in input order.

    Yields, for every case, exactly what ``Engine.decide(case, settle=settle, presume=presume)`` returns for it, or
    the :class:`CaseError` it raises. Streaming: at most a few chunks per worker are in flight,
    so memory does not grow with the input. ``settle=False`` (the default here) leaves out which
    answers would settle a missing-facts escalation: working that out decides such a case again
    for every answer (docs/batch.md).

    Raises:
        FrameworkError: the framework (given as a path) does not load.
        EvaluationError: the engine or a worker process failed.
    """
    # checked now, not when the first outcome is asked for
    jobs = jobs_to_use(jobs)
    check_chunk_size(chunk_size)
    if isinstance(framework, (str, Path)):
        framework = load_framework(framework)
    worker = Worker(framework, postcodes, settle, presume=presume)
    return (outcome for results in ordered(worker, _decide_cases, chunks(cases, chunk_size), jobs)
            for outcome in results)


def _decide_cases(worker: Worker, chunk: list[Case | Mapping[str, Any]]) -> list[Outcome | CaseError]:
    return list(worker.engine.decide_many(chunk, settle=worker.settle, chunk_size=len(chunk),
                                          presume=worker.presume))


def _decide_rows(worker: Worker, chunk: RowChunk) -> tuple[str, Summary]:
    """Read, decide and write one chunk of rows: the text of its output rows, and its summary."""
    assert worker.rows is not None and worker.writer is not None
    rows = chunk.rows()
    parsed = worker.rows.read(rows)
    errors = row_errors(parsed)
    cases = [item.data for index, item in enumerate(parsed) if index not in errors]
    outcomes = worker.engine.decide_many(cases, settle=worker.settle, chunk_size=max(1, len(cases)),
                                         presume=worker.presume)
    summary = Summary()
    results: list[tuple[int, str | None, Outcome | CaseError]] = []
    for index, (row, item) in enumerate(zip(rows, parsed)):
        result = errors[index] if index in errors else next(outcomes)
        if isinstance(result, CaseError):
            result = without_values(result, item.data)
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
    presume: bool = True,
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
    check_chunk_size(chunk_size)
    reader, row_chunks = read_chunks(source, input_format, chunk_size, delimiter=delimiter, counter=counter)
    # what every outcome of the run shares, written once: at the head of JSON Lines and in the summary
    audit = Auditor(framework, postcodes if postcodes is not None else bundled_postcodes()).header(settle, presume)
    # a semicolon file from a Dutch spreadsheet gets semicolons back
    writer = Writer(output_format, explain, delimiter=reader.delimiter, audit=audit)
    worker = Worker(framework, postcodes, settle, reader, writer, presume)
    _write(target, writer.header())
    summary = Summary(audit=audit)
    stopped = False

    def stopping() -> bool:
        nonlocal stopped
        stopped = stopped or stop()
        return stopped

    for text, part in ordered(worker, _decide_rows, row_chunks, jobs_to_use(jobs), stopping):
        _write(target, text)
        summary.merge(part)
        if progress is not None:
            progress(summary.rows, counter[0])
    return summary, not stopped


def _write(target: Sink, text: str) -> None:
    if text:
        target.write(text.encode("utf-8", "surrogateescape"))
        target.flush()
