"""A static map of a framework's grey zones: ``wiebetaalt analyse``.

The engine itself is the oracle: :func:`analyse` explores the tree of partial cases the framework
tells apart (:mod:`wiebetaalt.analysis.explore`), deciding each with the engine, and groups the
leaves by their outcome into classes of cases the framework treats alike
(:class:`~wiebetaalt.analysis.findings.CaseClass`). Every leaf is a partial case that the engine
decided, so it reproduces with ``wiebetaalt decide`` by construction; those partial cases are the
witnesses in the report.

Because the exploration goes on below a leaf until every rule is certainly true or false, the two
lists of rules that never fire are exact: a rule true in no case at all (*dead*), and a rule true
somewhere but never part of an outcome because other rules always go before it (*shadowed*).
Where the tree is larger than the node budget, the exploration stops, says so (``complete`` is
false), and instead of cutting silently takes random paths through the part it did not visit.
The map is :class:`~wiebetaalt.analysis.findings.Analysis`; :mod:`wiebetaalt.analysis.text` writes
it in Dutch.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Sequence
from typing import Any

from ..decision.open_facts import undetermined
from ..decision.outcome import Decision, Escalation, EscalationReason
from ..engine.engine import Engine
from ..engine.presume import with_values
from ..errors import CaseError
from ..model.case import Case, field_value, parse_case
from ..model.conditions import atoms
from ..model.framework import Example, Framework, Rule
from .explore import Explorer, Key, Leaf, Pairs, outcome_key
from .findings import DECISION, Analysis, CaseClass, Coverage, GreyZone, RuleFinding, Sampling
from .sample import sample
from .text import dead_reason, follows_reason, grey_reason, overridden_reason, set_aside_reason

#: Decisions the exploration may take before it stops and samples instead.
DEFAULT_BUDGET = 200_000
#: Random dives into the unvisited part of the tree when the budget is exceeded.
DEFAULT_SAMPLES = 1_000

# the outcomes that are findings: each way of reaching one is an entry of its own
_PROBLEMS = ("no_rule", "conflict")
# the order of the classes of cases in the map: problems first
_REASON_ORDER = {"no_rule": 0, "conflict": 1, "grey_zone": 2, "missing_facts": 3, "party_unknown": 4, DECISION: 5}


def analyse(framework: Framework, *, engine: Engine | None = None, budget: int = DEFAULT_BUDGET,
            samples: int = DEFAULT_SAMPLES, examples: Sequence[Example] | None = None) -> Analysis:
    """Map every class of cases ``framework`` tells apart: gaps, conflicts, grey zones, rules that
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
        explorer = Explorer(framework, used, budget)
        explorer.explore()
        sampling: Sampling | None = None
        sampled: list[Leaf] = []
        if not explorer.complete:
            sampling, sampled = sample(explorer, samples)
        return _findings(explorer, sampled, sampling, started,
                         tuple(framework.examples) if examples is None else tuple(examples))
    finally:
        if own:
            used.close()


def _findings(explorer: Explorer, sampled: list[Leaf], sampling: Sampling | None, started: float,
              chosen: tuple[Example, ...]) -> Analysis:
    fw = explorer.fw
    examples = _Examples(explorer, chosen)
    found = _Entries(explorer).add_all([*explorer.leaves, *sampled])
    order = explorer.order

    def sort_key(entry: _Entry) -> tuple[int, list[int], tuple[int, int]]:
        return _REASON_ORDER[entry.key[0]], [order[r] for r in entry.key[1] if r in order], entry.size()

    classes: list[CaseClass] = []
    for entry in sorted(found, key=sort_key):
        problem = entry.key[0] in _PROBLEMS
        falling = examples.falling_in(entry.leaves) if entry.key[0] != DECISION else ()
        classes.append(entry.case_class(explorer, falling, every=problem))
    gaps = tuple(c for c in classes if c.reason == "no_rule")
    conflicts = tuple(c for c in classes if c.reason == "conflict")

    grey: list[GreyZone] = []
    for rule in fw.rules:
        if not rule.grey_zone or any(g.rule == rule.id for g in grey):
            continue
        inside = [c for c in classes if c.reason == "grey_zone" and rule.id in c.rules]
        if not inside:
            continue
        smallest = min(inside, key=lambda c: (len(c.witness), classes.index(c)))
        grey.append(GreyZone(
            rule.id, rule.title, len(inside), sum(c.cases for c in inside), smallest.witness,
            tuple(dict.fromkeys(name for c in inside for name in c.examples)),
            sum(c.samples for c in inside),
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
            shadowed.append(RuleFinding(rule.id, rule.title, explorer.case(leaf.period, explorer.minimal(leaf, rule.id)),
                                        _beaten(explorer, rule, leaf), leaf.outcome.rules, certain))

    stuck = _Entries(explorer, minimise=False).add_all(explorer.unsettled)
    unsettled = tuple(entry.case_class(explorer, ()) for entry in stuck)

    rule_ids = list(dict.fromkeys(r.id for r in fw.rules))
    coverage = Coverage(
        examples=len(chosen),
        rules_exercised=tuple(r for r in rule_ids if r in examples.rules),
        rules_without_example=tuple(r for r in rule_ids if r not in examples.rules),
        gaps_without_example=tuple(c for c in gaps if not c.examples),
        conflicts_without_example=tuple(c for c in conflicts if not c.examples),
        invalid_examples=tuple(examples.invalid),
    )
    return Analysis(
        framework=fw.framework, title=fw.title, version=fw.version, complete=explorer.complete,
        nodes=explorer.nodes, budget=explorer.budget, peildata=explorer.points,
        case_classes=tuple(classes),
        gaps=gaps, conflicts=conflicts, grey_zones=tuple(grey), dead_rules=tuple(dead),
        shadowed_rules=tuple(shadowed), unsettled=unsettled, coverage=coverage, sampling=sampling,
        seconds=time.perf_counter() - started,
    )


class _Entry:
    """One class of cases: an outcome key and, for a gap or conflict, the facts that make it (the
    fields of its minimal witnesses); the leaves that fall in it, and its minimal witnesses."""

    def __init__(self, key: Key) -> None:
        self.key = key
        self.leaves: list[Leaf] = []
        #: per minimal witness (its facts): the period it was made minimal in
        self.witnesses: dict[Pairs, int] = {}

    def size(self) -> tuple[int, int]:
        return min(len(pairs) for pairs in self.witnesses), self.leaves[0].seq

    def cases(self) -> int:
        """How many cases of this class the exploration tells apart: its leaves, each with only the
        facts of the class's witnesses (the facts a leaf holds beyond them do not make the class)."""
        fields = {field for pairs in self.witnesses for field, _ in pairs}
        return len({frozenset((f, v) for f, v in leaf.pairs if f in fields)
                    for leaf in self.leaves if not leaf.sampled})

    def case_class(self, explorer: Explorer, examples: tuple[str, ...], every: bool = False) -> CaseClass:
        first = self.leaves[0]
        funder = first.outcome.funder if isinstance(first.outcome, Decision) else None
        shown = sorted(self.witnesses.items(), key=lambda item: len(item[0]))
        witnesses = tuple(explorer.case(period, pairs) for pairs, period in shown)
        return CaseClass(
            reason=self.key[0], rules=self.key[1], funder=funder, cases=self.cases(), witness=witnesses[0],
            peildata=tuple(explorer.points[p] for p in sorted({p for leaf in self.leaves for p in leaf.periods})),
            examples=examples, samples=explorer.sample_hits.get(self.key, 0),
            sampled=all(leaf.sampled for leaf in self.leaves), all_witnesses=witnesses if every else (),
        )


class _Entries:
    """The leaves of an exploration as classes of cases, each with a minimal witness
    (:meth:`~wiebetaalt.analysis.explore.Explorer.minimal`).

    A gap or a conflict is a class per outcome key and set of facts that make it: every leaf is made
    minimal, so that two gaps that need different facts are two findings, each with all its
    witnesses. Any other outcome is a class per key, with the smallest leaf made minimal."""

    def __init__(self, explorer: Explorer, minimise: bool = True) -> None:
        self.explorer = explorer
        self.minimise = minimise
        self.found: dict[tuple[Key, frozenset[str]], _Entry] = {}
        #: per outcome key of a gap or conflict: the minimal witnesses found so far, with the
        #: period each holds in
        self.known: dict[Key, list[tuple[frozenset[tuple[str, Any]], int, _Entry]]] = {}

    def add_all(self, leaves: list[Leaf]) -> list[_Entry]:
        for leaf in sorted(leaves, key=Leaf.size):
            self.add(leaf)
        return list(self.found.values())

    def add(self, leaf: Leaf) -> None:
        key = outcome_key(leaf.outcome)
        if key[0] not in _PROBLEMS or not self.minimise:
            entry = self.found.get((key, frozenset()))
            if entry is None:
                # the smallest leaf comes first, and gives the witness
                entry = self.found[(key, frozenset())] = _Entry(key)
                entry.witnesses[self.explorer.minimal(leaf) if self.minimise else leaf.pairs] = leaf.period
            entry.leaves.append(leaf)
            return
        pairs = set(leaf.pairs)
        # a leaf that holds a minimal witness found before, in one of its periods, is a larger case
        # of the same class: minimising it again would only find that witness or one like it
        for witness, period, entry in self.known.get(key, ()):
            if period in leaf.periods and witness <= pairs:
                entry.leaves.append(leaf)
                return
        minimal = self.explorer.minimal(leaf)
        identity = (key, frozenset(field for field, _ in minimal))
        entry = self.found.get(identity)
        if entry is None:
            entry = self.found[identity] = _Entry(key)
        entry.leaves.append(leaf)
        entry.witnesses.setdefault(minimal, leaf.period)
        self.known.setdefault(key, []).append((frozenset(minimal), leaf.period, entry))


class _Examples:
    """The framework's examples, decided once, and which leaves they fall in."""

    def __init__(self, explorer: Explorer, examples: tuple[Example, ...]) -> None:
        self.explorer = explorer
        self.decided: list[tuple[str, Case, int]] = []
        self.rules: set[str] = set()
        self.invalid: list[str] = []
        for example in examples:
            try:
                # as `wiebetaalt test` decides it: with the presumptions, unless the example says not to
                outcome = explorer.engine.decide(example.case, settle=False, presume=example.presume)
                presumed = {p.field: p.value for p in outcome.presumptions}
                prepared = explorer.engine.prepare(with_values(parse_case(example.case), presumed))
            except CaseError:
                self.invalid.append(example.name)
                continue
            self.rules.update(outcome.rules)
            period = bisect.bisect_right(explorer.points, prepared.peildatum) - 1
            self.decided.append((example.name, prepared, period))

    def falling_in(self, leaves: list[Leaf]) -> tuple[str, ...]:
        """The examples that fall in one of ``leaves``: for every fact the leaf filled in, the
        example's value is of the same class."""
        names = []
        for name, case, period in self.decided:
            for leaf in leaves:
                if period in leaf.periods and all(
                    self.explorer.space(path, period).value_class(field_value(case, path))
                    == self.explorer.space(path, period).value_class(field_value(leaf.prepared, path))
                    for path, _ in leaf.pairs
                ):
                    names.append(name)
                    break
        return tuple(names)


def _beaten(explorer: Explorer, rule: Rule, leaf: Leaf) -> str:
    """Why ``rule`` holds in the case of ``leaf`` but is not part of its outcome, in Dutch."""
    outcome = leaf.outcome
    by = outcome.rules
    overriders = explorer.resolver.overriders(rule.id) & set(by)
    if overriders:
        return overridden_reason([r for r in by if r in overriders])
    rank = {domain: i for i, domain in enumerate(explorer.fw.precedence)}
    higher = [explorer.rule_in_force(r, explorer.points[leaf.period]).domain for r in by]
    if higher and all(rank[d] < rank[rule.domain] for d in higher):
        return set_aside_reason(rule.domain, higher[0], by)
    if isinstance(outcome, Escalation) and outcome.reason is EscalationReason.GREY_ZONE:
        return grey_reason(by)
    return follows_reason(by)


def _dead(explorer: Explorer, rule: Rule, leaves: list[Leaf], certain: bool) -> RuleFinding:
    """A rule true in no case; its witness is the case in its period that comes closest."""
    versions = explorer.versions[rule.id]
    best: tuple[int, tuple[int, int]] | None = None
    witness: dict[str, Any] = {"peildatum": (rule.valid_from or explorer.points[0]).isoformat()}
    for leaf in leaves:
        period = next((p for p in leaf.periods
                       if any(version.in_force(explorer.points[p]) for version in versions)), None)
        if period is None:
            continue
        day = explorer.points[period]
        score = (-_atoms_true(explorer.rule_in_force(rule.id, day), leaf.prepared), leaf.size())
        if best is None or score < best:
            best = score
            witness = explorer.case(period, leaf.pairs)
    in_force = any(version.in_force(day) for day in explorer.points for version in versions)
    return RuleFinding(rule.id, rule.title, witness, dead_reason(in_force, certain), (), certain)


def _atoms_true(rule: Rule, case: Case) -> int:
    return sum(undetermined(atom, case)[0] is True for atom in atoms(rule.when))
