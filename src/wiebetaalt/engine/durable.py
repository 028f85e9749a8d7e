"""The boundary to durable_rules: the only module that imports its C module ``durable_rules_engine``.

durable_rules 2.0.28 has sharp edges (see docs/engine.md): the Host starts timer threads that can
swallow answers, the C code is not thread-safe, a fact no rule takes makes deleting its session
crash the process, sessions leak unless deleted, and exceptions in actions vanish. So wiebetaalt
drives the C module directly: one ruleset per part of a compiled framework, a catch-all rule so
every fact is taken, one long-lived session whose facts are retracted after each chunk, a lock
around every call (held by the Engine), and no Python actions at all: the names of the fired
rules are read from the action messages.
"""

from __future__ import annotations

import itertools
import json
import re
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

from ..errors import EngineUnavailableError, EvaluationError
from .compiler import CATCH_ALL, CompiledFramework

#: how to rebuild durable-rules so that it imports (the README says why)
DURABLE_FIX = ("CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install --no-cache-dir --force-reinstall "
               "--no-deps durable-rules==2.0.28")
#: Cases matched in one pass through durable by :meth:`Engine.decide_many` (docs/engine.md compares
#: sizes). Every rule gets it as ``cap``: durable then returns one action per rule and chunk
#: carrying every matched fact, instead of one action per rule and fact.
CHUNK_SIZE = 500

_ASSERTED = 0
_names = itertools.count()
# The id of each matched fact in an action message. A comma followed by an unescaped quote cannot
# occur inside a JSON string, so this finds only the ids durable echoes, whatever the case text holds.
_FACT_ID = re.compile(r',"id":(\d+)')


def require_durable() -> None:
    """Raise :class:`EngineUnavailableError` (Dutch, with the fix) when durable_rules did not import."""
    if _durable is None:
        raise EngineUnavailableError(f"de rekenkern durable_rules laadt niet ({DURABLE_MISSING}); installeer hem "
                                     f"opnieuw met: {DURABLE_FIX}")


def build_error(compiled: CompiledFramework) -> str:
    """Why durable_rules refuses to build a compiled framework (empty when it builds).

    The compiler keeps every part within the limits durable is known to have
    (:mod:`wiebetaalt.engine.network`); loading asks here as well, so that a file that loads also
    decides. Without durable there is nothing to ask (an Engine then says why it cannot decide).
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


def create(compiled: CompiledFramework, ruleset: dict[str, Any]) -> int:
    """A durable ruleset for one part of ``compiled``; its handle.

    Raises:
        EvaluationError: durable refuses it (a limit the compiler does not model).
    """
    # durable keeps the definition it is given; a fresh JSON text is its own copy
    try:
        return int(_durable.create_ruleset(f"wiebetaalt_{compiled.digest}_{next(_names)}",
                                           json.dumps(_capped(ruleset))))
    except Exception as error:
        # the compiler keeps within durable's known limits; its own error type is no part of this API
        raise EvaluationError(f"durable_rules cannot build this framework: {error}") from None


def delete(handle: int) -> None:
    """Free a ruleset and its session."""
    _durable.delete_ruleset(handle)


def match(handle: int, text: str, first: int, fired: list[list[str]]) -> None:
    """Assert the facts ``text`` (ids from ``first``) in one ruleset, add the name of every rule that
    fired for the i-th fact to ``fired[i]``, and retract the facts.

    Raises:
        EvaluationError: durable refused a fact, or reported a fact it was not given, or not every
            fact (the catch-all rule takes each one).
    """
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
