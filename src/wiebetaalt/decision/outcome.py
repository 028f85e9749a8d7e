"""Outcomes: what deciding a case gives, as data.

A :class:`Decision` names who pays, on what legal basis; an :class:`Escalation` says why the
framework does not settle the case, where it goes and what is missing. Both carry their explanation
twice: as parts (``explanation_parts``, what it says, as data) and as the Dutch text those parts
render to (``explanation``, :func:`wiebetaalt.decision.explain.explain`). They are made by
:mod:`wiebetaalt.decision.resolve`; ``to_dict()`` gives what ``wiebetaalt decide --json`` prints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeVar, Union

from ..model.framework import LegalBasis, Presumption, Route

if TYPE_CHECKING:  # the audit record and the explanation's parts are made from outcomes
    from .audit import Audit
    from .explain import Part


class EscalationReason(enum.StrEnum):
    """Why a framework does not settle a case; ``str()`` and formatting give the plain value
    (``grey_zone``), as JSON and the batch output write it."""

    NO_RULE = "no_rule"
    CONFLICT = "conflict"
    GREY_ZONE = "grey_zone"
    MISSING_FACTS = "missing_facts"
    #: the law settles which funder pays, but the case does not give what names the party (which
    #: municipality, which samenwerkingsverband, how a cost is split)
    PARTY_UNKNOWN = "party_unknown"


#: The reasons in a few Dutch words, for people reading a list of outcomes.
REASON_NAMES = {
    EscalationReason.NO_RULE: "geen regel van toepassing",
    EscalationReason.CONFLICT: "regels spreken elkaar tegen",
    EscalationReason.GREY_ZONE: "grijs gebied",
    EscalationReason.MISSING_FACTS: "ontbrekende feiten",
    EscalationReason.PARTY_UNKNOWN: "betaler staat vast, partij nog niet",
}


@dataclass(frozen=True)
class Candidate:
    """A funder a rule points to; ``entity`` is the concrete party where it could be found."""

    rule: str
    funder: str
    entity: str | None


def format_share(fraction: Fraction) -> str:
    """An exact share in Dutch notation: '60%', '51,5%', or '33,33% (1/3)' when it does not end."""
    percent = fraction * 100
    whole, rest = divmod(percent.numerator, percent.denominator)
    if rest == 0:
        return f"{whole}%"
    for digits in range(1, 5):
        scaled = percent * 10**digits
        if scaled.denominator == 1:
            text = f"{whole},{str(scaled.numerator % 10**digits).rjust(digits, '0')}"
            return f"{text}%"
    approx = f"{round(float(percent), 2):.2f}".replace(".", ",")
    return f"{approx}% ({fraction.numerator}/{fraction.denominator})"


@dataclass(frozen=True)
class Share:
    """One payer's exact part of a shared cost: ``fraction`` of the whole, from ``weight``."""

    entity: str
    fraction: Fraction
    weight: int
    funder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "funder": self.funder, "weight": self.weight,
                "share": f"{self.fraction.numerator}/{self.fraction.denominator}",
                "percentage": format_share(self.fraction)}


def presumption_dicts(presumptions: tuple[Presumption, ...]) -> list[dict[str, Any]]:
    """The presumptions an outcome rests on, as ``to_dict()`` gives them."""
    return [{"field": p.field, "value": p.value, "label": p.label, "reason": p.reason, "source": str(p.source)}
            for p in presumptions]


@dataclass(frozen=True)
class Decision:
    """The framework settles the case: ``entity`` pays, on ``legal_basis``."""

    funder: str
    funder_name: str
    entity: str
    legal_basis: tuple[LegalBasis, ...]
    rules: tuple[str, ...]
    overridden: tuple[str, ...]
    explanation: str
    #: When the cost is shared: every payer with its exact share; the fractions sum to 1.
    shares: tuple[Share, ...] = ()
    #: The presumptions of the framework the outcome rests on (facts the case left out, presumed
    #: because their absence is the ordinary case); empty with ``presume=False``.
    presumptions: tuple[Presumption, ...] = ()
    #: What it was decided from (framework, versions, case); the Engine sets it, the pure resolver does not.
    audit: Audit | None = None
    #: What ``explanation`` says, as data; empty for an outcome made by hand.
    explanation_parts: tuple[Part, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "decision",
            "shares": [share.to_dict() for share in self.shares],
            "funder": self.funder,
            "funder_name": self.funder_name,
            "entity": self.entity,
            "legal_basis": [{"citation": b.citation, "url": str(b.url)} for b in self.legal_basis],
            "rules": list(self.rules),
            "overridden": list(self.overridden),
            "presumptions": presumption_dicts(self.presumptions),
            "explanation": self.explanation,
            "audit": self.audit.to_dict() if self.audit is not None else None,
        }


@dataclass(frozen=True)
class FactAnswer:
    """What one answer to a missing fact would lead to, the other facts left as they are.

    ``value`` is the answer tried (one of each class of values the framework tells apart);
    ``label`` says in Dutch which answers it stands for (``7 t/m 17``); ``result`` is the outcome in
    one Dutch line; ``outcome`` is ``decision`` or the reason of the escalation it would be.
    """

    field: str
    value: Any
    label: str
    result: str
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "label": self.label, "result": self.result,
                "outcome": self.outcome}


@dataclass(frozen=True)
class Escalation:
    """The framework does not settle the case: why, to whom, who pays meanwhile, what is missing."""

    reason: EscalationReason
    route: Route
    explanation: str
    candidates: tuple[Candidate, ...] = ()
    missing_facts: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    interim_funder: str | None = None
    legal_basis: tuple[LegalBasis, ...] = field(default=())
    #: With ``party_unknown``: the funder the law settles (its id and name); the missing facts name
    #: its party.
    funder: str | None = None
    funder_name: str | None = None
    # for missing facts: the smallest set of them whose answers settle the case, and per answer its outcome
    settling_facts: tuple[str, ...] = ()
    answers: tuple[FactAnswer, ...] = ()
    #: The presumptions of the framework the outcome rests on (facts the case left out, presumed
    #: because their absence is the ordinary case); empty with ``presume=False``.
    presumptions: tuple[Presumption, ...] = ()
    #: What it was decided from (framework, versions, case); the Engine sets it, the pure resolver does not.
    audit: Audit | None = None
    #: What ``explanation`` says, as data; empty for an outcome made by hand.
    explanation_parts: tuple[Part, ...] = field(default=(), compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "escalation",
            "reason": self.reason.value,
            "route": {"id": self.route.id, "name": self.route.name,
                      "url": str(self.route.url) if self.route.url else None,
                      "contact": self.route.contact, "deadline": self.route.deadline},
            "candidates": [{"rule": c.rule, "funder": c.funder, "entity": c.entity} for c in self.candidates],
            "missing_facts": list(self.missing_facts),
            "funder": self.funder,
            "funder_name": self.funder_name,
            "rules": list(self.rules),
            "interim_funder": self.interim_funder,
            "settling_facts": list(self.settling_facts),
            "answers": [answer.to_dict() for answer in self.answers],
            "legal_basis": [{"citation": b.citation, "url": str(b.url)} for b in self.legal_basis],
            "presumptions": presumption_dicts(self.presumptions),
            "explanation": self.explanation,
            "audit": self.audit.to_dict() if self.audit is not None else None,
        }


Outcome = Union[Decision, Escalation]

_ASKING = (EscalationReason.MISSING_FACTS, EscalationReason.PARTY_UNKNOWN)


_O = TypeVar("_O", bound="Decision | Escalation")


def asking_for_facts(outcome: Outcome) -> Escalation | None:
    """``outcome`` when it escalates because facts are missing (it asks for them), otherwise None:
    facts that decide which rule applies, or only which party the settled funder is.

    The one test for it, shared by the engine (presuming, settling), ``--ask``, the settle search,
    analyse and the testing kit; it returns the escalation so that the caller can read its facts.
    """
    if isinstance(outcome, Escalation) and outcome.reason in _ASKING:
        return outcome
    return None


def with_changes(outcome: _O, **changes: Any) -> _O:
    """``dataclasses.replace`` for an outcome, without running ``__init__`` again.

    The outcomes are frozen dataclasses with no ``__post_init__``, so a copy of their fields with
    some changed is a complete outcome; resolving a caseload makes one or two per case.
    """
    new = object.__new__(type(outcome))
    new.__dict__.update(outcome.__dict__, **changes)
    return new
