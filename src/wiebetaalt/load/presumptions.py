"""The presumptions of a rule file checked: a known case field that may be presumed, a value that
fits it, each field presumed once, and an overlay that adds to the presumptions of its base
without changing one.

What decides the woonplaats or the law itself is never presumed: the peildatum, the age, the kind
of help and its access, whether there is a BRP woonadres, the gezag and where the parents live, and
every field that names a municipality, a samenwerkingsverband or a postcode. Those stay missing facts, asked for, because presuming them would name a funder the case
does not support.
"""

from __future__ import annotations

from typing import Any

from ..errors import Problem, did_you_mean
from ..model.case import CASE_FIELDS
from .checks import Checker, holds
from .sources import Layered, Source

#: the facts that decide the law or the woonplaats themselves; a case must give them (besides
#: every field that names a municipality, a samenwerkingsverband or a postcode, and every date)
NEVER_PRESUMED = frozenset({
    "peildatum", "kind.leeftijd", "hulpvraag.soort", "hulpvraag.toegang", "kind.brp_woonadres",
    "kind.moeder_bij_geboorte_ingeschreven", "kind.gezag", "kind.ouders_wonen_apart",
})


def presumable(path: str) -> bool:
    """Whether a framework may presume a value for the case field ``path``."""
    ftype = CASE_FIELDS.get(path)
    return (ftype is not None and path not in NEVER_PRESUMED and ftype.family is None
            and ftype.value_type != "date")


def check_presumptions(source: Source) -> list[Problem]:
    """Every problem of the ``presumptions`` of ``source``, located."""
    checker = Checker(source)
    items = source.data.get("presumptions")
    if not isinstance(items, list):
        return []  # absent, or the structure pass reports its type
    inherited = _inherited(source)
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            continue
        path, value = item["field"], item.get("value")
        at = ("presumptions", index, "field")
        if path not in CASE_FIELDS:
            suggestion = did_you_mean(path, CASE_FIELDS)
            checker.problem(at, "unknown-field", f"onbekend veld {path!r} in een aanname",
                            suggestion or "de velden staan in docs/case.md")
            continue
        if not presumable(path):
            checker.problem(at, "presumption-not-allowed",
                            f"{path} mag niet worden aangenomen: het bepaalt de woonplaats of de wet zelf",
                            "laat de casus dit feit geven; ontbreekt het, dan vraagt de uitkomst erom")
            continue
        if index < inherited and path in seen:
            pass  # the base reported it
        elif path in seen:
            where = "het kader waarop dit voortbouwt" if seen[path] < inherited else "dit bestand"
            checker.problem(at, "presumption-twice",
                            f"{path} wordt al aangenomen in {where}",
                            "een overlay voegt aannames toe voor andere velden en wijzigt geen landelijke"
                            if seen[path] < inherited else "noem elk veld één keer")
        seen.setdefault(path, index)
        if value is not None and not _fits(path, value):
            checker.problem(("presumptions", index, "value"), "wrong-value-type",
                            f"de aangenomen waarde past niet bij {path}", f"verwacht {holds(CASE_FIELDS[path])}")
    return checker.problems


def _inherited(source: Source) -> int:
    """How many presumptions of ``source`` come from the framework it extends."""
    if isinstance(source, Layered):
        below = source.base.data.get("presumptions")
        return len(below) if isinstance(below, list) else 0
    return 0


def _fits(path: str, value: Any) -> bool:
    ftype = CASE_FIELDS[path]
    if ftype.value_type == "bool":
        return isinstance(value, bool)
    if ftype.value_type == "int":
        return (isinstance(value, int) and not isinstance(value, bool)
                and (ftype.minimum is None or value >= ftype.minimum)
                and (ftype.maximum is None or value <= ftype.maximum))
    if ftype.value_type == "enum":
        return value in ftype.values
    return isinstance(value, str)
