"""Which facts leave a condition open for a case: what an escalation for missing facts asks for.

A condition is true, false or undetermined for a case (three-valued,
:func:`wiebetaalt.model.conditions.evaluate`); when it is undetermined, only the fields of the parts
that are themselves undetermined count: in ``any`` of a true part and an unknown part the condition
is true, and the unknown field is not asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model.case import Case
from ..model.conditions import Condition, evaluate
from .memo import FieldReaders, Memo


def undetermined(condition: Condition, case: Case) -> tuple[bool | None, list[str]]:
    """The three-valued truth of ``condition`` and, when unknown, the fields that leave it open."""
    value, fields = evaluate(condition, case)
    return value, list(fields)


class OpenFields:
    """The fields that leave conditions open for a case (each once, in order of appearance).

    What :func:`~wiebetaalt.model.conditions.evaluate` says, remembered per condition and the values
    of the fields it reads: a condition is a pure function of those values, a missing-facts
    escalation asks it of twenty rules or more, and reading the values is one call where evaluating
    is one per part.
    """

    def __init__(self) -> None:
        self.readers = FieldReaders()
        self.found: Memo[tuple[int, Any], tuple[str, ...]] = Memo()

    def __call__(self, conditions: Iterable[Condition | None], case: Case) -> list[str]:
        found: list[str] = []
        for condition in conditions:
            if condition is None:
                continue
            key = self.readers.key(condition, case)
            fields = self.found.get(key)
            if fields is None:
                fields = self.found.remember(key, evaluate(condition, case)[1])
            found.extend(fields)
        return list(dict.fromkeys(found))
