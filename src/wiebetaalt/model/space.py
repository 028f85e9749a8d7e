"""The values of a case field that a framework tells apart.

A framework only ever compares a field with the constants its conditions name, so two values the
conditions treat alike lead to the same outcome. For each field this module lists one value per
class the framework distinguishes: every enumeration value and both booleans; for a number or a
date, a value on each side of every bound a condition uses; for text, every constant a condition
names plus one that no condition names. Exploring a framework (``wiebetaalt analyse``) and asking
which answer settles an escalation both walk these values, so what they report holds for every
case, not only for the ones they tried.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .case import CASE_FIELDS
from .conditions import Atom, atoms
from .framework import Framework

#: Text that no condition names: stands for every value outside the named constants.
OTHER_TEXT = "Overig"
_EARLIEST = dt.date(2000, 1, 1)


@dataclass(frozen=True)
class FieldSpace:
    """The representative values of one case field, in a stable order."""

    path: str
    values: tuple[Any, ...]
    # constants conditions compare this field with (text fields): a value outside them is "other"
    named: frozenset[Any] = field(default_factory=frozenset)

    def value_class(self, value: Any) -> Any:
        """The representative of ``value``'s class: equal for two values every condition treats alike."""
        value_type = CASE_FIELDS[self.path].value_type
        if value is None or value_type in ("bool", "enum"):
            return value
        if value_type == "str":
            return value if value in self.named else OTHER_TEXT
        # numbers and dates: the class is the interval between bounds, named by its representative
        below = [v for v in self.values if v <= value]
        return below[-1] if below else self.values[0]


def framework_atoms(framework: Framework) -> Iterator[Atom]:
    """Every comparison in the rules and party sources of ``framework``."""
    for rule in framework.rules:
        yield from atoms(rule.when)
    for funder in framework.funders:
        for source in funder.party or []:
            yield from atoms(source.when)


def _constants(atom: Atom) -> list[Any]:
    if atom.op == "known":
        return []
    return list(atom.value) if isinstance(atom.value, list) else [atom.value]


def field_space(framework: Framework, path: str, peildatum: dt.date | None = None) -> FieldSpace:
    """The values of ``path`` that ``framework`` tells apart.

    A date field is also told apart by whether it lies before or after the peildatum (the engine
    moves the BRP municipality on the registration date of a move), so with ``peildatum`` a date
    before and one after it are among the values.
    """
    ftype = CASE_FIELDS[path]
    if ftype.value_type == "bool":
        return FieldSpace(path, (True, False))
    if ftype.value_type == "enum":
        return FieldSpace(path, tuple(ftype.values))
    named = [c for a in framework_atoms(framework) if a.field == path for c in _constants(a)]
    if ftype.value_type == "str":
        unique = tuple(dict.fromkeys(str(c) for c in named))
        return FieldSpace(path, (*unique, OTHER_TEXT), frozenset(unique))
    if ftype.value_type == "int":
        lowest = ftype.minimum if ftype.minimum is not None else 0
        highest = ftype.maximum if ftype.maximum is not None else max([lowest, *map(int, named)]) + 1
        # a bound b splits the numbers into < b and >= b; eq/ne also single out b and b + 1
        numbers = {lowest} | {int(c) for c in named} | {int(c) + 1 for c in named}
        return FieldSpace(path, tuple(sorted(c for c in numbers if lowest <= c <= highest)))
    dates = {dt.date.fromisoformat(str(c)) for c in named}
    days = {_EARLIEST} | dates | {d + dt.timedelta(days=1) for d in dates}
    if peildatum is not None:
        days |= {peildatum - dt.timedelta(days=30), peildatum + dt.timedelta(days=30)}
    return FieldSpace(path, tuple(sorted(days)))


def date_points(framework: Framework) -> tuple[dt.date, ...]:
    """One peildatum for each period in which the same rules and party sources are in force.

    The first day of each period between consecutive ``valid_from``/``valid_to`` bounds, from the
    earliest bound on (before it nothing is in force).
    """
    bounds: set[dt.date] = set()
    for item in [*framework.rules, *(s for f in framework.funders for s in f.party or [])]:
        for bound in (item.valid_from, item.valid_to):
            if bound is not None:
                bounds.add(bound)
    return tuple(sorted(bounds)) or (_EARLIEST,)


def used_fields(framework: Framework) -> list[str]:
    """The case fields a framework's conditions, party sources, splits and texts depend on."""
    found = [a.field for a in framework_atoms(framework)]
    for funder in framework.funders:
        found.extend(source.field for source in funder.party or [])
        if funder.split is not None:
            found.extend(part.weight_field for part in funder.split.parts if part.weight_field)
    return list(dict.fromkeys(found))
