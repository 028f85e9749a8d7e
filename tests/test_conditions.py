"""The condition semantics of wiebetaalt.model.conditions: the operator table, the walks, and the
three-valued evaluation, checked against the independent interpreter in tests/reference.py."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st
from pydantic import TypeAdapter

import reference
from condition_strategies import atoms, conditions
from strategies import raw_cases
from wiebetaalt.model.case import field_value, parse_case
from wiebetaalt.model.conditions import (
    OPERATOR, OPERATORS, Atom, Condition, condition_fields, evaluate, negated,
)

CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


@given(conditions(atoms()), raw_cases(known=0.5))
def test_the_evaluator_agrees_with_the_reference_interpreter(raw_condition, raw_case):
    condition, case = CONDITION.validate_python(raw_condition), parse_case(raw_case)
    value, fields = evaluate(condition, case)
    assert value is reference.evaluate(condition, case)
    if value is None:
        # the facts that leave it open: each once, each read by the condition, each unknown
        assert fields and len(set(fields)) == len(fields)
        assert set(fields) <= set(condition_fields(condition))
        assert all(field_value(case, field) is None for field in fields)
    else:
        assert fields == ()


@given(atoms(), raw_cases(known=0.5))
def test_the_negation_of_an_atom_holds_exactly_when_the_atom_fails(raw_atom, raw_case):
    atom, case = Atom.model_validate(raw_atom), parse_case(raw_case)
    op, value = negated(atom.op, atom.value)
    opposite = Atom.model_validate({"field": atom.field, op: value})
    held, failed = evaluate(atom, case)[0], evaluate(opposite, case)[0]
    assert (held is None and failed is None) or failed is (not held)
    if field_value(case, atom.field) is not None:
        assert atom.holds_for(field_value(case, atom.field)) is held


def test_the_table_lists_every_operator_once_with_a_negation_in_the_table():
    assert OPERATORS == ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "known")
    for name, operator in OPERATOR.items():
        assert operator.name == name and OPERATOR[operator.negation].negation == name
    assert negated("lt", 7) == ("gte", 7) and negated("known", True) == ("known", False)
    assert OPERATOR["lte"].compare(dt.date(2025, 3, 1), dt.date(2025, 3, 1))
    assert not OPERATOR["not_in"].compare("vo", ["vo", "so"])


def test_the_walks_list_atoms_and_fields_in_the_order_written():
    condition = CONDITION.validate_python({"any": [
        {"field": "kind.leeftijd", "lt": 7},
        {"not": {"all": [{"field": "school.soort", "eq": "vo"}, {"field": "kind.leeftijd", "known": True}]}},
    ]})
    assert condition_fields(condition) == ["kind.leeftijd", "school.soort", "kind.leeftijd"]
    assert condition_fields(None) == []


def test_an_unknown_fact_in_a_settled_part_is_not_named():
    condition = CONDITION.validate_python({"any": [{"field": "kind.leeftijd", "lt": 7},
                                                   {"field": "school.soort", "eq": "vo"}]})
    assert evaluate(condition, parse_case({"peildatum": "2025-03-01", "kind": {"leeftijd": 5}})) == (True, ())
    assert evaluate(condition, parse_case({"peildatum": "2025-03-01", "kind": {"leeftijd": 9}})) == (
        None, ("school.soort",))
    assert evaluate(condition, parse_case({"peildatum": "2025-03-01"})) == (None, ("kind.leeftijd", "school.soort"))


@given(st.sampled_from(["in", "not_in", "eq", "lt"]), st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)))
def test_a_date_compares_with_the_dates_a_rule_file_writes_as_text(op, day):
    written = ["2025-03-01", "2025-03-02"] if op in ("in", "not_in") else "2025-03-01"
    atom = Atom.model_validate({"field": "kind.brp_inschrijfdatum", op: written})
    case = parse_case({"peildatum": "2025-03-01", "kind": {"brp_inschrijfdatum": day.isoformat()}})
    expected = {"in": day.isoformat() in written, "not_in": day.isoformat() not in written,
                "eq": day.isoformat() == written, "lt": day < dt.date(2025, 3, 1)}[op]
    assert evaluate(atom, case) == (expected, ())
