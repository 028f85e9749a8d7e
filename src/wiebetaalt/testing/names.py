"""The texts the test kit fills a case's text fields with, beside the ones a framework names.

A municipality field and an SWV field each belong to a family (:func:`family`): two fields of a
family may hold the same name (the school in the BRP municipality), and the kit draws them from one
pool so that they are as often the same as different.
"""

from __future__ import annotations

from ..model.case import MUNICIPALITY_FIELDS, SWV_FIELDS
from ..model.space import OTHER_TEXT

#: per family, names that no condition names
GENERIC = {"gemeente": ("Plaats A", "Plaats B", "Plaats C"), "swv": ("SWV A", "SWV B")}
#: a text that no condition names, for a field of no family
GENERIC_OTHER = (OTHER_TEXT, "Anders")
#: postcodes in the bundled sample table and outside it, written as people write them (the case
#: model removes spaces and upper-cases): the engine then derives kind.brp_gemeente, or cannot
POSTCODES = ("3132AB", "3111 XY", "2611aa", "3141CD", "9999ZZ", "1234AB")


def family(path: str) -> str:
    """The family of a text field: ``gemeente``, ``swv``, or the field itself."""
    if path in MUNICIPALITY_FIELDS:
        return "gemeente"
    if path in SWV_FIELDS:
        return "swv"
    return path


def generic(path: str) -> tuple[str, ...]:
    """Texts for ``path`` that no condition names."""
    return GENERIC.get(family(path), GENERIC_OTHER)
