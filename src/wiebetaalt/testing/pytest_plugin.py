"""A pytest plugin: the examples in rule files run as pytest tests.

Installing wiebetaalt enables it (entry point ``pytest11``). pytest then collects every rule file
(``*.yaml``, ``*.yml`` that :func:`wiebetaalt.load.loader.is_framework_file` takes for a framework)
below the paths of the ini option ``wiebetaalt_rules`` (default ``rules``, relative to the
rootdir), and every rule file named itself on the command line, with one test per example, named
by the example. A failing example reports what ``wiebetaalt test`` prints: the case, the expected
and the actual outcome side by side, and the rules that fired. A file that does not load is one
failing test listing every located problem, as ``wiebetaalt check`` does. See docs/pytest.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import FrameworkError, Problem, WiebetaaltError

if TYPE_CHECKING:
    from ..engine.engine import Engine
    from .examples import ExampleResult
    from ..model.framework import Example, Framework

# pytest imports this module in every session of every project that has wiebetaalt installed, so
# it imports only the standard library, pytest and the plain exception classes: the loader
# (pydantic), the YAML reader and the engine (durable's C module) are imported when a YAML file
# below `wiebetaalt_rules` is looked at, and not at all in a project without rule files.

INI_OPTION = "wiebetaalt_rules"
#: The name of the one test a rule file that does not load becomes.
LOAD_ITEM = "laden"

_ENGINES: pytest.StashKey[dict[Path, Engine]] = pytest.StashKey()
#: the YAML files walked past because they are neither below ``wiebetaalt_rules`` nor named
_PASSED_BY: pytest.StashKey[list[Path]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        INI_OPTION,
        "folders or rule files whose examples run as tests (wiebetaalt), relative to the rootdir",
        type="args",
        default=["rules"],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ENGINES] = {}


def pytest_sessionfinish(session: pytest.Session) -> None:
    # a durable ruleset is never freed unless closed, so an in-process pytest run (pytester) that
    # built engines would otherwise keep them for the life of the process
    engines = session.config.stash.get(_ENGINES, {})
    for engine in engines.values():
        engine.close()
    engines.clear()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> RuleFile | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    config = parent.config
    if not (_configured(config, file_path) or _named(config, file_path)):
        config.stash.setdefault(_PASSED_BY, []).append(file_path)
        return None
    from ..load.loader import is_framework_file

    if not is_framework_file(file_path):
        return None
    rule_file: RuleFile = RuleFile.from_parent(parent, path=file_path)
    return rule_file


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    # nothing ran, and rule files were walked past: say why, instead of a bare "no tests ran"
    if exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED:
        return
    from ..load.loader import is_framework_file
    from .text import not_collected

    passed = [path for path in config.stash.get(_PASSED_BY, []) if is_framework_file(path)]
    if passed:
        terminalreporter.write_line(not_collected(
            len(passed), _shown(config, passed[0]), config.getini(INI_OPTION)))


def _configured(config: pytest.Config, path: Path) -> bool:
    """Below one of the paths of ``wiebetaalt_rules``."""
    resolved = path.resolve()
    for entry in config.getini(INI_OPTION):
        root = (config.rootpath / entry).resolve()
        if resolved == root or resolved.is_relative_to(root):
            return True
    return False


def _named(config: pytest.Config, path: Path) -> bool:
    """Named itself on the command line (``pytest kaders/regio.yaml``, with or without ``::test``).

    A folder named on the command line does not count: ``pytest tests/`` must not run the frameworks
    that tests keep broken on purpose.
    """
    here = config.invocation_params.dir
    resolved = path.resolve()
    return any((here / str(arg).split("::", 1)[0]).resolve() == resolved
               for arg in config.invocation_params.args if not str(arg).startswith("-"))


def _shown(config: pytest.Config, path: Path) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)


class RuleFile(pytest.File):
    """One rule file: a test per example, or one failing test when the file does not load."""

    framework: Framework | None = None

    def collect(self) -> Iterator[pytest.Item]:
        try:
            self.framework = framework = _load(self.path, self.config.rootpath)
        except FrameworkError as error:
            yield LoadFailure.from_parent(self, name=LOAD_ITEM, problems=error.problems)
            return
        from .text import example_label

        lines = _example_lines(self.path)
        names = [example.name for example in framework.examples]
        for number, example in enumerate(framework.examples, 1):
            # pytest needs distinct names to select and report a test; the file need not have them
            name = example.name if names.count(example.name) == 1 else f"{example.name} ({example_label(number)})"
            yield ExampleItem.from_parent(self, name=name, example=example, number=number,
                                          line=lines.get(number - 1))

    def engine(self) -> Engine:
        """The one engine of this file, built when its first example runs and closed at the end."""
        engines = self.config.stash[_ENGINES]
        if self.path not in engines:
            assert self.framework is not None, "collected examples come from a framework that loaded"
            from ..engine.engine import Engine

            engines[self.path] = Engine(self.framework)
        return engines[self.path]


def _load(path: Path, root: Path) -> Framework:
    from ..load.loader import load_framework

    try:
        return load_framework(path)
    except FrameworkError as error:
        raise FrameworkError([_relative(problem, root) for problem in error.problems]) from None


def _relative(problem: Problem, root: Path) -> Problem:
    # pytest names files relative to the rootdir; the problems of a file should read the same
    try:
        return dataclasses.replace(problem, file=str(Path(problem.file).relative_to(root)))
    except ValueError:
        return problem


def _example_lines(path: Path) -> dict[int, int]:
    """The line (0-based, as pytest wants it) of each example of the file itself."""
    from ..load.yaml import read_yaml

    document = read_yaml(path.read_text(encoding="utf-8"))
    examples = document.data.get("examples") if isinstance(document.data, dict) else None
    if not isinstance(examples, list):
        return {}
    return {i: document.mark(("examples", i)).line - 1 for i in range(len(examples))}


class ExampleFailed(Exception):
    """An example gave another outcome than it expects."""

    def __init__(self, result: ExampleResult) -> None:
        super().__init__("\n".join(result.mismatches))
        self.result = result


class ExampleItem(pytest.Item):
    """One example: decide its case and compare the outcome with what it expects."""

    def __init__(self, *, example: Example, number: int, line: int | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.example = example
        self.number = number
        self.line = line

    def runtest(self) -> None:
        assert isinstance(self.parent, RuleFile)
        from .examples import run_example

        result = run_example(self.example, self.parent.engine())
        if not result.passed:
            raise ExampleFailed(result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        from . import text

        if isinstance(excinfo.value, ExampleFailed):
            report = text.format_example_result(excinfo.value.result, self._label())
        elif isinstance(excinfo.value, WiebetaaltError):
            # the case of a loaded framework is valid, so this is the engine failing
            report = text.not_run(self._label(), self.example.name, excinfo.value)
        else:
            return super().repr_failure(excinfo, style)
        # file:line last, as pytest ends a Python traceback, so that editors can jump to it
        where = self.nodeid.partition("::")[0] + (f":{self.line + 1}" if self.line is not None else "")
        return f"{report}\n{text.failed_at(where, self._label())}"

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.line, f"{self.path.name}: {self._label()}: {self.example.name}"

    def _label(self) -> str:
        from .text import example_label

        return example_label(self.number)


class LoadFailure(pytest.Item):
    """A rule file that does not load: one failure with every located problem."""

    def __init__(self, *, problems: tuple[Problem, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problems = problems

    def runtest(self) -> None:
        raise FrameworkError(list(self.problems))

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        if not isinstance(excinfo.value, FrameworkError):
            return super().repr_failure(excinfo, style)
        from .text import does_not_load

        lines = [str(problem) for problem in self.problems]
        lines.append(does_not_load(self.nodeid.partition("::")[0]))
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        from .text import NOT_LOADED

        return self.path, None, f"{self.path.name}: {NOT_LOADED}"
