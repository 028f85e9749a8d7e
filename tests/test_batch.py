"""Batch decisions: the same answers as one case at a time, nothing lost, in order, interruptible.

The batch path (chunked matching in durable, worker processes, CSV and JSON Lines rows) must give
for every case exactly what ``Engine.decide(case, settle=False)`` gives, and for every bad row an
error row that names the row and the field, while every other row is still decided.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch_helpers import HEADER, good, jsonl_rows, read_output, run_cli, write_csv
from conftest import ROOT, RULES

sys.path.insert(0, str(ROOT / "bench"))
from decide import random_case  # noqa: E402  (the benchmark's own generator)
from wiebetaalt import CaseError, Decision, Engine, Escalation, load_framework
from wiebetaalt.errors import CaseProblem
from wiebetaalt.batch import INPUT_COLUMNS, OUTPUT_COLUMNS, Summary, decide_batch, output_columns, record, run_batch
from wiebetaalt.model.case import CASE_FIELDS
from wiebetaalt.cli.main import main
from wiebetaalt.testing import cases as framework_cases

WATERWEG = RULES / "regio" / "waterweg.yaml"

# Cases that are not valid in different ways: each must come back as the CaseError decide() raises.
MALFORMED: list[Any] = [
    {"peildatum": "nooit"},
    {"peildatum": "2025-03-01", "kind": {"leeftijd": "elf"}},
    {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdzorg"}},
    {"kind": {"leeftijd": 9}},
    {"peildatum": "2025-03-01", "onbekend": 1},
    "geen casus",
    None,
]


def outcomes_of(engine: Engine, cases: list[Any], *, settle: bool = False, presume: bool = True) -> list[Any]:
    """What the one-case path gives for each case: an Outcome or the CaseError it raises."""
    found: list[Any] = []
    for case in cases:
        try:
            found.append(engine.decide(case, settle=settle, presume=presume))
        except CaseError as error:
            found.append(error)
    return found


def same(left: Any, right: Any) -> bool:
    if isinstance(left, CaseError) or isinstance(right, CaseError):
        return type(left) is type(right) and left.problems == right.problems
    return left == right


# --- Same answers ---------------------------------------------------------------------------


@settings(max_examples=25)
@given(data=st.data())
def test_chunked_matching_gives_what_one_case_at_a_time_gives(engine, national, data):
    drawn = data.draw(st.lists(framework_cases(national, known=0.6), min_size=1, max_size=60))
    mixed = drawn + data.draw(st.lists(st.sampled_from(MALFORMED), max_size=4))
    mixed = data.draw(st.permutations(mixed))
    chunk = data.draw(st.integers(1, 70))
    expected = outcomes_of(engine, mixed)
    actual = list(engine.decide_many(mixed, settle=False, chunk_size=chunk))
    assert len(actual) == len(expected)
    for case, want, got in zip(mixed, expected, actual):
        assert same(want, got), case


def random_cases(count: int, seed: int, known: float = 0.6) -> list[dict[str, Any]]:
    """The benchmark's cases: each fact known with probability ``known``, values the rules use."""
    rng = random.Random(seed)
    return [random_case(rng, known) for _ in range(count)]


def test_batch_on_worker_processes_gives_what_one_case_at_a_time_gives(engine, national):
    # decisions, missing-facts and grey-zone escalations, and malformed cases, interleaved
    mixed = [item for pair in itertools.zip_longest(random_cases(600, 6), MALFORMED * 5) for item in pair
             if item is not None] + [None]
    expected = outcomes_of(engine, mixed)
    kinds = {type(o).__name__ if not isinstance(o, Escalation) else o.reason.value for o in expected}
    assert {"Decision", "CaseError", "missing_facts", "grey_zone"} <= kinds, kinds
    for jobs in (1, 2):
        actual = list(decide_batch(national, mixed, jobs=jobs, chunk_size=37))
        assert len(actual) == len(expected)
        mismatches = [i for i, (want, got) in enumerate(zip(expected, actual)) if not same(want, got)]
        assert not mismatches, (jobs, mismatches[:5])


def test_settling_in_a_batch_gives_what_decide_gives():
    framework = load_framework(WATERWEG)
    child = {"brp_gemeente": "Schiedam", "verblijf": False, "geheim_adres": False, "leeftijd": 11}
    cases = [{"peildatum": "2025-03-01", "kind": child, "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}},
             {"peildatum": "2025-03-01", "kind": {**child, "wlz_indicatie": False}, "hulpvraag": {"soort": "jeugdhulp"}}]
    with Engine(framework) as engine:
        expected = outcomes_of(engine, cases, settle=True, presume=False)
        presumed = outcomes_of(engine, cases, settle=True)
    actual = list(decide_batch(framework, cases, jobs=1, settle=True, presume=False))
    assert actual == expected
    assert all(o.settling_facts for o in actual)
    # and with presumptions, as the engine presumes
    assert list(decide_batch(framework, cases, jobs=1, settle=True)) == presumed
    assert any(o.presumptions for o in presumed)


def test_a_regional_framework_by_path_and_a_postcode_table_reach_the_workers(tmp_path: Path):
    from wiebetaalt.load.postcodes import PostcodeTable

    table = PostcodeTable({"9999ZZ": "Maassluis"})
    case = {"peildatum": "2025-03-01", "kind": {"postcode": "9999 ZZ", "verblijf": False, "geheim_adres": False,
                                                  "wlz_indicatie": False},
            "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}
    [outcome] = decide_batch(WATERWEG, [case], jobs=2, postcodes=table)
    assert isinstance(outcome, Decision) and outcome.entity == "gemeente Maassluis"


def test_decide_batch_streams_an_endless_input():
    # the input is read as the outcomes are asked for: an endless generator is no problem
    endless = ({"peildatum": "2025-03-01", "kind": {"leeftijd": n % 31}, "hulpvraag": {"soort": "huiswerkbegeleiding"}}
               for n in itertools.count())
    results = list(itertools.islice(decide_batch(RULES / "landelijk.yaml", endless, jobs=2, chunk_size=50), 1234))
    assert len(results) == 1234 and all(isinstance(r, Decision) for r in results)


def test_bad_arguments_are_refused_before_any_work(national):
    with pytest.raises(ValueError, match="chunk_size"):
        decide_batch(national, [], chunk_size=0)  # raised by the call, not by the first outcome
    with pytest.raises(ValueError, match="jobs"):
        decide_batch(national, [], jobs=0)


# --- Files: nothing lost ----------------------------------------------------------------------


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_csv_with_bad_rows_reports_them_and_decides_every_other_row(tmp_path: Path, jobs: str):
    rows = [good(f"C{n}") for n in range(1, 41)]
    bad = {
        5: good("C5", kind__leeftijd="elf"),                      # not a number
        9: good("C9", peildatum="2025-02-30"),                    # no such date
        14: good("C14", hulpvraag__soort="jeugdzorg"),            # not a choice
        20: good("C20", kind__verblijf="misschien"),              # not a yes/no
        26: good("C26", bedrag="duizend"),                        # not an amount
        31: good("C31")[:-3],                                     # cells missing
        33: good("C33", kind__leeftijd="99", peildatum=""),       # out of range, and no peildatum
    }
    for number, row in bad.items():
        rows[number - 1] = row
    source = write_csv(tmp_path / "cases.csv", rows)
    target = tmp_path / "out.csv"
    status, out, err = run_cli("batch", str(source), "-o", str(target), "--jobs", jobs, "--chunk-size", "4")
    assert status == 1, err
    output = read_output(target)
    assert [row["row"] for row in output] == [str(n) for n in range(1, 41)]
    assert [row["id"] for row in output] == [f"C{n}" for n in range(1, 41)]
    invalid = {int(row["row"]): row["error"] for row in output if row["status"] == "invalid"}
    assert sorted(invalid) == sorted(bad)
    expected_fields = {5: ["kind.leeftijd"], 9: ["peildatum"], 14: ["hulpvraag.soort"], 20: ["kind.verblijf"],
                       26: ["bedrag"], 31: ["(casus)"], 33: ["kind.leeftijd", "peildatum"]}
    for number, fields in expected_fields.items():
        for field in fields:
            assert f"{field}: " in invalid[number], (number, invalid[number])
    # every other row is decided, as one case at a time decides it
    decided = [row for row in output if row["status"] != "invalid"]
    assert len(decided) == 40 - len(bad)
    assert {(row["status"], row["entity"]) for row in decided} == {("decision", "gemeente Vlaardingen")}
    # the run tells which rows, by number and line, and sums up
    for number in bad:
        assert f"rij {number} (regel {number + 1}): " in err
    assert "40 rijen: 33 beslist, 0 geëscaleerd, 7 ongeldig" in err
    assert out == ""


def test_unreadable_rows_in_json_lines_are_reported_and_the_rest_decided(tmp_path: Path):
    good_case = {"peildatum": "2025-03-01", "kind": {"leeftijd": 12}, "hulpvraag": {"soort": "huiswerkbegeleiding"}}
    flat = {"id": "F", "peildatum": "2025-03-01", "kind.leeftijd": 12, "hulpvraag.soort": "huiswerkbegeleiding"}
    lines = [json.dumps({"id": "A", **good_case}), "{niet json", "[1, 2]", "", json.dumps(flat),
             json.dumps({**good_case, "id": ["x"]}), json.dumps({**good_case, "bedrag": 12.5})]
    source = tmp_path / "cases.jsonl"
    source.write_bytes("\n".join(lines).encode() + b"\n" + b'{"peildatum": "2025-03-01", "school": {"gemeente": "\xff"}}\n')
    target = tmp_path / "out.jsonl"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    assert status == 1
    rows = jsonl_rows(target.read_text(encoding="utf-8"))
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["status"] for r in rows] == ["decision", "invalid", "invalid", "decision", "invalid", "decision", "invalid"]
    assert rows[0]["id"] == "A" and rows[3]["id"] == "F"
    assert "geen geldige JSON" in rows[1]["error"] and "geen object" in rows[2]["error"]
    assert rows[4]["error"].startswith("id: ")
    assert "geen UTF-8" in rows[6]["error"]
    assert "rij 2 (regel 2)" in err and "rij 7 (regel 8)" in err  # the blank line is no row, but a line


def test_a_header_with_unknown_columns_stops_before_any_row(tmp_path: Path):
    source = write_csv(tmp_path / "cases.csv", [["2025-03-01", "X", "Y"]],
                       header=["peildatum", "kind.brp_gemeete", "naam"])
    target = tmp_path / "out.csv"
    status, _, err = run_cli("batch", str(source), "-o", str(target))
    assert status == 2
    assert "onbekende kolom 'kind.brp_gemeete'; bedoelt u 'kind.brp_gemeente'?" in err
    assert "onbekende kolom 'naam'" in err
    source = write_csv(tmp_path / "geen.csv", [["1", "3"]], header=["id", "kind.leeftijd"])
    status, _, err = run_cli("batch", str(source), "-o", str(target))
    assert status == 2 and "geen kolom peildatum" in err


def test_a_semicolon_file_from_a_spreadsheet_is_read_and_answered_in_kind(tmp_path: Path):
    source = tmp_path / "cases.csv"
    write_csv(source, [good("A"), good("B", kind__wlz_indicatie="JA")], delimiter=";")
    source.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())  # Excel writes a byte order mark
    target = tmp_path / "out.csv"
    status, _, err = run_cli("batch", str(source), "-o", str(target), "--jobs", "1")
    assert status == 0, err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("row;id;status;")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert rows[0]["entity"] == "gemeente Vlaardingen"
    assert rows[1]["status"] != "invalid" and "wlz" in rows[1]["rules"]  # "JA" read as true


def test_standard_input_and_output(tmp_path: Path):
    source = write_csv(tmp_path / "cases.csv", [good("A")])
    done = subprocess.run([sys.executable, "-m", "wiebetaalt", "batch", "-", "-o", "-", "--input-format", "csv",
                           "--explain"], input=source.read_bytes(), capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(io.StringIO(done.stdout.decode())))
    assert row["entity"] == "gemeente Vlaardingen" and "Jeugdwet" in row["legal_basis"]
    assert row["explanation"].startswith("Gemeente Vlaardingen betaalt")
    assert b"1 rijen: 1 beslist" in done.stderr


def test_output_columns_carry_shares_reasons_routes_and_rules():
    framework = load_framework(WATERWEG)
    collective = {"peildatum": "2025-09-01", "school": {"gemeente": "Schiedam", "soort": "basisonderwijs"},
                  "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief", "tijdens_schooltijd": True}}
    unknown = {"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"}}
    shared, missing = decide_batch(framework, [collective, unknown], jobs=1)
    assert isinstance(shared, Decision) and len(shared.shares) == 3
    row = record(1, "R1", shared)
    assert list(row) == list(OUTPUT_COLUMNS) + ["audit"]
    assert row["status"] == "decision" and [s["share"] for s in row["shares"]] == [
        f"{s.fraction.numerator}/{s.fraction.denominator}" for s in shared.shares]
    row = record(2, None, missing, explain=True)
    assert row["status"] == "escalation" and row["reason"] == "missing_facts"
    assert row["route"] == missing.route.id and "hulpvraag.toegang" in row["missing_facts"]
    assert row["rules"] == list(missing.rules) and row["explanation"] == missing.explanation


# --- Summary ------------------------------------------------------------------------------------


def test_the_summary_adds_up_per_payer_reason_and_rule(tmp_path: Path):
    rows = [good("A"), good("B", kind__brp_gemeente="Maassluis", bedrag="250,50"), good("C", hulpvraag__toegang=""),
            good("D", hulpvraag__soort="rebound"), good("E", peildatum="x")]
    source = write_csv(tmp_path / "cases.csv", rows)
    summary_json = tmp_path / "summary.json"
    status, out, err = run_cli("batch", str(source), "-o", str(tmp_path / "out.csv"), "--summary",
                               "--summary-json", str(summary_json), "--jobs", "1")
    assert status == 1
    data = json.loads(summary_json.read_text(encoding="utf-8"))
    assert (data["rows"], data["decided"], data["invalid"]) == (5, 2, 1)
    assert data["escalated"] == {"missing_facts": 1, "grey_zone": 1}
    payers = {p["entity"]: (p["cases"], p["amount"]) for p in data["payers"]}
    assert payers == {"gemeente Vlaardingen": (1, "1000.00"), "gemeente Maassluis": (1, "250.50")}
    assert sum(p["cases"] for p in data["payers"]) == data["decided"]
    rules = {r["rule"]: (r["decided"], r["escalated"]) for r in data["rules"]}
    assert rules["jeugdhulp-individueel-woonplaats"] == (2, 1)  # decided twice, open once (toegang unknown)
    assert rules["rebound-regionaal"] == (0, 1)
    assert sum(d for d, _ in rules.values()) == 2  # each decision names its one deciding rule
    assert "Per betaler" in out and "gemeente Maassluis" in out and "€ 250,50" in out
    assert "Per reden van escalatie" in out and "grijs gebied [grey_zone]" in out
    assert "Per regel" in out and "Ongeldige rijen per veld" in out


def test_shared_costs_count_as_exact_shares_in_the_summary():
    framework = load_framework(WATERWEG)
    collective = {"peildatum": "2025-09-01", "school": {"gemeente": "Schiedam", "soort": "basisonderwijs"},
                  "hulpvraag": {"soort": "jeugdhulp", "toegang": "collectief", "tijdens_schooltijd": True}}
    summary = Summary()
    [outcome] = decide_batch(framework, [collective], jobs=1)
    summary.add(outcome, amount=None)
    summary.add(outcome, amount=None)
    assert sum(summary.payers.values()) == 2  # Fractions: exactly two cases, however the key splits them
    halves = Summary()
    halves.add(outcome)
    halves.merge(halves)
    assert halves.payers == summary.payers


# --- Progress and interruption ----------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_progress_bar_on_a_terminal_and_none_otherwise(tmp_path: Path, monkeypatch):
    source = write_csv(tmp_path / "cases.csv", [good(str(n)) for n in range(60)])
    clock = itertools.count(0, 0.5)
    monkeypatch.setattr("wiebetaalt.cli.batch.time.monotonic", lambda: next(clock))
    err = Terminal()
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--chunk-size", "10", "--jobs", "1"],
                stdout=io.StringIO(), stderr=err) == 0
    assert "\r[" in err.getvalue() and "rijen" in err.getvalue()
    quiet = io.StringIO()
    assert main(["batch", str(source), "-o", str(tmp_path / "o.csv"), "--jobs", "1"], stdout=io.StringIO(),
                stderr=quiet) == 0
    assert "\r" not in quiet.getvalue()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_interrupted_run_leaves_only_whole_rows(tmp_path: Path, jobs: str):
    source = write_csv(tmp_path / "cases.csv", [good(str(n)) for n in range(200_000)])
    target = tmp_path / "out.csv"
    target.write_text("de uitkomsten van gisteren\n", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "wiebetaalt", "batch", str(source), "-o", str(target),
                                "--jobs", jobs, "--chunk-size", "100"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)

    def written() -> int:
        # the rows go to a temporary file beside the output until the run stops
        return sum(path.stat().st_size for path in tmp_path.glob(".out.csv.*.tmp"))

    deadline = time.monotonic() + 60
    while written() < 20_000 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert target.read_text(encoding="utf-8") == "de uitkomsten van gisteren\n"  # untouched while running
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert "onderbroken" in err
    assert not list(tmp_path.glob(".out.csv.*"))
    text = target.read_text(encoding="utf-8")
    assert text.endswith("\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(output_columns())
    assert 0 < len(rows) - 1 < 200_000
    assert all(len(row) == len(output_columns()) for row in rows)
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, len(rows))]
    assert f"de eerste {len(rows) - 1} rijen staan compleet" in err


def test_every_case_field_is_a_column():
    assert set(CASE_FIELDS) <= set(INPUT_COLUMNS)
    documented = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    for column in ("id", "bedrag", *output_columns(explain=True)):
        assert f"`{column}`" in documented, column


def test_rows_are_found_across_quoted_line_breaks_and_an_open_quote_ends_its_row(tmp_path: Path):
    from wiebetaalt.batch import read_chunks, read_rows

    data = (b'peildatum,school.gemeente\n2025-03-01,"Den\nHaag"\n\n,,\n2025-03-01,"open\n'
            + b"2025-03-01,x\n" * 150 + b'2025-03-01,"open\n' + b"lone\n" * 150)
    fmt, rows = read_rows(io.BytesIO(data), "csv")
    rows = list(rows)
    assert [(row.number, row.line) for row in rows[:2]] == [(1, 2), (2, 6)]
    assert fmt.parse(rows[0]).data == {"peildatum": "2025-03-01", "school": {"gemeente": "Den\nHaag"}}
    # a quote left open is its own line only: the next line is a whole row by itself, and a row again
    assert "cel tussen aanhalingstekens wordt niet gesloten" in str(fmt.parse(rows[1]).problems[0])
    assert rows[1].data == b'2025-03-01,"open\n'
    assert [row.line for row in rows[2:152]] == list(range(7, 157))
    # lines that are no whole row are taken in for at most 100 lines; when the cell has not closed
    # by then, they are rows of their own again
    assert rows[152].line == 157 and "cel tussen aanhalingstekens wordt niet gesloten" in str(fmt.parse(rows[152]).problems[0])
    assert [row.line for row in rows[153:]] == list(range(158, 308)) and len(rows) == 2 + 150 + 1 + 150
    # chunk by chunk, as the worker processes get them, the rows are the same
    for size in (1, 2, 7):
        chunks = list(read_chunks(io.BytesIO(data), "csv", size)[1])
        assert all(len(chunk.data) == size for chunk in chunks[:-1])
        assert [row for chunk in chunks for row in chunk.rows()] == rows


def test_a_framework_that_has_decided_still_travels_to_worker_processes(national, engine):
    import pickle

    engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"}}, settle=False)
    copy = pickle.loads(pickle.dumps(national))  # the conditions cache closures, which do not pickle
    assert copy == national
    case = {"peildatum": "2025-03-01", "kind": {"leeftijd": 5}, "hulpvraag": {"soort": "jeugdhulp"}}
    with Engine(copy) as other:
        assert other.decide(case, settle=False) == engine.decide(case, settle=False)


def test_run_batch_stops_between_chunks_and_says_so(national):
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, *(good(f"R{n}") for n in range(30))])
    target = io.BytesIO()
    seen: list[int] = []
    summary, finished = run_batch(io.BytesIO(text.getvalue().encode()), target, national, input_format="csv",
                                  output_format="jsonl", jobs=1, chunk_size=10,
                                  progress=lambda rows, read: seen.append(rows), stop=lambda: bool(seen))
    assert not finished and summary.rows == 10 and seen == [10]
    rows = jsonl_rows(target.getvalue().decode())
    assert [row["row"] for row in rows] == list(range(1, 11)) and rows[0]["id"] == "R0"


def test_a_cell_beyond_the_csv_size_limit_is_one_invalid_row(national):
    text = io.StringIO()
    csv.writer(text).writerows([HEADER, good("A"), good("B", school__gemeente="x" * 200_000), good("C")])
    target = io.BytesIO()
    summary, finished = run_batch(io.BytesIO(text.getvalue().encode()), target, national, input_format="csv",
                                  output_format="jsonl", jobs=1)
    rows = jsonl_rows(target.getvalue().decode())
    assert finished and [row["status"] for row in rows] == ["decision", "invalid", "decision"]
    assert "niet als CSV te lezen" in rows[1]["error"] and summary.invalid == 1


# --- The csv module reads each chunk, and writes what the joined cells do not -----------------------

# cells of a well-formed file: quotes, separators and line breaks inside them, spaces around them
CELLS = st.one_of(
    st.sampled_from(["", "x", "2025-03-01", " 5", "5 ", "Den Haag", 'a"b', '"q"', "a,b", "a;b", "a\tb", "\"",
                     "Den\nHaag", "a\r\nb", "\n", '""\n', "\u2028", "a\x00b"]),
    st.text(max_size=5),
)


@settings(max_examples=300)
@given(data=st.data(), delimiter=st.sampled_from([",", ";", "\t"]), size=st.integers(1, 9))
def test_the_workers_read_a_well_formed_file_as_the_csv_module_reads_it_whole(data, delimiter, size):
    """The row boundaries of the main process and the chunk reading of the workers agree with the
    csv module reading the whole file, for every file the csv module writes (within the bound that
    a quoted cell never runs over a line that is a whole row by itself: the first cell holds no
    line break and a cell with a line break no separator)."""
    from wiebetaalt.batch import read_chunks
    from wiebetaalt.batch.rows import csv_cells

    width = data.draw(st.integers(1, 5))
    # with "\n" the csv module of Python 3.11 leaves a lone carriage return bare, which no reader reads back
    ending = data.draw(st.sampled_from(["\n", "\r\n"]))
    cells = CELLS.filter(lambda cell: ("\n" not in cell or delimiter not in cell)
                         and ("\r" not in cell or ending == "\r\n"))
    records = [[f"R{number}", *data.draw(st.lists(cells, min_size=width - 1, max_size=width - 1))]
               for number in range(data.draw(st.integers(0, 12)))]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=ending)
    writer.writerows([["peildatum", "id", "school.gemeente", "school.bestuur", "hulpvraag.soort"][:width], *records])
    expected = list(csv.reader(io.StringIO(text.getvalue(), newline=""), delimiter=delimiter))[1:]
    assert expected == records
    _, chunks = read_chunks(io.BytesIO(text.getvalue().encode()), "csv", size, delimiter=delimiter)
    found = [row_cells for chunk in chunks for row_cells in csv_cells([row.decode() for row in chunk.data], delimiter)]
    assert found == records


@settings(max_examples=300)
@given(lines=st.lists(st.lists(st.sampled_from(['"', '""', "x", ",", '",', ',"', " ", "\r", "\x00"]), max_size=6)
                      .map("".join), min_size=1, max_size=25))
def test_a_chunk_read_at_once_gives_each_row_what_reading_it_alone_gives(lines):
    from wiebetaalt.batch import read_rows
    from wiebetaalt.batch.rows import csv_cells

    data = ("peildatum,id,school.gemeente\n" + "".join(line + "\n" for line in lines)).encode()
    texts = [row.data.decode() for row in read_rows(io.BytesIO(data), "csv")[1]]
    assert csv_cells(texts, ",") == [csv_cells([text], ",")[0] for text in texts]


def test_a_row_that_the_quote_reading_leaves_open_takes_no_cells_of_the_next_row(monkeypatch):
    from wiebetaalt.batch import rows

    texts = ['a,"open\n', "b,c\n", "d,e\n"]
    assert rows.csv_cells(texts, ",")[1:] == [["b", "c"], ["d", "e"]]
    assert "niet gesloten" in str(rows.csv_cells(texts, ",")[0])
    # should open_quote ever read a quote otherwise than the csv module does, the reader would take
    # the next row into the open cell: then each row is read alone
    monkeypatch.setattr(rows, "open_quote", lambda *args, **kwargs: (False, 1))
    assert rows.csv_cells(texts, ",") == [["a", "open\n"], ["b", "c"], ["d", "e"]]


def test_the_file_format_may_still_be_given_by_its_former_name_kind():
    from wiebetaalt.batch import read_chunks, read_rows

    data = b"peildatum,id\n2025-03-01,A\n"
    reader, rows = read_rows(io.BytesIO(data), kind="csv")
    assert reader.file_format == "csv" and [row.data for row in rows] == [b"2025-03-01,A\n"]
    reader, chunks = read_chunks(io.BytesIO(b'{"id": 1}\n'), kind="jsonl", size=5)
    assert reader.file_format == "jsonl" and [chunk.data for chunk in chunks] == [[b'{"id": 1}\n']]
    with pytest.raises(TypeError):
        read_rows(io.BytesIO(data), "csv", kind="csv")
    with pytest.raises(TypeError):
        read_rows(io.BytesIO(data))


def _results(engine: Engine) -> list[Any]:
    """A decision, a shared cost (its entity holds a comma: "57,14%"), an escalation and an invalid row."""
    child = {"leeftijd": 5, "brp_gemeente": "Schiedam", "verblijf": False, "geheim_adres": False,
             "wlz_indicatie": False}
    return [
        engine.decide({"peildatum": "2025-03-01", "kind": child,
                       "hulpvraag": {"soort": "jeugdhulp", "toegang": "individueel"}}, settle=False),
        engine.decide({"peildatum": "2025-03-01",  # examples/leerlingenvervoer-co-ouderschap.yaml
                       "kind": {"leeftijd": 10, "brp_gemeente": "Schiedam", "feitelijke_verblijfsgemeente": "Schiedam",
                                "co_ouderschap": True, "verblijfsgemeente_andere_ouder": "Maassluis",
                                "dagen_bij_andere_ouder": 3},
                       "school": {"gemeente": "Vlaardingen", "soort": "so"},
                       "hulpvraag": {"soort": "leerlingenvervoer"}}, settle=False),
        engine.decide({"peildatum": "2025-03-01", "hulpvraag": {"soort": "jeugdhulp"}}, settle=False),
        CaseError([CaseProblem("kind.leeftijd", 'geen geheel getal: "elf", "twaalf"', "een geheel getal")]),
    ]


@settings(max_examples=60)
@given(references=st.lists(st.one_of(st.text(max_size=6), st.sampled_from(["a,b", 'x"y', "r\nn", "c\rr", ";", "\t"])),
                           min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]), explain=st.booleans())
def test_output_rows_are_what_the_csv_module_writes(engine, references, delimiter, explain):
    from wiebetaalt.batch.output import Writer, csv_row

    results = _results(engine)
    items = [(n, reference, results[n % len(results)]) for n, reference in enumerate(references, 1)]
    expected = []
    for item in items:
        # a cell with a carriage return is quoted, as the csv module of Python 3.12 does
        line = io.StringIO()
        csv.writer(line, delimiter=delimiter, lineterminator="\r\n").writerow(csv_row(*item, explain=explain))
        expected.append(line.getvalue()[:-2] + "\n")
    written = Writer("csv", explain, delimiter).rows(items)
    assert written == "".join(expected)
    # and a csv reader reads back every cell
    assert [row[1] for row in csv.reader(io.StringIO(written, newline=""), delimiter=delimiter)] == [
        row[1] for row in (csv_row(*item, explain=explain) for item in items)]


def test_only_the_rows_with_a_cell_that_needs_quotes_go_through_the_csv_module(engine, monkeypatch):
    from wiebetaalt.batch.output import Writer

    decision, shared, escalation, invalid = _results(engine)
    assert isinstance(decision, Decision) and isinstance(shared, Decision) and "," in shared.entity
    written: list[list[Any]] = []
    original = Writer._csv

    def noting(self: Writer, rows: Any) -> list[str]:
        rows = list(rows)
        written.extend(rows)
        return original(self, rows)

    monkeypatch.setattr(Writer, "_csv", noting)
    items = [(1, "A", decision), (2, "B", shared), (3, "C", escalation), (4, "D,E", decision), (5, "F", invalid)]
    text = Writer("csv", False, ",").rows(items)
    # the comma in "57,14%", the one in a reference, and the quotes in the error
    assert [row[1] for row in written] == ["B", "D,E", "F"]
    assert text.splitlines()[0].startswith("1,A,decision,") and text.splitlines()[3].startswith('4,"D,E",')
    # with semicolons the lists, joined by "; ", need them, and the comma in a reference does not
    written.clear()
    Writer("csv", False, ";").rows(items)
    assert [row[1] for row in written] == ["B", "C", "F"]
