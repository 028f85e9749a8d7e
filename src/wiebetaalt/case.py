"""The case: the facts about one child's request for help that a framework decides on.

Field names are Dutch because they are data: policymakers write them in rule files
(``kind.brp_gemeente``) and they follow the terms of the law. A fact left out or ``null`` is
*unknown*; the engine never guesses it and escalates when a decision depends on it. The model
holds no name, BSN or birth date: nothing that identifies the child is needed to decide who pays.
"""

from __future__ import annotations

import datetime as dt
import difflib
import operator
import re
import reprlib
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from pydantic_core import ErrorDetails, PydanticCustomError

from .errors import CaseError, CaseProblem


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shown(text: str, limit: int = 60) -> str:
    """Input text as an error message quotes it: short, and encodable (pydantic fails to render a
    message whose context holds a lone surrogate, and raises UnicodeEncodeError instead)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Quotes an unknown value in a message: bounded in length and depth, whatever the input.
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlevel = 2


def _parse_date(value: object) -> object:
    # Strict mode refuses ISO text for dates, but YAML and JSON cases carry dates as text.
    if isinstance(value, str):
        try:
            # fromisoformat also takes 20250301 and 2025-W09 on Python 3.11; the format is YYYY-MM-DD
            if not _ISO_DATE.fullmatch(value):
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "invalid-date", "not a valid date '{value}'; write YYYY-MM-DD", {"value": _shown(value)}
            ) from None
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_parse_date)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


def _normalise_postcode(value: object) -> object:
    return value.replace(" ", "").upper() if isinstance(value, str) else value


Postcode = Annotated[str, BeforeValidator(_normalise_postcode), StringConstraints(pattern=r"^[1-9][0-9]{3}[A-Z]{2}$")]

HelpKind = Literal[
    "basisondersteuning",
    "extra_ondersteuning",
    "jeugdhulp",
    "begeleiding",
    "persoonlijke_verzorging",
    "verpleging",
    "intensieve_kindzorg",
    "logopedie",
    "dyslexiezorg",
    "huiswerkbegeleiding",
    "remedial_teaching",
    "leerlingenvervoer",
    "jeugdbescherming",
    "jeugdreclassering",
    "toelaatbaarheidsverklaring",
    "diagnostiek_behandeling",
    "dagbesteding",
    "sociaal_contact",
    "spraak_taalscreening",
    "schoolmaatschappelijk_werk",
    "thuiszittertraject",
    "rebound",
    "onderwijszorgarrangement",
]
Access = Literal["individueel", "collectief"]
SchoolKind = Literal["basisonderwijs", "sbo", "so", "vso", "vo", "pro"]
Referrer = Literal[
    "school",
    "ouders",
    "jeugdige",
    "huisarts",
    "jeugdarts",
    "medisch_specialist",
    "gemeente",
    "gecertificeerde_instelling",
]

Authority = Literal["beide_ouders", "een_ouder", "voogdij", "meerderjarig"]
StayKind = Literal[
    "jeugdhulpaanbieder",
    "pleegzorg",
    "gezinshuis",
    "jji",
    "beschermd_wonen",
    "opvang",
    "logeren_regelmatig",
    "logeren_incidenteel",
]
TlvSituation = Literal[
    "verwijzing",
    "eerste_inschrijving",
    "vanuit_buitenland",
    "verlenging",
    "overstap_met_tlv",
    "residentiele_plaatsing",
]

_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)


class Child(BaseModel):
    """``kind``: the child's age, registration and indications (no identifying data)."""

    model_config = _STRICT

    leeftijd: Annotated[int, Field(ge=0, le=30)] | None = None
    brp_woonadres: bool | None = Field(
        None, description="Staat de jeugdige met een woonadres (geen briefadres) in de BRP?"
    )
    brp_gemeente: Name | None = Field(None, description="Gemeente van het BRP-woonadres.")
    postcode: Postcode | None = Field(
        None, description="Postcode van het BRP-woonadres; geeft de gemeente als brp_gemeente ontbreekt."
    )
    verblijf: bool | None = Field(
        None,
        description="Verblijft de jeugdige bij een jeugdhulpaanbieder, pleegouder, gezinshuis, JJI, in de "
        "opvang of beschermd wonen, of logeert hij regelmatig terugkerend (Jeugdwet art. 1.1, woonplaats 2°)?",
    )
    brp_gemeente_voor_verblijf: Name | None = Field(
        None, description="Gemeente van het BRP-woonadres direct voor het (aaneengesloten) verblijf."
    )
    geheim_adres: bool | None = Field(
        None, description="Geldt voor het BRP-adres een geheimhoudingsnotitie (art. 2.26 Wet BRP)?"
    )
    moeder_bij_geboorte_ingeschreven: bool | None = Field(
        None, description="Stond de moeder bij de geboorte als ingezetene in een Nederlandse gemeente ingeschreven?"
    )
    gemeente_moeder_bij_geboorte: Name | None = None
    feitelijke_verblijfsgemeente: Name | None = Field(
        None, description="Gemeente waar de jeugdige feitelijk verblijft."
    )
    wlz_indicatie: bool | None = Field(None, description="Heeft de jeugdige een Wlz-indicatie (CIZ)?")
    zorgverzekeraar: Name | None = None
    zorgkantoor: Name | None = None
    briefadres: bool | None = Field(
        None, description="Staat de jeugdige in de BRP alleen op een briefadres (geen woonadres)?"
    )
    vorige_brp_gemeente: Name | None = Field(
        None, description="Gemeente van het BRP-woonadres vóór de laatste verhuizing."
    )
    brp_inschrijfdatum: IsoDate | None = Field(
        None, description="Datum waarop de inschrijving op het huidige BRP-woonadres (brp_gemeente) ingaat."
    )
    soort_verblijf: StayKind | None = Field(
        None, description="Soort verblijf; regelmatig terugkerend logeren telt als verblijf, incidenteel logeren niet."
    )
    gezag: Authority | None = Field(
        None,
        description="Wie het gezag heeft (voor het woonplaatsbeginsel vóór 2022): beide ouders, één ouder, "
        "een voogd, of niemand omdat de jeugdige meerderjarig is.",
    )
    gemeente_ouder_met_gezag: Name | None = Field(
        None, description="Woonplaats (gemeente) van de ouder of ouders met gezag."
    )
    ouders_wonen_apart: bool | None = Field(
        None, description="Wonen de ouders met gezamenlijk gezag apart?"
    )
    hoofdverblijf_gemeente: Name | None = Field(
        None, description="Gemeente van de ouder bij wie de jeugdige zijn hoofdverblijf heeft (rechter of ouders)."
    )
    alleen_psychische_stoornis: bool | None = Field(
        None, description="Is de zorgbehoefte uitsluitend het gevolg van een psychische stoornis?"
    )
    swv_woonregio: Name | None = Field(
        None, description="Samenwerkingsverband van de regio waar de leerling woont."
    )
    swv_tlv: Name | None = Field(
        None, description="Samenwerkingsverband dat de geldende toelaatbaarheidsverklaring afgaf."
    )
    co_ouderschap: bool | None = Field(
        None, description="Woont de jeugdige bij co-ouderschap afwisselend bij beide ouders (twee woningen)?"
    )
    verblijfsgemeente_andere_ouder: Name | None = Field(
        None, description="Bij co-ouderschap: gemeente waar de jeugdige bij de andere ouder feitelijk woont."
    )
    dagen_bij_andere_ouder: Annotated[int, Field(ge=0, le=7)] | None = Field(
        None, description="Bij co-ouderschap: dagen per week bij de andere ouder (0–7)."
    )


class School(BaseModel):
    """``school``: where the child is enrolled; its municipality matters only where a rule says so."""

    model_config = _STRICT

    gemeente: Name | None = None
    soort: SchoolKind | None = None
    samenwerkingsverband: Name | None = None
    bestuur: Name | None = Field(None, description="Het bevoegd gezag (schoolbestuur).")
    swv_verwijzende_school: Name | None = Field(
        None, description="Samenwerkingsverband van de school die de leerling voor een TLV verwijst."
    )


class Need(BaseModel):
    """``hulpvraag``: what help is asked for and how it is accessed."""

    model_config = _STRICT

    soort: HelpKind | None = None
    toegang: Access | None = Field(
        None,
        description="individueel: een individuele voorziening (beschikking of verwijzing); "
        "collectief: een voorziening die een groep leerlingen zonder beschikking gebruikt.",
    )
    tijdens_schooltijd: bool | None = None
    gericht_op_onderwijs: bool | None = Field(
        None, description="Is de hulp primair gericht op het kunnen volgen van onderwijs?"
    )
    aangemeld_via: Referrer | None = None
    verlengde_jeugdhulp: bool | None = Field(
        None, description="Gaat het om verlengde jeugdhulp (Jeugdwet) voor een jeugdige van 18 jaar of ouder?"
    )
    medisch_doel: bool | None = Field(
        None, description="Heeft de logopedie een medisch doel (Zvw)?"
    )
    dyslexiedossier_compleet: bool | None = Field(
        None, description="Is het leerlingdossier voor een vermoeden van ernstige enkelvoudige dyslexie compleet?"
    )
    tlv_situatie: TlvSituation | None = Field(
        None, description="In welke situatie wordt de toelaatbaarheidsverklaring (TLV) gevraagd?"
    )


class Case(BaseModel):
    """One request for help, as of ``peildatum`` (the date whose law applies)."""

    model_config = _STRICT

    peildatum: IsoDate
    kind: Child = Child()
    school: School = School()
    hulpvraag: Need = Need()


@dataclass(frozen=True)
class FieldType:
    """What a rule may compare a case field with: its kind and, for enumerations, its values."""

    kind: Literal["bool", "int", "str", "enum", "date"]
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None

    def describe(self) -> str:
        if self.kind == "enum":
            return "one of: " + ", ".join(self.values)
        return {"bool": "true or false", "int": "a whole number", "str": "text", "date": "a date (YYYY-MM-DD)"}[
            self.kind
        ]


def _field_type(annotation: Any) -> FieldType:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _field_type(inner[0])
    if origin is Annotated:
        base, *meta = typing.get_args(annotation)
        found = _field_type(base)
        if found.kind == "int":
            lo = next((m.ge for m in meta if getattr(m, "ge", None) is not None), None)
            hi = next((m.le for m in meta if getattr(m, "le", None) is not None), None)
            for m in meta:  # Field(ge=.., le=..) keeps its bounds in .metadata
                for inner in getattr(m, "metadata", ()):
                    lo = getattr(inner, "ge", lo) if getattr(inner, "ge", None) is not None else lo
                    hi = getattr(inner, "le", hi) if getattr(inner, "le", None) is not None else hi
            return FieldType("int", minimum=lo, maximum=hi)
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


def case_fields(model: type[BaseModel] = Case, prefix: str = "") -> dict[str, FieldType]:
    """Every leaf field of the case model by dotted path, with the type a rule may compare it to."""
    found: dict[str, FieldType] = {}
    for name, info in model.model_fields.items():
        path = prefix + name
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.update(case_fields(annotation, path + "."))
        else:
            found[path] = _field_type(info.rebuild_annotation())
    return found


CASE_FIELDS: dict[str, FieldType] = case_fields()


def put_field(data: dict[str, Any], path: str, value: Any) -> None:
    """Set the dotted field ``path`` in a raw case (a dict as a case file holds it), dates as YYYY-MM-DD."""
    section, _, name = path.partition(".")
    data.setdefault(section, {})[name] = value.isoformat() if isinstance(value, dt.date) else value


def case_data(peildatum: dt.date, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A raw case from a peildatum and dotted field values (a mapping or pairs).

    Fields come in the order of the case model, dates as ``YYYY-MM-DD``, so that the same case is
    always written the same way.
    """
    case: dict[str, Any] = {"peildatum": peildatum.isoformat()}
    given = dict(values)
    for path in CASE_FIELDS:
        if path in given and path != "peildatum":
            put_field(case, path, given[path])
    return case


_M = typing.TypeVar("_M", bound=BaseModel)
_set = object.__setattr__


def replaced(model: _M, changes: dict[str, Any]) -> _M:
    """``model.model_copy(update=changes)`` for the case models, in half the time.

    The case models are frozen, forbid extra fields and have no private attributes, so their
    state is the field values and the names of the fields set; deciding a caseload copies a case
    and its ``kind`` for most rows. The changes are not validated, as with ``model_copy``.
    """
    new = object.__new__(type(model))
    _set(new, "__dict__", {**model.__dict__, **changes})
    _set(new, "__pydantic_fields_set__", model.__pydantic_fields_set__ | changes.keys())
    _set(new, "__pydantic_extra__", None)
    _set(new, "__pydantic_private__", None)
    return new


def field_value(case: Case, path: str) -> Any:
    """The value of a dotted field of ``case`` (``None`` when unknown)."""
    getter = _GETTERS.get(path)
    if getter is None:
        getter = _GETTERS[path] = operator.attrgetter(path)
    return getter(case)


# attrgetter follows dotted paths in C; resolving a case reads fields hundreds of times
_GETTERS: dict[str, Callable[[Any], Any]] = {}


def _expected_text(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "only the fields of the case model (docs/case.md)"
    if kind == "literal_error":
        return "one of " + str(ctx.get("expected", ""))
    if kind.startswith("bool"):
        return "true or false"
    if kind.startswith("int") or kind in ("greater_than_equal", "less_than_equal"):
        return "a whole number" + (f" ≥ {ctx['ge']}" if "ge" in ctx else "") + (f" ≤ {ctx['le']}" if "le" in ctx else "")
    if kind.startswith("string") or kind == "str_type":
        return "text" + (f" matching {ctx['pattern']}" if "pattern" in ctx else "")
    if kind.startswith("date") or "date" in str(error.get("msg", "")):
        return "a date YYYY-MM-DD"
    if kind == "missing":
        return "a value"
    if kind in ("model_type", "dict_type"):
        return "a mapping of fields"
    return ""


def parse_case(data: object, *, source: str = "") -> Case:
    """Validate raw data (a dict from YAML or JSON) into a :class:`Case`.

    Raises:
        CaseError: naming every bad field and what was expected there.
    """
    try:
        return Case.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            path = ".".join(str(p) for p in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown field"
                parent = path.rpartition(".")[0]
                options = [f.rpartition(".")[2] for f in CASE_FIELDS if f.rpartition(".")[0] == parent]
                name = path.rpartition(".")[2]
                close = difflib.get_close_matches(name, options, n=1) if len(name) < 200 else []
                if close:
                    message += f"; did you mean {close[0]!r}?"
            elif item["type"] == "missing":
                message = "missing"
            elif item["type"] == "literal_error":
                # pydantic lists every allowed value in the message and we do in "expected": say it once
                given = item["input"]
                message = f"unknown value {_REPR.repr(given)}"
                allowed = CASE_FIELDS[path].values if path in CASE_FIELDS else ()
                # only text can be a misspelling, and comparing long text with each value is slow
                short = isinstance(given, str) and len(given) < 200
                close = difflib.get_close_matches(given, allowed, n=1) if short else []
                if close:
                    message += f" (did you mean {close[0]!r}?)"
            problems.append(CaseProblem(path, message, _expected_text(item)))
        raise CaseError(problems, source=source) from None
