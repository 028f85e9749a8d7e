"""A case as durable_rules sees it: a flat fact of its known fields under short keys.

Short keys keep the JSON that crosses into durable small, and can never clash with the
``sid``/``id`` durable keeps in session state. Dates cross as day numbers: durable compares
numbers, and JSON has no date type. A field the case leaves unknown is left out of the fact, which
is what the compiler's *unknown* patterns test for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..model.case import CASE_FIELDS, Case
from ..model.fields import FieldType

#: The short key of each case field in a fact and in the patterns.
FIELD_KEYS: dict[str, str] = {path: f"k{i}" for i, path in enumerate(CASE_FIELDS)}
PEILDATUM_KEY = FIELD_KEYS["peildatum"]


def encode(ftype: FieldType, value: Any) -> Any:
    """A value of a field of type ``ftype`` (from a case or a rule file) as durable compares it."""
    if ftype.value_type == "date":
        return (value if isinstance(value, dt.date) else dt.date.fromisoformat(value)).toordinal()
    return value


# (section, [(field name, short key, is a date)]) for every section of the case model
_LAYOUT: list[tuple[str, list[tuple[str, str, bool]]]] = []
for _path, _ftype in CASE_FIELDS.items():
    _section, _, _name = _path.partition(".")
    if _name:
        if not _LAYOUT or _LAYOUT[-1][0] != _section:
            _LAYOUT.append((_section, []))
        _LAYOUT[-1][1].append((_name, FIELD_KEYS[_path], _ftype.value_type == "date"))

# per set of keys: (section, [(field name, key)] of the other fields, [(field name, key)] of the dates)
_Layout = list[tuple[str, list[tuple[str, str]], list[tuple[str, str]]]]
_LAYOUTS: dict[frozenset[str] | None, _Layout] = {}


def _layout(keys: frozenset[str] | None) -> _Layout:
    found = _LAYOUTS.get(keys)
    if found is None:
        found = [
            (section, [(name, key) for name, key, is_date in fields if not is_date and (keys is None or key in keys)],
             [(name, key) for name, key, is_date in fields if is_date and (keys is None or key in keys)])
            for section, fields in _LAYOUT
        ]
        if len(_LAYOUTS) < 1000:  # a few frameworks per process; a bound all the same
            _LAYOUTS[keys] = found
    return found


def case_fact(case: Case, keys: frozenset[str] | None = None) -> dict[str, Any]:
    """The case as a flat durable fact: known fields only, under their short keys.

    ``keys`` (see :attr:`CompiledFramework.keys`) leaves out the fields no pattern reads: durable
    parses every field of a fact and echoes the whole fact for every rule that fires.
    """
    fact: dict[str, Any] = {"cid": 1, PEILDATUM_KEY: case.peildatum.toordinal()}
    # the models' __dict__ directly: this runs for every case, and pydantic's iteration is slow
    for section, plain, dates in _layout(keys):
        values = getattr(case, section).__dict__
        for name, key in plain:
            if (value := values[name]) is not None:
                fact[key] = value
        for name, key in dates:
            if (value := values[name]) is not None:
                fact[key] = value.toordinal()
    return fact
