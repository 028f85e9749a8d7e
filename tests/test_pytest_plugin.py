"""The pytest plugin: the examples of rule files collected and run as pytest tests.

Each test builds a small project with ``pytester`` and runs pytest in it in-process; the plugin is
enabled there as in any environment with wiebetaalt installed (its ``pytest11`` entry point).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT
import wiebetaalt.engine.engine as engine_module

pytest_plugins = ["pytester"]

VOORBEELD = ROOT / "docs" / "voorbeeld"
BASIS = (VOORBEELD / "basis.yaml").read_text(encoding="utf-8")
OVERLAY = """\
schema_version: 1
framework: overlay
extends: basis.yaml
title: Overlay
version: "1"
examples:
  - name: Een voorbeeld van de regio zelf
    case: {peildatum: 2025-03-01, kind: {brp_gemeente: Schiedam}, hulpvraag: {soort: jeugdhulp}}
    expect: {funder: gemeente, entity: gemeente Schiedam}
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    # an ini file makes the pytester folder the rootdir, whatever the outer run's rootdir is
    pytester.makeini("[pytest]\n")
    return pytester


def write(pytester: pytest.Pytester, relative: str, text: str) -> None:
    path = pytester.path / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_every_example_of_a_rule_file_is_a_test_named_by_the_example(project: pytest.Pytester):
    write(project, "rules/regio.yaml", (VOORBEELD / "regio.yaml").read_text(encoding="utf-8"))
    write(project, "rules/basis.yaml", BASIS)
    result = project.runpytest("-v")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines([
        "rules/basis.yaml::Jeugdhulp in Vlaardingen PASSED*",
        "rules/regio.yaml::Kind woont in Vlaardingen, school in Schiedam, individuele jeugdhulp PASSED*",
    ])


def test_a_failing_example_shows_the_case_expected_beside_actual_and_the_rules_that_fired(project: pytest.Pytester):
    write(project, "rules/fout.yaml", BASIS.replace("entity: gemeente Vlaardingen}", "entity: gemeente Schiedam}"))
    result = project.runpytest()
    result.assert_outcomes(failed=1)
    # the same block as `wiebetaalt test` prints (docs/cli.md), then where the example is
    result.stdout.fnmatch_lines([
        "*fout.yaml: voorbeeld 1: Jeugdhulp in Vlaardingen*",
        "MISLUKT voorbeeld 1: Jeugdhulp in Vlaardingen",
        "  casus:",
        "    peildatum: 2025-03-01",
        "    kind: {brp_gemeente: Vlaardingen}",
        "    hulpvraag: {soort: jeugdhulp}",
        "    verwacht                  | uitkomst",
        "    funder: gemeente          | funder: gemeente",
        "  * entity: gemeente Schiedam | entity: gemeente Vlaardingen",
        "                              | rules: [jeugdhulp]",
        "  verschillen:",
        "    - entity: verwacht 'gemeente Schiedam', uitkomst 'gemeente Vlaardingen'",
        "  toelichting:",
        "    Gemeente Vlaardingen betaalt (Woonplaatsgemeente). De gemeente Vlaardingen betaalt. Rechtsgrond:",
        "    Jeugdwet art. 2.3.",
        "",
        "rules/fout.yaml:30: voorbeeld 1 mislukt",
    ])
    result.stdout.fnmatch_lines(["FAILED rules/fout.yaml::Jeugdhulp in Vlaardingen*"])


def test_a_file_that_does_not_load_is_one_failing_test_with_every_located_problem(project: pytest.Pytester):
    write(project, "rules/kapot.yaml", (VOORBEELD / "kapot.yaml").read_text(encoding="utf-8"))
    write(project, "rules/basis.yaml", BASIS)
    result = project.runpytest()
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*kapot.yaml: laadt niet*",
        "rules/kapot.yaml:23:40: unknown-value: 'extra-ondersteuning' is geen waarde van hulpvraag.soort *",
        "rules/kapot.yaml:24:13: unknown-funder: onbekende betaler 'swv-school' *",
        "rules/kapot.yaml:25:16: wrong-type: rules[0].grey_zone: verwacht true of false",
        "rules/kapot.yaml: laadt niet, de voorbeelden zijn niet uitgevoerd; zie `wiebetaalt check`",
    ])
    result.stdout.fnmatch_lines(["FAILED rules/kapot.yaml::laden*"])


def test_a_framework_too_broken_to_read_as_yaml_still_fails(project: pytest.Pytester):
    write(project, "rules/syntax.yaml", "schema_version: 1\nrules: [\n")
    (project.path / "rules" / "bytes.yaml").write_bytes(b"schema_version: 1\ntitle: caf\xe9\n")
    result = project.runpytest()
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["rules/bytes.yaml:2:11: encoding: het bestand is geen geldige UTF-8 (sla het op als UTF-8)"])
    result.stdout.fnmatch_lines(["rules/syntax.yaml:*: yaml-syntax: *"])


def test_an_overlay_runs_its_own_examples_on_the_framework_it_extends(project: pytest.Pytester):
    write(project, "rules/basis.yaml", BASIS)
    write(project, "rules/overlay.yaml", OVERLAY)
    result = project.runpytest("-v", "rules/overlay.yaml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["rules/overlay.yaml::Een voorbeeld van de regio zelf PASSED*"])


def test_yaml_that_is_not_a_framework_is_not_collected(project: pytest.Pytester):
    write(project, "rules/casus.yaml", (VOORBEELD / "casus-minimaal.yaml").read_text(encoding="utf-8"))
    write(project, "rules/lijst.yml", "- schema_version: 1\n")
    write(project, "rules/leeg.yaml", "")
    write(project, "rules/notities.yaml", "titel: aantekeningen\nschema: 1\n")
    result = project.runpytest("rules")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    write(project, "rules/basis.yaml", BASIS)
    project.runpytest("rules").assert_outcomes(passed=1)


def test_only_the_paths_of_the_ini_option_are_collected(project: pytest.Pytester):
    write(project, "rules/basis.yaml", BASIS)
    write(project, "kaders/basis.yaml", BASIS)
    write(project, "tests/fixtures/kapot.yaml", (VOORBEELD / "kapot.yaml").read_text(encoding="utf-8"))
    # the default is rules/: a broken framework elsewhere (a test fixture) is left alone
    project.runpytest().assert_outcomes(passed=1)
    project.runpytest("tests").assert_outcomes()
    project.makeini("[pytest]\nwiebetaalt_rules = kaders rules/basis.yaml\n")
    result = project.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["kaders/basis.yaml::Jeugdhulp in Vlaardingen PASSED*"], consecutive=False)
    project.makeini("[pytest]\nwiebetaalt_rules = kaders\n")
    project.runpytest("rules").assert_outcomes()


def test_a_rule_file_named_on_the_command_line_runs_wherever_it_lies(project: pytest.Pytester):
    write(project, "kaders/basis.yaml", BASIS)
    write(project, "kaders/casus.yaml", (VOORBEELD / "casus-minimaal.yaml").read_text(encoding="utf-8"))
    project.runpytest("kaders/basis.yaml").assert_outcomes(passed=1)
    project.runpytest("kaders/basis.yaml::Jeugdhulp in Vlaardingen").assert_outcomes(passed=1)
    # a named case file is still no test (pytest: "not found"), and a named folder is walked as the
    # ini option says
    assert project.runpytest("kaders/casus.yaml").ret == pytest.ExitCode.USAGE_ERROR
    assert project.runpytest("kaders").ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_when_nothing_ran_it_says_which_rule_files_it_walked_past_and_why(project: pytest.Pytester):
    write(project, "kaders/basis.yaml", BASIS)
    write(project, "kaders/regio.yaml", OVERLAY)
    write(project, "kaders/casus.yaml", (VOORBEELD / "casus-minimaal.yaml").read_text(encoding="utf-8"))
    result = project.runpytest("kaders")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.stdout.fnmatch_lines(["wiebetaalt: 2 kaders niet als test verzameld (kaders/basis.yaml …): pytest "
                                 "verzamelt kaders onder wiebetaalt_rules (rules) en kaders die u zelf noemt.*"])
    # with tests that ran, or with no rule file walked past, nothing more is said
    write(project, "rules/basis.yaml", BASIS)
    ran = project.runpytest("kaders", "rules")
    ran.assert_outcomes(passed=1)
    assert "niet als test verzameld" not in ran.stdout.str()
    write(project, "leeg/casus.yaml", (VOORBEELD / "casus-minimaal.yaml").read_text(encoding="utf-8"))
    assert "wiebetaalt:" not in project.runpytest("leeg").stdout.str()


def test_examples_with_the_same_name_are_told_apart(project: pytest.Pytester):
    twice = BASIS + BASIS[BASIS.index("  - name:"):]
    write(project, "rules/basis.yaml", twice)
    result = project.runpytest("-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "rules/basis.yaml::Jeugdhulp in Vlaardingen (voorbeeld 1) PASSED*",
        "rules/basis.yaml::Jeugdhulp in Vlaardingen (voorbeeld 2) PASSED*",
    ])


def test_one_engine_per_file_serves_its_examples_and_is_closed_at_the_end(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    built: list[object] = []
    closed: list[object] = []

    class Counted(engine_module.Engine):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            built.append(self)

        def close(self) -> None:
            closed.append(self)
            super().close()

    # the plugin imports the engine when it first needs one, so it finds the class in its module
    monkeypatch.setattr(engine_module, "Engine", Counted)
    write(project, "rules/regio.yaml", (VOORBEELD / "regio.yaml").read_text(encoding="utf-8"))
    write(project, "rules/basis.yaml", BASIS)
    project.runpytest().assert_outcomes(passed=5)
    assert len(built) == 2
    assert closed == built
    # collecting alone builds nothing
    built.clear()
    project.runpytest("--collect-only")
    assert built == []


def test_importing_the_plugin_loads_neither_the_engine_nor_the_rule_model():
    # pytest imports the plugin in every project with wiebetaalt installed, rule files or not
    code = ("import sys, wiebetaalt.testing.pytest_plugin; "
            "print(sorted({'durable_rules_engine', 'wiebetaalt.engine.engine', 'wiebetaalt.load.loader', 'wiebetaalt.model.framework', "
            "'pydantic', 'yaml', 'hypothesis'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_session_without_rule_files_loads_no_engine(project: pytest.Pytester):
    # a project with only Python tests: the plugin is active, and stays out of the way
    project.makepyfile(test_plain="""
        import sys

        def test_plain():
            assert 'wiebetaalt.testing.pytest_plugin' in sys.modules
            assert 'durable_rules_engine' not in sys.modules and 'wiebetaalt.engine.engine' not in sys.modules
    """)
    result = project.runpytest_subprocess()
    result.assert_outcomes(passed=1)
