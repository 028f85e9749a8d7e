"""Text in a case (issue 13, item 11): no control or invisible characters, NFC, no echoed values,
and names that match the spelling a framework uses whatever their case."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest

from wiebetaalt import CaseError, Decision, Engine, load_framework, parse_case
from wiebetaalt.model.case import CASE_FIELDS, MUNICIPALITY_FIELDS, SWV_FIELDS
from wiebetaalt.model.names import KnownNames
from wiebetaalt.model.text import find_invisible
from wiebetaalt.engine.engine import known_names
from wiebetaalt.load.postcodes import PostcodeTable

ROOT = Path(__file__).resolve().parent.parent
TEXT_FIELDS = [path for path, ftype in CASE_FIELDS.items() if ftype.value_type == "str" and path != "kind.postcode"]


def problem_for(path: str, value: object) -> str:
    section, name = path.split(".")
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01", section: {name: value}})
    (problem,) = caught.value.problems
    assert (problem.field, problem.code) == (path, "invisible-character")
    return str(problem)


@pytest.mark.parametrize("path", TEXT_FIELDS)
@pytest.mark.parametrize(("value", "code", "position"), [
    ("Vla\x07ardingen", "U+0007", 4),              # a bell (Cc)
    ("Vlaar\x1b[31mdingen", "U+001B", 6),          # an escape sequence that colours the terminal
    ("Vlaardingen\u200b", "U+200B", 12),           # zero width space (Cf): a look-alike of Vlaardingen
    ("\u202eVlaardingen", "U+202E", 1),            # right-to-left override (Cf)
    ("Vlaar\ud800dingen", "U+D800", 6),            # a lone surrogate (Cs)
    ("Den\tHaag", "U+0009", 4),                    # a tab inside a name (Cc)
    ("Den\u2028Haag", "U+2028", 4),                # a line separator
], ids=["bell", "escape", "zero-width-space", "rtl-override", "surrogate", "tab", "line-separator"])
def test_every_text_field_refuses_control_and_format_characters_and_names_where(path, value, code, position):
    text = problem_for(path, value)
    assert f"({code}) op positie {position}" in text
    assert text.endswith("; verwacht tekst zonder stuurtekens of onzichtbare tekens")


def test_the_position_counts_in_the_value_as_given_and_the_value_is_not_echoed():
    text = problem_for("kind.brp_gemeente", "  Jan Jansen 123456782\x07")
    assert text == ("kind.brp_gemeente: bevat een stuurteken (U+0007) op positie 23; "
                    "verwacht tekst zonder stuurtekens of onzichtbare tekens")
    assert "Jan" not in text and "123456782" not in text and "\x07" not in text


def test_surrounding_whitespace_is_still_removed_and_ordinary_characters_pass():
    case = parse_case({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "\t's-Hertogenbosch \n"},
                       "school": {"gemeente": "Súdwest-Fryslân", "bestuur": "Stichting \u00a0Ons Onderwijs"}})
    assert case.kind.brp_gemeente == "'s-Hertogenbosch"
    assert case.school.gemeente == "Súdwest-Fryslân"
    assert case.school.bestuur == "Stichting \u00a0Ons Onderwijs"  # a no-break space is a space, not invisible


def test_text_is_normalised_to_nfc():
    decomposed = "Su\u0301dwest-Frysla\u0302n"
    assert not unicodedata.is_normalized("NFC", decomposed)
    case = parse_case({"peildatum": "2025-03-01", "school": {"gemeente": decomposed}})
    assert case.school.gemeente == "Súdwest-Fryslân"


def test_find_invisible():
    assert find_invisible("Vlaardingen") is None
    assert find_invisible("Den\u00a0Haag") is None
    assert find_invisible("a\u200bb\x07") == (1, "\u200b", "Cf")
    assert find_invisible("\ud800") == (0, "\ud800", "Cs")


def test_checking_text_stays_cheap_for_ordinary_text():
    raw = {"peildatum": "2025-03-01", "kind": {field.partition(".")[2]: "Vlaardingen" for field in TEXT_FIELDS
                                                 if field.startswith("kind.")}}
    parse_case(raw)
    start = time.perf_counter()
    for _ in range(2000):
        parse_case(raw)
    # about 20 µs a case here; the bound is loose so that a slow machine passes, a slow path does not
    assert (time.perf_counter() - start) / 2000 < 0.0005


# --- messages name the field and what was wrong, never the value ----------------------------------


@pytest.mark.parametrize(("section", "name", "value", "code", "message"), [
    ("hulpvraag", "soort", "Jan Jansen", "unknown-value", "onbekende waarde"),
    ("hulpvraag", "soort", "extra-ondersteuning", "unknown-value",
     "onbekende waarde; bedoelt u 'extra_ondersteuning'?"),
    ("", "peildatum", "Jan Jansen", "invalid-date", "geen geldige datum"),
    ("kind", "brp_inschrijfdatum", "2025-02-30", "invalid-date", "die dag staat niet in de kalender"),
    ("kind", "postcode", "Jan Jansen", "invalid-value", "heeft niet de juiste vorm"),
    ("kind", "leeftijd", "Jan Jansen", "wrong-type", "geen geheel getal"),
    ("kind", "verblijf", "Jan Jansen", "wrong-type", "niet true of false"),
])
def test_a_message_never_echoes_the_value(section, name, value, code, message):
    raw = {"peildatum": "2025-03-01"}
    if section:
        raw[section] = {name: value}
    else:
        raw[name] = value
    with pytest.raises(CaseError) as caught:
        parse_case(raw)
    (problem,) = caught.value.problems
    assert (problem.code, problem.message) == (code, message)
    assert value not in str(caught.value)


def test_a_huge_unknown_key_is_cut_short_in_the_message():
    key = "x" * 10_000_000
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01", "kind": {key: 1}, key: 2})
    problems = caught.value.problems
    assert [p.field for p in problems] == ["kind." + "x" * 40 + "…", "x" * 40 + "…"]
    assert all((p.code, p.message) == ("unknown-field", "onbekend veld") for p in problems)
    assert len(str(caught.value)) < 400


def test_an_unknown_key_with_control_characters_is_shown_escaped():
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01", "kind": {"bsn\x1b[2J": 1}})
    (problem,) = caught.value.problems
    assert problem.field == "kind.bsn\\x1b[2J"
    assert "\x1b" not in str(caught.value)


def test_a_short_unknown_key_is_named_as_it_is():
    with pytest.raises(CaseError) as caught:
        parse_case({"peildatum": "2025-03-01", "kind": {"brp_gemeent": "Schiedam"}})
    assert caught.value.problems[0].field == "kind.brp_gemeent"
    assert "Schiedam" not in str(caught.value)


# --- municipality (and other party) names match the framework's spelling whatever their case -----


def test_the_municipality_fields_are_the_text_fields_that_hold_a_municipality():
    assert set(MUNICIPALITY_FIELDS) == {
        "kind.brp_gemeente", "kind.vorige_brp_gemeente", "kind.brp_gemeente_voor_verblijf",
        "kind.gemeente_moeder_bij_geboorte", "kind.feitelijke_verblijfsgemeente", "kind.gemeente_ouder_met_gezag",
        "kind.hoofdverblijf_gemeente", "kind.verblijfsgemeente_andere_ouder", "school.gemeente"}
    assert set(SWV_FIELDS) == {"school.samenwerkingsverband", "school.swv_verwijzende_school", "kind.swv_woonregio",
                               "kind.swv_tlv"}
    assert all(CASE_FIELDS[path].value_type == "str" for path in (*MUNICIPALITY_FIELDS, *SWV_FIELDS))


def test_a_family_is_declared_by_a_fields_type_and_only_names_have_one():
    families = {path: ftype.family for path, ftype in CASE_FIELDS.items() if ftype.family is not None}
    assert families == {**dict.fromkeys(MUNICIPALITY_FIELDS, "municipality"),
                        **dict.fromkeys(SWV_FIELDS, "samenwerkingsverband"), "kind.postcode": "postcode"}
    # a name of no family: the school board shares no spelling with the municipalities
    assert CASE_FIELDS["school.bestuur"].family is None and CASE_FIELDS["kind.zorgkantoor"].family is None


def test_known_names_give_the_spelling_of_the_framework():
    names = KnownNames({"school.gemeente": ["Vlaardingen", "Den Haag"], "kind.swv_tlv": ["PO Waterweg"]})
    case = parse_case({"peildatum": "2025-03-01",
                       "kind": {"brp_gemeente": "VLAARDINGEN", "hoofdverblijf_gemeente": "den  haag",
                                "swv_woonregio": "po waterweg", "zorgkantoor": "vlaardingen"},
                       "school": {"gemeente": "Delft"}})
    canonical = names.canonical(case)
    # every municipality field takes the names known for any of them; so do the SWV fields
    assert canonical.kind.brp_gemeente == "Vlaardingen"
    assert canonical.kind.hoofdverblijf_gemeente == "Den Haag"
    assert canonical.kind.swv_woonregio == "PO Waterweg"
    assert canonical.kind.zorgkantoor == "vlaardingen"  # a zorgkantoor is no municipality
    assert canonical.school.gemeente == "Delft"  # a name nobody knows stays as it was written
    assert case.kind.brp_gemeente == "VLAARDINGEN"  # the case itself is not changed


def test_a_case_already_spelt_as_the_framework_is_returned_as_it_is():
    names = KnownNames({"school.gemeente": ["Vlaardingen"]})
    case = parse_case({"peildatum": "2025-03-01", "school": {"gemeente": "Vlaardingen"}})
    assert names.canonical(case) is case


def test_the_first_spelling_wins():
    names = KnownNames({"school.gemeente": ["Vlaardingen", "VLAARDINGEN"]})
    case = parse_case({"peildatum": "2025-03-01", "school": {"gemeente": "vlaardingen"}})
    assert names.canonical(case).school.gemeente == "Vlaardingen"


@pytest.fixture(scope="module")
def waterweg():
    return load_framework(ROOT / "rules" / "regio" / "waterweg.yaml")


COLLECTIVE = {"peildatum": "2025-10-01", "school": {"gemeente": "vlaardingen", "soort": "basisonderwijs"},
              "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief"}}


def test_known_names_of_a_framework_come_from_its_conditions_and_the_postcode_table(waterweg):
    table = PostcodeTable({"3132AB": "Vlaardingen", "9711AB": "Groningen"})
    names = known_names(waterweg, table)
    case = parse_case({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "groningen", "swv_woonregio": "po waterweg"},
                       "school": {"gemeente": "maassluis"}})
    canonical = names.canonical(case)
    assert canonical.school.gemeente == "Maassluis"  # from a rule's condition
    assert canonical.kind.brp_gemeente == "Groningen"  # from the postcode table
    assert canonical.kind.swv_woonregio == "PO Waterweg"


def test_the_engine_decides_a_municipality_in_lower_case_as_the_framework_spells_it(waterweg):
    with Engine(waterweg) as engine:
        outcome = engine.decide(COLLECTIVE, settle=False)
        assert engine.prepare(COLLECTIVE).school.gemeente == "Vlaardingen"
    assert isinstance(outcome, Decision) and outcome.rules == ("waterweg-collectieve-jeugdhulp-op-school",)
