"""The engine: durable_rules does the matching; the only module that imports it.

durable_rules 2.0.28 has sharp edges (see docs/engine.md): the Host starts timer threads that can
swallow answers, the C code is not thread-safe, a fact no rule takes makes deleting its session
crash the process, sessions leak unless deleted, and exceptions in actions vanish. So this module
drives the C module ``durable_rules_engine`` directly: one ruleset per Engine, a catch-all rule so
every fact is taken, one long-lived session whose fact is retracted after each case, a lock around
every call, and no Python actions at all (the names of the fired rules are read from the action
messages).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

try:
    import durable_rules_engine as _durable
except ImportError as _missing:
    # a durable-rules built without the define of the README imports with "undefined symbol:
    # PyEval_CallObject" on Python 3.13; say so, with the fix, when an engine is needed
    _durable = None
    DURABLE_MISSING: str | None = str(_missing)
else:
    DURABLE_MISSING = None

from .case import MUNICIPALITY_FIELDS, Case, KnownNames, parse_case, replaced
from .compiler import CATCH_ALL, CompiledFramework, case_fact, compile_framework
from .errors import CaseError, EngineUnavailableError, EvaluationError
from .model import Framework, compared_texts
from .ask import settle as settle_facts
from .audit import Auditor
from .outcome import Escalation, EscalationReason, Outcome, Resolver, Truth, with_changes
from .postcode import PostcodeTable, bundled_postcodes

try:  # orjson halves the cost of the JSON that crosses into durable; plain json works too
    import orjson

    def _dumps(value: Any) -> str:
        return orjson.dumps(value).decode()

except ImportError:  # pragma: no cover - orjson is a declared dependency
    def _dumps(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))


_ASSERTED, _NOT_HANDLED, _OBSERVED = 0, 1, 2
_STATES = ("true", "unknown", "false")
_names = itertools.count()
#: Cases matched in one pass through durable by :meth:`Engine.decide_many` (200 to 1000 measure
#: about the same). Every rule gets it as ``cap``: durable then returns one action per rule and
#: chunk carrying every matched fact, instead of one action per rule and fact.
CHUNK_SIZE = 500
# The id of each matched fact in an action message. A comma followed by an unescaped quote cannot
# occur inside a JSON string, so this finds only the ids durable echoes, whatever the case text holds.
_FACT_ID = re.compile(r',"id":(\d+)')


#: how to rebuild durable-rules so that it imports (the README says why)
DURABLE_FIX = ("CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install --no-cache-dir --force-reinstall "
               "--no-deps durable-rules==2.0.28")


def require_durable() -> None:
    """Raise :class:`EngineUnavailableError` (Dutch, with the fix) when durable_rules did not import."""
    if _durable is None:
        raise EngineUnavailableError(f"de rekenkern durable_rules laadt niet ({DURABLE_MISSING}); installeer hem "
                                     f"opnieuw met: {DURABLE_FIX}")


def build_error(compiled: CompiledFramework) -> str:
    """Why durable_rules refuses to build a compiled framework (empty when it builds).

    The compiler keeps every part within the limits durable is known to have
    (:mod:`wiebetaalt.network`); loading asks here as well, so that a file that loads also decides.
    Without durable there is nothing to ask (an :class:`Engine` then says why it cannot decide).
    """
    if _durable is None:
        return ""
    for ruleset in compiled.part_rulesets():
        try:
            handle = _durable.create_ruleset(f"wiebetaalt_check_{next(_names)}", json.dumps(_capped(ruleset)))
        except Exception as error:
            return str(error)
        _durable.delete_ruleset(handle)
    return ""


def _capped(ruleset: dict[str, Any]) -> dict[str, Any]:
    return {name: {**rule, "cap": CHUNK_SIZE} for name, rule in ruleset.items()}


def _create(compiled: CompiledFramework, ruleset: dict[str, Any]) -> int:
    # durable keeps the definition it is given; a fresh JSON text is its own copy
    try:
        return int(_durable.create_ruleset(f"wiebetaalt_{compiled.digest}_{next(_names)}",
                                           json.dumps(_capped(ruleset))))
    except Exception as error:
        # the compiler keeps within durable's known limits; its own error type is no part of this API
        raise EvaluationError(f"durable_rules cannot build this framework: {error}") from None


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
        framework: a loaded :class:`~wiebetaalt.model.Framework`.
        postcodes: the postcode→municipality table used when a case gives a postcode but no BRP
            municipality; by default the small sample shipped with the package.

    Raises:
        EvaluationError: durable_rules refuses the compiled framework: it crossed a limit of
            durable that the compiler does not model yet (see :mod:`wiebetaalt.network`).
    """

    def __init__(self, framework: Framework, *, postcodes: PostcodeTable | None = None) -> None:
        require_durable()
        self.framework = framework
        self.postcodes = postcodes if postcodes is not None else bundled_postcodes()
        self._compiled: CompiledFramework = compile_framework(framework)
        self._resolver = Resolver(framework)
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
                self._handles.append(_create(self._compiled, ruleset))
        except EvaluationError:
            self.close()
            raise

    def close(self) -> None:
        """Free the durable rulesets; the engine cannot decide afterwards."""
        with self._lock:
            handles, self._handles = self._handles, None
            for handle in handles or ():
                _durable.delete_ruleset(handle)

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        for handle in getattr(self, "_handles", None) or ():
            try:
                _durable.delete_ruleset(handle)
            except Exception:  # pragma: no cover - interpreter shutdown
                pass

    @classmethod
    def from_path(cls, path: str | Path, **kwargs: Any) -> Engine:
        from .loader import load_framework

        return cls(load_framework(path), **kwargs)

    def prepare(self, case: Case | Mapping[str, Any]) -> Case:
        """Validate a raw case and fill what follows from it (the BRP municipality of a postcode).

        Raises:
            CaseError: naming every bad field.
        """
        return self._prepare(case)[0]

    def _prepare(self, case: Case | Mapping[str, Any]) -> tuple[Case, str]:
        if not isinstance(case, Case):
            case = parse_case(case)
        child = case.kind
        updates: dict[str, Any] = {}
        notes: list[str] = []
        current = child.brp_gemeente
        if current is None and child.postcode is not None:
            current = self.postcodes.lookup(child.postcode)
            if current is not None:
                updates["brp_gemeente"] = current
                notes.append(f"De BRP-gemeente {current} is afgeleid uit postcode {child.postcode}.")
            else:
                notes.append(f"Postcode {child.postcode} staat niet in de postcodetabel; de BRP-gemeente is onbekend.")
        at_peildatum = current
        moved_on = child.brp_inschrijfdatum
        if moved_on is not None and case.peildatum < moved_on:
            # a move counts from the day it is registered in the BRP: before that, the previous
            # municipality is the BRP municipality (docs/case.md)
            at_peildatum = child.vorige_brp_gemeente
            updates["brp_gemeente"] = at_peildatum
            where = f" in {current}" if current else ""
            if at_peildatum is not None:
                notes.append(
                    f"De inschrijving op het nieuwe BRP-woonadres{where} gaat pas in op {moved_on}, na de peildatum; "
                    f"op de peildatum is {at_peildatum} de BRP-gemeente."
                )
            else:
                notes.append(
                    f"De inschrijving op het nieuwe BRP-woonadres{where} gaat pas in op {moved_on}, na de peildatum; "
                    "de BRP-gemeente op de peildatum (kind.vorige_brp_gemeente) is onbekend."
                )
        elif moved_on is not None and current is not None and child.vorige_brp_gemeente is not None:
            notes.append(
                f"De jeugdige is verhuisd van {child.vorige_brp_gemeente} naar {current}; vanaf de inschrijving in de "
                f"BRP op {moved_on} is {current} de BRP-gemeente."
            )
        if child.brp_woonadres is None:
            if child.briefadres:
                # a briefadres is not a woonadres (docs/case.md)
                updates["brp_woonadres"] = False
            elif current is not None or at_peildatum is not None:
                # brp_gemeente is documented as the municipality of the BRP woonadres
                updates["brp_woonadres"] = True
        if child.verblijf is None and child.soort_verblijf is not None:
            # every kind of stay is verblijf, except respite that does not recur regularly
            updates["verblijf"] = child.soort_verblijf != "logeren_incidenteel"
        if updates:
            case = replaced(case, {"kind": replaced(child, updates)})
        # rules compare text exactly: each name as the framework spells it, also one found
        # through the postcode table (docs/case.md)
        return self._names.canonical(case), " ".join(notes)

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
                    self._match_part(handle, text, first, fired)
                except BaseException as error:
                    self._give_up(part)
                    if isinstance(error, EvaluationError):
                        raise
                    if isinstance(error, Exception):
                        raise EvaluationError(f"durable_rules failed: {error}") from error
                    raise
        return [self._truth(case, names) for case, names in zip(cases, fired)]

    def _match_part(self, handle: int, text: str, first: int, fired: list[list[str]]) -> None:
        """Assert the facts in one part, note the rules that fired for each, retract them."""
        many = len(fired) > 1
        code, state = (_durable.assert_facts if many else _durable.assert_fact)(handle, text)
        if code != _ASSERTED:
            raise EvaluationError(f"durable_rules refused the case (code {code})")
        action = _durable.start_action_for_state(handle, state)
        message = action[1] if action else None
        taken = 0
        while message:
            name = message[2 : message.index('"', 2)]
            if name == CATCH_ALL:  # it takes every case: count them rather than read each id
                taken += message.count(',"id":')
                message = _durable.complete_and_start_action(handle, state)
                continue
            for number in _FACT_ID.findall(message):
                index = int(number) - first
                if not 0 <= index < len(fired):
                    raise EvaluationError(f"durable_rules reported a case it was not given (id {number})")
                fired[index].append(name)
            message = _durable.complete_and_start_action(handle, state)
        if taken != len(fired):
            raise EvaluationError(f"durable_rules reported {taken} of {len(fired)} cases; the answer is incomplete")
        (_durable.retract_facts if many else _durable.retract_fact)(handle, text)

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
            self._handles[part] = _create(self._compiled, self._rulesets[part])
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

    def decide(self, case: Case | Mapping[str, Any], *, settle: bool = True) -> Outcome:
        """Decide one case.

        A missing-facts escalation also names the smallest set of facts whose answers settle the
        case and what each answer would lead to (:func:`wiebetaalt.ask.settle`); that decides the
        case again for every answer, so ``settle=False`` leaves it out where only the outcome counts.

        Returns:
            a :class:`~wiebetaalt.outcome.Decision` or an :class:`~wiebetaalt.outcome.Escalation`.

        Raises:
            CaseError: the case is not valid (every bad field is named).
            EvaluationError: the engine failed; never raised for a grey zone or a missing fact.
        """
        # the audit record keeps the case as given (validated), not as prepared: deciding it again
        # then prepares it again, with the note that says what was derived
        given = case if isinstance(case, Case) else parse_case(case)
        prepared, note = self._prepare(given)
        return self._conclude(given, prepared, note, self.match(prepared), settle)

    def _conclude(self, given: Case, prepared: Case, note: str, truth: Truth, settle: bool) -> Outcome:
        outcome = self._resolver.resolve(prepared, truth)
        audit = self.auditor.record(given, outcome, settle)
        if note:
            outcome = with_changes(outcome, explanation=f"{outcome.explanation} {note}", audit=audit)
        else:
            outcome = with_changes(outcome, audit=audit)
        if settle and isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS:
            facts, answers = settle_facts(self, prepared, outcome)
            outcome = dataclasses.replace(outcome, settling_facts=facts, answers=answers)
            if facts:
                outcome = dataclasses.replace(
                    outcome,
                    explanation=f"{outcome.explanation} Met antwoord op {', '.join(facts)} is de casus in elk "
                    "geval beslist of duidelijk naar wie hij gaat.",
                )
        return outcome

    def decide_many(
        self, cases: Iterable[Case | Mapping[str, Any]], *, settle: bool = True, chunk_size: int = CHUNK_SIZE
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
            yield from self._decide_chunk(chunk, settle)

    def _decide_chunk(self, chunk: list[Case | Mapping[str, Any]], settle: bool) -> list[Outcome | CaseError]:
        results: list[Outcome | CaseError | None] = []
        valid: list[tuple[int, Case, Case, str]] = []
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
            results[index] = self._conclude(given, prepared, note, truth, settle)
        return results  # type: ignore[return-value]  # every None was filled
