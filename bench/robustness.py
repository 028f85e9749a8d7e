"""Robustness, measured (issue part 4): bad input gets the documented errors, never anything else.

Four parts, each printed with its counts and elapsed time:

1. rule files: generated and mutated frameworks (wrong types, unknown and missing keys, deep
   nesting, huge files, aliases, tags, alias bombs, bytes that are not UTF-8, byte flips of the real
   rules/landelijk.yaml, overlays, random conditions and examples, ...). Loading must give a
   Framework or a FrameworkError whose problems are all located in the file; a framework that loads
   must decide its examples and generated cases. Never another exception, never a hang.
2. cases: generated and malformed cases (random JSON-like values, wrong types, extra keys, huge
   strings, deep nesting, non-mappings, ...) through parse_case, Engine.decide, prepare and
   decide_many: an Outcome or a CaseError, never another exception.
3. threads: many threads deciding at once on one Engine give exactly the outcomes of a serial run.
4. memory: a long run of decisions (and of engines built and closed) keeps the RSS flat.

Parts 1 and 2 run in worker processes watched by this one: an input that takes longer than
``--bound`` seconds is a hang (the worker is killed and restarted after that input), a worker that
dies is a crash. Parts 3 and 4 each run in a fresh process. Every input is generated from
``--seed`` and its number, so a run is repeatable, and ``--show rule-file:N`` (or ``case:N``)
rebuilds one input (a rule file is left in a temporary folder) and runs it here, where an
unexpected exception shows its traceback.

    python bench/robustness.py [--rule-files 10000] [--cases 100000] [--decisions 1000000]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import datetime as dt
import itertools
import multiprocessing as mp
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import types
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import yaml

from wiebetaalt import Case, CaseError, Engine, EvaluationError, FrameworkError, Problem, check_framework, parse_case
from wiebetaalt.model.case import CASE_FIELDS
from wiebetaalt.load.loader import load_framework
from wiebetaalt.model.conditions import OPERATORS
from wiebetaalt.model.framework import Framework
from wiebetaalt.decision.outcome import Decision, Escalation

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT / "rules" / "landelijk.yaml"
SMALL = [ROOT / "docs" / "voorbeeld" / name for name in ("basis.yaml", "regio.yaml", "gaten.yaml")]
OVERLAYS = [ROOT / "rules" / "regio" / name for name in ("waterweg.yaml", "heuvelland.yaml")]
CODES = set(re.findall(r"^## ([a-z][a-z-]+)$", (ROOT / "docs" / "errors.md").read_text(encoding="utf-8"), re.M))
MUNICIPALITIES = ["Schiedam", "Vlaardingen", "Maassluis", "Rotterdam", "Delft"]
MIB = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# Random values


WEIRD_TEXT = [
    "", " ", "\t", "ä", "–", "𝕏", "😀", "\u200b", "\u202e", "e\u0301", "\ufeff", "\x00", "\x85", "\u2028",
    "\ud800", "\udfff", "%s", "{}", "{kind.brp_gemeente}", "{onbekend}", "'", '"', "\\", "$", "$lt", "*", "&a",
    "!!python/object", "<<", "---", "...", "#", ": ", "- ", "|", ">", "@", "`", "null", "~", "true", "no",
    "1e309", "-0", "0x10", "2025-02-30", "0000-00-00", "9999-12-31", "2025-03-01", "../", "/dev/zero",
]


def random_text(rng: random.Random, longest: int = 40) -> str:
    choice = rng.random()
    if choice < 0.3:
        return rng.choice(WEIRD_TEXT)
    if choice < 0.5:
        return "".join(rng.choice(WEIRD_TEXT) for _ in range(rng.randint(1, 5)))
    if choice < 0.95:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz_-. ") for _ in range(rng.randint(1, longest)))
    return "".join(chr(rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF), rng.randint(0x10000, 0x10FFFF)]))
                   for _ in range(rng.randint(1, longest)))


def random_number(rng: random.Random) -> int | float:
    return rng.choice([0, 1, -1, 7, 30, 31, 2**31, 2**63, 2**64, 10**30, -(10**30), 0.5, -0.0, 1e308,
                       float("inf"), float("-inf"), float("nan"), rng.randint(-1000, 1000), rng.random()])


def random_value(rng: random.Random, depth: int = 0) -> Any:
    """Anything JSON or YAML could hold, nested a few levels."""
    choice = rng.random() if depth < 4 else rng.random() * 0.7
    if choice < 0.25:
        return random_text(rng)
    if choice < 0.4:
        return random_number(rng)
    if choice < 0.5:
        return rng.choice([True, False])
    if choice < 0.6:
        return None
    if choice < 0.8:
        return [random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_key(rng): random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def random_key(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(["id", "name", "when", "funder", "field", "eq", "in", "all", "any", "not", "rules",
                           "examples", "case", "expect", "kind", "school", "hulpvraag", "peildatum", "extends"])
    return random_text(rng, 12)


def wrong_value(rng: random.Random, old: Any) -> Any:
    """A value of another type than ``old``."""
    for _ in range(20):
        value = random_value(rng, 2)
        if type(value) is not type(old):
            return value
    return [old]


def nested(depth: int, kind: str, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


# ---------------------------------------------------------------------------------------------
# Valid and invalid cases


def random_date(rng: random.Random) -> str:
    return (dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(7300))).isoformat()


def field_value(rng: random.Random, path: str) -> Any:
    ftype = CASE_FIELDS[path]
    if ftype.value_type == "bool":
        return rng.random() < 0.5
    if ftype.value_type == "enum":
        return rng.choice(ftype.values)
    if ftype.value_type == "int":
        return rng.randint(ftype.minimum or 0, ftype.maximum if ftype.maximum is not None else 30)
    if ftype.value_type == "date":
        return random_date(rng)
    if path.endswith("postcode"):
        return rng.choice(["3132AB", "3111 XY", "3141CD", "9999ZZ", "2611aa"])
    return rng.choice(MUNICIPALITIES) if "gemeente" in path else rng.choice(["A", "B", "PO Waterweg"])


def valid_case(rng: random.Random, known: float | None = None) -> dict[str, Any]:
    known = rng.random() if known is None else known
    case: dict[str, Any] = {"peildatum": random_date(rng)}
    for path in CASE_FIELDS:
        if path != "peildatum" and rng.random() < known:
            section, name = path.split(".")
            case.setdefault(section, {})[name] = field_value(rng, path)
    return case


def invalid_field_value(rng: random.Random, path: str) -> Any:
    """A value the strict case model must refuse for ``path``."""
    ftype = CASE_FIELDS[path]
    if ftype.value_type == "bool":
        return rng.choice([0, 1, "true", "ja", [], {}, 1.0, "false"])
    if ftype.value_type == "int":
        return rng.choice([True, 1.0, "5", -1, 31 if ftype.maximum == 30 else 8, 10**30, [], float("nan")])
    if ftype.value_type == "enum":
        return rng.choice(["x", 5, True, [], ftype.values[0].upper(), ftype.values[0] + " ", ""])
    if ftype.value_type == "date":
        return rng.choice(["2025-02-30", 20250301, "20250301", "2025-W09", "2025-3-1", dt.datetime(2025, 3, 1), "",
                           "9999-99-99", True])
    if path.endswith("postcode"):
        return rng.choice(["0123AB", "3132 A", 3132, "ABCD12", "x" * 200])
    return rng.choice(["", "   ", "x" * 121, 5, True, [], {"a": 1}, b"bytes"])


def with_value(case: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    case = copy.deepcopy(case)
    if "." in path:
        section, _, name = path.partition(".")
        case.setdefault(section, {})[name] = value
    else:
        case[path] = value
    return case


CASE_KINDS: list[tuple[str, int]] = [
    ("valid", 6), ("wrong-type", 4), ("extra-key", 2), ("no-peildatum", 1), ("random-json", 3), ("huge-string", 1),
    ("deep-nesting", 1), ("not-a-mapping", 1), ("odd-keys", 1), ("odd-text", 2), ("recursive", 1), ("edge-dates", 1),
]
#: kinds that must be refused with a CaseError
MUST_REFUSE = {"wrong-type", "extra-key", "no-peildatum", "huge-string", "deep-nesting", "not-a-mapping", "odd-keys",
               "recursive"}
MUST_DECIDE = {"valid", "edge-dates"}


def schedule(kinds: list[tuple[str, int]]) -> list[str]:
    """Each kind as often as its weight, spread out, so that a short run still tries every kind."""
    slots = [((j + 0.5) / weight, order, kind) for order, (kind, weight) in enumerate(kinds) for j in range(weight)]
    return [kind for _, _, kind in sorted(slots)]


CASE_SCHEDULE = schedule(CASE_KINDS)


def make_case(seed: int, index: int) -> tuple[str, Any]:
    rng = random.Random(f"{seed}:case:{index}")
    kind = CASE_SCHEDULE[index % len(CASE_SCHEDULE)]
    base = valid_case(rng)
    path = rng.choice(list(CASE_FIELDS))
    if kind == "valid":
        return kind, base
    if kind == "wrong-type":
        case = base
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(list(CASE_FIELDS))
            case = with_value(case, path, invalid_field_value(rng, path))
        return kind, case
    if kind == "extra-key":
        where = rng.choice(["", "kind", "school", "hulpvraag"])
        key = rng.choice(["leeftijdd", "brp-gemeente", "Peildatum", "naam", "bsn", "soort ", random_text(rng, 10)])
        if key in CASE_FIELDS or (where and f"{where}.{key}" in CASE_FIELDS) or key in ("kind", "school", "hulpvraag"):
            key += "_x"
        case = copy.deepcopy(base)
        (case.setdefault(where, {}) if where else case)[key] = random_value(rng)
        return kind, case
    if kind == "no-peildatum":
        del base["peildatum"]
        return kind, base
    if kind == "random-json":
        if rng.random() < 0.5:
            return kind, random_value(rng)
        case = {random_key(rng): random_value(rng) for _ in range(rng.randint(0, 5))}
        if rng.random() < 0.7:
            case["peildatum"] = rng.choice([random_date(rng), random_text(rng), random_number(rng)])
        return kind, case
    if kind == "huge-string":
        size = int(10 ** rng.uniform(4, 6.3))  # 10 thousand to 2 million characters
        chunk = random_text(rng, 20) or "x"
        text = (chunk * (size // len(chunk) + 1))[:size]
        if rng.random() < 0.3:
            return kind, with_value(base, rng.choice(["kind", "school", "hulpvraag"]) + "." + text, 1)
        return kind, with_value(base, path, text)
    if kind == "deep-nesting":
        depth = rng.choice([50, 500, 5_000, 20_000])
        value = nested(depth, rng.choice(["list", "dict"]))
        where = rng.random()
        if where < 0.2:
            return kind, value
        if where < 0.4:
            return kind, with_value(base, "onbekend", value)
        if where < 0.6:
            return kind, with_value(base, rng.choice(["kind", "school", "hulpvraag"]), value)
        return kind, with_value(base, path, value)
    if kind == "not-a-mapping":
        return kind, rng.choice([[], [base], "peildatum: 2025-03-01", 5, 1.5, None, True, b"{}", {1, 2}, (1, 2),
                                 object(), Case, types.MappingProxyType(base), iter([base]), frozenset()])
    if kind == "odd-keys":
        case = copy.deepcopy(base)
        (case if rng.random() < 0.5 else case.setdefault("kind", {}))[
            rng.choice([1, None, (1, 2), frozenset({1}), b"peildatum", 1.5, True])] = 1
        return kind, case
    if kind == "odd-text":
        case = copy.deepcopy(base)
        for _ in range(rng.randint(1, 4)):
            path = rng.choice([p for p, t in CASE_FIELDS.items() if t.value_type in ("str", "enum", "date")])
            case = with_value(case, path, "".join(rng.choice(WEIRD_TEXT) for _ in range(rng.randint(1, 6))))
        return kind, case
    if kind == "recursive":
        case = copy.deepcopy(base)
        loop: Any = {} if rng.random() < 0.5 else []
        if isinstance(loop, dict):
            loop["a"] = loop
        else:
            loop.append(loop)
        where = rng.random()
        if where < 0.3:
            case["kind"] = loop
        elif where < 0.6:
            case = with_value(case, path, loop)
        else:
            case["zelf"] = case
        return kind, case
    assert kind == "edge-dates"
    case = copy.deepcopy(base)
    case["peildatum"] = rng.choice(["0001-01-01", "9999-12-31", "2022-01-01", "2021-12-31", "2000-02-29"])
    for date_path in [p for p, t in CASE_FIELDS.items() if t.value_type == "date" and p != "peildatum"]:
        if rng.random() < 0.7:
            case = with_value(case, date_path, rng.choice(["0001-01-01", "9999-12-31", case["peildatum"]]))
    return kind, case


def check_case(engine: Engine, kind: str, case: Any, index: int) -> str:
    """Run one case through one of the public entry points; the class of what came out."""
    how = index % 10
    try:
        if how == 0:
            parse_case(case)
            result = "outcome"
        elif how == 1:
            engine.prepare(case)
            result = "outcome"
        elif index % 499 == 2:
            # decide_many settles a missing-facts escalation (deciding it again for every answer, up to
            # half a second): now and then only
            [only] = list(engine.decide_many([case]))
            if isinstance(only, CaseError):
                raise only
            result = _outcome_class(only)
        else:
            result = _outcome_class(engine.decide(case, settle=index % 997 == 3))
    except CaseError as error:
        if not error.problems or not str(error):
            return "case error without problems"
        return "valid case refused" if kind in MUST_DECIDE else "case-error"
    if kind in MUST_REFUSE:
        return "accepted invalid case"
    return result


def _outcome_class(outcome: object) -> str:
    if not isinstance(outcome, (Decision, Escalation)):
        return f"not an outcome: {type(outcome).__name__}"
    return "outcome"


# ---------------------------------------------------------------------------------------------
# Rule files


@dataclasses.dataclass
class RuleInput:
    kind: str
    files: dict[str, bytes]  # relative path -> content, written into a scratch folder
    target: str


# Weights: how often each kind comes up. A huge file takes seconds, an alias bomb or a mutation of
# the national framework most of one; the rest take milliseconds.
RULE_KINDS: list[tuple[str, int]] = [
    ("wrong-type", 28), ("unknown-key", 20), ("missing-key", 20), ("deep-nesting", 12), ("huge", 1),
    ("aliases", 16), ("tags", 16), ("alias-bomb", 8), ("not-utf8", 16), ("byte-flip-national", 16),
    ("byte-flip-small", 20), ("truncated", 12), ("random-document", 16), ("overlay", 12), ("control-chars", 12),
    ("edge-scalars", 20), ("random-conditions", 32), ("random-examples", 20), ("duplicates", 12),
    ("national-mutated", 8), ("wide-overlay", 12), ("open-together", 8),
]
RULE_SCHEDULE = schedule(RULE_KINDS)
_data_cache: dict[Path, Any] = {}


def base_data(path: Path) -> Any:
    if path not in _data_cache:
        from wiebetaalt.load.yaml import read_yaml

        _data_cache[path] = read_yaml(path.read_text(encoding="utf-8")).data
    return copy.deepcopy(_data_cache[path])


# libyaml's dumper, where PyYAML was built with it, is ten times faster than the Python one
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def dump(data: Any) -> str:
    try:
        return yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=100)
    except UnicodeEncodeError:  # libyaml cannot write a lone surrogate; the Python dumper escapes it
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def node_paths(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from node_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from node_paths(value, (*path, i))


def get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    get(data, path[:-1])[path[-1]] = value
    return data


PLACEHOLDER = "@@PLAATS@@"


def placed(rng: random.Random, data: Any, snippet: str, *, prefix: str = "") -> str:
    """``data`` as YAML with ``snippet`` (flow-style text) at a random node."""
    paths = [p for p in node_paths(data) if p]
    path = rng.choice(paths) if paths else ()
    data = put(data, path, PLACEHOLDER)
    return prefix + dump(data).replace(f"'{PLACEHOLDER}'", snippet).replace(PLACEHOLDER, snippet)


def small_or_national(rng: random.Random, national: float = 0.1) -> Path:
    return NATIONAL if rng.random() < national else rng.choice(SMALL)


def random_condition(rng: random.Random, depth: int = 0) -> Any:
    choice = rng.random()
    if depth < 6 and choice < 0.3:
        key = rng.choice(["all", "any", "not"])
        if key == "not":
            return {"not": random_condition(rng, depth + 1)}
        return {key: [random_condition(rng, depth + 1) for _ in range(rng.randint(0 if rng.random() < 0.05 else 1, 4))]}
    if choice < 0.33:
        return random_value(rng, 3)
    field = rng.choice(list(CASE_FIELDS)) if rng.random() < 0.9 else rng.choice(["kind.naam", "leeftijd", "", "kind"])
    ops = [rng.choice(OPERATORS)] if rng.random() < 0.93 else rng.sample([*OPERATORS, "is", "matches"], rng.randint(0, 3))
    atom: dict[str, Any] = {"field": field}
    for op in ops:
        if field in CASE_FIELDS and rng.random() < 0.7:
            value: Any = field_value(rng, field) if op != "known" else rng.random() < 0.5
            if op in ("in", "not_in"):
                value = [field_value(rng, field) for _ in range(rng.randint(1, 4 if rng.random() < 0.95 else 200))]
        else:
            value = random_value(rng, 2)
        atom[op] = value
    return atom


def random_example(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    funders = [f.get("id") for f in data.get("funders", []) if isinstance(f, dict)] or ["x"]
    rules = [r.get("id") for r in data.get("rules", []) if isinstance(r, dict)] or ["x"]
    case: Any = valid_case(rng)
    if rng.random() < 0.2:
        path = rng.choice(list(CASE_FIELDS))
        case = with_value(case, path, invalid_field_value(rng, path))
    elif rng.random() < 0.1:
        case = random_value(rng)
    expect: dict[str, Any] = {}
    if rng.random() < 0.5:
        expect["funder"] = rng.choice([*funders, random_text(rng)])
    if rng.random() < 0.5:
        expect["escalation"] = rng.choice(["no_rule", "conflict", "grey_zone", "missing_facts", random_text(rng)])
    for key, make in [("entity", lambda: random_text(rng)), ("rules", lambda: rng.sample(rules, min(len(rules), 2))),
                      ("missing_facts", lambda: rng.sample(list(CASE_FIELDS), 2)), ("legal_basis", lambda: "art."),
                      ("shares", lambda: {random_text(rng): rng.choice(["50%", "1/3", "0%", "120%", "x", 5])}),
                      ("route", lambda: random_text(rng))]:
        if rng.random() < 0.15:
            expect[key] = make()
    example: dict[str, Any] = {"name": random_text(rng) if rng.random() < 0.9 else random_value(rng),
                               "case": _plain(case), "expect": expect}
    return example


def _plain(value: Any) -> Any:
    """A generated case as YAML can write it (the odd Python objects of make_case become text)."""
    if isinstance(value, dict):
        return {k if isinstance(k, (str, int, bool)) or k is None else str(k): _plain(v) for k, v in value.items()
                if v is not value}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value if v is not value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def make_rule_file(seed: int, index: int) -> RuleInput:
    rng = random.Random(f"{seed}:rule-file:{index}")
    kind = RULE_SCHEDULE[index % len(RULE_SCHEDULE)]
    name = f"kader-{index}.yaml"

    def text_input(text: str | bytes, target: str = name, **more: bytes) -> RuleInput:
        raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
        return RuleInput(kind, {target: raw, **more}, target)

    if kind in ("wide-overlay", "open-together"):
        return make_wide_overlay(rng, kind, name)
    if kind in ("wrong-type", "national-mutated"):
        source = NATIONAL if kind == "national-mutated" else small_or_national(rng, 0.05)
        data = base_data(source)
        paths = [p for p in node_paths(data) if p]
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths)
            data = put(data, path, wrong_value(rng, get(data, path)))
            paths = [p for p in node_paths(data) if p]
        return text_input(dump(data))
    if kind == "unknown-key":
        data = base_data(small_or_national(rng, 0.05))
        mappings = [p for p in node_paths(data) if isinstance(get(data, p), dict)]
        for _ in range(rng.randint(1, 3)):
            target = get(data, rng.choice(mappings))
            keys = list(target) or ["x"]
            typo = rng.choice(keys)
            key = rng.choice([typo.replace("_", "-"), typo.upper(), typo[:-1] or "x", typo + "s", "<<", "ä",
                              random_text(rng, 10) or "x", "funder_", "extends"])
            if key not in target:
                target[key] = random_value(rng, 2)
        return text_input(dump(data))
    if kind == "missing-key":
        data = base_data(small_or_national(rng, 0.05))
        for _ in range(rng.randint(1, 3)):
            paths = [p for p in node_paths(data) if p]
            path = rng.choice(paths)
            parent = get(data, path[:-1])
            if rng.random() < 0.2 and isinstance(get(data, path), list):
                get(data, path).clear()
            else:
                del parent[path[-1]]
        return text_input(dump(data))
    if kind == "deep-nesting":
        depth = rng.choice([10, 24, 49, 50, 51, 100, 1_000, 10_000, 100_000])
        style = rng.choice(["flow-list", "flow-map", "block-map", "block-list", "condition"])
        data = base_data(rng.choice(SMALL))
        if style == "flow-list":
            return text_input(placed(rng, data, "[" * depth + "x" + "]" * depth))
        if style == "flow-map":
            return text_input(placed(rng, data, "{a: " * depth + "x" + "}" * depth))
        if style == "condition":
            rule = rng.choice(data["rules"])
            rule["when"] = PLACEHOLDER
            return text_input(dump(data).replace(f"'{PLACEHOLDER}'", nested_condition(rng, min(depth, 1000))))
        depth = min(depth, 2_000)  # block style is quadratic in size: every level indents further
        step = "- " if style == "block-list" else "a:"
        lines = [("  " * i if style == "block-map" else " " * i) + step for i in range(depth)]
        return text_input(dump(data) + "diep:\n" + "\n".join(" " + line for line in lines) + " x\n")
    if kind == "huge":
        size = int(10 ** rng.uniform(5.3, 7))  # 0.2 to 10 million characters
        variant = rng.choice(["rules", "scalar", "examples", "comments", "keys"])
        data = base_data(rng.choice(SMALL))
        if variant == "scalar":
            data["title"] = ("groot " * (size // 6 + 1))[:size]
            return text_input(dump(data))
        if variant == "comments":
            text = dump(data)
            return text_input(("# " + "commentaar " * 8 + "\n") * (size // 90 + 1) + text)
        if variant == "keys":
            text = dump(data)
            return text_input(text + "veel:\n" + "".join(f"  k{i}: {i}\n" for i in range(size // 12 + 1)))
        key = "rules" if variant == "rules" else "examples"
        items = data.get(key) or [{}]
        one = len(dump(items))
        copies = []
        for i in range(size // max(one, 1) + 1):
            for item in items:
                item = copy.deepcopy(item)
                if isinstance(item, dict) and "id" in item:
                    item["id"] = f"{item['id']}-{i}"
                copies.append(item)
        data[key] = copies
        return text_input(dump(data))
    if kind == "aliases":
        data = base_data(rng.choice(SMALL))
        variant = rng.choice(["shared", "recursive", "merge", "undefined", "duplicate-anchor", "alias-key", "deep-loop"])
        if variant == "shared":
            rules = data["rules"]
            for rule in rules[1:]:
                rule["legal_basis"] = rules[0]["legal_basis"]
            data["examples"] = data.get("examples", []) + data.get("examples", [])
            return text_input(dump(data))  # PyYAML writes the shared lists as an anchor and aliases
        snippets = {
            "recursive": "&lus [a, *lus]",
            "merge": "{<<: *anker, id: samengevoegd}",
            "undefined": "*nergens",
            "duplicate-anchor": "[&anker x, &anker y]",
            "alias-key": "{*anker : waarde}",
            "deep-loop": "&buiten {a: {b: [1, {c: *buiten}]}}",
        }
        return text_input(placed(rng, data, snippets[variant], prefix="ankers: &anker {id: anker, x: 1}\n"))
    if kind == "tags":
        data = base_data(rng.choice(SMALL))
        tag = rng.choice([
            "!!python/object/apply:os.system ['echo boem']", "!!python/name:os.system ''",
            "!!python/object:wiebetaalt.Engine {}", "!!binary aGFsbG8=", "!!set {a: null, b: null}",
            "!!omap [{a: 1}, {b: 2}]", "!!pairs [[a, 1]]", "!!timestamp 2025-01-01", "!mijntag waarde",
            "!<tag:yaml.org,2002:str> tekst", "!!str 5", "!!int 5", "!!int 0x1F", "!!float 1.5", "!!bool true",
            "!!bool yes", "!!null ''", "!!map {a: 1}", "!!seq [1]", "!!str [1, 2]", "!!int tekst", "! x",
            "!!python/tuple [1, 2]", "!e!tag x",
        ])
        prefix = "%TAG !e! tag:voorbeeld.nl,2025:\n---\n" if "!e!" in tag else ""
        if rng.random() < 0.1:
            return text_input(prefix + "!!python/object:os.system\n" + dump(data))
        return text_input(placed(rng, data, tag, prefix=prefix))
    if kind == "alias-bomb":
        width, depth = rng.randint(2, 12), rng.randint(3, 10)
        lines = ["l0: &l0 [" + ", ".join(["lol"] * width) + "]"]
        lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, depth)]
        if rng.random() < 0.3:  # one large anchored list, aliased many times: quadratic rather than exponential
            lines = ["l0: &l0 [" + ", ".join(["x"] * 2000) + "]", f"l{depth - 1}: [" + ", ".join(["*l0"] * 2000) + "]"]
        data = base_data(rng.choice(SMALL))
        return text_input(placed(rng, data, f"*l{depth - 1}", prefix="bom:\n" + "".join(f"  {x}\n" for x in lines)))
    if kind == "not-utf8":
        raw = bytearray(small_or_national(rng, 0.1).read_bytes())
        variant = rng.choice(["bytes", "latin-1", "utf-16", "utf-32", "surrogate", "overlong", "cut", "bom"])
        text = raw.decode("utf-8")
        if variant == "bytes":
            for _ in range(rng.randint(1, 5)):
                raw.insert(rng.randrange(len(raw) + 1), rng.randint(0x80, 0xFF))
            return text_input(bytes(raw))
        if variant == "latin-1":
            return text_input((text + "\ntoelichting: é ü ë –\n").encode("cp1252", "replace"))
        if variant in ("utf-16", "utf-32"):
            return text_input(text.encode(variant))
        if variant == "surrogate":
            at = rng.randrange(len(text))
            return text_input((text[:at] + "\ud800" + text[at:]).encode("utf-8", "surrogatepass"))
        if variant == "overlong":
            at = rng.randrange(len(raw))
            return text_input(bytes(raw[:at]) + b"\xc0\xaf" + bytes(raw[at:]))
        if variant == "cut":
            multibyte = [i for i, b in enumerate(raw) if b >= 0xC0]
            at = rng.choice(multibyte) + 1 if multibyte else len(raw)
            return text_input(bytes(raw[:at]))
        return text_input(b"\xef\xbb\xbf" + bytes(raw))
    if kind in ("byte-flip-national", "byte-flip-small"):
        source = NATIONAL if kind == "byte-flip-national" else rng.choice([*SMALL, *OVERLAYS])
        raw = bytearray(source.read_bytes())
        for _ in range(rng.choice([1, 1, 1, 2, 3, 8])):
            at = rng.randrange(len(raw))
            how = rng.random()
            if how < 0.4:
                raw[at] ^= 1 << rng.randrange(8)
            elif how < 0.7:
                raw[at] = rng.randrange(256)
            elif how < 0.8:
                del raw[at]
            elif how < 0.9:
                raw.insert(at, raw[at])
            else:
                other = rng.randrange(len(raw))
                raw[at], raw[other] = raw[other], raw[at]
        target = f"regio/{name}" if source in OVERLAYS else name  # an overlay extends ../landelijk.yaml
        return text_input(bytes(raw), target)
    if kind == "truncated":
        raw = small_or_national(rng, 0.1).read_bytes()
        return text_input(raw[: rng.randrange(len(raw))])
    if kind == "random-document":
        if rng.random() < 0.3:
            return text_input(dump(random_value(rng)))
        data = {"schema_version": rng.choice([1, 2, "1", None])}
        for key in rng.sample(["framework", "title", "version", "precedence", "default_route", "routes", "funders",
                               "rules", "examples", "extends", random_text(rng)], rng.randint(0, 6)):
            data[key] = random_value(rng)
        return text_input(dump(data))
    if kind == "overlay":
        return make_overlay(rng, name)
    if kind == "control-chars":
        text = small_or_national(rng, 0.1).read_text(encoding="utf-8")
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            char = chr(rng.choice([*range(0, 9), 11, 12, *range(14, 32), 0x7F, *range(0x80, 0xA0), 0xFFFE, 0xFFFF,
                                   0x2028, 0x2029, 0xFEFF]))
            text = text[:at] + char + text[at:]
        return text_input(text)
    if kind == "edge-scalars":
        data = base_data(small_or_national(rng, 0.05))
        paths = [p for p in node_paths(data) if p and not isinstance(get(data, p), (dict, list))]
        path = rng.choice(paths)
        edge = rng.choice([
            '"\\ud800"', '"\\udcff\\ud800"', '"a\\x00b"', '"\\uffff"', '"\\U0010FFFF"', '"\\x85"', "''", "' '",
            "1e309", "-0", "99999999999999999999999999999", "0.0000001", "-1", "2025-02-30", "0000-01-01",
            "9999-12-31", "2025-1-1", "~", ".nan", ".inf", "0o17", "0x1F", "1_000", "12:30", "yes", "No",
            "'" + "x" * rng.choice([121, 1000, 100_000]) + "'", "[]", "{}", '"\\t\\n"', "'{onbekend}'",
            "'{kind.brp_gemeente}{'", "'%(x)s'", "\"\\\\\"",
        ])
        data = put(data, path, PLACEHOLDER)
        return text_input(dump(data).replace(f"'{PLACEHOLDER}'", edge).replace(PLACEHOLDER, edge))
    if kind == "random-conditions":
        data = base_data(small_or_national(rng, 0.1))
        rules = [r for r in data.get("rules", []) if isinstance(r, dict)]
        for rule in rng.sample(rules, rng.randint(1, min(3, len(rules)))):
            rule["when"] = random_condition(rng)
            if rng.random() < 0.2:
                rule["overrides"] = rng.sample([r.get("id") for r in rules], min(2, len(rules)))
            if rng.random() < 0.2:
                rule["valid_from"], rule["valid_to"] = random_date(rng), rng.choice([random_date(rng), None])
        if rng.random() < 0.1 and isinstance(data.get("precedence"), list):
            data["precedence"] = rng.sample(data["precedence"] * 2, len(data["precedence"]))
        return text_input(dump(data))
    if kind == "random-examples":
        data = base_data(rng.choice(SMALL))
        data["examples"] = [random_example(rng, data) for _ in range(rng.randint(1, 6))]
        return text_input(dump(data))
    assert kind == "duplicates"
    data = base_data(small_or_national(rng, 0.05))
    lines = dump(data).splitlines(keepends=True)
    if rng.random() < 0.5:
        at = rng.randrange(len(lines))
        lines.insert(at, lines[at])
        return text_input("".join(lines))
    for key in ("rules", "funders", "routes", "examples"):
        items = data.get(key)
        if isinstance(items, list) and items:
            items.append(copy.deepcopy(rng.choice(items)))
    return text_input(dump(data))


def nested_condition(rng: random.Random, depth: int) -> str:
    """A condition nested ``depth`` levels of all/any/not, as flow-style YAML (a dumper would recurse)."""
    condition = "{field: hulpvraag.soort, eq: jeugdhulp}"
    for i in range(depth):
        key = rng.choice(["all", "any", "not"])
        condition = f"{{not: {condition}}}" if key == "not" else f"{{{key}: [{condition}, {{field: kind.leeftijd, lt: {i + 1}}}]}}"
    return condition


def make_overlay(rng: random.Random, name: str) -> RuleInput:
    target = f"regio/{name}"
    variant = rng.choice(["real-mutated", "real-mutated", "missing-base", "itself", "cycle", "folder", "not-text",
                          "broken-base", "not-utf8-base", "device", "absolute", "precedence", "small-base"])
    if variant == "real-mutated":
        data = base_data(rng.choice(OVERLAYS))
        paths = [p for p in node_paths(data) if p and p != ("extends",)]
        for _ in range(rng.randint(1, 2)):
            path = rng.choice(paths)
            data = put(data, path, wrong_value(rng, get(data, path)))
            paths = [p for p in node_paths(data) if p and p != ("extends",)]
        return RuleInput("overlay", {target: dump(data).encode()}, target)
    overlay = {"schema_version": 1, "framework": "overlay", "extends": "basis.yaml", "title": "Overlay", "version": "1",
               "examples": [{"name": "Eigen voorbeeld", "case": {"peildatum": "2025-03-01",
                             "kind": {"brp_gemeente": "Schiedam"}, "hulpvraag": {"soort": "jeugdhulp"}},
                             "expect": {"funder": "gemeente"}}]}
    files: dict[str, bytes] = {"regio/basis.yaml": SMALL[0].read_bytes()}
    extends: Any = {
        "missing-base": "bestaat-niet.yaml", "itself": name, "cycle": "ander.yaml", "folder": "../regio",
        "not-text": rng.choice([5, ["basis.yaml"], {"a": 1}, None, True]), "broken-base": "kapot.yaml",
        "not-utf8-base": "latin.yaml", "device": "/dev/zero", "absolute": str(NATIONAL), "precedence": "basis.yaml",
        "small-base": "basis.yaml",
    }[variant]
    overlay["extends"] = extends
    if variant == "cycle":
        files["regio/ander.yaml"] = dump({**overlay, "extends": name}).encode()
    if variant == "broken-base":
        files["regio/kapot.yaml"] = (ROOT / "docs" / "voorbeeld" / "kapot.yaml").read_bytes()
    if variant == "not-utf8-base":
        files["regio/latin.yaml"] = SMALL[0].read_text(encoding="utf-8").encode("utf-16")
    if variant == "precedence":
        overlay["precedence"] = ["jeugdwet"]
    if variant == "small-base" and rng.random() < 0.5:
        overlay["rules"] = [{"id": "eigen", "title": "Eigen regel", "domain": "jeugdwet", "funder": "gemeente",
                             "when": random_condition(rng), "legal_basis": [{"citation": "x", "url": "https://x.nl"}],
                             "explanation": "x"}]
    files[target] = dump(overlay).encode()
    return RuleInput("overlay", files, target)


SOORTEN = CASE_FIELDS["hulpvraag.soort"].values
#: atoms that hold or stay open while their field is missing, as realistic regional rules write them
OPEN_ATOMS: list[Callable[[random.Random], dict[str, Any]]] = [
    lambda rng: {"field": "school.gemeente", "ne": rng.choice(MUNICIPALITIES)},
    lambda rng: {"field": "kind.brp_gemeente", "eq": rng.choice(MUNICIPALITIES)},
    lambda rng: {"field": "kind.leeftijd", rng.choice(["lt", "gte"]): rng.randint(1, 25)},
    lambda rng: {"field": rng.choice(["kind.wlz_indicatie", "kind.verblijf", "kind.co_ouderschap"]),
                 "known": rng.random() < 0.3},
    lambda rng: {"field": "hulpvraag.soort", "in": rng.sample(SOORTEN, rng.randint(1, 4))},
    lambda rng: {"field": "school.soort", "ne": rng.choice(CASE_FIELDS["school.soort"].values)},
    lambda rng: {"field": "kind.brp_inschrijfdatum", "gte": random_date(rng)},
]


def make_wide_overlay(rng: random.Random, kind: str, name: str) -> RuleInput:
    """A regional overlay of many rules on the national framework, as real regions write them: one
    rule per school or per municipality ("wide-overlay"), or rules that all stay open while a fact
    is missing ("open-together"). Such rules open together on a sparse case; a framework too wide
    for durable's walk crashed the process."""
    target = f"regio/{name}"
    count = rng.randint(50, 400) if kind == "wide-overlay" else rng.randint(30, 200)
    shape = rng.choice(["school", "municipality", "dated"])
    rules: list[dict[str, Any]] = []
    for i in range(count):
        if kind == "open-together":
            parts = [rng.choice(OPEN_ATOMS)(rng) for _ in range(rng.randint(1, 3))]
            when: Any = parts[0] if len(parts) == 1 else {rng.choice(["all", "any"]): parts}
            if rng.random() < 0.2:
                when = {"not": when}
        elif shape == "municipality":
            when = {"all": [{"field": "kind.brp_gemeente", "eq": f"Gemeente {i}"},
                            {"field": "hulpvraag.soort", "in": rng.sample(SOORTEN, rng.randint(1, 3))}]}
        else:
            when = {"all": [{"field": "school.gemeente", "eq": f"G{i}"},
                            {"field": "hulpvraag.soort", "eq": rng.choice(SOORTEN)}]}
        rule: dict[str, Any] = {
            "id": f"r{i}", "title": f"Regionale afspraak {i}", "domain": rng.choice(["jeugdwet", "onderwijs"]),
            "funder": rng.choice(["schoolgemeente", "woonplaatsgemeente", "swv_school", "schoolbestuur"]),
            "when": when, "legal_basis": [{"citation": "Regionaal convenant", "url": "https://example.org/r"}],
            "explanation": "Zo is het in de regio afgesproken."}
        if shape == "dated" and rng.random() < 0.5:
            rule["valid_from"] = random_date(rng)
        rules.append(rule)
    overlay = {"schema_version": 1, "framework": "breed", "extends": "../landelijk.yaml", "title": "Brede regio",
               "version": "1", "rules": rules}
    return RuleInput(kind, {"landelijk.yaml": NATIONAL.read_bytes(), target: dump(overlay).encode()}, target)


def lines_of(path: Path) -> int:
    try:
        with path.open("rb") as stream:
            return len(re.findall(rb"\r\n|\r|\n", stream.read(4_000_001))) + 1
    except OSError:
        return 1


def check_rule_file(item: RuleInput, scratch: Path, index: int) -> list[str]:
    """Load one generated rule file; the classes of what happened (several when the file loads)."""
    for relative, content in item.files.items():
        (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
        (scratch / relative).write_bytes(content)
    target = scratch / item.target
    try:
        try:
            framework = load_framework(target)
        except FrameworkError as error:
            found = _unlocated(error.problems, scratch)
            if not error.problems:
                return ["framework error without problems"]
            if found:
                return [found]
            if index % 10 == 0 and check_framework(target) != list(error.problems):
                return ["check_framework and load_framework disagree"]
            return ["problems"]
        if index % 10 == 0 and check_framework(target) != []:
            return ["check_framework and load_framework disagree"]
        return ["loaded", *decide_loaded(framework, index)]
    finally:
        for relative in item.files:
            (scratch / relative).unlink(missing_ok=True)


def _unlocated(problems: tuple[Problem, ...], scratch: Path) -> str:
    lines: dict[str, int] = {}
    for problem in problems:
        if problem.code not in CODES and problem.code != "unreadable-file":
            return f"undocumented problem code {problem.code}"
        if not isinstance(problem.file, str) or not problem.file or problem.line < 1 or problem.column < 1:
            return "problem without a location"
        if problem.file not in lines:
            lines[problem.file] = lines_of(Path(problem.file)) if Path(problem.file).is_file() else 0
        if lines[problem.file] and problem.line > lines[problem.file]:
            return "problem located beyond the end of its file"
    return ""


def decide_loaded(framework: Framework, index: int) -> list[str]:
    """A framework that loads decides its examples and generated cases: outcomes, nothing else."""
    rng = random.Random(f"loaded:{index}")
    found: list[str] = []
    try:
        engine = Engine(framework)
    except EvaluationError as error:
        # documented, but a file that loads should also build: a gap of the loader
        return [f"loaded framework refused by the engine: {str(error)[:120]}"]
    with engine:
        for example in framework.examples:
            try:
                engine.decide(example.case, settle=False)
            except (CaseError, EvaluationError) as error:
                found.append(f"loaded framework fails on its own example: {type(error).__name__}")
        # sparse cases open the most rules at once (the walk that once crashed durable); the chunked
        # path of decide_many holds many of them in one pass
        generated = [valid_case(rng) for _ in range(10)] + [valid_case(rng, known) for known in (0.0, 0.0, 0.1, 0.3)]
        for case in generated:
            try:
                engine.decide(case, settle=False)
            except (CaseError, EvaluationError) as error:
                found.append(f"loaded framework fails on a valid case: {type(error).__name__}")
        try:
            list(engine.decide_many(generated * 3, settle=False, chunk_size=20))
        except EvaluationError:
            found.append("loaded framework fails on a chunk of valid cases: EvaluationError")
        if engine.abandoned:
            found.append("durable failed inside a loaded framework")
    return found or ["decided"]


# ---------------------------------------------------------------------------------------------
# Running inputs in watched worker processes


@dataclasses.dataclass
class Tally:
    tried: Counter[str] = dataclasses.field(default_factory=Counter)  # per kind
    results: Counter[tuple[str, str]] = dataclasses.field(default_factory=Counter)  # (kind, result)
    failures: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)  # (index, kind, what)
    spent: Counter[str] = dataclasses.field(default_factory=Counter)  # seconds per kind
    slowest: tuple[float, int, str] = (0.0, -1, "")
    seconds: float = 0.0

    def add(self, other: Tally) -> None:
        self.tried.update(other.tried)
        self.results.update(other.results)
        self.spent.update(other.spent)
        self.failures += other.failures
        self.slowest = max(self.slowest, other.slowest)

    def count(self, result: str) -> int:
        return sum(n for (_, r), n in self.results.items() if r == result)


GOOD = {"problems", "loaded", "decided", "case-error", "outcome"}


class BenchBug(Exception):
    """Making an input failed: a fault of this script, not of the library."""


def run_one(part: str, seed: int, index: int, state: dict[str, Any]) -> tuple[str, list[str]]:
    if part == "watcher-selftest":  # inputs that hang or crash on purpose, for tests/test_robustness.py
        if index == 3:
            time.sleep(3600)
        if index == 6:
            os.abort()
        return "selftest", ["outcome"]
    try:
        made: Any = make_rule_file(seed, index) if part == "rule-files" else make_case(seed, index)
    except Exception as error:
        raise BenchBug(f"{type(error).__name__}: {error}") from error
    if part == "rule-files":
        return made.kind, check_rule_file(made, state["scratch"], index)
    kind, case = made
    return kind, [check_case(state["engine"], kind, case, index)]


def run_range(part: str, seed: int, indices: Iterable[int], state: dict[str, Any], progress: Any = None) -> Tally:
    tally = Tally()
    for index in indices:
        if progress is not None:
            progress[0], progress[1] = index, time.monotonic()
        start = time.perf_counter()
        kind = "?"
        try:
            kind, results = run_one(part, seed, index, state)
        except BaseException as error:  # noqa: BLE001 - what this bench is looking for
            if isinstance(error, KeyboardInterrupt):
                raise
            kind = kind if kind != "?" else _kind(part, index)
            if isinstance(error, BenchBug):
                results = [f"bench bug (not the library's) {str(error)[:120]}"]
            else:
                last = traceback.extract_tb(error.__traceback__)[-1]
                results = [f"unhandled {type(error).__name__}: {str(error)[:120]} "
                           f"({Path(last.filename).name}:{last.lineno})"]
        took = time.perf_counter() - start
        tally.tried[kind] += 1
        tally.spent[kind] += took
        for result in results:
            tally.results[(kind, result if result in GOOD else "failure")] += 1
            if result not in GOOD:
                tally.failures.append((index, kind, result))
        tally.slowest = max(tally.slowest, (took, index, kind))
    return tally


def _kind(part: str, index: int) -> str:
    if part == "watcher-selftest":
        return "selftest"
    kinds = RULE_SCHEDULE if part == "rule-files" else CASE_SCHEDULE
    return kinds[index % len(kinds)]


def _state(part: str, scratch: Path) -> dict[str, Any]:
    if part == "rule-files":
        scratch.mkdir(parents=True, exist_ok=True)
        (scratch / "regio").mkdir(exist_ok=True)
        shutil.copy(NATIONAL, scratch / "landelijk.yaml")  # what a mutated overlay extends
        shutil.copy(SMALL[0], scratch / "basis.yaml")
        return {"scratch": scratch}
    if part == "cases":
        return {"engine": Engine(load_framework(NATIONAL))}
    return {}


def _worker(part: str, seed: int, scratch: str, conn: Connection, progress: Any) -> None:
    state = _state(part, Path(scratch))
    conn.send(("ready", None))
    while True:
        task = conn.recv()
        if task is None:
            return
        start, stop = task
        conn.send(("done", (start, stop, run_range(part, seed, range(start, stop), state, progress))))


@dataclasses.dataclass
class _Running:
    process: Any
    conn: Connection
    progress: Any
    task: tuple[int, int] | None = None
    ready: bool = False


def supervise(part: str, count: int, *, seed: int, workers: int, bound: float, chunk: int,
              indices: Iterable[int] | None = None) -> Tally:
    """Run inputs 0..count-1 of ``part`` (or only ``indices``) in ``workers`` processes; a hang or a
    crash costs one input."""
    started = time.perf_counter()
    total = Tally()
    todo: deque[tuple[int, int]] = (deque((i, min(i + chunk, count)) for i in range(0, count, chunk))
                                    if indices is None else deque((i, i + 1) for i in indices))
    context = mp.get_context("spawn")
    scratch_root = Path(tempfile.mkdtemp(prefix="wiebetaalt-robustness-"))
    serial = itertools.count()

    def start_worker() -> _Running:
        progress = context.Array("d", [-1.0, 0.0], lock=False)
        parent, child = context.Pipe()
        process = context.Process(target=_worker, daemon=True,
                                  args=(part, seed, str(scratch_root / f"w{next(serial)}"), child, progress))
        process.start()
        child.close()
        return _Running(process, parent, progress)

    def lost(running: _Running, what: str) -> None:
        # the input being worked on is the one that hung or crashed; the rest of its chunk runs again
        assert running.task is not None
        start, stop = running.task
        index = int(running.progress[0]) if start <= running.progress[0] < stop else start
        total.tried[_kind(part, index)] += 1
        total.results[(_kind(part, index), what)] += 1
        total.failures.append((index, _kind(part, index), what))
        todo.extendleft(r for r in [(index + 1, stop), (start, index)] if r[0] < r[1])
        running.process.kill()
        running.process.join()

    pool = [start_worker() for _ in range(max(1, workers))]
    try:
        while todo or any(r.task for r in pool):
            for running in pool:
                if running.ready and running.task is None and todo:
                    running.task = todo.popleft()
                    running.progress[0], running.progress[1] = -1.0, time.monotonic()
                    running.conn.send(running.task)
            wait([r.conn for r in pool], timeout=0.2)
            for i, running in enumerate(pool):
                try:
                    while running.conn.poll():
                        message, payload = running.conn.recv()
                        if message == "ready":
                            running.ready = True
                        else:
                            total.add(payload[2])
                            running.task = None
                except (EOFError, OSError):
                    pass
                if not running.process.is_alive():
                    if running.task is None and not running.ready:
                        raise RuntimeError(f"a {part} worker could not start (exit code {running.process.exitcode})")
                    if running.task is not None:
                        lost(running, f"crash (exit code {running.process.exitcode})")
                    pool[i] = start_worker()
                elif running.task is not None and running.progress[0] >= 0 and (
                        time.monotonic() - running.progress[1] > bound):
                    lost(running, f"hang (over {bound:g} s)")
                    pool[i] = start_worker()
    finally:
        for running in pool:
            try:
                running.conn.send(None)
            except OSError:
                pass
        for running in pool:
            running.process.join(timeout=5)
            if running.process.is_alive():
                running.process.kill()
        shutil.rmtree(scratch_root, ignore_errors=True)
    total.seconds = time.perf_counter() - started
    return total


def run_in_process(part: str, indices: Iterable[int], *, seed: int) -> Tally:
    """The same inputs, in this process without a watcher (for the test suite)."""
    scratch = Path(tempfile.mkdtemp(prefix="wiebetaalt-robustness-"))
    try:
        started = time.perf_counter()
        tally = run_range(part, seed, indices, _state(part, scratch))
        tally.seconds = time.perf_counter() - started
        return tally
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Threads and memory, each in a fresh process


def some_cases(seed: int, count: int, least_known: float = 0.0) -> list[Any]:
    """Valid cases knowing at least ``least_known`` of the facts, and one in twenty of another kind."""
    rng = random.Random(f"{seed}:pool:{least_known}")
    cases: list[Any] = []
    for i in range(count):
        if i % 20 == 19:
            cases.append(make_case(seed, rng.randrange(10**6))[1])
        else:
            cases.append(valid_case(rng, rng.uniform(least_known, 1.0)))
    return cases


def _key(engine: Engine, case: Any, settle: bool) -> Any:
    try:
        return engine.decide(case, settle=settle)
    except CaseError as error:
        return ("CaseError", str(error))


def threads_part(seed: int, threads: int, cases_per_thread: int) -> dict[str, Any]:
    """Every thread decides the same cases in its own order on one engine; compare with a serial run."""
    started = time.perf_counter()
    engine = Engine(load_framework(NATIONAL))
    cases = some_cases(seed, cases_per_thread)
    # settling decides the case again under the same lock, so a few cases take that path too
    settle = {i for i in range(len(cases)) if i % 500 == 7}
    serial = [_key(engine, case, i in settle) for i, case in enumerate(cases)]
    mismatches = [0] * threads
    errors: list[str] = []
    barrier = threading.Barrier(threads)

    def work(number: int) -> None:
        order = list(range(len(cases)))
        random.Random(f"{seed}:thread:{number}").shuffle(order)
        barrier.wait()
        for i in order:
            try:
                if _key(engine, cases[i], i in settle) != serial[i]:
                    mismatches[number] += 1
            except BaseException as error:  # noqa: BLE001
                errors.append(f"{type(error).__name__}: {error}")

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to interleave them as much as possible
    try:
        pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    engine.close()
    return {"threads": threads, "decisions": threads * len(cases), "serial": len(cases), "settled": len(settle),
            "mismatches": sum(mismatches), "errors": errors, "seconds": time.perf_counter() - started}


def rss() -> int:
    """Resident memory of this process in bytes, from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def memory_part(seed: int, decisions: int, engines: int) -> dict[str, Any]:
    """RSS over a long run of decisions on one engine, and over engines built and closed."""
    framework = load_framework(NATIONAL)
    engine = Engine(framework)
    # mostly known facts, as in practice: a case that leaves many facts open takes a millisecond or
    # more to resolve, which would make a million decisions take too long to be run at all
    cases = some_cases(seed, min(5000, max(100, decisions // 20)), least_known=0.7)
    started = time.perf_counter()
    samples: list[tuple[int, int]] = [(0, rss())]
    step = max(1, decisions // 20)
    for n in range(1, decisions + 1):
        try:
            engine.decide(cases[n % len(cases)], settle=False)
        except CaseError:
            pass
        if n % step == 0 or n == decisions:
            samples.append((n, rss()))
    engine.close()
    after_tenth = next((r for n, r in samples if n >= decisions // 10), samples[-1][1])
    decide_seconds = time.perf_counter() - started
    engine_samples: list[int] = []
    for n in range(engines):
        Engine(framework).close()
        if n == engines // 10 or n == engines - 1:
            engine_samples.append(rss())
    quarters = [next(r for n, r in samples if n >= decisions * q // 4) for q in (1, 2, 3)]
    return {"decisions": decisions, "start": after_tenth, "end": samples[-1][1], "quarters": quarters,
            "max": max(r for _, r in samples), "first": samples[0][1], "seconds": decide_seconds,
            "engines": engines, "engine_start": engine_samples[0] if engine_samples else 0,
            "engine_end": engine_samples[-1] if engine_samples else 0,
            "engine_seconds": time.perf_counter() - started - decide_seconds}


def _child(target: Callable[..., dict[str, Any]], args: tuple[Any, ...], conn: Connection) -> None:
    conn.send(target(*args))


def in_fresh_process(target: Callable[..., dict[str, Any]], *args: Any, timeout: float) -> dict[str, Any]:
    """``target(*args)`` in a new process; a crash or a timeout is reported, not raised."""
    context = mp.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(target, args, child), daemon=True)
    process.start()
    child.close()
    if parent.poll(timeout):
        try:
            result: dict[str, Any] = parent.recv()
        except EOFError:  # the process died before it could answer
            process.join()
            return {"crash": f"exit code {process.exitcode}"}
        process.join()
        return result
    process.kill()
    process.join()
    return {"crash": f"no answer within {timeout:g} s"}


# ---------------------------------------------------------------------------------------------
# Report


def print_tally(title: str, tally: Tally, columns: list[str], bound: float, out: Any = sys.stdout) -> None:
    total = sum(tally.tried.values())
    print(f"{title}: {total} tried in {tally.seconds:.1f} s; slowest {tally.slowest[0]:.2f} s "
          f"(#{tally.slowest[1]}, {tally.slowest[2]}); hang bound {bound:g} s", file=out)
    width = max(len(k) for k in tally.tried) if tally.tried else 4
    print("  " + "kind".ljust(width) + "".join(f"{c:>12}" for c in ["tried", *columns, "failures", "ms each"]),
          file=out)
    for kind in sorted(tally.tried, key=lambda k: -tally.tried[k]):
        row = [tally.tried[kind], *(tally.results[(kind, c)] for c in columns), tally.results[(kind, "failure")]]
        each = f"{tally.spent[kind] / tally.tried[kind] * 1000:.1f}"
        print("  " + kind.ljust(width) + "".join(f"{n:>12}" for n in row) + f"{each:>12}", file=out)
    failures = Counter(what.split(":")[0] if what.startswith("unhandled") else what for _, _, what in tally.failures)
    for what in ("unhandled", "hang", "crash"):
        print(f"  {_label(what)}: {sum(n for w, n in failures.items() if w.startswith(what))}", file=out)
    others = {w: n for w, n in failures.items() if not w.startswith(("unhandled", "hang", "crash"))}
    print(f"  other failures (wrong result class): {sum(others.values())}"
          + (f" {dict(others)}" if others else ""), file=out)
    for index, kind, what in tally.failures[:15]:
        print(f"    #{index} ({kind}): {what}", file=out)
    if len(tally.failures) > 15:
        print(f"    ... and {len(tally.failures) - 15} more", file=out)


def _label(what: str) -> str:
    return {"unhandled": "unhandled exceptions", "hang": "hangs/timeouts", "crash": "crashes"}[what]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rule-files", type=int, default=10_000, help="generated rule files (default 10000)")
    parser.add_argument("--cases", type=int, default=100_000, help="generated cases (default 100000)")
    parser.add_argument("--decisions", type=int, default=1_000_000, help="decisions for the memory run (default 1000000)")
    parser.add_argument("--engines", type=int, default=300, help="engines built and closed for the memory run")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--thread-cases", type=int, default=2500, help="cases each thread decides (default 2500)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="worker processes for parts 1 and 2")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--bound", type=float, default=30.0, help="seconds after which one input counts as a hang")
    parser.add_argument("--show", metavar="PART:N", help="rebuild input N of rule-file or case and run it here")
    args = parser.parse_args(argv)
    if args.show:
        return show(args.show, args.seed)

    print(f"wiebetaalt robustness: seed {args.seed}, {args.workers} worker processes, Python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores")
    started = time.perf_counter()
    bad = 0
    if args.rule_files:
        tally = supervise("rule-files", args.rule_files, seed=args.seed, workers=args.workers, bound=args.bound, chunk=10)
        print_tally("rule files", tally, ["problems", "loaded", "decided"], args.bound)
        bad += len(tally.failures)
    if args.cases:
        tally = supervise("cases", args.cases, seed=args.seed, workers=args.workers, bound=args.bound, chunk=500)
        print_tally("cases", tally, ["case-error", "outcome"], args.bound)
        bad += len(tally.failures)
    if args.threads and args.thread_cases:
        result = in_fresh_process(threads_part, args.seed, args.threads, args.thread_cases, timeout=3600)
        if "crash" in result:
            print(f"threads: crash ({result['crash']})")
            bad += 1
        else:
            print(f"threads: {result['threads']} threads on one engine decided the same {result['serial']} cases each "
                  f"({result['decisions']} decisions, {result['settled']} of the cases settled) in "
                  f"{result['seconds']:.1f} s")
            print(f"  mismatches with the serial run: {result['mismatches']}")
            print(f"  exceptions in threads: {len(result['errors'])}" + (f" {result['errors'][:3]}" if result['errors'] else ""))
            print("  crashes: 0")
            bad += result["mismatches"] + len(result["errors"])
    if args.decisions:
        result = in_fresh_process(memory_part, args.seed, args.decisions, args.engines, timeout=7200)
        if "crash" in result:
            print(f"memory: crash ({result['crash']})")
            bad += 1
        else:
            growth = (result["end"] - result["start"]) / MIB
            print(f"memory: {result['decisions']} decisions on one engine in {result['seconds']:.1f} s "
                  f"({result['seconds'] / result['decisions'] * 1e6:.0f} µs each)")
            print(f"  RSS after 10%: {result['start'] / MIB:.1f} MiB, at the end: {result['end'] / MIB:.1f} MiB, "
                  f"growth {growth:+.1f} MiB (before the first decision {result['first'] / MIB:.1f} MiB, "
                  f"highest {result['max'] / MIB:.1f} MiB)")
            print("  RSS at 25%, 50%, 75%: " + ", ".join(f"{r / MIB:.1f} MiB" for r in result["quarters"]))
            if result["engines"]:
                print(f"  {result['engines']} engines built and closed in {result['engine_seconds']:.1f} s: RSS after "
                      f"10% {result['engine_start'] / MIB:.1f} MiB, at the end {result['engine_end'] / MIB:.1f} MiB, "
                      f"growth {(result['engine_end'] - result['engine_start']) / MIB:+.1f} MiB")
    print(f"total: {time.perf_counter() - started:.1f} s, {bad} failure(s)")
    return 1 if bad else 0


def show(which: str, seed: int) -> int:
    part, _, number = which.partition(":")
    index = int(number)
    if part == "rule-file":
        item = make_rule_file(seed, index)
        folder = Path(tempfile.mkdtemp(prefix="wiebetaalt-robustness-"))
        _state("rule-files", folder)
        for relative, content in item.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(content)
        print(f"rule file #{index} ({item.kind}): {folder / item.target} ({len(item.files[item.target])} bytes)")
        try:
            print(load_framework(folder / item.target).framework, "loads")
        except FrameworkError as error:
            print(error)
        return 0
    kind, case = make_case(seed, index)
    print(f"case #{index} ({kind}): {str(case)[:500]}")
    engine = Engine(load_framework(NATIONAL))
    try:
        print(engine.decide(case, settle=False))
    except CaseError as error:
        print(error)
    return 0


if __name__ == "__main__":
    sys.exit(main())
