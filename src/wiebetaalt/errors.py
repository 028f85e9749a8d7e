"""The exceptions of wiebetaalt and the located problem records they carry.

Errors are data: a rule file with problems yields every :class:`Problem` at once, and a bad case
yields every :class:`CaseProblem` at once. Only the command line turns them into text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    """One bad field of a case: its dotted path, what is wrong and what was expected."""

    field: str
    message: str
    expected: str = ""

    def __str__(self) -> str:
        where = self.field or "(case)"
        text = f"{where}: {self.message}"
        return f"{text}; expected {self.expected}" if self.expected else text


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
