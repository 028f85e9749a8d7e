"""Every Dutch text of a batch: the totals line and tables of a run, where an invalid row is, and the
problems that only a batch file can have (a row too long, a field given twice, half a surrogate
pair, a cell that is not a whole number, a header that names an unknown column).

The problems of a row and its cells are worded as the case model words its own, with a code of the
same kind; the command line prints them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..decision.outcome import REASON_NAMES
from ..errors import CaseProblem

if TYPE_CHECKING:  # rows.py words its problems here
    from .rows import RawRow

NO_KNOWN_COLUMN = ("de eerste regel noemt geen enkele bekende kolom; een CSV-bestand begint met een kopregel "
                   "die de kolommen noemt, zoals id, peildatum en kind.brp_gemeente (docs/batch.md)")

_REASON_NAMES = {reason.value: name for reason, name in REASON_NAMES.items()}


# The problems of a row and its cells, each with a stable code (docs/batch.md). None holds a cell's
# value: a cell may hold a name or a BSN typed in the wrong column.

def row_too_long(limit: int) -> CaseProblem:
    return CaseProblem("", f"de rij is langer dan {limit >> 20} MiB", f"een rij van hoogstens {limit >> 20} MiB",
                       "row-too-long")


def given_twice(field: str) -> CaseProblem:
    return CaseProblem(field, "staat meer dan eens in de rij (twee keer dezelfde sleutel, of genest én met een punt)",
                       "elk veld één keer", "given-twice")


def lone_surrogate(field: str) -> CaseProblem:
    return CaseProblem(field, "bevat een los surrogaat (\\ud800–\\udfff), geen tekst", "tekst in UTF-8",
                       "not-utf8")


def line_not_utf8() -> CaseProblem:
    return CaseProblem("", "de regel bevat bytes die geen UTF-8 zijn", "tekst opgeslagen als UTF-8", "not-utf8")


def cell_not_utf8(column: str) -> CaseProblem:
    return CaseProblem(column, "bevat bytes die geen UTF-8 zijn", "tekst opgeslagen als UTF-8", "not-utf8")


def invalid_json(detail: str) -> CaseProblem:
    # the parser's own words stay in brackets: they say where in the line it stopped
    return CaseProblem("", f"geen geldige JSON ({detail[:80]})", "één JSON-object per regel", "invalid-json")


_JSON_TYPES = {"list": "lijst", "str": "tekst", "int": "getal", "float": "getal", "bool": "true of false",
               "NoneType": "null"}


def not_an_object(value: object) -> CaseProblem:
    found = _JSON_TYPES.get(type(value).__name__, type(value).__name__)
    return CaseProblem("", f"een JSON-{found}, geen object", "één JSON-object per regel", "invalid-json")


def unclosed_quote() -> CaseProblem:
    return CaseProblem("", "een cel tussen aanhalingstekens wordt niet gesloten",
                       "een sluitend \" bij elk openend \"", "unclosed-quote")


def unreadable_csv(detail: str) -> CaseProblem:
    return CaseProblem("", f"de rij is niet als CSV te lezen ({detail})", "één rij cellen", "invalid-csv")


def wrong_width(cells: int, width: int) -> CaseProblem:
    return CaseProblem("", f"de rij heeft {cells} cellen en de kopregel {width}",
                       "één cel per kolom van de kopregel", "wrong-width")


def not_boolean(column: str) -> CaseProblem:
    return CaseProblem(column, "niet true of false", "true of false (ook ja/nee, 1/0)", "wrong-type")


def not_whole_number(column: str) -> CaseProblem:
    return CaseProblem(column, "geen geheel getal", "een geheel getal", "wrong-type")


def reference_not_text(column: str) -> CaseProblem:
    return CaseProblem(column, "geen tekst of getal", "tekst of een getal", "wrong-type")


def not_an_amount(column: str) -> CaseProblem:
    return CaseProblem(column, "geen bedrag", "euro's, zoals 1250 of 1250,50", "invalid-amount")


def header_problems(repeated: Mapping[str, int], unknown: list[tuple[str, str]], no_peildatum: bool) -> str:
    """What is wrong with a CSV header: columns given twice, unknown columns (with the suggestion for
    each), a missing peildatum; one message."""
    problems = [f"kolom {column!r} staat {count} keer in de kopregel" for column, count in repeated.items()]
    problems += [f"onbekende kolom {column!r}" + (f"; {hint}" if hint else "") for column, hint in unknown]
    if no_peildatum:
        problems.append("geen kolom peildatum; elke casus heeft er een nodig")
    return ("de kopregel: " + "; ".join(problems)
            + " (de kolommen zijn id, de velden van de casus zoals kind.brp_gemeente, en bedrag; docs/batch.md)")


def invalid_row(row: RawRow | None, error: str) -> str:
    """An invalid row as the run lists it: where it is (when known), and what is wrong."""
    return (f"rij {row.number} (regel {row.line}): " if row is not None else "") + error


def summary_line(rows: int, decided: int, escalated: Mapping[str, int], invalid: int) -> str:
    """One line: rows, decided, escalated by reason, invalid."""
    reasons = ", ".join(f"{_REASON_NAMES[r]} {n}" for r, n in sorted(escalated.items(), key=lambda i: (-i[1], i[0])))
    return (f"{rows} rijen: {decided} beslist, {sum(escalated.values())} geëscaleerd"
            + (f" ({reasons})" if reasons else "") + f", {invalid} ongeldig")


def summary_tables(totals: Mapping[str, Any], money: bool) -> str:
    """The totals of :meth:`Summary.to_dict` as tables: per payer, per escalation reason, per rule.

    ``money``: whether the input had amounts; the tables then have a column for them.
    """
    lines = [summary_line(totals["rows"], totals["decided"], totals["escalated"], totals["invalid"]), "",
             "Per betaler (gedeelde kosten tellen naar aandeel):"]
    table = [[p["entity"], p["funder"], _dutch(p["cases"])] + ([_dutch_money(p["amount"])] if money else [])
             for p in totals["payers"]]
    lines += _table(["partij", "betaler", "casussen"] + (["bedrag"] if money else []), table, 2) or ["  (geen)"]
    lines += ["", "Per reden van escalatie:"]
    amounts = totals["escalated_amount"]
    table = [[f"{_REASON_NAMES[r]} [{r}]", str(n)] + ([_dutch_money(amounts.get(r))] if money else [])
             for r, n in sorted(totals["escalated"].items(), key=lambda i: (-i[1], i[0]))]
    lines += _table(["reden", "casussen"] + (["bedrag"] if money else []), table, 1) or ["  (geen)"]
    lines += ["", "Per regel:"]
    lines += _table(["regel", "beslist", "geëscaleerd"],
                    [[r["rule"], str(r["decided"]), str(r["escalated"])] for r in totals["rules"]], 1) or ["  (geen)"]
    if totals.get("presumed"):
        lines += ["", f"Uitkomsten die op een aanname rusten: {_dutch(totals['presumed'])} (per aangenomen veld):"]
        fields = sorted(totals["presumed_fields"].items(), key=lambda i: (-i[1], i[0]))
        lines += _table(["veld", "uitkomsten"], [[f, _dutch(n)] for f, n in fields], 1)
    if totals["invalid"]:
        lines += ["", "Ongeldige rijen per veld:"]
        fields = sorted(totals["invalid_fields"].items(), key=lambda i: (-i[1], i[0]))
        lines += _table(["veld", "rijen"], [[f, str(n)] for f, n in fields], 1)
    return "\n".join(lines) + "\n"


_DUTCH_DIGITS = str.maketrans({",": ".", ".": ","})


def _dutch(value: int | float) -> str:
    """1.234 and 1.234,50: Dutch thousands and decimals."""
    return (f"{value:,}" if isinstance(value, int) else f"{value:,.2f}").translate(_DUTCH_DIGITS)


def _dutch_money(value: str | None) -> str:
    return "" if value is None else "€ " + f"{Decimal(value):,.2f}".translate(_DUTCH_DIGITS)


def _table(header: list[str], rows: list[list[str]], text_columns: int) -> list[str]:
    """Aligned columns: the first ``text_columns`` to the left, the numbers after them to the right."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        aligned = [c.ljust(w) if i < text_columns else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))]
        return ("  " + "  ".join(aligned)).rstrip()

    return [line(header)] + [line(row) for row in rows]
