"""Building an outcome from the rules that decide a case, with its explanation as parts.

:mod:`wiebetaalt.decision.resolve` finds which rules decide (overrides, voorliggendheid, unknown
facts); this module makes the outcome they lead to. A decision names the concrete party that pays
(:mod:`wiebetaalt.decision.parties`), its shares and its legal basis; an escalation names where the
case goes, the candidates, the facts still missing, and who pays meanwhile where the framework
declares it. Each outcome carries what its explanation says as parts
(:mod:`wiebetaalt.decision.explain`) and an empty ``explanation``: whoever finishes the outcome
renders the parts, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..model.case import Case
from ..model.framework import Framework, Funder, LegalBasis, PartySource, Route, Rule
from .explain import (
    CannotShare, FrameworkText, Grounds, Interim, NoInterim, NoPartySource, Overridden, Part, PartyOpen, Pays,
    Reach, Reason, Refer, RulePoints, RulesOpen, SetAside, Shared, SplitKey, Unannounced, WouldPay, fill,
)
from .memo import Memo
from .open_facts import OpenFields
from .outcome import Candidate, Decision, Escalation, EscalationReason, Outcome, Share, format_share
from .parties import Parties

# The parts every case alike says the same way, one object each: an outcome that crosses to another
# process (a batch with several jobs) then carries them once per chunk, not once per outcome.
_REASON = {reason: Reason(reason) for reason in EscalationReason}
_UNANNOUNCED = Unannounced()
_NO_INTERIM = NoInterim()


class Builder:
    """What the outcomes of one framework's cases share: its funders, and the parts of outcomes that
    are the same for every case alike (routes, legal bases, candidates), remembered."""

    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.rank = {d: i for i, d in enumerate(framework.precedence)}
        self.funders = {f.id: f for f in framework.funders}
        self.open_fields = OpenFields()
        self.routes: Memo[tuple[Any, ...], Route] = Memo()
        self.grounds: Memo[tuple[Any, ...], tuple[tuple[LegalBasis, ...], Grounds]] = Memo()
        self.interims: Memo[tuple[Any, ...], tuple[str | None, Reach | None]] = Memo()
        self.funders_of: Memo[tuple[Any, ...], tuple[str, ...]] = Memo()
        self.candidates: Memo[tuple[Any, ...], tuple[Candidate, ...]] = Memo()
        self.candidate_of: Memo[tuple[str, str, str | None], Candidate] = Memo()


class CaseBuilder:
    """The outcomes of one case.

    ``rules`` are the framework's rules by id, each in the version in force on the peildatum;
    ``versions`` says which versions those are (it keys what the cache holds); ``overriders`` gives
    every rule that overrides a rule. ``true`` and ``unknown`` are what matching found.
    """

    def __init__(self, builder: Builder, case: Case, true: frozenset[str], unknown: frozenset[str],
                 rules: dict[str, Rule], versions: tuple[int, ...],
                 overriders: Callable[[str], frozenset[str]]) -> None:
        self.builder = builder
        self.fw = builder.fw
        self.funders = builder.funders
        self.case = case
        self.rules = rules
        self.versions = versions
        self.overriders = overriders
        self.parties = Parties(builder.funders, case, true, unknown, builder.open_fields)

    def no_rule(self) -> Escalation:
        """No rule decides: the case goes the framework's default route."""
        route = self.fw.route(self.fw.default_route)
        return self.escalation(EscalationReason.NO_RULE, route, [_REASON[EscalationReason.NO_RULE], Refer(route.name)],
                               always_interim=True)

    def escalate(self, reason: EscalationReason, rules: Sequence[Rule]) -> Escalation:
        """A grey zone or a conflict of ``rules``: each with the funder it points to."""
        route = self.route(rules)
        candidates = self.candidates(rules)
        parts: list[Part] = [_REASON[reason]]
        if len({r.domain for r in rules}) > 1:
            parts.append(_UNANNOUNCED)
        for rule, cand in zip(rules, candidates):
            who = (cand.entity or self.funders[cand.funder].name) if cand.funder else None
            told = FrameworkText(fill(rule.explanation, self.case))
            parts.append(RulePoints(rule.id, rule.title, rule.grey_zone, who, told))
        parts.append(Refer(route.name))
        return self.escalation(
            reason, route, parts, always_interim=True,
            # a grey rule that suggests no funder points to nobody: it stays in the rules and the
            # explanation, but a candidate without a funder would read as an empty name
            candidates=tuple(c for c in candidates if c.funder),
            rules=tuple(r.id for r in rules),
            legal_basis=tuple(b for r in rules for b in r.legal_basis),
        )

    def missing(self, rules: Sequence[Rule], otherwise: str | None,
                facts: Sequence[str] | None = None) -> Escalation:
        """The escalation for ``facts`` (by default every fact that leaves ``rules`` open), which
        ``rules`` read; without them ``otherwise`` would pay (if not None)."""
        facts = tuple(self.builder.open_fields([r.when for r in rules], self.case) if facts is None else facts)
        ids = tuple([r.id for r in rules])
        parts: list[Part] = [_REASON[EscalationReason.MISSING_FACTS], RulesOpen(ids, facts)]
        if otherwise is not None:
            parts.append(WouldPay(otherwise))
        return self.escalation(
            EscalationReason.MISSING_FACTS, self.route(rules), parts,
            candidates=self.candidates([r for r in rules if r.funder or r.suggested_funder]),
            missing_facts=facts, rules=ids,
        )

    def decide(self, winners: Sequence[Rule], overridden: Sequence[Rule], set_aside: Sequence[Rule]) -> Outcome:
        """The decision of ``winners`` (one funder), or why its party cannot be named."""
        funder = self.funders[winners[0].funder or ""]
        rule_ids = tuple(r.id for r in winners)
        route = self.route(winners)
        unnamed = tuple(Candidate(r.id, funder.id, None) for r in winners)
        known: tuple[str, ...] = ()
        shares: list[Share] = []
        if funder.split is not None:
            found_split = self.parties.split(funder.split)
            if not isinstance(found_split, tuple):
                return self.escalation(EscalationReason.NO_RULE, route,
                                       [CannotShare(winners[0].id, funder.name, found_split), Refer(route.name)],
                                       candidates=unnamed, rules=rule_ids)
            shares, sources, facts = found_split
            if facts:
                known = self.parties.known_parties(funder.split)
            entity: str | None = "; ".join(f"{s.entity} {format_share(s.fraction)}" for s in shares) or None
        else:
            found = self.parties.party(funder)
            if found is None:
                return self.escalation(EscalationReason.NO_RULE, route,
                                       [NoPartySource(winners[0].id, funder.name, self.case.peildatum),
                                        Refer(route.name)],
                                       candidates=unnamed, rules=rule_ids)
            entity, sources, facts = found
        if facts or entity is None:
            # the law settles the funder; what names its party (or splits the cost) is still open
            candidates = tuple(Candidate(r.id, funder.id, party) for r in winners for party in known) or unnamed
            return self.escalation(EscalationReason.PARTY_UNKNOWN, route,
                                   [_REASON[EscalationReason.PARTY_UNKNOWN],
                                    PartyOpen(winners[0].id, funder.name, tuple(facts), known)],
                                   candidates=candidates, missing_facts=tuple(facts), rules=rule_ids,
                                   settled=funder)
        legal_basis, grounds = self.grounds(winners, sources)
        parts: list[Part] = [Shared(funder.name, entity) if funder.split is not None else Pays(entity, funder.name)]
        parts += [FrameworkText(fill(r.explanation, self.case, entity)) for r in winners]
        parts += [FrameworkText(fill(s.explanation, self.case, entity)) for s in sources if s.explanation]
        if funder.split is not None:
            parts.append(SplitKey(funder.split.basis, tuple(shares)))
        winning = {r.id for r in winners}
        parts += [Overridden(r.id, tuple(sorted(self.overriders(r.id) & winning))) for r in overridden]
        parts += [SetAside(r.id, r.domain, winners[0].domain) for r in set_aside]
        parts.append(grounds)
        return Decision(
            funder=funder.id,
            funder_name=funder.name,
            entity=entity,
            legal_basis=legal_basis,
            rules=rule_ids,
            overridden=tuple(r.id for r in [*overridden, *set_aside]),
            explanation="",
            shares=tuple(shares),
            explanation_parts=tuple(parts),
        )

    def escalation(self, reason: EscalationReason, route: Route, parts: list[Part], *, always_interim: bool = False,
                   candidates: tuple[Candidate, ...] = (), missing_facts: tuple[str, ...] = (),
                   rules: tuple[str, ...] = (), legal_basis: tuple[LegalBasis, ...] = (),
                   settled: Funder | None = None) -> Escalation:
        """The escalation, with who pays meanwhile and how to reach the route, where the framework says.

        A rule's own ``interim_funder`` goes before its route's; with neither, nobody is named: no
        national rule says who pays while a dispute runs (domain.md §3.3), so none is invented.
        ``always_interim``: the explanation says so when nobody is named. ``settled``: the funder the
        law settles when only its party is open (``party_unknown``).
        """
        key = (self.versions, route.id, rules)
        found = self.builder.interims.get(key)
        if found is None:
            found = self.builder.interims.remember(key, self._interim(route, rules))
        interim_id, reach = found
        interim = None
        meanwhile: Part | None = _NO_INTERIM if always_interim else None
        if interim_id is not None and interim_id in self.funders:
            funder = self.funders[interim_id]
            party = self.parties.party(funder)
            if party is not None and party[0] and not party[2]:
                interim = party[0]
                meanwhile = Interim(funder.name, interim)
            else:
                interim = funder.name
                meanwhile = Interim(funder.name, None, tuple(party[2]) if party else ())
        said = tuple([*parts, *(part for part in (meanwhile, reach) if part is not None)])
        return Escalation(reason, route, "", candidates=candidates, missing_facts=missing_facts, rules=rules,
                          interim_funder=interim, legal_basis=legal_basis, explanation_parts=said,
                          funder=settled.id if settled else None, funder_name=settled.name if settled else None)

    def _interim(self, route: Route, rule_ids: tuple[str, ...]) -> tuple[str | None, Reach | None]:
        """The funder id that pays meanwhile, and how to reach the route (None when it says nothing)."""
        rules = [self.rules[r] for r in rule_ids if r in self.rules]
        interim_id = next((r.interim_funder for r in rules if r.interim_funder), None) or route.interim_funder
        reach = Reach(route.name, route.contact, route.deadline) if route.contact or route.deadline else None
        return interim_id, reach

    def route(self, rules: Iterable[Rule]) -> Route:
        # The highest law involved decides where the dispute goes: a route named by one of its rules,
        # else the framework's own table (which a regional overlay replaces with its own). A route
        # of a lower law would send, say, an open Wlz question to a woonplaats commission.
        rules = list(rules)
        key = (self.versions, *(rule.id for rule in rules))
        found = self.builder.routes.get(key)
        if found is None:
            found = self.builder.routes.remember(key, self._route(rules))
        return found

    def _route(self, rules: list[Rule]) -> Route:
        rank = self.builder.rank
        if rules:
            top = min(rank.get(rule.domain, len(rank)) for rule in rules)
            for rule in rules:
                if rule.route and rank.get(rule.domain, len(rank)) == top:
                    return self.fw.route(rule.route)
        return self.fw.route(self.fw.default_route)

    def candidates(self, rules: Sequence[Rule]) -> tuple[Candidate, ...]:
        """The funder each rule points to, with its party where that is known."""
        # A missing-facts escalation names a candidate for each of its rules, often twenty or more,
        # that point to a few funders: each party is found once, and the candidates are the same
        # for every case with these rules and these parties.
        memo = self.builder
        key = (self.versions, tuple([r.id for r in rules]))
        funders = memo.funders_of.get(key)
        if funders is None:
            funders = memo.funders_of.remember(
                key, tuple(dict.fromkeys(r.funder or r.suggested_funder or "" for r in rules)))
        entities = tuple([self.parties.entity(funder_id) for funder_id in funders])
        found = memo.candidates.get((key, entities))
        if found is None:
            entity_of = dict(zip(funders, entities))
            made = []
            for rule in rules:
                funder_id = rule.funder or rule.suggested_funder or ""
                # one object per candidate, shared by every list that names it: a few hundred in all
                one = (rule.id, funder_id, entity_of[funder_id])
                made.append(memo.candidate_of.get(one) or memo.candidate_of.remember(one, Candidate(*one)))
            found = memo.candidates.remember((key, entities), tuple(made))
        return found

    def grounds(self, winners: Sequence[Rule], sources: list[PartySource]) -> tuple[tuple[LegalBasis, ...], Grounds]:
        """The legal basis of a decision, once each, and its part; the same for every case alike."""
        key = (self.versions, *(r.id for r in winners), "", *(s.id for s in sources))
        found = self.builder.grounds.get(key)
        if found is None:
            basis = [b for r in winners for b in r.legal_basis] + [b for s in sources for b in s.legal_basis]
            found = self.builder.grounds.remember(key, (
                tuple(dict.fromkeys(basis)), Grounds(tuple(dict.fromkeys(b.citation for b in basis)))))
        return found
