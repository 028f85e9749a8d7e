"""Hypothesis strategies for cases of the national case model, biased toward what rules test."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from wiebetaalt.model.case import CASE_FIELDS

MUNICIPALITIES = ["Schiedam", "Vlaardingen", "Maassluis", "Rotterdam", "Delft"]
POSTCODES = ["3132AB", "3111 XY", "3141CD", "9999ZZ", "2611AA"]
DATES = [dt.date(2014, 7, 31), dt.date(2014, 8, 1), dt.date(2021, 12, 31), dt.date(2022, 1, 1), dt.date(2025, 3, 1)]


def _value(path: str) -> st.SearchStrategy[Any]:
    ftype = CASE_FIELDS[path]
    if ftype.value_type == "bool":
        return st.booleans()
    if ftype.value_type == "enum":
        return st.sampled_from(ftype.values)
    if ftype.value_type == "int":
        return st.integers(ftype.minimum or 0, ftype.maximum or 30)
    if ftype.value_type == "date":
        return st.sampled_from(DATES) | st.dates(dt.date(2010, 1, 1), dt.date(2030, 12, 31))
    if path.endswith("postcode"):
        return st.sampled_from(POSTCODES)
    return st.sampled_from(MUNICIPALITIES) if "gemeente" in path else st.sampled_from(["A", "B"])


@st.composite
def raw_cases(draw: st.DrawFn, known: float = 0.7) -> dict[str, Any]:
    """A valid raw case: each fact known or left out; peildatum always given."""
    case: dict[str, Any] = {"peildatum": draw(_value("peildatum")).isoformat()}
    for path in CASE_FIELDS:
        if path == "peildatum":
            continue
        if draw(st.integers(0, 99)) < known * 100:
            section, name = path.split(".")
            case.setdefault(section, {})[name] = draw(_value(path))
    return case


def draw_many(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """At least ``count`` values of ``strategy``, in a fixed run: the tests count what was drawn,
    which must not depend on luck."""
    from hypothesis import HealthCheck, given, settings

    batches: list[list[Any]] = []

    # many values in one example: Hypothesis makes most examples by varying an earlier one a little,
    # but draws each of the values in a new example afresh
    @settings(max_examples=1 + -(-count // 25), derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(strategy, min_size=25, max_size=25))
    def collect(some: list[Any]) -> None:
        batches.append(some)

    collect()
    # the first example is the simplest one (no fact known, the first of every list), not a draw
    drawn = [value for batch in batches[1:] for value in batch]
    assert len(drawn) >= count
    return drawn

