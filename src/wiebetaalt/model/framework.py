"""The decision-framework format: frozen pydantic models of a rule file.

A rule file is data that policymakers edit: funders, rules, routes and examples, each rule with a
condition (:mod:`wiebetaalt.model.conditions`) that nothing ever executes. The structural keys are
English, the domain words (case fields, values, texts, citations) are Dutch.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .case import CASE_FIELDS, IsoDate
from .conditions import Condition, atoms

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


def list_means_all(value: object) -> object:
    """A bare list under ``when:`` reads as "all of these", the common case for policymakers."""
    return {"all": value} if isinstance(value, list) else value


When = Annotated[Condition, BeforeValidator(list_means_all)]


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
            raise PydanticCustomError("split-part", "een deel noemt precies één van funder of party")
        if sum(x is not None for x in (self.weight, self.weight_field, self.remainder_of)) != 1:
            raise PydanticCustomError("split-part", "een deel heeft precies één van weight, weight_field of remainder_of")
        return self


class Split(BaseModel):
    """A cost shared by several payers; ``basis`` says, in Dutch, how the key was agreed."""

    model_config = _MODEL
    basis: Text = Field(description="Hoe de verdeelsleutel tot stand kwam (komt in de toelichting).")
    parts: Annotated[list[SplitPart], Field(min_length=2)]

    @model_validator(mode="after")
    def _one_remainder(self) -> Split:
        if sum(p.remainder_of is not None for p in self.parts) > 1:
            raise PydanticCustomError("split-part", "hoogstens één deel neemt de rest")
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
            raise PydanticCustomError("split-part", "een betaler met split heeft geen eigen party of fallback")
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
            raise PydanticCustomError("rule-outcome", "een grijze-zoneregel noemt geen funder; gebruik suggested_funder")
        if not self.grey_zone and self.funder is None:
            raise PydanticCustomError("rule-outcome", "een regel noemt een funder, of heeft grey_zone: true")
        if not self.grey_zone and self.suggested_funder is not None:
            raise PydanticCustomError("rule-outcome", "suggested_funder hoort alleen bij een grijze-zoneregel")
        return self


EscalationReasonName = Literal["no_rule", "conflict", "grey_zone", "missing_facts", "party_unknown"]


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
    presumptions: list[str] | None = Field(
        None, description="De velden waarvan de uitkomst een aangenomen waarde gebruikt (leeg: geen enkele)."
    )

    @model_validator(mode="after")
    def _decision_or_escalation(self) -> Expectation:
        # with party_unknown the funder is settled: an example may name it beside the escalation
        both = self.funder is not None and self.escalation == "party_unknown"
        if (self.funder is None) == (self.escalation is None) and not both:
            raise PydanticCustomError("example-expectation", "een verwachting noemt precies één van funder of escalation")
        if self.route is not None and self.escalation is None:
            raise PydanticCustomError("example-expectation", "alleen een escalatie heeft een route")
        return self


class Example(BaseModel):
    """A worked case with its expected outcome; examples run as tests."""

    model_config = _MODEL
    name: Text
    case: dict[str, Any]
    expect: Expectation
    presume: bool = Field(True, description="false: beslis zonder aannames, zoals `decide --geen-aannames`.")


class Presumption(BaseModel):
    """A value presumed for a case field the case leaves out: a fact that exists only when an
    authority recorded it (a Wlz indication of the CIZ, a secret address in the BRP), with the
    reason it may be presumed and a source anyone can open. The outcome names every presumption it
    rests on; ``Engine.decide(case, presume=False)`` presumes nothing."""

    model_config = _MODEL
    field: Text
    value: bool | int | Text
    label: Text = Field(description="Wat er wordt aangenomen, kort, zoals de casus het leest: 'geen Wlz-indicatie'.")
    reason: Text = Field(description="Waarom dit mag worden aangenomen zolang het niet anders bekend is.")
    source: AnyHttpUrl


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
    presumptions: list[Presumption] = Field(
        [], description="Waarden die worden aangenomen voor feiten die de casus niet geeft: uitzonderingen die "
                        "alleen bestaan als een instantie ze vastlegde."
    )
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


def compared_texts(framework: Framework) -> dict[str, list[str]]:
    """Per text field, every text the framework's rules and party sources compare it with, in the
    order written."""
    found: dict[str, list[str]] = {}
    conditions: list[Condition] = [rule.when for rule in framework.rules]
    conditions += [source.when for funder in framework.funders for source in funder.party or []
                   if source.when is not None]
    for condition in conditions:
        for atom in atoms(condition):
            if atom.field in CASE_FIELDS and CASE_FIELDS[atom.field].value_type == "str":
                values = atom.value if isinstance(atom.value, list) else [atom.value]
                found.setdefault(atom.field, []).extend(value for value in values if isinstance(value, str))
    return found
