"""Batch safety (issue 13): an output never destroys the input, no formula reaches a spreadsheet,
no row is lost or kills the run, no cell value is echoed in an error, and the command line fails
in one Dutch line with exit status 2 instead of a traceback.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
import stat
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_helpers import HEADER, good, jsonl_rows, read_output, run_cli, write_csv
from conftest import ROOT, RULES
from wiebetaalt import CaseError, Decision, Escalation
from wiebetaalt.batch import read_rows, run_batch
from wiebetaalt.cli.main import main
from wiebetaalt.errors import CaseProblem
from wiebetaalt.decision.outcome import Share

GOOD_JSON = {"peildatum": "2025-03-01", "kind": {"leeftijd": 12}, "hulpvraag": {"soort": "huiswerkbegeleiding"}}
#: a value that could be a name or a BSN typed in the wrong column: no message may echo it
SECRET = "Jansen123456782"


def command(*args: str, **options: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "wiebetaalt", *args], cwd=ROOT, capture_output=True,
                          **{"timeout": 120, **options})


def one_dutch_line(err: str | bytes) -> str:
    """The error output must be one line, no traceback."""
    text = err.decode() if isinstance(err, bytes) else err
    assert "Traceback" not in text and "Exception" not in text, text
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


# --- 2. The output never destroys the input -------------------------------------------------------


def _same_file_ways(tmp_path: Path, source: Path) -> list[str]:
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    hard = tmp_path / "hard.csv"
    os.link(source, hard)
    return [str(source), f"{tmp_path}/./{source.name}", str(link), str(hard)]


def test_an_output_that_is_the_input_is_refused_and_the_input_kept(tmp_path: Path, monkeypatch):
    source = write_csv(tmp_path / "c.csv", [good("A"), good("B")])
    before = source.read_bytes()
    for output in _same_file_ways(tmp_path, source):
        status, out, err = run_cli("batch", str(source), "-o", output, "--jobs", "1")
        line = one_dutch_line(err)
        assert status == 2 and out == ""
        assert "invoer" in line, line
        assert source.read_bytes() == before, output
    # the relative spelling of the brief: `wiebetaalt batch c.csv -o ./c.csv`
    monkeypatch.chdir(tmp_path)
    status, _, err = run_cli("batch", "c.csv", "-o", "./c.csv", "--jobs", "1")
    assert status == 2 and "invoer" in err and source.read_bytes() == before
    # the summary JSON may not overwrite the input or the output either
    status, _, err = run_cli("batch", "c.csv", "-o", "uit.csv", "--summary-json", "c.csv", "--jobs", "1")
    assert status == 2 and source.read_bytes() == before and not (tmp_path / "uit.csv").exists()
    status, _, err = run_cli("batch", "c.csv", "-o", "uit.csv", "--summary-json", "./uit.csv", "--jobs", "1")
    assert status == 2 and not (tmp_path / "uit.csv").exists()


def test_standard_input_that_is_the_output_file_is_refused(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A")])
    before = source.read_bytes()
    with source.open("rb") as stdin:
        done = command("batch", "-", "--input-format", "csv", "-o", str(source), "--jobs", "1", stdin=stdin)
    assert done.returncode == 2 and "invoer" in one_dutch_line(done.stderr)
    assert source.read_bytes() == before


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_run_that_cannot_start_leaves_an_existing_output_exactly_as_it_was(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A")], header=["peildatum", "naam"])
    target = tmp_path / "uit.csv"
    target.write_bytes(b"de uitkomsten van gisteren\n")
    os.chmod(target, 0o640)
    files = _listing(tmp_path)
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    assert status == 2 and "onbekende kolom 'naam'" in err
    assert target.read_bytes() == b"de uitkomsten van gisteren\n"
    assert _listing(tmp_path) == files  # and no temporary file left behind
    # a framework that does not load, an input that cannot be read: the same
    for args in (["--framework", str(tmp_path / "weg.yaml")], []):
        missing = str(tmp_path / "weg.csv") if not args else str(source)
        assert run_cli("batch", missing, "-o", str(target), "--jobs", "1", *args)[0] == 2
        assert target.read_bytes() == b"de uitkomsten van gisteren\n" and _listing(tmp_path) == files


def test_a_finished_run_replaces_the_output_keeping_its_permissions(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A"), good("B", kind__leeftijd="elf")])
    target = tmp_path / "uit.csv"
    target.write_bytes(b"oud\n" * 10_000)
    os.chmod(target, 0o640)
    files = _listing(tmp_path)
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    assert status == 1, err
    assert [row["status"] for row in read_output(target)] == ["decision", "invalid"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _listing(tmp_path) == files


def test_an_output_through_a_symlink_is_written_where_it_points(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A")])
    (tmp_path / "data").mkdir()
    real = tmp_path / "data" / "uit.csv"
    real.write_text("oud\n", encoding="utf-8")
    link = tmp_path / "uit.csv"
    link.symlink_to(real)
    assert run_cli("batch", str(source), "-o", str(link), "--jobs", "1")[0] == 0
    assert link.is_symlink() and read_output(real)[0]["id"] == "A"


def test_an_output_that_is_not_a_regular_file_is_written_as_a_stream(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A")])
    status, _, err = run_cli("batch", str(source), "-o", os.devnull, "--output-format", "csv", "--jobs", "1")
    assert status == 0, err
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)  # still the device, not replaced by a file


def test_an_output_in_a_folder_that_does_not_exist_is_one_line_and_exit_2(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A")])
    status, _, err = run_cli("batch", str(source), "-o", str(tmp_path / "weg" / "uit.csv"), "--jobs", "1")
    assert status == 2 and "kan niet schrijven" in one_dutch_line(err)


# --- 3. No formula reaches a spreadsheet --------------------------------------------------------

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


def test_reference_cells_that_start_a_formula_are_neutralised_in_csv_only(tmp_path: Path):
    references = [f"{start}HYPERLINK(\"http://x\")" for start in FORMULA_STARTS] + ["'al", "2025-001", "a=b"]
    # JSON Lines keeps a reference as given (CSV cells lose the spaces and tabs around them)
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps({"id": r, **GOOD_JSON}) + "\n" for r in references), encoding="utf-8")
    target = tmp_path / "uit.csv"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    assert status == 0, err
    assert [row["id"] for row in read_output(target)] == ["'" + r for r in references[:6]] + references[6:]
    # JSON Lines is not opened by spreadsheets: the reference as given
    target = tmp_path / "uit.jsonl"
    assert run_cli("batch", str(source), "-o", str(target), "--jobs", "1")[0] == 0
    rows = jsonl_rows(target.read_text(encoding="utf-8"))
    assert [row["id"] for row in rows] == references
    # and from a CSV file, through the quick path of plain rows
    source = write_csv(tmp_path / "c.csv", [good(r) for r in ("=1+1", "-3", "+31", "@x", "ok")])
    target = tmp_path / "uit2.csv"
    assert run_cli("batch", str(source), "-o", str(target), "--jobs", "1")[0] == 0
    assert [row["id"] for row in read_output(target)] == ["'=1+1", "'-3", "'+31", "'@x", "ok"]


def test_an_error_cell_that_starts_a_formula_is_neutralised(tmp_path: Path):
    # a JSON key is the only way a row names a field of its own choosing
    source = tmp_path / "c.jsonl"
    source.write_text(json.dumps({**GOOD_JSON, "=1+1": 1}) + "\n" + json.dumps({**GOOD_JSON, "-2": 1}) + "\n",
                      encoding="utf-8")
    target = tmp_path / "uit.csv"
    status, _, _ = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    rows = read_output(target)
    assert status == 1 and [row["status"] for row in rows] == ["invalid", "invalid"]
    assert rows[0]["error"].startswith("'=1+1: ") and rows[1]["error"].startswith("'-2: ")


def test_an_entity_and_explanation_from_case_text_are_neutralised(tmp_path: Path):
    # a framework may take the paying party straight from a case field, without a prefix
    framework = tmp_path / "kader.yaml"
    framework.write_text((ROOT / "docs" / "voorbeeld" / "basis.yaml").read_text(encoding="utf-8")
                         .replace("        prefix: gemeente\n", ""), encoding="utf-8")
    source = write_csv(tmp_path / "c.csv", [good("A", kind__brp_gemeente="=2+5"),
                                            good("B", kind__brp_gemeente="@SUM(A1)"),
                                            good("C", kind__brp_gemeente="Delft")])
    target = tmp_path / "uit.csv"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--framework", str(framework), "--explain",
                             "--jobs", "1")
    assert status == 0, err
    rows = read_output(target)
    assert [row["entity"] for row in rows] == ["'=2+5", "'@SUM(A1)", "Delft"]
    assert rows[0]["explanation"].startswith("'=2+5 betaalt") and rows[2]["explanation"].startswith("Delft betaalt")


@pytest.mark.parametrize("start", FORMULA_STARTS)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_column_that_can_carry_case_text_is_neutralised_on_both_write_paths(engine, start, delimiter):
    from wiebetaalt.batch.output import Writer

    child = {"brp_gemeente": "Schiedam", "verblijf": False, "geheim_adres": False, "wlz_indicatie": False,
             "leeftijd": 9}
    decision = engine.decide({"peildatum": "2025-03-01", "kind": child,
                              "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}, settle=False)
    escalation = engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"}}, settle=False)
    assert isinstance(decision, Decision) and isinstance(escalation, Escalation)
    text = f"{start}cmd|' /C calc'!A0"
    shared = dataclasses.replace(decision, entity=text, explanation=text + " betaalt.",
                                 shares=(Share(text, Fraction(1), 1),))
    waiting = dataclasses.replace(escalation, interim_funder=text)
    bad = CaseError([CaseProblem(text, "unknown field")])
    for quoted in (False, True):  # a cell with a quote takes the csv module's path
        reference = 'R"1' if quoted else "R1"
        writer = Writer("csv", True, delimiter)
        lines = writer.rows([(1, text, shared), (2, reference, waiting), (3, reference, bad)])
        rows = list(csv.DictReader(io.StringIO(writer.header() + lines), delimiter=delimiter))
        assert rows[0]["id"] == "'" + text
        assert rows[0]["entity"] == "'" + text
        assert rows[0]["shares"] == "'" + text + " 1/1"
        assert rows[0]["explanation"] == "'" + text + " betaalt."
        assert rows[1]["interim_funder"] == "'" + text
        assert rows[2]["error"] == "'" + text + ": unknown field"
        # what the program writes itself stays as it is: the row number, and a share
        assert rows[0]["row"] == "1" and not rows[1]["rules"].startswith("'")


# --- 4. A lone surrogate is one invalid row ----------------------------------------------------


def test_a_lone_surrogate_in_json_lines_is_one_invalid_row_naming_the_field(tmp_path: Path):
    lines = [
        '{"id":"a\\ud800","peildatum":"2025-03-01","hulpvraag":{"soort":"basisondersteuning"}}',
        json.dumps({"id": "ok1", **GOOD_JSON}),
        '{"id":"b","peildatum":"2025-03-01","kind":{"brp_gemeente":"x\\udc80"},"hulpvraag":{"soort":"jeugdhulp"}}',
        '{"id":"c","peildatum":"2025-03-01","kind.zorgkantoor":"\\uDFFF","hulpvraag":{"soort":"jeugdhulp"}}',
        '{"id":"d","peildatum":"2025-03-01","kind":{"leeftijd":[1,"\\ud800"]}}',
        '{"id":"e","peildatum":"2025-03-01","\\ud800":1}',
        '{"id":"f\\ud83d\\ude00","peildatum":"2025-03-01","hulpvraag":{"soort":"basisondersteuning"}}',  # a pair
        json.dumps({"id": "ok2", **GOOD_JSON}),
    ]
    source = tmp_path / "s.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for target in (tmp_path / "o.jsonl", tmp_path / "o.csv"):
        status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
        assert status == 1, err
        text = target.read_bytes().decode("utf-8")  # strict: nothing that is not UTF-8 is written
        if target.suffix == ".csv":
            rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(text)))
        else:
            rows = jsonl_rows(text)
        assert [row["status"] for row in rows] == ["invalid", "decision", "invalid", "invalid", "invalid", "invalid",
                                                   "decision", "decision"]
        errors = [row["error"] for row in rows]
        assert errors[0].startswith("id: ") and "surrogaat" in errors[0]
        assert errors[2].startswith("kind.brp_gemeente: ") and "surrogaat" in errors[2]
        assert errors[3].startswith("kind.zorgkantoor: ")
        assert errors[4].startswith("kind.leeftijd: ")
        assert "surrogaat" in errors[5]
        assert rows[6]["id"] == "f\U0001f600"
        assert "8 rijen: 3 beslist, 0 geëscaleerd, 5 ongeldig" in err


# --- 5. An unclosed quote swallows no rows --------------------------------------------------------


def test_an_unclosed_quote_is_one_invalid_row_and_every_row_after_it_is_read(tmp_path: Path):
    rows = [good(f"C{n}") for n in range(1, 151)]
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, rows[0]])
    text.write('C-open,2025-03-01,"Vlaardingen,false,false,false,11,Schiedam,jeugdhulp,individueel,1000\n')
    csv.writer(text, lineterminator="\n").writerows(rows[1:])
    source = tmp_path / "c.csv"
    source.write_text(text.getvalue(), encoding="utf-8")
    target = tmp_path / "uit.csv"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1", "--chunk-size", "7")
    assert status == 1
    output = read_output(target)
    assert len(output) == 151 and [row["row"] for row in output] == [str(n) for n in range(1, 152)]
    assert output[1]["id"] == "" and output[1]["status"] == "invalid"
    assert [row["id"] for row in output[2:]] == [f"C{n}" for n in range(2, 151)]
    assert all(row["status"] == "decision" for row in output[2:])
    assert "rij 2 (regel 3)" in err and "151 rijen: 150 beslist, 0 geëscaleerd, 1 ongeldig" in err


def test_a_quote_inside_a_cell_is_text_and_a_quoted_line_break_still_works(tmp_path: Path):
    source = tmp_path / "c.csv"
    source.write_text(
        "id,peildatum,school.bestuur,school.gemeente,hulpvraag.soort\n"
        'A,2025-03-01,Stichting 5" scherm,Delft,huiswerkbegeleiding\n'        # a quote in the middle: text
        'B,2025-03-01,"Stichting\nDen Haag",Delft,huiswerkbegeleiding\n'     # a quoted line break
        'C,2025-03-01,"Stichting ""Oost""\n\nWest",Delft,huiswerkbegeleiding\n'
        "D,2025-03-01,,Delft,huiswerkbegeleiding\n", encoding="utf-8")
    fmt, rows = read_rows(io.BytesIO(source.read_bytes()), "csv")
    found = list(rows)
    assert [(row.number, row.line) for row in found] == [(1, 2), (2, 3), (3, 5), (4, 8)]
    assert fmt.parse(found[0]).data["school"]["bestuur"] == 'Stichting 5" scherm'
    assert fmt.parse(found[1]).data["school"]["bestuur"] == "Stichting\nDen Haag"
    assert fmt.parse(found[2]).data["school"]["bestuur"] == 'Stichting "Oost"\n\nWest'
    assert not any(fmt.parse(row).problems for row in found)


def _oracle_open(line: str) -> bool:
    """Whether the csv module leaves a quoted cell open at the end of ``line``: it then takes the next line in."""
    return len(list(csv.reader([line, "Z\n"]))) == 1


LINE_PARTS = st.sampled_from(["2025-03-01", "x", '"', '""', '"a"', "a\"b", ",", '",', ',"', '" ', "", " "])


@settings(max_examples=300)
@given(lines=st.lists(st.lists(LINE_PARTS, max_size=6).map("".join), min_size=1, max_size=25))
def test_every_line_is_in_exactly_one_row_and_a_whole_row_is_never_swallowed(lines):
    header = ["peildatum", "school.gemeente", "id"]
    data = ("peildatum,school.gemeente,id\n" + "".join(line + "\n" for line in lines)).encode()
    fmt, found = read_rows(io.BytesIO(data), "csv")
    rows = list(found)
    assert [row.number for row in rows] == list(range(1, len(rows) + 1))
    covered: list[int] = []
    for row in rows:
        covered += range(row.line, row.line + row.data.count(b"\n"))
    content = [n for n, line in enumerate(lines, 2) if line.strip(" ,")]
    # every line that holds cells is in one row, once; blank lines and lines of separators only are no rows
    assert sorted(set(covered)) == covered and set(content) <= set(covered)
    assert {row.line for row in rows} <= set(content)
    for n, line in enumerate(lines, 2):
        whole = not _oracle_open(line + "\n") and len(next(csv.reader([line]), [""])) == len(header)
        if whole and n in content:
            assert n in {row.line for row in rows}, (n, lines)
    for row in rows:  # a row of more than one line is a quoted cell that closes: never an error about quotes
        problems = fmt.parse(row).problems
        quote_problem = any("cel tussen aanhalingstekens wordt niet gesloten" in str(p) for p in problems)
        assert quote_problem == _oracle_open(row.data.decode()), row


def test_a_row_beyond_the_size_bound_is_one_invalid_row(national):
    from wiebetaalt.batch.rows import MAX_ROW_BYTES

    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([HEADER, good("A"), good("x" * (MAX_ROW_BYTES + 10)), good("C")])
    target = io.BytesIO()
    summary, _ = run_batch(io.BytesIO(text.getvalue().encode()), target, national, input_format="csv",
                           output_format="jsonl", jobs=1)
    rows = jsonl_rows(target.getvalue().decode())
    assert [row["status"] for row in rows] == ["decision", "invalid", "decision"]
    assert "MiB" in rows[1]["error"] and rows[2]["id"] == "C" and summary.rows == 3


# --- 9. Errors name the field, never echo a value -------------------------------------------------


def test_no_error_message_echoes_a_cell_value(tmp_path: Path):
    bad = {
        "kind.leeftijd": "kind__leeftijd", "kind.verblijf": "kind__verblijf", "peildatum": "peildatum",
        "hulpvraag.soort": "hulpvraag__soort", "hulpvraag.toegang": "hulpvraag__toegang", "bedrag": "bedrag",
        "kind.brp_gemeente": "kind__brp_gemeente",
    }
    rows = [good(f"R{n}", **{column: SECRET * (9 if field == "kind.brp_gemeente" else 1)})
            for n, (field, column) in enumerate(bad.items())]
    source = write_csv(tmp_path / "c.csv", [*rows, good("R9", kind__leeftijd="123456782")])
    target = tmp_path / "uit.csv"
    status, out, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1", "--summary")
    assert status == 1
    output = read_output(target)
    for row, field in zip(output, bad):
        assert row["status"] == "invalid" and row["error"].startswith(f"{field}: "), row
    assert output[-1]["error"].startswith("kind.leeftijd: ")
    written = target.read_text(encoding="utf-8").replace("R", "")
    for text in (written, err, out):
        assert SECRET not in text and "123456782" not in text
    # the same through JSON Lines: wrong types, enumerations, dates, postcodes, the reference
    lines = [{**GOOD_JSON, "kind": {"leeftijd": SECRET}}, {**GOOD_JSON, "peildatum": SECRET},
             {**GOOD_JSON, "hulpvraag": {"soort": [SECRET]}}, {**GOOD_JSON, "kind": {"postcode": SECRET}},
             {**GOOD_JSON, "kind": {"soort_verblijf": {"a": SECRET}}}, {**GOOD_JSON, "id": [SECRET]},
             {**GOOD_JSON, "bedrag": SECRET}, {**GOOD_JSON, "kind": {"geheim_adres": SECRET}}]
    source = tmp_path / "c.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    target = tmp_path / "uit.jsonl"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    assert status == 1
    rows = jsonl_rows(target.read_text(encoding="utf-8"))
    assert all(row["status"] == "invalid" for row in rows)
    assert [row["error"].split(":")[0] for row in rows] == [
        "kind.leeftijd", "peildatum", "hulpvraag.soort", "kind.postcode", "kind.soort_verblijf", "id", "bedrag",
        "kind.geheim_adres"]
    assert SECRET not in target.read_text(encoding="utf-8") and SECRET not in err


def test_a_misspelt_choice_still_gets_its_suggestion(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good("A", hulpvraag__soort="jeugdhulpp", peildatum="2025-02-30")])
    status, _, err = run_cli("batch", str(source), "-o", "-", "--jobs", "1")
    assert status == 1
    assert "hulpvraag.soort: onbekende waarde; bedoelt u 'jeugdhulp'?" in err
    assert "peildatum: " in err and "2025-02-30" not in err


def test_a_message_that_would_quote_the_value_loses_its_text_but_a_suggestion_stays():
    from wiebetaalt.batch.cases import without_values

    data = {"kind": {"brp_gemeente": SECRET}, "hulpvraag": {"soort": "hulp"}}
    error = CaseError([CaseProblem("kind.brp_gemeente", f"{SECRET} is geen gemeente", "een gemeente", "invalid-value"),
                       CaseProblem("hulpvraag.soort", "onbekende waarde; bedoelt u 'jeugdhulp'?", "een soort",
                                   "unknown-value")])
    cleaned = without_values(error, data)
    assert cleaned.problems[0] == CaseProblem("kind.brp_gemeente", "ongeldige waarde", "een gemeente", "invalid-value")
    assert cleaned.problems[1] == error.problems[1]  # 'hulp' is only inside the suggestion
    assert SECRET not in str(cleaned)
    # a message that quotes nothing is the same error, not a copy
    assert without_values(CaseError([error.problems[1]]), data).problems == (error.problems[1],)


@pytest.mark.parametrize(("line", "code"), [
    ('"A",2025-03-01,"open\n', "unclosed-quote"),
    ("A,2025-03-01,7,y\n", "wrong-width"),
    ("A,2025-03-01,drie\n", "wrong-type"),
])
def test_the_problems_of_a_csv_row_have_a_stable_code(line: str, code: str):
    reader, rows = read_rows([b"id,peildatum,kind.leeftijd\n", line.encode()], "csv")
    assert [problem.code for problem in reader.parse(next(rows)).problems] == [code]


@pytest.mark.parametrize(("line", "code"), [
    (b"{niet json\n", "invalid-json"), (b"[1, 2]\n", "invalid-json"), (b'{"peildatum": "\xff"}\n', "not-utf8"),
    (b'{"peildatum": "2025-03-01", "bedrag": "veel"}\n', "invalid-amount"),
    (b'{"peildatum": "2025-03-01", "kind": {"leeftijd": 1}, "kind.leeftijd": 2}\n', "given-twice"),
])
def test_the_problems_of_a_json_row_have_a_stable_code(line: bytes, code: str):
    reader, rows = read_rows([line], "jsonl")
    assert [problem.code for problem in reader.parse(next(rows)).problems] == [code]


def test_a_file_without_a_header_does_not_echo_its_first_row(tmp_path: Path):
    source = tmp_path / "c.csv"
    source.write_text(f"{SECRET},2025-03-01,Vlaardingen\nB,2025-03-01,Delft\n", encoding="utf-8")
    status, _, err = run_cli("batch", str(source), "-o", str(tmp_path / "uit.csv"), "--jobs", "1")
    assert status == 2 and SECRET not in err and "kop" in err


def test_the_docs_and_the_help_say_what_explain_puts_in_the_output():
    text = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    assert "safe to\nshare" not in text and "safe to share" not in text
    assert "--explain" in text.split("## Privacy")[1]
    done = command("batch", "--help")
    assert "feiten uit de casus" in " ".join(done.stdout.decode().split())


# --- 10. A field given twice is refused ---------------------------------------------------------


@pytest.mark.parametrize(("line", "field"), [
    ('{"kind": {"leeftijd": 9}, "kind.leeftijd": 10, "peildatum": "2025-03-01"}', "kind.leeftijd"),
    ('{"kind.leeftijd": 10, "kind": {"leeftijd": 9}, "peildatum": "2025-03-01"}', "kind.leeftijd"),
    ('{"id": "a", "id": "b", "peildatum": "2025-03-01"}', "id"),
    ('{"peildatum": "2025-03-01", "kind": {"leeftijd": 9, "leeftijd": 10}}', "kind.leeftijd"),
    ('{"peildatum": "2025-03-01", "kind": {"leeftijd": 9}, "kind": {"brp_gemeente": "Delft"}}', "kind"),
    ('{"peildatum": "2025-03-01", "peildatum": "2025-04-01"}', "peildatum"),
    ('{"id" : "a:b" , "id"\t:\t"c", "peildatum": "2025-03-01"}', "id"),  # spaces, and a colon in a text
    ('{"peildatum": "2025-03-01", "kind": {"leeftijd": {"a": 1, "a": 2}}}', "kind.leeftijd.a"),
])
def test_a_field_given_twice_in_json_lines_is_an_invalid_row(tmp_path: Path, line: str, field: str):
    source = tmp_path / "c.jsonl"
    source.write_text(line + "\n" + json.dumps(GOOD_JSON) + "\n", encoding="utf-8")
    target = tmp_path / "uit.jsonl"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    rows = jsonl_rows(target.read_text(encoding="utf-8"))
    assert status == 1 and [row["status"] for row in rows] == ["invalid", "decision"]
    assert rows[0]["error"].startswith(f"{field}: "), rows[0]["error"]


def test_json_rows_with_colons_and_spaces_in_them_are_still_decided(tmp_path: Path):
    lines = ['{"id" : "a:b", "peildatum" :"2025-03-01", "kind":{"leeftijd" : 12}, '
             '"hulpvraag": {"soort": "huiswerkbegeleiding"}}',
             json.dumps({"id": "12:30", **GOOD_JSON}), json.dumps({"kind.leeftijd": 12, **GOOD_JSON, "kind": {}})]
    source = tmp_path / "c.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "uit.jsonl"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    rows = jsonl_rows(target.read_text(encoding="utf-8"))
    assert status == 0, err
    assert [row["id"] for row in rows] == ["a:b", "12:30", None]


# --- 13. The Python example of docs/batch.md runs as a script ---------------------------------------


def test_the_python_example_of_the_batch_docs_runs_as_a_script(tmp_path: Path):
    text = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8").split("## From Python")[1]
    example = re.search(r"```python\n(.*?)```", text, re.S)
    assert example is not None
    script = tmp_path / "voorbeeld.py"
    # fewer cases, the same code: worker processes started from a fork server import the script again
    script.write_text(example.group(1).replace("100_000", "300"), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "300" in done.stdout and "Traceback" not in done.stderr


# --- 12. The command line fails in one Dutch line, exit 2 -----------------------------------------

FULL = Path("/dev/full")
needs_full = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full here")
CASE = ROOT / "examples" / "schiedam-vlaardingen.yaml"


@needs_full
@pytest.mark.parametrize("args", [
    ["decide", str(CASE)], ["decide", "--json", str(CASE)], ["schema"], ["check", "--json", str(RULES)],
    ["batch", str(ROOT / "docs" / "voorbeeld" / "caseload.csv"), "-o", "-", "--jobs", "1"],
])
def test_a_full_standard_output_is_one_line_and_exit_2(args: list[str]):
    with FULL.open("wb") as full:
        done = subprocess.run([sys.executable, "-m", "wiebetaalt", *args], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "kan niet schrijven naar de standaarduitvoer: de schijf is vol" in one_dutch_line(done.stderr)


def test_a_closed_pipe_is_one_line_and_exit_2(tmp_path: Path):
    source = write_csv(tmp_path / "c.csv", [good(f"R{n}") for n in range(3000)])
    process = subprocess.Popen([sys.executable, "-m", "wiebetaalt", "batch", str(source), "-o", "-", "--jobs", "1",
                                "--chunk-size", "10"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.read(100)
    process.stdout.close()
    err = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=120) == 2, err
    assert "kan niet schrijven" in one_dutch_line(err)


def test_writing_a_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path):
    status, _, err = run_cli("schema", "-o", str(tmp_path / "weg" / "x.json"))
    assert status == 2 and "kan niet schrijven" in one_dutch_line(err)
    source = write_csv(tmp_path / "c.csv", [good("A")])
    status, _, err = run_cli("batch", str(source), "-o", str(tmp_path / "uit.csv"), "--jobs", "1",
                             "--summary-json", str(tmp_path / "weg" / "s.json"))
    assert status == 2 and "kan niet schrijven" in err and "s.json" in err
    assert read_output(tmp_path / "uit.csv")[0]["id"] == "A"  # the rows themselves are complete


class Failing(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(28, "No space left on device")


def test_an_output_stream_that_fails_is_reported_not_raised():
    err = io.StringIO()
    assert main(["decide", str(CASE)], stdout=Failing(), stderr=err) == 2
    assert "kan niet schrijven" in one_dutch_line(err.getvalue())
    assert main(["schema"], stdout=Failing(), stderr=io.StringIO()) == 2
    assert main(["decide", str(CASE)], stdout=io.StringIO(), stderr=Failing()) == 0  # the outcome was written


def test_a_case_file_is_a_regular_file_of_at_most_one_mebibyte(tmp_path: Path):
    status, out, err = run_cli("decide", "/dev/zero")
    assert status == 2 and out == "" and "geen gewoon bestand" in one_dutch_line(err)
    fifo = tmp_path / "pijp"
    os.mkfifo(fifo)
    done = command("decide", str(fifo), timeout=30)  # would hang waiting for a writer
    assert done.returncode == 2 and "geen gewoon bestand" in one_dutch_line(done.stderr)
    big = tmp_path / "groot.yaml"
    big.write_text("peildatum: 2025-03-01\n" + "# " + "x" * (1 << 20) + "\n", encoding="utf-8")
    status, _, err = run_cli("decide", str(big))
    assert status == 2 and "1 MiB" in one_dutch_line(err)
    # standard input is the other way in, bounded the same way
    done = command("decide", "-", input=CASE.read_bytes())
    assert done.returncode == 0 and done.stdout.startswith(b"Besluit: gemeente Vlaardingen")
    done = command("decide", "-", input=b"peildatum: 2025-03-01\n" + b"#" * (2 << 20))
    assert done.returncode == 2 and "1 MiB" in one_dutch_line(done.stderr)


def test_an_endless_answer_to_ask_does_not_fill_memory():
    with open("/dev/zero", "rb") as zero:
        done = command("decide", str(ROOT / "docs" / "voorbeeld" / "casus-vragen.yaml"), "--ask", stdin=zero,
                       timeout=60)
    assert done.returncode in (0, 1), done.stderr


def test_bounded_reading_of_batch_input_keeps_the_rows_after_a_long_line(tmp_path: Path):
    from wiebetaalt.batch.rows import MAX_ROW_BYTES

    source = tmp_path / "c.jsonl"
    source.write_bytes(b"{" + b" " * (MAX_ROW_BYTES * 2) + b"}\n" + json.dumps(GOOD_JSON).encode() + b"\n")
    target = tmp_path / "uit.jsonl"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    rows = jsonl_rows(target.read_text(encoding="utf-8"))
    assert status == 1 and [row["status"] for row in rows] == ["invalid", "decision"]
    assert "MiB" in rows[0]["error"] and "rij 1 (regel 1)" in err and "rij 2" not in err

