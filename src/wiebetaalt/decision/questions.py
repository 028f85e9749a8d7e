"""Asking a person for the facts a case still needs, one question at a time: ``decide --ask``.

Each case field has a plain Dutch question that the case model declares (:func:`question`),
that reads a typed answer (:meth:`Question.parse`). :func:`ask` decides a case and, while it is an
escalation for missing facts, asks first for a fact of the smallest set that settles it
(:func:`wiebetaalt.decision.settle.settle`), showing what each answer would lead to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import CaseError
from ..model.case import CASE_FIELDS, Case, field_value, parse_case
from ..model.conditions import atoms
from ..model.framework import Framework
from ..model.questions import QUESTIONS
from .outcome import Escalation, EscalationReason, Outcome, asking_for_facts
from .settle import with_fact

class Decides(Protocol):
    """What :func:`ask` needs of an engine: it decides a case (and settles missing facts)."""

    def decide(self, case: Case, *, presume: bool = True) -> Outcome: ...


def left_out_on_purpose(framework: Framework, outcome: Outcome, case: Case, asked: Collection[str] = ()) -> str | None:
    """A fact the case leaves out that keeps ``outcome`` a grey zone: a grey rule of it holds
    because the fact is not known (``known: false``), so knowing it may settle the case (the main
    residence of the child before 2022, say). None when there is none (left to ask)."""
    if not isinstance(outcome, Escalation) or outcome.reason is not EscalationReason.GREY_ZONE:
        return None
    for rule in framework.rules:
        if rule.id in outcome.rules and rule.in_force(case.peildatum):
            for atom in atoms(rule.when):
                if (atom.op == "known" and atom.value is False and atom.field not in asked
                        and field_value(case, atom.field) is None):
                    return atom.field
    return None


@dataclass(frozen=True)
class Question:
    """One fact to ask for: the Dutch question, the type of its answer (the field's value type), the
    choices (for yes/no and lists)."""

    field: str
    text: str
    answer_type: str
    choices: tuple[str, ...] = ()

    def parse(self, answer: str) -> Any:
        """The value an answer typed by a person stands for; raises ValueError with a Dutch message."""
        answer = answer.strip()
        if self.answer_type == "bool":
            lowered = answer.lower()
            if lowered in ("ja", "j", "true", "1"):
                return True
            if lowered in ("nee", "n", "false", "0"):
                return False
            raise ValueError("antwoord ja of nee")
        if self.answer_type == "enum":
            if answer.isdigit() and 1 <= int(answer) <= len(self.choices):
                return self.choices[int(answer) - 1]
            if answer in self.choices:
                return answer
            raise ValueError(f"kies een nummer van 1 tot en met {len(self.choices)}")
        if self.answer_type == "int":
            try:
                return int(answer)
            except ValueError:
                raise ValueError("antwoord met een heel getal") from None
        if self.answer_type == "date":
            try:
                return dt.date.fromisoformat(answer).isoformat()
            except ValueError:
                raise ValueError("antwoord met een datum JJJJ-MM-DD") from None
        if not answer:
            raise ValueError("vul een waarde in")
        return answer


def question(path: str) -> Question:
    """The question for case field ``path``, as the case model words it (:mod:`wiebetaalt.model.questions`)."""
    ftype = CASE_FIELDS[path]
    choices = ("ja", "nee") if ftype.value_type == "bool" else tuple(ftype.values)
    return Question(path, QUESTIONS[path], ftype.value_type, choices)


def ask(
    engine: Decides,
    case: Case | Mapping[str, Any],
    read: Callable[[str], str],
    write: Callable[[str], Any],
    *,
    limit: int = 50,
    presume: bool = True,
    framework: Framework | None = None,
) -> Outcome:
    """Decide ``case``, asking for the facts still needed one at a time until it is settled.

    ``read(prompt)`` returns the person's answer (``input`` at a terminal); ``write`` prints. The
    fact asked first is one of the smallest settling set, so a person answers as few questions as
    the framework allows. An empty answer stops the asking and returns the outcome so far. The
    facts the framework presumes are not asked (``presume=False``: they are); the outcome names them.
    With ``framework`` (the engine's), a grey zone that holds because a fact is left out
    (:func:`left_out_on_purpose`) asks for that fact too, once.
    """
    current = case if isinstance(case, Case) else parse_case(case)
    outcome = engine.decide(current, presume=presume)
    done: list[str] = []
    for _ in range(limit):
        waiting = asking_for_facts(outcome)
        if waiting is not None:
            path = (waiting.settling_facts or waiting.missing_facts)[0]
        elif framework is not None and (left_out := left_out_on_purpose(framework, outcome, current, done)):
            path = left_out  # a grey zone that a fact left out may settle
        else:
            break
        done.append(path)
        asked = question(path)
        write(f"\n{asked.text}")
        for number, choice in enumerate(asked.choices if asked.answer_type == "enum" else (), start=1):
            write(f"  {number}. {choice}")
        for answer in waiting.answers if waiting is not None else ():
            if answer.field == path:
                write(f"  ({answer.label} → {answer.result})")
        while True:
            typed = read(f"{path}: ")
            if not typed.strip():
                return outcome
            try:
                current = with_fact(current, path, asked.parse(typed))
                break
            except (ValueError, CaseError) as error:
                write(f"  {error}")
        outcome = engine.decide(current, presume=presume)
    return outcome

