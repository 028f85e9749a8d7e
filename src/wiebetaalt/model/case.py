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
import types
import typing
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from pydantic_core import ErrorDetails, PydanticCustomError

from ..errors import CaseError, CaseProblem


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _shown(text: str, limit: int = 60) -> str:
    """Input text as an error message quotes it: short, and encodable (pydantic fails to render a
    message whose context holds a lone surrogate, and raises UnicodeEncodeError instead)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

#: Unicode categories no name holds: control characters (Cc: escape sequences, tabs, bells),
#: invisible format characters (Cf: zero width space, right-to-left override, soft hyphen), lone
#: surrogates (Cs: bytes that were not UTF-8) and the line and paragraph separators (Zl, Zp).
#: Each can reach a terminal or make a look-alike of a real name ("Vlaardingen\u200b").
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_INVISIBLE_NAMES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Cs": "a lone surrogate (bytes that are not UTF-8)",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}


def find_invisible(text: str) -> tuple[int, str, str] | None:
    """The first character of ``text`` in :data:`INVISIBLE_CATEGORIES`: (index, character, category)."""
    # Every such character is unprintable, and isprintable runs in C: most text stops here. The
    # unprintable characters it lets through (a no-break space, private use) are visible or blank.
    if text.isprintable():
        return None
    for index, char in enumerate(text):
        category = unicodedata.category(char)
        if category in INVISIBLE_CATEGORIES:
            return index, char, category
    return None


def _invisible_problem(value: str) -> str:
    """What :func:`find_invisible` finds in a text field's ``value``, as a message: the character's
    kind, code point and 1-based position in the value as written, never the value itself (it may
    be a name or a BSN typed in the wrong field)."""
    stripped = value.strip()
    found = find_invisible(stripped)
    offset = len(value) - len(value.lstrip())
    if found is None:  # a character pydantic does not strip, but Python does (U+001C–U+001F)
        found, offset = find_invisible(value), 0
    if found is None:  # the Unicode tables of pydantic's regex and of Python differ
        return "contains a control or invisible character"
    index, char, category = found
    return f"contains {_INVISIBLE_NAMES[category]} (U+{ord(char):04X}) at position {offset + index + 1}"


# Checked by pydantic's compiled regex: a Python validator per text field would double the time
# parse_case takes, and it runs for every row of a caseload. Rust strings cannot hold a lone
# surrogate (Cs), so pydantic refuses those itself (string_unicode).
_VISIBLE = r"^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=_VISIBLE)]


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

    # one validator for the case rather than one per section or field: it runs for every case
    @model_validator(mode="after")
    def _nfc(self) -> Case:
        _composed(self.kind)
        _composed(self.school)
        return self


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
_TEXT_NAMES.update({
    model: tuple(name for name in model.model_fields if CASE_FIELDS[f"{section}.{name}"].kind == "str" and name != "postcode")
    for section, model in (("kind", Child), ("school", School))
})

#: The text fields that hold a municipality. A rule may compare any of them with a name another
#: one holds (the school's municipality with the BRP municipality's), so they share one spelling.
MUNICIPALITY_FIELDS: tuple[str, ...] = (
    "kind.brp_gemeente",
    "kind.vorige_brp_gemeente",
    "kind.brp_gemeente_voor_verblijf",
    "kind.gemeente_moeder_bij_geboorte",
    "kind.feitelijke_verblijfsgemeente",
    "kind.gemeente_ouder_met_gezag",
    "kind.hoofdverblijf_gemeente",
    "kind.verblijfsgemeente_andere_ouder",
    "school.gemeente",
)
#: The text fields that hold a samenwerkingsverband passend onderwijs (SWV).
SWV_FIELDS: tuple[str, ...] = (
    "school.samenwerkingsverband",
    "school.swv_verwijzende_school",
    "kind.swv_woonregio",
    "kind.swv_tlv",
)


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


def _name_key(name: str) -> str:
    """What two spellings of one name share: case, runs of whitespace and composition aside."""
    return unicodedata.normalize("NFC", " ".join(name.split())).casefold()


class KnownNames:
    """The spellings of names (municipalities, SWVs, …) that a framework compares case fields with.

    Rules compare text exactly, so ``vlaardingen`` in a case would silently miss an agreement
    written for ``Vlaardingen``. :meth:`canonical` gives a case every name in the spelling known
    for its field, whatever its case or spacing; a name not known stays as written (it may be a
    municipality that no rule names). The :data:`MUNICIPALITY_FIELDS` share their names, and so
    do the :data:`SWV_FIELDS`; each other text field has its own. Where two known spellings differ
    only in case, the first one given wins.

    Args:
        names: per dotted text field, its known spellings, the preferred first
            (:func:`wiebetaalt.engine.engine.known_names` gives them for a framework).
    """

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        groups: dict[str, dict[str, str]] = {}
        for path, spellings in names.items():
            group = groups.setdefault(_name_group(path), {})
            for spelling in spellings:
                group.setdefault(_name_key(spelling), spelling)
        # per section, (field, the exact spellings, key → spelling) for each text field that has names
        checks: dict[str, list[tuple[str, frozenset[str], dict[str, str]]]] = {}
        for path, ftype in CASE_FIELDS.items():
            index = groups.get(_name_group(path))
            if ftype.kind == "str" and "." in path and index:
                section, _, field = path.partition(".")
                checks.setdefault(section, []).append((field, frozenset(index.values()), index))
        self._checks = [(section, tuple(fields)) for section, fields in checks.items()]

    def canonical(self, case: Case) -> Case:
        """``case`` with each known name spelt as known; the case itself when nothing changes."""
        changes: dict[str, dict[str, str]] = {}
        for section, fields in self._checks:
            values = getattr(case, section).__dict__  # this runs for every case: no getattr per field
            for field, exact, index in fields:
                value = values[field]
                # most values are unknown or spelt as the framework spells them: two cheap tests
                if value is None or value in exact:
                    continue
                spelling = index.get(_name_key(value))
                if spelling is not None:
                    changes.setdefault(section, {})[field] = spelling
        if not changes:
            return case
        return replaced(case, {section: replaced(getattr(case, section), values) for section, values in changes.items()})


def _name_group(path: str) -> str:
    if path in MUNICIPALITY_FIELDS:
        return "gemeente"
    return "samenwerkingsverband" if path in SWV_FIELDS else path


def _shown_key(part: object) -> str:
    """A key of a case as a message names it: control characters escaped, a long one cut short."""
    text = str(part)
    if len(text) <= 40 and text.isprintable():
        return text
    cut = text[:40]
    # repr escapes what a terminal would act on (\x1b) or not show (\u200b)
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in cut)
    return shown + "…" if len(text) > 40 else shown


def _expected_text(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "string_unicode" or kind == "string_pattern_mismatch" and ctx.get("pattern") == _VISIBLE:
        return "text without control or invisible characters"
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
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = "unknown field"
                parent = ".".join(loc[:-1])
                options = [f.rpartition(".")[2] for f in CASE_FIELDS if f.rpartition(".")[0] == parent]
                name = loc[-1]
                close = difflib.get_close_matches(name, options, n=1) if len(name) < 200 else []
                if close:
                    message += f"; did you mean {close[0]!r}?"
                # the key is the case's own text: a huge one or one with escape sequences is shown safely
                path = ".".join([*loc[:-1], _shown_key(name)])
            elif item["type"] == "missing":
                message = "missing"
            elif (item["type"] == "string_pattern_mismatch" and (item.get("ctx") or {}).get("pattern") == _VISIBLE
                  or item["type"] == "string_unicode") and isinstance(item["input"], str):
                message = _invisible_problem(item["input"])
            elif item["type"] == "invalid-date":
                given = item["input"]
                written = isinstance(given, str) and _ISO_DATE.fullmatch(given)
                message = "no such day in the calendar" if written else "not a valid date"
            elif item["type"] == "literal_error":
                # pydantic lists every allowed value in the message and we do in "expected": say it once
                given = item["input"]
                message = "unknown value"
                allowed = CASE_FIELDS[path].values if path in CASE_FIELDS else ()
                # only text can be a misspelling, and comparing long text with each value is slow
                short = isinstance(given, str) and len(given) < 200
                close = difflib.get_close_matches(given, allowed, n=1) if short else []
                if close:
                    message += f" (did you mean {close[0]!r}?)"
            problems.append(CaseProblem(path, message, _expected_text(item)))
        raise CaseError(problems, source=source) from None


# The case model refuses these in text (Name's pattern uses Unicode classes, which the regular
# expressions of JSON Schema validators do not all know); the schema lists the usual ones.
_SCHEMA_INVISIBLE = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u200b-\\u200f\\u202a-\\u202e\\u2028\\u2029\\u2060-\\u2064\\ufeff]*$"


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of a case as a YAML or JSON case file (or a JSON Lines row) gives it.

    Dates are ISO text (``2025-03-01``); a fact left out is unknown. The schema never refuses a
    case that :func:`parse_case` accepts; it misses what parse_case checks beyond JSON Schema (a
    date that does not exist, every invisible character).
    """
    schema = Case.model_json_schema()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("pattern") == _VISIBLE:
                node["pattern"] = _SCHEMA_INVISIBLE
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    for section in ("kind", "school", "hulpvraag"):
        schema["properties"][section].pop("default", None)  # every fact unknown; the long list says nothing
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Casus (wiebetaalt)"}
