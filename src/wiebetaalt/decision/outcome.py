"""Outcomes and the resolution policy: which rules that matched decide, or why nothing does.

:func:`resolve` is pure: it takes the framework, the case and the truth of every rule (true,
unknown, or neither) and returns a :class:`Decision` or an :class:`Escalation`. It never guesses:
when a rule that is unknown for this case could change the answer, the answer is an escalation
that names the missing facts.
"""

from __future__ import annotations

import enum
import functools
import operator
from fractions import Fraction
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, Union

from ..model.case import Case, field_value
from ..model.framework import (
    PLACEHOLDER, Condition, Framework, Funder, LegalBasis, PartySource, Route, Rule, Split, condition_kind,
)

if TYPE_CHECKING:  # audit.py builds on the outcomes
    from .audit import Audit

#: Beyond this many unknown rules every combination is not tried; the case escalates.
MAX_UNKNOWN_RULES = 10


class EscalationReason(str, enum.Enum):
    """Why a framework does not settle a case."""

    NO_RULE = "no_rule"
    CONFLICT = "conflict"
    GREY_ZONE = "grey_zone"
    MISSING_FACTS = "missing_facts"


#: The reasons in a few Dutch words, for people reading a list of outcomes.
REASON_NAMES = {
    EscalationReason.NO_RULE: "geen regel van toepassing",
    EscalationReason.CONFLICT: "regels spreken elkaar tegen",
    EscalationReason.GREY_ZONE: "grijs gebied",
    EscalationReason.MISSING_FACTS: "ontbrekende feiten",
}

_NO_INTERIM = "Het kader wijst geen betaler voor de tussentijd aan."
_REASON_TEXT = {
    EscalationReason.NO_RULE: "Geen regel van het kader is op deze casus van toepassing.",
    EscalationReason.CONFLICT: "Regels van hetzelfde stelsel wijzen verschillende betalers aan en geen regel gaat voor.",
    EscalationReason.GREY_ZONE: "De casus valt in een grijs gebied dat het kader niet beslist.",
    EscalationReason.MISSING_FACTS: "De uitkomst hangt af van feiten die in de casus ontbreken.",
}
_UNANNOUNCED = (
    "Een regel van een regionaal kader zou hier alleen door voorliggendheid voorgaan op een regel van het kader "
    "waarop het voortbouwt; een regio verandert die uitkomst alleen door de regel te noemen in overrides."
)


@dataclass(frozen=True)
class Truth:
    """What matching found: the ids of rules and party sources that hold, and that may hold."""

    true: frozenset[str]
    unknown: frozenset[str]


@dataclass(frozen=True)
class Candidate:
    """A funder a rule points to; ``entity`` is the concrete party where it could be found."""

    rule: str
    funder: str
    entity: str | None


def format_share(fraction: Fraction) -> str:
    """An exact share in Dutch notation: '60%', '51,5%', or '33,33% (1/3)' when it does not end."""
    percent = fraction * 100
    whole, rest = divmod(percent.numerator, percent.denominator)
    if rest == 0:
        return f"{whole}%"
    for digits in range(1, 5):
        scaled = percent * 10**digits
        if scaled.denominator == 1:
            text = f"{whole},{str(scaled.numerator % 10**digits).rjust(digits, '0')}"
            return f"{text}%"
    approx = f"{round(float(percent), 2):.2f}".replace(".", ",")
    return f"{approx}% ({fraction.numerator}/{fraction.denominator})"


@dataclass(frozen=True)
class Share:
    """One payer's exact part of a shared cost: ``fraction`` of the whole, from ``weight``."""

    entity: str
    fraction: Fraction
    weight: int
    funder: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "funder": self.funder, "weight": self.weight,
                "share": f"{self.fraction.numerator}/{self.fraction.denominator}",
                "percentage": format_share(self.fraction)}


@dataclass(frozen=True)
class Decision:
    """The framework settles the case: ``entity`` pays, on ``legal_basis``."""

    funder: str
    funder_name: str
    entity: str
    legal_basis: tuple[LegalBasis, ...]
    rules: tuple[str, ...]
    overridden: tuple[str, ...]
    explanation: str
    #: When the cost is shared: every payer with its exact share; the fractions sum to 1.
    shares: tuple[Share, ...] = ()
    #: What it was decided from (framework, versions, case); the Engine sets it, :func:`resolve` does not.
    audit: Audit | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "decision",
            "shares": [share.to_dict() for share in self.shares],
            "funder": self.funder,
            "funder_name": self.funder_name,
            "entity": self.entity,
            "legal_basis": [{"citation": b.citation, "url": str(b.url)} for b in self.legal_basis],
            "rules": list(self.rules),
            "overridden": list(self.overridden),
            "explanation": self.explanation,
            "audit": self.audit.to_dict() if self.audit is not None else None,
        }


@dataclass(frozen=True)
class FactAnswer:
    """What one answer to a missing fact would lead to, the other facts left as they are.

    ``value`` is the answer tried (one of each class of values the framework tells apart);
    ``label`` says in Dutch which answers it stands for (``7 t/m 17``); ``result`` is the outcome in
    one Dutch line; ``outcome`` is ``decision`` or the reason of the escalation it would be.
    """

    field: str
    value: Any
    label: str
    result: str
    outcome: str

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "value": self.value, "label": self.label, "result": self.result,
                "outcome": self.outcome}


@dataclass(frozen=True)
class Escalation:
    """The framework does not settle the case: why, to whom, who pays meanwhile, what is missing."""

    reason: EscalationReason
    route: Route
    explanation: str
    candidates: tuple[Candidate, ...] = ()
    missing_facts: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    interim_funder: str | None = None
    legal_basis: tuple[LegalBasis, ...] = field(default=())
    # for missing facts: the smallest set of them whose answers settle the case, and per answer its outcome
    settling_facts: tuple[str, ...] = ()
    answers: tuple[FactAnswer, ...] = ()
    #: What it was decided from (framework, versions, case); the Engine sets it, :func:`resolve` does not.
    audit: Audit | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": "escalation",
            "reason": self.reason.value,
            "route": {"id": self.route.id, "name": self.route.name, "url": str(self.route.url) if self.route.url else None,
                      "contact": self.route.contact, "deadline": self.route.deadline},
            "candidates": [{"rule": c.rule, "funder": c.funder, "entity": c.entity} for c in self.candidates],
            "missing_facts": list(self.missing_facts),
            "rules": list(self.rules),
            "interim_funder": self.interim_funder,
            "settling_facts": list(self.settling_facts),
            "answers": [answer.to_dict() for answer in self.answers],
            "legal_basis": [{"citation": b.citation, "url": str(b.url)} for b in self.legal_basis],
            "explanation": self.explanation,
            "audit": self.audit.to_dict() if self.audit is not None else None,
        }


Outcome = Union[Decision, Escalation]


def condition_fields(condition: Condition | None) -> list[str]:
    """The case fields a condition reads, in order of appearance."""
    if condition is None:
        return []
    kind = condition_kind(condition)
    if kind == "all":
        return [f for c in condition.all for f in condition_fields(c)]  # type: ignore[union-attr]
    if kind == "any":
        return [f for c in condition.any for f in condition_fields(c)]  # type: ignore[union-attr]
    if kind == "not":
        return condition_fields(condition.not_)  # type: ignore[union-attr]
    return [condition.field]  # type: ignore[union-attr]


@functools.lru_cache(maxsize=4096)
def _template(text: str) -> tuple[str, bool]:
    # the texts of a framework are few and every case renders some of them
    flat = " ".join(text.split())
    return flat, PLACEHOLDER.search(flat) is not None


def render(text: str, case: Case, party: str | None = None) -> str:
    """Fill ``{kind.brp_gemeente}``-style placeholders (checked at load time) from the case."""
    flat, placeholders = _template(text)
    if not placeholders:
        return flat

    def value(match: Any) -> str:
        name = match.group(1)
        if name == "partij":
            return party or "onbekend"
        found = field_value(case, name)
        if found is None:
            return "onbekend"
        if isinstance(found, bool):
            return "ja" if found else "nee"
        return str(found)

    return PLACEHOLDER.sub(value, flat)


_O = TypeVar("_O", bound="Decision | Escalation")


def with_changes(outcome: _O, **changes: Any) -> _O:
    """``dataclasses.replace`` for an outcome, without running ``__init__`` again.

    The outcomes are frozen dataclasses with no ``__post_init__``, so a copy of their fields with
    some changed is a complete outcome; resolving a caseload makes one or two per case.
    """
    new = object.__new__(type(outcome))
    new.__dict__.update(outcome.__dict__, **changes)
    return new


def undetermined(condition: Condition, case: Case) -> tuple[bool | None, list[str]]:
    """The three-valued truth of ``condition`` and, when unknown, the fields that leave it open.

    Only fields in parts that are themselves undetermined count: in ``any`` of a true part and an
    unknown part the condition is true, and its unknown field is not asked for.
    """
    value, fields = condition.evaluate(case)
    return value, list(fields)


class _OpenFields:
    """The fields that leave conditions open for a case (each once, in order of appearance).

    What ``Condition.evaluate`` says, remembered per condition and the values of the fields it
    reads: a condition is a pure function of those values, a missing-facts escalation asks it of
    twenty rules or more, and reading the values is one call where evaluating is one per part.
    """

    def __init__(self) -> None:
        self.readers: dict[int, tuple[Condition, Callable[[Any], Any]]] = {}
        self.found: dict[tuple[int, Any], tuple[str, ...]] = {}

    def __call__(self, conditions: Iterable[Condition | None], case: Case) -> list[str]:
        found: list[str] = []
        for condition in conditions:
            if condition is None:
                continue
            reader = self.readers.get(id(condition))
            if reader is None:
                # the condition is kept with its reader, so that its id stays its own
                reader = self.readers[id(condition)] = (
                    condition, operator.attrgetter(*dict.fromkeys(condition_fields(condition))))
            key = (id(condition), reader[1](case))
            fields = self.found.get(key)
            if fields is None:
                fields = _remember(self.found, key, condition.evaluate(case)[1])
            found.extend(fields)
        return list(dict.fromkeys(found))


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
        self.funders = {f.id: f for f in framework.funders}
        self._overriders = _overriders(list(self.rules.values()))
        self._dated: dict[tuple[str, ...], dict[str, frozenset[str]]] = {}
        # which undetermined rules can change the verdict depends only on the rule ids that hold
        # and may hold (and on the versions in force), so a caseload computes it once per pattern
        self.deciding: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.routes: dict[tuple[Any, ...], Route] = {}
        self.grounds: dict[tuple[Any, ...], tuple[tuple[LegalBasis, ...], str]] = {}
        self.winners: dict[tuple[Any, ...], Winners] = {}
        self.ordered: dict[tuple[Any, ...], tuple[Rule, ...]] = {}
        self.interims: dict[tuple[Any, ...], tuple[str | None, str]] = {}
        self.open_fields = _OpenFields()
        self.funders_of: dict[tuple[Any, ...], tuple[str, ...]] = {}
        self.candidates: dict[tuple[Any, ...], tuple[Candidate, ...]] = {}
        self.candidate_of: dict[tuple[str, str, str | None], Candidate] = {}

    def overriders_at(self, rules: dict[str, Rule]) -> Callable[[str], frozenset[str]]:
        """``overriders`` for the versions in force: a version's own ``overrides`` count."""
        key = tuple(str(id(r)) for r in rules.values())
        if key not in self._dated:
            self._dated[key] = _overriders(list(rules.values()))
        return self._dated[key].__getitem__

    def overriders(self, rule_id: str) -> frozenset[str]:
        """Every rule that overrides ``rule_id``, directly or through a chain."""
        return self._overriders[rule_id]

    def resolve(self, case: Case, truth: Truth) -> Outcome:
        return _Policy(self, case, truth).resolve()


#: (winners, overridden, set aside by voorliggendheid) among the rules that hold
Winners = tuple[tuple[Rule, ...], tuple[Rule, ...], tuple[Rule, ...]]

_K = TypeVar("_K")
_V = TypeVar("_V")


#: The most entries one of a Resolver's caches holds. What most cases share stays in far fewer;
#: a bound ten times as high made the memory of a run of 500,000 cases grow 2.7 times.
CACHE_BOUND = 10_000


def _remember(cache: dict[_K, _V], key: _K, value: _V) -> _V:
    """Store ``value`` in one of a Resolver's caches, emptied when full, so memory stays flat."""
    if len(cache) >= CACHE_BOUND:
        cache.clear()
    cache[key] = value
    return value


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
        self.fw = resolver.fw
        self.case = case
        self.truth = truth
        self.rules = resolver.rules
        self.resolver = resolver
        self.versions: tuple[int, ...] = ()
        if resolver.versions:
            self.rules = dict(resolver.rules)
            chosen = []
            for rule_id, versions in resolver.versions.items():
                index = next((i for i, v in enumerate(versions) if v.in_force(case.peildatum)), 0)
                self.rules[rule_id] = versions[index]
                chosen.append(index)
            self.versions = tuple(chosen)
        self.order = resolver.order
        self.rank = resolver.rank
        self.funders = resolver.funders
        self.overriders = resolver.overriders_at(self.rules) if resolver.versions else resolver.overriders
        self.parties: dict[str, tuple[str | None, list[Any], list[str]] | None] = {}

    def route(self, rules: Iterable[Rule]) -> Route:
        # The highest law involved decides where the dispute goes: a route named by one of its rules,
        # else the framework's own table (which a regional overlay replaces with its own). A route
        # of a lower law would send, say, an open Wlz question to a woonplaats commission.
        rules = list(rules)
        key = (self.versions, *(rule.id for rule in rules))
        found = self.resolver.routes.get(key)
        if found is None:
            found = _remember(self.resolver.routes, key, self._route(rules))
        return found

    def _route(self, rules: list[Rule]) -> Route:
        if rules:
            top = min(self.rank.get(rule.domain, len(self.rank)) for rule in rules)
            for rule in rules:
                if rule.route and self.rank.get(rule.domain, len(self.rank)) == top:
                    return self.fw.route(rule.route)
        return self.fw.route(self.fw.default_route)

    def resolve(self) -> Outcome:
        outcome = self.verdict_with_unknowns()
        return self.finish(outcome) if isinstance(outcome, Escalation) else outcome

    def finish(self, escalation: Escalation) -> Escalation:
        """Who pays meanwhile, and how to reach the route, where the framework declares them.

        A rule's own ``interim_funder`` goes before its route's; with neither, nobody is named:
        no national rule says who pays while a dispute runs (domain.md §3.3), so none is invented.
        """
        key = (self.versions, escalation.route.id, escalation.rules)
        found_interim = self.resolver.interims.get(key)
        if found_interim is None:
            found_interim = _remember(self.resolver.interims, key, self._interim(escalation))
        interim_id, how = found_interim
        text = escalation.explanation
        interim = None
        if interim_id is not None and interim_id in self.funders:
            funder = self.funders[interim_id]
            found = self.party(funder)
            if found is not None and found[0] and not found[2]:
                interim = found[0]
                sentence = f"In de tussentijd betaalt {interim} ({funder.name}), zoals het kader afspreekt."
            else:
                interim = funder.name
                open_facts = f"; welke partij dat is, hangt af van: {', '.join(found[2])}" if found and found[2] else ""
                sentence = f"In de tussentijd betaalt de {funder.name[:1].lower()}{funder.name[1:]}, zoals het kader afspreekt{open_facts}."
            text = text.replace(_NO_INTERIM, sentence) if _NO_INTERIM in text else f"{text} {sentence}"
        return with_changes(escalation, interim_funder=interim, explanation=text + how)

    def _interim(self, escalation: Escalation) -> tuple[str | None, str]:
        """The funder id that pays meanwhile, and the sentence on how to reach the route."""
        rules = [self.rules[r] for r in escalation.rules if r in self.rules]
        interim_id = next((r.interim_funder for r in rules if r.interim_funder), None) or escalation.route.interim_funder
        route = escalation.route
        how = [f"aanmelden via {route.contact}"] if route.contact else []
        how += [f"termijn: {route.deadline}"] if route.deadline else []
        return interim_id, f" {route.name}: {'; '.join(how)}." if how else ""

    def verdict_with_unknowns(self) -> Outcome:
        holding = self.ordered(self.truth.true)
        maybe = self.ordered(self.truth.unknown)
        if not maybe:
            return self.settle(holding)
        if len(maybe) > MAX_UNKNOWN_RULES:
            return self.missing(maybe, holding)
        key = (self.versions, tuple(r.id for r in holding), tuple(r.id for r in maybe))
        found = self.resolver.deciding.get(key)
        if found is None:
            found = _remember(self.resolver.deciding, key, tuple(r.id for r in self._deciding(holding, maybe)))
        if not found:
            return self.settle(holding)
        return self.missing([self.rules[r] for r in found], holding)

    def ordered(self, ids: frozenset[str]) -> tuple[Rule, ...]:
        """The rules among ``ids`` (which also hold party sources), in the order of the framework."""
        key = (self.versions, ids)
        found = self.resolver.ordered.get(key)
        if found is None:
            rules = sorted(ids & self.rules.keys(), key=self.order.__getitem__)
            found = _remember(self.resolver.ordered, key, tuple(self.rules[r] for r in rules))
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
            found = _remember(self.resolver.winners, key, self._winners(holding))
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
        """What :meth:`settle` would conclude, without building its texts."""
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

    def missing(self, rules: Sequence[Rule], holding: Sequence[Rule]) -> Escalation:
        """The escalation for the facts of ``rules``; ``holding`` would decide without them."""
        facts = self.resolver.open_fields([r.when for r in rules], self.case)
        ids = tuple([r.id for r in rules])
        names = ", ".join(ids)
        text = (
            f"{_REASON_TEXT[EscalationReason.MISSING_FACTS]} Of regel(s) {names} van toepassing zijn, hangt af van: "
            f"{', '.join(facts)}. Vul die aan en beslis opnieuw."
        )
        # only a decision is worth building (and saying) here; the verdict tells without building it
        base = self.settle(holding) if self.verdict(holding)[0] == "decision" else None
        if isinstance(base, Decision):
            text += f" Zonder die regel(s) zou {base.entity} betalen; dat is dus nog niet zeker."
        return Escalation(
            EscalationReason.MISSING_FACTS,
            self.route(rules),
            text,
            candidates=self.candidates([r for r in rules if r.funder or r.suggested_funder]),
            missing_facts=tuple(facts),
            rules=ids,
        )

    def candidates(self, rules: Sequence[Rule]) -> tuple[Candidate, ...]:
        """The funder each rule points to, with its party where that is known."""
        # A missing-facts escalation names a candidate for each of its rules, often twenty or more,
        # that point to a few funders: each party is found once, and the candidates are the same
        # for every case with these rules and these parties.
        key = (self.versions, tuple([r.id for r in rules]))
        funders = self.resolver.funders_of.get(key)
        if funders is None:
            funders = _remember(self.resolver.funders_of, key,
                                tuple(dict.fromkeys(r.funder or r.suggested_funder or "" for r in rules)))
        entities = tuple([self.entity(funder_id) for funder_id in funders])
        found = self.resolver.candidates.get((key, entities))
        if found is None:
            entity_of = dict(zip(funders, entities))
            made = []
            for rule in rules:
                funder_id = rule.funder or rule.suggested_funder or ""
                # one object per candidate, shared by every list that names it: a few hundred in all
                one = (rule.id, funder_id, entity_of[funder_id])
                made.append(self.resolver.candidate_of.get(one) or _remember(self.resolver.candidate_of, one, Candidate(*one)))
            found = _remember(self.resolver.candidates, (key, entities), tuple(made))
        return found

    def entity(self, funder_id: str) -> str | None:
        """The concrete party of a funder when it is known for this case."""
        party = self.party(self.funders[funder_id]) if funder_id in self.funders else None
        return party[0] if party and party[0] and not party[2] else None

    def settle(self, holding: Sequence[Rule]) -> Outcome:
        winners, overridden, set_aside = self.winners(holding)
        if not winners:
            route = self.fw.route(self.fw.default_route)
            return Escalation(
                EscalationReason.NO_RULE,
                route,
                f"{_REASON_TEXT[EscalationReason.NO_RULE]} Leg de casus voor aan: {route.name}. {_NO_INTERIM}",
            )
        grey = [r for r in winners if r.grey_zone]
        if grey:
            return self.escalate(EscalationReason.GREY_ZONE, grey)
        if len({r.funder for r in winners}) > 1:
            return self.escalate(EscalationReason.CONFLICT, winners)
        return self.decide(winners, overridden, set_aside)

    def escalate(self, reason: EscalationReason, rules: Sequence[Rule]) -> Escalation:
        route = self.route(rules)
        candidates = self.candidates(rules)
        parts = [_REASON_TEXT[reason]]
        if len({r.domain for r in rules}) > 1:
            parts.append(_UNANNOUNCED)
        for rule, cand in zip(rules, candidates):
            who = cand.entity or self.funders[cand.funder].name if cand.funder else "geen betaler genoemd"
            label = "voorgestelde betaler" if rule.grey_zone else "betaler"
            parts.append(f"Regel {rule.id} ({rule.title}): {label} {who}. {render(rule.explanation, self.case)}")
        parts.append(f"Leg de casus voor aan: {route.name}. {_NO_INTERIM}")
        return Escalation(
            reason,
            route,
            " ".join(parts),
            # a grey rule that suggests no funder points to nobody: it stays in the rules and the
            # explanation, but a candidate without a funder would read as an empty name
            candidates=tuple(c for c in candidates if c.funder),
            rules=tuple(r.id for r in rules),
            legal_basis=tuple(b for r in rules for b in r.legal_basis),
        )

    def party(self, funder: Funder) -> tuple[str | None, list[Any], list[str]] | None:
        """(entity, sources used, missing facts) for a funder, or None when no source applies."""
        # one case asks for the same few funders again and again (a candidate per unknown rule)
        if funder.id not in self.parties:
            self.parties[funder.id] = self._party(funder)
        return self.parties[funder.id]

    def _party(self, funder: Funder) -> tuple[str | None, list[Any], list[str]] | None:
        if not funder.party:
            return funder.fallback or funder.name, [], []
        day = self.case.peildatum
        for source in funder.party:
            if (source.valid_from is not None and day < source.valid_from) or (
                    source.valid_to is not None and day >= source.valid_to):
                continue  # not in force (Period.in_force, inline: a case asks for ten parties or more)
            if source.when is not None:
                if source.id in self.truth.unknown:
                    return None, [source], self.resolver.open_fields([source.when], self.case)
                if source.id not in self.truth.true:
                    continue
            value = field_value(self.case, source.field)
            if value is None:
                if funder.fallback:
                    return funder.fallback, [source], []
                return None, [source], [source.field]
            return (f"{source.prefix} {value}" if source.prefix else str(value)), [source], []
        return None

    def split(self, split: Split) -> tuple[list[Share], list[PartySource], list[str]] | str:
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
                    return f"voor {self.funders[part.funder].name} is op de peildatum geen manier van kracht om de partij te bepalen"
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
                return f"de gewichten ({sum(weights.values())}) zijn samen meer dan {remainder[1]}"
            weights[remainder[0]] += rest
        total = sum(weights.values())
        if total == 0:
            return "alle gewichten van de verdeelsleutel zijn 0"
        shares = [Share(entity, Fraction(w, total), w, funders[entity]) for entity, w in weights.items() if w]
        return shares, sources, []

    def grounds(self, winners: Sequence[Rule], sources: list[PartySource]) -> tuple[tuple[LegalBasis, ...], str]:
        """The legal basis of a decision, once each, and its sentence; the same for every case alike."""
        key = (self.versions, *(r.id for r in winners), "", *(s.id for s in sources))
        found = self.resolver.grounds.get(key)
        if found is None:
            basis = [b for r in winners for b in r.legal_basis] + [b for s in sources for b in s.legal_basis]
            found = _remember(self.resolver.grounds, key, (
                tuple(dict.fromkeys(basis)), "Rechtsgrond: " + "; ".join(dict.fromkeys(b.citation for b in basis)) + "."
            ))
        return found

    def decide(self, winners: Sequence[Rule], overridden: Sequence[Rule], set_aside: Sequence[Rule]) -> Outcome:
        funder = self.funders[winners[0].funder or ""]
        rule_ids = tuple(r.id for r in winners)
        route = self.route(winners)
        shares: list[Share] = []
        if funder.split is not None:
            found_split = self.split(funder.split)
            if isinstance(found_split, str):
                return Escalation(
                    EscalationReason.NO_RULE, route,
                    f"Regel {winners[0].id} wijst {funder.name} aan, maar de kosten zijn niet te verdelen: "
                    f"{found_split}. Leg de casus voor aan: {route.name}.",
                    candidates=tuple(Candidate(r.id, funder.id, None) for r in winners), rules=rule_ids,
                )
            shares, sources, facts = found_split
            entity: str | None = "; ".join(f"{s.entity} {format_share(s.fraction)}" for s in shares) or None
        else:
            found = self.party(funder)
            if found is None:
                return Escalation(
                    EscalationReason.NO_RULE, route,
                    f"Regel {winners[0].id} wijst {funder.name} aan, maar op de peildatum {self.case.peildatum} is "
                    f"geen manier om die partij te bepalen van kracht of van toepassing. Leg de casus voor aan: "
                    f"{route.name}.",
                    candidates=tuple(Candidate(r.id, funder.id, None) for r in winners), rules=rule_ids,
                )
            entity, sources, facts = found
        if facts or entity is None:
            text = (
                f"{_REASON_TEXT[EscalationReason.MISSING_FACTS]} Regel {winners[0].id} wijst {funder.name} aan, "
                f"maar welke partij dat is, hangt af van: {', '.join(facts)}."
            )
            return Escalation(
                EscalationReason.MISSING_FACTS, route, text,
                candidates=tuple(Candidate(r.id, funder.id, None) for r in winners),
                missing_facts=tuple(facts), rules=rule_ids,
            )
        legal_basis, grounds = self.grounds(winners, sources)
        if funder.split is not None:
            total = sum(share.weight for share in shares)
            parts = [f"De kosten worden gedeeld ({funder.name}): {entity}."]
        else:
            parts = [f"{entity[:1].upper()}{entity[1:]} betaalt ({funder.name})."]
        parts += [render(r.explanation, self.case, entity) for r in winners]
        parts += [render(s.explanation, self.case, entity) for s in sources if s.explanation]
        if funder.split is not None:
            weights = ", ".join(f"{s.entity} {s.weight} van {total}" for s in shares)
            parts.append(f"Verdeelsleutel: {funder.split.basis.rstrip('.')} ({weights}).")
        for rule in overridden:
            by = sorted(self.overriders(rule.id) & {r.id for r in winners})
            parts.append(f"Regel {rule.id} is van toepassing, maar de specifiekere regel {', '.join(by)} gaat voor.")
        for rule in set_aside:
            parts.append(
                f"Regel {rule.id} ({rule.domain}) is ook van toepassing, maar {winners[0].domain} is voorliggend."
            )
        parts.append(grounds)
        return Decision(
            funder=funder.id,
            funder_name=funder.name,
            entity=entity,
            legal_basis=legal_basis,
            rules=rule_ids,
            overridden=tuple(r.id for r in [*overridden, *set_aside]),
            explanation=" ".join(p for p in parts if p),
            shares=tuple(shares),
        )


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
