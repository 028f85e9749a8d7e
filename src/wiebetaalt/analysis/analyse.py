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
from ..model.case import Case, case_data, field_value, parse_case
from ..model.conditions import atoms
from ..model.framework import Example, Framework, Rule
from .explore import Explorer, Key, Leaf, outcome_key
from .findings import DECISION, Analysis, CaseClass, Coverage, GreyZone, RuleFinding, Sampling
from .text import dead_reason, follows_reason, grey_reason, overridden_reason, set_aside_reason

#: Decisions the exploration may take before it stops and samples instead.
DEFAULT_BUDGET = 200_000
#: Random dives into the unvisited part of the tree when the budget is exceeded.
DEFAULT_SAMPLES = 1_000

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
            sampling, sampled = explorer.sample(samples)
        return _findings(explorer, sampled, sampling, started,
                         tuple(framework.examples) if examples is None else tuple(examples))
    finally:
        if own:
            used.close()


def _findings(explorer: Explorer, sampled: list[Leaf], sampling: Sampling | None, started: float,
              chosen: tuple[Example, ...]) -> Analysis:
    fw = explorer.fw
    examples = _Examples(explorer, chosen)
    groups = _group([*explorer.leaves, *sampled])
    order = explorer.order

    def sort_key(key: Key) -> tuple[int, list[int], tuple[int, int]]:
        return _REASON_ORDER[key[0]], [order[r] for r in key[1] if r in order], groups[key][0].size()

    classes: list[CaseClass] = []
    for key in sorted(groups, key=sort_key):
        leaves = groups[key]
        problem = key[0] in ("no_rule", "conflict")
        falling = examples.falling_in(leaves) if key[0] != DECISION else ()
        classes.append(_case_class(explorer, key, leaves, falling, every=problem))
    gaps = tuple(c for c in classes if c.reason == "no_rule")
    conflicts = tuple(c for c in classes if c.reason == "conflict")

    grey: list[GreyZone] = []
    for rule in fw.rules:
        if not rule.grey_zone or any(g.rule == rule.id for g in grey):
            continue
        inside = [c for c in classes if c.reason == "grey_zone" and rule.id in c.rules]
        if not inside:
            continue
        leaves = sorted((leaf for c in inside for leaf in groups[(c.reason, c.rules)]), key=Leaf.size)
        grey.append(GreyZone(
            rule.id, rule.title, len(inside), sum(c.cases for c in inside),
            case_data(explorer.points[leaves[0].period], leaves[0].pairs),
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
            shadowed.append(RuleFinding(rule.id, rule.title, case_data(explorer.points[leaf.period], leaf.pairs),
                                        _beaten(explorer, rule, leaf), leaf.outcome.rules, certain))

    unsettled = tuple(_case_class(explorer, key, leaves, ()) for key, leaves in _group(explorer.unsettled).items())

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
        open_start=any(rule.valid_from is None for rule in fw.rules), case_classes=tuple(classes),
        gaps=gaps, conflicts=conflicts, grey_zones=tuple(grey), dead_rules=tuple(dead),
        shadowed_rules=tuple(shadowed), unsettled=unsettled, coverage=coverage, sampling=sampling,
        seconds=time.perf_counter() - started,
    )


def _group(leaves: list[Leaf]) -> dict[Key, list[Leaf]]:
    """The leaves by their outcome (:func:`~wiebetaalt.analysis.explore.outcome_key`), smallest first."""
    groups: dict[Key, list[Leaf]] = {}
    for leaf in leaves:
        groups.setdefault(outcome_key(leaf.outcome), []).append(leaf)
    for group in groups.values():
        group.sort(key=Leaf.size)
    return groups


def _case_class(explorer: Explorer, key: Key, leaves: list[Leaf], examples: tuple[str, ...],
                every: bool = False) -> CaseClass:
    first = leaves[0]
    funder = first.outcome.funder if isinstance(first.outcome, Decision) else None
    explored = [leaf for leaf in leaves if not leaf.sampled]
    return CaseClass(
        reason=key[0], rules=key[1], funder=funder, cases=len(explored),
        witness=case_data(explorer.points[first.period], first.pairs),
        peildata=tuple(explorer.points[p] for p in sorted({leaf.period for leaf in leaves})),
        examples=examples, samples=explorer.sample_hits.get(key, 0), sampled=not explored,
        all_witnesses=tuple(case_data(explorer.points[leaf.period], leaf.pairs) for leaf in leaves) if every else (),
    )


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
                if leaf.period == period and all(
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
        day = explorer.points[leaf.period]
        if not any(version.in_force(day) for version in versions):
            continue
        score = (-_atoms_true(explorer.rule_in_force(rule.id, day), leaf.prepared), leaf.size())
        if best is None or score < best:
            best = score
            witness = case_data(day, leaf.pairs)
    in_force = any(version.in_force(day) for day in explorer.points for version in versions)
    return RuleFinding(rule.id, rule.title, witness, dead_reason(in_force, certain), (), certain)


def _atoms_true(rule: Rule, case: Case) -> int:
    return sum(undetermined(atom, case)[0] is True for atom in atoms(rule.when))
