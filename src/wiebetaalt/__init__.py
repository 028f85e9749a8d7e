"""wiebetaalt: who pays for help to a Dutch child between school and youth care.

Load a decision framework (YAML), build an :class:`Engine`, and decide cases::

    from wiebetaalt import Engine, load_framework
    engine = Engine(load_framework("rules/landelijk.yaml"))
    outcome = engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "basisondersteuning"}})

An outcome is a :class:`Decision` (who pays, on what legal basis, and why) or an
:class:`Escalation` (why the framework does not settle it, to whom it goes, what is missing).
Each carries an :class:`Audit` record of what it was decided from; :func:`recheck` decides a stored
outcome again and says whether it still holds.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .analysis.findings import Analysis
    from .decision.questions import Question, question
    from .analysis.recheck import Recheck, RecheckError, recheck
    from .decision.audit import Audit
    from .model.case import Case, parse_case
    from .engine.engine import Engine
    from .errors import (CaseError, CaseProblem, EngineUnavailableError, EvaluationError, FrameworkError, Problem,
                         WiebetaaltError)
    from .testing.examples import ExampleResult, check_example, run_examples
    from .load.loader import check_framework, load_framework
    from .model.framework import Framework, Presumption
    from .decision.outcome import Decision, Escalation, EscalationReason, FactAnswer, Outcome

# The public names are imported when the first of them is used (PEP 562), not by `import
# wiebetaalt` itself: importing a submodule runs this file first, and the pytest plugin, which
# pytest imports in every project that has wiebetaalt installed, must not load pydantic models and
# durable's C module for a project without rule files.
_HOMES = {
    "CaseError": "errors", "CaseProblem": "errors", "EngineUnavailableError": "errors", "EvaluationError": "errors",
    "FrameworkError": "errors",
    "Problem": "errors", "WiebetaaltError": "errors",
    "Case": "model.case", "parse_case": "model.case",
    "Framework": "model.framework", "Presumption": "model.framework",
    "Decision": "decision.outcome", "Escalation": "decision.outcome", "EscalationReason": "decision.outcome", "FactAnswer": "decision.outcome",
    "Outcome": "decision.outcome",
    "Engine": "engine.engine",
    "check_framework": "load.loader", "load_framework": "load.loader",
    "ExampleResult": "testing.examples", "check_example": "testing.examples", "run_examples": "testing.examples",
    "Question": "decision.questions", "question": "decision.questions",
    "Audit": "decision.audit", "Recheck": "analysis.recheck", "RecheckError": "analysis.recheck",
    "recheck": "analysis.recheck",
    "Analysis": "analysis.findings",
}

if not _typing.TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name stays an error

    def __getattr__(name: str) -> object:
        if name not in _HOMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        # all at once, as the eager imports were: the package then holds every public name
        for public, home in _HOMES.items():
            globals()[public] = getattr(_importlib.import_module(f".{home}", __name__), public)
        return globals()[name]

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})


__all__ = (
    "Analysis",
    "Audit",
    "Case",
    "CaseError",
    "CaseProblem",
    "Decision",
    "Engine",
    "EngineUnavailableError",
    "Escalation",
    "EscalationReason",
    "EvaluationError",
    "ExampleResult",
    "FactAnswer",
    "Framework",
    "FrameworkError",
    "Outcome",
    "Presumption",
    "Problem",
    "Question",
    "Recheck",
    "RecheckError",
    "WiebetaaltError",
    "check_example",
    "check_framework",
    "load_framework",
    "parse_case",
    "question",
    "recheck",
    "run_examples",
)
