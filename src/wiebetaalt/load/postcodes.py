"""Postcode → municipality, for cases that give the address's postcode but not its municipality.

The Jeugdwet follows the BRP municipality; many intake systems only hold a postcode. A table maps
a six-position postcode (1234AB) or, where a whole area lies in one municipality, its four digits
to the municipality. The package ships a small sample for the examples; point to your own table
(for instance one built from the CBS file "postcode, huisnummer en gemeente") for real work.
A postcode the table does not hold stays unknown: a missing fact, never a guess.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from .yaml import NotARegularFile, read_file, shown
from ..model.text import find_invisible
from ..errors import WiebetaaltError

_POSTCODE_NAMES = ("postcode", "pc6", "pc4", "postcode6", "postcode4")
_MUNICIPALITY_NAMES = ("gemeente", "gemeentenaam", "municipality")
# ASCII only: str.isdigit and str.isalpha also take Arabic digits and accented letters
_POSTCODE = re.compile(r"[1-9][0-9]{3}(?:[A-Z]{2})?")
_EXPECTED_POSTCODE = "verwacht een postcode als 1234AB of 1234 (vier cijfers, de eerste geen 0)"
_INVISIBLE = {
    "Cc": "een stuurteken",
    "Cf": "een onzichtbaar opmaakteken",
    "Cs": "een losse surrogaat (bytes die geen UTF-8 zijn)",
    "Zl": "een regelscheidingsteken",
    "Zp": "een alineascheidingsteken",
}


class PostcodeTableError(WiebetaaltError, ValueError):
    """A postcode table cannot be used; the message names the file, line and column of each problem."""


class PostcodeTable:
    """An immutable postcode → municipality mapping.

    Raises:
        PostcodeTableError: a key is no postcode, a municipality is empty or holds a control or
            invisible character, or two keys are the same postcode (``3132 ab`` and ``3132AB``).
    """

    def __init__(self, entries: Mapping[str, str]) -> None:
        found: dict[str, str] = {}
        written: dict[str, str] = {}
        problems: list[str] = []
        for key, value in entries.items():
            code = _normalise(key)
            municipality, problem = _municipality(value, code)
            if not _POSTCODE.fullmatch(code):
                problems.append(f"geen geldige postcode ({shown(key)}); {_EXPECTED_POSTCODE}")
            elif problem:
                problems.append(problem)
            elif code in found:
                problems.append(f"postcode {code} staat twee keer in de tabel ({shown(written[code])} en {shown(key)}); "
                                "laat er één staan")
            else:
                found[code], written[code] = municipality, key
        if problems:
            raise PostcodeTableError("\n".join(problems))
        self._entries = found

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, postcode: str) -> str | None:
        """The municipality of ``postcode`` (PC6 first, then its PC4 area), or None."""
        code = _normalise(postcode)
        return self._entries.get(code) or self._entries.get(code[:4])

    def municipalities(self) -> frozenset[str]:
        """Every municipality the table names."""
        return frozenset(self._entries.values())

    @classmethod
    def from_csv(cls, path: str | Path, *, postcode_column: str | None = None, municipality_column: str | None = None) -> PostcodeTable:
        """Read a CSV (comma, semicolon or tab separated) with a header naming the two columns.

        Every row is checked before the table is used: a postcode twice (even with the same
        municipality), a postcode that is not one, an empty municipality, a control or invisible
        character in it, or a row with another number of columns than the header. One problem
        refuses the whole table; the message names each, with its file, line and column.

        Raises:
            PostcodeTableError: the file, line and column of what is wrong.
            OSError: the file cannot be opened or read.
        """
        try:
            # a pipe or a device could make reading wait or go on forever; a regular file ends
            raw = read_file(path)
        except (NotARegularFile, IsADirectoryError):
            raise PostcodeTableError(f"{path}: geen gewoon bestand (maar een map, pipe of apparaat); "
                                     "geef de postcodetabel als CSV-bestand") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = raw[: error.start].count(b"\n") + 1
            raise PostcodeTableError(f"{path}:{line}: geen UTF-8 (byte {error.start}); sla de tabel op als UTF-8") from None
        try:
            return cls._parse(text, str(path), postcode_column, municipality_column)
        except csv.Error as error:
            raise PostcodeTableError(f"{path}:1: de kopregel is geen CSV ({error}); verwacht een kolom postcode en een "
                                     "kolom gemeente, gescheiden door komma's, puntkomma's of tabs") from None

    @classmethod
    def _parse(cls, text: str, name: str, postcode_column: str | None, municipality_column: str | None) -> PostcodeTable:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
        reader = csv.reader(io.StringIO(text), dialect)
        header = [h.strip().lower() for h in next(reader, [])]
        pc = _column(header, postcode_column, _POSTCODE_NAMES, name, "postcode")
        gm = _column(header, municipality_column, _MUNICIPALITY_NAMES, name, "gemeente")
        entries: dict[str, str] = {}
        first: dict[str, int] = {}
        errors: list[str] = []
        read = reader.line_num
        for row in reader:
            # the line the row starts on: a quoted cell may hold a line break
            line, read = read + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                # a cell too many or too few shifts the others: the row means something else than it says
                errors.append(f"{name}:{line}: de regel heeft {_columns(len(row))}, de kopregel {_columns(len(header))}; "
                              "verwacht één waarde per kolom van de kopregel")
                continue
            code = _normalise(row[pc].strip())
            valid = _POSTCODE.fullmatch(code) is not None
            municipality, problem = _municipality(row[gm], code if valid else "")
            if not valid:
                errors.append(f"{name}:{line}:{pc + 1}: geen geldige postcode ({shown(row[pc].strip())}); {_EXPECTED_POSTCODE}")
            if problem:
                errors.append(f"{name}:{line}:{gm + 1}: {problem}")
            if not valid or problem:
                continue
            if code in first:
                # which of the two is right cannot be known: taking either would be a guess
                errors.append(f"{name}:{line}:{pc + 1}: postcode {code} staat twee keer in de tabel: op regel {first[code]} "
                              f"({entries[code]}) en op regel {line} ({municipality}); laat er één staan")
                continue
            entries[code], first[code] = municipality, line
        if not entries and not errors:
            errors.append(f"{name}: de tabel bevat geen postcodes; verwacht na de kopregel per regel een postcode en een gemeente")
        if errors:
            raise PostcodeTableError("\n".join(errors))
        table = cls.__new__(cls)
        table._entries = entries  # checked row by row above, with their lines
        return table


def _municipality(value: str, code: str) -> tuple[str, str]:
    """The municipality of postcode ``code`` as a table gives it, stripped and NFC, and what is
    wrong with it ("" when nothing)."""
    name = value.strip()
    where = f" bij postcode {code}" if code else ""
    if not name:
        return name, f"geen gemeente{where}; verwacht de naam van een gemeente"
    found = find_invisible(name)
    if found is not None:
        index, char, category = found
        position = len(value) - len(value.lstrip()) + index + 1
        return name, (f"de gemeente{where} bevat {_INVISIBLE[category]} (U+{ord(char):04X}) op positie {position}; "
                      "verwacht een naam zonder stuurtekens of onzichtbare tekens")
    # the case model stores names in NFC: a table in another form would never match them
    return (name if name.isascii() else unicodedata.normalize("NFC", name)), ""


def _columns(count: int) -> str:
    return "1 kolom" if count == 1 else f"{count} kolommen"


def _column(header: list[str], wanted: str | None, names: tuple[str, ...], file: str, what: str) -> int:
    options = (wanted.lower(),) if wanted else names
    for option in options:
        if option in header:
            return header.index(option)
    raise PostcodeTableError(f"{file}:1: geen kolom {what}; verwacht een van {', '.join(options)} in de kopregel")


def _normalise(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


@functools.cache
def bundled_postcodes() -> PostcodeTable:
    """The sample table shipped with the package (a few areas around Schiedam and Vlaardingen)."""
    text = resources.files("wiebetaalt").joinpath("data/postcodes_voorbeeld.csv").read_text(encoding="utf-8")
    return PostcodeTable._parse(text, "postcodes_voorbeeld.csv", None, None)
