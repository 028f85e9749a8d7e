"""The meaning pass: every funder, rule, route and case field a rule file names exists, every value
fits its field, versions of a rule do not overlap, and overrides do not go round in a circle.

It reads the raw data defensively (the structure pass reports wrong types), so that one run finds
every problem. Problems are worded in Dutch for the person who edits the file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from ..errors import CaseError, Problem, did_you_mean
from ..model.case import CASE_FIELDS, parse_case
from ..model.conditions import OPERATORS, condition_kind
from ..model.fields import FieldType
from ..model.framework import OUTCOME_PLACEHOLDERS, PLACEHOLDER
from ..model.text import find_invisible
from .sources import Source
from .yaml import Path

#: what the items of each list of a rule file are called
_ITEM = {"funders": "betaler", "rules": "regel", "routes": "route"}


def holds(ftype: FieldType) -> str:
    """What a case field holds, in Dutch: ``een geheel getal``, ``een van: ja, nee``."""
    if ftype.value_type == "enum":
        return "een van: " + ", ".join(ftype.values)
    return {"bool": "true of false", "int": "een geheel getal", "str": "tekst", "date": "een datum (JJJJ-MM-DD)"}[
        ftype.value_type]


class Checker:
    """The meaning pass: cross references and field types, on the raw data, defensively."""

    def __init__(self, document: Source) -> None:
        self.doc = document
        self.data: dict[str, Any] = document.data
        self.problems: list[Problem] = []

    def problem(self, path: Path, code: str, message: str, hint: str = "", *, key: bool = False) -> None:
        place = self.doc.place(path, key=key)
        self.problems.append(Problem(place.file, place.line, place.column, code, message, hint, path))

    def visible(self, value: Any, path: Path) -> None:
        """Text that reaches a terminal holds no control or invisible characters (an escape
        sequence, a zero width space), only line breaks and tabs; YAML's escapes can write them."""
        stack = [(value, path)]
        while stack:
            value, path = stack.pop()
            if isinstance(value, dict):
                stack.extend((item, (*path, key)) for key, item in value.items())
            elif isinstance(value, list):
                stack.extend((item, (*path, i)) for i, item in enumerate(value))
            elif isinstance(value, str) and not value.isprintable():
                found = find_invisible(value.replace("\n", " ").replace("\t", " "))
                if found is not None:
                    index, char, _ = found
                    self.problem(path, "invalid-value",
                                 f"de tekst bevat een onzichtbaar teken of stuurteken (U+{ord(char):04X}) op "
                                 f"positie {index + 1}", "haal het weg; een terminal of spreadsheet zou erop reageren")

    def items(self, key: str) -> list[tuple[Path, dict[str, Any]]]:
        value = self.data.get(key)
        if not isinstance(value, list):
            return []
        return [((key, i), item) for i, item in enumerate(value) if isinstance(item, dict)]

    def ids(self, key: str) -> dict[str, Path]:
        found: dict[str, Path] = {}
        versions: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
        for path, item in self.items(key):
            ident = item.get("id")
            if not isinstance(ident, str):
                continue
            same_file = ident in found and self.doc.place(found[ident]).file == self.doc.place(path).file
            if key == "rules" and same_file:
                # versions of one rule share its id, each in force in its own period
                clash = next((p for p, other in versions[ident] if _overlap(other, item)), None)
                if clash is not None:
                    first = self.doc.place(clash + ("id",))
                    self.problem(path + ("id",), "overlapping-versions",
                                 f"twee versies van regel {ident!r} gelden op dezelfde dagen",
                                 f"de andere begint op {first.file}:{first.line}; geef elke versie een eigen "
                                 "valid_from/valid_to, de volgende begint waar de vorige eindigt")
                versions[ident].append((path, item))
                continue
            versions[ident] = [(path, item)]
            if ident in found:
                first = self.doc.place(found[ident] + ("id",))
                hint = f"eerst op {first.file}:{first.line}; een id mag maar één keer voorkomen"
                if not same_file and key == "rules":
                    hint += ("; om een regel van de basis te veranderen: geef de uwe een eigen id en noem de andere "
                             "onder overrides")
                self.problem(path + ("id",), "duplicate-id", f"{_ITEM[key]}-id {ident!r} komt twee keer voor", hint)
            else:
                found[ident] = path
        return found

    def reference(self, path: Path, value: Any, known: Iterable[str], what: str, code: str) -> None:
        """``value`` names a declared item (a funder, route, rule or domain)."""
        if not isinstance(value, str):
            return
        known = list(known)
        if value in known:
            return
        suggestion = did_you_mean(value, known)
        hint = (f"{suggestion} " if suggestion else "") + f"bekend: {', '.join(sorted(known)) or 'geen'}"
        unknown = "onbekend" if what == "domein" else "onbekende"  # het domein; de betaler, route, regel
        self.problem(path, code, f"{unknown} {what} {value!r}", hint)

    def run(self) -> list[Problem]:
        self.visible(self.data, ())
        funders = self.ids("funders")
        rules = self.ids("rules")
        routes = self.ids("routes")
        precedence = self.data.get("precedence")
        domains = [d for d in precedence if isinstance(d, str)] if isinstance(precedence, list) else []
        if len(set(domains)) != len(domains):
            self.problem(("precedence",), "duplicate-id", "een domein staat twee keer in precedence")
        self.reference(("default_route",), self.data.get("default_route"), routes, "route", "unknown-route")
        for path, route in self.items("routes"):
            self.reference(path + ("interim_funder",), route.get("interim_funder"), funders, "betaler", "unknown-funder")
        sources: dict[str, Path] = {}
        # ids of the wrong type are reported by the structure pass; here they would not even hash
        split_funders = {f.get("id") for _, f in self.items("funders")
                         if f.get("split") is not None and isinstance(f.get("id"), str)}
        for path, funder in self.items("funders"):
            self.split(path + ("split",), funder.get("split"), funders, split_funders)
            party = funder.get("party")
            for i, source in enumerate(party if isinstance(party, list) else []):
                if not isinstance(source, dict):
                    continue
                spath = path + ("party", i)
                ident = source.get("id")
                if isinstance(ident, str):
                    if ident in sources or ident in rules:
                        self.problem(spath + ("id",), "duplicate-id", f"partijbron-id {ident!r} komt twee keer voor",
                                     "regels en partijbronnen delen één verzameling ids")
                    sources[ident] = spath
                self.condition(spath + ("when",), source.get("when"))
                self.party_field(spath + ("field",), source.get("field"))
                self.period(spath, source)
                self.placeholders(spath + ("explanation",), source.get("explanation"))
        for path, rule in self.items("rules"):
            self.reference(path + ("domain",), rule.get("domain"), domains, "domein", "unknown-domain")
            self.reference(path + ("funder",), rule.get("funder"), funders, "betaler", "unknown-funder")
            self.reference(path + ("suggested_funder",), rule.get("suggested_funder"), funders, "betaler", "unknown-funder")
            self.reference(path + ("route",), rule.get("route"), routes, "route", "unknown-route")
            self.reference(path + ("interim_funder",), rule.get("interim_funder"), funders, "betaler", "unknown-funder")
            overrides = rule.get("overrides")
            for i, target in enumerate(overrides if isinstance(overrides, list) else []):
                self.reference(path + ("overrides", i), target, rules, "regel", "unknown-rule")
            self.condition(path + ("when",), rule.get("when"))
            self.period(path, rule)
            self.placeholders(path + ("explanation",), rule.get("explanation"))
        self.override_cycles(rules)
        override_inversions(self, rules, domains)
        for path, example in self.items("examples"):
            self.example(path, example, funders, rules, routes)
        return self.problems

    def split(self, path: Path, split: Any, funders: dict[str, Path], split_funders: set[Any]) -> None:
        parts = split.get("parts") if isinstance(split, dict) else None
        for i, part in enumerate(parts if isinstance(parts, list) else []):
            if not isinstance(part, dict):
                continue
            ppath = path + ("parts", i)
            self.reference(ppath + ("funder",), part.get("funder"), funders, "betaler", "unknown-funder")
            if isinstance(part.get("funder"), str) and part["funder"] in split_funders:
                self.problem(ppath + ("funder",), "invalid-value", f"betaler {part['funder']!r} is zelf verdeeld",
                             "noem hier de betalers van zijn delen")
            name = part.get("weight_field")
            ftype = self.field_type(ppath + ("weight_field",), name)
            if ftype is not None and ftype.value_type != "int":
                self.problem(ppath + ("weight_field",), "wrong-value-type",
                             f"gewichtsveld {name!r} bevat {holds(ftype)}, geen getal")

    def period(self, path: Path, item: dict[str, Any]) -> None:
        start, end = item.get("valid_from"), item.get("valid_to")
        if isinstance(start, str) and isinstance(end, str) and end <= start:
            self.problem(path + ("valid_to",), "invalid-period", f"valid_to {end} ligt niet na valid_from {start}",
                         "valid_to is de eerste dag waarop de regel niet meer geldt")

    def placeholders(self, path: Path, text: Any) -> None:
        if not isinstance(text, str):
            return
        for match in PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name not in CASE_FIELDS and name not in OUTCOME_PLACEHOLDERS:
                suggestion = did_you_mean(name, [*CASE_FIELDS, *OUTCOME_PLACEHOLDERS], shown=lambda c: f"{{{c}}}")
                self.problem(path, "unknown-placeholder", f"onbekende plaatshouder {{{name}}}",
                             suggestion or "gebruik een casusveld, of {partij}")

    def field_type(self, path: Path, name: Any) -> FieldType | None:
        if not isinstance(name, str):
            return None
        if name in CASE_FIELDS:
            return CASE_FIELDS[name]
        self.problem(path, "unknown-field", f"onbekend casusveld {name!r}",
                     did_you_mean(name, CASE_FIELDS) or "zie docs/case.md voor de casusvelden")
        return None

    def party_field(self, path: Path, name: Any) -> None:
        ftype = self.field_type(path, name)
        if ftype is not None and ftype.value_type != "str":
            self.problem(path, "wrong-value-type", f"partijveld {name!r} bevat {holds(ftype)}, geen partij",
                         "een partijveld is een tekstveld met een gemeente, samenwerkingsverband, schoolbestuur of "
                         "zorgverzekeraar")

    def condition(self, path: Path, node: Any) -> None:
        if isinstance(node, list):
            for i, child in enumerate(node):
                self.condition(path + (i,), child)
            return
        if not isinstance(node, dict):
            return
        shape = condition_kind(node)
        if shape in ("all", "any"):
            children = node.get(shape)
            for i, child in enumerate(children if isinstance(children, list) else []):
                self.condition(path + (shape, i), child)
            return
        if shape == "not":
            self.condition(path + ("not",), node.get("not"))
            return
        ftype = self.field_type(path + ("field",), node.get("field"))
        # the model counts an operator written as null as absent; so must this check
        ops = [op for op in OPERATORS if node.get(op) is not None]
        if ftype is None or len(ops) != 1:
            return
        op = ops[0]
        value = node[op]
        vpath = path + (op,)
        if op == "known":
            return
        if op in ("lt", "lte", "gt", "gte") and ftype.value_type not in ("int", "date"):
            self.problem(vpath, "operator-type",
                         f"{op} vergelijkt getallen of datums, en {node['field']} bevat {holds(ftype)}",
                         "gebruik eq, ne, in of not_in")
            return
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            self.value(vpath + ((i,) if isinstance(value, list) else ()), str(node["field"]), ftype, item, op)

    def value(self, path: Path, name: str, ftype: FieldType, value: Any, op: str = "eq") -> None:
        fits = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "str": isinstance(value, str),
            "enum": isinstance(value, str),
            "date": isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None,
        }[ftype.value_type]
        if not fits:
            self.problem(path, "wrong-value-type", f"{name} bevat {holds(ftype)}, niet {value!r}")
            return
        if ftype.value_type == "enum" and value not in ftype.values:
            suggestion = did_you_mean(value, ftype.values)
            hint = (f"{suggestion} " if suggestion else "") + "toegestaan: " + ", ".join(ftype.values)
            self.problem(path, "unknown-value", f"{value!r} is geen waarde van {name}", hint)
        if ftype.value_type == "int" and ftype.minimum is not None and ftype.maximum is not None:
            # a bound one past the range is how "every value" is written: lt 31, gt -1
            low = ftype.minimum - (op == "gt")
            high = ftype.maximum + (op == "lt")
            if not low <= value <= high:
                self.problem(path, "unknown-value",
                             f"{name} is nooit {value} (het loopt van {ftype.minimum} tot en met {ftype.maximum})")
        if ftype.value_type == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                self.problem(path, "invalid-date", f"geen geldige datum {value!r}", "schrijf JJJJ-MM-DD")

    def override_cycles(self, rules: dict[str, Path]) -> None:
        graph: dict[str, list[str]] = {}
        for rule_id, path in rules.items():
            targets = self.data["rules"][path[1]].get("overrides")
            graph[rule_id] = [t for t in targets if isinstance(t, str) and t in rules] if isinstance(targets, list) else []
        # depth-first search with colours: each back edge closes one cycle, found in linear time
        colour = dict.fromkeys(graph, 0)  # 0 unseen, 1 on the current path, 2 done
        for start in graph:
            if colour[start]:
                continue
            trail = [start]
            stack = [iter(graph[start])]
            colour[start] = 1
            while stack:
                nxt = next(stack[-1], None)
                if nxt is None:
                    colour[trail.pop()] = 2
                    stack.pop()
                elif colour[nxt] == 1:
                    cycle = trail[trail.index(nxt):] + [nxt]
                    self.problem(rules[nxt] + ("overrides",), "override-cycle",
                                 "regels zetten elkaar in een kring opzij: " + " → ".join(cycle),
                                 "een specifieke regel zet een algemene opzij, nooit andersom")
                elif colour[nxt] == 0:
                    colour[nxt] = 1
                    trail.append(nxt)
                    stack.append(iter(graph[nxt]))

    def example(self, path: Path, example: dict[str, Any], funders: dict[str, Path], rules: dict[str, Path],
                routes: dict[str, Path]) -> None:
        case = example.get("case")
        if isinstance(case, dict):
            try:
                parse_case(case)
            except CaseError as error:
                for problem in error.problems:
                    parts: tuple[str | int, ...] = tuple(problem.field.split(".")) if problem.field else ()
                    self.problem(path + ("case", *parts), "invalid-example-case",
                                 f"casusveld {problem.field or '(casus)'} van het voorbeeld: {problem.message}",
                                 f"verwacht {problem.expected}" if problem.expected else "",
                                 key=problem.code == "unknown-field")
        expect = example.get("expect")
        if not isinstance(expect, dict):
            return
        self.reference(path + ("expect", "funder"), expect.get("funder"), funders, "betaler", "unknown-funder")
        self.reference(path + ("expect", "route"), expect.get("route"), routes, "route", "unknown-route")
        expected_rules = expect.get("rules")
        for i, rule_id in enumerate(expected_rules if isinstance(expected_rules, list) else []):
            self.reference(path + ("expect", "rules", i), rule_id, rules, "regel", "unknown-rule")
        facts = expect.get("missing_facts")
        for i, fact in enumerate(facts if isinstance(facts, list) else []):
            self.field_type(path + ("expect", "missing_facts", i), fact)


def override_inversions(checker: Checker, rules: dict[str, Path], precedence: list[str]) -> None:
    """Report a rule that sets aside, directly or through a chain of ``overrides``, a rule of a
    stelsel that ``precedence`` puts before its own: overrides are transitive, so such a chain
    turns voorliggendheid round (a Wmo rule would beat the Wlz)."""
    rank = {domain: i for i, domain in enumerate(precedence)}
    domain: dict[str, str] = {}
    graph: dict[str, list[str]] = {}
    for _, rule in checker.items("rules"):
        ident = rule.get("id")
        if not isinstance(ident, str) or ident not in rules:
            continue
        if isinstance(rule.get("domain"), str):
            domain.setdefault(ident, rule["domain"])
        targets = rule.get("overrides")
        # every version of a rule counts: in its own period each one's overrides apply
        graph.setdefault(ident, []).extend(
            t for t in (targets if isinstance(targets, list) else []) if isinstance(t, str) and t in rules)
    for ident, path in rules.items():
        own = rank.get(domain.get(ident, ""))
        if own is None:
            continue
        # breadth first, so that the shortest chain to each rule is the one shown; a cycle ends it
        trail: dict[str, list[str]] = {ident: [ident]}
        queue, inverted, cyclic = [ident], [], False
        while queue:
            current = queue.pop(0)
            for target in graph.get(current, []):
                cyclic = cyclic or target == ident
                if target in trail:
                    continue
                trail[target] = [*trail[current], target]
                queue.append(target)
                higher = rank.get(domain.get(target, ""))
                if higher is not None and higher < own:
                    inverted.append(target)
        # a rule on a circle of overrides is reported once, as override-cycle
        for target in [] if cyclic else inverted:
            via = trail[target][1:-1]
            checker.problem(
                path + ("overrides",), "override-inverts-precedence",
                f"regel {ident!r} (domein {domain[ident]}) zet " + (f"via {' → '.join(via)} " if via else "")
                + f"regel {target!r} (domein {domain[target]}) opzij, terwijl {domain[target]} in "
                f"precedence vóór {domain[ident]} gaat",
                "schrijf de uitzondering in de voorwaarde (when) van de regel uit het hogere stelsel, "
                "of laat de regel alleen regels van het eigen of een lager stelsel opzij zetten")


def _overlap(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two items' [valid_from, valid_to) periods share a day; dates compare as ISO text."""
    def bounds(item: dict[str, Any]) -> tuple[str, str]:
        start, end = item.get("valid_from"), item.get("valid_to")
        return (start if isinstance(start, str) else "0000-00-00", end if isinstance(end, str) else "9999-99-99")

    (a_start, a_end), (b_start, b_end) = bounds(one), bounds(other)
    return a_start < b_end and b_start < a_end
