"""The exploration behind the grey-zone map: a tree of partial cases, decided by the engine.

Starting from a case that holds only a peildatum (one for each period in which the same rules are
in force), the explorer decides the case; when the outcome asks for missing facts, it fills in the
first of them with one value of every class the framework tells apart
(:mod:`wiebetaalt.model.space`) and decides again, like a DPLL solver branching on a variable. A
case whose outcome is settled (a decision, or an escalation for another reason than missing facts)
is a leaf. Below a leaf it goes on for rules that may still hold, filling in the facts of their
conditions, so that at the bottom every rule is certainly true or false.

Breadth first, within a budget of decisions; where the budget runs out, :meth:`Explorer.sample`
takes random paths through the part it did not visit, with the choices drawn by Hypothesis.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import string
from collections import deque
from dataclasses import dataclass
from typing import Any

from ..decision.open_facts import undetermined
from ..decision.outcome import Escalation, Outcome, asking_for_facts
from ..decision.resolve import Resolver, Truth
from ..engine.derive import DERIVED_FROM
from ..engine.engine import Engine
from ..model.case import CASE_FIELDS, MUNICIPALITY_FIELDS, Case, case_data
from ..model.framework import Framework, Rule
from ..model.space import OTHER_TEXT, FieldSpace, date_points, field_space, framework_atoms
from .findings import DECISION, Sampling

# choices drawn per dive; a dive that needs more uses them again
_DEPTH = 48
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


@dataclass
class Leaf:
    """One settled case: how it was reached and what came out."""

    period: int
    pairs: Pairs
    prepared: Case
    outcome: Outcome
    #: the order in which the exploration reached it: of two equally small cases, the first wins
    seq: int = 0
    sampled: bool = False

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
        self.spaces: dict[tuple[str, dt.date], FieldSpace] = {}
        self.nodes = 0
        self.complete = True
        self.leaves: list[Leaf] = []
        self.unsettled: list[Leaf] = []
        self.true_rules: set[str] = set()
        self.in_outcome: set[str] = set()
        #: per rule: the smallest case in which it holds, a settled one before one that asks for facts
        self.holds: dict[str, tuple[tuple[bool, int, int], Leaf]] = {}
        #: the nodes left unvisited when the budget ran out
        self.frontier: list[tuple[int, Pairs, bool]] = []
        #: per class of cases (its outcome key): how many random cases fell in it
        self.sample_hits: dict[Key, int] = {}

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
        """The case ``pairs`` fill in, in period ``period``: prepared, what matching found, its outcome."""
        prepared = self.engine.prepare(case_data(self.points[period], pairs))
        truth = self.engine.match(prepared)
        return prepared, truth, self.resolver.draft(prepared, truth)

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

    def open_fact(self, truth: Truth, prepared: Case, pairs: Pairs) -> str | None:
        """A fact that settles a rule that may still hold, or None when every rule is settled."""
        assigned = {p for p, _ in pairs}
        for rule_id in sorted(truth.unknown & self.rule_ids, key=self.order.__getitem__):
            rule = self.rule_in_force(rule_id, prepared.peildatum)
            for fact in undetermined(rule.when, prepared)[1]:
                if fact not in assigned:
                    return fact
        return None

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

    def explore(self) -> None:
        # breadth first: when the budget runs out, every period has been explored to the same depth
        queue: deque[tuple[int, Pairs, bool]] = deque((period, (), False) for period in range(len(self.points)))
        while queue:
            if self.nodes >= self.budget:
                self.complete = False
                self.frontier = list(queue)
                return
            period, pairs, below_leaf = queue.popleft()
            self.nodes += 1
            prepared, truth, outcome = self.evaluate(period, pairs)
            leaf = Leaf(period, pairs, prepared, outcome, self.nodes)
            self.note(leaf, truth)
            if not is_settled(outcome):
                assert isinstance(outcome, Escalation)
                fact = self.next_fact(outcome, pairs)
                if fact is None:
                    self.unsettled.append(leaf)
                    continue
                queue.extend((period, (*pairs, (fact, v)), below_leaf) for v in self.values(fact, period, pairs))
                continue
            if not below_leaf:
                self.leaves.append(leaf)
            fact = self.open_fact(truth, prepared, pairs)
            if fact is not None:
                queue.extend((period, (*pairs, (fact, v)), True) for v in self.values(fact, period, pairs))

    def sample(self, count: int) -> tuple[Sampling, list[Leaf]]:
        """Dive ``count`` times from a random node the exploration left unvisited down to a leaf,
        taking a random value wherever the tree branches.

        A dive goes where the exploration would have gone, so it reaches the rules that need
        several facts at once, and its leaf is as small a witness as an explored one.
        """
        drawn, sampler = _draw_dives(len(self.frontier), count)
        known = {outcome_key(leaf.outcome) for leaf in self.leaves}
        found: list[Leaf] = []
        settled = 0
        for number, (start, choices) in enumerate(drawn, start=self.nodes):
            leaf = self.dive(self.frontier[start], choices, number)
            if leaf is None:
                continue
            settled += 1
            key = outcome_key(leaf.outcome)
            self.sample_hits[key] = self.sample_hits.get(key, 0) + 1
            if key not in known:
                known.add(key)
                found.append(leaf)
        return Sampling(len(drawn), sampler, settled, len(found)), found

    def dive(self, start: tuple[int, Pairs, bool], choices: list[int], number: int) -> Leaf | None:
        """The first settled case on a random path from ``start`` (None when there is none, or the
        path starts below a leaf); the path goes on below it until every rule is settled."""
        period, pairs, below_leaf = start
        first: Leaf | None = None
        for step in itertools.count():
            prepared, truth, outcome = self.evaluate(period, pairs)
            leaf = Leaf(period, pairs, prepared, outcome, number, sampled=True)
            self.note(leaf, truth)
            if not is_settled(outcome):
                assert isinstance(outcome, Escalation)
                fact = self.next_fact(outcome, pairs)
            else:
                if not below_leaf and first is None:
                    first = leaf
                fact = self.open_fact(truth, prepared, pairs)
            if fact is None:
                return first
            options = self.values(fact, period, pairs)
            pairs = (*pairs, (fact, options[choices[step % len(choices)] % len(options)]))
        raise AssertionError("unreachable")  # pragma: no cover - itertools.count does not end


def _draw_dives(starts: int, count: int) -> tuple[list[tuple[int, list[int]]], str]:
    """``count`` random dives: where to start (of ``starts`` unvisited nodes) and the choices on the way."""
    if starts == 0:
        return [], "hypothesis"
    drawn: list[tuple[int, list[int]]] = []
    # imported here so that `import wiebetaalt` does not load Hypothesis
    try:
        from hypothesis import HealthCheck, Phase, given, settings, strategies
    except ModuleNotFoundError as error:
        if error.name != "hypothesis":
            raise
        # Hypothesis comes with the extra `testing`; without it the same draw comes from a seeded
        # generator, so the map is still the same on every run
        generator = random.Random(f"{starts}:{count}")
        return [(generator.randrange(starts), [generator.randrange(1 << 16) for _ in range(_DEPTH)])
                for _ in range(count)], "random"

    @settings(max_examples=count, database=None, derandomize=True, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    # one block of bytes per dive rather than a list of numbers: Hypothesis draws it in one step
    @given(strategies.integers(0, starts - 1), strategies.binary(min_size=2 * _DEPTH, max_size=2 * _DEPTH))
    def collect(start: int, block: bytes) -> None:
        # the engine is not called in here: Hypothesis only draws, so an engine error is never
        # mistaken for a failing example
        drawn.append((start, [int.from_bytes(block[i : i + 2], "big") for i in range(0, len(block), 2)]))

    collect()
    return drawn, "hypothesis"


def _peildata(framework: Framework) -> tuple[dt.date, ...]:
    """The first day of every period the framework treats alike, in order."""
    points = set(date_points(framework))
    items = [*framework.rules, *(s for f in framework.funders for s in f.party or [])]
    bounded = any(item.valid_from is not None or item.valid_to is not None for item in items)
    if bounded and any(rule.valid_from is None for rule in framework.rules):
        # a rule without a start is in force before the first bound too (a party source alone
        # decides nothing, so one without a start does not open a period)
        points.add(min(points) - dt.timedelta(days=1))
    for atom in framework_atoms(framework):
        if atom.field == "peildatum" and atom.op != "known":
            for value in atom.value if isinstance(atom.value, list) else [atom.value]:
                day = dt.date.fromisoformat(str(value))
                points |= {day, day + dt.timedelta(days=1)}
    return tuple(sorted(points))
