"""The exceptions of wiebetaalt and the located problem records they carry.

Errors are data: a rule file with problems yields every :class:`Problem` at once, and a bad case
yields every :class:`CaseProblem` at once. Only the command line turns them into text.
"""

from __future__ import annotations

import difflib
import errno
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

#: Text longer than this is not compared with the choices (difflib's cost grows with the square).
_LONGEST_COMPARED = 200


def closest(given: str, choices: Iterable[str]) -> str | None:
    """The choice closest to ``given``, or None when none is close (or ``given`` is very long)."""
    if len(given) > _LONGEST_COMPARED:
        return None
    close = difflib.get_close_matches(given, list(choices), n=1)
    return close[0] if close else None


def did_you_mean(given: str, choices: Iterable[str], *, shown: Callable[[str], str] = repr) -> str:
    """The one suggestion every problem and case error makes: ``bedoelt u 'jeugdhulp'?`` for the
    choice closest to ``given``, or empty text when none is close."""
    close = closest(given, choices)
    return f"bedoelt u {shown(close)}?" if close is not None else ""


_OS_REASONS = {
    errno.ENOSPC: "de schijf is vol",
    errno.EPIPE: "de ontvanger is gestopt met lezen",
    errno.ENOENT: "het bestand of de map bestaat niet",
    errno.EACCES: "geen toegang",
    errno.EPERM: "niet toegestaan",
    errno.EISDIR: "het is een map",
    errno.ENOTDIR: "een deel van het pad is geen map",
    errno.EROFS: "alleen-lezen bestandssysteem",
    errno.EDQUOT: "de schijfruimte (quotum) is op",
    errno.ELOOP: "te veel symbolische links (een kring)",
    errno.ENAMETOOLONG: "de naam is te lang",
}


def os_reason(error: OSError) -> str:
    """Why a file could not be read or written, in Dutch where the reason is a common one."""
    return _OS_REASONS.get(error.errno or 0) or error.strerror or str(error)


class WiebetaaltError(Exception):
    """Root of every error this library raises on purpose."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a rule file, located at file:line:column.

    ``code`` is stable (kebab-case, listed in docs/errors.md); ``path`` is the chain of keys and
    indices from the top of the file to the offending value.
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    hint: str = ""
    path: tuple[str | int, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}:{self.column}: {self.code}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class FrameworkError(WiebetaaltError, ValueError):
    """A rule file (or a set of them) cannot be used; ``problems`` lists every reason, sorted."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[FrameworkError], tuple[list[Problem]]]:
        # an exception pickles as its class called with ``args`` (the message): rebuild from the
        # problems instead, so that errors cross to and from worker processes intact
        return type(self), (list(self.problems),)


@dataclass(frozen=True)
class CaseProblem:
    """One bad field of a case: its dotted path, what is wrong (Dutch), what was expected, and a
    stable code (kebab-case, like the codes of :class:`Problem`; listed in docs/case.md).

    The message never repeats the value: a value may be a name or a BSN typed in the wrong field,
    and messages end up in logs and output files.
    """

    field: str
    message: str
    expected: str = ""
    code: str = "invalid-value"

    def __str__(self) -> str:
        where = self.field or "(casus)"
        text = f"{where}: {self.message}"
        return f"{text}; verwacht {self.expected}" if self.expected else text


class CaseError(WiebetaaltError, ValueError):
    """A case is not valid; ``problems`` names every bad field."""

    def __init__(self, problems: list[CaseProblem], *, source: str = "") -> None:
        self.problems: tuple[CaseProblem, ...] = tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + str(p) for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # see FrameworkError.__reduce__: rebuilt from the problems, not from the message
        return _case_error, (list(self.problems), self.source)


def _case_error(problems: list[CaseProblem], source: str) -> CaseError:
    return CaseError(problems, source=source)


class EvaluationError(WiebetaaltError):
    """The engine failed while deciding a valid case (a bug or an engine fault, never a grey zone)."""


class EngineUnavailableError(WiebetaaltError, ImportError):
    """The rule engine's C module (durable_rules) cannot be imported; the message says how to fix it.

    Importing wiebetaalt works without it (loading, checking the structure of rule files, schemas);
    deciding needs it, and raises this error with the reason and the install command.
    """
