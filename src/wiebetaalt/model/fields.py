"""What a rule may compare a case field with, read off the case model's annotations.

Each leaf field of the case model has a :class:`FieldType`: its value type (bool, int, text, enumeration,
date), the values or bounds the model allows, and its *family* when it holds a name that other
fields hold too (a municipality, a samenwerkingsverband) or a postcode. A family is declared once,
on the field's type in the case model (:class:`InFamily`), never guessed from a field's name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel

#: The kinds of name that several case fields hold: a rule may compare one such field with a name
#: another one holds (the school's municipality with the BRP municipality), so they share one
#: spelling (:class:`~wiebetaalt.model.names.KnownNames`).
Family = Literal["municipality", "samenwerkingsverband", "postcode"]


@dataclass(frozen=True)
class InFamily:
    """Marks a case field's type as holding a name of ``family``: ``Annotated[Name, InFamily(...)]``."""

    family: Family


@dataclass(frozen=True)
class FieldType:
    """What a rule may compare a case field with: the type of its values and, for enumerations, the
    values themselves."""

    value_type: Literal["bool", "int", "str", "enum", "date"]
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    #: which names the field holds, as declared in the case model; None for every other field
    family: Family | None = None

    def describe(self) -> str:
        if self.value_type == "enum":
            return "one of: " + ", ".join(self.values)
        return {"bool": "true or false", "int": "a whole number", "str": "text", "date": "a date (YYYY-MM-DD)"}[
            self.value_type
        ]


def _field_type(annotation: Any) -> FieldType:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _field_type(inner[0])
    if origin is Annotated:
        base, *meta = typing.get_args(annotation)
        found = _field_type(base)
        family = next((m.family for m in meta if isinstance(m, InFamily)), None)
        if family is not None:
            found = dataclasses.replace(found, family=family)
        if found.value_type == "int":
            lo = next((m.ge for m in meta if getattr(m, "ge", None) is not None), None)
            hi = next((m.le for m in meta if getattr(m, "le", None) is not None), None)
            for m in meta:  # Field(ge=.., le=..) keeps its bounds in .metadata
                for inner in getattr(m, "metadata", ()):
                    lo = getattr(inner, "ge", lo) if getattr(inner, "ge", None) is not None else lo
                    hi = getattr(inner, "le", hi) if getattr(inner, "le", None) is not None else hi
            return dataclasses.replace(found, minimum=lo, maximum=hi)
        return found
    if origin is Literal:
        return FieldType("enum", tuple(typing.get_args(annotation)))
    if annotation is bool:
        return FieldType("bool")
    if annotation is int:
        return FieldType("int")
    if annotation is str:
        return FieldType("str")
    if annotation is dt.date:
        return FieldType("date")
    raise TypeError(f"unsupported case field type {annotation!r}")


def case_fields(model: type[BaseModel], prefix: str = "") -> dict[str, FieldType]:
    """Every leaf field of ``model`` (the case model) by dotted path, with the type a rule may compare it to."""
    found: dict[str, FieldType] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update(case_fields(annotation, path + "."))
        else:
            found[path] = _field_type(info.rebuild_annotation())
    return found
