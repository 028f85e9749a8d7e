"""The structure pass: pydantic's validation errors on a rule file, as located problems in Dutch.

pydantic reports a path through its models (with union tags and member names in it); each error
here is traced back to the key or value in the file, grouped so that one wrong value is one
problem, and worded for the person who edits the file.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, ValidationError
from pydantic_core import ErrorDetails

from ..errors import Problem, did_you_mean
from ..model.conditions import All, AnyOf, Atom, Not, condition_kind
from ..model.framework import Framework
from .sources import Source
from .yaml import Path, shown

_PYDANTIC_CODES = {
    "missing": "missing-key",
    "extra_forbidden": "unknown-key",
    "literal_error": "invalid-value",
    "enum": "invalid-value",
    "url_parsing": "invalid-url",
    "url_scheme": "invalid-url",
    "url_type": "invalid-url",
    "string_pattern_mismatch": "invalid-value",
    "too_short": "empty-list",
    "string_too_short": "empty-text",
    "string_too_long": "invalid-value",
    "union_tag_invalid": "wrong-type",
}

#: what a value of each pydantic type is, in the words of the person who edits the file
_EXPECTED = {
    "bool_type": "true of false",
    "bool_parsing": "true of false",
    "int_type": "een geheel getal",
    "int_parsing": "een geheel getal",
    "int_from_float": "een geheel getal",
    "string_type": "tekst",
    "list_type": "een lijst",
    "dict_type": "een mapping (sleutels met waarden)",
    "model_type": "een mapping (sleutels met waarden)",
    "model_attributes_type": "een mapping (sleutels met waarden)",
    "date_type": "een datum (JJJJ-MM-DD)",
    "date_from_datetime_parsing": "een datum (JJJJ-MM-DD)",
    "date_parsing": "een datum (JJJJ-MM-DD)",
}


#: the patterns of the models, said in words (a regular expression means nothing to most readers)
_PATTERNS = {
    "^[a-z0-9][a-z0-9_-]*$": "een id bestaat uit kleine letters, cijfers, - en _, en begint met een letter of cijfer",
    r"^\s*(\d+(\.\d+)?\s*%|\d+\s*/\s*[1-9]\d*)\s*$": "verwacht een aandeel als percentage (40%) of breuk (2/5)",
}


def structure_problems(source: Source, error: ValidationError) -> Iterator[Problem]:
    """One located problem per wrong key or value that ``error`` reports."""
    by_place: dict[tuple[Path, str], list[ErrorDetails]] = {}
    for item in error.errors(include_url=False):
        path = _data_path(source.data, item["loc"])
        code = item["type"] if "-" in item["type"] else _PYDANTIC_CODES.get(item["type"], "wrong-type")
        if code == "unknown-key":
            # the extra key is the last part of loc; the parts before it may hold union tags
            path = _data_path(source.data, item["loc"][:-1]) + (item["loc"][-1],)
        by_place.setdefault((path, code), []).append(item)
    for (path, code), items in by_place.items():
        item = items[0]
        if code == "unknown-key":
            mark = source.place(path, key=True)
            key = str(path[-1])
            allowed = _model_keys(path[:-1], source.data)
            hint = " ".join(part for part in (did_you_mean(key, allowed),
                                               "toegestaan: " + ", ".join(allowed) if allowed else "") if part)
            yield Problem(mark.file, mark.line, mark.column, code, f"onbekende sleutel {shown(key)}", hint, path)
            continue
        mark = source.place(path)
        if code == "missing-key":
            for missing in items:
                key = str(missing["loc"][-1])
                yield Problem(mark.file, mark.line, mark.column, code,
                              f"{describe(path)} mist de verplichte sleutel {key!r}", "", path)
            continue
        if code == "empty-list" and path and path[-1] == "legal_basis":
            yield Problem(mark.file, mark.line, mark.column, "missing-legal-basis", "legal_basis noemt geen bron",
                          "elke regel noemt de wet waarop hij rust: citation en url", path)
            continue
        if code == "wrong-type" and len(items) > 1:
            expected = sorted({_expected(i) for i in items})
            message = f"{describe(path)} heeft het verkeerde type; verwacht " + " of ".join(expected)
            yield Problem(mark.file, mark.line, mark.column, code, message, "", path)
            continue
        yield Problem(mark.file, mark.line, mark.column, code, f"{describe(path)}: {_message(item)}", "", path)


def _message(item: ErrorDetails) -> str:
    """pydantic's complaint about one value, in Dutch (a message of the models is Dutch already)."""
    error_type = item["type"]
    context = item.get("ctx") or {}
    if "-" in error_type:  # raised by the models themselves, which word it in Dutch
        return item["msg"]
    if error_type in _EXPECTED:
        return f"verwacht {_EXPECTED[error_type]}"
    if error_type in ("literal_error", "enum"):
        return f"verwacht {context.get('expected', 'een van de toegestane waarden')}".replace(" or ", " of ")
    if error_type == "too_short":
        return "de lijst is leeg"
    if error_type == "string_too_short":
        return "de tekst is leeg"
    if error_type == "string_too_long":
        return f"de tekst is langer dan {context.get('max_length')} tekens"
    if error_type == "string_pattern_mismatch":
        return _PATTERNS.get(str(context.get("pattern")), f"de tekst heeft niet de vorm {context.get('pattern')}")
    if error_type.startswith("url_"):
        return "geen geldige URL; verwacht een adres dat met https:// of http:// begint"
    if error_type == "union_tag_invalid":
        return f"onbekende soort {context.get('tag')!r}; verwacht {context.get('expected_tags')}".replace(" or ", " of ")
    return item["msg"]


def _expected(item: ErrorDetails) -> str:
    error_type = item["type"]
    return _EXPECTED.get(error_type, error_type.replace("_type", ""))


def describe(path: Path) -> str:
    """A path as a person writes it: ``rules[3].when.field``."""
    if not path:
        return "het bestand"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path:
    """The part of a pydantic ``loc`` that exists in the data (tags and union members skipped)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
    return tuple(path)


def _model_keys(path: Path, data: Any) -> list[str]:
    """The keys allowed in the mapping at ``path``, found by walking the models along the data."""
    annotation: Any = Framework
    node = data
    for part in path:
        shape, inner = _resolve(annotation, node)
        if isinstance(part, int) and shape == "list":
            annotation = inner
        elif isinstance(part, str) and shape == "model":
            info = next((f for n, f in inner.model_fields.items() if (f.alias or n) == part), None)
            if info is None:
                return []
            annotation = info.annotation
        else:
            return []
        node = node[part]
    shape, inner = _resolve(annotation, node)
    return [f.alias or n for n, f in inner.model_fields.items()] if shape == "model" else []


def _resolve(annotation: Any, node: Any) -> tuple[str, Any]:
    """("model", class), ("list", item annotation) or ("other", None) for an annotation at a node."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            if any(isinstance(x, Discriminator) for x in args[1:]):
                if isinstance(node, list):  # a bare list under `when:` means all
                    return "list", annotation
                models: dict[str, type[BaseModel]] = {"all": All, "any": AnyOf, "not": Not}
                return "model", models.get(condition_kind(node), Atom)
            annotation = args[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0]
        elif origin in (list, tuple):
            return "list", get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return "model", annotation
        else:
            return "other", None
