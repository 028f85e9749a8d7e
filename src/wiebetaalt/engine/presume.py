"""What presuming needs of a case: put the presumed values into it, and tell when an outcome
escalated for facts the framework might presume (:meth:`wiebetaalt.engine.engine.Engine.decide`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..decision.outcome import Decision, Outcome
from ..model.case import Case, replaced


def with_values(case: Case, values: Mapping[str, Any]) -> Case:
    """``case`` with the dotted fields of ``values`` set (their values checked when the framework
    was loaded: a presumption's value fits its field)."""
    sections: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for path, value in values.items():
        section, _, name = path.partition(".")
        if name:
            sections.setdefault(section, {})[name] = value
        else:
            top[path] = value
    for section, fields in sections.items():
        top[section] = replaced(getattr(case, section), fields)
    return replaced(case, top)


def answer(outcome: Outcome) -> tuple[Any, ...]:
    """What ``outcome`` answers, without its wording: two outcomes with the same answer differ at
    most in how the explanation reads the case (a presumed value, or "onbekend")."""
    if isinstance(outcome, Decision):
        return ("decision", outcome.funder, outcome.entity, outcome.rules, outcome.shares)
    return (outcome.reason, outcome.rules, outcome.candidates, outcome.missing_facts, outcome.interim_funder)
