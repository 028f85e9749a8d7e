"""The files and streams of the command line: output that is written whole or not at all, write
failures that become one line instead of a traceback, and input files read within a size limit.

Every command writes through a :class:`Stream` (standard output and error) or a :class:`Replacing`
file; a failure to write raises :class:`WriteFailed`, which :func:`wiebetaalt.cli.main.main` turns
into one Dutch line and exit code 2. A case file or a stored outcome is read by
:func:`read_limited`, which refuses a device or a named pipe instead of reading it without end.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from pathlib import Path
from typing import IO, Any, TextIO

from ..errors import CaseError
from ..load.yaml import read_yaml
from ..model.case import Case, parse_case
from . import text

#: the most a case file (or standard input for ``decide -``) may hold
MAX_CASE_BYTES = 1 << 20


class WriteFailed(Exception):
    """Standard output or error, or an output file, could not be written; ``stream`` names which."""

    def __init__(self, stream: str, error: OSError) -> None:
        super().__init__(stream, error)
        self.stream = stream
        self.error = error


class Stream:
    """A text stream whose write failures become :class:`WriteFailed`, for every command alike."""

    def __init__(self, stream: TextIO, name: str) -> None:
        self.stream = stream
        self.name = name

    def write(self, data: str) -> int:
        try:
            return self.stream.write(data)
        except OSError as error:
            raise WriteFailed(self.name, error) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as error:
            raise WriteFailed(self.name, error) from None

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        return self.stream.isatty()

    @property
    def buffer(self) -> Any:
        return getattr(self.stream, "buffer", None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


class Quiet:
    """Ignores a failure to write the message about a failure to write."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, error_type: object, error: object, trace: object) -> bool:
        return isinstance(error, (WriteFailed, OSError))


def to_null(stream: TextIO) -> None:
    """Point standard output (or error) at /dev/null after it failed.

    Python flushes it again when it exits, and would print a traceback for what is still in its
    buffer and exit with 120; the failure has been reported once.
    """
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass


class StdoutBytes:
    """Standard output as a binary stream that a ``with`` leaves open."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buffer = getattr(out, "buffer", None)

    def __enter__(self) -> StdoutBytes:
        return self

    def __exit__(self, error_type: object, *exc: object) -> None:
        if error_type is None:  # after a failure, flushing would only fail again
            self.flush()

    def write(self, data: bytes) -> int:
        try:
            if self.buffer is not None:
                self.out.flush()
                return int(self.buffer.write(data))
            return self.out.write(data.decode("utf-8", "surrogateescape"))
        except OSError as error:
            raise WriteFailed(text.STDOUT, error) from None

    def flush(self) -> None:
        try:
            (self.buffer or self.out).flush()
        except OSError as error:
            raise WriteFailed(text.STDOUT, error) from None


class Replacing:
    """A file written under a temporary name beside ``path`` and moved onto it by :meth:`commit`.

    Until then ``path`` is as it was: a run that cannot start or fails leaves it alone and leaves
    no temporary file behind. A path that exists but is not a regular file (/dev/null, a named
    pipe) is written directly, as a stream; a symlink is followed, so the file it points to is
    replaced. An existing file keeps its permissions.
    """

    def __init__(self, stream: IO[bytes], temporary: str | None, final: str) -> None:
        self.stream = stream
        self.temporary = temporary
        self.final = final

    @classmethod
    def open(cls, path: Path) -> Replacing:
        final = os.path.realpath(path)
        try:
            existing: os.stat_result | None = os.stat(final)
        except FileNotFoundError:
            existing = None
        # /dev/stdout and /proc/self/fd/1 lead to whatever the shell opened: write to that, not beside it
        if existing is not None and not stat.S_ISREG(existing.st_mode) or str(path).startswith(("/dev/", "/proc/")):
            return cls(open(path, "wb"), None, final)
        folder, name = os.path.split(final)
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        mode = 0o666 if existing is None else stat.S_IMODE(existing.st_mode)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            if existing is not None and hasattr(os, "fchmod"):
                os.fchmod(descriptor, mode)  # the umask would take permissions away
            return cls(open(descriptor, "wb"), temporary, final)
        except BaseException:
            os.close(descriptor)
            os.unlink(temporary)
            raise

    def __enter__(self) -> Replacing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def write(self, data: bytes) -> int:
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()

    def commit(self) -> None:
        """Close the file and put it in place of ``path``."""
        self.stream.close()
        if self.temporary is not None:
            os.replace(self.temporary, self.final)
            self.temporary = None

    def discard(self) -> None:
        """Close the file and remove it, unless it was committed; ``path`` stays as it was."""
        try:
            self.stream.close()
        except OSError:
            pass  # what was not written is thrown away anyway
        if self.temporary is not None:
            try:
                os.unlink(self.temporary)
            except FileNotFoundError:
                pass
            self.temporary = None


class Sink:
    """The output of a batch, whose write failures say which file failed."""

    def __init__(self, target: StdoutBytes | Replacing, name: str) -> None:
        self.target = target
        self.name = name

    def write(self, data: bytes) -> int:
        try:
            return self.target.write(data)
        except OSError as error:
            raise WriteFailed(self.name, error) from None

    def flush(self) -> None:
        try:
            self.target.flush()
        except OSError as error:
            raise WriteFailed(self.name, error) from None


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (see :class:`Replacing`).

    Raises:
        OSError: the file cannot be written; ``path`` is then as it was.
    """
    target = Replacing.open(path)
    try:
        target.write(data)
        target.commit()
    finally:
        target.discard()


def size(path: Path) -> int | None:
    """The size of a regular file, for a progress bar; None for standard input or anything else."""
    try:
        return path.stat().st_size if str(path) != "-" and path.is_file() else None
    except OSError:
        return None


def same_file(one: Path, other: Path) -> bool:
    """Whether two paths name one file: spelt differently, through a symlink, or a hard link."""
    if os.path.realpath(one) == os.path.realpath(other):
        return True
    try:
        return os.path.samefile(one, other)
    except OSError:
        return False  # one of them does not exist (yet)


def same_as_stdin(path: Path) -> bool:
    """Whether ``path`` is the regular file on standard input."""
    try:
        here, there = os.fstat(sys.stdin.fileno()), os.stat(path)
    except (OSError, ValueError):
        return False
    return stat.S_ISREG(here.st_mode) and (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def read_limited(path: Path, what: str = "casus") -> str:
    """The text of a case file (or a stored outcome, ``what``); ``-`` reads standard input.

    The file must be a regular file of at most :data:`MAX_CASE_BYTES`: a device such as /dev/zero
    would be read until the memory runs out, and a named pipe would wait for a writer forever.

    Raises:
        CaseError: with only a ``source``, the one line that says why the file cannot be read.
    """
    try:
        if str(path) == "-":
            data = sys.stdin.buffer.read(MAX_CASE_BYTES + 1)
        else:
            # not blocking: opening a named pipe would wait for a writer; fstat then refuses it
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with open(descriptor, "rb") as stream:
                if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                    raise CaseError([], source=text.not_a_regular_file(path, what))
                data = stream.read(MAX_CASE_BYTES + 1)
    except OSError as error:
        raise CaseError([], source=text.cannot_read(path, error)) from None
    if len(data) > MAX_CASE_BYTES:
        raise CaseError([], source=text.too_large(path, what, MAX_CASE_BYTES >> 20))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CaseError([], source=text.not_utf8(path, error.start + 1)) from None


def read_case(path: Path) -> Case:
    """Read one case from a YAML or JSON file (``-``: standard input); problems name the file, line and case field.

    Raises:
        CaseError: the file cannot be read (see :func:`read_limited`) or holds no valid case.
    """
    document = read_yaml(read_limited(path))
    if document.issues:
        issue = document.issues[0]
        raise CaseError([], source=f"{path}:{issue.mark.line}:{issue.mark.column}: {issue.code}: {issue.message}")
    try:
        return parse_case(document.data)
    except CaseError as error:
        lines = []
        for problem in error.problems:
            where = tuple(problem.field.split(".")) if problem.field else ()
            mark = document.mark(where, key=problem.code == "unknown-field")
            lines.append(f"{path}:{mark.line}:{mark.column}: {problem}")
        raise CaseError(list(error.problems), source="\n".join(lines)) from None
