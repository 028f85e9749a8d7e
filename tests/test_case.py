"""The case model: strict, complete errors, unknown facts, no identifying data."""

from __future__ import annotations

import datetime as dt

import pytest

from wiebetaalt import CaseError, parse_case
from wiebetaalt.case import CASE_FIELDS


def test_a_minimal_case_leaves_every_fact_unknown():
    case = parse_case({"peildatum": "2025-03-01"})
    assert case.peildatum == dt.date(2025, 3, 1)
    assert case.kind.brp_gemeente is None and case.hulpvraag.soort is None


def test_every_bad_field_is_named_with_what_was_expected():
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-02-30", "kind": {"leeftijd": 31, "verblijf": "ja", "brp_gemeent": "X"},
                    "school": {"soort": "lyceum"}})
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"peildatum", "kind.leeftijd", "kind.verblijf", "kind.brp_gemeent", "school.soort"}
    assert "YYYY-MM-DD" in problems["peildatum"].expected
    assert "30" in problems["kind.leeftijd"].expected
    assert problems["kind.verblijf"].expected == "true or false"
    assert "did you mean 'brp_gemeente'" in problems["kind.brp_gemeent"].message
    assert "basisonderwijs" in problems["school.soort"].expected


def test_a_missing_peildatum_is_reported():
    with pytest.raises(CaseError) as caught:
        parse_case({})
    assert [p.field for p in caught.value.problems] == ["peildatum"]


def test_no_coercion_of_text_numbers_or_booleans():
    with pytest.raises(CaseError):
        parse_case({"peildatum": "2025-03-01", "kind": {"leeftijd": "7"}})
    with pytest.raises(CaseError):
        parse_case({"peildatum": "2025-03-01", "kind": {"wlz_indicatie": 1}})


def test_postcodes_are_normalised_and_checked():
    assert parse_case({"peildatum": "2025-03-01", "kind": {"postcode": "3132 ab"}}).kind.postcode == "3132AB"
    with pytest.raises(CaseError):
        parse_case({"peildatum": "2025-03-01", "kind": {"postcode": "0132AB"}})


def test_the_case_model_asks_for_nothing_that_identifies_a_child():
    names = {path.rpartition(".")[2] for path in CASE_FIELDS}
    assert not names & {"bsn", "naam", "voornaam", "achternaam", "geboortedatum", "adres", "huisnummer"}
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01", "kind": {"bsn": "123456782"}})
    assert caught.value.problems[0].message.startswith("unknown field")
