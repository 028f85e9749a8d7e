"""What a condition is and what it means: the one place that says how a rule's ``when`` is evaluated.

A condition is structured data (``all``/``any``/``not`` over atoms ``{field, <operator>: value}``);
nothing in it is executed. Here are its models, the table of operators (each with how it compares
a known value and which operator is its negation), the walks over a condition (its atoms, the
fields it reads), and its three-valued evaluation: true, false, or unknown when it depends on a fact
the case leaves out. The compiler (:mod:`wiebetaalt.engine.compiler`) builds durable patterns from
the same table; ``tests/reference.py`` is the independent oracle that both are checked against.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag, model_validator
from pydantic_core import PydanticCustomError

from .case import CASE_FIELDS

_MODEL = ConfigDict(strict=True, extra="forbid", frozen=True)

Scalar = Union[bool, int, str]


@dataclass(frozen=True)
class Operator:
    """One operator of an atom.

    ``compare(value, target)`` is its truth for a known value of the field; ``negation`` is the
    operator that holds exactly when this one does not. ``known`` is its own negation with the
    target negated (``known: true`` against ``known: false``), and is the one operator that also
    holds for an unknown value.
    """

    name: str
    compare: Callable[[Any, Any], bool]
    negation: str


#: Every operator, in the order a rule file's schema and messages list them.
OPERATOR_TABLE: tuple[Operator, ...] = (
    Operator("eq", operator.eq, "ne"),
    Operator("ne", operator.ne, "eq"),
    Operator("in", lambda value, options: value in options, "not_in"),
    Operator("not_in", lambda value, options: value not in options, "in"),
    Operator("lt", operator.lt, "gte"),
    Operator("lte", operator.le, "gt"),
    Operator("gt", operator.gt, "lte"),
    Operator("gte", operator.ge, "lt"),
    Operator("known", lambda value, wanted: (value is not None) is bool(wanted), "known"),
)
#: The operator of each name.
OPERATOR: dict[str, Operator] = {op.name: op for op in OPERATOR_TABLE}
#: The names of the operators, as a rule file writes them.
OPERATORS: tuple[str, ...] = tuple(OPERATOR)


def negated(op: str, value: Any) -> tuple[str, Any]:
    """The (operator, value) of the atom that holds exactly when ``op value`` does not, the
    field's value being known (``known`` holds or fails for every value, known or not)."""
    return OPERATOR[op].negation, (not value if op == "known" else value)


#: The three-valued truth of a condition for a case, and when it is unknown the fields (in order of
#: appearance, each once) that leave it open; a field in a part that is settled anyway is not one.
Verdict = tuple["bool | None", tuple[str, ...]]
#: A condition compiled once into plain Python: case -> :data:`Verdict`.
Evaluator = Callable[[Any], Verdict]


class _Compiled(BaseModel):
    """A condition that caches its :data:`Evaluator` (``functools.cached_property``).

    The cache holds closures, which do not pickle; a copy sent to another process (as batch
    worker processes get the framework) leaves them out and builds them again there.
    """

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k in type(self).model_fields}
        return state

    # cached: the model is frozen, and resolving a case evaluates every condition
    @functools.cached_property
    def evaluate(self) -> Evaluator:
        """This condition as plain Python, built once: case -> :data:`Verdict`."""
        return _EVALUATORS[type(self)](self)


class Atom(_Compiled):
    """``{field: kind.leeftijd, gte: 7}``: one comparison of a case field; exactly one operator."""

    model_config = _MODEL

    field: Annotated[str, StringConstraints(min_length=1)]
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: Annotated[list[Scalar] | None, Field(alias="in", min_length=1)] = None
    not_in: Annotated[list[Scalar] | None, Field(min_length=1)] = None
    lt: int | str | None = None
    lte: int | str | None = None
    gt: int | str | None = None
    gte: int | str | None = None
    known: bool | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Atom:
        used = self.operators()
        if len(used) != 1:
            raise PydanticCustomError(
                "operator-count",
                "een voorwaarde heeft precies één operator ({ops}); gevonden: {found}",
                {"ops": ", ".join(OPERATORS), "found": ", ".join(used) or "none"},
            )
        return self

    def operators(self) -> list[str]:
        return [op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None]

    # cached: resolving a case reads these for every atom, and the model is frozen
    @functools.cached_property
    def op(self) -> str:
        return self.operators()[0]

    @functools.cached_property
    def value(self) -> Any:
        return getattr(self, "in_" if self.op == "in" else self.op)

    @functools.cached_property
    def date_value(self) -> Any:
        """The value as dates (``datetime.date`` or a list of them): rule files write dates as text."""
        value = self.value
        if isinstance(value, list):
            return [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in value]
        return dt.date.fromisoformat(value) if isinstance(value, str) else value

    def holds_for(self, value: Any) -> bool:
        """The comparison for one known value of the field (a date compares with the dates written)."""
        return bool(OPERATOR[self.op].compare(value, self.date_value if isinstance(value, dt.date) else self.value))


class All(_Compiled):
    """``{all: [...]}``: every condition holds."""

    model_config = _MODEL
    all: Annotated[list[Condition], Field(min_length=1)]


class AnyOf(_Compiled):
    """``{any: [...]}``: at least one condition holds."""

    model_config = _MODEL
    any: Annotated[list[Condition], Field(min_length=1)]


class Not(_Compiled):
    """``{not: condition}``: the condition does not hold."""

    model_config = _MODEL
    not_: Condition = Field(alias="not")


def condition_kind(value: Any) -> str:
    """Which kind of condition a raw mapping is, by its keys (used as pydantic's discriminator)."""
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        return "atom"
    if isinstance(value, BaseModel):
        kinds: dict[type[BaseModel], str] = {All: "all", AnyOf: "any", Not: "not"}
        return kinds.get(type(value), "atom")
    return "atom"


Condition = Annotated[
    Union[
        Annotated[All, Tag("all")],
        Annotated[AnyOf, Tag("any")],
        Annotated[Not, Tag("not")],
        Annotated[Atom, Tag("atom")],
    ],
    Discriminator(condition_kind),
]

All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


# --- walks ----------------------------------------------------------------------------------------


def parts(condition: Condition) -> list[Condition]:
    """The conditions ``condition`` is made of (none for an atom)."""
    if isinstance(condition, All):
        return condition.all
    if isinstance(condition, AnyOf):
        return condition.any
    if isinstance(condition, Not):
        return [condition.not_]
    return []


def atoms(condition: Condition | None) -> Iterator[Atom]:
    """Every comparison in ``condition``, in the order written."""
    if condition is None:
        return
    if isinstance(condition, Atom):
        yield condition
        return
    for part in parts(condition):
        yield from atoms(part)


def condition_fields(condition: Condition | None) -> list[str]:
    """The case fields ``condition`` reads, in the order written (a field read twice is listed twice)."""
    return [atom.field for atom in atoms(condition)]


# --- three-valued evaluation ----------------------------------------------------------------------


def evaluate(condition: Condition, case: Any) -> Verdict:
    """The three-valued truth of ``condition`` for ``case`` (true, false, or None when it depends on
    a fact the case leaves unknown), with the fields that leave it open (see :data:`Verdict`).

    Kleene's logic: ``all`` is false as soon as one part is false, ``any`` true as soon as one part
    is true, ``not`` of unknown is unknown; an atom on an unknown field is unknown, except
    ``known``, which says whether the field is known.
    """
    return condition.evaluate(case)


def _atom(atom: Atom) -> Evaluator:
    get = operator.attrgetter(atom.field)
    if atom.op == "known":
        wanted = bool(atom.value)
        return lambda case: ((get(case) is not None) is wanted, ())
    field = (atom.field,)
    compare = OPERATOR[atom.op].compare
    date = atom.field in CASE_FIELDS and CASE_FIELDS[atom.field].value_type == "date"
    target = atom.date_value if date else atom.value

    def evaluate(case: Any) -> Verdict:
        value = get(case)
        if value is None:
            return None, field
        return bool(compare(value, target)), ()

    return evaluate


def _combine(conditions: list[Condition], decisive: bool) -> Evaluator:
    # decisive: the part value that settles the whole (true for any, false for all)
    evaluators = [c.evaluate for c in conditions]

    def evaluate(case: Any) -> Verdict:
        open_fields: list[str] = []
        for part in evaluators:
            value, fields = part(case)
            if value is decisive:
                return decisive, ()
            if value is None:
                open_fields += fields
        return (None, tuple(dict.fromkeys(open_fields))) if open_fields else (not decisive, ())

    return evaluate


def _not(condition: Not) -> Evaluator:
    inner = condition.not_.evaluate

    def evaluate(case: Any) -> Verdict:
        value, fields = inner(case)
        return (None if value is None else not value), fields

    return evaluate


_EVALUATORS: dict[type[BaseModel], Callable[[Any], Evaluator]] = {
    Atom: _atom,
    All: lambda condition: _combine(condition.all, False),
    AnyOf: lambda condition: _combine(condition.any, True),
    Not: _not,
}
