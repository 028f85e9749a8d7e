"""Every console session in the docs is run again and must print what the docs say it prints.

A session is a ```console block: lines starting with ``$ `` are commands, the lines after each
command up to the next one are its expected output. Docs that show stale output mislead exactly
the policymakers who copy them, so a change in a message or in the bundled rules that the docs
do not follow fails here.

A ``--help`` session is the exception: argparse lays out its help differently from one Python
version to the next (3.13 writes ``-o, --output BESTAND`` where 3.12 wrote ``-o BESTAND, --output
BESTAND``), so such a session is checked against the parser instead of character by character:
every command, option and argument it shows exists, with the help text it shows.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from wiebetaalt.cli.main import _parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)


def _sessions():
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in _BLOCK.finditer(text):
            line = text.count("\n", 0, block.start()) + 2
            command, output = None, []
            for offset, row in enumerate(block.group(1).splitlines()):
                if row.startswith("$ "):
                    if command is not None:
                        yield pytest.param(command, "\n".join(output), id=f"{doc.name}:{start}")
                    command, output, start = row[2:], [], line + offset
                elif command is not None:
                    output.append(row)
            if command is not None:
                yield pytest.param(command, "\n".join(output), id=f"{doc.name}:{start}")


SESSIONS = list(_sessions())
_HELP = re.compile(r"wiebetaalt((?: [a-z]+)*) --help$")
HELP_SESSIONS = [s for s in SESSIONS if _HELP.match(s.values[0])]
COMPARED_SESSIONS = [s for s in SESSIONS if not _HELP.match(s.values[0])]


def _runnable(command: str) -> bool:
    # installing is what .ci/run does; the docs only show it
    return not re.match(r"(pip|python -m pip|git|bash \.ci)", command)


def run(command: str) -> str:
    """What a terminal shows for ``command``: standard output and error interleaved as printed."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "80",  # argparse wraps its usage lines to the terminal width
        "PYTHONUNBUFFERED": "1",  # keeps standard output and error in the order they were written
    }
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)
    return done.stdout.rstrip("\n")


@pytest.mark.parametrize(("command", "expected"), COMPARED_SESSIONS)
def test_the_docs_show_what_the_command_prints(command, expected):
    if not _runnable(command):
        pytest.skip("installation command, not run by the tests")
    actual = run(command)
    expected = expected.rstrip("\n")
    if expected.endswith("\n..."):
        # the docs show the start of a long output
        expected = expected.removesuffix("...")
        actual = actual[: len(expected)]
    assert actual == expected, f"$ {command}\n--- docs\n{expected}\n--- now\n{actual}"


def test_the_docs_have_sessions_to_check():
    assert len(SESSIONS) >= 40
    assert len(HELP_SESSIONS) >= 5


def _words(text: str) -> str:
    return " ".join(text.split())


def _expanded(action: argparse.Action, parser: argparse.ArgumentParser) -> str:
    # argparse fills in %(default)s and the like when it prints the help
    help_text = action.help or ""
    return _words(help_text % {**vars(action), "prog": parser.prog} if "%" in help_text else help_text)


def _entries(block: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The description and the entries (indent, what is invoked, its help) of a --help output."""
    description: list[str] = []
    entries: list[list] = []
    section = None
    for line in block.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            # `gebruik: ...` (argparse's usage line) or a section heading (`opties:`); text between
            # them is the description
            section = "usage" if line.startswith("gebruik:") else ("heading" if line.endswith(":") else "description")
            if section == "description":
                description.append(line)
            continue
        indent = len(line) - len(line.lstrip())
        if section == "description":
            description.append(line)
        elif section == "usage":
            continue  # a usage line wrapped; its options are checked with every other option
        elif indent <= 4:
            invocation, _, help_text = line.strip().partition("  ")
            entries.append([indent, invocation, help_text])
        else:
            entries[-1][2] += " " + line.strip()
    return _words(" ".join(description)), [(i, what, _words(help_text)) for i, what, help_text in entries]


def _help_problems(command: str, block: str) -> list[str]:
    """What a --help session shows that the parser does not have (empty when it is honest)."""
    parser = _parser()
    words = _HELP.match(command)
    assert words, command
    for word in words.group(1).split():
        [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if word not in commands.choices:
            return [f"{command}: there is no command {word!r}"]
        parser = commands.choices[word]
    problems = []
    options = {s: a for a in parser._actions for s in a.option_strings}
    positionals = {a.metavar or a.dest: a for a in parser._actions if not a.option_strings}
    subcommands = {c.dest: c for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                   for c in a._choices_actions}
    for option in dict.fromkeys(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", block)):
        if option not in options:
            problems.append(f"{command}: there is no option {option}")
    description, entries = _entries(block)
    if description and description != _words(parser.description or ""):
        problems.append(f"{command}: the description is now {parser.description!r}")
    for indent, invocation, help_text in entries:
        if invocation.startswith("-"):
            action = options.get(invocation.split(",")[0].split()[0])
        elif invocation.startswith("{"):
            names = set(invocation.strip("{}").split(","))
            if not names <= subcommands.keys():
                problems.append(f"{command}: there is no command {', '.join(sorted(names - subcommands.keys()))}")
            continue
        else:
            action = (subcommands if indent == 4 else positionals).get(invocation)
            if action is None:
                problems.append(f"{command}: there is no {'command' if indent == 4 else 'argument'} {invocation}")
        if action is not None and help_text != _expanded(action, parser):
            problems.append(f"{command}: {invocation}: the help is now {_expanded(action, parser)!r}")
    return problems


@pytest.mark.parametrize(("command", "expected"), HELP_SESSIONS)
def test_a_help_session_shows_the_commands_and_options_as_the_parser_has_them(command, expected):
    assert _help_problems(command, expected) == []


def test_a_help_session_with_an_option_or_help_text_that_is_not_there_is_caught():
    [(command, expected)] = [s.values for s in HELP_SESSIONS if s.values[0] == "wiebetaalt check --help"][:1]
    assert _help_problems(command, expected) == []
    assert _help_problems(command, expected.replace("--json", "--xml")) == [
        "wiebetaalt check --help: there is no option --xml"]
    assert _help_problems(command, expected.replace("de problemen als JSON", "de problemen als YAML")) == [
        "wiebetaalt check --help: --json: the help is now 'de problemen als JSON'"]
    assert _help_problems(command, expected.replace("  paden ", "  bestanden ")) == [
        "wiebetaalt check --help: there is no argument bestanden"]
    assert _help_problems("wiebetaalt kontrol --help", expected) == [
        "wiebetaalt kontrol --help: there is no command 'kontrol'"]


def _figure(text: str, pattern: str) -> int:
    found = re.search(pattern, text)
    assert found, f"docs/analyse.md no longer has {pattern!r}"
    return int(found.group(1).replace(".", "").replace(",", ""))


def test_the_prose_of_analyse_md_gives_the_figures_of_the_map_it_shows():
    # the session is checked against the command above; the prose that reads it must follow it
    text = (ROOT / "docs" / "analyse.md").read_text(encoding="utf-8")
    session = next(s.values[1] for s in SESSIONS if s.values[0].startswith("wiebetaalt analyse rules/landelijk.yaml"))
    prose = text[text.index("What the national map says:"):text.index("## A framework with planted problems")]
    assert _figure(prose, r"\*\*(\d+) declared grey zones\*\*") == _figure(
        session, r"Grijze gebieden \(verklaard door het kader\): (\d+)")
    assert _figure(prose, r"one of its (\d+) examples") == _figure(session, r"Dekking door de voorbeelden \((\d+)\)")
    gaps = re.search(r"Gaten \(geen regel beslist\): (\S+)", session)
    assert gaps and ("**No gaps.**" in prose) is (gaps.group(1) == "geen")
    # "about N decisions": within a tenth of the nodes the session shows
    about = _figure(text, r"needs about ([\d,]+) decisions")
    assert abs(about - _figure(session, r"Volledig verkend: \d+ peildata, ([\d.]+) knopen")) <= about / 10
