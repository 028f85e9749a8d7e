"""The case: the facts about one child's request for help that a framework decides on.

Field names are Dutch because they are data: policymakers write them in rule files
(``kind.brp_gemeente``) and they follow the terms of the law. A fact left out or ``null`` is
*unknown*; the engine never guesses it and escalates when a decision depends on it. The model
holds no name, BSN or birth date: nothing that identifies the child is needed to decide who pays.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from pydantic_core import ErrorDetails, PydanticCustomError

from ..errors import CaseError, CaseProblem, did_you_mean
from .fields import FieldType, InFamily, case_fields
from .text import VISIBLE, Name, invisible_problem, shown, shown_key
from .vocabulary import Access, Authority, HelpKind, Referrer, SchoolKind, StayKind, TlvSituation


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


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
                "invalid-date", "geen geldige datum '{value}'; schrijf JJJJ-MM-DD", {"value": shown(value)}
            ) from None
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_parse_date)]
#: A municipality's name; every field of this type shares one spelling of each name.
Municipality = Annotated[Name, InFamily("municipality")]
#: A samenwerkingsverband passend onderwijs (SWV); every field of this type shares one spelling.
Swv = Annotated[Name, InFamily("samenwerkingsverband")]


_M = typing.TypeVar("_M", bound=BaseModel)
_set = object.__setattr__
# the text fields of each section model (filled in below the models)
_TEXT_NAMES: dict[type[BaseModel], tuple[str, ...]] = {}


def _composed(model: BaseModel) -> None:
    """Put the non-ASCII text of ``model``, just validated, into NFC: "é" typed as e and a
    combining accent is then the "é" typed at once, so one name has one spelling."""
    values = model.__dict__
    for name in _TEXT_NAMES.get(type(model), ()):
        value = values[name]
        if value is not None and not value.isascii():
            values[name] = unicodedata.normalize("NFC", value)


def _normalise_postcode(value: object) -> object:
    return value.replace(" ", "").upper() if isinstance(value, str) else value


Postcode = Annotated[str, BeforeValidator(_normalise_postcode), StringConstraints(pattern=r"^[1-9][0-9]{3}[A-Z]{2}$"),
                     InFamily("postcode")]

_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True)


class Child(BaseModel):
    """``kind``: the child's age, registration and indications (no identifying data)."""

    model_config = _STRICT

    leeftijd: Annotated[int, Field(ge=0, le=30)] | None = None
    brp_woonadres: bool | None = Field(
        None, description="Staat de jeugdige met een woonadres (geen briefadres) in de BRP?"
    )
    brp_gemeente: Municipality | None = Field(None, description="Gemeente van het BRP-woonadres.")
    postcode: Postcode | None = Field(
        None, description="Postcode van het BRP-woonadres; geeft de gemeente als brp_gemeente ontbreekt."
    )
    verblijf: bool | None = Field(
        None,
        description="Verblijft de jeugdige bij een jeugdhulpaanbieder, pleegouder, gezinshuis, JJI, in de "
        "opvang of beschermd wonen, of logeert hij regelmatig terugkerend (Jeugdwet art. 1.1, woonplaats 2°)?",
    )
    brp_gemeente_voor_verblijf: Municipality | None = Field(
        None, description="Gemeente van het BRP-woonadres direct voor het (aaneengesloten) verblijf."
    )
    geheim_adres: bool | None = Field(
        None, description="Geldt voor het BRP-adres een geheimhoudingsnotitie (art. 2.26 Wet BRP)?"
    )
    moeder_bij_geboorte_ingeschreven: bool | None = Field(
        None, description="Stond de moeder bij de geboorte als ingezetene in een Nederlandse gemeente ingeschreven?"
    )
    gemeente_moeder_bij_geboorte: Municipality | None = None
    feitelijke_verblijfsgemeente: Municipality | None = Field(
        None, description="Gemeente waar de jeugdige feitelijk verblijft."
    )
    wlz_indicatie: bool | None = Field(None, description="Heeft de jeugdige een Wlz-indicatie (CIZ)?")
    zorgverzekeraar: Name | None = None
    zorgkantoor: Name | None = None
    briefadres: bool | None = Field(
        None, description="Staat de jeugdige in de BRP alleen op een briefadres (geen woonadres)?"
    )
    vorige_brp_gemeente: Municipality | None = Field(
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
    gemeente_ouder_met_gezag: Municipality | None = Field(
        None, description="Woonplaats (gemeente) van de ouder of ouders met gezag."
    )
    ouders_wonen_apart: bool | None = Field(
        None, description="Wonen de ouders met gezamenlijk gezag apart?"
    )
    hoofdverblijf_gemeente: Municipality | None = Field(
        None, description="Gemeente van de ouder bij wie de jeugdige feitelijk zijn hoofdverblijf heeft (ook als "
        "de rechter of de ouders een ander hoofdverblijf vastlegden)."
    )
    alleen_psychische_stoornis: bool | None = Field(
        None, description="Is de zorgbehoefte uitsluitend het gevolg van een psychische stoornis?"
    )
    swv_woonregio: Swv | None = Field(
        None, description="Samenwerkingsverband van de regio waar de leerling woont."
    )
    swv_tlv: Swv | None = Field(
        None, description="Samenwerkingsverband dat de geldende toelaatbaarheidsverklaring afgaf."
    )
    co_ouderschap: bool | None = Field(
        None, description="Woont de jeugdige bij co-ouderschap afwisselend bij beide ouders (twee woningen)?"
    )
    verblijfsgemeente_andere_ouder: Municipality | None = Field(
        None, description="Bij co-ouderschap: gemeente waar de jeugdige bij de andere ouder feitelijk woont."
    )
    dagen_bij_andere_ouder: Annotated[int, Field(ge=0, le=7)] | None = Field(
        None, description="Bij co-ouderschap: dagen per week bij de andere ouder (0–7)."
    )
    sglvg: bool | None = Field(
        None, description="Is de jeugdige sterk gedragsgestoord en licht verstandelijk gehandicapt (SGLVG), met "
        "behoefte aan behandeling in een (SG)LVG-behandelcentrum? Onbekend telt niet als ja."
    )
    zintuiglijke_beperking: bool | None = Field(
        None, description="Heeft de jeugdige een visuele of auditieve beperking, of een communicatieve beperking "
        "door een taalontwikkelingsstoornis (zintuiglijk gehandicaptenzorg)? Onbekend telt niet als ja."
    )
    inschrijving_alleen_voor_procedure: bool | None = Field(
        None, description="Was de BRP-inschrijving vóór het verblijf alleen voor een procedure (een BSN onder een "
        "bijzondere regeling, tijdens een korte observatie), zonder dat de jeugdige daar woonde?"
    )
    woont_buiten_regio_swv_school: bool | None = Field(
        None, description="Woont de leerling buiten de regio van het samenwerkingsverband van de school? Afgeleid "
        "als kind.swv_woonregio en school.samenwerkingsverband allebei bekend zijn."
    )


class School(BaseModel):
    """``school``: where the child is enrolled; its municipality matters only where a rule says so."""

    model_config = _STRICT

    gemeente: Municipality | None = None
    soort: SchoolKind | None = None
    samenwerkingsverband: Swv | None = None
    bestuur: Name | None = Field(None, description="Het bevoegd gezag (schoolbestuur).")
    swv_verwijzende_school: Swv | None = Field(
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

    # one validator for the case rather than one per section or field: it runs for every case
    @model_validator(mode="after")
    def _nfc(self) -> Case:
        _composed(self.kind)
        _composed(self.school)
        return self


CASE_FIELDS: dict[str, FieldType] = case_fields(Case)
_TEXT_NAMES.update({
    model: tuple(name for name in model.model_fields
                 if (ftype := CASE_FIELDS[f"{section}.{name}"]).value_type == "str" and ftype.family != "postcode")
    for section, model in (("kind", Child), ("school", School))
})

#: The text fields that hold a municipality (declared by their type, :data:`Municipality`). A rule
#: may compare any of them with a name another one holds, so they share one spelling.
MUNICIPALITY_FIELDS: tuple[str, ...] = tuple(p for p, t in CASE_FIELDS.items() if t.family == "municipality")
#: The text fields that hold a samenwerkingsverband passend onderwijs (SWV; type :data:`Swv`).
SWV_FIELDS: tuple[str, ...] = tuple(p for p, t in CASE_FIELDS.items() if t.family == "samenwerkingsverband")


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


def replaced(model: _M, changes: dict[str, Any]) -> _M:
    """``model.model_copy(update=changes)`` for the case models, without pydantic's general copy.

    The case models are frozen, forbid extra fields and have no private attributes, so their
    state is the field values and the names of the fields set; deciding a caseload copies a case
    and its ``kind`` for most rows (docs/engine.md measures both). The changes are not validated,
    as with ``model_copy``.
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


#: what is wrong with a value of each pydantic error type, in Dutch (never the value itself)
_WRONG = {
    "int_type": "geen geheel getal", "int_parsing": "geen geheel getal", "int_from_float": "geen geheel getal",
    "bool_type": "niet true of false", "bool_parsing": "niet true of false",
    "string_type": "geen tekst", "string_too_short": "leeg", "string_too_long": "te lang",
    "greater_than_equal": "te klein", "less_than_equal": "te groot",
    "string_pattern_mismatch": "heeft niet de juiste vorm",
    "model_type": "geen mapping van velden", "dict_type": "geen mapping van velden",
    "date_type": "geen geldige datum", "date_parsing": "geen geldige datum",
}


def _expected_text(error: ErrorDetails) -> str:
    error_type = error["type"]
    ctx = error.get("ctx") or {}
    if error_type == "string_unicode" or error_type == "string_pattern_mismatch" and ctx.get("pattern") == VISIBLE:
        return "tekst zonder stuurtekens of onzichtbare tekens"
    if error_type == "extra_forbidden":
        return "alleen de velden van het casusmodel (docs/case.md)"
    if error_type == "literal_error":
        return "een van " + str(ctx.get("expected", "")).replace(" or ", " of ")
    if error_type.startswith("bool"):
        return "true of false"
    if error_type.startswith("int") or error_type in ("greater_than_equal", "less_than_equal"):
        return ("een geheel getal" + (f" ≥ {ctx['ge']}" if "ge" in ctx else "")
                + (f" ≤ {ctx['le']}" if "le" in ctx else ""))
    if error_type == "string_pattern_mismatch" and error["loc"][-1:] == ("postcode",):
        return "een postcode: vier cijfers en twee letters, zoals 3132 AB"
    if error_type.startswith("string") or error_type == "str_type":
        return "tekst" + (f" van de vorm {ctx['pattern']}" if "pattern" in ctx else "")
    if error_type.startswith("date") or error_type == "invalid-date":
        return "een datum JJJJ-MM-DD"
    if error_type == "missing":
        return "een waarde"
    if error_type in ("model_type", "dict_type"):
        return "een mapping van velden"
    return ""


def parse_case(data: object, *, source: str = "") -> Case:
    """Validate raw data (a dict from YAML or JSON) into a :class:`Case`.

    Messages name the field and what is wrong, never the value: a value may be a name or a BSN
    typed in the wrong field, and messages end up in logs and output files.

    Raises:
        CaseError: naming every bad field and what was expected there.
    """
    try:
        return Case.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            loc = [str(p) for p in item["loc"]]
            path = ".".join(loc)
            code, message = "invalid-value", _WRONG.get(item["type"], "ongeldige waarde")
            if item["type"] == "extra_forbidden":
                parent = ".".join(loc[:-1])
                options = [f.rpartition(".")[2] for f in CASE_FIELDS if f.rpartition(".")[0] == parent]
                suggestion = did_you_mean(loc[-1], options)
                code, message = "unknown-field", "onbekend veld" + (f"; {suggestion}" if suggestion else "")
                # the key is the case's own text: a huge one or one with escape sequences is shown safely
                path = ".".join([*loc[:-1], shown_key(loc[-1])])
            elif item["type"] == "missing":
                code, message = "missing", "ontbreekt"
            elif (item["type"] == "string_pattern_mismatch" and (item.get("ctx") or {}).get("pattern") == VISIBLE
                  or item["type"] == "string_unicode") and isinstance(item["input"], str):
                code, message = "invisible-character", invisible_problem(item["input"])
            elif item["type"] == "invalid-date":
                given = item["input"]
                written = isinstance(given, str) and _ISO_DATE.fullmatch(given)
                code, message = "invalid-date", "die dag staat niet in de kalender" if written else "geen geldige datum"
            elif item["type"] == "literal_error":
                # the allowed values are in "expected"; a misspelling gets the one suggestion
                given = item["input"]
                allowed = CASE_FIELDS[path].values if path in CASE_FIELDS else ()
                suggestion = did_you_mean(given, allowed) if isinstance(given, str) else ""
                code, message = "unknown-value", "onbekende waarde" + (f"; {suggestion}" if suggestion else "")
            elif item["type"] in _WRONG and item["type"] not in ("greater_than_equal", "less_than_equal",
                                                                 "string_too_long", "string_too_short",
                                                                 "string_pattern_mismatch"):
                code = "wrong-type"
            problems.append(CaseProblem(path, message, _expected_text(item), code))
        raise CaseError(problems, source=source) from None
