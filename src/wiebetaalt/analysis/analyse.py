"""A static map of a framework's grey zones: ``wiebetaalt analyse``.

The engine itself is the oracle. Starting from a case that holds only a peildatum (one for each
period in which the same rules are in force), :func:`analyse` decides the case; when the outcome
asks for missing facts, it fills in the first of them with one value of every class the framework
tells apart (:mod:`wiebetaalt.model.space`) and decides again, like a DPLL solver branching on a
variable. A case whose outcome is settled (a decision, or an escalation for another reason than
missing facts) is a leaf: a *kind of case* the framework treats alike. Every leaf is a partial case
that the engine decided, so it reproduces with ``wiebetaalt decide`` by construction; those partial
cases are the witnesses in the report.

Below a settled leaf the exploration goes on for rules that may still hold, filling in the facts of
their conditions, so that at the bottom every rule is certainly true or false. That is what makes
the two lists of rules that never fire exact: a rule true in no case at all (*dead*), and a rule
true somewhere but never part of an outcome because other rules always go before it (*shadowed*).

Where the tree is larger than the node budget, the exploration stops, says so (``complete`` is
false), and instead of cutting silently takes random paths through the part it did not visit,
with the choices drawn by Hypothesis.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import random
import string
import textwrap
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.case import CASE_FIELDS, Case, case_data, field_value
from ..engine.engine import Engine
from ..errors import CaseError
from ..model.framework import Example, Framework, Rule
from ..decision.outcome import Decision, Escalation, EscalationReason, Outcome, Resolver, Truth, undetermined
from ..model.space import OTHER_TEXT, FieldSpace, atoms, date_points, field_space, framework_atoms

#: Decisions the exploration may take before it stops and samples instead.
DEFAULT_BUDGET = 200_000
#: Random dives into the unvisited part of the tree when the budget is exceeded.
DEFAULT_SAMPLES = 1_000
# choices drawn per dive; a dive that needs more uses them again
_DEPTH = 48

#: What an outcome is, for grouping: "decision" or the reason of the escalation.
DECISION = "decision"

_MUNICIPALITIES = frozenset(
    path for path, ftype in CASE_FIELDS.items() if ftype.kind == "str" and "gemeente" in path.rpartition(".")[2]
)
# the case model checks the form of a postcode, so "Overig" cannot stand for the other postcodes
_OTHER_POSTCODE = "9999ZZ"
# Engine.prepare fills these from other fields; a fact asked for again after it was filled in
# comes from the field it is derived from (before the registration date of a move, the previous
# municipality is the BRP municipality).
_DERIVED_FROM = {"kind.brp_gemeente": ("kind.vorige_brp_gemeente",)}
_REASON_ORDER = {"no_rule": 0, "conflict": 1, "grey_zone": 2, "missing_facts": 3, DECISION: 4}

Pairs = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Kind:
    """A kind of case: every explored case with the same outcome reason and the same rules.

    ``cases`` counts the leaves of the exploration that fall in it; ``witness`` is the smallest of
    them, as a case file would hold it. ``peildata`` are the periods (by their first day) it occurs
    in. ``examples`` names the framework's examples that fall in it. ``samples`` counts the random
    cases in it when the exploration stopped early; ``sampled`` is true for a kind that only the
    sample found (its witness is a sampled case without the facts the outcome does not need).
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
    #: for gaps and conflicts: the witness of every leaf, smallest first
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
    """A declared grey-zone rule and the kinds of case that end in it."""

    rule: str
    title: str
    kinds: int
    cases: int
    witness: dict[str, Any]
    examples: tuple[str, ...] = ()
    samples: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "title": self.title, "kinds": self.kinds, "cases": self.cases,
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
    gaps_without_example: tuple[Kind, ...]
    conflicts_without_example: tuple[Kind, ...]
    #: examples whose case is not valid, so they exercise nothing
    invalid_examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "rules_exercised": list(self.rules_exercised),
            "rules_without_example": list(self.rules_without_example),
            "gaps_without_example": [{"rules": list(k.rules), "witness": k.witness} for k in self.gaps_without_example],
            "conflicts_without_example": [
                {"rules": list(k.rules), "witness": k.witness} for k in self.conflicts_without_example
            ],
            "invalid_examples": list(self.invalid_examples),
        }


@dataclass(frozen=True)
class Sampling:
    """The random dives taken after the budget ran out, and what they added.

    ``samples`` counts the dives, ``settled`` those that ended in a kind of case (a dive that
    starts below a leaf only refines the rules that hold), ``new_kinds`` the kinds the exploration
    had not reached.
    """

    samples: int
    sampler: str
    settled: int
    new_kinds: int

    def to_dict(self) -> dict[str, Any]:
        return {"samples": self.samples, "sampler": self.sampler, "settled": self.settled, "new_kinds": self.new_kinds}


@dataclass(frozen=True)
class Analysis:
    """The grey-zone map of one framework; :func:`format_analysis` writes it for people."""

    framework: str
    title: str
    version: str
    complete: bool
    nodes: int
    budget: int
    peildata: tuple[dt.date, ...]
    kinds: tuple[Kind, ...]
    gaps: tuple[Kind, ...]
    conflicts: tuple[Kind, ...]
    grey_zones: tuple[GreyZone, ...]
    dead_rules: tuple[RuleFinding, ...]
    shadowed_rules: tuple[RuleFinding, ...]
    #: leaves where the engine keeps asking for facts the exploration already filled in
    unsettled: tuple[Kind, ...]
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
            "kinds": len(self.kinds),
            "gaps": [k.to_dict() for k in self.gaps],
            "conflicts": [k.to_dict() for k in self.conflicts],
            "grey_zones": [g.to_dict() for g in self.grey_zones],
            "dead_rules": [f.to_dict() for f in self.dead_rules],
            "shadowed_rules": [f.to_dict() for f in self.shadowed_rules],
            "unsettled": [k.to_dict() for k in self.unsettled],
            "decisions": [k.to_dict() for k in self.kinds if k.reason == DECISION],
            "coverage": self.coverage.to_dict(),
            "sampling": self.sampling.to_dict() if self.sampling else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Leaf:
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


def _key(outcome: Outcome) -> tuple[str, tuple[str, ...]]:
    return (outcome.reason.value if isinstance(outcome, Escalation) else DECISION, outcome.rules)


def _settled(outcome: Outcome) -> bool:
    return not (isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS)


class _Explorer:
    """One exploration: the tree of partial cases, and what it found on the way."""

    def __init__(self, framework: Framework, engine: Engine, budget: int) -> None:
        self.fw = framework
        self.engine = engine
        self.budget = budget
        # The engine's own resolver would do; a separate one keeps the engine's state out of it and
        # skips Engine.decide's extra work for missing facts, which the exploration branches on.
        self.resolver = Resolver(framework)
        self.points = _peildata(framework)
        self.rule_ids = frozenset(r.id for r in framework.rules)
        self.order = {r.id: i for i, r in reversed(list(enumerate(framework.rules)))}
        self.versions: dict[str, list[Rule]] = {}
        for rule in framework.rules:
            self.versions.setdefault(rule.id, []).append(rule)
        self.weights = {
            part.weight_field for f in framework.funders if f.split is not None for part in f.split.parts if part.weight_field
        }
        self.spaces: dict[tuple[str, dt.date], FieldSpace] = {}
        self.nodes = 0
        self.complete = True
        self.leaves: list[_Leaf] = []
        self.unsettled: list[_Leaf] = []
        self.true_rules: set[str] = set()
        self.in_outcome: set[str] = set()
        #: per rule: the smallest case in which it holds, a settled one before one that asks for facts
        self.holds: dict[str, tuple[tuple[bool, int, int], _Leaf]] = {}
        #: the nodes left unvisited when the budget ran out
        self.frontier: list[tuple[int, Pairs, bool]] = []
        #: per kind: how many random cases fell in it
        self.sample_hits: dict[tuple[str, tuple[str, ...]], int] = {}

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
        if ftype.kind == "str":
            named = [v for v in values if v in space.named]
            if path == "kind.postcode":
                return [*named, _OTHER_POSTCODE]
            if path in _MUNICIPALITIES:
                # a municipality the same as one already filled in, or a new one: the two
                # municipalities of a split, or the BRP and school municipality, may be the same
                earlier = [v for p, v in pairs if p in _MUNICIPALITIES and v not in named]
                taken = set(named) | set(earlier)
                fresh = next(f"Plaats {letter}" for letter in string.ascii_uppercase if f"Plaats {letter}" not in taken)
                return list(dict.fromkeys([*named, *earlier, fresh]))
            other = OTHER_TEXT if OTHER_TEXT not in named else f"{OTHER_TEXT} (ander)"
            return [*named, other]
        if path in self.weights and ftype.kind == "int":
            # a weight counts as a number, so its extremes are where shares run out
            extremes = [v for v in (ftype.minimum, ftype.maximum) if v is not None]
            values = sorted(set(values) | set(extremes))
        return values

    def evaluate(self, period: int, pairs: Pairs) -> tuple[Case, Truth, Outcome]:
        prepared = self.engine.prepare(case_data(self.points[period], pairs))
        truth = self.engine.match(prepared)
        return prepared, truth, self.resolver.resolve(prepared, truth)

    def next_fact(self, outcome: Escalation, pairs: Pairs) -> str | None:
        assigned = {p for p, _ in pairs}
        for fact in outcome.missing_facts:
            if fact not in assigned:
                return fact
        for fact in outcome.missing_facts:
            for source in _DERIVED_FROM.get(fact, ()):
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

    def note(self, leaf: _Leaf, truth: Truth) -> None:
        """Record the rules that hold in a case and, once it is settled, the rules its outcome rests on."""
        settled = _settled(leaf.outcome)
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
            leaf = _Leaf(period, pairs, prepared, outcome, self.nodes)
            self.note(leaf, truth)
            if not _settled(outcome):
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

    def sample(self, count: int) -> tuple[Sampling, list[_Leaf]]:
        """Dive ``count`` times from a random node the exploration left unvisited down to a leaf,
        taking a random value wherever the tree branches.

        A dive goes where the exploration would have gone, so it reaches the rules that need
        several facts at once, and its leaf is as small a witness as an explored one.
        """
        drawn, sampler = _draw_dives(len(self.frontier), count)
        known = {_key(leaf.outcome) for leaf in self.leaves}
        found: list[_Leaf] = []
        settled = 0
        for number, (start, choices) in enumerate(drawn, start=self.nodes):
            leaf = self.dive(self.frontier[start], choices, number)
            if leaf is None:
                continue
            settled += 1
            key = _key(leaf.outcome)
            self.sample_hits[key] = self.sample_hits.get(key, 0) + 1
            if key not in known:
                known.add(key)
                found.append(leaf)
        return Sampling(len(drawn), sampler, settled, len(found)), found

    def dive(self, start: tuple[int, Pairs, bool], choices: list[int], number: int) -> _Leaf | None:
        """The first settled case on a random path from ``start`` (None when there is none, or the
        path starts below a leaf); the path goes on below it until every rule is settled."""
        period, pairs, below_leaf = start
        first: _Leaf | None = None
        for step in itertools.count():
            prepared, truth, outcome = self.evaluate(period, pairs)
            leaf = _Leaf(period, pairs, prepared, outcome, number, sampled=True)
            self.note(leaf, truth)
            if not _settled(outcome):
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


def _atoms_true(rule: Rule, case: Case) -> int:
    return sum(undetermined(atom, case)[0] is True for atom in atoms(rule.when))


def _group(explorer: _Explorer, leaves: list[_Leaf]) -> dict[tuple[str, tuple[str, ...]], list[_Leaf]]:
    groups: dict[tuple[str, tuple[str, ...]], list[_Leaf]] = {}
    for leaf in leaves:
        groups.setdefault(_key(leaf.outcome), []).append(leaf)
    for group in groups.values():
        group.sort(key=_Leaf.size)
    return groups


def _kind(explorer: _Explorer, key: tuple[str, tuple[str, ...]], leaves: list[_Leaf], examples: tuple[str, ...],
          every: bool = False) -> Kind:
    first = leaves[0]
    funder = first.outcome.funder if isinstance(first.outcome, Decision) else None
    explored = [leaf for leaf in leaves if not leaf.sampled]
    return Kind(
        reason=key[0], rules=key[1], funder=funder, cases=len(explored),
        witness=case_data(explorer.points[first.period], first.pairs),
        peildata=tuple(explorer.points[p] for p in sorted({leaf.period for leaf in leaves})),
        examples=examples, samples=explorer.sample_hits.get(key, 0), sampled=not explored,
        all_witnesses=tuple(case_data(explorer.points[leaf.period], leaf.pairs) for leaf in leaves) if every else (),
    )


class _Examples:
    """The framework's examples, decided once, and which leaves they fall in."""

    def __init__(self, explorer: _Explorer, examples: tuple[Example, ...]) -> None:
        self.explorer = explorer
        self.decided: list[tuple[str, Case, int]] = []
        self.rules: set[str] = set()
        self.invalid: list[str] = []
        for example in examples:
            try:
                prepared = explorer.engine.prepare(example.case)
            except CaseError:
                self.invalid.append(example.name)
                continue
            outcome = explorer.resolver.resolve(prepared, explorer.engine.match(prepared))
            self.rules.update(outcome.rules)
            period = bisect.bisect_right(explorer.points, prepared.peildatum) - 1
            self.decided.append((example.name, prepared, period))

    def falling_in(self, leaves: list[_Leaf]) -> tuple[str, ...]:
        """The examples that fall in one of ``leaves``: for every fact the leaf filled in, the
        example's value is of the same class."""
        names = []
        for name, case, period in self.decided:
            for leaf in leaves:
                if leaf.period == period and all(
                    self.explorer.space(path, period).value_class(field_value(case, path))
                    == self.explorer.space(path, period).value_class(field_value(leaf.prepared, path))
                    for path, _ in leaf.pairs
                ):
                    names.append(name)
                    break
        return tuple(names)


def analyse(framework: Framework, *, engine: Engine | None = None, budget: int = DEFAULT_BUDGET,
            samples: int = DEFAULT_SAMPLES, examples: Sequence[Example] | None = None) -> Analysis:
    """Map every kind of case ``framework`` distinguishes: gaps, conflicts, grey zones, rules that
    never fire, and what its examples cover.

    Args:
        framework: a loaded framework (:func:`~wiebetaalt.load.loader.load_framework`); an overlay is
            analysed as the merged framework it loads as.
        engine: the engine to decide with, for this framework; by default a new one, closed afterwards.
        budget: the most decisions the exploration takes; beyond it the analysis is not complete
            (``complete`` false) and ``samples`` random cases are decided instead.
        samples: how many random cases to decide when the budget is exceeded.
        examples: the examples whose coverage is reported; by default the framework's own. For an
            overlay, whose own examples cover only its own rules, pass those of the frameworks it
            extends too (:func:`~wiebetaalt.load.loader.inherited_examples`).

    Raises:
        ValueError: ``engine`` was built for another framework, or ``budget`` is not positive.
        EvaluationError: the matching engine failed.
    """
    if engine is not None and engine.framework is not framework and engine.framework != framework:
        raise ValueError("the engine was built for another framework")
    if budget < 1:
        raise ValueError("the budget must be at least 1")
    started = time.perf_counter()
    own = engine is None
    used = Engine(framework) if engine is None else engine
    try:
        explorer = _Explorer(framework, used, budget)
        explorer.explore()
        sampling: Sampling | None = None
        sampled: list[_Leaf] = []
        if not explorer.complete:
            sampling, sampled = explorer.sample(samples)
        return _report(explorer, sampled, sampling, started,
                       tuple(framework.examples) if examples is None else tuple(examples))
    finally:
        if own:
            used.close()


def _report(explorer: _Explorer, sampled: list[_Leaf], sampling: Sampling | None, started: float,
            chosen: tuple[Example, ...]) -> Analysis:
    fw = explorer.fw
    examples = _Examples(explorer, chosen)
    groups = _group(explorer, [*explorer.leaves, *sampled])
    order = explorer.order

    def sort_key(key: tuple[str, tuple[str, ...]]) -> tuple[int, list[int], tuple[int, int]]:
        return _REASON_ORDER[key[0]], [order[r] for r in key[1] if r in order], groups[key][0].size()

    kinds: list[Kind] = []
    for key in sorted(groups, key=sort_key):
        leaves = groups[key]
        problem = key[0] in ("no_rule", "conflict")
        falling = examples.falling_in(leaves) if key[0] != DECISION else ()
        kinds.append(_kind(explorer, key, leaves, falling, every=problem))
    gaps = tuple(k for k in kinds if k.reason == "no_rule")
    conflicts = tuple(k for k in kinds if k.reason == "conflict")

    grey: list[GreyZone] = []
    for rule in fw.rules:
        if not rule.grey_zone or any(g.rule == rule.id for g in grey):
            continue
        inside = [k for k in kinds if k.reason == "grey_zone" and rule.id in k.rules]
        if not inside:
            continue
        leaves = sorted((leaf for k in inside for leaf in groups[(k.reason, k.rules)]), key=_Leaf.size)
        grey.append(GreyZone(
            rule.id, rule.title, len(inside), sum(k.cases for k in inside),
            case_data(explorer.points[leaves[0].period], leaves[0].pairs),
            tuple(dict.fromkeys(name for k in inside for name in k.examples)),
            sum(k.samples for k in inside),
        ))

    certain = explorer.complete
    dead: list[RuleFinding] = []
    shadowed: list[RuleFinding] = []
    seen: set[str] = set()
    all_leaves = [*explorer.leaves, *sampled]
    for rule in fw.rules:
        if rule.id in seen:
            continue
        seen.add(rule.id)
        if rule.id not in explorer.true_rules:
            dead.append(_dead(explorer, rule, all_leaves, certain))
        elif rule.id not in explorer.in_outcome:
            leaf = explorer.holds[rule.id][1]
            shadowed.append(RuleFinding(rule.id, rule.title, case_data(explorer.points[leaf.period], leaf.pairs),
                                        _beaten(explorer, rule, leaf), leaf.outcome.rules, certain))

    unsettled_groups = _group(explorer, explorer.unsettled)
    unsettled = tuple(_kind(explorer, key, leaves, ()) for key, leaves in unsettled_groups.items())

    rule_ids = list(dict.fromkeys(r.id for r in fw.rules))
    coverage = Coverage(
        examples=len(chosen),
        rules_exercised=tuple(r for r in rule_ids if r in examples.rules),
        rules_without_example=tuple(r for r in rule_ids if r not in examples.rules),
        gaps_without_example=tuple(k for k in gaps if not k.examples),
        conflicts_without_example=tuple(k for k in conflicts if not k.examples),
        invalid_examples=tuple(examples.invalid),
    )
    return Analysis(
        framework=fw.framework, title=fw.title, version=fw.version, complete=explorer.complete,
        nodes=explorer.nodes, budget=explorer.budget, peildata=explorer.points, kinds=tuple(kinds),
        gaps=gaps, conflicts=conflicts, grey_zones=tuple(grey), dead_rules=tuple(dead),
        shadowed_rules=tuple(shadowed), unsettled=unsettled, coverage=coverage, sampling=sampling,
        seconds=time.perf_counter() - started,
    )


def _beaten(explorer: _Explorer, rule: Rule, leaf: _Leaf) -> str:
    """Why ``rule`` holds in the case of ``leaf`` but is not part of its outcome, in Dutch."""
    outcome = leaf.outcome
    by = outcome.rules
    names = ", ".join(by)
    overriders = explorer.resolver.overriders(rule.id) & set(by)
    if overriders:
        return f"geldt, maar regel {', '.join(r for r in by if r in overriders)} gaat altijd voor (overrides)"
    rank = {domain: i for i, domain in enumerate(explorer.fw.precedence)}
    higher = [explorer.rule_in_force(r, explorer.points[leaf.period]).domain for r in by]
    if higher and all(rank[d] < rank[rule.domain] for d in higher):
        return f"geldt, maar {higher[0]} is voorliggend op {rule.domain} (regel {names})"
    if isinstance(outcome, Escalation) and outcome.reason is EscalationReason.GREY_ZONE:
        return f"geldt, maar het grijze gebied van regel {names} gaat voor"
    return f"geldt, maar de uitkomst volgt steeds uit regel {names}" if by else "geldt, maar beslist nooit"


def _dead(explorer: _Explorer, rule: Rule, leaves: list[_Leaf], certain: bool) -> RuleFinding:
    """A rule true in no case; its witness is the case in its period that comes closest."""
    versions = explorer.versions[rule.id]
    best: tuple[int, tuple[int, int]] | None = None
    witness: dict[str, Any] = {"peildatum": (rule.valid_from or explorer.points[0]).isoformat()}
    for leaf in leaves:
        day = explorer.points[leaf.period]
        if not any(version.in_force(day) for version in versions):
            continue
        score = (-_atoms_true(explorer.rule_in_force(rule.id, day), leaf.prepared), leaf.size())
        if best is None or score < best:
            best = score
            witness = case_data(day, leaf.pairs)
    if any(version.in_force(day) for day in explorer.points for version in versions):
        why = "de voorwaarde geldt in geen enkele casus"
    else:
        why = "de regel is op geen enkele peildatum van kracht"
    if not certain:
        why += " van het verkende deel of de steekproef"
    return RuleFinding(rule.id, rule.title, witness, why, (), certain)


# ---------------------------------------------------------------------------------------- text


#: Witnesses of one gap or conflict shown in the text; --json has all of them.
_SHOWN = 5


def _number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _cases(n: int) -> str:
    return "1 geval" if n == 1 else f"{_number(n)} gevallen"


def _flow(value: Any) -> str:
    """A case on one line, as YAML flow style reads it (paste it into a case file)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    text = str(value)
    if not text or text != text.strip() or any(c in text for c in ",[]{}#\"'") or ": " in text:
        return json.dumps(text, ensure_ascii=False)
    return text


def _wrapped(prefix: str, text: str, indent: str) -> list[str]:
    return textwrap.wrap(prefix + text, width=100, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False)


def _what(kind: Kind) -> str:
    rules = ", ".join(kind.rules)
    if kind.reason == "no_rule":
        # with rules, a rule applies but the party it points to cannot be found on that peildatum
        return f"regel {rules} geldt, maar de betalende partij is niet te bepalen" if kind.rules else "geen regel van toepassing"
    if kind.reason == "conflict":
        return f"regels {rules}"
    return f"regels {rules}" if kind.rules else "geen regels"


def _found(cases: int, samples: int) -> str:
    if not cases and samples:
        return f"alleen in de steekproef: {_cases(samples)}"
    return _cases(cases) + (f", {_number(samples)} in de steekproef" if samples else "")


def _kind_lines(kind: Kind) -> Iterator[str]:
    found = _found(kind.cases, kind.samples)
    days = ", ".join(d.isoformat() for d in kind.peildata)
    periods = "de periode" if len(kind.peildata) == 1 else "de perioden"
    yield from _wrapped(f"  - {_what(kind)} ({found}; in {periods} vanaf {days})", "", "    ")
    witnesses = kind.all_witnesses or (kind.witness,)
    if len(witnesses) == 1:
        yield from _wrapped("    getuige: ", _flow(kind.witness), "      ")
    else:
        yield "    getuigen:"
        for witness in witnesses[:_SHOWN]:
            yield from _wrapped("      - ", _flow(witness), "        ")
        if len(witnesses) > _SHOWN:
            yield f"      en {_number(len(witnesses) - _SHOWN)} meer (alle getuigen staan in --json)"
    yield f"    voorbeelden: {', '.join(kind.examples) if kind.examples else 'geen'}"


def format_analysis(analysis: Analysis, source: str | None = None) -> str:
    """The map as Dutch text for a terminal. Time is left out, so that the text is reproducible."""
    a = analysis
    lines = [f"Grijze-gebiedenkaart van {source or a.framework}: {a.title} (versie {a.version})"]
    if a.complete:
        days = "1 peildatum" if len(a.peildata) == 1 else f"{len(a.peildata)} peildata"
        lines.append(f"Volledig verkend: {days}, {_number(a.nodes)} knopen, "
                     f"{_number(len(a.kinds))} soorten casus.")
    else:
        lines.append(f"NIET volledig verkend: na {_number(a.nodes)} knopen is het budget ({_number(a.budget)}) op.")
        if a.sampling:
            lines += _wrapped(f"De rest is met een steekproef bekeken ({a.sampling.sampler}): "
                              f"{_number(a.sampling.samples)} willekeurige paden door het niet-verkende deel, "
                              f"{_number(a.sampling.settled)} met een uitkomst, {_number(a.sampling.new_kinds)} "
                              "nieuwe soorten casus.", "", "")
        lines.append("Wat hieronder staat, geldt voor het verkende deel en de steekproef; er kan meer zijn.")
    lines.append("")

    lines.append(f"Gaten (geen regel beslist): {len(a.gaps) or 'geen'}")
    for kind in a.gaps:
        lines += _kind_lines(kind)
    lines.append(f"Conflicten (verschillende betalers, geen regel gaat voor): {len(a.conflicts) or 'geen'}")
    for kind in a.conflicts:
        lines += _kind_lines(kind)
    lines.append(f"Grijze gebieden (verklaard door het kader): {len(a.grey_zones) or 'geen'}")
    for zone in a.grey_zones:
        kinds = "1 soort casus" if zone.kinds == 1 else f"{zone.kinds} soorten casus"
        lines += _wrapped(f"  - {zone.rule}: {kinds}, {_found(zone.cases, zone.samples)}", "", "    ")
        lines += _wrapped("    getuige: ", _flow(zone.witness), "      ")
    lines.append(f"Regels die nooit gelden: {len(a.dead_rules) or 'geen'}")
    for finding in a.dead_rules:
        lines += _wrapped(f"  - {finding.rule}: {finding.reason}", "", "    ")
        lines += _wrapped("    dichtstbij: ", _flow(finding.witness), "      ")
    lines.append(f"Regels die wel gelden maar nooit beslissen: {len(a.shadowed_rules) or 'geen'}")
    for finding in a.shadowed_rules:
        lines += _wrapped(f"  - {finding.rule}: {finding.reason}", "", "    ")
        lines += _wrapped("    getuige: ", _flow(finding.witness), "      ")
    if a.unsettled:
        lines.append(f"Onbeslist (de engine blijft om ingevulde feiten vragen): {len(a.unsettled)}")
        for kind in a.unsettled:
            lines += _kind_lines(kind)
    decisions = sum(k.reason == DECISION for k in a.kinds)
    lines.append(f"Besluiten: {_number(decisions)} soorten casus, "
                 f"{_cases(sum(k.cases for k in a.kinds if k.reason == DECISION))}.")

    c = a.coverage
    lines.append("")
    lines.append(f"Dekking door de voorbeelden ({c.examples}):")
    total = len(c.rules_exercised) + len(c.rules_without_example)
    lines.append(f"  regels met een voorbeeld: {len(c.rules_exercised)} van {total}")
    if c.rules_without_example:
        lines += _wrapped("  regels zonder voorbeeld: ", ", ".join(c.rules_without_example), "    ")
    lines.append(f"  gaten zonder voorbeeld: {len(c.gaps_without_example)} van {len(a.gaps)}")
    lines.append(f"  conflicten zonder voorbeeld: {len(c.conflicts_without_example)} van {len(a.conflicts)}")
    if c.invalid_examples:
        lines += _wrapped("  voorbeelden met een ongeldige casus: ", ", ".join(c.invalid_examples), "    ")
    return "\n".join(lines) + "\n"
