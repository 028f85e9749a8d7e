"""What can still change below a node of the grey-zone map's tree (:mod:`wiebetaalt.analysis.explore`).

A node is a partial case. Below it, facts are filled in; a condition that certainly does not hold
now (:func:`can_hold` false) holds in no case below it, whatever is filled in. That tells which
periods treat a node alike (:class:`PeriodGroups`: those in which every rule and party source that
differs between them certainly does not hold), and which facts a ``known`` comparison reads that can
still change a rule or party source once filled in (:class:`KnownFacts`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..decision.memo import FieldReaders, Memo
from ..decision.outcome import Decision, Outcome
from ..model.case import Case, field_value
from ..model.conditions import AnyOf, Atom, Condition, Not, atoms, evaluate
from ..model.framework import Framework, PartySource, Rule

#: the state of a rule or party source that certainly does not hold in a node, or is not in force
OUT = -1
#: what an item is in a period: its condition in force, True for a party source without one, or
#: None when it is not in force
InForce = Condition | bool | None


class PeriodGroups:
    """Which periods treat a partial case alike: those in which every rule and party source that
    differs between them (a version, or whether it is in force) certainly cannot hold, whatever is
    filled in below."""

    def __init__(self, framework: Framework, versions: dict[str, list[Rule]], points: tuple[dt.date, ...]) -> None:
        # per item (a rule id, a party source), per period: the condition in force, or None
        self.items: list[tuple[InForce, ...]] = []
        for rule_versions in versions.values():
            self.items.append(tuple(_in_force_condition(rule_versions, day) for day in points))
        for funder in framework.funders:
            for source in funder.party or []:
                self.items.append(tuple(
                    (source.when if source.when is not None else True) if source.in_force(day) else None
                    for day in points))
        #: per set of periods: the items that differ between them, each with its conditions and,
        #: per period, which of them is in force
        self.columns: dict[tuple[int, ...], list[tuple[list[InForce], tuple[int, ...]]]] = {}
        self.possible: Memo[tuple[int, Any], bool] = Memo()
        self.readers = FieldReaders()

    def differing(self, periods: tuple[int, ...]) -> list[tuple[list[InForce], tuple[int, ...]]]:
        """The items whose condition in force is not the same object in every one of ``periods``."""
        found = self.columns.get(periods)
        if found is None:
            found = []
            for item in self.items:
                conditions = list({id(item[p]): item[p] for p in periods}.values())
                if len(conditions) > 1:
                    at = [id(c) for c in conditions]
                    found.append((conditions, tuple(at.index(id(item[p])) for p in periods)))
            self.columns[periods] = found
        return found

    def groups(self, periods: tuple[int, ...], case: Case) -> list[tuple[int, ...]]:
        """``periods`` in groups that treat ``case`` and every case below it alike, in order."""
        if len(periods) == 1:
            return [periods]
        differing = self.differing(periods)
        if not differing:
            return [periods]
        # an item has few conditions (a version or two) across many periods: each is judged once
        columns = []
        for conditions, at in differing:
            states = [self.state(c, case) for c in conditions]
            if len(set(states)) > 1:
                columns.append([states[i] for i in at])
        if not columns:
            return [periods]
        by_print: dict[tuple[int, ...], list[int]] = {}
        for k, prints in enumerate(zip(*columns)):
            by_print.setdefault(prints, []).append(periods[k])
        return [tuple(group) for group in by_print.values()]

    def alive(self, periods: tuple[int, ...], case: Case) -> list[Condition]:
        """The conditions of the rules and party sources in force in one of ``periods`` that may
        still hold below ``case``."""
        found: dict[int, Condition] = {}
        for item in self.items:
            for condition in {id(item[p]): item[p] for p in periods}.values():
                if isinstance(condition, bool) or condition is None or id(condition) in found:
                    continue
                if self.state(condition, case) != OUT:
                    found[id(condition)] = condition
        return list(found.values())

    def state(self, condition: InForce, case: Case) -> int:
        """What an item in force with ``condition`` is in ``case``: the condition's id, or
        :data:`OUT` when it is not in force or certainly does not hold below ``case``."""
        if condition is None:
            return OUT
        if isinstance(condition, bool):
            return id(condition)
        key = self.readers.key(condition, case)
        possible = self.possible.get(key)
        if possible is None:
            possible = self.possible.remember(key, can_hold(condition, case) is not False)
        return id(condition) if possible else OUT


class KnownFacts:
    """The facts a ``known`` comparison reads, and whether filling one in can change a rule or
    party source that does not leave it open (it holds, or fails, because the fact is unknown)."""

    def __init__(self, framework: Framework) -> None:
        #: (a rule or party source, its condition, the fields its ``known`` comparisons read, and
        #: for a party source its funder)
        self.checked: list[tuple[Rule | PartySource, Condition, tuple[str, ...], str | None]] = []
        items: list[tuple[Rule | PartySource, Condition | None, str | None]] = [
            (rule, rule.when, None) for rule in framework.rules]
        items += [(s, s.when, f.id) for f in framework.funders for s in f.party or []]
        for item, condition, funder in items:
            if condition is None:
                continue
            fields = tuple(dict.fromkeys(a.field for a in atoms(condition) if a.op == "known"))
            if fields:
                self.checked.append((item, condition, fields, funder))
        #: per rule id: who pays in the meantime while it escalates, when the rule says so
        self.interim = {r.id: r.interim_funder for r in framework.rules if r.interim_funder}

    def funders(self, outcome: Outcome) -> frozenset[str]:
        """The funders whose party an outcome depends on: who pays, the parties of its shares, the
        candidates, and who pays in the meantime."""
        if isinstance(outcome, Decision):
            return frozenset([outcome.funder, *(s.funder for s in outcome.shares if s.funder)])
        return frozenset(f for f in (
            outcome.funder, outcome.route.interim_funder, *(c.funder for c in outcome.candidates),
            *(self.interim.get(r) for r in outcome.rules)) if f)

    def fact(self, case: Case, assigned: set[str], funders: frozenset[str]) -> str | None:
        """The first unknown fact a ``known`` comparison reads whose filling in can change a rule in
        force, or a party source of one of ``funders`` (those the outcome names)."""
        for item, condition, fields, funder in self.checked:
            if (funder is not None and funder not in funders) or not item.in_force(case.peildatum):
                continue
            open_fields = [f for f in fields if f not in assigned and field_value(case, f) is None]
            if open_fields and evaluate(condition, case)[0] is not None and can_hold(condition, case, False) is None:
                return open_fields[0]
        return None


def _in_force_condition(versions: list[Rule], day: dt.date) -> Condition | None:
    version = next((v for v in versions if v.in_force(day)), None)
    return None if version is None else version.when


def can_hold(condition: Condition, case: Case, any_period: bool = True) -> bool | None:
    """Whether ``condition`` holds in every case below ``case`` (true), in none (false), or it
    depends (None): as :func:`~wiebetaalt.model.conditions.evaluate`, but a ``known`` comparison
    of an unknown fact depends on whether it is filled in and, with ``any_period``, a comparison of
    the peildatum depends on the period."""
    if isinstance(condition, Atom):
        if condition.field == "peildatum" and any_period:
            return None
        value = field_value(case, condition.field)
        if value is None:
            return None
        return bool(condition.value) if condition.op == "known" else condition.holds_for(value)
    if isinstance(condition, Not):
        inner = can_hold(condition.not_, case, any_period)
        return None if inner is None else not inner
    decisive = isinstance(condition, AnyOf)
    parts = condition.any if isinstance(condition, AnyOf) else condition.all
    results = [can_hold(part, case, any_period) for part in parts]
    if decisive in results:
        return decisive
    return None if None in results else not decisive
