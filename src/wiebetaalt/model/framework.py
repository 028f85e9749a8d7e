"""The decision-framework format: frozen pydantic models of a rule file.

A rule file is data that policymakers edit. Conditions are structured (``all``/``any``/``not``
over ``{field, <operator>: value}``); nothing in a file is ever executed. The structural keys are
English, the domain words (case fields, values, texts, citations) are Dutch.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import operator
import re
from fractions import Fraction
from collections.abc import Callable
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StringConstraints,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .case import CASE_FIELDS, IsoDate

SCHEMA_VERSION = 1
#: A placeholder in an explanation: ``{kind.brp_gemeente}``, filled in with the case's value.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")
#: Placeholders an explanation may use beside the case fields.
OUTCOME_PLACEHOLDERS = frozenset({"partij"})

_MODEL = ConfigDict(strict=True, extra="forbid", frozen=True)

Identifier = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=80),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Scalar = Union[bool, int, str]

OPERATORS: tuple[str, ...] = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "known")


class _Compiled(BaseModel):
    """A condition that caches plain-Python forms of itself (``functools.cached_property``).

    The caches hold closures, which do not pickle; a copy sent to another process (as batch
    worker processes get the framework) leaves them out and builds them again there.
    """

    def __getstate__(self) -> dict[Any, Any]:
        state = super().__getstate__()
        state["__dict__"] = {k: v for k, v in state["__dict__"].items() if k in type(self).model_fields}
        return state


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
                "a condition needs exactly one operator ({ops}); found: {found}",
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
        return bool(_COMPARE[self.op](value, self.date_value if isinstance(value, dt.date) else self.value))

    @functools.cached_property
    def evaluate(self) -> Evaluator:
        """See :data:`Evaluator`."""
        get = operator.attrgetter(self.field)
        if self.op == "known":
            wanted = bool(self.value)
            return lambda case: ((get(case) is not None) is wanted, ())
        field = (self.field,)
        compare = _COMPARE[self.op]
        date = self.field in CASE_FIELDS and CASE_FIELDS[self.field].kind == "date"
        target = self.date_value if date else self.value

        def evaluate(case: Any) -> Verdict:
            value = get(case)
            if value is None:
                return None, field
            return bool(compare(value, target)), ()

        return evaluate


#: The three-valued truth of a condition for a case, and when it is unknown the fields (in order of
#: appearance, each once) that leave it open; a field in a part that is settled anyway is not one.
Verdict = tuple["bool | None", tuple[str, ...]]
#: A condition compiled once into plain Python: case -> :data:`Verdict`.
Evaluator = Callable[[Any], Verdict]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge,
    "in": lambda value, options: value in options, "not_in": lambda value, options: value not in options,
}  # fmt: skip


def _combine(parts: list[Evaluator], decisive: bool) -> Evaluator:
    # decisive: the part value that settles the whole (true for any, false for all)
    def evaluate(case: Any) -> Verdict:
        open_fields: list[str] = []
        for part in parts:
            value, fields = part(case)
            if value is decisive:
                return decisive, ()
            if value is None:
                open_fields += fields
        return (None, tuple(dict.fromkeys(open_fields))) if open_fields else (not decisive, ())

    return evaluate


class All(_Compiled):
    """``{all: [...]}``: every condition holds."""

    model_config = _MODEL
    all: Annotated[list[Condition], Field(min_length=1)]

    @functools.cached_property
    def evaluate(self) -> Evaluator:
        """See :data:`Evaluator`."""
        return _combine([c.evaluate for c in self.all], False)


class AnyOf(_Compiled):
    """``{any: [...]}``: at least one condition holds."""

    model_config = _MODEL
    any: Annotated[list[Condition], Field(min_length=1)]

    @functools.cached_property
    def evaluate(self) -> Evaluator:
        """See :data:`Evaluator`."""
        return _combine([c.evaluate for c in self.any], True)


class Not(_Compiled):
    """``{not: condition}``: the condition does not hold."""

    model_config = _MODEL
    not_: Condition = Field(alias="not")

    @functools.cached_property
    def evaluate(self) -> Evaluator:
        """See :data:`Evaluator`."""
        inner = self.not_.evaluate

        def evaluate(case: Any) -> Verdict:
            value, fields = inner(case)
            return (None if value is None else not value), fields

        return evaluate


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

    @property
    def always(self) -> bool:
        """In force on every day: no ``valid_from`` and no ``valid_to``."""
        return self.valid_from is None and self.valid_to is None


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


class SplitPart(BaseModel):
    """One payer of a shared cost and its weight; its share is its weight over the sum of weights.

    The payer is a concrete ``party`` ("gemeente Schiedam") or another ``funder`` (resolved to its
    party for the case). The weight is a declared number (``weight``: pupils, a fixed 60), a number
    from the case (``weight_field``: days with a parent), or what is left of a total after the other
    parts (``remainder_of``: 7 days a week).
    """

    model_config = _MODEL
    funder: Identifier | None = None
    party: Text | None = None
    weight: Annotated[int, Field(ge=0)] | None = None
    weight_field: str | None = None
    remainder_of: Annotated[int, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _one_payer_one_weight(self) -> SplitPart:
        if (self.funder is None) == (self.party is None):
            raise PydanticCustomError("split-part", "a split part names exactly one of funder or party")
        if sum(x is not None for x in (self.weight, self.weight_field, self.remainder_of)) != 1:
            raise PydanticCustomError("split-part", "a split part has exactly one of weight, weight_field or remainder_of")
        return self


class Split(BaseModel):
    """A cost shared by several payers; ``basis`` says, in Dutch, how the key was agreed."""

    model_config = _MODEL
    basis: Text = Field(description="Hoe de verdeelsleutel tot stand kwam (komt in de toelichting).")
    parts: Annotated[list[SplitPart], Field(min_length=2)]

    @model_validator(mode="after")
    def _one_remainder(self) -> Split:
        if sum(p.remainder_of is not None for p in self.parts) > 1:
            raise PydanticCustomError("split-part", "at most one split part takes the remainder")
        return self


class Funder(BaseModel):
    """A funder role (``woonplaatsgemeente``, ``swv_school``) that resolves to a concrete party.

    A funder with ``split`` is several payers sharing the cost; it has no ``party`` of its own.
    """

    model_config = _MODEL
    id: Identifier
    name: Text
    party: Annotated[list[PartySource], Field(min_length=1)] | None = None
    fallback: Text | None = Field(
        None, description="Tekst voor de partij als het veld onbekend is; zonder fallback is dat een ontbrekend feit."
    )
    split: Split | None = None

    @model_validator(mode="after")
    def _split_alone(self) -> Funder:
        if self.split is not None and (self.party is not None or self.fallback is not None):
            raise PydanticCustomError("split-part", "a funder with split has no party or fallback of its own")
        return self


class Route(BaseModel):
    """A body that settles a dispute the framework leaves open."""

    model_config = _MODEL
    id: Identifier
    name: Text
    description: Text
    url: AnyHttpUrl | None = None
    contact: Text | None = Field(
        None, description="Wie de casus aanmeldt of wie het aanspreekpunt is (een rol, geen naam)."
    )
    deadline: Text | None = Field(None, description="Binnen welke termijn de route beslist, zoals afgesproken.")
    interim_funder: Identifier | None = Field(
        None, description="Wie betaalt zolang de route niet beslist heeft, als het kader dat afspreekt."
    )


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
    interim_funder: Identifier | None = Field(
        None, description="Wie betaalt zolang de escalatie loopt, als het kader dat afspreekt (gaat voor op die van de route)."
    )
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


ShareText = Annotated[str, StringConstraints(pattern=r"^\s*(\d+(\.\d+)?\s*%|\d+\s*/\s*[1-9]\d*)\s*$")]


def parse_share(text: str) -> Fraction:
    """'60%', '51.5%' or '412/800' as an exact fraction of the whole."""
    text = text.strip()
    if text.endswith("%"):
        return Fraction(text[:-1].strip()) / 100
    numerator, denominator = text.split("/")
    return Fraction(int(numerator), int(denominator))


class Expectation(BaseModel):
    """What an example expects: a funder (and entity) or an escalation (and its details)."""

    model_config = _MODEL
    funder: Identifier | None = None
    entity: Text | None = None
    escalation: EscalationReasonName | None = None
    missing_facts: list[str] | None = None
    route: Identifier | None = Field(None, description="De route waarlangs de escalatie gaat.")
    rules: list[Identifier] | None = None
    legal_basis: Text | None = Field(None, description="Een citaat dat in de rechtsgrond van de uitkomst staat.")
    shares: dict[str, ShareText] | None = Field(
        None, description="Per partij het exacte aandeel: '60%', '51.5%' of '412/800'; samen 100%."
    )

    @model_validator(mode="after")
    def _decision_or_escalation(self) -> Expectation:
        if (self.funder is None) == (self.escalation is None):
            raise PydanticCustomError("example-expectation", "an expectation names exactly one of funder or escalation")
        if self.route is not None and self.escalation is None:
            raise PydanticCustomError("example-expectation", "only an escalation has a route")
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
    extends: Text | None = Field(
        None, description="Het kader waarop dit kader voortbouwt (pad vanaf dit bestand); regels, betalers en routes komen erbij."
    )
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
    # per rule id, how many overlays above the base-most file it was written (0: that file); the
    # loader sets it, so that a region cannot change a national outcome unannounced
    _layers: dict[str, int] = PrivateAttr(default_factory=dict)
    # (file name, SHA-256 of its bytes) of the files it was loaded from, the base-most first
    _sources: tuple[tuple[str, str], ...] = PrivateAttr(default=())

    @property
    def layers(self) -> dict[str, int]:
        """Per rule id, its layer: 0 for the base-most file, 1 for an overlay on it, and so on.

        Empty for a framework not loaded from files (every rule then counts as one layer).
        """
        return self._layers

    @property
    def sources(self) -> tuple[tuple[str, str], ...]:
        """(file name, SHA-256 of its bytes) of every file the framework was loaded from, the
        base-most first; empty for a framework not loaded from files."""
        return self._sources

    def rule(self, rule_id: str) -> Rule:
        return next(r for r in self.rules if r.id == rule_id)

    def funder(self, funder_id: str) -> Funder:
        return next(f for f in self.funders if f.id == funder_id)

    def route(self, route_id: str) -> Route:
        return next(r for r in self.routes if r.id == route_id)


All.model_rebuild()
AnyOf.model_rebuild()
Not.model_rebuild()


def compared_texts(framework: Framework) -> dict[str, list[str]]:
    """Per text field, every text the framework's rules and party sources compare it with, in the
    order written."""
    found: dict[str, list[str]] = {}
    conditions: list[Condition] = [rule.when for rule in framework.rules]
    conditions += [source.when for funder in framework.funders for source in funder.party or []
                   if source.when is not None]
    stack = list(reversed(conditions))
    while stack:
        condition = stack.pop()
        if isinstance(condition, (All, AnyOf)):
            stack.extend(reversed(condition.all if isinstance(condition, All) else condition.any))
        elif isinstance(condition, Not):
            stack.append(condition.not_)
        elif condition.field in CASE_FIELDS and CASE_FIELDS[condition.field].kind == "str":
            values = condition.value if isinstance(condition.value, list) else [condition.value]
            found.setdefault(condition.field, []).extend(value for value in values if isinstance(value, str))
    return found


_SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    Atom, All, AnyOf, Not, LegalBasis, PartySource, Funder, Route, Rule, Expectation, Example, Framework
)

# What Text's strip_whitespace removes: pydantic-core trims Unicode White_Space (Rust's trim). Spelled
# out because `\s` differs between the regex engines of editors (ECMA-262: with U+FEFF, without
# U+0085) and Python's, and the schema must refuse exactly the texts the loader finds empty.
_STRIPPED = r"\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# Rule._funder_or_grey: a grey zone names no funder; any other rule names one and suggests none.
_RULE_OUTCOME: dict[str, Any] = {
    "if": {"properties": {"grey_zone": {"const": True}}, "required": ["grey_zone"]},
    "then": {"properties": {"funder": {"type": "null"}}},
    "else": {
        "required": ["funder"],
        "properties": {"funder": {"not": {"type": "null"}}, "suggested_funder": {"type": "null"}},
    },
}


def framework_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rule file, for editors that check YAML as it is typed.

    pydantic derives the schema from the models but cannot see their validators, so what those
    validators enforce is added here as far as JSON Schema can say it. The schema never refuses a
    file the loader accepts; it still misses what needs the whole file (references, unique ids,
    override cycles, periods) and what a value means for its case field.
    """
    schema = Framework.model_json_schema(by_alias=True)
    defs = schema["$defs"]

    def prop(model: type[BaseModel], key: str) -> dict[str, Any]:
        found: dict[str, Any] = (schema if model is Framework else defs[model.__name__])["properties"][key]
        return found

    for model, key in _fields_where(_means_all):
        _allow_bare_list(prop(model, key))
    for model, key in _fields_where(_is_text):
        for member in _strings(prop(model, key)):
            member["pattern"] = f"[^{_STRIPPED}]"
    for model, key in _fields_where(lambda hint: hint is AnyHttpUrl):
        for member in _strings(prop(model, key)):
            # strict URL parsing refuses leading spaces and a missing `//`, so this prefix is exact
            member["pattern"] = "^[Hh][Tt][Tt][Pp][Ss]?://"
    # operators left null do not count (Atom.operators), so the others may still be written as null
    defs["Atom"]["oneOf"] = _exactly_one_of(OPERATORS)
    defs["Expectation"]["oneOf"] = _exactly_one_of(("funder", "escalation"))
    defs["Expectation"]["oneOf"][0]["properties"]["route"] = {"type": "null"}  # only an escalation has a route
    defs["Rule"].update(copy.deepcopy(_RULE_OUTCOME))
    schema["properties"]["precedence"]["uniqueItems"] = True  # the loader: duplicate-id
    # the loader refuses other field names (unknown-field, wrong-value-type); listing them lets an
    # editor complete them
    defs["Atom"]["properties"]["field"]["enum"] = list(CASE_FIELDS)
    defs["Expectation"]["properties"]["missing_facts"]["anyOf"][0]["items"]["enum"] = list(CASE_FIELDS)
    defs["PartySource"]["properties"]["field"]["enum"] = [n for n, t in CASE_FIELDS.items() if t.kind == "str"]
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "wiebetaalt afwegingskader"
    return schema


def _exactly_one_of(keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``oneOf`` variants that a mapping matches once exactly when one of ``keys`` is not null."""
    return [{"required": [key], "properties": {key: {"not": {"type": "null"}}}} for key in keys]


def _fields_where(test: Callable[[Any], bool]) -> list[tuple[type[BaseModel], str]]:
    """(model, key) of every field whose type, or a type nested in it, passes ``test``.

    Found from the type hints rather than listed by hand, so a field added later with the same
    type gets the same schema.
    """
    found: list[tuple[type[BaseModel], str]] = []
    for model in _SCHEMA_MODELS:
        hints = get_type_hints(model, include_extras=True)
        for name, info in model.model_fields.items():
            if _anywhere(test, hints[name]):
                found.append((model, info.alias or name))
    return found


def _anywhere(test: Callable[[Any], bool], hint: Any) -> bool:
    # stops at models: a field holding a Rule is not itself a `when`
    return test(hint) or any(_anywhere(test, arg) for arg in get_args(hint))


def _means_all(hint: Any) -> bool:
    return get_origin(hint) is Annotated and any(
        isinstance(m, BeforeValidator) and m.func is _list_means_all for m in hint.__metadata__
    )


def _is_text(hint: Any) -> bool:
    return get_origin(hint) is Annotated and any(
        isinstance(m, StringConstraints) and m.strip_whitespace for m in hint.__metadata__
    )


def _strings(prop: dict[str, Any]) -> list[dict[str, Any]]:
    """The string-typed schemas of a property: itself, or its members if it may also be null."""
    return [m for m in prop.get("anyOf", [prop]) if m.get("type") == "string"]


def _allow_bare_list(prop: dict[str, Any]) -> None:
    """Let a ``when`` property hold a non-empty list of conditions besides one condition."""
    members = prop.pop("anyOf", None) or [{"oneOf": prop.pop("oneOf")}]
    prop["anyOf"] = []
    for member in members:
        prop["anyOf"].append(member)
        if "oneOf" in member:
            prop["anyOf"].append({"type": "array", "items": copy.deepcopy(member), "minItems": 1})
    prop["description"] = "Een voorwaarde, of een lijst van voorwaarden die allemaal moeten gelden (als all)."
