from __future__ import annotations

from pathlib import Path

import pytest

from wiebetaalt.load.postcodes import PostcodeTable, PostcodeTableError, bundled_postcodes


def test_lookup_tries_the_full_postcode_then_its_area():
    table = PostcodeTable({"3132AB": "Vlaardingen", "3111": "Schiedam"})
    assert table.lookup("3132 ab") == "Vlaardingen"
    assert table.lookup("3111ZZ") == "Schiedam"
    assert table.lookup("9999ZZ") is None


def test_the_bundled_sample_covers_the_examples():
    assert bundled_postcodes().lookup("3132AB") == "Vlaardingen"
    assert len(bundled_postcodes()) > 10


def test_a_csv_with_semicolons_and_its_own_column_names(tmp_path: Path):
    path = tmp_path / "pc.csv"
    path.write_text("PC6;Huisnummer;Gemeentenaam\n3132AB;1;Vlaardingen\n3111AA;2;Schiedam\n", encoding="utf-8")
    table = PostcodeTable.from_csv(path)
    assert table.lookup("3111AA") == "Schiedam"


def test_bad_rows_are_all_reported_with_their_line(tmp_path: Path):
    path = tmp_path / "pc.csv"
    path.write_text("postcode,gemeente\n3132AB,Vlaardingen\nXYZ,Nergens\n3111AA,\n", encoding="utf-8")
    with pytest.raises(PostcodeTableError) as caught:
        PostcodeTable.from_csv(path)
    text = str(caught.value)
    assert f"{path}:3:1:" in text and f"{path}:4:2:" in text  # the postcode, then the empty municipality


def test_a_table_without_a_postcode_column_says_what_it_expected(tmp_path: Path):
    path = tmp_path / "pc.csv"
    path.write_text("code,gemeente\n3132AB,Vlaardingen\n", encoding="utf-8")
    with pytest.raises(PostcodeTableError, match="geen kolom"):
        PostcodeTable.from_csv(path)


def test_a_table_that_is_not_csv_or_not_utf8_is_a_table_error(tmp_path: Path):
    single = tmp_path / "een.csv"
    single.write_text("postcode\n3132AB\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("postcode,gemeente\n3132AB,Vlaardingen\u00e9\n".encode("latin-1"))
    for path in (single, latin):
        with pytest.raises(PostcodeTableError):
            PostcodeTable.from_csv(path)


# --- issue 13, item 7: a table that is bad in any way is refused as a whole, each problem located


def table_error(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = tmp_path / "pc.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PostcodeTableError) as caught:
        PostcodeTable.from_csv(path)
    return path, str(caught.value)


@pytest.mark.parametrize("second", ["3132 ab,Schiedam", "3132AB,Vlaardingen"])
def test_a_postcode_twice_is_refused_naming_both_lines(tmp_path: Path, second: str):
    # two municipalities is a guess either way; the same one twice means the table was not checked
    path, text = table_error(tmp_path, f"postcode,gemeente\n3132AB,Vlaardingen\n3111AA,Schiedam\n{second}\n")
    assert text.startswith(f"{path}:4:1: ")
    assert "3132AB" in text and "regel 2" in text and "twee keer" in text


def test_a_four_digit_area_twice_is_refused_but_a_full_postcode_beside_its_area_is_not(tmp_path: Path):
    path, text = table_error(tmp_path, "postcode;gemeente\n3132;Vlaardingen\n3132AB;Vlaardingen\n\n3132;Schiedam\n")
    assert text == (f"{path}:5:1: postcode 3132 staat twee keer in de tabel: op regel 2 (Vlaardingen) en op regel 5 "
                    "(Schiedam); laat er één staan")


@pytest.mark.parametrize("code", ["0132AB", "31324", "3132A", "3132ABC", "\u0663132AB", "3132ÉA", "ABCD"])
def test_a_bad_postcode_names_the_file_line_and_column(tmp_path: Path, code: str):
    path, text = table_error(tmp_path, f"gemeente,postcode\nVlaardingen,3132AB\nVlaardingen,{code}\n")
    assert text.startswith(f"{path}:3:2: geen geldige postcode")
    assert "1234AB" in text


def test_an_empty_municipality_is_located_in_its_own_column(tmp_path: Path):
    path, text = table_error(tmp_path, "postcode,gemeente\n3132AB,  \n")
    assert text == f"{path}:2:2: geen gemeente bij postcode 3132AB; verwacht de naam van een gemeente"


@pytest.mark.parametrize("row", ["3132AB", "3132AB,Vlaardingen,extra", "3132AB,Vlaardingen,"])
def test_a_row_with_another_number_of_columns_than_the_header_is_refused(tmp_path: Path, row: str):
    path, text = table_error(tmp_path, f"postcode,gemeente\n{row}\n")
    assert text.startswith(f"{path}:2: ")
    assert "kolommen" in text and "2" in text


@pytest.mark.parametrize(("name", "code"), [("Vlaardingen\u200b", "U+200B"), ("Vlaar\x1b[31mdingen", "U+001B")])
def test_a_municipality_with_an_invisible_or_control_character_is_refused(tmp_path: Path, name: str, code: str):
    # a look-alike of a real name would be a payer of its own
    path, text = table_error(tmp_path, f"postcode,gemeente\n3132AB,{name}\n")
    assert text.startswith(f"{path}:2:2: ") and code in text
    assert "\x1b" not in text and "\u200b" not in text


def test_municipality_names_are_normalised_to_nfc(tmp_path: Path):
    path = tmp_path / "pc.csv"
    path.write_text("postcode,gemeente\n9999AA,Cre\u0301teil\n", encoding="utf-8")
    assert PostcodeTable.from_csv(path).lookup("9999AA") == "Cr\u00e9teil"


def test_every_problem_of_a_table_is_reported_at_once(tmp_path: Path):
    path, text = table_error(tmp_path, "postcode,gemeente\nXYZ,Nergens\n3111AA,\n3132AB,A\n3132AB,B\n1234\n")
    assert [line.split(": ")[0] for line in text.splitlines()] == [
        f"{path}:2:1", f"{path}:3:2", f"{path}:5:1", f"{path}:6"]


def test_a_table_without_rows_is_refused(tmp_path: Path):
    path, text = table_error(tmp_path, "postcode,gemeente\n\n")
    assert text.startswith(f"{path}: ") and "geen postcodes" in text


def test_the_messages_of_a_bad_table_are_dutch(tmp_path: Path):
    _, missing = table_error(tmp_path, "code,gemeente\n3132AB,Vlaardingen\n")
    assert "geen kolom" in missing
    latin = tmp_path / "latin.csv"
    latin.write_bytes("postcode,gemeente\n3132AB,Vlaardingen\u00e9\n".encode("latin-1"))
    with pytest.raises(PostcodeTableError, match="geen UTF-8"):
        PostcodeTable.from_csv(latin)


def test_a_postcode_twice_in_a_mapping_is_refused_too():
    with pytest.raises(PostcodeTableError, match="3132AB"):
        PostcodeTable({"3132AB": "Vlaardingen", "3132 ab": "Schiedam"})
    with pytest.raises(PostcodeTableError, match="geen geldige postcode"):
        PostcodeTable({"31": "Vlaardingen"})


def test_a_table_that_is_no_regular_file_is_refused_without_reading_it(tmp_path: Path):
    import os
    import threading

    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    found: list[BaseException] = []

    def read(path: str) -> None:
        try:
            PostcodeTable.from_csv(path)
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            found.append(error)

    for path in (str(fifo), "/dev/zero", str(tmp_path)):
        worker = threading.Thread(target=read, args=(path,), daemon=True)
        worker.start()
        worker.join(timeout=5)
        assert not worker.is_alive(), f"reading {path} did not stop"
        assert isinstance(found.pop(), PostcodeTableError)


def test_the_municipalities_of_a_table():
    table = PostcodeTable({"3132AB": "Vlaardingen", "3111": "Schiedam", "3112": "Schiedam"})
    assert table.municipalities() == frozenset({"Vlaardingen", "Schiedam"})
