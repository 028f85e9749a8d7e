from __future__ import annotations

from pathlib import Path

import pytest

from wiebetaalt.postcode import PostcodeTable, PostcodeTableError, bundled_postcodes


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
    assert f"{path}:3:1:" in text and f"{path}:4:1:" in text


def test_a_table_without_a_postcode_column_says_what_it_expected(tmp_path: Path):
    path = tmp_path / "pc.csv"
    path.write_text("code,gemeente\n3132AB,Vlaardingen\n", encoding="utf-8")
    with pytest.raises(PostcodeTableError, match="no postcode column"):
        PostcodeTable.from_csv(path)


def test_a_table_that_is_not_csv_or_not_utf8_is_a_table_error(tmp_path: Path):
    single = tmp_path / "een.csv"
    single.write_text("postcode\n3132AB\n", encoding="utf-8")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("postcode,gemeente\n3132AB,Vlaardingen\u00e9\n".encode("latin-1"))
    for path in (single, latin):
        with pytest.raises(PostcodeTableError):
            PostcodeTable.from_csv(path)
