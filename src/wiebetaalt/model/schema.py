"""The JSON Schemas of a rule file and of a case, for editors that check YAML as it is typed and for
tools that validate a case file before it reaches wiebetaalt.

pydantic derives both from the models; what the models' validators enforce beyond their types is
added here as far as JSON Schema can say it. Neither schema ever refuses what the loader or
:func:`~wiebetaalt.model.case.parse_case` accepts.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from pydantic import AnyHttpUrl, BaseModel, BeforeValidator, StringConstraints

from .case import CASE_FIELDS, Case
from .conditions import OPERATORS, All, AnyOf, Atom, Not
from .framework import (
    Example, Expectation, Framework, Funder, LegalBasis, PartySource, Route, Rule, list_means_all,
)
from .text import SCHEMA_INVISIBLE, VISIBLE

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
    decision, escalation = _exactly_one_of(("funder", "escalation"))
    # only an escalation has a route; a funder beside an escalation names the funder of party_unknown
    decision["properties"].update(route={"type": "null"}, escalation={"type": "null"})
    escalation.update({"if": {"required": ["funder"], "properties": {"funder": {"not": {"type": "null"}}}},
                       "then": {"properties": {"escalation": {"const": "party_unknown"}}}})
    defs["Expectation"]["oneOf"] = [decision, escalation]
    defs["Rule"].update(copy.deepcopy(_RULE_OUTCOME))
    schema["properties"]["precedence"]["uniqueItems"] = True  # the loader: duplicate-id
    # the loader refuses other field names (unknown-field, wrong-value-type); listing them lets an
    # editor complete them
    defs["Atom"]["properties"]["field"]["enum"] = list(CASE_FIELDS)
    defs["Expectation"]["properties"]["missing_facts"]["anyOf"][0]["items"]["enum"] = list(CASE_FIELDS)
    defs["PartySource"]["properties"]["field"]["enum"] = [n for n, t in CASE_FIELDS.items() if t.value_type == "str"]
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
        isinstance(m, BeforeValidator) and m.func is list_means_all for m in hint.__metadata__
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


def case_json_schema() -> dict[str, Any]:
    """The JSON Schema of a case as a YAML or JSON case file (or a JSON Lines row) gives it.

    Dates are ISO text (``2025-03-01``); a fact left out is unknown. The schema never refuses a
    case that :func:`~wiebetaalt.model.case.parse_case` accepts; it misses what parse_case checks
    beyond JSON Schema (a date that does not exist, every invisible character).
    """
    schema = Case.model_json_schema()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            # Name's pattern uses Unicode classes, which the regular expressions of JSON Schema
            # validators do not all know; the schema lists the usual invisible characters instead
            if node.get("pattern") == VISIBLE:
                node["pattern"] = SCHEMA_INVISIBLE
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    for section in ("kind", "school", "hulpvraag"):
        schema["properties"][section].pop("default", None)  # every fact unknown; the long list says nothing
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Casus (wiebetaalt)"}
