from __future__ import annotations

import re
import types

import wiebetaalt
from conftest import ROOT


def test_all_lists_exactly_the_public_names():
    # importing a submodule binds its name in the package; submodules are not part of __all__
    public = {n for n, v in vars(wiebetaalt).items() if not n.startswith("_") and not isinstance(v, types.ModuleType)}
    assert set(wiebetaalt.__all__) == public
    assert list(wiebetaalt.__all__) == sorted(wiebetaalt.__all__)


def test_only_the_durable_module_imports_durable():
    package = ROOT / "src" / "wiebetaalt"
    importers = [p.relative_to(package).as_posix() for p in sorted(package.rglob("*.py"))
                 if re.search(r"^\s*(import|from)\s+durable", p.read_text(encoding="utf-8"), re.M)]
    assert importers == ["engine/durable.py"]


def test_no_module_evaluates_text():
    paths = sorted((ROOT / "src" / "wiebetaalt").rglob("*.py"))
    assert len(paths) > 20
    for path in paths:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(eval|exec)\(", source), path.name
        assert "yaml.load(" not in source and "yaml.unsafe_load" not in source and "FullLoader" not in source


def test_every_problem_code_is_documented():
    fixtures = {p.stem for p in (ROOT / "tests" / "fixtures" / "invalid").glob("*.yaml")}
    documented = set(re.findall(r"^## ([a-z][a-z-]+)$", (ROOT / "docs" / "errors.md").read_text(encoding="utf-8"), re.M))
    assert fixtures and fixtures <= documented, sorted(fixtures - documented)


def test_the_package_type_checks_under_mypy_strict():
    # the package ships py.typed, so its annotations are part of the API; pyproject.toml holds the settings
    from mypy import api

    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "src" / "wiebetaalt")])
    assert status == 0, out + err
