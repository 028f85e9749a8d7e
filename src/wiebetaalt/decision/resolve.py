"""The resolution policy: which of the rules that matched decide a case, or why none does.

:func:`resolve` is pure: it takes the framework, the case and the truth of every rule (true,
unknown, or neither) and returns a :class:`~wiebetaalt.decision.outcome.Decision` or an
:class:`~wiebetaalt.decision.outcome.Escalation`. It never guesses: when a rule that is unknown for
this case could change the answer, the answer is an escalation that names the missing facts.

Here the policy picks the rules that decide (the versions in force, overrides, voorliggendheid,
the layers of an overlay, the unknown rules that matter); :mod:`wiebetaalt.decision.build` makes
the outcome they lead to, and :mod:`wiebetaalt.decision.explain` words it.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.case import Case
from ..model.framework import Framework, Rule
from .build import Builder, CaseBuilder
from .completions import MAX_COMPLETIONS, Completions
from .explain import Immaterial, explain
from .memo import Memo
from .outcome import Decision, Escalation, EscalationReason, Outcome, with_changes

#: Up to this many unknown rules, each combination of their truths is tried first (it needs no
#: facts and is remembered per pattern); with more, the open facts are filled in straight away.
MAX_UNKNOWN_RULES = 10
#: With more, this many completions are tried first: where the answer depends on the facts, they
#: nearly always show it.
QUICK_LOOK = 32

#: (winners, overridden, set aside by voorliggendheid) among the rules that hold
Winners = tuple[tuple[Rule, ...], tuple[Rule, ...], tuple[Rule, ...]]


@dataclass(frozen=True)
class Truth:
    """What matching found: the ids of rules and party sources that hold, and that may hold."""

    true: frozenset[str]
    unknown: frozenset[str]


def resolve(framework: Framework, case: Case, truth: Truth) -> Outcome:
    """Decide ``case`` from the truth of its rules; see docs/writing-rules.md for the policy.

    Of the rules that hold (they are already in force at the peildatum), a rule is dropped when a
    rule that overrides it also holds; of the rest, only the rules of the highest stelsel in the
    framework's ``precedence`` count (voorliggendheid). A grey rule among them escalates; two
    funders escalate as a conflict; no rule escalates; one funder is a Decision once its concrete
    party is known. A rule that may hold (a fact is unknown) and would change that answer turns it
    into a missing-facts escalation.
    """
    return Resolver(framework).resolve(case, truth)


class Resolver:
    """The resolution policy for one framework, with its indexes built once.

    Use :func:`resolve` for a single call; an :class:`~wiebetaalt.engine.engine.Engine` keeps one
    Resolver so that nothing is rebuilt per case.
    """

    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.rules: dict[str, Rule] = {}
        #: the rules with several versions (one id, periods that do not overlap)
        self.versions: dict[str, list[Rule]] = {}
        for rule in framework.rules:
            if rule.id in self.rules:
                self.versions.setdefault(rule.id, [self.rules[rule.id]]).append(rule)
            else:
                self.rules[rule.id] = rule
        self.order = {r.id: i for i, r in reversed(list(enumerate(framework.rules)))}
        self.rank = {d: i for i, d in enumerate(framework.precedence)}
        self.builder = Builder(framework)
        self._overriders = _overriders(list(self.rules.values()))
        #: per peildatum: the version of every rule in force, their positions, and who overrides whom
        self._dated: Memo[dt.date, tuple[dict[str, Rule], tuple[int, ...], Callable[[str], frozenset[str]]]] = Memo()
        self._in_force: dict[tuple[int, ...], tuple[dict[str, Rule], Callable[[str], frozenset[str]]]] = {}
        # which undetermined rules can change the verdict depends only on the rule ids that hold
        # and may hold (and on the versions in force), so a caseload computes it once per pattern
        self.deciding: Memo[tuple[Any, ...], tuple[str, ...]] = Memo()
        self.winners: Memo[tuple[Any, ...], Winners] = Memo()
        self.ordered: Memo[tuple[Any, ...], tuple[Rule, ...]] = Memo()
        self.completions = Completions(framework)
        #: per pattern and residuals of the rules that may decide: (facts, rules, holding) to ask
        #: for, or (None, rules that hold, facts that do not matter) when every completion gives
        #: one answer
        self.refined: Memo[tuple[Any, ...], tuple[Any, ...]] = Memo()

    def in_force(self, day: dt.date) -> tuple[dict[str, Rule], tuple[int, ...], Callable[[str], frozenset[str]]]:
        """The rules in force on ``day`` by id (a rule with versions as the version in force, else
        the first), the position of each chosen version, and ``overriders`` for them: a version's
        own ``overrides`` count."""
        found = self._dated.get(day)
        if found is None:
            chosen = tuple(next((i for i, v in enumerate(versions) if v.in_force(day)), 0)
                           for versions in self.versions.values())
            # periods with the same versions share one table: there are few, and days are many
            shared = self._in_force.get(chosen)
            if shared is None:
                rules = dict(self.rules)
                for (rule_id, versions), index in zip(self.versions.items(), chosen):
                    rules[rule_id] = versions[index]
                shared = self._in_force[chosen] = (rules, _overriders(list(rules.values())).__getitem__)
            found = self._dated.remember(day, (shared[0], chosen, shared[1]))
        return found

    def overriders(self, rule_id: str) -> frozenset[str]:
        """Every rule that overrides ``rule_id``, directly or through a chain."""
        return self._overriders[rule_id]

    def resolve(self, case: Case, truth: Truth) -> Outcome:
        """The outcome of ``case``, its explanation written."""
        outcome = self.draft(case, truth)
        return with_changes(outcome, explanation=explain(outcome.explanation_parts))

    def draft(self, case: Case, truth: Truth) -> Outcome:
        """The outcome of ``case`` with its explanation as parts only: ``explanation`` is empty.

        For a caller that adds parts of its own (the engine: what it derived, what settles the
        case) and then renders them once (:func:`~wiebetaalt.decision.explain.explain`), or that
        reads no explanation at all.
        """
        return _Policy(self, case, truth).resolve()


def _overriders(rules: list[Rule]) -> dict[str, frozenset[str]]:
    """For each rule id, every rule that overrides it, directly or through a chain."""
    result: dict[str, frozenset[str]] = {}
    for rule in rules:
        found: set[str] = set()
        frontier = {rule.id}
        while frontier:
            frontier = {r.id for r in rules if set(r.overrides) & frontier} - found
            found |= frontier
        result[rule.id] = frozenset(found)
    return result


class _Policy:
    """The resolution of one case."""

    def __init__(self, resolver: Resolver, case: Case, truth: Truth) -> None:
        self.truth = truth
        self.rules = resolver.rules
        self.resolver = resolver
        self.versions: tuple[int, ...] = ()
        self.overriders: Callable[[str], frozenset[str]] = resolver.overriders
        if resolver.versions:
            self.rules, self.versions, self.overriders = resolver.in_force(case.peildatum)
        self.order = resolver.order
        self.rank = resolver.rank
        self.build = CaseBuilder(resolver.builder, case, truth.true, truth.unknown, self.rules, self.versions,
                                 self.overriders)

    def resolve(self) -> Outcome:
        holding = self.ordered(self.truth.true)
        maybe = self.ordered(self.truth.unknown)
        if not maybe:
            return self.settle(holding)
        if len(maybe) > MAX_UNKNOWN_RULES:
            return self.refine(holding, maybe)
        key = (self.versions, tuple(r.id for r in holding), tuple(r.id for r in maybe))
        found = self.resolver.deciding.get(key)
        if found is None:
            found = self.resolver.deciding.remember(key, tuple(r.id for r in self._deciding(holding, maybe)))
        if not found:
            return self.settle(holding)
        return self.refine(holding, [self.rules[r] for r in found])

    def refine(self, holding: Sequence[Rule], deciding: Sequence[Rule]) -> Outcome:
        """The outcome when the rules ``deciding`` may hold and each, taken as free to hold or not,
        could change the verdict.

        Taken as free is not enough: a rule may never hold for this case (an age below 4 and above
        10), two rules on one fact may never hold together, a fact may not change its rule. So the
        open facts are filled in, one value of every class the rules tell apart, and only a fact
        that alone changes the verdict of some completion is asked for; when every completion gives
        one verdict the case is decided.
        """
        numbers = self.resolver.completions.residuals([rule.when for rule in deciding], self.build.case)[0]
        key = (self.versions, tuple([r.id for r in holding]), tuple([r.id for r in deciding]), numbers)
        found = self.resolver.refined.get(key)
        if found is None:
            found = self.resolver.refined.remember(key, self._refine(holding, deciding, numbers))
        if found[0] is None:
            outcome = self.settle(found[1])
            return with_changes(outcome, explanation_parts=(*outcome.explanation_parts, Immaterial(found[2])))
        return self.missing(found[1], found[2], found[0])

    def _refine(self, holding: Sequence[Rule], deciding: Sequence[Rule], numbers: tuple[int, ...]) -> tuple[Any, ...]:
        # (facts to ask, rules that read them, rules that hold), or (None, rules that hold, facts
        # that turned out not to matter)
        completions = self.resolver.completions
        unasked = tuple(dict.fromkeys(f for n in numbers for f in completions.fields(n)))
        alone = [completions.reach((n,)) for n in numbers]
        # a rule that holds whatever the open facts are is certain; one that never holds is gone
        certain = [rule for rule, reach in zip(deciding, alone) if reach.status]
        holding = tuple(self._with(holding, certain, (1 << len(certain)) - 1))
        open_rules = [(rule, n, reach) for rule, n, reach in zip(deciding, numbers, alone) if reach.status is None]
        if not open_rules:
            return None, holding, unasked
        rules = [rule for rule, _, _ in open_rules]
        # only a field that can change its own rule is ever asked for
        asked = [(rule, reach.fields) for rule, _, reach in open_rules]
        every = tuple(dict.fromkeys(f for _, fields in asked for f in fields)), tuple(rules), holding
        if len(open_rules) > MAX_UNKNOWN_RULES:
            # Too many to tell each fact apart: ask every open fact, once some completion is seen
            # to change the verdict (the first ones nearly always do).
            numbers = tuple(n for _, n, _ in open_rules)
            if self._changes(completions.masks(numbers, first=QUICK_LOOK), rules, holding)[0]:
                return every
            changes, first = self._changes(completions.masks(numbers), rules, holding)
            return every if changes or first is None else (None, tuple(self._with(holding, rules, first)), unasked)
        # rules that share no field are independent; the others are filled in together
        groups = _groups([reach.fields for _, _, reach in open_rules])
        reaches = [open_rules[g[0]][2] if len(g) == 1 else completions.reach(tuple(open_rules[i][1] for i in g))
                   for g in groups]
        if any(reach.masks is None for reach in reaches) or math.prod(
                len(reach.masks or ()) for reach in reaches) > MAX_COMPLETIONS:
            return every  # too many completions to try
        options = [[_spread(mask, group) for mask in sorted(reach.masks or ())]
                   for reach, group in zip(reaches, groups)]
        verdicts = {sum(combo): self.verdict(self._with(holding, rules, sum(combo)))
                    for combo in itertools.product(*options)}
        if len(set(verdicts.values())) == 1:
            # one verdict whatever the facts: decided by the rules that hold in every completion
            # (or, when those alone say otherwise, by the rules of one completion)
            always = functools.reduce(operator.and_, verdicts)
            if self.verdict(self._with(holding, rules, always)) != next(iter(verdicts.values())):
                always = next(iter(verdicts))
            return None, tuple(self._with(holding, rules, always)), unasked
        named: set[str] = set()
        for k, (reach, group) in enumerate(zip(reaches, groups)):
            rests = [sum(combo) for combo in itertools.product(*(options[:k] + options[k + 1:]))]
            named.update(field for field, moves in (reach.moves or {}).items() if any(
                verdicts[_spread(a, group) | rest] != verdicts[_spread(b, group) | rest]
                for a, b in moves for rest in rests))
        facts = tuple(dict.fromkeys(f for _, fields in asked for f in fields if f in named))
        return facts, tuple(rule for rule, fields in asked if named.intersection(fields)), holding

    def _changes(self, masks: Iterator[int] | None, rules: Sequence[Rule],
                 holding: Sequence[Rule]) -> tuple[bool, int | None]:
        """Whether two of ``masks`` (sets of ``rules`` that hold besides ``holding``) give two
        verdicts, and the first mask (None when there are none)."""
        first: tuple[Any, int] | None = None
        for mask in masks or ():
            verdict = self.verdict(self._with(holding, rules, mask))
            if first is None:
                first = verdict, mask
            elif verdict != first[0]:
                return True, first[1]
        return False, None if first is None else first[1]

    def _with(self, holding: Sequence[Rule], rules: Sequence[Rule], mask: int) -> list[Rule]:
        """``holding`` and the rules of ``rules`` whose bit in ``mask`` is set, in the framework's order."""
        return sorted([*holding, *(r for i, r in enumerate(rules) if mask >> i & 1)],
                      key=lambda rule: self.order[rule.id])

    def ordered(self, ids: frozenset[str]) -> tuple[Rule, ...]:
        """The rules among ``ids`` (which also hold party sources), in the order of the framework."""
        key = (self.versions, ids)
        found = self.resolver.ordered.get(key)
        if found is None:
            rules = sorted(ids & self.rules.keys(), key=self.order.__getitem__)
            found = self.resolver.ordered.remember(key, tuple(self.rules[r] for r in rules))
        return found

    def _deciding(self, holding: Sequence[Rule], maybe: Sequence[Rule]) -> list[Rule]:
        # A rule matters when, for some truth of the other undetermined rules, its own truth
        # changes the verdict; asking for the facts of any other rule would be asking too much.
        worlds = range(1 << len(maybe))
        verdicts = [self.verdict([*holding, *(r for i, r in enumerate(maybe) if world >> i & 1)]) for world in worlds]
        return [
            rule for i, rule in enumerate(maybe)
            if any(verdicts[world] != verdicts[world | 1 << i] for world in worlds if not world >> i & 1)
        ]

    def winners(self, holding: Sequence[Rule]) -> Winners:
        """(winners, overridden, set aside by voorliggendheid) among the rules that hold."""
        # the same for every case with these rules holding (and these versions in force)
        key = (self.versions, tuple([r.id for r in holding]))
        found = self.resolver.winners.get(key)
        if found is None:
            found = self.resolver.winners.remember(key, self._winners(holding))
        return found

    def _winners(self, holding: Sequence[Rule]) -> Winners:
        # compare ids, not rules: equality of pydantic models is slow and this runs per combination
        ids = {r.id for r in holding}
        overridden = tuple(r for r in holding if self.overriders(r.id) & ids)
        gone = {r.id for r in overridden}
        remaining = [r for r in holding if r.id not in gone]
        if not remaining:
            return (), overridden, ()
        top = min(self.rank[r.domain] for r in remaining)
        layers = self.resolver.fw.layers
        stays = {r.id for r in remaining if self.rank[r.domain] == top}
        if layers:
            # A region changes an outcome of the framework it builds on only by naming a rule of it
            # in `overrides`, never by writing its own rule in a higher stelsel. A winning rule of an
            # overlay that overrides none of the base's rules that hold has not announced a change:
            # the base's rules that precedence alone would set aside stay in the running.
            def unannounced(rule: Rule) -> bool:
                layer = layers.get(rule.id, 0)
                return not any(rule.id in self.overriders(r.id) for r in overridden if layers.get(r.id, 0) < layer)

            silent = [layers.get(r.id, 0) for r in remaining if r.id in stays and unannounced(r)]
            if silent:
                stays |= {r.id for r in remaining if layers.get(r.id, 0) < max(silent)}
        return (tuple(r for r in remaining if r.id in stays), overridden,
                tuple(r for r in remaining if r.id not in stays))

    def verdict(self, holding: Sequence[Rule]) -> tuple[Any, ...]:
        """What :meth:`settle` would conclude, without building the outcome."""
        winners = self.winners(holding)[0]
        if not winners:
            return (EscalationReason.NO_RULE,)
        grey = tuple(r.id for r in winners if r.grey_zone)
        if grey:
            return (EscalationReason.GREY_ZONE, grey)
        funders = {r.funder for r in winners}
        if len(funders) > 1:
            return (EscalationReason.CONFLICT, tuple(r.id for r in winners))
        return ("decision", funders.pop())

    def settle(self, holding: Sequence[Rule]) -> Outcome:
        """The outcome when exactly the rules ``holding`` hold."""
        winners, overridden, set_aside = self.winners(holding)
        if not winners:
            return self.build.no_rule()
        grey = [r for r in winners if r.grey_zone]
        if grey:
            return self.build.escalate(EscalationReason.GREY_ZONE, grey)
        if len({r.funder for r in winners}) > 1:
            return self.build.escalate(EscalationReason.CONFLICT, winners)
        return self.build.decide(winners, overridden, set_aside)

    def missing(self, rules: Sequence[Rule], holding: Sequence[Rule],
                facts: Sequence[str] | None = None) -> Escalation:
        """The escalation for ``facts`` (by default every fact that leaves ``rules`` open), which
        ``rules`` read; ``holding`` would decide without them."""
        # only a decision is worth building (and saying) here; the verdict tells without building it
        base = self.settle(holding) if self.verdict(holding)[0] == "decision" else None
        return self.build.missing(rules, base.entity if isinstance(base, Decision) else None, facts)


def _groups(fields: Sequence[tuple[str, ...]]) -> list[list[int]]:
    """The positions of ``fields`` grouped so that two entries sharing a field are in one group."""
    groups: list[tuple[set[str], list[int]]] = []
    for i, read in enumerate(fields):
        joined: tuple[set[str], list[int]] = (set(read), [i])
        for group in [g for g in groups if g[0] & joined[0]]:
            groups.remove(group)
            joined = (joined[0] | group[0], sorted(group[1] + joined[1]))
        groups.append(joined)
    return sorted([positions for _, positions in groups])


def _spread(mask: int, positions: Sequence[int]) -> int:
    """``mask`` over a group's own bits, moved to the bits ``positions`` name."""
    return sum(1 << at for i, at in enumerate(positions) if mask >> i & 1)
