"""The Dutch wording of explanations: every sentence an outcome's explanation holds is made here.

Outcomes carry what happened as data; this module turns it into the text a caseworker reads, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

# --- Facts the engine derived (wiebetaalt.engine.derive) -----------------------------------------


@dataclass(frozen=True)
class PostcodeFound:
    """The BRP municipality was taken from the postcode table."""

    postcode: str
    municipality: str


@dataclass(frozen=True)
class PostcodeUnknown:
    """The postcode is not in the table: the BRP municipality stays unknown."""

    postcode: str


@dataclass(frozen=True)
class MoveNotYetRegistered:
    """The new BRP address counts only from its registration date, after the peildatum."""

    new: str | None
    registered_on: Any
    previous: str | None


@dataclass(frozen=True)
class Moved:
    """The child moved before the peildatum; the new municipality counts from its registration."""

    previous: str
    current: str
    registered_on: Any


Note = Union[PostcodeFound, PostcodeUnknown, MoveNotYetRegistered, Moved]


def derivation(note: Note) -> str:
    """One sentence on a fact the engine derived."""
    if isinstance(note, PostcodeFound):
        return f"De BRP-gemeente {note.municipality} is afgeleid uit postcode {note.postcode}."
    if isinstance(note, PostcodeUnknown):
        return f"Postcode {note.postcode} staat niet in de postcodetabel; de BRP-gemeente is onbekend."
    if isinstance(note, MoveNotYetRegistered):
        where = f" in {note.new}" if note.new else ""
        start = (f"De inschrijving op het nieuwe BRP-woonadres{where} gaat pas in op {note.registered_on}, "
                 "na de peildatum; ")
        if note.previous is not None:
            return start + f"op de peildatum is {note.previous} de BRP-gemeente."
        return start + "de BRP-gemeente op de peildatum (kind.vorige_brp_gemeente) is onbekend."
    assert isinstance(note, Moved)
    return (f"De jeugdige is verhuisd van {note.previous} naar {note.current}; vanaf de inschrijving in de "
            f"BRP op {note.registered_on} is {note.current} de BRP-gemeente.")


def derivations(notes: tuple[Note, ...]) -> str:
    """The sentences on every derived fact, as one text (empty when nothing was derived)."""
    return " ".join(derivation(note) for note in notes)
