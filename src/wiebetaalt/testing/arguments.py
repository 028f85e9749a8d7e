"""The checks of the test kit's arguments, shared by :func:`~wiebetaalt.testing.cases` and
:func:`~wiebetaalt.testing.aimed_examples`: each raises TypeError or ValueError naming the function
and the argument, when the strategy or decorator is built and not when a case is drawn.

An argument error is for the programmer who wrote the call, so its message is in English, as
Python's own are; a case's own error (from the case model) is quoted as it is, in Dutch.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from ..errors import CaseError, closest
from ..model.case import CASE_FIELDS, case_data, field_value, parse_case
from ..model.framework import Framework, Rule


def check_framework(framework: Any, function: str) -> None:
    if not isinstance(framework, Framework):
        hint = " (load it first: wiebetaalt.load_framework(path))" if isinstance(framework, str) or hasattr(
            framework, "__fspath__") else ""
        raise TypeError(f"{function}(framework=...): expected a wiebetaalt Framework{hint}, "
                        f"got {type(framework).__name__}")


def check_peildata(peildata: Iterable[dt.date | str] | None, function: str = "cases") -> tuple[dt.date, ...] | None:
    if peildata is None:
        return None
    if isinstance(peildata, (str, dt.date)) or not isinstance(peildata, Iterable):
        raise TypeError(f"{function}(peildata=...): expected a list of dates, e.g. [datetime.date(2025, 3, 1)], "
                        f"got {peildata!r}")
    days: list[dt.date] = []
    for day in peildata:
        if isinstance(day, dt.datetime) or not isinstance(day, (dt.date, str)):
            raise TypeError(f"{function}(peildata=...): expected dates or 'YYYY-MM-DD' texts, got {day!r}")
        if isinstance(day, str):
            try:
                parsed = parse_case({"peildatum": day}).peildatum
            except CaseError:
                raise ValueError(f"{function}(peildata=...): {day!r} is not a date; write YYYY-MM-DD") from None
            days.append(parsed)
        else:
            days.append(day)
    if not days:
        raise ValueError(f"{function}(peildata=...): expected at least one date, got none")
    return tuple(dict.fromkeys(days))


def check_fixed(fixed: Mapping[str, Any] | None, function: str = "cases") -> dict[str, Any]:
    """``fixed`` as parsed values by dotted field (dates as dates), each checked as a case checks it."""
    if fixed is None:
        return {}
    if not isinstance(fixed, Mapping):
        raise TypeError(f"{function}(fixed=...): expected a dict of field: value, e.g. {{'school.soort': 'so'}}, "
                        f"got {fixed!r}")
    found: dict[str, Any] = {}
    for path, value in fixed.items():
        if path not in CASE_FIELDS:
            close = closest(str(path), list(CASE_FIELDS))
            hint = f"; did you mean {close!r}?" if close is not None else ""
            raise ValueError(f"{function}(fixed=...): the case model has no field {path!r}{hint}")
        if value is None:
            if path == "peildatum":
                raise ValueError(f"{function}(fixed=...): a case always has a peildatum; give a date or leave it out")
            found[path] = None
            continue
        raw = case_data(dt.date(2025, 1, 1), {path: value}) if path != "peildatum" else {"peildatum": value}
        try:
            case = parse_case(raw)
        except CaseError as error:
            raise ValueError(f"{function}(fixed=...): {error}") from None
        found[path] = field_value(case, path)
    return found


def check_known(known: float) -> float:
    if isinstance(known, bool) or not isinstance(known, (int, float, Fraction)):
        raise TypeError(f"cases(known=...): expected a number from 0 to 1 (the chance a fact is known), got {known!r}")
    if math.isnan(known) or not 0 <= known <= 1:
        raise ValueError(f"cases(known=...): expected a number from 0 to 1 (the chance a fact is known), got {known!r}")
    return float(known)


def check_rule(framework: Framework, rule_id: str, argument: str) -> list[Rule]:
    if not isinstance(rule_id, str):
        raise TypeError(f"cases({argument}=...): expected a rule id, got {rule_id!r}")
    versions = [rule for rule in framework.rules if rule.id == rule_id]
    if not versions:
        ids = list(dict.fromkeys(rule.id for rule in framework.rules))
        # an argument error is for the programmer who wrote the call, and English as Python's own are
        close = closest(rule_id, ids)
        hint = f"; did you mean {close!r}?" if close is not None else ""
        raise ValueError(f"cases({argument}=...): framework {framework.framework!r} has no rule {rule_id!r}{hint}")
    return versions
