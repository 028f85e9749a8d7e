"""The audit record of every outcome, and rechecking a stored outcome (issue 17, part 3).

A decision that a municipality sends on or defends must say which framework and case it came from,
so that deciding it again gives the same answer or says what changed it.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from conftest import RULES
from wiebetaalt import (
    Audit, CaseError, Decision, Engine, Escalation, Framework, Recheck, RecheckError, load_framework, parse_case,
    recheck,
)
from wiebetaalt.decision.audit import AUDIT_FORMAT, Auditor, framework_digest, rule_digest
from wiebetaalt.batch import Summary, decide_batch, output_columns, run_batch
from wiebetaalt.load.postcodes import PostcodeTable, bundled_postcodes

SCHIEDAM = {
    "peildatum": "2025-03-01",
    "kind": {"brp_gemeente": "Vlaardingen", "verblijf": False, "geheim_adres": False, "wlz_indicatie": False},
    "school": {"gemeente": "Schiedam"},
    "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel", "aangemeld_via": "school"},
}
RULE = "jeugdhulp-individueel-woonplaats"
COLLECTIVE = {"peildatum": "2025-09-01", "school": {"gemeente": "Schiedam", "soort": "basisonderwijs"},
              "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief", "tijdens_schooltijd": True}}


def stored(outcome: Decision | Escalation) -> dict[str, Any]:
    """An outcome as `wiebetaalt decide --json` writes it and a file gives it back."""
    return json.loads(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))


def copy_rules(folder: Path) -> tuple[Path, Path]:
    """The national framework and the Waterweg overlay in ``folder``, laid out as in rules/."""
    (folder / "regio").mkdir(parents=True)
    national = Path(shutil.copy(RULES / "landelijk.yaml", folder / "landelijk.yaml"))
    overlay = Path(shutil.copy(RULES / "regio" / "waterweg.yaml", folder / "regio" / "waterweg.yaml"))
    return national, overlay


def edit(path: Path, old: str, new: str, after: str = "") -> None:
    """Replace the first ``old`` in ``path`` (after the first ``after``), exactly once."""
    text = path.read_text(encoding="utf-8")
    start = text.index(after) if after else 0
    at = text.index(old, start)
    path.write_text(text[:at] + new + text[at + len(old):], encoding="utf-8")


def sha256_of(*paths: Path) -> str:
    lines = "".join(hashlib.sha256(p.read_bytes()).hexdigest() + "\n" for p in paths)
    return "sha256:" + hashlib.sha256(lines.encode()).hexdigest()


# --- The record ---------------------------------------------------------------------------------


def test_a_decision_carries_the_framework_versions_peildatum_rules_and_case(national: Framework, engine: Engine):
    outcome = engine.decide(SCHIEDAM)
    assert isinstance(outcome, Decision) and outcome.rules == (RULE,)
    audit = outcome.audit
    assert isinstance(audit, Audit)
    assert (audit.framework.id, audit.framework.title, audit.framework.version) == (
        "landelijk", national.title, national.version)
    # the digest of the files: the SHA-256 of their SHA-256s, one per line (what sha256sum | sha256sum gives)
    assert audit.framework.digest == sha256_of(RULES / "landelijk.yaml")
    file_sha = hashlib.sha256((RULES / "landelijk.yaml").read_bytes()).hexdigest()
    assert audit.framework.files == (("landelijk.yaml", file_sha),)
    assert audit.wiebetaalt == metadata.version("wiebetaalt")
    assert audit.peildatum.isoformat() == "2025-03-01"
    assert audit.presumptions == ()
    assert audit.settle is True
    assert audit.rules == ((RULE, rule_digest(national.rule(RULE))),)
    assert audit.case == parse_case(SCHIEDAM)
    data = json.loads(json.dumps(outcome.to_dict()))["audit"]
    assert data["format"] == AUDIT_FORMAT
    assert data["framework"]["files"] == [{"file": "landelijk.yaml", "sha256": audit.framework.files[0][1]}]
    assert data["presumptions"] == [] and data["peildatum"] == "2025-03-01"
    assert data["rules"] == [{"id": RULE, "digest": audit.rules[0][1]}]
    # the case as a plain dict of the known facts only
    assert data["case"] == SCHIEDAM


def test_an_escalation_carries_it_too_and_the_case_is_the_one_given_not_the_one_prepared(engine: Engine):
    raw = {"peildatum": "2025-03-01", "kind": {"postcode": "3132 ab"}, "hulpvraag": {"soort": "jeugdhulp"}}
    outcome = engine.decide(raw, settle=False)
    assert isinstance(outcome, Escalation) and outcome.audit is not None
    assert outcome.audit.settle is False
    assert {rule_id for rule_id, _ in outcome.audit.rules} == set(outcome.rules)
    # the BRP municipality the engine derived from the postcode is not part of the stored case:
    # deciding it again derives it again, with the same note
    case = outcome.to_dict()["audit"]["case"]
    assert case == {"peildatum": "2025-03-01", "kind": {"postcode": "3132AB"}, "hulpvraag": {"soort": "jeugdhulp"}}
    assert "postcode 3132AB" in outcome.explanation


def test_a_decision_lists_the_rules_it_set_aside(national: Framework, engine: Engine):
    # the Wlz exception for a psychiatric disorder holds beside the Jeugdwet rule (example in landelijk.yaml)
    found = [r for r in [engine.decide(e.case) for e in national.examples]
             if isinstance(r, Decision) and r.overridden]
    assert found
    outcome = found[0]
    assert outcome.audit is not None
    assert [rule_id for rule_id, _ in outcome.audit.rules] == [*outcome.rules, *outcome.overridden]


def test_the_rule_digest_is_that_of_the_version_in_force_on_the_peildatum():
    framework = load_framework(RULES / "regio" / "waterweg.yaml")
    rule_id = "waterweg-collectieve-jeugdhulp-op-school"
    first, second = [rule for rule in framework.rules if rule.id == rule_id]
    with Engine(framework) as engine:
        early = engine.decide(COLLECTIVE, settle=False)
        late = engine.decide({**COLLECTIVE, "peildatum": "2026-09-01"}, settle=False)
    assert rule_id in early.rules and rule_id in late.rules
    assert dict(early.audit.rules)[rule_id] == rule_digest(first)
    assert dict(late.audit.rules)[rule_id] == rule_digest(second) != rule_digest(first)


def test_the_resolver_alone_leaves_the_audit_out(engine: Engine):
    from wiebetaalt.decision.resolve import resolve

    case = engine.prepare(SCHIEDAM)
    outcome = resolve(engine.framework, case, engine.match(case))
    assert outcome.audit is None and outcome.to_dict()["audit"] is None


def test_equal_outcomes_need_equal_audits(national: Framework, engine: Engine):
    assert engine.decide(SCHIEDAM) == engine.decide(copy.deepcopy(SCHIEDAM))
    # the same answer from a case with one more (irrelevant) fact is another record
    other = engine.decide({**SCHIEDAM, "school": {"gemeente": "Delft"}})
    assert isinstance(other, Decision) and other.entity == "gemeente Vlaardingen"
    assert other != engine.decide(SCHIEDAM)
    assert hash(engine.decide(SCHIEDAM)) == hash(engine.decide(SCHIEDAM))


# --- The digest -------------------------------------------------------------------------------


def test_the_digest_is_the_same_for_copies_in_another_folder_and_changes_with_any_byte(tmp_path: Path):
    here_national, here_overlay = copy_rules(tmp_path / "a")
    there_national, there_overlay = copy_rules(tmp_path / "b" / "elders")
    original = load_framework(RULES / "regio" / "waterweg.yaml")
    here, there = load_framework(here_overlay), load_framework(there_overlay)
    assert framework_digest(here) == framework_digest(there) == framework_digest(original)
    assert framework_digest(here) == sha256_of(here_national, here_overlay)
    files = Auditor(here, bundled_postcodes()).framework.files
    assert [name for name, _ in files] == ["landelijk.yaml", "waterweg.yaml"]
    # one byte of the base, in a comment: the framework's digest changes, no rule's does
    edit(there_national, "#", "# ")
    changed = load_framework(there_overlay)
    assert framework_digest(changed) != framework_digest(here)
    assert [rule_digest(r) for r in changed.rules] == [rule_digest(r) for r in here.rules]
    # one byte of the overlay changes it too
    edit(here_overlay, "#", "#.")
    assert framework_digest(load_framework(here_overlay)) not in (framework_digest(there), framework_digest(changed))


def test_a_rule_digest_changes_with_the_rule_only(tmp_path: Path, national: Framework):
    path, _ = copy_rules(tmp_path)
    edit(path, "binnenkwam, veranderen dat niet.", "binnenkwam, verandert dat niet.", after=f"- id: {RULE}")
    changed = load_framework(path)
    differ = [r.id for r, s in zip(national.rules, changed.rules) if rule_digest(r) != rule_digest(s)]
    assert differ == [RULE]


def test_a_framework_not_loaded_from_files_gets_the_digest_of_its_content(national: Framework):
    data = national.model_dump(mode="json", by_alias=True, exclude_none=True)
    built, again = Framework.model_validate_json(json.dumps(data)), Framework.model_validate_json(json.dumps(data))
    assert built.sources == ()
    assert framework_digest(built) == framework_digest(again) != framework_digest(national)
    data["version"] = "anders"
    assert framework_digest(Framework.model_validate_json(json.dumps(data))) != framework_digest(built)
    with Engine(built) as engine:
        audit = engine.decide(SCHIEDAM).audit
    assert audit.framework.files == () and audit.framework.digest == framework_digest(built)


# --- Many at once -------------------------------------------------------------------------------


def test_decide_many_and_decide_batch_carry_the_audit_decide_gives(national: Framework, engine: Engine):
    cases = [SCHIEDAM, {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"}},
             {"peildatum": "nooit"}, {**SCHIEDAM, "peildatum": "2021-06-01"}]
    alone = [engine.decide(c, settle=False) if c["peildatum"] != "nooit" else None for c in cases]
    many = list(engine.decide_many(cases, settle=False, chunk_size=2))
    batch = list(decide_batch(national, cases, jobs=2, chunk_size=1))
    for one, from_many, from_batch in zip(alone, many, batch):
        if one is None:
            assert isinstance(from_many, CaseError) and isinstance(from_batch, CaseError)
            continue
        assert one.audit is not None
        assert from_many.audit == one.audit and from_batch.audit == one.audit
        assert from_many == one and from_batch == one


def test_batch_csv_rows_name_the_framework_and_the_summary_holds_the_record(national: Framework):
    text = io.StringIO()
    csv.writer(text).writerows([["id", "peildatum", "kind.brp_gemeente", "kind.verblijf", "kind.geheim_adres",
                                 "kind.wlz_indicatie", "hulpvraag.soort", "hulpvraag.toegang"],
                                ["A", "2025-03-01", "Vlaardingen", "nee", "nee", "nee", "jeugdhulp", "individueel"],
                                ["B", "geen datum", "", "", "", "", "", ""]])
    target = io.BytesIO()
    summary, finished = run_batch(io.BytesIO(text.getvalue().encode()), target, national,
                                  input_format="csv", output_format="csv", jobs=1, explain=True)
    rows = list(csv.reader(io.StringIO(target.getvalue().decode())))
    assert finished and rows[0] == list(output_columns(explain=True)) and rows[0][-1] == "audit"
    reference = f"landelijk@{national.version} {framework_digest(national)}"
    assert rows[1][-1] == reference and rows[1][-3].startswith("Jeugdwet")  # the explain columns keep their place
    assert rows[2][2] == "invalid" and rows[2][-1] == ""  # nothing was decided
    record = summary.to_dict()["audit"]
    assert record == Auditor(national, bundled_postcodes()).header(settle=False)
    assert record["framework"]["digest"] == framework_digest(national) and record["presume"] is True
    assert json.loads(json.dumps(summary.to_dict()))["audit"] == record


def test_batch_json_lines_start_with_the_record_and_every_row_names_the_framework(national: Framework):
    lines = [json.dumps({"id": "A", **SCHIEDAM}), json.dumps({"id": "B", "peildatum": "x"})]
    target = io.BytesIO()
    summary, _ = run_batch(io.BytesIO("\n".join(lines).encode()), target, national, input_format="jsonl",
                           output_format="jsonl", jobs=1, settle=True)
    header, *rows = [json.loads(line) for line in target.getvalue().decode().splitlines()]
    assert header == {"audit": summary.audit} and "row" not in header
    assert header["audit"]["settle"] is True and header["audit"]["format"] == AUDIT_FORMAT
    assert [row["row"] for row in rows] == [1, 2]
    assert rows[0]["audit"] == f"landelijk@{national.version} {framework_digest(national)}"
    assert rows[1]["audit"] is None


def test_summaries_merged_keep_the_record():
    whole, part = Summary(), Summary(audit={"format": AUDIT_FORMAT})
    whole.merge(part)
    assert whole.audit == {"format": AUDIT_FORMAT} and Summary().to_dict()["audit"] is None


# --- Recheck ------------------------------------------------------------------------------------


def test_a_stored_outcome_on_the_unchanged_framework_still_holds(national: Framework, engine: Engine):
    outcome = engine.decide(SCHIEDAM)
    result = recheck(stored(outcome), national)
    assert isinstance(result, Recheck)
    assert result.holds and not result.framework_changed
    assert result.differences == () and result.changed_rules == result.new_rules == result.gone_rules == ()
    assert result.rules_before == result.rules_now == (RULE,)
    assert result.outcome == outcome
    assert result.summary.startswith("De uitkomst geldt nog: gemeente Vlaardingen betaalt")
    assert f"kader landelijk {national.version}, ongewijzigd" in result.summary
    # with an engine, for many stored outcomes: the same
    assert recheck(stored(outcome), engine).holds
    assert json.loads(json.dumps(result.to_dict()))["holds"] is True


def test_an_escalation_settled_before_is_settled_again_and_still_holds(engine: Engine):
    outcome = engine.decide({"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Delft"},
                             "hulpvraag": {"soort": "jeugdhulp"}})
    assert isinstance(outcome, Escalation) and outcome.answers
    result = recheck(stored(outcome), engine)
    assert result.holds and result.outcome.answers == outcome.answers, result.summary
    assert result.summary.startswith("De uitkomst geldt nog: escalatie (ontbrekende feiten) naar ")


def test_after_a_rule_changes_the_recheck_names_the_rule_and_both_versions(tmp_path: Path, national: Framework):
    path, _ = copy_rules(tmp_path)
    # every fact that another rule would need once the funder changes is known
    case = {**SCHIEDAM, "kind": {**SCHIEDAM["kind"], "leeftijd": 11, "alleen_psychische_stoornis": False}}
    with Engine(load_framework(path)) as engine:
        old = stored(engine.decide(case))
    edit(path, "funder: woonplaatsgemeente", "funder: schoolgemeente", after=f"- id: {RULE}")
    edit(path, f'version: "{national.version}"', 'version: "2099.1"')
    result = recheck(old, load_framework(path))
    assert not result.holds and result.framework_changed
    assert result.changed_rules == (RULE,) and result.new_rules == result.gone_rules == ()
    assert (result.before.version, result.now.version) == (national.version, "2099.1")
    fields = {d.field: (d.before, d.now) for d in result.differences}
    assert fields["funder"] == ("woonplaatsgemeente", "schoolgemeente")
    assert fields["entity"] == ("gemeente Vlaardingen", "gemeente Schiedam")
    assert result.summary.startswith("De uitkomst is veranderd. Eerder: gemeente Vlaardingen betaalt. "
                                     "Nu: gemeente Schiedam betaalt.")
    assert f"regel {RULE} is gewijzigd (kader landelijk {national.version} → 2099.1)" in result.summary
    assert "betaler" in result.summary and "partij" in result.summary


def test_a_rule_that_is_gone_and_one_that_decides_now_are_named(tmp_path: Path, national: Framework):
    path, _ = copy_rules(tmp_path)
    old = stored(Engine(national).decide(SCHIEDAM))
    # the rule is renamed: the old one is gone from the framework, the new one decides
    text = path.read_text(encoding="utf-8").replace(RULE, "jeugdhulp-woonplaats-nieuw")
    path.write_text(text, encoding="utf-8")
    result = recheck(old, load_framework(path))
    assert result.gone_rules == (RULE,) and result.new_rules == ("jeugdhulp-woonplaats-nieuw",)
    assert not result.holds and [d.field for d in result.differences] == ["rules"]
    assert f"regel {RULE} staat niet meer in het kader" in result.summary
    assert "regel jeugdhulp-woonplaats-nieuw telt nu mee" in result.summary
    # the framework's content changed under the same version number: said as such
    assert f"kader landelijk {national.version}, zelfde versienummer maar andere inhoud: sha256:" in result.summary


def test_a_changed_explanation_only_still_holds_and_says_so(tmp_path: Path, national: Framework):
    path, _ = copy_rules(tmp_path)
    old = stored(Engine(national).decide(SCHIEDAM))
    edit(path, "binnenkwam, veranderen dat niet.", "binnenkwam, verandert dat niet.", after=f"- id: {RULE}")
    result = recheck(old, load_framework(path))
    assert result.holds and result.changed_rules == (RULE,)
    assert [d.field for d in result.differences] == ["explanation"]
    assert "niet op een punt dat deze uitkomst verandert" in result.summary
    assert f"regel {RULE} is gewijzigd" in result.summary and "toelichting" in result.summary


def test_another_postcode_table_is_named_when_the_case_gives_a_postcode(national: Framework):
    case = {**SCHIEDAM, "kind": {**SCHIEDAM["kind"], "postcode": "9999 ZZ"}}
    del case["kind"]["brp_gemeente"]
    with Engine(national, postcodes=PostcodeTable({"9999ZZ": "Maassluis"})) as engine:
        old = stored(engine.decide(case))
    assert old["entity"] == "gemeente Maassluis"
    result = recheck(old, national, postcodes=PostcodeTable({"9999ZZ": "Delft"}))
    assert not result.holds and result.postcodes_changed and not result.framework_changed
    assert "de postcodetabel is een andere" in result.summary
    assert recheck(old, national, postcodes=PostcodeTable({"9999 zz": "Maassluis"})).holds


@pytest.mark.parametrize(("record", "message"), [
    ([], "geen uitkomst van wiebetaalt: verwacht een JSON-object"),
    ({"rows": 3}, "'status' is niet 'decision' of 'escalation'"),
    ({"status": "decision", "rules": "a"}, "'rules' is geen lijst van regels"),
    ({"status": "decision", "rules": [], "funder": "x"}, "geen audit-gegevens"),
    ({"status": "escalation", "rules": [], "audit": None}, "geen audit-gegevens"),
    ({"status": "decision", "rules": [], "audit": {"format": "iets/2"}},
     "onbekende vorm van de audit-gegevens (\"iets/2\")"),
])
def test_a_record_that_is_no_wiebetaalt_outcome_is_refused(record: Any, message: str, national: Framework):
    with pytest.raises(RecheckError) as caught:
        recheck(record, national)
    assert message in str(caught.value)


def test_a_tampered_or_incomplete_audit_is_refused(engine: Engine, national: Framework):
    good = stored(engine.decide(SCHIEDAM))
    for change, message in [
        (lambda a: a.pop("case"), "bevatten de casus niet"),
        (lambda a: a["case"].update(peildatum="2025-02-30"), "geen geldige casus"),
        (lambda a: a.update(peildatum="2024-01-01"), "de peildatum van de audit-gegevens"),
        (lambda a: a["framework"].pop("digest"), "noemen het kader niet"),
        (lambda a: a.update(rules=[{"id": RULE}]), "noemen de regels niet"),
        (lambda a: a.pop("settle"), "'settle'"),
    ]:
        record = copy.deepcopy(good)
        change(record["audit"])
        with pytest.raises(RecheckError) as caught:
            recheck(record, engine)
        assert message in str(caught.value), (message, str(caught.value))
    with pytest.raises(ValueError, match="own postcode table"):
        recheck(good, engine, postcodes=bundled_postcodes())
