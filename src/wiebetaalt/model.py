"""The decision-framework format: frozen pydantic models of a rule file.

A rule file is data that policymakers edit. Conditions are structured (``all``/``any``/``not``
over ``{field, <operator>: value}``); nothing in a file is ever executed. The structural keys are
English, the domain words (case fields, values, texts, citations) are Dutch.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .case import IsoDate

SCHEMA_VERSION = 1

_MODEL = ConfigDict(strict=True, extra="forbid", frozen=True)

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Scalar = Union[bool, int, str]

OPERATORS: tuple[str, ...] = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "known")


class Atom(BaseModel):
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
                "a condition needs exactly one operator ({ops}); found: {found}",
                {"ops": ", ".join(OPERATORS), "found": ", ".join(used) or "none"},
            )
        return self

    def operators(self) -> list[str]:
        return [op for op in OPERATORS if getattr(self, "in_" if op == "in" else op) is not None]

    @property
    def op(self) -> str:
        return self.operators()[0]

    @property
    def value(self) -> Any:
        return getattr(self, "in_" if self.op == "in" else self.op)


class All(BaseModel):
    """``{all: [...]}``: every condition holds."""

    model_config = _MODEL
    all: Annotated[list[Condition], Field(min_length=1)]


class AnyOf(BaseModel):
    """``{any: [...]}``: at least one condition holds."""

    model_config = _MODEL
    any: Annotated[list[Condition], Field(min_length=1)]


class Not(BaseModel):
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
        return {All: "all", AnyOf: "any", Not: "not"}.get(type(value), "atom")
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


def _list_means_all(value: object) -> object:
    # A bare list under `when:` reads as "all of these", the common case for policymakers.
    return {"all": value} if isinstance(value, list) else value


When = Annotated[Condition, BeforeValidator(_list_means_all)]


class LegalBasis(BaseModel):
    """A citation of the law or practice a rule rests on, with a source anyone can open."""

    model_config = _MODEL
    citation: Text
    url: AnyHttpUrl


class Period(BaseModel):
    """Mixin: the dates a rule is in force, ``valid_from`` inclusive and ``valid_to`` exclusive."""

    model_config = _MODEL
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None

    def in_force(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day < self.valid_to)


class PartySource(Period):
    """One way to find the concrete party behind a funder role, tried in the order listed.

    ``when`` says when this way applies; ``field`` names the case field that holds the party
    (a municipality, an SWV, a school board); ``prefix`` is put before it ("gemeente").
    """

    id: Identifier
    when: When | None = None
    field: str
    prefix: str = ""
    legal_basis: list[LegalBasis] = []
    explanation: Text | None = None


class Funder(BaseModel):
    """A funder role (``woonplaatsgemeente``, ``swv_school``) that resolves to a concrete party."""

    model_config = _MODEL
    id: Identifier
    name: Text
    party: Annotated[list[PartySource], Field(min_length=1)] | None = None
    fallback: Text | None = Field(
        None, description="Tekst voor de partij als het veld onbekend is; zonder fallback is dat een ontbrekend feit."
    )


class Route(BaseModel):
    """A body that settles a dispute the framework leaves open."""

    model_config = _MODEL
    id: Identifier
    name: Text
    description: Text
    url: AnyHttpUrl | None = None


class Rule(Period):
    """One rule: when its condition holds, ``funder`` pays, or the case is a declared grey zone."""

    id: Identifier
    title: Text
    domain: Identifier = Field(description="Het stelsel (wlz, zvw, onderwijs, jeugdwet, wmo) voor voorliggendheid.")
    when: When
    funder: Identifier | None = None
    grey_zone: bool = False
    suggested_funder: Identifier | None = None
    overrides: list[Identifier] = []
    route: Identifier | None = None
    legal_basis: Annotated[list[LegalBasis], Field(min_length=1)]
    explanation: Text

    @model_validator(mode="after")
    def _funder_or_grey(self) -> Rule:
        if self.grey_zone and self.funder is not None:
            raise PydanticCustomError("rule-outcome", "a grey-zone rule names no funder; use suggested_funder")
        if not self.grey_zone and self.funder is None:
            raise PydanticCustomError("rule-outcome", "a rule names a funder, or is marked grey_zone: true")
        if not self.grey_zone and self.suggested_funder is not None:
            raise PydanticCustomError("rule-outcome", "suggested_funder belongs to a grey-zone rule only")
        return self


EscalationReasonName = Literal["no_rule", "conflict", "grey_zone", "missing_facts"]


class Expectation(BaseModel):
    """What an example expects: a funder (and entity) or an escalation (and its details)."""

    model_config = _MODEL
    funder: Identifier | None = None
    entity: Text | None = None
    escalation: EscalationReasonName | None = None
    missing_facts: list[str] | None = None
    rules: list[Identifier] | None = None
    legal_basis: Text | None = Field(None, description="Een citaat dat in de rechtsgrond van de uitkomst staat.")

    @model_validator(mode="after")
    def _decision_or_escalation(self) -> Expectation:
        if (self.funder is None) == (self.escalation is None):
            raise PydanticCustomError("example-expectation", "an expectation names exactly one of funder or escalation")
        return self


class Example(BaseModel):
    """A worked case with its expected outcome; examples run as tests."""

    model_config = _MODEL
    name: Text
    case: dict[str, Any]
    expect: Expectation


class Framework(BaseModel):
    """A whole decision framework (afwegingskader): funders, rules, routes and examples."""

    model_config = _MODEL
    schema_version: Literal[1]
    framework: Identifier
    title: Text
    version: Text
    precedence: Annotated[list[Identifier], Field(min_length=1)] = Field(
        description="Voorliggendheid: de stelsels van hoog naar laag; een regel uit een hoger stelsel gaat voor."
    )
    default_route: Identifier
    routes: Annotated[list[Route], Field(min_length=1)]
    funders: Annotated[list[Funder], Field(min_length=1)]
    rules: Annotated[list[Rule], Field(min_length=1)]
    examples: list[Example] = []

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def funder(self, funder_id: str) -> Funder:
        return next(f for f in self.funders if f.id == funder_id)

    def route(self, route_id: str) -> Route:
        return next(r for r in self.routes if r.id == route_id)


All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def framework_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file, for editors that check YAML as it is typed."""
    schema = Framework.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "wiebetaalt afwegingskader"
    return schema
