"""`wiebetaalt recheck`, JSON errors for every command, and a rule engine that does not import."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, RULES
from wiebetaalt.cli.main import main

EXAMPLE = ROOT / "examples" / "schiedam-vlaardingen.yaml"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def stored(tmp_path: Path, *framework: str) -> Path:
    code, out, _ = run("decide", str(EXAMPLE), "--json", *framework)
    assert code == 0
    path = tmp_path / "uitkomst.json"
    path.write_text(out, encoding="utf-8")
    return path


def test_an_unchanged_outcome_holds_and_exits_0(tmp_path: Path):
    code, out, err = run("recheck", str(stored(tmp_path)))
    assert (code, err) == (0, "")
    assert out.startswith("De uitkomst geldt nog: gemeente Vlaardingen betaalt") and "landelijk 2026.2" in out


def test_the_framework_the_outcome_names_is_used_when_none_is_given(tmp_path: Path):
    code, out, _ = run("recheck", str(stored(tmp_path, "--framework", "waterweg")), "--json")
    result = json.loads(out)
    assert code == 0 and result["holds"] is True
    assert result["before"]["id"] == result["now"]["id"] == "regio-waterweg"
    assert result["framework_changed"] is False


def test_a_changed_outcome_names_the_changed_rule_and_exits_1(tmp_path: Path):
    path = stored(tmp_path)
    record = json.loads(path.read_text(encoding="utf-8"))
    record["entity"] = "gemeente Schiedam"
    changed = record["audit"]["rules"][0]["id"]
    record["audit"]["rules"][0]["digest"] = "0" * 64
    path.write_text(json.dumps(record), encoding="utf-8")
    code, out, _ = run("recheck", str(path))
    assert code == 1
    assert "De uitkomst is veranderd" in out and f"regel {changed} is gewijzigd" in out
    code, out, _ = run("recheck", str(path), "--json")
    result = json.loads(out)
    assert code == 1 and result["holds"] is False and result["changed_rules"] == [changed]
    assert [d["field"] for d in result["differences"]] == ["entity"]


def test_recheck_reads_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    data = stored(tmp_path).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run("recheck", "-")[0] == 0


@pytest.mark.parametrize(("text", "code"), [
    ("{", "invalid-outcome"),
    ('{"status": "decision"}', "invalid-outcome"),
    ("[1, 2]", "invalid-outcome"),
])
def test_what_is_not_a_stored_outcome_is_a_json_error_with_a_code(tmp_path: Path, text: str, code: str):
    path = tmp_path / "kapot.json"
    path.write_text(text, encoding="utf-8")
    status, out, err = run("recheck", str(path), "--json")
    assert status == 2 and json.loads(out)["error"]["code"] == code
    assert err.startswith(f"{path}") and len(err.splitlines()) == 1


def test_an_outcome_of_a_framework_that_is_not_installed_needs_framework(tmp_path: Path):
    path = stored(tmp_path)
    record = json.loads(path.read_text(encoding="utf-8"))
    record["audit"]["framework"]["id"] = "regio-elders"
    path.write_text(json.dumps(record), encoding="utf-8")
    status, out, err = run("recheck", str(path), "--json")
    assert status == 2 and json.loads(out)["error"]["code"] == "framework-unknown" and "--framework" in err
    status, _, _ = run("recheck", str(path), "--framework", str(RULES / "landelijk.yaml"))
    assert status == 0


def test_a_usage_error_with_json_is_json_on_standard_output():
    status, out, err = run("decide", str(EXAMPLE), "--json", "--onbekend")
    assert status == 2 and json.loads(out)["error"]["code"] == "bad-arguments" and "--onbekend" in err
    status, out, _ = run("decide", str(EXAMPLE), "--onbekend")
    assert status == 2 and out == ""


def test_check_test_and_analyse_report_a_missing_path_as_json(tmp_path: Path):
    gone = str(tmp_path / "weg.yaml")
    status, out, _ = run("check", "--json", gone, str(RULES / "landelijk.yaml"))
    assert status == 2 and json.loads(out)[0] == {"file": gone, "line": None, "column": None, "code": "no-such-path",
                                                  "message": "bestaat niet (geen bestand of map)", "hint": None}
    status, out, _ = run("test", "--json", gone)
    assert status == 2 and [e["code"] for e in json.loads(out)["errors"]] == ["no-such-path"]
    status, out, _ = run("analyse", "--json", str(tmp_path))
    assert status == 2 and [e["code"] for e in json.loads(out)["errors"]] == ["no-rule-files"]
    status, out, _ = run("analyse", "--json", "--budget", "0", str(RULES))
    assert status == 2 and json.loads(out)["error"]["code"] == "bad-arguments"


def test_a_postcode_table_that_cannot_be_used_is_a_json_error_for_test(tmp_path: Path):
    table = tmp_path / "postcodes.csv"
    table.write_text("postcode,gemeente\n3132AB,\n", encoding="utf-8")
    status, out, _ = run("test", "--json", "--postcodes", str(table), str(RULES / "landelijk.yaml"))
    assert status == 2 and json.loads(out)["error"]["code"] == "unusable-postcodes"


# A durable-rules built without the define (README) fails to import on Python 3.13; here the
# import is made to fail the same way, in a fresh interpreter, before wiebetaalt is imported.
_WITHOUT_DURABLE = ("import sys; sys.modules['durable_rules_engine'] = None; from wiebetaalt.cli.main import main; "
                    "sys.exit(main(sys.argv[1:]))")


@pytest.mark.parametrize("argv", [
    ["check", "rules/landelijk.yaml"],
    ["decide", "examples/schiedam-vlaardingen.yaml"],
    ["test", "rules/landelijk.yaml"],
    ["analyse", "rules/landelijk.yaml"],
    ["batch", "docs/voorbeeld/casussen.csv", "-o", "-"],
])
def test_every_command_that_needs_the_engine_says_in_one_line_that_it_does_not_import(argv: list[str]):
    ran = subprocess.run([sys.executable, "-c", _WITHOUT_DURABLE, *argv], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert ran.returncode == 2, ran.stderr
    lines = ran.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in ran.stderr
    assert lines[0].startswith("wiebetaalt: de rekenkern durable_rules laadt niet")
    assert "CPPFLAGS=-DPyEval_CallObject=PyObject_CallObject pip install" in lines[0]


def test_without_the_engine_decide_json_is_a_json_error_and_kaders_still_works():
    ran = subprocess.run([sys.executable, "-c", _WITHOUT_DURABLE, "decide", "examples/schiedam-vlaardingen.yaml",
                          "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 2 and json.loads(ran.stdout)["error"]["code"] == "engine-unavailable"
    ran = subprocess.run([sys.executable, "-c", _WITHOUT_DURABLE, "kaders"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert ran.returncode == 0 and "landelijk" in ran.stdout
