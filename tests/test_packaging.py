"""What installing wiebetaalt brings along: the dependencies, the extras, the metadata, and the
install command that README.md gives and .ci/run runs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

from conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI = (ROOT / ".ci" / "run").read_text(encoding="utf-8")

# Run before anything else in a fresh interpreter: Hypothesis then cannot be imported, as when it
# is not installed.
_NO_HYPOTHESIS = """
import sys

class NoHypothesis:
    def find_spec(self, name, path=None, target=None):
        if name == "hypothesis" or name.startswith("hypothesis."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, NoHypothesis())
"""


def _without_hypothesis(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _NO_HYPOTHESIS + code], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def _names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower() for requirement in requirements}


def test_hypothesis_is_an_extra_and_the_test_extra_includes_it():
    assert "hypothesis" not in _names(PROJECT["dependencies"])
    assert _names(PROJECT["optional-dependencies"]["testing"]) == {"hypothesis"}
    assert "wiebetaalt[testing]" in PROJECT["optional-dependencies"]["test"]


def test_the_package_its_command_line_and_its_pytest_plugin_work_without_hypothesis():
    done = _without_hypothesis(
        "import wiebetaalt, wiebetaalt.cli.main, wiebetaalt.testing.pytest_plugin\n"
        "from wiebetaalt import Decision, Engine, load_framework\n"
        "with Engine(load_framework('rules/landelijk.yaml')) as engine:\n"
        "    outcome = engine.decide({'peildatum': '2025-03-01', 'hulpvraag': {'soort': 'basisondersteuning'}})\n"
        "assert isinstance(outcome, Decision), outcome\n"
        "assert 'hypothesis' not in sys.modules\n")
    assert done.returncode == 0, done.stderr


def test_the_test_kit_without_hypothesis_says_how_to_install_it():
    done = _without_hypothesis(
        "import wiebetaalt.testing  # the package itself: the pytest plugin lives in it\n"
        "try:\n"
        "    from wiebetaalt.testing import cases\n"
        "except ImportError as error:\n"
        "    print(type(error).__name__, error.name, error, sep='|')\n")
    assert done.returncode == 0, done.stderr
    error_type, name, message = done.stdout.strip().split("|")
    assert (error_type, name) == ("ModuleNotFoundError", "hypothesis")
    assert "pip install 'wiebetaalt[testing]'" in message


def test_the_invariants_of_the_test_kit_work_without_hypothesis():
    done = _without_hypothesis(
        "from wiebetaalt import Engine, load_framework\n"
        "from wiebetaalt.testing import assert_invariants\n"
        "with Engine(load_framework('rules/landelijk.yaml')) as engine:\n"
        "    assert_invariants(engine, {'peildatum': '2025-03-01', 'hulpvraag': {'soort': 'basisondersteuning'}})\n"
        "assert 'hypothesis' not in sys.modules\n")
    assert done.returncode == 0, done.stderr


def test_the_licence_is_the_eupl_and_ships_with_the_package():
    assert PROJECT["license"] == "EUPL-1.2" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    # the Appendix is part of the licence: article 5 names the compatible licences through it
    assert "‘Compatible Licences’ according to Article 5 EUPL are:" in text
    assert text.rstrip().endswith("require the production of a new EUPL version.")


def test_every_python_ci_runs_is_supported_and_declared():
    [versions] = re.findall(r"^VERSIONS=\(([^)]*)\)", CI, re.M)
    assert versions.split() == ["3.11", "3.13"]
    assert PROJECT["requires-python"] == ">=3.11"  # no upper bound: a newer Python is not refused
    declared = {c.rpartition(" :: ")[2] for c in PROJECT["classifiers"]
                if c.startswith("Programming Language :: Python :: 3.")}
    assert set(versions.split()) <= declared
    assert "Needs Python 3.11 or newer" in README


def test_ci_installs_and_tests_as_the_readme_says():
    install, test = re.findall(r"^## Two commands on a fresh machine\n.*?```sh\n(.*?)\n```.*?```sh\n(.*?)\n```",
                               README, re.S | re.M)[0]
    [define] = re.findall(r'^DEFINE="(.*)"$', CI, re.M)
    assert f"CPPFLAGS={define} pip install --no-cache-dir -e '.[test]'" in install
    assert "pip install -q --no-cache-dir -e '.[test]'" in CI and 'CPPFLAGS="$DEFINE"' in CI
    assert test == ". .venv/bin/activate && python -m pytest -q"
    assert "\n    python -m pytest -q\n" in CI and "\n    wiebetaalt check rules/ &&\n" in CI


def test_the_sdist_carries_what_the_tests_read():
    grafted = set(re.findall(r"^graft (\S+)$", (ROOT / "MANIFEST.in").read_text(encoding="utf-8"), re.M))
    assert {"rules", "tests", "docs", "examples", "bench"} <= grafted
    assert "include .ci/run" in (ROOT / "MANIFEST.in").read_text(encoding="utf-8")  # read by the test above
