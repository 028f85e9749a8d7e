"""The command line: ``wiebetaalt check``, ``decide``, ``batch``, ``test``, ``analyse``, ``schema``,
``recheck`` and ``kaders``; the argument parser, the dispatch to the commands and the exit codes.

Thin by design: parse arguments, call the public API, format, return an exit code. Exit codes:
0 success (clean framework, a decision, every example passes, every batch row valid), 1 findings
(problems in a framework, an escalation, an example that fails, invalid batch rows), 2 unusable
input (bad arguments, an unreadable or invalid case, a framework that does not load), 130 a batch
stopped by ^C (the rows written so far are complete).

Everything the command line prints is Dutch, its help included. Of argparse's own words the
usage prefix, the section titles, the help option and the error prefix are set here, and its
common error messages are translated (:data:`_ARGPARSE_MESSAGES`); a rarer one stays as argparse
words it.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast

from ..analysis.analyse import DEFAULT_BUDGET
from ..batch import FORMATS, default_jobs
from ..engine.durable import CHUNK_SIZE
from ..errors import EngineUnavailableError
from ..load.bundled import NATIONAL
from . import text
from .batch import batch_command
from .decide import decide_command, kaders_command, recheck_command
from .files import Quiet, Stream, WriteFailed, to_null
from .frameworks import analyse_command, check_command, schema_command, test_command
from .inputs import json_error

DEFAULT_FRAMEWORK = NATIONAL

_Command = Callable[[argparse.Namespace, TextIO, TextIO], int]
_COMMANDS: dict[str, _Command] = {
    "check": check_command, "decide": decide_command, "batch": batch_command, "test": test_command,
    "analyse": analyse_command, "schema": schema_command, "recheck": recheck_command, "kaders": kaders_command,
}

#: argparse's common error messages (its gettext message ids, stable across Python versions) in Dutch
_ARGPARSE_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), dutch) for pattern, dutch in (
    (r"the following arguments are required: (?P<a>.*)", "deze argumenten ontbreken: {a}"),
    (r"unrecognized arguments: (?P<a>.*)", "onbekende argumenten: {a}"),
    (r"argument (?P<a>.*?): invalid choice: (?P<b>.*?) \(choose from (?P<c>.*)\)", "argument {a}: ongeldige keuze: {b} "
                                                                                   "(kies uit {c})"),
    (r"argument (?P<a>.*?): invalid int value: (?P<b>.*)", "argument {a}: geen geheel getal: {b}"),
    (r"argument (?P<a>.*?): expected one argument", "argument {a}: verwacht een waarde"),
    (r"argument (?P<a>.*?): expected at least one argument", "argument {a}: verwacht minstens één waarde"),
    (r"ambiguous option: (?P<a>.*?) could match (?P<b>.*)", "dubbelzinnige optie: {a} kan {b} zijn"),
))


def _in_dutch(message: str) -> str:
    for pattern, dutch in _ARGPARSE_MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return dutch.format(**found.groupdict())
    return message


class _Said:
    """Where argparse writes (the streams :func:`main` was given) and its complaint, for ``--json``."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.complaint: str | None = None


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with a Dutch usage prefix."""

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup], prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in Dutch, writing to the streams of :func:`main` and remembering its complaint."""

    def __init__(self, *args: Any, said: _Said, **kwargs: Any) -> None:
        # the help option is added below, in Dutch
        super().__init__(*args, **{**kwargs, "add_help": False, "formatter_class": _Formatter})
        self.said = said
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulp en stop")

    def error(self, message: str) -> NoReturn:
        self.said.complaint = _in_dutch(message)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {self.said.complaint}\n")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            (self.said.out if file is sys.stdout else self.said.err).write(message)


_PATHS = "regelbestanden of mappen daarmee"
_FRAMEWORK = f"een geïnstalleerd kader (wiebetaalt kaders) of een regelbestand (standaard {DEFAULT_FRAMEWORK})"
_POSTCODES = "CSV-tabel postcode→gemeente (standaard: het meegeleverde voorbeeld)"
_NO_PRESUMPTIONS = ("neem niets aan: een feit dat de casus niet geeft blijft onbekend, ook een uitzondering als een "
                    "Wlz-indicatie of een geheim adres (standaard neemt het kader de gewone situatie aan en noemt het dat)")


def _parser(said: _Said | None = None) -> argparse.ArgumentParser:
    said = said or _Said(cast(TextIO, sys.stdout), cast(TextIO, sys.stderr))
    parser = _Parser(prog="wiebetaalt", said=said,
                     description="Wie betaalt de hulp aan een kind tussen onderwijs en jeugdhulp?")
    parser.add_argument("--version", action="version", version=text.version_text(), help="toon de versie en stop")
    parser._positionals.title = "opdrachten"  # the only argument of the top level is the command
    commands = parser.add_subparsers(dest="command", required=True,
                                     parser_class=cast(type[_Parser], functools.partial(_Parser, said=said)))
    check = commands.add_parser("check", help="controleer regelbestanden en meld elk probleem met zijn plaats")
    check.add_argument("paths", nargs="+", type=Path, metavar="paden", help=_PATHS)
    check.add_argument("--json", action="store_true", help="de problemen als JSON")
    decide = commands.add_parser("decide", help="beslis één casus (een YAML- of JSON-bestand)")
    decide.add_argument("case", type=Path, metavar="casus",
                        help="casusbestand (YAML of JSON, hoogstens 1 MiB); - leest standaardinvoer")
    decide.add_argument("--framework", default=DEFAULT_FRAMEWORK, metavar="KADER", help=_FRAMEWORK)
    decide.add_argument("--postcodes", type=Path, metavar="TABEL", help=_POSTCODES)
    decide.add_argument("--json", action="store_true", help="de uitkomst als JSON")
    decide.add_argument("--ask", action="store_true",
                        help="vraag (op standaardinvoer) naar de feiten die nog nodig zijn, en beslis dan")
    decide.add_argument("--geen-aannames", dest="presume", action="store_false", help=_NO_PRESUMPTIONS)
    batch = commands.add_parser("batch", help="beslis elke casus van een CSV- of JSON Lines-bestand, één uitvoerrij "
                                              "per invoerrij")
    batch.add_argument("input", type=Path, metavar="invoer",
                       help="CSV- of JSON Lines-bestand met casussen (docs/batch.md); - leest standaardinvoer")
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="UITVOER",
                       help="bestand voor de uitvoerrijen; - schrijft naar standaarduitvoer")
    batch.add_argument("--framework", default=DEFAULT_FRAMEWORK, metavar="KADER", help=_FRAMEWORK)
    batch.add_argument("--input-format", choices=FORMATS, help="standaard: volgens de bestandsnaam (.csv, .jsonl)")
    batch.add_argument("--output-format", choices=FORMATS,
                       help="standaard: volgens de bestandsnaam, anders als de invoer")
    batch.add_argument("--jobs", type=int, metavar="N",
                       help="werkprocessen (standaard: elke processorkern, hier %d)" % default_jobs())
    batch.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, metavar="N",
                       help=f"casussen per portie (standaard {CHUNK_SIZE})")
    batch.add_argument("--postcodes", type=Path, metavar="TABEL", help=_POSTCODES)
    batch.add_argument("--explain", action="store_true",
                       help="voeg aan elke rij de rechtsgrond en de toelichting toe; de toelichting bevat feiten uit "
                            "de casus (gemeenten, postcodes, data, leeftijden): niet om te delen buiten wie de "
                            "casussen mag zien")
    batch.add_argument("--settle", action="store_true",
                       help="zoek uit welke antwoorden een escalatie om ontbrekende feiten beslechten (trager: zo'n "
                            "casus wordt voor elk antwoord opnieuw beslist)")
    batch.add_argument("--geen-aannames", dest="presume", action="store_false", help=_NO_PRESUMPTIONS)
    batch.add_argument("--summary", action="store_true",
                       help="toon de totalen per betaler, per reden van escalatie en per regel")
    batch.add_argument("--summary-json", type=Path, metavar="BESTAND",
                       help="schrijf de totalen als JSON naar dit bestand")
    batch.add_argument("--quiet", action="store_true", help="geen voortgangsbalk")
    test = commands.add_parser("test", help="voer de voorbeelden in regelbestanden uit en toon elke mislukking")
    test.add_argument("paths", nargs="+", type=Path, metavar="paden", help=_PATHS)
    test.add_argument("--postcodes", type=Path, metavar="TABEL", help=_POSTCODES)
    test.add_argument("--json", action="store_true", help="de resultaten als JSON")
    analyse_ = commands.add_parser("analyse", help="breng elke soort casus van regelbestanden in kaart: gaten, "
                                                   "conflicten, grijze gebieden, dode regels")
    analyse_.add_argument("paths", nargs="+", type=Path, metavar="paden", help=_PATHS)
    analyse_.add_argument("--budget", type=int, default=DEFAULT_BUDGET, metavar="AANTAL",
                          help=f"hoeveel beslissingen hoogstens verkend worden voordat er steekproeven komen "
                               f"(standaard {DEFAULT_BUDGET})")
    analyse_.add_argument("--json", action="store_true", help="de kaart als JSON")
    schema = commands.add_parser("schema", help="toon het JSON Schema van regelbestanden, voor editors")
    schema.add_argument("-o", "--output", type=Path, metavar="BESTAND", help="schrijf het naar een bestand")
    schema.add_argument("--case", action="store_true", help="in plaats daarvan het JSON Schema van een casusbestand")
    recheck = commands.add_parser("recheck", help="beslis een bewaarde uitkomst opnieuw en zeg of die nog klopt")
    recheck.add_argument("outcome", type=Path, metavar="uitkomst",
                         help="de bewaarde uitkomst (JSON van decide --json); - leest standaardinvoer")
    recheck.add_argument("--framework", metavar="KADER", help="een geïnstalleerd kader of een regelbestand "
                                                              "(standaard: het geïnstalleerde kader dat de uitkomst "
                                                              "noemt)")
    recheck.add_argument("--postcodes", type=Path, metavar="TABEL", help=_POSTCODES)
    recheck.add_argument("--json", action="store_true", help="de vergelijking als JSON")
    kaders = commands.add_parser("kaders", help="toon de geïnstalleerde kaders met hun versie en periode")
    kaders.add_argument("--json", action="store_true", help="de lijst als JSON")
    return parser


def main(argv: list[str] | None = None, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = cast(TextIO, Stream(stdout or sys.stdout, text.STDOUT))
    err = cast(TextIO, Stream(stderr or sys.stderr, text.STDERR))
    try:
        said = _Said(out, err)
        try:
            args = _parser(said).parse_args(argv)
        except SystemExit as exit_:  # --help, or a usage error
            status = int(exit_.code or 0)
            if status and said.complaint and "--json" in (sys.argv[1:] if argv is None else argv):
                json_error(argparse.Namespace(json=True), out, "bad-arguments", said.complaint)
        else:
            try:
                status = _COMMANDS[args.command](args, out, err)
            except EngineUnavailableError as error:
                err.write(f"wiebetaalt: {error}\n")
                json_error(args, out, "engine-unavailable", str(error))
                status = 2
        out.flush()  # a full disk or a closed pipe shows here, not in a traceback at exit
        return status
    except WriteFailed as failed:
        if failed.stream == text.STDERR:
            if stderr is None:
                to_null(sys.stderr)  # nowhere left to say it
            return 2
        with Quiet():
            err.write(f"{text.cannot_write_stream(failed.stream, failed.error)}\n")
        if stdout is None:
            to_null(sys.stdout)
        return 2
