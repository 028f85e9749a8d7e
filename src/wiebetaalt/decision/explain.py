"""The Dutch wording of explanations: every sentence an outcome's explanation holds is made here.

An outcome carries what its explanation says as data: a tuple of parts (``explanation_parts``),
each a record of one thing that happened (a rule applies or is set aside, a party is unknown, a
fact was derived) that words itself (``sentence()``). :func:`explain` renders them, once, into the
text a caseworker reads (``explanation``). The resolver makes the parts of a decision or an
escalation; the engine adds what it derived before matching and which answers settle the case.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, Union

from ..model.case import Case, field_value
from ..model.framework import PLACEHOLDER
from .outcome import EscalationReason, Share


class Part(Protocol):
    """One thing an explanation says, as data; ``sentence()`` words it (empty: it says nothing)."""

    def sentence(self) -> str: ...


def explain(parts: Iterable[Part]) -> str:
    """The text of an explanation: the sentences of its parts, in order, one space apart."""
    return " ".join([text for part in parts if (text := part.sentence())])


@functools.lru_cache(maxsize=4096)
def _template(text: str) -> tuple[str, bool]:
    # the texts of a framework are few and every case renders some of them
    flat = " ".join(text.split())
    return flat, PLACEHOLDER.search(flat) is not None


# --- A decision -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pays:
    """One party pays, as the funder the deciding rules name."""

    entity: str
    funder_name: str

    def sentence(self) -> str:
        return f"{self.entity[:1].upper()}{self.entity[1:]} betaalt ({self.funder_name})."


@dataclass(frozen=True)
class Shared:
    """The cost is shared: ``entity`` lists every payer with its share."""

    funder_name: str
    entity: str

    def sentence(self) -> str:
        return f"De kosten worden gedeeld ({self.funder_name}): {self.entity}."


@dataclass(frozen=True)
class FrameworkText:
    """A text of the framework (a rule's or a party source's explanation), filled in for the case
    (:func:`fill`): the policymaker's own words."""

    text: str

    def sentence(self) -> str:
        return self.text


def fill(text: str, case: Case, party: str | None = None) -> str:
    """A text of the framework for ``case``: its placeholders (``{kind.brp_gemeente}``, checked at
    load time) filled from the case, ``{partij}`` with the party that pays."""
    flat, placeholders = _template(text)
    if not placeholders:
        return flat

    def value(match: Any) -> str:
        name = match.group(1)
        if name == "partij":
            return party or "onbekend"
        found = field_value(case, name)
        if found is None:
            return "onbekend"
        if isinstance(found, bool):
            return "ja" if found else "nee"
        return str(found)

    return PLACEHOLDER.sub(value, flat)


@dataclass(frozen=True)
class SplitKey:
    """How a shared cost is divided: the framework's basis and every payer's weight."""

    basis: str
    shares: tuple[Share, ...]

    def sentence(self) -> str:
        total = sum(share.weight for share in self.shares)
        weights = ", ".join(f"{s.entity} {s.weight} van {total}" for s in self.shares)
        return f"Verdeelsleutel: {self.basis.rstrip('.')} ({weights})."


@dataclass(frozen=True)
class Overridden:
    """A rule applies, but more specific rules that hold override it."""

    rule: str
    by: tuple[str, ...]

    def sentence(self) -> str:
        return f"Regel {self.rule} is van toepassing, maar de specifiekere regel {', '.join(self.by)} gaat voor."


@dataclass(frozen=True)
class SetAside:
    """A rule applies, but the stelsel of the deciding rules goes before its own (voorliggendheid)."""

    rule: str
    domain: str
    winning_domain: str

    def sentence(self) -> str:
        return f"Regel {self.rule} ({self.domain}) is ook van toepassing, maar {self.winning_domain} is voorliggend."


@dataclass(frozen=True)
class Grounds:
    """The legal basis of a decision: each citation once, in order."""

    citations: tuple[str, ...]

    def sentence(self) -> str:
        return "Rechtsgrond: " + "; ".join(self.citations) + "."


# --- An escalation --------------------------------------------------------------------------------

_REASON_TEXT = {
    EscalationReason.NO_RULE: "Geen regel van het kader is op deze casus van toepassing.",
    EscalationReason.CONFLICT:
        "Regels van hetzelfde stelsel wijzen verschillende betalers aan en geen regel gaat voor.",
    EscalationReason.GREY_ZONE: "De casus valt in een grijs gebied dat het kader niet beslist.",
    EscalationReason.MISSING_FACTS: "De uitkomst hangt af van feiten die in de casus ontbreken.",
    EscalationReason.PARTY_UNKNOWN: "Welke betaler aan zet is, staat vast; de casus noemt de partij nog niet.",
}


@dataclass(frozen=True)
class Reason:
    """Why the framework does not settle the case: the first sentence of most escalations."""

    reason: EscalationReason

    def sentence(self) -> str:
        return _REASON_TEXT[self.reason]


@dataclass(frozen=True)
class Unannounced:
    """The rules come from several stelsels because a region did not announce its change."""

    def sentence(self) -> str:
        return ("Een regel van een regionaal kader zou hier alleen door voorliggendheid voorgaan op een regel van "
                "het kader waarop het voortbouwt; een regio verandert die uitkomst alleen door de regel te noemen "
                "in overrides.")


@dataclass(frozen=True)
class RulePoints:
    """A rule of a grey zone or a conflict, the funder it points to, and its own explanation."""

    rule: str
    title: str
    #: a grey rule only suggests a funder
    grey: bool
    #: the party, else the funder's name; None when the rule names no funder
    who: str | None
    told: FrameworkText

    def sentence(self) -> str:
        label = "voorgestelde betaler" if self.grey else "betaler"
        who = "geen betaler genoemd" if self.who is None else self.who
        return f"Regel {self.rule} ({self.title}): {label} {who}. {self.told.sentence()}"


@dataclass(frozen=True)
class Refer:
    """Where the case goes."""

    route: str

    def sentence(self) -> str:
        return f"Leg de casus voor aan: {self.route}."


@dataclass(frozen=True)
class NoInterim:
    """Nobody is named to pay while the route decides: no national rule says who does."""

    def sentence(self) -> str:
        return "Het kader wijst geen betaler voor de tussentijd aan."


@dataclass(frozen=True)
class Interim:
    """Who pays while the route decides, as the framework agrees; ``entity`` when the party is known."""

    funder_name: str
    entity: str | None = None
    #: the facts the party depends on, when it is not known
    open_facts: tuple[str, ...] = ()

    def sentence(self) -> str:
        if self.entity is not None:
            return f"In de tussentijd betaalt {self.entity} ({self.funder_name}), zoals het kader afspreekt."
        name = f"{self.funder_name[:1].lower()}{self.funder_name[1:]}"
        open_facts = f"; welke partij dat is, hangt af van: {', '.join(self.open_facts)}" if self.open_facts else ""
        return f"In de tussentijd betaalt de {name}, zoals het kader afspreekt{open_facts}."


@dataclass(frozen=True)
class Reach:
    """How to reach the route: where to apply and its deadline, as far as the framework says."""

    route: str
    contact: str | None
    deadline: str | None

    def sentence(self) -> str:
        how = [f"aanmelden via {self.contact}"] if self.contact else []
        how += [f"termijn: {self.deadline}"] if self.deadline else []
        return f"{self.route}: {'; '.join(how)}." if how else ""


@dataclass(frozen=True)
class RulesOpen:
    """Whether these rules apply depends on facts the case does not give."""

    rules: tuple[str, ...]
    facts: tuple[str, ...]

    def sentence(self) -> str:
        return (f"Of regel(s) {', '.join(self.rules)} van toepassing zijn, hangt af van: {', '.join(self.facts)}. "
                "Vul die aan en beslis opnieuw.")


@dataclass(frozen=True)
class Immaterial:
    """Facts the case does not give that leave the answer the same, whatever they are."""

    facts: tuple[str, ...]

    def sentence(self) -> str:
        return f"De ontbrekende feiten {', '.join(self.facts)} veranderen dit antwoord niet, wat ze ook zijn."


@dataclass(frozen=True)
class WouldPay:
    """Who would pay if the open rules do not apply."""

    entity: str

    def sentence(self) -> str:
        return f"Zonder die regel(s) zou {self.entity} betalen; dat is dus nog niet zeker."


@dataclass(frozen=True)
class PartyOpen:
    """A rule decides, but which party its funder is depends on facts the case does not give."""

    rule: str
    funder_name: str
    facts: tuple[str, ...]
    #: the parties already known, when the open part is how a cost is split between them
    known: tuple[str, ...] = ()

    def sentence(self) -> str:
        said = (f"Regel {self.rule} wijst {self.funder_name} aan; welke partij dat is, hangt af van: "
                f"{', '.join(self.facts)}. Vul die in en beslis opnieuw.")
        if self.known:
            said += f" Bekend zijn al: {', '.join(self.known)}; de verdeling ligt nog niet vast."
        return said


@dataclass(frozen=True)
class NoPartySource:
    """A rule decides, but no way to find its funder's party is in force or applies on the peildatum."""

    rule: str
    funder_name: str
    peildatum: dt.date

    def sentence(self) -> str:
        return (f"Regel {self.rule} wijst {self.funder_name} aan, maar op de peildatum {self.peildatum} is geen "
                "manier om die partij te bepalen van kracht of van toepassing.")


@dataclass(frozen=True)
class PartyOfShareUnknown:
    """A payer of a split has no way to find its party in force on the peildatum."""

    funder_name: str

    def clause(self) -> str:
        return f"voor {self.funder_name} is op de peildatum geen manier van kracht om de partij te bepalen"


@dataclass(frozen=True)
class WeightsOver:
    """The weights of a split are more than the whole the remainder is taken from."""

    total: int
    whole: int

    def clause(self) -> str:
        return f"de gewichten ({self.total}) zijn samen meer dan {self.whole}"


@dataclass(frozen=True)
class WeightsZero:
    """Every weight of a split is 0."""

    def clause(self) -> str:
        return "alle gewichten van de verdeelsleutel zijn 0"


#: Why a shared cost cannot be divided.
ShareProblem = Union[PartyOfShareUnknown, WeightsOver, WeightsZero]


@dataclass(frozen=True)
class CannotShare:
    """A rule decides, but the cost of its funder cannot be divided."""

    rule: str
    funder_name: str
    problem: ShareProblem

    def sentence(self) -> str:
        return (f"Regel {self.rule} wijst {self.funder_name} aan, maar de kosten zijn niet te verdelen: "
                f"{self.problem.clause()}.")
