"""The ``batch`` command: a caseload file in, one output row per input row out (docs/batch.md).

What the command adds to :func:`wiebetaalt.batch.run_batch`: it refuses an output that is the input
before anything is written, writes the rows to a file that replaces the output only when the run
is done, stops cleanly on ^C (the rows written so far are complete; exit 130), shows a progress bar
on a terminal, and prints the summary.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from typing import IO, TextIO

from ..batch import BatchError, Format, Summary, guess_format, run_batch
from ..engine.durable import require_durable
from ..errors import EvaluationError
from ..load.postcodes import PostcodeTable
from ..model.framework import Framework
from . import text
from .files import Replacing, Sink, StdoutBytes, WriteFailed, same_as_stdin, same_file, size, write_file
from .inputs import framework_and_postcodes


def batch_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    require_durable()  # here, not in every worker process
    input_format = args.input_format or guess_format(args.input)
    output_format: Format | None = args.output_format or guess_format(args.output) or input_format
    if input_format is None or output_format is None:
        err.write(f"{text.FORMAT_UNKNOWN}\n")
        return 2
    if args.jobs is not None and args.jobs < 1 or args.chunk_size < 1:
        err.write(f"{text.JOBS_TOO_SMALL}\n")
        return 2
    to_stdout, from_stdin = str(args.output) == "-", str(args.input) == "-"
    clash = _clash(args, to_stdout, from_stdin)
    if clash:
        err.write(clash + "\n")
        return 2
    loaded = framework_and_postcodes(args, out, err)
    if loaded is None:
        return 2
    framework, postcodes = loaded
    try:
        source = sys.stdin.buffer if from_stdin else args.input.open("rb")
    except OSError as error:
        err.write(f"{text.cannot_read(args.input, error)}\n")
        return 2
    with source:
        if from_stdin and not to_stdout and same_as_stdin(args.output):
            err.write(f"{text.output_is_stdin(args.output)}\n")
            return 2
        try:
            target: StdoutBytes | Replacing = StdoutBytes(out) if to_stdout else Replacing.open(args.output)
        except OSError as error:
            err.write(f"{text.cannot_write(args.output, error)}\n")
            return 2
        ran = _run(args, source, target, framework, postcodes, input_format, output_format, err)
    if isinstance(ran, int):
        return ran
    summary, finished = ran
    for line in summary.invalid_rows:
        err.write(f"{args.input}: {line}\n")
    if summary.invalid > len(summary.invalid_rows):
        err.write(f"{text.more_invalid_rows(args.input, summary.invalid - len(summary.invalid_rows))}\n")
    if args.summary:
        (err if to_stdout else out).write(summary.format())
    status = 1 if summary.invalid else 0
    if args.summary_json:
        try:
            totals = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False) + "\n"
            write_file(args.summary_json, totals.encode("utf-8"))
        except OSError as error:
            rows_in = text.STDOUT if to_stdout else str(args.output)
            err.write(f"{text.summary_not_written(args.summary_json, error, rows_in)}\n")
            status = 2
    if not (args.summary and to_stdout):  # the tables start with this line
        err.write(summary.line() + "\n")
    if not finished:
        err.write(f"{text.interrupted(summary.rows, args.output)}\n")
        return 130
    return status


def _run(args: argparse.Namespace, source: IO[bytes], target: StdoutBytes | Replacing, framework: Framework,
         postcodes: PostcodeTable | None, input_format: Format, output_format: Format,
         err: TextIO) -> tuple[Summary, bool] | int:
    """Run the batch into ``target``: the summary and whether it finished, or the exit status of a failure.

    A file is replaced by the output only when the run finished or was interrupted (its rows are
    then complete); a run that could not start or failed leaves it as it was.
    """
    name = text.STDOUT if isinstance(target, StdoutBytes) else str(args.output)
    progress = None if args.quiet or not err.isatty() else _Progress(err, size(args.input))
    interrupted: list[int] = []

    def stop_on(signum: int, frame: object) -> None:
        interrupted.append(signum)

    # signal handlers belong to the main thread; elsewhere ^C stops the run as it stops anything
    catch = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, stop_on) for sig in (signal.SIGINT, signal.SIGTERM)} if catch else {}
    try:
        with target:
            result = run_batch(
                source, Sink(target, name), framework, input_format=input_format, output_format=output_format,
                jobs=args.jobs, chunk_size=args.chunk_size, postcodes=postcodes, settle=args.settle,
                presume=args.presume, explain=args.explain, progress=progress, stop=lambda: bool(interrupted))
            if isinstance(target, Replacing):
                try:
                    target.commit()
                except OSError as error:
                    raise WriteFailed(name, error) from None
            return result
    except BatchError as error:
        err.write(f"{args.input}: {error}\n")
    except WriteFailed as failed:
        if failed.stream != str(args.output) or isinstance(target, StdoutBytes):
            raise  # standard output or error: main() says it in one line
        err.write(f"{text.cannot_write(args.output, failed.error)}\n")
    except OSError as error:
        err.write(f"{text.cannot_read(args.input, error)}\n")
    except EvaluationError as error:
        err.write(f"{text.run_stopped(args.input, error)}\n")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if progress is not None:
            progress.done()
    return 2


def _clash(args: argparse.Namespace, to_stdout: bool, from_stdin: bool) -> str | None:
    """Why the files of a batch cannot be used together: an output that is the input would empty it."""
    if not to_stdout and not from_stdin and same_file(args.input, args.output):
        return text.output_is_input(args.output, args.input)
    if args.summary_json:
        if not from_stdin and same_file(args.input, args.summary_json):
            return text.summary_is_input(args.summary_json)
        if not to_stdout and same_file(args.output, args.summary_json):
            return text.summary_is_output(args.summary_json)
    return None


class _Progress:
    """A one-line progress bar on a terminal: rows, rows per second, and how far through the file."""

    def __init__(self, stream: TextIO, total: int | None) -> None:
        self.stream = stream
        self.total = total
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, rows: int, read: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = rows / max(now - self.start, 1e-9)
        part = min(read / self.total, 1.0) if self.total else None
        left = (now - self.start) * (1 - part) / part if part else 0
        self.stream.write(f"\r{text.progress(rows, rate, part, left)}\x1b[K")
        self.stream.flush()

    def done(self) -> None:
        if self.last:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
