"""The resolution policy, tested without durable: truth in, outcome out."""

from __future__ import annotations

import json

from typing import Any

import pytest

from wiebetaalt import Decision, Escalation, EscalationReason
from wiebetaalt.model.case import parse_case
from wiebetaalt.model.framework import Framework
from wiebetaalt.decision.resolve import Truth, resolve

BASIS = [{"citation": "Testwet art. 1", "url": "https://example.org/wet"}]


def rule(rule_id: str, domain: str = "jeugdwet", **extra: Any) -> dict[str, Any]:
    item = {"id": rule_id, "title": rule_id, "domain": domain, "when": {"field": "hulpvraag.soort", "eq": "jeugdhulp"},
            "legal_basis": BASIS, "explanation": f"uitleg {rule_id} ({{school.gemeente}})"}
    item.update(extra)
    if "funder" not in item and not item.get("grey_zone"):
        item["funder"] = "gemeente"
    return item


def framework(*rules: dict[str, Any]) -> Framework:
    return Framework.model_validate({
        "schema_version": 1, "framework": "test", "title": "t", "version": "1",
        "precedence": ["wlz", "onderwijs", "jeugdwet"], "default_route": "tafel",
        "routes": [{"id": "tafel", "name": "Regionale tafel", "description": "d"},
                   {"id": "gc", "name": "Geschillencommissie", "description": "d"}],
        "funders": [
            {"id": "gemeente", "name": "Woonplaatsgemeente", "party": [
                {"id": "via-verblijf", "when": {"field": "kind.verblijf", "eq": True},
                 "field": "kind.brp_gemeente_voor_verblijf", "prefix": "gemeente",
                 "legal_basis": [{"citation": "Testwet art. 2", "url": "https://example.org/2"}],
                 "explanation": "voor verblijf: {kind.brp_gemeente_voor_verblijf}"},
                {"id": "via-brp", "field": "kind.brp_gemeente", "prefix": "gemeente"}]},
            {"id": "school", "name": "Schoolbestuur", "fallback": "het schoolbestuur",
             "party": [{"id": "p-school", "field": "school.bestuur"}]},
            {"id": "kantoor", "name": "Zorgkantoor", "fallback": "het zorgkantoor"},
        ],
        "rules": list(rules),
    })


CASE = parse_case({"peildatum": "2025-01-01", "kind": {"brp_gemeente": "Vlaardingen", "verblijf": False},
                   "school": {"gemeente": "Schiedam"}, "hulpvraag": {"soort": "jeugdhulp"}})


def truth(true: set[str] = frozenset(), unknown: set[str] = frozenset()) -> Truth:
    return Truth(frozenset(true), frozenset(unknown))


def test_one_rule_gives_a_decision_naming_the_concrete_party():
    outcome = resolve(framework(rule("a")), CASE, truth({"a"}))
    assert isinstance(outcome, Decision)
    assert (outcome.funder, outcome.entity, outcome.rules) == ("gemeente", "gemeente Vlaardingen", ("a",))
    assert "uitleg a (Schiedam)" in outcome.explanation
    assert "Testwet art. 1" in outcome.explanation


def test_a_party_source_that_holds_comes_first_and_adds_its_legal_basis():
    fw = framework(rule("a"))
    case = CASE.model_copy(update={"kind": CASE.kind.model_copy(update={"verblijf": True, "brp_gemeente_voor_verblijf": "Rotterdam"})})
    outcome = resolve(fw, case, truth({"a", "via-verblijf"}))
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Rotterdam"
    assert [b.citation for b in outcome.legal_basis] == ["Testwet art. 1", "Testwet art. 2"]
    assert "voor verblijf: Rotterdam" in outcome.explanation


def test_an_unknown_party_source_escalates_with_its_facts():
    case = CASE.model_copy(update={"kind": CASE.kind.model_copy(update={"verblijf": None})})
    outcome = resolve(framework(rule("a")), case, truth({"a"}, {"via-verblijf"}))
    assert isinstance(outcome, Escalation)
    assert outcome.reason is EscalationReason.PARTY_UNKNOWN and outcome.missing_facts == ("kind.verblijf",)
    assert outcome.funder == "gemeente"


def test_an_unknown_party_field_uses_the_fallback_or_escalates():
    fw = framework(rule("a", funder="school"), rule("b", domain="wlz", funder="kantoor"))
    school = resolve(fw, CASE, truth({"a"}))
    assert isinstance(school, Decision) and school.entity == "het schoolbestuur"
    case = CASE.model_copy(update={"kind": CASE.kind.model_copy(update={"brp_gemeente": None})})
    outcome = resolve(framework(rule("a")), case, truth({"a"}))
    assert isinstance(outcome, Escalation) and outcome.missing_facts == ("kind.brp_gemeente",)


def test_no_rule_escalates_to_the_default_route():
    outcome = resolve(framework(rule("a")), CASE, truth())
    assert isinstance(outcome, Escalation)
    assert outcome.reason is EscalationReason.NO_RULE and outcome.route.id == "tafel"
    assert outcome.interim_funder is None


def test_a_specific_rule_beats_the_rule_it_overrides_even_through_a_chain():
    fw = framework(rule("general"), rule("middle", funder="school", overrides=["general"]),
                   rule("specific", funder="kantoor", overrides=["middle"]))
    outcome = resolve(fw, CASE, truth({"general", "middle", "specific"}))
    assert isinstance(outcome, Decision) and outcome.rules == ("specific",)
    assert set(outcome.overridden) == {"general", "middle"}
    assert "gaat voor" in outcome.explanation


def test_an_override_that_does_not_hold_leaves_the_general_rule():
    fw = framework(rule("general"), rule("specific", funder="school", overrides=["general"]))
    outcome = resolve(fw, CASE, truth({"general"}))
    assert isinstance(outcome, Decision) and outcome.rules == ("general",)


def test_voorliggendheid_the_higher_stelsel_wins():
    fw = framework(rule("jw"), rule("wlz", domain="wlz", funder="kantoor"))
    outcome = resolve(fw, CASE, truth({"jw", "wlz"}))
    assert isinstance(outcome, Decision) and outcome.funder == "kantoor" and outcome.overridden == ("jw",)
    assert "voorliggend" in outcome.explanation


def test_two_funders_of_one_stelsel_conflict_and_name_both_rules():
    fw = framework(rule("a"), rule("b", funder="school", route="gc"))
    outcome = resolve(fw, CASE, truth({"a", "b"}))
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.CONFLICT
    assert outcome.rules == ("a", "b")
    assert [(c.rule, c.funder, c.entity) for c in outcome.candidates] == [
        ("a", "gemeente", "gemeente Vlaardingen"), ("b", "school", "het schoolbestuur")]
    assert outcome.route.id == "gc"


def test_the_route_is_that_of_the_highest_law_involved_or_the_frameworks_own_table():
    wlz = rule("wlz", domain="wlz", funder="kantoor", when={"field": "kind.wlz_indicatie", "eq": True})
    woonplaats = rule("jw", when={"field": "kind.brp_woonadres", "eq": True}, route="gc")
    open_both = resolve(framework(wlz, woonplaats), CASE, truth(set(), {"wlz", "jw"}))
    assert isinstance(open_both, Escalation) and open_both.reason is EscalationReason.MISSING_FACTS
    # the open Wlz question names no route, so it goes to the table, not to the woonplaats commission
    assert open_both.rules == ("wlz", "jw") and open_both.route.id == "tafel"
    only_jeugdwet = resolve(framework(wlz, woonplaats), CASE, truth(set(), {"jw"}))
    assert isinstance(only_jeugdwet, Escalation) and only_jeugdwet.route.id == "gc"


def test_two_rules_naming_the_same_funder_agree():
    outcome = resolve(framework(rule("a"), rule("b")), CASE, truth({"a", "b"}))
    assert isinstance(outcome, Decision) and outcome.rules == ("a", "b")


def test_a_grey_rule_escalates_with_its_suggested_funder():
    fw = framework(rule("grey", funder=None, grey_zone=True, suggested_funder="school"), rule("a"))
    fw_rules = {r.id: r for r in fw.rules}
    assert fw_rules["grey"].funder is None
    outcome = resolve(fw, CASE, truth({"grey", "a"}))
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.GREY_ZONE
    assert outcome.candidates[0].funder == "school" and outcome.candidates[0].entity == "het schoolbestuur"
    assert "voorgestelde betaler" in outcome.explanation


def test_an_unknown_rule_that_would_change_the_answer_asks_for_its_facts():
    higher = rule("wlz", domain="wlz", funder="kantoor", when={"field": "kind.wlz_indicatie", "eq": True})
    fw = framework(rule("jw"), higher)
    outcome = resolve(fw, CASE, truth({"jw"}, {"wlz"}))
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    assert outcome.missing_facts == ("kind.wlz_indicatie",) and outcome.rules == ("wlz",)
    assert "gemeente Vlaardingen" in outcome.explanation  # says what it would be without the rule


def test_an_unknown_rule_that_cannot_change_the_answer_is_ignored():
    lower = rule("lower", domain="jeugdwet", funder="school", when={"field": "kind.wlz_indicatie", "eq": True})
    fw = framework(rule("top", domain="wlz", funder="kantoor"), lower)
    outcome = resolve(fw, CASE, truth({"top"}, {"lower"}))
    assert isinstance(outcome, Decision) and outcome.funder == "kantoor"


@pytest.mark.parametrize("unknown", [{"u1", "u2"}, {"u1"}])
def test_unknown_rules_are_tried_in_every_combination(unknown):
    u1 = rule("u1", funder="school", when={"field": "kind.wlz_indicatie", "eq": True})
    u2 = rule("u2", funder="school", when={"field": "kind.geheim_adres", "eq": True})
    fw = framework(u1, u2)
    outcome = resolve(fw, CASE, truth(set(), unknown))
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    assert set(outcome.rules) == unknown


def test_a_rule_that_changes_nothing_in_any_combination_is_left_out():
    # "same" names the funder that already pays, so only wlz can change the answer; the
    # combination {wlz, same} changes it too, but because of wlz alone
    wlz = rule("wlz", domain="wlz", funder="kantoor", when={"field": "kind.wlz_indicatie", "eq": True})
    same = rule("same", funder="gemeente", when={"field": "kind.geheim_adres", "eq": True})
    outcome = resolve(framework(rule("jw"), wlz, same), CASE, truth({"jw"}, {"wlz", "same"}))
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS
    assert outcome.rules == ("wlz",) and outcome.missing_facts == ("kind.wlz_indicatie",)


def test_a_field_in_an_any_branch_that_already_holds_is_not_asked_for():
    when = {"all": [
        {"any": [{"field": "school.gemeente", "eq": "Schiedam"}, {"field": "kind.geheim_adres", "eq": True}]},
        {"field": "kind.wlz_indicatie", "eq": True},
    ]}
    wlz = rule("wlz", domain="wlz", funder="kantoor", when=when)
    outcome = resolve(framework(rule("jw"), wlz), CASE, truth({"jw"}, {"wlz"}))
    assert isinstance(outcome, Escalation)
    assert outcome.missing_facts == ("kind.wlz_indicatie",)  # school.gemeente = Schiedam settles the any


def test_true_and_false_placeholders_read_ja_and_nee():
    fw = framework(rule("a", explanation="verblijf: {kind.verblijf}; geheim adres: {kind.geheim_adres}"))
    outcome = resolve(fw, CASE, truth({"a"}))
    assert "verblijf: nee; geheim adres: onbekend" in outcome.explanation


def test_the_resolver_caches_stay_bounded_whatever_the_caseload():
    from wiebetaalt.decision.memo import CACHE_BOUND, Memo

    cache: Memo[Any, int] = Memo((n, n) for n in range(CACHE_BOUND))
    assert cache.remember("new", 1) == 1
    assert cache == {"new": 1}  # full: emptied before the new entry
    for n in range(10):
        cache.remember(n, n)
    assert len(cache) == 11


# --- issue 13, item 13: a grey zone without a suggested funder names no empty candidate


def test_a_grey_rule_without_a_funder_is_no_candidate_but_stays_in_the_rules_and_the_explanation():
    fw = framework(rule("grey", funder=None, grey_zone=True), rule("other", funder=None, grey_zone=True,
                                                                    suggested_funder="school"))
    outcome = resolve(fw, CASE, truth({"grey", "other"}))
    assert isinstance(outcome, Escalation) and outcome.reason is EscalationReason.GREY_ZONE
    assert outcome.rules == ("grey", "other")
    assert [(c.rule, c.funder) for c in outcome.candidates] == [("other", "school")]
    assert "Regel grey (grey): voorgestelde betaler geen betaler genoemd." in outcome.explanation
    assert all(c["funder"] for c in outcome.to_dict()["candidates"])


def test_a_case_before_2015_prints_no_empty_candidate(engine):
    from wiebetaalt.cli.text import format_outcome

    outcome = engine.decide({"peildatum": "2014-03-01", "hulpvraag": {"soort": "jeugdhulp"}})
    assert isinstance(outcome, Escalation) and outcome.rules == ("voor-2015-buiten-dit-kader",)
    text = format_outcome(outcome)
    assert "Kandidaat: " not in text and "Kandidaat:  (" not in text
    assert "voor-2015-buiten-dit-kader" in text


# --- README.md: the Python quick start runs and prints what a person reads


def _quick_start() -> str:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    return re.search(r"## Python quick start\n\n```python\n(.*?)```", readme, re.S).group(1)


def _run(code: str) -> str:
    import contextlib
    import io
    import os
    from pathlib import Path

    printed = io.StringIO()
    here = os.getcwd()
    os.chdir(Path(__file__).resolve().parent.parent)  # the quick start names rules/landelijk.yaml
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(here)
    return printed.getvalue()


def test_the_quick_start_runs_and_prints_the_payer():
    assert _run(_quick_start()).startswith("gemeente Vlaardingen [")


def test_the_quick_start_prints_a_readable_reason_for_an_escalation():
    code = _quick_start().replace('"brp_gemeente": "Vlaardingen"', '"postcode": "9999 ZZ"')
    assert code != _quick_start()
    printed = _run(code)
    # the municipality pays; which one is never presumed
    assert printed.startswith("party_unknown kind.brp_woonadres")
    assert "EscalationReason" not in printed


def test_the_quick_start_names_the_presumptions_it_rests_on():
    printed = _run(_quick_start())
    assert "aangenomen: ['geen Wlz-indicatie'" in printed and "geen geheim adres in de BRP" in printed


def test_a_reason_reads_as_its_plain_value():
    # what a test author prints or formats is what JSON and the batch output write
    for reason in EscalationReason:
        assert str(reason) == f"{reason}" == reason.value == json.loads(json.dumps(reason))
    assert str(EscalationReason.GREY_ZONE) == "grey_zone" and EscalationReason("grey_zone") is EscalationReason.GREY_ZONE
