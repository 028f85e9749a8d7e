"""The installed frameworks (package data), naming them, and the command line's conventions:
--version, schema --case, kaders, JSON errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import jsonschema
import yaml

from conftest import ROOT, RULES
from wiebetaalt import Decision, Engine, check_framework, load_framework
from wiebetaalt.load.yaml import read_yaml
from wiebetaalt.load.bundled import bundled_frameworks, bundled_path
from wiebetaalt.model.schema import case_json_schema
from wiebetaalt.cli.main import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_the_installed_frameworks_are_the_rule_files_of_the_repository():
    installed = bundled_frameworks()
    assert list(installed)[0] == "landelijk"
    assert set(installed) == {"landelijk", "waterweg", "heuvelland"}
    assert installed["landelijk"].read_bytes() == (RULES / "landelijk.yaml").read_bytes()
    assert installed["waterweg"].read_bytes() == (RULES / "regio" / "waterweg.yaml").read_bytes()
    assert bundled_path("landelijk.yaml") is None and bundled_path("rules/landelijk") is None


def test_decide_uses_the_installed_national_framework_from_any_folder(tmp_path: Path):
    case = tmp_path / "casus.yaml"
    case.write_bytes((ROOT / "examples" / "schiedam-vlaardingen.yaml").read_bytes())
    done = subprocess.run([sys.executable, "-m", "wiebetaalt", "decide", "casus.yaml", "--json"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["entity"] == "gemeente Vlaardingen"


def test_a_framework_is_named_by_its_installed_name_or_given_as_a_path():
    case = str(ROOT / "examples" / "collectief-waterweg.yaml")
    by_name = run("decide", case, "--framework", "waterweg", "--json")
    by_path = run("decide", case, "--framework", str(RULES / "regio" / "waterweg.yaml"), "--json")
    assert by_name[0] == by_path[0] and json.loads(by_name[1])["rules"] == json.loads(by_path[1])["rules"]
    status, out, err = run("decide", case, "--framework", "waterwg", "--json")
    assert status == 2 and "bedoelt u 'waterweg'?" in err
    assert json.loads(out)["error"]["code"] == "framework-does-not-load"


def test_an_overlay_can_extend_the_installed_national_framework(tmp_path: Path):
    text = (RULES / "regio" / "waterweg.yaml").read_text(encoding="utf-8").replace(
        "extends: ../landelijk.yaml", "extends: landelijk")
    assert "extends: landelijk\n" in text
    (tmp_path / "regio.yaml").write_text(text, encoding="utf-8")
    assert check_framework(tmp_path / "regio.yaml") == []
    overlay, original = load_framework(tmp_path / "regio.yaml"), load_framework(RULES / "regio" / "waterweg.yaml")
    assert [r.id for r in overlay.rules] == [r.id for r in original.rules]
    (tmp_path / "fout.yaml").write_text(text.replace("extends: landelijk", "extends: landelik"), encoding="utf-8")
    [problem] = check_framework(tmp_path / "fout.yaml")
    assert problem.code == "invalid-base" and "bedoelt u 'landelijk'?" in problem.hint


def test_kaders_lists_every_installed_framework_with_its_version():
    status, out, _ = run("kaders", "--json")
    assert status == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert set(rows) == set(bundled_frameworks())
    assert rows["landelijk"]["version"] == load_framework(RULES / "landelijk.yaml").version
    assert rows["waterweg"]["extends"] == "../landelijk.yaml"
    status, text, _ = run("kaders")
    assert status == 0 and all(f"versie {row['version']}" in text for row in rows.values())


def test_version_names_the_package_and_the_rule_engine():
    status, printed, _ = run("--version")
    assert status == 0 and printed.startswith("wiebetaalt ") and "durable-rules 2.0.28" in printed


def test_the_case_schema_accepts_every_example_case_and_refuses_a_bad_one():
    status, out, _ = run("schema", "--case")
    schema = json.loads(out)
    assert status == 0 and schema == json.loads(json.dumps(case_json_schema()))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    cases = [ROOT / "examples" / "schiedam-vlaardingen.yaml", *sorted((ROOT / "docs" / "voorbeeld").glob("casus-*.yaml"))]
    for path in cases:
        if path.name == "casus-fout.yaml":
            continue
        # as read_case reads it: dates stay ISO text
        assert list(validator.iter_errors(read_yaml(path.read_text(encoding="utf-8")).data)) == [], path
    for bad in ({"kind": {"leeftijd": 9}}, {"peildatum": "2025-03-01", "kind": {"leeftijd": "negen"}},
                {"peildatum": "2025-03-01", "kind": {"naam": "Jan"}},
                {"peildatum": "2025-03-01", "kind": {"brp_gemeente": "Vlaardingen\u200b"}}):
        assert list(validator.iter_errors(bad)), bad


def test_with_json_an_invalid_case_is_json_on_standard_output_with_a_code(tmp_path: Path):
    (tmp_path / "c.yaml").write_text("peildatum: nooit\nkind: {leeftijd: negen}\n", encoding="utf-8")
    status, out, err = run("decide", str(tmp_path / "c.yaml"), "--json")
    error = json.loads(out)["error"]
    assert status == 2 and error["code"] == "invalid-case" and err
    assert {(p["field"], p["code"]) for p in error["problems"]} == {("peildatum", "invalid-date"),
                                                                     ("kind.leeftijd", "wrong-type")}
    status, out, _ = run("decide", str(tmp_path / "ontbreekt.yaml"), "--json")
    assert status == 2 and json.loads(out)["error"]["code"] == "unreadable-case"


def test_the_built_wheel_decides_with_its_own_frameworks_outside_the_repository(tmp_path: Path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True, timeout=300)
    [wheel] = wheels.glob("wiebetaalt-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {"wiebetaalt/frameworks/landelijk.yaml", "wiebetaalt/frameworks/regio/waterweg.yaml"} <= set(names)
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    site = next((target / "lib").glob("python3.*/site-packages"))
    with zipfile.ZipFile(wheel) as archive:  # what pip does with a pure-Python wheel
        archive.extractall(site)
    # the dependencies (durable_rules and the rest) come from this environment, not the package itself
    here = [p for p in sys.path if p.endswith("site-packages")]
    (site / "deps.pth").write_text("\n".join(here) + "\n", encoding="utf-8")
    folder = tmp_path / "ergens"
    folder.mkdir()
    (folder / "casus.yaml").write_bytes((ROOT / "examples" / "collectief-waterweg.yaml").read_bytes())
    code = ("import sys, wiebetaalt, wiebetaalt.cli.main as c; assert 'site-packages' in wiebetaalt.__file__, wiebetaalt.__file__;"
            "sys.exit(c.main(['decide', 'casus.yaml', '--framework', 'waterweg', '--json']))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(target / "bin" / "python"), "-c", code], cwd=folder, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode in (0, 1), done.stderr
    outcome = json.loads(done.stdout)
    with Engine(load_framework(RULES / "regio" / "waterweg.yaml")) as engine:
        expected = engine.decide(yaml.safe_load((folder / "casus.yaml").read_text(encoding="utf-8")))
    assert outcome["rules"] == list(expected.rules)
    assert isinstance(expected, Decision) == (done.returncode == 0)
