"""The command line, driven in-process with captured output."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import re
from pathlib import Path

from conftest import ROOT, RULES
from wiebetaalt.cli.main import _in_dutch, _parser, main

EXAMPLE = ROOT / "examples" / "schiedam-vlaardingen.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_check_the_bundled_rules_is_clean():
    code, out, err = run("check", str(RULES))
    assert code == 0 and out == ""
    assert "0 problemen" in err


def test_check_a_broken_file_prints_located_problems_and_exits_1(tmp_path: Path):
    broken = tmp_path / "kapot.yaml"
    broken.write_text((RULES / "landelijk.yaml").read_text(encoding="utf-8").replace(
        "funder: swv_school", "funder: swv_schol", 1), encoding="utf-8")
    code, out, _ = run("check", str(broken))
    assert code == 1
    line = out.splitlines()[0]
    assert line.startswith(f"{broken}:") and ": unknown-funder: onbekende betaler 'swv_schol'" in line
    assert "bedoelt u 'swv_school'" in line
    code, out, _ = run("check", "--json", str(broken))
    assert code == 1 and json.loads(out)[0]["code"] == "unknown-funder"


def test_check_with_no_rule_files_is_a_usage_error(tmp_path: Path):
    assert run("check", str(tmp_path))[0] == 2


def test_check_analyse_and_test_on_a_folder_read_its_frameworks_not_its_cases(tmp_path: Path):
    # a region keeps its cases beside its rule files, as docs/voorbeeld does
    shutil.copy(RULES / "landelijk.yaml", tmp_path / "landelijk.yaml")
    (tmp_path / "casus.yaml").write_text("peildatum: 2025-03-01\nhulpvraag: {soort: jeugdhulp}\n", encoding="utf-8")
    (tmp_path / "casussen").mkdir()
    (tmp_path / "casussen" / "thuiszitter.yml").write_text("peildatum: 2025-03-01\nkind: {leeftijd: 12}\n",
                                                           encoding="utf-8")
    code, out, err = run("check", str(tmp_path))
    assert code == 0 and out == "" and "1 bestand gecontroleerd, 0 problemen" in err
    code, out, _ = run("analyse", "--json", str(tmp_path))
    assert code == 0 and [report["file"] for report in json.loads(out)["files"]] == [str(tmp_path / "landelijk.yaml")]
    assert run("test", str(tmp_path))[0] == 0
    # a case file named itself is still read as a framework, and said to be broken
    code, out, _ = run("check", str(tmp_path / "casus.yaml"))
    assert code == 1 and "casus.yaml" in out


def test_check_a_path_that_does_not_exist_is_a_usage_error_and_the_others_are_still_checked(tmp_path: Path):
    broken = tmp_path / "kapot.yaml"
    broken.write_text((RULES / "landelijk.yaml").read_text(encoding="utf-8").replace(
        "funder: swv_school", "funder: swv_schol", 1), encoding="utf-8")
    code, out, err = run("check", str(tmp_path / "weg.yaml"), str(broken))
    assert code == 2
    assert f"{tmp_path / 'weg.yaml'}: bestaat niet (geen bestand of map)" in err
    assert "unknown-funder" in out and "1 bestand gecontroleerd" in err


def test_decide_reports_an_engine_failure_as_exit_2_not_a_traceback(tmp_path: Path, monkeypatch):
    from wiebetaalt import EvaluationError
    from wiebetaalt.engine.engine import Engine

    def fail(self, case):
        raise EvaluationError("durable_rules failed: test")

    monkeypatch.setattr(Engine, "match", fail)
    code, out, err = run("decide", str(EXAMPLE), "--framework", str(RULES / "landelijk.yaml"))
    assert code == 2 and out == ""
    assert "de rekenkern faalde" in err and "durable_rules failed: test" in err


def test_decide_the_example_names_the_residence_municipality():
    code, out, _ = run("decide", str(EXAMPLE), "--framework", str(RULES / "landelijk.yaml"))
    assert code == 0
    assert out.startswith("Besluit: gemeente Vlaardingen betaalt")
    assert "Jeugdwet art. 2.3 lid 1" in out


def test_decide_json_is_machine_readable():
    code, out, _ = run("decide", "--json", str(EXAMPLE), "--framework", str(RULES / "landelijk.yaml"))
    data = json.loads(out)
    assert code == 0 and data["status"] == "decision" and data["entity"] == "gemeente Vlaardingen"


def test_decide_an_escalation_exits_1_and_says_where_to(tmp_path: Path):
    case = tmp_path / "case.yaml"
    case.write_text("peildatum: 2025-03-01\nhulpvraag: {soort: verpleging}\n", encoding="utf-8")
    code, out, _ = run("decide", str(case), "--framework", str(RULES / "landelijk.yaml"), "--geen-aannames")
    assert code == 1
    assert "Escalatie: ontbrekende feiten" in out and "kind.wlz_indicatie" in out
    assert "Naar: " in out
    # presumed, the same case is decided, and the answer says what it rests on
    code, out, _ = run("decide", str(case), "--framework", str(RULES / "landelijk.yaml"))
    assert code == 0 and "Besluit: de zorgverzekeraar van de jeugdige betaalt" in out
    assert "Aangenomen (controleer dit" in out and "  - geen Wlz-indicatie: " in out


def test_decide_a_bad_case_names_file_line_and_field(tmp_path: Path):
    case = tmp_path / "case.yaml"
    case.write_text("peildatum: 2025-03-01\nkind:\n  leeftijd: zeven\n  bsn: '123456782'\n", encoding="utf-8")
    code, out, err = run("decide", str(case), "--framework", str(RULES / "landelijk.yaml"))
    assert code == 2 and out == ""
    assert f"{case}:3:13: kind.leeftijd:" in err
    assert f"{case}:4:3: kind.bsn: onbekend veld; verwacht alleen de velden van het casusmodel" in err
    assert "zeven" not in err and "123456782" not in err


def test_decide_with_a_broken_framework_exits_2(tmp_path: Path):
    broken = tmp_path / "kapot.yaml"
    broken.write_text("schema_version: 1\n", encoding="utf-8")
    code, _, err = run("decide", str(EXAMPLE), "--framework", str(broken))
    assert code == 2 and "missing-key" in err


def test_decide_with_an_own_postcode_table(tmp_path: Path):
    table = tmp_path / "pc.csv"
    table.write_text("PC6;Gemeentenaam\n3132AB;Testdorp\n", encoding="utf-8")
    code, out, _ = run("decide", str(EXAMPLE), "--framework", str(RULES / "landelijk.yaml"), "--postcodes", str(table))
    assert code == 0 and out.startswith("Besluit: gemeente Testdorp betaalt")


def test_schema_is_a_json_schema_of_the_rule_format(tmp_path: Path):
    code, out, _ = run("schema")
    schema = json.loads(out)
    assert code == 0 and {"rules", "funders", "precedence"} <= set(schema["properties"])
    target = tmp_path / "s.json"
    assert run("schema", "-o", str(target))[0] == 0 and json.loads(target.read_text()) == schema


def test_usage_errors_exit_2():
    assert run()[0] == 2
    assert run("decide")[0] == 2


def _help_texts() -> list[str]:
    """The help of the parser, of each command, and of every option and argument of them."""
    parser = _parser()
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    texts = [choice.help for choice in commands._choices_actions]
    for owner in [parser, *commands.choices.values()]:
        texts += [action.help for action in owner._actions if action.help]
    return texts


# words that only English has; "of", "in", "is" and "op" are Dutch as well
_ENGLISH = re.compile(r"\b(the|and|with|from|show|print|every|instead|write|which|this|default|file|files|"
                      r"rule|case|exit|message|program|help)\b", re.I)


def test_the_help_of_every_command_and_option_is_dutch():
    texts = _help_texts()
    assert len(texts) >= 40
    assert [t for t in texts if _ENGLISH.search(t)] == []
    code, out, _ = run("decide", "--help")
    assert code == 0 and out.startswith("gebruik: wiebetaalt decide")
    assert "\nargumenten:\n" in out and "\nopties:\n" in out and "toon deze hulp en stop" in out
    assert _ENGLISH.search(re.sub(r"--?[\w-]+", "", out)) is None  # the option names stay English


def test_the_english_word_check_catches_english():
    assert _ENGLISH.search("show this help message and exit")
    assert _ENGLISH.search("rule files or folders of them")
    assert not _ENGLISH.search("regelbestanden of mappen daarmee")


def test_a_usage_error_is_dutch_with_the_usage_line():
    code, out, err = run("decide")
    assert code == 2 and out == ""
    assert err.startswith("gebruik: wiebetaalt decide") and err.endswith(
        "wiebetaalt decide: fout: deze argumenten ontbreken: casus\n")
    assert run("batch", "in.csv", "-o", "uit.csv", "--jobs", "veel")[2].endswith(
        "wiebetaalt batch: fout: argument --jobs: geen geheel getal: 'veel'\n")
    assert "fout: argument --input-format: ongeldige keuze: 'xml' (kies uit " in run(
        "batch", "in.csv", "-o", "uit.csv", "--input-format", "xml")[2]
    assert run("check", "rules", "--onbekend")[2].endswith("wiebetaalt: fout: onbekende argumenten: --onbekend\n")
    assert run("decide", "--framework")[2].endswith("fout: argument --framework: verwacht een waarde\n")
    code, out, _ = run("kaders", "--json", "--onbekend")
    assert code == 2 and json.loads(out)["error"] == {"code": "bad-arguments",
                                                      "message": "onbekende argumenten: --onbekend"}


def test_an_argparse_message_without_a_translation_stays_as_argparse_words_it():
    assert _in_dutch("argument --x: not allowed with argument --y") == "argument --x: not allowed with argument --y"
    assert _in_dutch("the following arguments are required: paden") == "deze argumenten ontbreken: paden"


def test_decide_a_shared_cost_lists_every_payer_with_its_exact_share():
    code, out, _ = run("decide", str(ROOT / "examples" / "leerlingenvervoer-co-ouderschap.yaml"))
    assert code == 0
    assert out.splitlines()[:3] == [
        "Besluit: gedeelde kosten",
        "  - gemeente Schiedam: 57,14% (4/7)",
        "  - gemeente Maassluis: 42,86% (3/7)",
    ]
