"""Bounded caches: what the cases of a caseload share, remembered without growing with it.

The resolver remembers, per framework, what every case alike shares: the winners among a set of
rules, a route, a legal basis, the candidates of an escalation. A caseload has few such patterns,
so nearly every case finds its own; a cache that is full is emptied, so that a run over millions of
cases, each with its own rare pattern, keeps a flat memory.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any, TypeVar

from ..model.conditions import Condition, condition_fields

_K = TypeVar("_K")
_V = TypeVar("_V")

#: The most entries one cache holds. What most cases share stays in far fewer; a much higher bound
#: would let the memory of a long run grow with the rare patterns it meets.
CACHE_BOUND = 10_000


class Memo(dict[_K, _V]):
    """A dict that :meth:`remember` keeps at most :data:`CACHE_BOUND` entries long."""

    def remember(self, key: _K, value: _V) -> _V:
        """Store ``value`` under ``key`` (emptying the cache first when it is full) and return it."""
        if len(self) >= CACHE_BOUND:
            self.clear()
        self[key] = value
        return value


class FieldReaders:
    """What a condition's verdict for a case depends on: the values of the fields it reads.

    A condition is a pure function of those values, so (the condition, the values) is an exact key
    for a cache of anything worked out from the condition and the case; reading the values is one
    call, where evaluating the condition is one per part.
    """

    def __init__(self) -> None:
        self._readers: dict[int, tuple[Condition, Callable[[Any], Any]]] = {}

    def key(self, condition: Condition, case: Any) -> tuple[int, Any]:
        """The condition's id and the values of the fields it reads in ``case``."""
        reader = self._readers.get(id(condition))
        if reader is None:
            # the condition is kept with its reader, so that its id stays its own
            reader = self._readers[id(condition)] = (
                condition, operator.attrgetter(*dict.fromkeys(condition_fields(condition))))
        return id(condition), reader[1](case)

