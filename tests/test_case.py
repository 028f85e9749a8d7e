"""The case model: strict, complete errors, unknown facts, no identifying data."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from wiebetaalt import CaseError, parse_case
from wiebetaalt.model.case import CASE_FIELDS


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
    assert {path: p.code for path, p in problems.items()} == {
        "peildatum": "invalid-date", "kind.leeftijd": "invalid-value", "kind.verblijf": "wrong-type",
        "kind.brp_gemeent": "unknown-field", "school.soort": "unknown-value"}
    assert "JJJJ-MM-DD" in problems["peildatum"].expected
    assert problems["peildatum"].message == "die dag staat niet in de kalender"
    assert problems["kind.leeftijd"].expected == "een geheel getal ≤ 30"
    assert problems["kind.verblijf"].expected == "true of false"
    assert "bedoelt u 'brp_gemeente'?" in problems["kind.brp_gemeent"].message
    assert "basisonderwijs" in problems["school.soort"].expected
    assert problems["school.soort"].message == "onbekende waarde"  # never the value: it may be a name or a BSN
    assert "lyceum" not in str(caught.value)


def test_a_misspelt_choice_gets_a_suggestion_and_the_allowed_values_once():
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01", "hulpvraag": {"soort": "extra-ondersteuning"}})
    (problem,) = caught.value.problems
    assert problem.code == "unknown-value"
    assert problem.message == "onbekende waarde; bedoelt u 'extra_ondersteuning'?"
    assert str(caught.value).count("'dagbesteding'") == 1


def test_a_missing_peildatum_is_reported():
    with pytest.raises(CaseError) as caught:
        parse_case({})
    assert [(p.field, p.code) for p in caught.value.problems] == [("peildatum", "missing")]
    assert str(caught.value.problems[0]) == "peildatum: ontbreekt; verwacht een waarde"


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
    (problem,) = caught.value.problems
    assert (problem.field, problem.code, problem.message) == ("kind.bsn", "unknown-field", "onbekend veld")


# --- facts for the complete national framework: woonplaats before and after 2022, TLV, co-ouderschap


def test_the_new_facts_are_optional_and_typed():
    case = parse_case({"peildatum": "2021-06-01"})
    assert case.kind.gezag is None and case.kind.brp_inschrijfdatum is None and case.hulpvraag.tlv_situatie is None
    kinds = {path: CASE_FIELDS[path].value_type for path in CASE_FIELDS}
    assert kinds["kind.brp_inschrijfdatum"] == "date"
    assert kinds["kind.dagen_bij_andere_ouder"] == "int"
    assert (CASE_FIELDS["kind.dagen_bij_andere_ouder"].minimum, CASE_FIELDS["kind.dagen_bij_andere_ouder"].maximum) == (0, 7)
    for party in ["kind.vorige_brp_gemeente", "kind.gemeente_ouder_met_gezag", "kind.hoofdverblijf_gemeente",
                  "kind.swv_woonregio", "kind.swv_tlv", "kind.verblijfsgemeente_andere_ouder",
                  "school.swv_verwijzende_school"]:
        assert kinds[party] == "str", party  # text fields can hold a party
    for flag in ["kind.briefadres", "kind.ouders_wonen_apart", "kind.alleen_psychische_stoornis", "kind.co_ouderschap",
                 "hulpvraag.verlengde_jeugdhulp", "hulpvraag.medisch_doel", "hulpvraag.dyslexiedossier_compleet"]:
        assert kinds[flag] == "bool", flag
    assert CASE_FIELDS["kind.gezag"].values == ("beide_ouders", "een_ouder", "voogdij", "meerderjarig")
    assert "logeren_regelmatig" in CASE_FIELDS["kind.soort_verblijf"].values
    assert "verwijzing" in CASE_FIELDS["hulpvraag.tlv_situatie"].values
    assert {"dagbesteding", "diagnostiek_behandeling", "spraak_taalscreening", "rebound"} <= set(
        CASE_FIELDS["hulpvraag.soort"].values)


def test_a_full_case_with_the_new_facts_is_valid():
    case = parse_case({
        "peildatum": "2025-03-01",
        "kind": {"gezag": "beide_ouders", "ouders_wonen_apart": True, "hoofdverblijf_gemeente": "Delft",
                 "gemeente_ouder_met_gezag": "Delft", "briefadres": False, "soort_verblijf": "pleegzorg",
                 "vorige_brp_gemeente": "Maassluis", "brp_inschrijfdatum": "2024-11-01", "alleen_psychische_stoornis": False,
                 "swv_woonregio": "PO Delflanden", "swv_tlv": "PO Delflanden", "co_ouderschap": True,
                 "verblijfsgemeente_andere_ouder": "Schiedam", "dagen_bij_andere_ouder": 3},
        "school": {"swv_verwijzende_school": "PO Schiedam-Vlaardingen"},
        "hulpvraag": {"soort": "toelaatbaarheidsverklaring", "tlv_situatie": "verwijzing", "verlengde_jeugdhulp": False,
                      "medisch_doel": False, "dyslexiedossier_compleet": True},
    })
    assert case.kind.brp_inschrijfdatum == dt.date(2024, 11, 1)
    assert case.kind.dagen_bij_andere_ouder == 3


def test_bad_values_of_the_new_facts_are_named():
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01",
                    "kind": {"gezag": "moeder", "soort_verblijf": "internaat", "brp_inschrijfdatum": "1-3-2025",
                             "dagen_bij_andere_ouder": 8, "co_ouderschap": "ja"},
                    "hulpvraag": {"tlv_situatie": "nieuw", "soort": "dagopvang"}})
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"kind.gezag", "kind.soort_verblijf", "kind.brp_inschrijfdatum", "kind.dagen_bij_andere_ouder",
                             "kind.co_ouderschap", "hulpvraag.tlv_situatie", "hulpvraag.soort"}
    assert "voogdij" in problems["kind.gezag"].expected
    assert {path: p.code for path, p in problems.items()} == {
        "kind.gezag": "unknown-value", "kind.soort_verblijf": "unknown-value", "kind.brp_inschrijfdatum": "invalid-date",
        "kind.dagen_bij_andere_ouder": "invalid-value", "kind.co_ouderschap": "wrong-type",
        "hulpvraag.tlv_situatie": "unknown-value", "hulpvraag.soort": "unknown-value"}
    assert "JJJJ-MM-DD" in problems["kind.brp_inschrijfdatum"].expected
    assert problems["kind.brp_inschrijfdatum"].message == "geen geldige datum"
    assert "≤ 7" in problems["kind.dagen_bij_andere_ouder"].expected
    assert problems["kind.co_ouderschap"].expected == "true of false"
    with pytest.raises(CaseError):
        parse_case({"peildatum": "2025-03-01", "kind": {"dagen_bij_andere_ouder": -1}})


# --- derived facts (docs/case.md, "How brp_woonadres is derived")


def test_a_briefadres_is_not_a_woonadres(engine):
    case = engine.prepare({"peildatum": "2025-03-01", "kind": {"briefadres": True, "brp_gemeente": "Schiedam"}})
    assert case.kind.brp_woonadres is False
    given = engine.prepare({"peildatum": "2025-03-01", "kind": {"briefadres": True, "brp_woonadres": True}})
    assert given.kind.brp_woonadres is True  # a value given is never changed


def test_a_move_counts_from_the_brp_registration_date(engine):
    moved = {"brp_gemeente": "Delft", "vorige_brp_gemeente": "Maassluis", "brp_inschrijfdatum": "2025-03-01"}
    before = engine.prepare({"peildatum": "2025-02-28", "kind": moved})
    assert before.kind.brp_gemeente == "Maassluis" and before.kind.brp_woonadres is True
    on_the_day = engine.prepare({"peildatum": "2025-03-01", "kind": moved})
    assert on_the_day.kind.brp_gemeente == "Delft"
    unknown_before = engine.prepare({"peildatum": "2025-02-28", "kind": {**moved, "vorige_brp_gemeente": None}})
    assert unknown_before.kind.brp_gemeente is None and unknown_before.kind.brp_woonadres is True


def test_a_move_is_explained_and_an_unknown_previous_municipality_is_asked_for(engine):
    kind = {"brp_gemeente": "Delft", "brp_inschrijfdatum": "2025-03-01", "verblijf": False, "geheim_adres": False,
            "wlz_indicatie": False}
    case = {"peildatum": "2025-02-01", "kind": kind, "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}
    outcome = engine.decide(case)
    assert outcome.missing_facts == ("kind.brp_gemeente",)
    assert "kind.vorige_brp_gemeente" in outcome.explanation
    outcome = engine.decide({**case, "kind": {**kind, "vorige_brp_gemeente": "Maassluis"}})
    assert outcome.entity == "gemeente Maassluis" and "2025-03-01" in outcome.explanation


def test_the_kind_of_stay_gives_verblijf_unless_respite_is_incidental(engine):
    def verblijf(soort, given=None):
        return engine.prepare({"peildatum": "2025-03-01", "kind": {"soort_verblijf": soort, "verblijf": given}}).kind.verblijf

    assert verblijf("pleegzorg") is True and verblijf("logeren_regelmatig") is True
    assert verblijf("logeren_incidenteel") is False
    assert verblijf("pleegzorg", given=False) is False  # a value given is never changed


def test_replaced_gives_what_model_copy_gives():
    import pickle

    from wiebetaalt.model.case import replaced

    case = parse_case({"peildatum": "2025-03-01", "kind": {"leeftijd": 9, "postcode": "3111 xy"}})
    for changes in ({}, {"brp_woonadres": True}, {"brp_gemeente": "Delft", "verblijf": False}):
        new, copy = replaced(case.kind, changes), case.kind.model_copy(update=changes)
        assert new == copy and repr(new) == repr(copy) and new.model_dump() == copy.model_dump()
        assert new.model_fields_set == copy.model_fields_set
        assert pickle.loads(pickle.dumps(new)) == copy
    outer = replaced(case, {"kind": replaced(case.kind, {"brp_woonadres": True})})
    assert outer == case.model_copy(update={"kind": case.kind.model_copy(update={"brp_woonadres": True})})
    assert case.kind.brp_woonadres is None  # the original is untouched


# --- case problem codes (docs/case.md, "Case problem codes") and messages that never hold the value


def documented_codes() -> set[str]:
    text = (Path(__file__).resolve().parent.parent / "docs" / "case.md").read_text(encoding="utf-8")
    section = text.partition("### Case problem codes")[2].partition("\n#")[0]
    return set(re.findall(r"^\| `([a-z-]+)` \|", section, re.M))


#: one bad case for each kind of problem; together they give every code parse_case can give
BAD_CASES = [
    {"peildatum": "2025-03-01", "kind": {"bsn": "123456782"}},
    {"kind": {"leeftijd": 9}},
    {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Vlaardingen\u200b"}},
    {"peildatum": "2025-02-30"},
    {"peildatum": "1-3-2025"},
    {"peildatum": "2025-03-01", "school": {"soort": "lyceum"}},
    {"peildatum": "2025-03-01", "kind": {"verblijf": "ja", "brp_gemeente": 123456782}},
    {"peildatum": "2025-03-01", "kind": None},
    [],
    {"peildatum": "2025-03-01", "kind": {"leeftijd": 31, "postcode": "0132AB"}, "school": {"bestuur": " "}},
]


def codes_of(data: object) -> list[str]:
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    return [problem.code for problem in caught.value.problems]


def test_every_code_parse_case_gives_is_documented_and_every_documented_code_is_given():
    documented = documented_codes()
    assert len(documented) == 7, documented
    seen = {code for data in BAD_CASES for code in codes_of(data)}
    assert seen == documented


DOCUMENTED = documented_codes()
JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                 st.text(max_size=30), st.dates().map(dt.date.isoformat), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))


@given(field=st.sampled_from([*CASE_FIELDS, "kind.bsn", "school", "hulpvraag.soortt", "naam"]), value=JUNK)
def test_any_value_in_any_field_gives_a_documented_code_or_a_case(field, value):
    data = {"peildatum": "2025-03-01"}
    section, _, name = field.rpartition(".")
    if section:
        data[section] = {name: value}
    else:
        data[name] = value
    try:
        parse_case(data)
    except CaseError as error:
        assert error.problems
        assert {problem.code for problem in error.problems} <= DOCUMENTED


@pytest.mark.parametrize(("section", "name", "value", "code"), [
    # a BSN typed in a field it does not belong in
    ("kind", "postcode", "123456782", "invalid-value"),
    ("kind", "brp_gemeente", 123456782, "wrong-type"),
    ("kind", "zorgverzekeraar", "123456782\u200b", "invisible-character"),
    ("kind", "leeftijd", "123456782", "wrong-type"),
    ("kind", "leeftijd", 123456782, "invalid-value"),
    # a long name in a choice field, and one that is close to a choice
    ("hulpvraag", "soort", "Johanna Wilhelmina van den Berg-de Vries", "unknown-value"),
    ("kind", "gezag", "Johanna van den Berg (moeder, voogdij)", "unknown-value"),
    ("school", "soort", "Basisschool De Regenboog", "unknown-value"),
    # a bad date, a birth date where the registration date goes
    ("", "peildatum", "2025-02-30", "invalid-date"),
    ("", "peildatum", "14-07-2012", "invalid-date"),
    ("kind", "brp_inschrijfdatum", "2012-07-14T08:30:00", "invalid-date"),
    ("kind", "brp_inschrijfdatum", "2012-13-45", "invalid-date"),
])
def test_a_problem_never_holds_the_value_given(section, name, value, code):
    data = {"peildatum": "2025-03-01"}
    if section:
        data[section] = {name: value}
    else:
        data[name] = value
    with pytest.raises(CaseError) as caught:
        parse_case(data)
    (problem,) = caught.value.problems
    assert (problem.field, problem.code) == (f"{section}.{name}".lstrip("."), code)
    text = str(value).strip("\u200b")
    for part in (problem.message, problem.expected, str(problem), str(caught.value)):
        assert text not in part
    assert "123456782" not in str(caught.value) and "Johanna" not in str(caught.value)
