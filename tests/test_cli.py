"""The command line, driven in-process with captured output."""

from __future__ import annotations

import io
import json
from pathlib import Path

from conftest import ROOT, RULES
from wiebetaalt.cli.main import main

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
    assert line.startswith(f"{broken}:") and ": unknown-funder: unknown funder 'swv_schol'" in line
    assert "did you mean 'swv_school'" in line
    code, out, _ = run("check", "--json", str(broken))
    assert code == 1 and json.loads(out)[0]["code"] == "unknown-funder"


def test_check_with_no_rule_files_is_a_usage_error(tmp_path: Path):
    assert run("check", str(tmp_path))[0] == 2


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
    code, out, _ = run("decide", str(case), "--framework", str(RULES / "landelijk.yaml"))
    assert code == 1
    assert "Escalatie: ontbrekende feiten" in out and "kind.wlz_indicatie" in out
    assert "Naar: " in out


def test_decide_a_bad_case_names_file_line_and_field(tmp_path: Path):
    case = tmp_path / "case.yaml"
    case.write_text("peildatum: 2025-03-01\nkind:\n  leeftijd: zeven\n  bsn: '123456782'\n", encoding="utf-8")
    code, out, err = run("decide", str(case), "--framework", str(RULES / "landelijk.yaml"))
    assert code == 2 and out == ""
    assert f"{case}:3:13: kind.leeftijd:" in err
    assert f"{case}:4:3: kind.bsn: unknown field" in err


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


def test_decide_a_shared_cost_lists_every_payer_with_its_exact_share():
    code, out, _ = run("decide", str(ROOT / "examples" / "leerlingenvervoer-co-ouderschap.yaml"))
    assert code == 0
    assert out.splitlines()[:3] == [
        "Besluit: gedeelde kosten",
        "  - gemeente Schiedam: 57,14% (4/7)",
        "  - gemeente Maassluis: 42,86% (3/7)",
    ]
