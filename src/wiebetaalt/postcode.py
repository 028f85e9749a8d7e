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
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from .errors import WiebetaaltError

_POSTCODE_NAMES = ("postcode", "pc6", "pc4", "postcode6", "postcode4")
_MUNICIPALITY_NAMES = ("gemeente", "gemeentenaam", "municipality")


class PostcodeTableError(WiebetaaltError, ValueError):
    """A postcode table cannot be read; the message names the file, line and column."""


class PostcodeTable:
    """An immutable postcode → municipality mapping."""

    def __init__(self, entries: Mapping[str, str]) -> None:
        self._entries = {_normalise(k): v for k, v in entries.items()}

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, postcode: str) -> str | None:
        """The municipality of ``postcode`` (PC6 first, then its PC4 area), or None."""
        code = _normalise(postcode)
        return self._entries.get(code) or self._entries.get(code[:4])

    @classmethod
    def from_csv(cls, path: str | Path, *, postcode_column: str | None = None, municipality_column: str | None = None) -> PostcodeTable:
        """Read a CSV (comma or semicolon separated) with a header naming the two columns.

        Raises:
            PostcodeTableError: the file, line and column of what is wrong.
        """
        try:
            text = Path(path).read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise PostcodeTableError(f"{path}: not UTF-8 (byte {error.start}); save the table as UTF-8") from None
        try:
            return cls._parse(text, str(path), postcode_column, municipality_column)
        except csv.Error as error:
            raise PostcodeTableError(f"{path}:1: cannot read the header as CSV ({error}); "
                                     "expected a postcode and a gemeente column, comma or semicolon separated") from None

    @classmethod
    def _parse(cls, text: str, name: str, postcode_column: str | None, municipality_column: str | None) -> PostcodeTable:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
        reader = csv.reader(io.StringIO(text), dialect)
        header = [h.strip().lower() for h in next(reader, [])]
        pc = _column(header, postcode_column, _POSTCODE_NAMES, name, "postcode")
        gm = _column(header, municipality_column, _MUNICIPALITY_NAMES, name, "gemeente")
        entries: dict[str, str] = {}
        errors: list[str] = []
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) <= max(pc, gm):
                errors.append(f"{name}:{line}: expected {len(header)} columns, found {len(row)}")
                continue
            code, municipality = _normalise(row[pc]), row[gm].strip()
            if not (len(code) in (4, 6) and code[:4].isdigit() and (len(code) == 4 or code[4:].isalpha())) or not municipality:
                errors.append(f"{name}:{line}:{pc + 1}: expected a postcode like 1234AB or 1234 and a municipality, found {row[pc]!r}, {row[gm]!r}")
                continue
            entries[code] = municipality
        if errors:
            raise PostcodeTableError("\n".join(errors))
        return cls(entries)


def _column(header: list[str], wanted: str | None, names: tuple[str, ...], file: str, what: str) -> int:
    options = (wanted.lower(),) if wanted else names
    for option in options:
        if option in header:
            return header.index(option)
    raise PostcodeTableError(f"{file}:1: no {what} column; expected one of {', '.join(options)} in the header")


def _normalise(postcode: str) -> str:
    return postcode.replace(" ", "").upper()


@functools.cache
def bundled_postcodes() -> PostcodeTable:
    """The sample table shipped with the package (a few areas around Schiedam and Vlaardingen)."""
    text = resources.files("wiebetaalt").joinpath("data/postcodes_voorbeeld.csv").read_text(encoding="utf-8")
    return PostcodeTable._parse(text, "postcodes_voorbeeld.csv", None, None)
