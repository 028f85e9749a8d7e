"""The exploration behind the grey-zone map: a tree of partial cases, decided by the engine.

Starting from a case that holds only a peildatum, the explorer decides the case; when the outcome
asks for missing facts, it fills in the first of them with one value of every class the framework
tells apart (:mod:`wiebetaalt.model.space`) and decides again, like a DPLL solver branching on a
variable. A case whose outcome is settled (a decision, or an escalation for another reason than
missing facts) is a leaf. Below a leaf it goes on while a fact could still change a rule: a fact
that leaves a rule open, and a fact a ``known`` comparison reads (a rule that holds because a fact
is unknown stops holding once it is filled in), so that at the bottom every rule is certainly true
or false whatever else is filled in. An outcome below a leaf that differs from the leaf's is a
class of cases of its own: a gap behind a ``known: false`` rule is found there.

The periods (the days between the dates rules and party sources start and stop) are explored
together: a node holds the periods that treat its partial case alike, those in which every rule
and party source that differs between them certainly cannot hold, whatever is filled in below. A
node splits only where a dated rule or party source can still decide, so a region with many dated
versions costs little more than one without.

A field is branched on with one value per class that the conditions which can still hold below the
node tell apart (a bound of a rule that certainly does not hold there splits nothing), and a date
as a day before or after the peildatum (:class:`Around`), so that periods stay together.

Breadth first, within a budget of decisions; where the budget runs out,
:func:`wiebetaalt.analysis.sample.sample` takes random paths through the part it did not visit.
Each leaf can be made minimal (:meth:`Explorer.minimal`): the witness the map shows.
"""

from __future__ import annotations

import datetime as dt
import string
from collections import deque
from dataclasses import dataclass
from typing import Any

from ..decision.memo import Memo
from ..decision.open_facts import undetermined
from ..decision.outcome import Escalation, Outcome, asking_for_facts
from ..decision.resolve import Resolver, Truth
from ..engine.derive import DERIVATION_ATOMS, DERIVED_FROM
from ..engine.engine import Engine
from ..model.case import CASE_FIELDS, MUNICIPALITY_FIELDS, Case, case_data
from ..model.conditions import Atom, atoms
from ..model.framework import Framework, Rule
from ..model.space import OTHER_TEXT, FieldSpace, date_points, field_space, framework_atoms
from .below import KnownFacts, PeriodGroups
from .findings import DECISION

# the case model checks the form of a postcode, so "Overig" cannot stand for the other postcodes
_OTHER_POSTCODE = "9999ZZ"
_MUNICIPALITY_FIELDS = frozenset(MUNICIPALITY_FIELDS)
# A fact is asked for again after it was filled in only when the engine replaced the value the case
# gave: of the derivations (Engine.prepare), only the BRP municipality replaces a given value, by
# the previous municipality before the registration date of a move. So the fact to fill in then is
# the input the replacing municipality comes from: a municipality input of a municipality
# derivation (not the postcode or the date, which only say whether it applies).
_REPLACED_FROM = {
    target: tuple(i for i in inputs if i in _MUNICIPALITY_FIELDS and i != target)
    for target, inputs in DERIVED_FROM.items() if target in _MUNICIPALITY_FIELDS
}

#: The facts filled in on the way to a case, in order: (field, value) pairs.
Pairs = tuple[tuple[str, Any], ...]
#: What the leaves of one class of cases share: the reason of their outcome (or "decision") and its rules.
Key = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class Around:
    """A date so many days from the peildatum: one value of a date field for every period at once.

    The engine tells a date apart by whether it lies before the peildatum (a move counts from its
    registration date), so a day a month before or after the peildatum stands for its class in
    every period, and the periods of a node stay together."""

    days: int


#: A node of the tree: the periods it holds, the facts filled in, and the outcome key of the leaf
#: it lies below (None above every leaf).
Node = tuple[tuple[int, ...], Pairs, "Key | None"]
# the days from the peildatum that stand for a date before it and one on or after it
_AROUND = (-30, 30)


@dataclass
class Leaf:
    """One settled case: how it was reached, the periods it holds for, and what came out."""

    periods: tuple[int, ...]
    pairs: Pairs
    prepared: Case
    outcome: Outcome
    #: the order in which the exploration reached it: of two equally small cases, the first wins
    seq: int = 0
    sampled: bool = False

    @property
    def period(self) -> int:
        """The period its case was decided in (the first of ``periods``)."""
        return self.periods[0]

    def size(self) -> tuple[int, int]:
        return len(self.pairs), self.seq


def outcome_key(outcome: Outcome) -> Key:
    """What makes outcomes alike for the map: the reason (or :data:`DECISION`) and the rules."""
    return (outcome.reason.value if isinstance(outcome, Escalation) else DECISION, outcome.rules)


def is_settled(outcome: Outcome) -> bool:
    """Whether the outcome is a leaf: a decision, or an escalation for another reason than missing facts."""
    return asking_for_facts(outcome) is None


class Explorer:
    """One exploration: the tree of partial cases, and what it found on the way."""

    def __init__(self, framework: Framework, engine: Engine, budget: int) -> None:
        self.fw = framework
        self.engine = engine
        self.budget = budget
        # The engine's own resolver would do; a separate one keeps the engine's state out of it. Its
        # drafts skip Engine.decide's extra work for missing facts, which the exploration branches
        # on, and the explanation, which the map does not show.
        self.resolver = Resolver(framework)
        self.points = _peildata(framework)
        self.rule_ids = frozenset(r.id for r in framework.rules)
        self.order = {r.id: i for i, r in reversed(list(enumerate(framework.rules)))}
        self.versions: dict[str, list[Rule]] = {}
        for rule in framework.rules:
            self.versions.setdefault(rule.id, []).append(rule)
        self.weights = {
            part.weight_field
            for f in framework.funders if f.split is not None for part in f.split.parts if part.weight_field
        }
        self.periods = PeriodGroups(framework, self.versions, self.points)
        self.knowing = KnownFacts(framework)
        self.spaces: dict[tuple[str, dt.date], FieldSpace] = {}
        #: per date field: the comparisons of it, and the days its space holds whatever the peildatum
        self.date_atoms: dict[str, tuple[list[Atom], tuple[Any, ...]]] = {}
        self.nodes = 0
        self.complete = True
        self.leaves: list[Leaf] = []
        self.unsettled: list[Leaf] = []
        self.true_rules: set[str] = set()
        self.in_outcome: set[str] = set()
        #: per rule: the smallest case in which it holds, a settled one before one that asks for facts
        self.holds: dict[str, tuple[tuple[bool, int, int], Leaf]] = {}
        #: the nodes left unvisited when the budget ran out
        self.frontier: list[Node] = []
        #: per class of cases (its outcome key): how many random cases fell in it
        self.sample_hits: dict[Key, int] = {}
        # bounded: a map that runs to its budget decides 200,000 cases, which need not all stay
        self._decided: Memo[tuple[int, frozenset[tuple[str, Any]]], tuple[Case, Truth, Outcome]] = Memo()

    def space(self, path: str, period: int) -> FieldSpace:
        key = (path, self.points[period])
        if key not in self.spaces:
            self.spaces[key] = field_space(self.fw, path, peildatum=self.points[period])
        return self.spaces[key]

    def values(self, path: str, period: int, pairs: Pairs) -> list[Any]:
        """One value of every class of ``path``, as a case can hold it, given what is filled in."""
        space = self.space(path, period)
        ftype = CASE_FIELDS[path]
        values = list(space.values)
        if ftype.value_type == "str":
            named = [v for v in values if v in space.named]
            if path == "kind.postcode":
                return [*named, _OTHER_POSTCODE]
            if path in _MUNICIPALITY_FIELDS:
                # a municipality the same as one already filled in, or a new one: the two
                # municipalities of a split, or the BRP and school municipality, may be the same
                earlier = [v for p, v in pairs if p in _MUNICIPALITY_FIELDS and v not in named]
                taken = set(named) | set(earlier)
                fresh = next(f"Plaats {letter}" for letter in string.ascii_uppercase if f"Plaats {letter}" not in taken)
                return list(dict.fromkeys([*named, *earlier, fresh]))
            other = OTHER_TEXT if OTHER_TEXT not in named else f"{OTHER_TEXT} (ander)"
            return [*named, other]
        if path in self.weights and ftype.value_type == "int":
            # a weight counts as a number, so its extremes are where shares run out
            extremes = [v for v in (ftype.minimum, ftype.maximum) if v is not None]
            values = sorted(set(values) | set(extremes))
        return values

    def evaluate(self, period: int, pairs: Pairs) -> tuple[Case, Truth, Outcome]:
        """The case ``pairs`` fill in, in period ``period``: prepared, what matching found, its outcome.

        Remembered: a witness is made smaller by deciding the cases it holds, which the tree decided
        on its way down."""
        key = (period, frozenset(pairs))
        found = self._decided.get(key)
        if found is None:
            prepared = self.engine.prepare(self.case(period, pairs))
            truth = self.engine.match(prepared)
            found = self._decided.remember(key, (prepared, truth, self.resolver.draft(prepared, truth)))
        return found

    def case(self, period: int, pairs: Pairs) -> dict[str, Any]:
        """The case ``pairs`` fill in, in period ``period``, as a case file holds it."""
        day = self.points[period]
        return case_data(day, [(f, day + dt.timedelta(days=v.days) if isinstance(v, Around) else v) for f, v in pairs])

    def next_fact(self, outcome: Escalation, pairs: Pairs) -> str | None:
        """The fact to branch on below a missing-facts escalation: the first it asks for that is not
        filled in, else the fact a value the engine replaced comes from; None when there is none."""
        assigned = {p for p, _ in pairs}
        for fact in outcome.missing_facts:
            if fact not in assigned:
                return fact
        for fact in outcome.missing_facts:
            for source in _REPLACED_FROM.get(fact, ()):
                if source not in assigned:
                    return source
        return None

    def rule_in_force(self, rule_id: str, day: dt.date) -> Rule:
        versions = self.versions[rule_id]
        return next((v for v in versions if v.in_force(day)), versions[0])

    def open_fact(self, truth: Truth, prepared: Case, pairs: Pairs, outcome: Outcome) -> str | None:
        """A fact that can still change a rule or party source below a leaf, or None when nothing can.

        First a fact that leaves a rule that may hold open; then one a ``known`` comparison of a
        rule or party source reads while it is unknown, when filling it in can change whether that
        rule or source holds."""
        assigned = {p for p, _ in pairs}
        for rule_id in sorted(truth.unknown & self.rule_ids, key=self.order.__getitem__):
            rule = self.rule_in_force(rule_id, prepared.peildatum)
            for fact in undetermined(rule.when, prepared)[1]:
                if fact not in assigned:
                    return fact
        return self.knowing.fact(prepared, assigned, self.knowing.funders(outcome))

    def note(self, leaf: Leaf, truth: Truth) -> None:
        """Record the rules that hold in a case and, once it is settled, the rules its outcome rests on."""
        settled = is_settled(leaf.outcome)
        if settled:
            self.in_outcome.update(leaf.outcome.rules)
        rank = (not settled, *leaf.size())
        for rule_id in truth.true & self.rule_ids:
            self.true_rules.add(rule_id)
            best = self.holds.get(rule_id)
            if best is None or rank < best[0]:
                self.holds[rule_id] = (rank, leaf)

    def children(self, periods: tuple[int, ...], pairs: Pairs, fact: str, above: Key | None) -> list[Node]:
        """The nodes below one that fills in ``fact``: one per class of its values."""
        ftype = CASE_FIELDS[fact]
        if ftype.value_type == "int" and fact not in self.weights:
            return [(periods, (*pairs, (fact, v)), above) for v in self.told_apart(periods, pairs, fact)]
        if ftype.value_type != "date":
            return [(periods, (*pairs, (fact, v)), above) for v in self.values(fact, periods[0], pairs)]
        nodes: list[Node] = [(periods, (*pairs, (fact, Around(days))), above) for days in _AROUND]
        if fact not in self.date_atoms:
            self.date_atoms[fact] = ([a for a in framework_atoms(self.fw) if a.field == fact],
                                     field_space(self.fw, fact).values)
        atoms_on, fixed_days = self.date_atoms[fact]

        def kind(day: dt.date, period: int) -> tuple[bool, ...]:
            # the class of a day: what the comparisons of the field say, and whether it lies before the peildatum
            return (*(a.holds_for(day) for a in atoms_on), day < self.points[period])

        covered = {p: {kind(self.points[p] + dt.timedelta(days=d), p) for d in _AROUND} for p in periods}
        for day in fixed_days:
            # a fixed day of a class no day around the peildatum is in: it lies before the
            # peildatum of some periods and after that of others
            for later in (False, True):
                group = tuple(p for p in periods if (self.points[p] < day) is later and kind(day, p) not in covered[p])
                if group:
                    nodes.append((group, (*pairs, (fact, day)), above))
                    for p in group:
                        covered[p].add(kind(day, p))
        return nodes

    def told_apart(self, periods: tuple[int, ...], pairs: Pairs, fact: str) -> list[Any]:
        """One number of ``fact`` for every class that the conditions which can still hold below the
        node tell apart: a bound of a rule that certainly does not hold there splits nothing. (The
        values of a list field are few, and each is tried: a witness then names the value itself.)"""
        case = self.evaluate(periods[0], pairs)[0]
        conditions = [*self.periods.alive(periods, case), *DERIVATION_ATOMS]
        compared = [a for c in conditions for a in atoms(c) if a.field == fact and a.op != "known"]
        classes: dict[tuple[bool, ...], Any] = {}
        for value in self.values(fact, periods[0], pairs):
            classes.setdefault(tuple(a.holds_for(value) for a in compared), value)
        return list(classes.values())

    def visit(self, node: Node, number: int) -> tuple[list[Leaf], list[tuple[str, tuple[int, ...], Key | None]]]:
        """Decide a node: once for each group of its periods that treat it alike.

        Returns the leaves it settled (each for its group of periods) and where to branch: the fact
        to fill in, the periods that branch on it, and the leaf key the branches lie below."""
        periods, pairs, above = node
        prepared = self.evaluate(periods[0], pairs)[0]
        found: list[Leaf] = []
        branches: dict[tuple[str, Key | None], list[int]] = {}
        for group in self.periods.groups(periods, prepared):
            self.nodes += 1
            prepared_here, truth, outcome = self.evaluate(group[0], pairs)
            leaf = Leaf(group, pairs, prepared_here, outcome, number)
            self.note(leaf, truth)
            if not is_settled(outcome):
                assert isinstance(outcome, Escalation)
                fact = self.next_fact(outcome, pairs)
                if fact is None:
                    self.unsettled.append(leaf)
                    continue
                branches.setdefault((fact, above), []).extend(group)
                continue
            key = outcome_key(outcome)
            if key != above:
                found.append(leaf)
            fact = self.open_fact(truth, prepared_here, pairs, outcome)
            if fact is not None:
                branches.setdefault((fact, key), []).extend(group)
        return found, [(fact, tuple(sorted(group)), key) for (fact, key), group in branches.items()]

    def explore(self) -> None:
        # breadth first: when the budget runs out, every period has been explored to the same depth
        queue: deque[Node] = deque([(tuple(range(len(self.points))), (), None)])
        while queue:
            if self.nodes >= self.budget:
                self.complete = False
                self.frontier = list(queue)
                return
            periods, pairs, above = queue.popleft()
            found, branches = self.visit((periods, pairs, above), self.nodes + 1)
            self.leaves += found
            for fact, group, key in branches:
                queue.extend(self.children(group, pairs, fact, key))

    def minimal(self, leaf: Leaf, holding: str | None = None) -> Pairs:
        """The facts of ``leaf`` without those it does not need: each fact is left out in turn, and
        stays out when the case without it still gets the same outcome (reason and rules), settled,
        and ``holding``, a rule id, still holds. Leaving out any one fact of what remains changes
        that outcome, leaves it open, or keeps that rule from holding."""
        key = outcome_key(leaf.outcome)
        kept = list(leaf.pairs)
        for pair in leaf.pairs:
            trial = tuple(p for p in kept if p != pair)
            _, truth, outcome = self.evaluate(leaf.period, trial)
            if is_settled(outcome) and outcome_key(outcome) == key and (holding is None or holding in truth.true):
                kept = list(trial)
        return tuple(kept)


def _peildata(framework: Framework) -> tuple[dt.date, ...]:
    """The first day of every period the framework treats alike, in order."""
    points = set(date_points(framework))
    items = [*framework.rules, *(s for f in framework.funders for s in f.party or [])]
    bounded = any(item.valid_from is not None or item.valid_to is not None for item in items)
    if bounded:
        # a case can have any peildatum: before the first bound a rule without a start is in
        # force, or nothing is, and `decide` says no rule applies; either way it is a period
        points.add(min(points) - dt.timedelta(days=1))
    for atom in framework_atoms(framework):
        if atom.field == "peildatum" and atom.op != "known":
            for value in atom.value if isinstance(atom.value, list) else [atom.value]:
                day = dt.date.fromisoformat(str(value))
                points |= {day, day + dt.timedelta(days=1)}
    return tuple(sorted(points))
