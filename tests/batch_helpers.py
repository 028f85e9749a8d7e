"""What the batch tests share: a caseload row that decides, CSV files of such rows, and the command.

``good("A")`` is a row of :data:`HEADER` that the national framework decides; ``good("B",
kind__leeftijd="elf")`` changes one cell (``__`` for the dot of the column name).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from wiebetaalt.cli.main import main

HEADER = ["id", "peildatum", "kind.brp_gemeente", "kind.verblijf", "kind.geheim_adres", "kind.wlz_indicatie",
          "kind.leeftijd", "school.gemeente", "hulpvraag.soort", "hulpvraag.toegang", "bedrag"]
GOOD = ["", "2025-03-01", "Vlaardingen", "false", "false", "false", "11", "Schiedam", "jeugdhulp", "individueel",
        "1000"]


def good(reference: str, **changes: str) -> list[str]:
    """A row of :data:`HEADER` with ``reference`` as its id: a decision, unless ``changes`` break it."""
    row = [reference, *GOOD[1:]]
    for column, value in changes.items():
        row[HEADER.index(column.replace("__", "."))] = value
    return row


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",") -> Path:
    """A CSV file of ``header`` and ``rows``, as the csv module writes it."""
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def read_output(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV output, by column name."""
    with path.open(newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def jsonl_rows(text: str) -> list[dict[str, Any]]:
    """The output rows of JSON Lines output: after the run's audit record, which comes first."""
    header, *rows = [json.loads(line) for line in text.splitlines()]
    assert list(header) == ["audit"] and header["audit"]["format"] == "wiebetaalt-audit/1", header
    return rows


def run_cli(*args: str) -> tuple[int, str, str]:
    """The exit status, standard output and standard error of ``wiebetaalt ARGS``, run in this process."""
    out, err = io.StringIO(), io.StringIO()
    status = main(list(args), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()
