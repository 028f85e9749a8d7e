"""Who a funder is for one case: the concrete party, or the shares of a cost split between several.

A funder names a role (the woonplaatsgemeente, the school board). Its party sources say how to find
who fills the role for a case: the first source in force on the peildatum whose condition holds
names the case field to read (``kind.brp_gemeente``), and the funder's fallback says who it is when
that field is empty. A split divides the cost between parties by weight. What cannot be found is
said as data: the facts it depends on, or why a cost cannot be divided
(:data:`~wiebetaalt.decision.explain.ShareProblem`).
"""

from __future__ import annotations

from fractions import Fraction

from ..model.case import Case, field_value
from ..model.framework import Funder, PartySource, Split
from .explain import PartyOfShareUnknown, ShareProblem, WeightsOver, WeightsZero
from .open_facts import OpenFields
from .outcome import Share

#: (party, the sources it was found through, the facts it still depends on)
Found = tuple[str | None, list[PartySource], list[str]]


class Parties:
    """The parties of a framework's funders for one case, each found once.

    ``true`` and ``unknown`` are the ids of the party sources whose condition holds, or may hold, for
    the case (what matching found); ``open_fields`` says which facts leave a condition open.
    """

    def __init__(self, funders: dict[str, Funder], case: Case, true: frozenset[str], unknown: frozenset[str],
                 open_fields: OpenFields) -> None:
        self.funders = funders
        self.case = case
        self.true = true
        self.unknown = unknown
        self.open_fields = open_fields
        self.found: dict[str, Found | None] = {}

    def party(self, funder: Funder) -> Found | None:
        """(party, sources used, missing facts) for a funder, or None when no source applies."""
        # one case asks for the same few funders again and again (a candidate per unknown rule)
        if funder.id not in self.found:
            self.found[funder.id] = self._party(funder)
        return self.found[funder.id]

    def entity(self, funder_id: str) -> str | None:
        """The concrete party of a funder when it is known for this case."""
        party = self.party(self.funders[funder_id]) if funder_id in self.funders else None
        return party[0] if party and party[0] and not party[2] else None

    def _party(self, funder: Funder) -> Found | None:
        if not funder.party:
            return funder.fallback or funder.name, [], []
        day = self.case.peildatum
        for source in funder.party:
            if (source.valid_from is not None and day < source.valid_from) or (
                    source.valid_to is not None and day >= source.valid_to):
                continue  # not in force (Period.in_force, inline: a case asks for ten parties or more)
            if source.when is not None:
                if source.id in self.unknown:
                    return None, [source], self.open_fields([source.when], self.case)
                if source.id not in self.true:
                    continue
            value = field_value(self.case, source.field)
            if value is None:
                if funder.fallback:
                    return funder.fallback, [source], []
                return None, [source], [source.field]
            return (f"{source.prefix} {value}" if source.prefix else str(value)), [source], []
        return None

    def known_parties(self, split: Split) -> tuple[str, ...]:
        """The parties of a split that the case already names, while its shares are still open."""
        named: list[str] = []
        for part in split.parts:
            if part.funder is None:
                named += [part.party] if part.party else []
            elif (found := self.party(self.funders[part.funder])) is not None and found[0] and not found[2]:
                named.append(found[0])
        return tuple(dict.fromkeys(named))

    def split(self, split: Split) -> tuple[list[Share], list[PartySource], list[str]] | ShareProblem:
        """The shares of a split cost, the party sources used and the missing facts; or why not."""
        weights: dict[str, int] = {}
        funders: dict[str, str | None] = {}
        sources: list[PartySource] = []
        facts: list[str] = []
        remainder: tuple[str, int] | None = None
        for part in split.parts:
            entity = part.party
            if part.funder is not None:
                found = self.party(self.funders[part.funder])
                if found is None:
                    return PartyOfShareUnknown(self.funders[part.funder].name)
                entity, used, missing = found
                sources += used
                facts += missing
            weight = part.weight
            if part.weight_field is not None:
                weight = field_value(self.case, part.weight_field)
                if weight is None:
                    facts.append(part.weight_field)
            if entity is None or (weight is None and part.remainder_of is None):
                continue
            funders.setdefault(entity, part.funder)
            if part.remainder_of is not None:
                remainder = (entity, part.remainder_of)
                weights.setdefault(entity, 0)
            else:
                assert weight is not None
                weights[entity] = weights.get(entity, 0) + weight
        if facts:
            return [], sources, list(dict.fromkeys(facts))
        if remainder is not None:
            rest = remainder[1] - sum(weights.values())
            if rest < 0:
                return WeightsOver(sum(weights.values()), remainder[1])
            weights[remainder[0]] += rest
        total = sum(weights.values())
        if total == 0:
            return WeightsZero()
        shares = [Share(entity, Fraction(w, total), w, funders[entity]) for entity, w in weights.items() if w]
        return shares, sources, []
