"""A missing-facts escalation only when the unknown facts matter.

The promise of docs/case.md: when the answer is the same whatever the unknown facts are, the engine
decides. So for a missing-facts escalation two completions of the named facts (values for them,
the other facts as given) lead to different outcomes; where the engine tells the facts apart (at
most ``MAX_UNKNOWN_RULES`` rules in doubt) each named fact changes the outcome on its own.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pydantic import TypeAdapter

import reference
from condition_strategies import atoms, conditions
from conftest import MINIMAL_FRAMEWORK, RULES
from strategies import raw_cases
from wiebetaalt import Decision, Engine, Escalation, EscalationReason, Framework, load_framework
from wiebetaalt.decision.completions import Completions
from wiebetaalt.decision.resolve import MAX_UNKNOWN_RULES
from wiebetaalt.model.case import CASE_FIELDS, field_value, parse_case
from wiebetaalt.model.conditions import Condition, evaluate
from wiebetaalt.model.space import field_space
from wiebetaalt.testing import cases

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


# --- what is left of a condition once the known facts are in ------------------------------------

@pytest.fixture(scope="module")
def completions() -> Completions:
    return Completions(load_framework(RULES / "landelijk.yaml"))


@given(raw_condition=conditions(atoms()), raw_case=raw_cases(known=0.5), filler=raw_cases(known=1.0))
def test_a_residual_is_the_condition_with_the_known_facts_filled_in(
        completions: Completions, raw_condition: Any, raw_case: dict[str, Any], filler: dict[str, Any]) -> None:
    condition, case = CONDITION.validate_python(raw_condition), parse_case(raw_case)
    (number,), filled = completions.residuals([condition], case)
    value = evaluate(condition, case)[0]
    if value is not None:  # settled: the residual is that truth, and reads nothing
        assert completions.table[number][0] is value and completions.fields(number) == () and not filled
        return
    # open: it reads only open fields; filled in, they give the condition's truth (a field taken
    # as filled in makes `known` hold even where the residual no longer reads its value)
    read = completions.fields(number)
    assert all(field_value(case, path) is None for path in filled) and set(read) <= filled
    assert set(evaluate(condition, case)[1]) <= filled
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in raw_case.items()}
    for path in filled:
        section, name = path.split(".")
        data.setdefault(section, {})[name] = filler[section][name]
    completed = parse_case(data)
    assert completions.holds(number, {path: field_value(completed, path) for path in read}) is reference.evaluate(
        condition, completed)


# --- a rule that never holds, a fact that changes nothing ---------------------------------------

#: The national framework with a rule that can never hold (an age below 4 and above 10) beside an
#: ordinary rule for extra ondersteuning: the first made such cases escalate for school.soort and
#: kind.leeftijd, although every answer led to the same decision.
NEVER_HOLDS = MINIMAL_FRAMEWORK.replace("rules:\n", """\
  - id: swv
    name: Samenwerkingsverband
    party:
      - id: partij-swv
        field: school.samenwerkingsverband
        prefix: samenwerkingsverband
rules:
  - id: extra-ondersteuning
    title: Extra ondersteuning betaalt het samenwerkingsverband
    domain: onderwijs
    when: {field: hulpvraag.soort, eq: extra_ondersteuning}
    funder: swv
    legal_basis:
      - citation: WPO art. 18a
        url: https://example.org/wpo
    explanation: Het samenwerkingsverband betaalt.
  - id: nooit
    title: Een regel die nooit geldt
    domain: jeugdwet
    when:
      all:
        - {field: hulpvraag.soort, eq: extra_ondersteuning}
        - {field: school.soort, eq: so}
        - {field: kind.leeftijd, lt: 4}
        - {field: kind.leeftijd, gt: 10}
    funder: gemeente
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De gemeente betaalt.
""", 1)

EXTRA = {"peildatum": "2025-03-01", "school": {"samenwerkingsverband": "PO Waterweg"},
         "hulpvraag": {"soort": "extra_ondersteuning"}}


@pytest.fixture(scope="module")
def never_holds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    path = tmp_path_factory.mktemp("kader") / "nooit.yaml"
    path.write_text(NEVER_HOLDS, encoding="utf-8")
    with Engine(load_framework(path)) as engine:
        yield engine


def test_a_rule_that_never_holds_does_not_make_a_case_escalate(never_holds: Engine) -> None:
    outcome = never_holds.decide(EXTRA)
    assert isinstance(outcome, Decision), outcome.explanation
    assert (outcome.funder, outcome.entity, outcome.rules) == ("swv", "samenwerkingsverband PO Waterweg",
                                                               ("extra-ondersteuning",))


def test_without_the_soort_only_the_soort_is_asked_for(never_holds: Engine) -> None:
    case = {"peildatum": "2025-03-01", "school": {"samenwerkingsverband": "PO Waterweg"}}
    outcome = never_holds.decide(case)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    assert outcome.missing_facts == ("hulpvraag.soort",)
    assert set(outcome.rules) == {"jeugdhulp", "extra-ondersteuning"}  # not the rule that never holds
    assert_every_named_fact_matters(Completer(never_holds, case, outcome))


def test_the_rule_still_counts_where_it_can_hold(tmp_path: Path) -> None:
    # the same rule with a condition that can hold: then the age is a fact that matters
    path = tmp_path / "kan.yaml"
    path.write_text(NEVER_HOLDS.replace("{field: kind.leeftijd, gt: 10}", "{field: kind.leeftijd, gt: 2}"),
                    encoding="utf-8")
    with Engine(load_framework(path)) as engine:
        outcome = engine.decide(EXTRA, settle=False)
        assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
        assert outcome.missing_facts == ("school.soort", "kind.leeftijd")
        assert_every_named_fact_matters(Completer(engine, EXTRA, outcome))
        assert isinstance(engine.decide({**EXTRA, "kind": {"leeftijd": 8}}), Decision)


def test_a_fact_that_changes_nothing_is_not_named(tmp_path: Path) -> None:
    # either age gives the same rule: the age does not matter, the school type does
    path = tmp_path / "altijd.yaml"
    path.write_text(NEVER_HOLDS.replace(
        "        - {field: kind.leeftijd, lt: 4}\n        - {field: kind.leeftijd, gt: 10}\n",
        "        - any: [{field: kind.leeftijd, lt: 4}, {field: kind.leeftijd, gte: 4}]\n"), encoding="utf-8")
    with Engine(load_framework(path)) as engine:
        outcome = engine.decide(EXTRA, settle=False)
        assert isinstance(outcome, Escalation) and outcome.missing_facts == ("school.soort",)
        decided = engine.decide({**EXTRA, "school": {**EXTRA["school"], "soort": "so"},
                                 "kind": {"brp_gemeente": "Schiedam"}})
        assert isinstance(decided, Decision) and (decided.funder, decided.rules) == ("gemeente", ("nooit",))


def test_a_fact_that_changes_nothing_is_said_in_the_explanation(never_holds: Engine) -> None:
    outcome = never_holds.decide(EXTRA)
    assert "De ontbrekende feiten school.soort, kind.leeftijd veranderen dit antwoord niet" in outcome.explanation
    # a case that gives those facts hears nothing of them
    given_all = never_holds.decide({**EXTRA, "school": {**EXTRA["school"], "soort": "vo"}, "kind": {"leeftijd": 12}})
    assert isinstance(given_all, Decision) and "veranderen dit antwoord niet" not in given_all.explanation


def test_a_rule_that_filling_in_its_fact_would_break_never_holds(tmp_path: Path) -> None:
    # unknown and equal to A at once: once kind.zorgverzekeraar is filled in it is known, so this
    # rule can hold for no answer, and the jeugdhulp rule decides without asking for it
    path = tmp_path / "bekend.yaml"
    path.write_text(MINIMAL_FRAMEWORK.replace("rules:\n", """\
  - id: ander
    name: Een andere betaler
rules:
  - id: onbekend-en-a
    title: Een regel die zichzelf tegenspreekt
    domain: jeugdwet
    when:
      all:
        - not: {field: kind.zorgverzekeraar, known: true}
        - {field: kind.zorgverzekeraar, eq: A}
    funder: ander
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De andere betaler betaalt.
""", 1), encoding="utf-8")
    with Engine(load_framework(path)) as engine:
        outcome = engine.decide({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Schiedam"},
                                 "hulpvraag": {"soort": "jeugdhulp"}})
    assert isinstance(outcome, Decision), outcome.explanation
    assert (outcome.funder, outcome.rules) == ("gemeente", ("jeugdhulp",))


# --- more rules in doubt than can be told apart one by one ------------------------------------------

#: thirteen kinds of help, each under its own rule (more than MAX_UNKNOWN_RULES), and one rule for the rest
KINDS = CASE_FIELDS["hulpvraag.soort"].values[3:16]


def each_kind(rest_pays: str) -> str:
    """The minimal framework with a rule per kind of help, all paid by the gemeente, and a rule
    for every other kind but jeugdhulp, paid by ``rest_pays``."""
    rules = [(f"soort-{i}", {"field": "hulpvraag.soort", "eq": kind}, "gemeente") for i, kind in enumerate(KINDS)]
    rules.append(("de-rest", {"field": "hulpvraag.soort", "not_in": [*KINDS, "jeugdhulp"]}, rest_pays))
    text = "".join(f"""\
  - id: {rule_id}
    title: Regel {rule_id}
    domain: jeugdwet
    when: {json.dumps(when)}
    funder: {funder}
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: Deze betaler betaalt.
""" for rule_id, when, funder in rules)
    school = "  - id: school\n    name: Schoolbestuur\n"
    return MINIMAL_FRAMEWORK.replace("rules:\n", "rules:\n" + text, 1).replace("funders:\n", "funders:\n" + school, 1)


def test_with_many_rules_in_doubt_one_funder_for_every_answer_decides(tmp_path: Path) -> None:
    path = tmp_path / "elke-soort.yaml"
    path.write_text(each_kind("gemeente"), encoding="utf-8")
    case = {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Schiedam"}}
    with Engine(load_framework(path)) as engine:
        outcome = engine.decide(case)
    assert len(engine.framework.rules) > MAX_UNKNOWN_RULES + 1
    assert isinstance(outcome, Decision), outcome.explanation
    assert (outcome.funder, outcome.entity) == ("gemeente", "gemeente Schiedam")
    assert "De ontbrekende feiten hulpvraag.soort veranderen dit antwoord niet" in outcome.explanation


def test_with_many_rules_in_doubt_two_funders_escalate(tmp_path: Path) -> None:
    path = tmp_path / "elke-soort.yaml"
    path.write_text(each_kind("school"), encoding="utf-8")  # now the kind of help decides who pays
    case = {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Schiedam"}}
    with Engine(load_framework(path)) as engine:
        outcome = engine.decide(case)
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    assert outcome.missing_facts == ("hulpvraag.soort",)
    assert len(outcome.rules) > MAX_UNKNOWN_RULES


# --- the property, over the national framework and the regional overlays ----------------------------

FRAMEWORKS = [RULES / "landelijk.yaml", *sorted((RULES / "regio").glob("*.yaml"))]
TEXTS = ("Schiedam", "Vlaardingen", "Maassluis", "Ergens Anders")
POSTCODES = ("3132AB", "3111XY", "9999ZZ")
#: at most this many completions are tried per question
BUDGET = 600


def answers(framework: Framework, path: str, peildatum: str) -> list[Any]:
    """Values to fill in for ``path``: every boolean and choice, the boundaries the framework uses,
    its names and a few municipalities for text."""
    ftype = CASE_FIELDS[path]
    if ftype.value_type == "bool":
        return [True, False]
    if ftype.value_type == "enum":
        return list(ftype.values)
    if path == "kind.postcode":
        return list(POSTCODES)
    import datetime as dt

    space = field_space(framework, path, dt.date.fromisoformat(peildatum))
    if ftype.value_type == "str":
        return list(dict.fromkeys([*(v for v in space.values), *TEXTS]))
    return [v.isoformat() if isinstance(v, dt.date) else v for v in space.values]


def completed(case: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in case.items()}
    for path, value in values.items():
        section, name = path.split(".")
        data.setdefault(section, {})[name] = value
    return data


def key(outcome: Any) -> tuple[Any, ...]:
    """What tells two outcomes apart: who pays (funder and entity), or where and why it escalates."""
    if isinstance(outcome, Decision):
        return ("decision", outcome.funder, outcome.entity)
    return (outcome.reason.value, outcome.rules, tuple((c.funder, c.entity) for c in outcome.candidates))


class Completer:
    """Decides completions of an escalated case: values for its named facts, the rest as given."""

    def __init__(self, engine: Engine, case: dict[str, Any], outcome: Escalation) -> None:
        self.engine, self.case, self.outcome = engine, case, outcome
        self.named = list(outcome.missing_facts)
        self.values = [answers(engine.framework, path, case["peildatum"]) for path in self.named]
        self.found: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def __call__(self, combo: tuple[Any, ...]) -> tuple[Any, ...]:
        if combo not in self.found:
            self.found[combo] = key(self.engine.decide(completed(self.case, dict(zip(self.named, combo))),
                                                       settle=False))
        return self.found[combo]


def assert_the_answer_can_change(complete: Completer) -> None:
    """Two completions of the named facts lead to different outcomes (the issue's property)."""
    seen = set()
    for tried, combo in enumerate(itertools.product(*complete.values)):
        seen.add(complete(combo))
        if len(seen) > 1 or tried >= BUDGET:
            return
    raise AssertionError(f"every answer to {complete.named} gives {seen} for {complete.case}: "
                         f"{complete.outcome.explanation}")


def assert_every_named_fact_matters(complete: Completer) -> None:
    """Each named fact, changed alone in some completion of the named facts, changes the outcome."""
    for i, path in enumerate(complete.named):
        tried, outcomes = 0, set()
        for rest in itertools.product(*(complete.values[:i] + complete.values[i + 1:])):
            outcomes = {complete((*rest[:i], value, *rest[i:])) for value in complete.values[i]}
            tried += len(complete.values[i])
            if len(outcomes) > 1 or tried > BUDGET:
                break
        assert len(outcomes) > 1 or tried > BUDGET, (
            f"{path} is named but no answer to it changes the outcome of {complete.case}: "
            f"{complete.outcome.explanation}")


@pytest.fixture(scope="module", params=FRAMEWORKS, ids=lambda p: p.stem)
def any_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with Engine(load_framework(request.param)) as engine:
        yield engine


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_missing_facts_escalation_asks_only_for_facts_that_can_change_the_answer(
        any_engine: Engine, data: st.DataObject) -> None:
    case = data.draw(cases(any_engine.framework, known=0.6))
    outcome = any_engine.decide(case, settle=False)
    if isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS:
        assert outcome.missing_facts
        complete = Completer(any_engine, case, outcome)
        assert_the_answer_can_change(complete)
        if len(outcome.rules) <= MAX_UNKNOWN_RULES:  # the engine told the facts apart
            assert_every_named_fact_matters(complete)
