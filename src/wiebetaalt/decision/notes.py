"""The sentences the engine adds to an explanation: what it derived before matching (the
municipality of a postcode, a registered move), what it presumed, and which answers settle the case.

They are parts like those of :mod:`wiebetaalt.decision.explain` (a record that words itself), kept
apart because the engine makes them, not the resolver.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from ..model.framework import Presumption


@dataclass(frozen=True)
class Presumed:
    """The outcome rests on these presumptions: facts the case left out, presumed as the framework
    says (each with its reason and source in the outcome's ``presumptions``)."""

    presumptions: tuple[Presumption, ...]

    def sentence(self) -> str:
        return f"Aangenomen, zolang niet anders bekend: {'; '.join(p.label for p in self.presumptions)}."


@dataclass(frozen=True)
class Settled:
    """The answers to these facts settle the case, whatever they are."""

    facts: tuple[str, ...]

    def sentence(self) -> str:
        return (f"Met antwoord op {', '.join(self.facts)} is de casus in elk geval beslist of duidelijk naar wie "
                "hij gaat.")


@dataclass(frozen=True)
class PostcodeFound:
    """The BRP municipality was taken from the postcode table."""

    postcode: str
    municipality: str

    def sentence(self) -> str:
        return f"De BRP-gemeente {self.municipality} is afgeleid uit postcode {self.postcode}."


@dataclass(frozen=True)
class PostcodeUnknown:
    """The postcode is not in the table: the BRP municipality stays unknown."""

    postcode: str

    def sentence(self) -> str:
        return f"Postcode {self.postcode} staat niet in de postcodetabel; de BRP-gemeente is onbekend."


@dataclass(frozen=True)
class MoveNotYetRegistered:
    """The new BRP address counts only from its registration date, after the peildatum."""

    new: str | None
    registered_on: Any
    previous: str | None

    def sentence(self) -> str:
        where = f" in {self.new}" if self.new else ""
        start = (f"De inschrijving op het nieuwe BRP-woonadres{where} gaat pas in op {self.registered_on}, "
                 "na de peildatum; ")
        if self.previous is not None:
            return start + f"op de peildatum is {self.previous} de BRP-gemeente."
        return start + "de BRP-gemeente op de peildatum (kind.vorige_brp_gemeente) is onbekend."


@dataclass(frozen=True)
class Moved:
    """The child moved before the peildatum; the new municipality counts from its registration."""

    previous: str
    current: str
    registered_on: Any

    def sentence(self) -> str:
        return (f"De jeugdige is verhuisd van {self.previous} naar {self.current}; vanaf de inschrijving in de "
                f"BRP op {self.registered_on} is {self.current} de BRP-gemeente.")


@dataclass(frozen=True)
class NotOnlyPsychiatric:
    """A minor's Wlz indication settles that the disorder is not purely psychiatric."""

    def sentence(self) -> str:
        return ("Een minderjarige met een Wlz-indicatie heeft niet alleen een psychische stoornis: daarvoor geeft "
                "het CIZ een jeugdige geen Wlz-indicatie.")


@dataclass(frozen=True)
class SwvRegion:
    """Whether the pupil lives in the region of the school's samenwerkingsverband, from both names."""

    home: str
    school: str

    def sentence(self) -> str:
        if self.home == self.school:
            return f"De leerling woont in de regio van het samenwerkingsverband van de school ({self.school})."
        return (f"De leerling woont in de regio van {self.home}, buiten die van het samenwerkingsverband van "
                f"de school ({self.school}).")


#: A fact the engine derived, as :func:`wiebetaalt.engine.derive.derive` reports it.
Note = Union[PostcodeFound, PostcodeUnknown, MoveNotYetRegistered, Moved, NotOnlyPsychiatric, SwvRegion]
