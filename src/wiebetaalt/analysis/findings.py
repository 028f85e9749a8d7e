"""What the grey-zone map of a framework holds: the findings of :func:`~wiebetaalt.analysis.analyse.analyse`.

An :class:`Analysis` holds every class of cases the framework treats alike, the gaps and conflicts
among them with their witnesses, the declared grey zones, the rules that never fire, and what the
examples cover. ``to_dict()`` gives what ``wiebetaalt analyse --json`` prints (docs/analyse.md);
:mod:`wiebetaalt.analysis.text` writes it for people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

#: What an outcome is, for grouping: "decision" or the reason of the escalation.
DECISION = "decision"


@dataclass(frozen=True)
class CaseClass:
    """A class of cases the framework treats alike ("soort casus"): every explored case with the
    same outcome reason and the same rules; for a gap or a conflict also the same facts making it
    (the fields of its minimal witnesses), so that each gap is an entry of its own.

    ``witness`` is minimal: it holds only the facts that make the outcome, and without any one of
    them the engine no longer gives that outcome for certain. ``cases`` counts the cases the
    exploration tells apart in the class: its leaves, each with only the facts of its witnesses.
    ``peildata`` are the periods (by their first day) it occurs in. ``examples`` names the
    framework's examples that fall in it. ``samples`` counts the random cases in it when the
    exploration stopped early; ``sampled`` is true for a class that only the sample found.
    """

    reason: str
    rules: tuple[str, ...]
    funder: str | None
    cases: int
    witness: dict[str, Any]
    peildata: tuple[dt.date, ...]
    examples: tuple[str, ...] = ()
    samples: int = 0
    sampled: bool = False
    #: for gaps and conflicts: every distinct minimal witness, smallest first
    all_witnesses: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "reason": self.reason, "rules": list(self.rules), "funder": self.funder, "cases": self.cases,
            "samples": self.samples, "witness": self.witness, "peildata": [d.isoformat() for d in self.peildata],
            "examples": list(self.examples), "sampled": self.sampled,
        }
        if self.all_witnesses:
            found["witnesses"] = list(self.all_witnesses)
        return found


@dataclass(frozen=True)
class GreyZone:
    """A declared grey-zone rule and the classes of cases that end in it (``case_classes`` counts them)."""

    rule: str
    title: str
    case_classes: int
    cases: int
    witness: dict[str, Any]
    examples: tuple[str, ...] = ()
    samples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "kinds": self.case_classes, "cases": self.cases,
                "samples": self.samples, "witness": self.witness, "examples": list(self.examples)}


@dataclass(frozen=True)
class RuleFinding:
    """A rule that never fires: never true (dead) or never part of an outcome (shadowed).

    For a dead rule the witness is the case that comes closest (the most comparisons of its
    condition true) and still does not make it apply; for a shadowed rule it is the smallest case
    in which the rule holds and the outcome comes from ``beaten_by``. ``certain`` is false when the
    exploration was not complete: then the finding rests on the explored part and the sample.
    """

    rule: str
    title: str
    witness: dict[str, Any]
    reason: str
    beaten_by: tuple[str, ...] = ()
    certain: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "witness": self.witness, "reason": self.reason,
                "beaten_by": list(self.beaten_by), "certain": self.certain}


@dataclass(frozen=True)
class Coverage:
    """What the examples exercise: the framework's own, or those passed to :func:`analyse`."""

    examples: int
    rules_exercised: tuple[str, ...]
    rules_without_example: tuple[str, ...]
    gaps_without_example: tuple[CaseClass, ...]
    conflicts_without_example: tuple[CaseClass, ...]
    #: examples whose case is not valid, so they exercise nothing
    invalid_examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "rules_exercised": list(self.rules_exercised),
            "rules_without_example": list(self.rules_without_example),
            "gaps_without_example": [{"rules": list(c.rules), "witness": c.witness} for c in self.gaps_without_example],
            "conflicts_without_example": [
                {"rules": list(c.rules), "witness": c.witness} for c in self.conflicts_without_example
            ],
            "invalid_examples": list(self.invalid_examples),
        }


@dataclass(frozen=True)
class Sampling:
    """The random dives taken after the budget ran out, and what they added.

    ``samples`` counts the dives, ``settled`` those that ended in a class of cases (a dive that
    starts below a leaf only refines the rules that hold), ``new_case_classes`` the classes the
    exploration had not reached.
    """

    samples: int
    sampler: str
    settled: int
    new_case_classes: int

    def to_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "sampler": self.sampler, "settled": self.settled,
                "new_kinds": self.new_case_classes}


@dataclass(frozen=True)
class Analysis:
    """The grey-zone map of one framework; :func:`~wiebetaalt.analysis.text.format_analysis` writes
    it for people. ``case_classes`` holds every class of cases found; ``gaps``, ``conflicts`` and
    ``unsettled`` are classes too."""

    framework: str
    title: str
    version: str
    complete: bool
    nodes: int
    budget: int
    peildata: tuple[dt.date, ...]
    case_classes: tuple[CaseClass, ...]
    gaps: tuple[CaseClass, ...]
    conflicts: tuple[CaseClass, ...]
    grey_zones: tuple[GreyZone, ...]
    dead_rules: tuple[RuleFinding, ...]
    shadowed_rules: tuple[RuleFinding, ...]
    #: leaves where the engine keeps asking for facts the exploration already filled in
    unsettled: tuple[CaseClass, ...]
    coverage: Coverage
    sampling: Sampling | None
    seconds: float

    @property
    def findings(self) -> bool:
        """True when there is a gap, a conflict, or a rule that never fires."""
        return bool(self.gaps or self.conflicts or self.dead_rules or self.shadowed_rules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework, "title": self.title, "version": self.version,
            "complete": self.complete, "nodes": self.nodes, "budget": self.budget,
            "peildata": [d.isoformat() for d in self.peildata],
            "kinds": len(self.case_classes),
            "gaps": [c.to_dict() for c in self.gaps],
            "conflicts": [c.to_dict() for c in self.conflicts],
            "grey_zones": [g.to_dict() for g in self.grey_zones],
            "dead_rules": [f.to_dict() for f in self.dead_rules],
            "shadowed_rules": [f.to_dict() for f in self.shadowed_rules],
            "unsettled": [c.to_dict() for c in self.unsettled],
            "decisions": [c.to_dict() for c in self.case_classes if c.reason == DECISION],
            "coverage": self.coverage.to_dict(),
            "sampling": self.sampling.to_dict() if self.sampling else None,
            "seconds": round(self.seconds, 3),
        }
