"""A row as case data: its cells or JSON object typed into a case, its reference and its amount.

Runs in the worker processes, a chunk of rows at a time (:meth:`RowReader.read`). A row that cannot
be read, or a cell that is not of its field's type, becomes a problem that names the field and
never the value: the rest of the row is still read, so that its output row names every bad field
at once. Text, choices and dates stay text here: the case model checks them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ..errors import CaseError, CaseProblem
from ..model.case import CASE_FIELDS, parse_case
from .formats import AMOUNT, REFERENCE, Format, place
from .jsonl import json_case
from .rows import MAX_ROW_BYTES, NOT_UTF8, RawRow, csv_cells
from .text import (cell_not_utf8, not_an_amount, not_boolean, not_whole_number, reference_not_text, row_too_long,
                   wrong_width)

_BOOLEANS = {"true": True, "ja": True, "1": True, "false": False, "nee": False, "0": False}
_INT = re.compile(r"[+-]?\d{1,9}")
_AMOUNT = re.compile(r"-?\d{1,15}([.,]\d{1,2})?")


class Parsed(NamedTuple):
    """What a row holds: the caller's reference, the amount, the case data, and the problems found."""

    reference: str | None
    amount: Decimal | None
    data: dict[str, Any]
    problems: list[CaseProblem]


class RowReader:
    """Reads the raw rows of one input file; made from its header, sent to every worker process."""

    def __init__(self, file_format: Format, header: tuple[str, ...] = (), delimiter: str = ",") -> None:
        self.file_format = file_format
        self.header = header
        self.delimiter = delimiter
        self.sections = ["", *dict.fromkeys(place(c)[0] for c in header if place(c)[0])]
        # the columns by the type of their values, each as (index, section (0 for the top of the
        # case), name there)
        placed = [(index, self.sections.index(place(column)[0]), place(column)[1],
                   CASE_FIELDS[column].value_type if column in CASE_FIELDS else "str") for index, column in enumerate(header)]
        self.texts = [(index, section, name) for index, section, name, value in placed if value not in ("bool", "int")]
        self.bools = [(index, section, name) for index, section, name, value in placed if value == "bool"]
        self.ints = [(index, section, name) for index, section, name, value in placed if value == "int"]
        self.position = {column: index for index, column in enumerate(header)}

    def parse(self, row: RawRow) -> Parsed:
        """One row as :meth:`read` reads it."""
        return self.read([row])[0]

    def read(self, rows: Sequence[RawRow]) -> list[Parsed]:
        """The reference, amount and case data of each row, with the problems found in it."""
        too_long = [len(row.data) > MAX_ROW_BYTES for row in rows]
        texts, utf8 = [], []
        for row, cut in zip(rows, too_long):
            if not cut:
                try:
                    texts.append(row.data.decode("utf-8"))
                    utf8.append(True)
                except UnicodeDecodeError:
                    # bytes that are not UTF-8 become lone surrogates, so that the row names the bad cell
                    texts.append(row.data.decode("utf-8", "surrogateescape"))
                    utf8.append(False)
        if self.file_format == "csv":
            found = iter([self._csv_row(cells, clean) for cells, clean in zip(csv_cells(texts, self.delimiter), utf8)])
        else:
            found = iter([self._json_row(line) for line in texts])
        # lines() cut such a row off at the bound: what is left of it is no row
        return [Parsed(None, None, {}, [row_too_long(MAX_ROW_BYTES)]) if cut else next(found)
                for cut in too_long]

    def _csv_row(self, cells: list[str] | CaseProblem, utf8: bool) -> Parsed:
        if isinstance(cells, CaseProblem):
            return Parsed(None, None, {}, [cells])  # not read at all: no cell is known
        problems: list[CaseProblem] = []
        return self._parsed(self._typed(cells, utf8, problems), problems)

    def _json_row(self, line: str) -> Parsed:
        problems: list[CaseProblem] = []
        return self._parsed(json_case(line, problems), problems)

    def _typed(self, cells: list[str], utf8: bool, problems: list[CaseProblem]) -> dict[str, Any]:
        """The case data of a CSV row's cells (``utf8``: the row's bytes were all UTF-8); an empty
        cell is an unknown fact, left out."""
        first = len(problems)
        irregular = len(cells) != len(self.header) or not utf8
        if irregular:
            cells = self._regular(cells, problems)
        # the messages name the column, never the value: a cell may hold a name or a BSN
        places: list[dict[str, Any]] = [{} for _ in self.sections]
        for index, section, name in self.texts:
            cell = cells[index]
            if cell and (cell := cell.strip()):
                places[section][name] = cell
        for index, section, name in self.bools:
            cell = cells[index]
            if cell and (cell := cell.strip()):
                answer = _BOOLEANS.get(cell.lower())
                if answer is None:
                    problems.append(not_boolean(self.header[index]))
                else:
                    places[section][name] = answer
        for index, section, name in self.ints:
            cell = cells[index]
            if cell and (cell := cell.strip()):
                if _INT.fullmatch(cell):
                    places[section][name] = int(cell)
                else:
                    problems.append(not_whole_number(self.header[index]))
        if irregular and len(problems) > first + 1:
            # such a row names its problems in the order of its columns (a row that has a cell per
            # column names them by type, as above)
            problems[first:] = sorted(problems[first:], key=lambda problem: self.position.get(problem.field, -1))
        data = places[0]
        for section_name, values in zip(self.sections[1:], places[1:]):
            if values:
                data[section_name] = values
        return data

    def _regular(self, cells: list[str], problems: list[CaseProblem]) -> list[str]:
        """A cell for every column of the header, and none that holds bytes that are not UTF-8."""
        width = len(self.header)
        if len(cells) != width:
            problems.append(wrong_width(len(cells), width))
        cells = cells[:width] + [""] * (width - len(cells))
        for index, cell in enumerate(cells):
            if NOT_UTF8.search(cell) and cell.strip():
                problems.append(cell_not_utf8(self.header[index]))
                cells[index] = ""
        return cells

    @staticmethod
    def _parsed(data: dict[str, Any], problems: list[CaseProblem]) -> Parsed:
        reference = data.pop(REFERENCE, None)
        if reference is not None and (not isinstance(reference, (str, int)) or isinstance(reference, bool)):
            problems.append(reference_not_text(REFERENCE))
            reference = None
        amount = _amount(data.pop(AMOUNT, None), problems)
        return Parsed(None if reference is None else str(reference), amount, data, problems)


def _amount(value: Any, problems: list[CaseProblem]) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        try:
            return Decimal(value.strip().replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            pass
    problems.append(not_an_amount(AMOUNT))
    return None


def row_errors(parsed: Sequence[Parsed]) -> dict[int, CaseError]:
    """The error of every row (by index) that is no valid case for what the row itself shows.

    A row whose cells were read names every bad field at once: its own problems and the case's.
    """
    errors: dict[int, CaseError] = {}
    for index, item in enumerate(parsed):
        if not item.problems:
            continue
        if any(not problem.field for problem in item.problems):
            errors[index] = CaseError(item.problems)  # the row could not be read at all
            continue
        try:
            parse_case(item.data)
            errors[index] = CaseError(item.problems)
        except CaseError as error:
            errors[index] = CaseError([*item.problems, *error.problems])
    return errors


def without_values(error: CaseError, data: Mapping[str, Any]) -> CaseError:
    """``error`` with no value of the row in its messages: only the field and the problem.

    A cell may hold a name or a BSN typed in the wrong column, and the output and standard
    error are shared more widely than the input. A message that holds the field's value loses
    its text; a suggestion (``bedoelt u 'jeugdhulp'?``) is one of the field's own values and stays.
    """
    problems = [_without_value(problem, data) for problem in error.problems]
    return error if problems == list(error.problems) else CaseError(problems, source=error.source)


#: the one part of a message that holds a value not its own: the suggestion, one of the field's values
_SUGGESTION = "; bedoelt u "


def _without_value(problem: CaseProblem, data: Mapping[str, Any]) -> CaseProblem:
    # the messages of the case model and of this package never quote the value; this is the net
    # under that promise, for a message that one day would
    said = problem.message.split(_SUGGESTION)[0]
    if not any(re.search(rf"(?<!\w){re.escape(shown)}(?!\w)", said) for shown in _texts(_value_at(data, problem.field))):
        return problem
    return dataclasses.replace(problem, message="ongeldige waarde")


def _value_at(data: Mapping[str, Any], field: str) -> Any:
    value: Any = data
    for name in field.split(".") if field else ():
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _texts(value: Any, depth: int = 0) -> Iterator[str]:
    """The scalar values in ``value`` as text, those long enough to tell apart from a message's own words."""
    if isinstance(value, (list, tuple)) and depth < 3:
        for item in value[:20]:
            yield from _texts(item, depth + 1)
    elif isinstance(value, Mapping) and depth < 3:
        for item in list(value.values())[:20]:
            yield from _texts(item, depth + 1)
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool) and len(shown := str(value).strip()) >= 3:
        yield shown
