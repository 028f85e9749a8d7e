"""Hypothesis strategies for conditions as a rule file writes them (raw mappings), on chosen fields.

Values fit their field as the loader demands (an enumeration's values, dates as YYYY-MM-DD text), so
every generated condition is one a framework could hold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import strategies as st

from strategies import _value
from wiebetaalt.model.case import CASE_FIELDS
from wiebetaalt.model.conditions import OPERATORS

#: Every operator for the kinds that order (numbers, dates); the others take no lt/lte/gt/gte.
EVERY_OPERATOR: Mapping[str, tuple[str, ...]] = {
    "int": OPERATORS,
    "date": OPERATORS,
    "bool": ("eq", "ne", "in", "not_in", "known"),
    "str": ("eq", "ne", "in", "not_in", "known"),
    "enum": ("eq", "ne", "in", "not_in", "known"),
}


def _written(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@st.composite
def _atom(draw: st.DrawFn, fields: tuple[str, ...], operators: Mapping[str, tuple[str, ...]]) -> dict[str, Any]:
    field = draw(st.sampled_from(fields))
    op = draw(st.sampled_from(operators[CASE_FIELDS[field].value_type]))
    if op == "known":
        return {"field": field, "known": draw(st.booleans())}
    if op in ("in", "not_in"):
        values = draw(st.lists(_value(field).map(_written), min_size=1, max_size=3, unique=True))
        return {"field": field, op: values}
    return {"field": field, op: _written(draw(_value(field)))}


def atoms(fields: Iterable[str] = tuple(CASE_FIELDS),
          operators: Mapping[str, tuple[str, ...]] = EVERY_OPERATOR) -> st.SearchStrategy[dict[str, Any]]:
    """One comparison ``{field, <operator>: value}`` on one of ``fields``, with an operator its kind takes."""
    return _atom(tuple(fields), operators)


def conditions(leaves: st.SearchStrategy[dict[str, Any]], max_leaves: int = 14) -> st.SearchStrategy[dict[str, Any]]:
    """Atoms drawn from ``leaves``, nested in all, any and not."""
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
            st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
            inner.map(lambda c: {"not": c}),
        ),
        max_leaves=max_leaves,
    )
