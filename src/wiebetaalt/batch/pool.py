"""Worker processes: a task over chunks on every core, the results in input order, a bounded number
in flight, and the garbage collector tuned for a batch.

durable_rules holds the GIL, so a batch uses processes, not threads. Each worker process builds
its own engine once (:class:`Worker`); with one job the chunks run in this process instead.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from ..engine.engine import Engine
from ..errors import EvaluationError
from ..load.postcodes import PostcodeTable
from ..model.framework import Framework
from .cases import RowReader
from .output import Writer

T = TypeVar("T")
R = TypeVar("R")


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def jobs_to_use(jobs: int | None) -> int:
    if jobs is None:
        return default_jobs()
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    return jobs


def check_chunk_size(size: int) -> None:
    if size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {size}")


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    source = iter(items)
    while chunk := list(itertools.islice(source, size)):
        yield chunk


class Worker:
    """What one process needs to decide chunks: an engine, and for files the row reader and writer."""

    def __init__(self, framework: Framework, postcodes: PostcodeTable | None, settle: bool,
                 rows: RowReader | None = None, writer: Writer | None = None, presume: bool = True) -> None:
        self.framework = framework
        self.postcodes = postcodes
        self.settle = settle
        self.presume = presume
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


_current: Worker | None = None


def _start_worker(worker: Worker) -> None:
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
    # the resolver's caches each time (docs/batch.md, Speed and memory). Freezing what is loaded
    # and collecting less often saves that.
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


def _in_worker(task: Callable[[Worker, T], R], chunk: T) -> R:
    assert _current is not None, "runs in a worker process, after _start_worker"
    return task(_current, chunk)


def _context() -> multiprocessing.context.BaseContext:
    # A fork of a process with threads (the pool's own manager thread, an app's threads) can
    # deadlock; the fork server starts workers from a clean process that has the package loaded.
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["wiebetaalt.batch"])
        return context
    return multiprocessing.get_context("spawn")


def ordered(worker: Worker, task: Callable[[Worker, T], R], items: Iterable[T], jobs: int,
            stop: Callable[[], bool] = lambda: False) -> Iterator[R]:
    """``task`` over ``items`` (chunks) on ``jobs`` processes; results in order, a bounded number in flight."""
    if jobs == 1:
        for chunk in items:
            if stop():
                return
            with _collecting_less():  # not across the yield: the caller's code runs as usual
                result = task(worker, chunk)
            yield result
        return
    pool = ProcessPoolExecutor(jobs, mp_context=_context(), initializer=_start_worker, initargs=(worker,))
    pending: deque[Future[R]] = deque()
    try:
        for chunk in items:
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
