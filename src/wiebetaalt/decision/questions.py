"""Asking a person for the facts a case still needs, one question at a time: ``decide --ask``.

Each case field has a Dutch question, worded from the case model's description (:func:`question`),
that reads a typed answer (:meth:`Question.parse`). :func:`ask` decides a case and, while it is an
escalation for missing facts, asks first for a fact of the smallest set that settles it
(:func:`wiebetaalt.decision.settle.settle`), showing what each answer would lead to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from ..errors import CaseError
from ..model.case import CASE_FIELDS, Case, Child, Need, School, parse_case
from .outcome import Outcome, asking_for_facts
from .settle import with_fact

_SECTIONS: dict[str, type[BaseModel]] = {"kind": Child, "school": School, "hulpvraag": Need}


class Decides(Protocol):
    """What :func:`ask` needs of an engine: it decides a case (and settles missing facts)."""

    def decide(self, case: Case, *, presume: bool = True) -> Outcome: ...


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
    """The question for case field ``path``, worded from the case model's description."""
    section, name = path.split(".")
    info = _SECTIONS[section].model_fields[name]
    ftype = CASE_FIELDS[path]
    text = info.description or f"Wat is {path}?"
    if not text.endswith("?"):
        text = f"{text.rstrip('.')} — wat is {path}?"
    choices = ("ja", "nee") if ftype.value_type == "bool" else tuple(ftype.values)
    return Question(path, text, ftype.value_type, choices)


def ask(
    engine: Decides,
    case: Case | Mapping[str, Any],
    read: Callable[[str], str],
    write: Callable[[str], Any],
    *,
    limit: int = 50,
    presume: bool = True,
) -> Outcome:
    """Decide ``case``, asking for the facts still needed one at a time until it is settled.

    ``read(prompt)`` returns the person's answer (``input`` at a terminal); ``write`` prints. The
    fact asked first is one of the smallest settling set, so a person answers as few questions as
    the framework allows. An empty answer stops the asking and returns the outcome so far. The
    facts the framework presumes are not asked (``presume=False``: they are); the outcome names them.
    """
    current = case if isinstance(case, Case) else parse_case(case)
    outcome = engine.decide(current, presume=presume)
    for _ in range(limit):
        if not (escalation := asking_for_facts(outcome)):
            break
        path = (escalation.settling_facts or escalation.missing_facts)[0]
        asked = question(path)
        write(f"\n{asked.text}")
        for number, choice in enumerate(asked.choices if asked.answer_type == "enum" else (), start=1):
            write(f"  {number}. {choice}")
        for answer in escalation.answers:
            if answer.field == path:
                write(f"  ({answer.label} → {answer.result})")
        while True:
            typed = read(f"{path}: ")
            if not typed.strip():
                return escalation
            try:
                current = with_fact(current, path, asked.parse(typed))
                break
            except (ValueError, CaseError) as error:
                write(f"  {error}")
        outcome = engine.decide(current, presume=presume)
    return outcome

