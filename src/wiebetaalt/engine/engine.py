"""The Engine: a case in, an outcome out. It derives facts (the postcode's municipality, the
spelling of names), matches the case in durable_rules through :mod:`.durable`, and resolves the
fired rules into one outcome (:mod:`wiebetaalt.decision.resolve`), settling missing facts on request.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..decision.audit import Auditor
from ..decision.explain import Part, explain
from ..decision.notes import Note, Presumed, Settled
from ..decision.outcome import Escalation, Outcome, asking_for_facts, with_changes
from ..decision.resolve import Resolver, Truth
from ..decision.settle import settle as settle_facts
from ..errors import CaseError, EvaluationError
from ..load.postcodes import PostcodeTable, bundled_postcodes
from ..model.case import MUNICIPALITY_FIELDS, Case, parse_case
from ..model.framework import Framework, Presumption, compared_texts
from ..model.names import KnownNames
from . import durable
from .compiler import CompiledFramework, compile_framework
from .derive import derive
from .durable import CHUNK_SIZE, require_durable
from .fact import case_fact
from .presume import answer, with_values

try:  # orjson encodes the facts that cross into durable faster (docs/engine.md); plain json works too
    import orjson

    def _dumps(value: Any) -> str:
        return orjson.dumps(value).decode()

except ImportError:  # pragma: no cover - orjson is a declared dependency
    def _dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))


_STATES = ("true", "unknown", "false")


def known_names(framework: Framework, postcodes: PostcodeTable | None = None) -> KnownNames:
    """The spellings of the names a framework compares text fields with, and the municipalities of
    a postcode table after them (so that the framework's spelling wins)."""
    names = compared_texts(framework)
    if postcodes is not None:
        names.setdefault(MUNICIPALITY_FIELDS[0], []).extend(sorted(postcodes.municipalities()))
    return KnownNames(names)


class Engine:
    """Decides cases against one framework. Safe to share between threads.

    Args:
        framework: a loaded :class:`~wiebetaalt.model.framework.Framework`.
        postcodes: the postcode→municipality table used when a case gives a postcode but no BRP
            municipality; by default the small sample shipped with the package.

    Raises:
        EvaluationError: durable_rules refuses the compiled framework: it crossed a limit of
            durable that the compiler does not model yet (see :mod:`wiebetaalt.engine.network`).
    """

    def __init__(self, framework: Framework, *, postcodes: PostcodeTable | None = None) -> None:
        require_durable()
        self.framework = framework
        self.postcodes = postcodes if postcodes is not None else bundled_postcodes()
        self._compiled: CompiledFramework = compile_framework(framework)
        self._resolver = Resolver(framework)
        self._presumptions: dict[str, Presumption] = {p.field: p for p in framework.presumptions}
        #: the per-framework parts of every outcome's audit record, worked out once
        self.auditor = Auditor(framework, self.postcodes)
        # every name the framework compares with, in its spelling (docs/case.md)
        self._names = known_names(framework, self.postcodes)
        # per durable rule: which of (true, unknown, false) it says, and of which item
        self._states = {name: (_STATES.index(state), item) for name, (state, item) in self._compiled.names.items()}
        # the items whose truth is "unknown" when neither their true nor their false rule fires
        complement = self._compiled.complement
        self._always_complement = frozenset(item for item, period in complement if period.always)
        self._dated_complement = [(item, period) for item, period in complement if not period.always]
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._sid = "s0"
        #: rulesets given up after durable failed in them, never touched again (see _give_up)
        self.abandoned = 0
        self._rulesets = self._compiled.part_rulesets()
        self._handles: list[int] | None = []
        try:
            for ruleset in self._rulesets:
                self._handles.append(durable.create(self._compiled, ruleset))
        except EvaluationError:
            self.close()
            raise

    def close(self) -> None:
        """Free the durable rulesets; the engine cannot decide afterwards."""
        with self._lock:
            handles, self._handles = self._handles, None
            for handle in handles or ():
                durable.delete(handle)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        for handle in getattr(self, "_handles", None) or ():
            try:
                durable.delete(handle)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass

    @classmethod
    def from_path(cls, path: str | Path, **kwargs: Any) -> Engine:
        from ..load.loader import load_framework

        return cls(load_framework(path), **kwargs)

    def prepare(self, case: Case | Mapping[str, Any]) -> Case:
        """Validate a raw case and fill what follows from it (the BRP municipality of a postcode).

        Raises:
            CaseError: naming every bad field.
        """
        return self._prepare(case)[0]

    def _prepare(self, case: Case | Mapping[str, Any]) -> tuple[Case, tuple[Note, ...]]:
        if not isinstance(case, Case):
            case = parse_case(case)
        case, notes = derive(case, self.postcodes)
        # rules compare text exactly: each name as the framework spells it, also one found
        # through the postcode table (docs/case.md)
        return self._names.canonical(case), notes

    def match(self, case: Case) -> Truth:
        """Run the case through durable: which rules and party sources hold, and which may hold."""
        return self.match_many([case])[0]

    def match_many(self, cases: Sequence[Case]) -> list[Truth]:
        """:meth:`match` for many prepared cases in one pass through durable (one assert, one retract).

        Raises:
            EvaluationError: durable failed; its session is reset, so the engine goes on working.
        """
        if not cases:
            return []
        keys = self._compiled.keys
        facts = [case_fact(case, keys) for case in cases]
        fired: list[list[str]] = [[] for _ in cases]
        with self._lock:
            if self._handles is None:
                raise EvaluationError("this engine is closed")
            first = next(self._ids)
            for number, fact in enumerate(facts, first):
                fact["sid"] = self._sid
                fact["id"] = number
            self._ids = itertools.count(first + len(facts))
            text = _dumps(facts) if len(facts) > 1 else _dumps(facts[0])
            for part, handle in enumerate(self._handles):
                try:
                    durable.match(handle, text, first, fired)
                except BaseException as error:
                    self._give_up(part)
                    if isinstance(error, EvaluationError):
                        raise
                    if isinstance(error, Exception):
                        raise EvaluationError(f"durable_rules failed: {error}") from error
                    raise
        return [self._truth(case, names) for case, names in zip(cases, fired)]

    def _give_up(self, part: int) -> None:
        """Replace a part's ruleset after durable failed in it, without touching the old one.

        After a failed call durable's state for the session may hold a fact stored halfway;
        deleting that session (or the ruleset holding it) can free memory twice and kill the
        process. So the old handle is left as it is, a small leak in a case that the compiler's
        limits should make impossible, and the part starts again in a fresh ruleset.
        """
        assert self._handles is not None
        self.abandoned += 1
        try:
            self._handles[part] = durable.create(self._compiled, self._rulesets[part])
        except EvaluationError:
            self._handles = None  # cannot decide any more; nothing is deleted
            raise

    def _truth(self, case: Case, fired: list[str]) -> Truth:
        found: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for name in fired:
            state, item = self._states[name]
            found[state].add(item)
        true, unknown, false = found
        if self._always_complement:
            unknown |= self._always_complement - true - false
        for item, period in self._dated_complement:
            if item not in true and item not in false and period.in_force(case.peildatum):
                unknown.add(item)
        return Truth(frozenset(true), frozenset(unknown))

    def decide(self, case: Case | Mapping[str, Any], *, settle: bool = True, presume: bool = True) -> Outcome:
        """Decide one case.

        A missing-facts escalation also names the smallest set of facts whose answers settle the
        case and what each answer would lead to (:func:`wiebetaalt.decision.settle.settle`); that decides the
        case again for every answer, so ``settle=False`` leaves it out where only the outcome counts.

        A fact the case leaves out and the framework presumes (``presumptions:``, a Wlz indication,
        a secret address) takes its presumed value when the outcome would otherwise escalate for
        it; the outcome then names those presumptions (``presumptions``, and a sentence of its
        explanation). ``presume=False`` presumes nothing: every fact left out stays unknown.

        Returns:
            a :class:`~wiebetaalt.decision.outcome.Decision` or an :class:`~wiebetaalt.decision.outcome.Escalation`.

        Raises:
            CaseError: the case is not valid (every bad field is named).
            EvaluationError: the engine failed; never raised for a grey zone or a missing fact.
        """
        # the audit record keeps the case as given (validated), not as prepared: deciding it again
        # then prepares it again, with the note that says what was derived
        given = case if isinstance(case, Case) else parse_case(case)
        prepared, notes = self._prepare(given)
        return self._conclude(given, prepared, notes, self.match(prepared), settle, presume)

    def _conclude(self, given: Case, prepared: Case, notes: tuple[Note, ...], truth: Truth,
                  settle: bool, presume: bool) -> Outcome:
        # the resolver leaves the explanation as parts: what the engine derived, presumed and what
        # settles the case are added to them, and the whole is rendered once
        outcome = self._resolver.draft(prepared, truth)
        presumed: tuple[Presumption, ...] = ()
        if presume and self._presumptions and asking_for_facts(outcome):
            prepared, notes, outcome, presumed = self._presume(given, prepared, notes, outcome)
        parts: tuple[Part, ...] = outcome.explanation_parts + notes if notes else outcome.explanation_parts
        if presumed:
            parts += (Presumed(presumed),)
        audit = self.auditor.record(given, outcome, settle, tuple(p.field for p in presumed), presume)
        if settle and (escalation := asking_for_facts(outcome)):
            decide = functools.partial(self.decide, settle=False, presume=presume)
            facts, answers = settle_facts(decide, self.framework, prepared, escalation)
            if facts:
                parts += (Settled(facts),)
            return with_changes(escalation, explanation=explain(parts), explanation_parts=parts, audit=audit,
                                settling_facts=facts, answers=answers, presumptions=presumed)
        return with_changes(outcome, explanation=explain(parts), explanation_parts=parts, audit=audit,
                            presumptions=presumed)

    def _presume(self, given: Case, prepared: Case, notes: tuple[Note, ...],
                 outcome: Outcome) -> tuple[Case, tuple[Note, ...], Outcome, tuple[Presumption, ...]]:
        """The case with the presumed value of every missing fact the framework presumes, decided
        again until no presumed fact is missing; a presumption is filled in only when the outcome
        escalated for its fact, and of those only the ones the answer rests on are kept."""
        presumed: list[Presumption] = []
        case = given
        while isinstance(outcome, Escalation):
            fill = [found for fact in outcome.missing_facts
                    if (found := self._presumptions.get(fact)) is not None and found not in presumed]
            if not fill:
                break
            presumed += fill
            case = with_values(case, {p.field: p.value for p in fill})
            prepared, notes = self._prepare(case)
            outcome = self._resolver.draft(prepared, self.match(prepared))
            if not asking_for_facts(outcome):
                break
        return self._needed(given, prepared, notes, outcome, tuple(presumed))

    def _needed(self, given: Case, prepared: Case, notes: tuple[Note, ...], outcome: Outcome,
                presumed: tuple[Presumption, ...]) -> tuple[Case, tuple[Note, ...], Outcome, tuple[Presumption, ...]]:
        """Of presumptions filled in together, only those the answer rests on.

        An escalation names every fact a rule still waits for, so one round can fill in two facts
        where one would do: with no stay presumed, whether a registration was only for a procedure
        no longer matters. Each presumption is left out in turn (one pass through durable for all);
        those without which the answer stays the same are dropped, and the rest is checked once
        more together, so the presumptions an outcome names always give its answer, and leaving
        out any one of them changes it.
        """
        if len(presumed) < 2:
            return prepared, notes, outcome, presumed  # the one presumption was filled because the case escalated
        target = answer(outcome)
        variants = [self._prepare(with_values(given, {q.field: q.value for q in presumed if q is not p}))
                    for p in presumed]
        truths = self.match_many([case for case, _ in variants])
        kept = tuple(p for p, (case, _), truth in zip(presumed, variants, truths)
                     if answer(self._resolver.draft(case, truth)) != target)
        if len(kept) == len(presumed):
            return prepared, notes, outcome, presumed
        fewer, fewer_notes = self._prepare(with_values(given, {p.field: p.value for p in kept}))
        again = self._resolver.draft(fewer, self.match(fewer))
        if answer(again) == target:
            return fewer, fewer_notes, again, kept
        # the dropped ones stood in for each other (either one settles the same rule): leave them
        # out one at a time instead, keeping each one whose absence changes the answer
        kept = presumed
        for p in reversed(presumed):
            trial = tuple(q for q in kept if q is not p)
            case, case_notes = self._prepare(with_values(given, {q.field: q.value for q in trial}))
            tried = self._resolver.draft(case, self.match(case))
            if answer(tried) == target:
                kept, prepared, notes, outcome = trial, case, case_notes, tried
        return prepared, notes, outcome, kept

    def decide_many(
        self, cases: Iterable[Case | Mapping[str, Any]], *, settle: bool = True, chunk_size: int = CHUNK_SIZE,
        presume: bool = True,
    ) -> Iterator[Outcome | CaseError]:
        """Decide cases in order, lazily, ``chunk_size`` at a time through durable.

        Yields, for every case, what :meth:`decide` returns for it, or the :class:`CaseError` it
        raises: a bad case does not stop the others. Memory holds one chunk, whatever the input.

        Raises:
            EvaluationError: the engine failed (never for a bad case, a grey zone or a missing fact).
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
        source = iter(cases)
        while chunk := list(itertools.islice(source, chunk_size)):
            yield from self._decide_chunk(chunk, settle, presume)

    def _decide_chunk(self, chunk: list[Case | Mapping[str, Any]], settle: bool,
                      presume: bool) -> list[Outcome | CaseError]:
        results: list[Outcome | CaseError | None] = []
        valid: list[tuple[int, Case, Case, tuple[Note, ...]]] = []
        for case in chunk:
            try:
                given = case if isinstance(case, Case) else parse_case(case)
                prepared, note = self._prepare(given)
            except CaseError as error:
                results.append(error)
                continue
            valid.append((len(results), given, prepared, note))
            results.append(None)
        truths = self.match_many([prepared for _, _, prepared, _ in valid])
        for (index, given, prepared, note), truth in zip(valid, truths):
            results[index] = self._conclude(given, prepared, note, truth, settle, presume)
        return results  # type: ignore[return-value]  # every None was filled
