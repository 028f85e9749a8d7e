"""wiebetaalt: who pays for help to a Dutch child between school and youth care.

Load a decision framework (YAML), build an :class:`Engine`, and decide cases::

    from wiebetaalt import Engine, load_framework
    engine = Engine(load_framework("rules/landelijk.yaml"))
    outcome = engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "basisondersteuning"}})

An outcome is a :class:`Decision` (who pays, on what legal basis, and why) or an
:class:`Escalation` (why the framework does not settle it, to whom it goes, what is missing).
"""

from .analyse import Analysis
from .ask import Question, question
from .case import Case, parse_case
from .engine import Engine
from .errors import CaseError, CaseProblem, EvaluationError, FrameworkError, Problem, WiebetaaltError
from .examples import ExampleResult, check_example, run_examples
from .loader import check_framework, load_framework
from .model import Framework
from .outcome import Decision, Escalation, EscalationReason, FactAnswer, Outcome

__all__ = (
    "Analysis",
    "Case",
    "CaseError",
    "CaseProblem",
    "Decision",
    "Engine",
    "Escalation",
    "EscalationReason",
    "EvaluationError",
    "ExampleResult",
    "FactAnswer",
    "Framework",
    "FrameworkError",
    "Outcome",
    "Problem",
    "Question",
    "WiebetaaltError",
    "check_example",
    "check_framework",
    "load_framework",
    "parse_case",
    "question",
    "run_examples",
)
