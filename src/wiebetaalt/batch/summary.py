"""The totals of a run: rows decided, escalated and invalid, per payer, per reason and per rule.

Each worker process sums up its own chunks; the main process merges their summaries in order.
The Dutch line and tables a user reads are :mod:`wiebetaalt.batch.text`'s.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..decision.outcome import Decision, Outcome
from ..errors import CaseError
from .output import error_text
from .rows import RawRow
from .text import invalid_row, summary_line, summary_tables


@dataclasses.dataclass
class Summary:
    """What a run decided, in totals a policymaker asks for; summaries of parts add up.

    ``payers`` counts cases per (funder, entity): a shared cost counts as the payer's exact
    share of one case. ``amounts`` adds up the ``bedrag`` column the same way.
    """

    rows: int = 0
    decided: int = 0
    escalated: Counter[str] = dataclasses.field(default_factory=Counter)
    invalid: int = 0
    # a whole case counts as an int, so that adding up the usual case needs no Fraction arithmetic,
    # which is much slower (docs/batch.md, Speed and memory); a share makes its payer's count a Fraction
    payers: defaultdict[tuple[str, str], Fraction | int] = dataclasses.field(default_factory=lambda: defaultdict(int))
    amounts: defaultdict[tuple[str, str], Fraction] = dataclasses.field(default_factory=lambda: defaultdict(Fraction))
    escalated_amount: defaultdict[str, Fraction] = dataclasses.field(default_factory=lambda: defaultdict(Fraction))
    rules_decided: Counter[str] = dataclasses.field(default_factory=Counter)
    rules_escalated: Counter[str] = dataclasses.field(default_factory=Counter)
    invalid_fields: Counter[str] = dataclasses.field(default_factory=Counter)
    #: how many outcomes rest on presumptions, and per presumed field how many rest on it
    presumed: int = 0
    presumed_fields: Counter[str] = dataclasses.field(default_factory=Counter)
    #: the first invalid rows, as "rij N (regel L): field: problem" lines
    invalid_rows: list[str] = dataclasses.field(default_factory=list)
    #: the part of the audit record every outcome of the run shares (:meth:`wiebetaalt.decision.audit.Auditor.header`)
    audit: dict[str, Any] | None = None

    MAX_LISTED = 20

    def add(self, result: Outcome | CaseError, amount: Decimal | None = None, row: RawRow | None = None) -> None:
        """Count one outcome (or invalid row) with its amount; ``row`` says where an invalid row is."""
        self.rows += 1
        if isinstance(result, CaseError):
            self.invalid += 1
            self.invalid_fields.update(list(dict.fromkeys(p.field or "(rij)" for p in result.problems)))
            if len(self.invalid_rows) < self.MAX_LISTED:
                self.invalid_rows.append(invalid_row(row, error_text(result)))
            return
        if result.presumptions:
            self.presumed += 1
            self.presumed_fields.update(p.field for p in result.presumptions)
        if isinstance(result, Decision):
            self.decided += 1
            self.rules_decided.update(result.rules)
            if result.shares:
                for share in result.shares:
                    key = (result.funder, share.entity)
                    self.payers[key] += share.fraction
                    if amount is not None:
                        self.amounts[key] += Fraction(amount) * share.fraction
            else:
                self.payers[(result.funder, result.entity)] += 1
                if amount is not None:
                    self.amounts[(result.funder, result.entity)] += Fraction(amount)
            return
        self.escalated[result.reason.value] += 1
        self.rules_escalated.update(result.rules)
        if amount is not None:
            self.escalated_amount[result.reason.value] += Fraction(amount)

    def merge(self, other: Summary) -> None:
        self.rows += other.rows
        self.decided += other.decided
        self.invalid += other.invalid
        self.presumed += other.presumed
        for name in ("escalated", "rules_decided", "rules_escalated", "invalid_fields", "presumed_fields"):
            getattr(self, name).update(getattr(other, name))
        for name in ("payers", "amounts", "escalated_amount"):
            mine = getattr(self, name)
            for key, value in getattr(other, name).items():
                mine[key] += value
        self.invalid_rows += other.invalid_rows[: self.MAX_LISTED - len(self.invalid_rows)]
        if self.audit is None:
            self.audit = other.audit

    def line(self) -> str:
        """One Dutch line: rows, decided, escalated by reason, invalid."""
        return summary_line(self.rows, self.decided, self.escalated, self.invalid)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "decided": self.decided, "escalated": dict(self.escalated), "invalid": self.invalid,
            "payers": [{"funder": f, "entity": e, "cases": _number(n), "amount": _money(self.amounts.get((f, e)))}
                       for (f, e), n in sorted(self.payers.items(), key=lambda i: (-i[1], i[0]))],
            "escalated_amount": {r: _money(a) for r, a in self.escalated_amount.items()},
            "rules": [{"rule": r, "decided": self.rules_decided[r], "escalated": self.rules_escalated[r]}
                      for r in sorted(self.rules_decided.keys() | self.rules_escalated.keys(),
                                      key=lambda r: (-(self.rules_decided[r] + self.rules_escalated[r]), r))],
            "invalid_fields": dict(self.invalid_fields),
            "presumed": self.presumed,
            "presumed_fields": dict(self.presumed_fields),
            "audit": self.audit,
        }

    def format(self) -> str:
        """The totals as Dutch tables: per payer, per escalation reason, per rule."""
        return summary_tables(self.to_dict(), money=bool(self.amounts or self.escalated_amount))


def _number(value: Fraction | int) -> int | float:
    return int(value) if Fraction(value).denominator == 1 else round(float(value), 2)


def _money(value: Fraction | None) -> str | None:
    return None if value is None else f"{Decimal(value.numerator) / Decimal(value.denominator):.2f}"
