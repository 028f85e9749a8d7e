"""Derived facts: what the engine fills in from other facts before it matches a case.

Declared once here and read by everything that reasons about cases: the engine fills them in
(:func:`derive`), the grey-zone map asks for the fact a derived one comes from
(:mod:`wiebetaalt.analysis`), and the test kit keeps a derivation's inputs out of a case that must
leave its target unknown (:mod:`wiebetaalt.testing`). docs/case.md explains each derivation.

What was derived is reported as data (:data:`~wiebetaalt.decision.explain.Note`), which
:mod:`wiebetaalt.decision.explain` words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..decision.notes import (
    MoveNotYetRegistered, Moved, Note, NotOnlyPsychiatric, PostcodeFound, PostcodeUnknown, SwvRegion,
)
from ..load.postcodes import PostcodeTable
from ..model.case import Case, replaced
from ..model.conditions import Atom

#: the age from which the CIZ test for a purely psychiatric disorder no longer follows from a Wlz indication
ADULT_AGE = 18
#: the kind of stay that is no verblijf: respite that does not recur regularly
INCIDENTAL_STAY = "logeren_incidenteel"
#: The comparisons the derivations make of their inputs, written as conditions write them: for a
#: derived fact, an input's values differ only across these (the grey-zone map tells values apart
#: by them, as by the framework's own comparisons).
DERIVATION_ATOMS: tuple[Atom, ...] = (
    Atom(field="kind.soort_verblijf", eq=INCIDENTAL_STAY),
    Atom(field="kind.leeftijd", lt=ADULT_AGE),
)


@dataclass(frozen=True)
class Derivation:
    """One derived fact: ``target`` is filled in from ``inputs`` when the case does not give it."""

    target: str
    inputs: tuple[str, ...]


#: Every derivation, in the order the engine applies them (a BRP municipality found through the
#: postcode feeds whether there is a BRP woonadres).
DERIVATIONS: tuple[Derivation, ...] = (
    # the postcode's municipality; before a move is registered, the previous municipality
    Derivation("kind.brp_gemeente", ("kind.postcode", "kind.brp_inschrijfdatum", "kind.vorige_brp_gemeente")),
    # a briefadres is no woonadres; a known BRP municipality is that of a woonadres
    Derivation("kind.brp_woonadres", ("kind.briefadres", "kind.brp_gemeente", "kind.postcode",
                                      "kind.brp_inschrijfdatum", "kind.vorige_brp_gemeente")),
    # every kind of stay is verblijf, except respite that does not recur regularly
    Derivation("kind.verblijf", ("kind.soort_verblijf",)),
    # a minor with a Wlz indication passed the CIZ test, which a purely psychiatric disorder does not
    Derivation("kind.alleen_psychische_stoornis", ("kind.wlz_indicatie", "kind.leeftijd")),
    # both samenwerkingsverbanden named: whether the pupil lives outside the school's region
    Derivation("kind.woont_buiten_regio_swv_school", ("kind.swv_woonregio", "school.samenwerkingsverband")),
)
#: target → the facts it is derived from
DERIVED_FROM: dict[str, tuple[str, ...]] = {d.target: d.inputs for d in DERIVATIONS}
#: target → the inputs its value is taken from; the other inputs only say which of them applies
#: (a registration date whether a move counts yet). A fact that one of these would give, but that
#: the engine derived from the others, is not left open by the case (the test kit asks this).
DERIVED_VALUE_FROM: dict[str, tuple[str, ...]] = {
    "kind.brp_gemeente": ("kind.postcode", "kind.vorige_brp_gemeente"),
    "kind.brp_woonadres": ("kind.briefadres", "kind.brp_gemeente"),
    "kind.verblijf": ("kind.soort_verblijf",),
    "kind.alleen_psychische_stoornis": ("kind.wlz_indicatie",),
    "kind.woont_buiten_regio_swv_school": ("kind.swv_woonregio", "school.samenwerkingsverband"),
}


def derive(case: Case, postcodes: PostcodeTable) -> tuple[Case, tuple[Note, ...]]:
    """``case`` with its derived facts filled in (a fact the case gives is never replaced, except the
    BRP municipality by a move not registered yet), and what was derived."""
    child = case.kind
    updates: dict[str, Any] = {}
    notes: list[Note] = []
    current = child.brp_gemeente
    if current is None and child.postcode is not None:
        current = postcodes.lookup(child.postcode)
        if current is not None:
            updates["brp_gemeente"] = current
            notes.append(PostcodeFound(child.postcode, current))
        else:
            notes.append(PostcodeUnknown(child.postcode))
    at_peildatum = current
    moved_on = child.brp_inschrijfdatum
    if moved_on is not None and case.peildatum < moved_on:
        # a move counts from the day it is registered in the BRP: before that, the previous
        # municipality is the BRP municipality (docs/case.md)
        at_peildatum = child.vorige_brp_gemeente
        updates["brp_gemeente"] = at_peildatum
        notes.append(MoveNotYetRegistered(current, moved_on, at_peildatum))
    elif moved_on is not None and current is not None and child.vorige_brp_gemeente is not None:
        notes.append(Moved(child.vorige_brp_gemeente, current, moved_on))
    if child.brp_woonadres is None:
        if child.briefadres:
            updates["brp_woonadres"] = False
        elif current is not None or at_peildatum is not None:
            # brp_gemeente is documented as the municipality of the BRP woonadres
            updates["brp_woonadres"] = True
    if child.verblijf is None and child.soort_verblijf is not None:
        updates["verblijf"] = child.soort_verblijf != INCIDENTAL_STAY
    if (child.alleen_psychische_stoornis is None and child.wlz_indicatie
            and child.leeftijd is not None and child.leeftijd < ADULT_AGE):
        # the CIZ gives a minor no Wlz indication for a purely psychiatric disorder (Wlz art. 3.2.1,
        # the Jeugdwet goes first): the indication answers the question
        updates["alleen_psychische_stoornis"] = False
        notes.append(NotOnlyPsychiatric())
    school_swv = case.school.samenwerkingsverband
    if child.woont_buiten_regio_swv_school is None and child.swv_woonregio is not None and school_swv is not None:
        updates["woont_buiten_regio_swv_school"] = child.swv_woonregio != school_swv
        notes.append(SwvRegion(child.swv_woonregio, school_swv))
    if updates:
        case = replaced(case, {"kind": replaced(child, updates)})
    return case, tuple(notes)
