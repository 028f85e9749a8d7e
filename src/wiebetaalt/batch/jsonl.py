"""A JSON Lines row as case data: one JSON object, nested as in a case file or with dotted names.

JSON lets a key be given twice and a text hold half a surrogate pair; a case read from such a row
would depend on the order of its keys, or hold text that cannot be written as UTF-8. Such a row is
invalid, naming the field (docs/batch.md, JSON Lines).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from ..errors import CaseProblem
from .formats import place
from .rows import NOT_UTF8
from .text import given_twice, invalid_json, line_not_utf8, lone_surrogate, not_an_object

_SURROGATE = re.compile("[\ud800-\udfff]")
# a JSON escape that json.loads turns into a lone surrogate when no second half follows it
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def json_case(line: str, problems: list[CaseProblem]) -> dict[str, Any]:
    """The case data of one line, with its reference and amount; what is wrong goes into ``problems``."""
    if NOT_UTF8.search(line):
        problems.append(line_not_utf8())
        return {}
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as error:
        problems.append(invalid_json(str(error)))
        return {}
    if not isinstance(value, dict):
        problems.append(not_an_object(value))
        return {}
    # json.loads keeps the last of a key given twice: key order would decide the case. Every key
    # is followed by a colon, so as many colons as keys means no key is repeated; otherwise
    # (a key given twice, deeper objects, or a colon in a text) the row is read again, noting them.
    keys = len(value) + sum(len(item) for item in value.values() if type(item) is dict)
    if line.count(":") != keys:
        value = _checked(json.loads(line, object_pairs_hook=_noting_repeats), "", problems)
    elif "\\u" in line and _ESCAPED_SURROGATE.search(line):
        value = _checked(value, "", problems)
    data: dict[str, Any] = {}
    for key, item in value.items():
        # a case as in a case file, or with the dotted names of the CSV columns; a field given both
        # ways is refused, as a CSV header that names a column twice is
        section, name = place(key)
        if section and isinstance(data.setdefault(section, {}), dict):
            if name in data[section]:
                problems.append(given_twice(key))
            data[section][name] = item
        elif isinstance(item, dict) and isinstance(data.get(key), dict):
            problems += [given_twice(f"{key}.{name}") for name in item if name in data[key]]
            data[key].update(item)
        else:
            data[key] = item
    return data


#: the key json.loads cannot make, under which :func:`_noting_repeats` notes the keys an object repeats
_REPEATED = object()


def _noting_repeats(items: list[tuple[str, Any]]) -> dict[Any, Any]:
    """A JSON object as a dict, with the keys it gives more than once under ``_REPEATED``."""
    found: dict[Any, Any] = dict(items)
    if len(found) != len(items):
        found[_REPEATED] = [key for key, count in Counter(key for key, _ in items).items() if count > 1]
    return found


class _Drop:
    """A JSON value that is left out of the row (its problem is noted)."""


_DROPPED = _Drop()


def _checked(value: Any, field: str, problems: list[CaseProblem]) -> Any:
    """A parsed JSON value without the keys it repeats and without lone surrogates, each a problem.

    A lone surrogate (``"\\ud800"`` with no second half) is no text: it cannot be written as
    UTF-8, and a field that holds one is left out. Returns ``_DROPPED`` for such a value.
    """
    if isinstance(value, str):
        if _SURROGATE.search(value):
            problems.append(lone_surrogate(field))
            return _DROPPED
        return value
    if isinstance(value, list):
        items = [_checked(item, field, problems) for item in value]
        return _DROPPED if any(item is _DROPPED for item in items) else items
    if not isinstance(value, dict):
        return value
    prefix = f"{field}." if field else ""
    problems += [given_twice(prefix + _printable(key)) for key in value.pop(_REPEATED, ())]
    clean = {}
    for key, item in value.items():
        if _SURROGATE.search(key):
            problems.append(lone_surrogate(prefix + _printable(key)))
            continue
        item = _checked(item, prefix + key, problems)
        if item is not _DROPPED:
            clean[key] = item
    return clean


def _printable(key: str) -> str:
    """A key as a message can name it: a lone surrogate as its escape."""
    return key.encode("utf-8", "backslashreplace").decode("utf-8")
