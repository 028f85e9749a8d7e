"""Every console session in the docs is run again and must print what the docs say it prints.

A session is a ```console block: lines starting with ``$ `` are commands, the lines after each
command up to the next one are its expected output. Docs that show stale output mislead exactly
the policymakers who copy them, so a change in a message or in the bundled rules that the docs
do not follow fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def _runnable(command: str) -> bool:
    # installing is what .ci/run does; the docs only show it
    return not re.match(r"(pip|python -m pip|git|bash \.ci)", command)


def run(command: str) -> str:
    """What a terminal shows for ``command``: standard output and error interleaved as printed."""
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "80",  # argparse wraps --help to the terminal width
        "PYTHONUNBUFFERED": "1",  # keeps standard output and error in the order they were written
    }
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=120)
    return done.stdout.rstrip("\n")


@pytest.mark.parametrize(("command", "expected"), SESSIONS)
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
