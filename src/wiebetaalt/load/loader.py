"""Rule file → :class:`~wiebetaalt.model.framework.Framework`, or every problem in it at once.

Three passes, each adding located problems: strict YAML (:mod:`wiebetaalt.load.yaml`), the structure
(the pydantic models of :mod:`wiebetaalt.model.framework`), and the meaning (every funder, rule, route and
field a rule names exists; every value fits its field; no override cycle). A file that loads
has passed all three, so the engine never meets an unknown name.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import types
from collections.abc import Iterable, Iterator
from pathlib import Path as FilePath
from dataclasses import dataclass
from typing import Annotated, Any, Protocol, Union, get_args, get_origin

from pydantic import BaseModel, Discriminator, ValidationError
from pydantic_core import ErrorDetails

from .yaml import MAX_CHARS, Document, Path, read_file, read_yaml, shown
from ..model.framework import All, AnyOf, Atom, Not
from .bundled import bundled_frameworks, is_name
from ..model.case import CASE_FIELDS, FieldType, find_invisible, parse_case
from ..engine.compiler import compile_framework
from ..engine.durable import build_error
from ..errors import CaseError, FrameworkError, Problem
from ..model.framework import OPERATORS, OUTCOME_PLACEHOLDERS, PLACEHOLDER, Example, Framework, condition_kind

#: More bytes than this cannot be MAX_CHARS characters of UTF-8.
MAX_BYTES = 4 * MAX_CHARS

_PYDANTIC_CODES = {
    "missing": "missing-key",
    "extra_forbidden": "unknown-key",
    "literal_error": "invalid-value",
    "enum": "invalid-value",
    "url_parsing": "invalid-url",
    "url_scheme": "invalid-url",
    "url_type": "invalid-url",
    "string_pattern_mismatch": "invalid-value",
    "too_short": "empty-list",
    "string_too_short": "empty-text",
    "string_too_long": "invalid-value",
    "union_tag_invalid": "wrong-type",
}


def load_framework(path: str | FilePath) -> Framework:
    """Load and fully check one rule file.

    Raises:
        FrameworkError: with every problem in the file, each located (see docs/errors.md).
    """
    framework, problems = _load(FilePath(path))
    if problems or framework is None:
        raise FrameworkError(problems)
    return framework


def check_framework(path: str | FilePath) -> list[Problem]:
    """Every problem in one rule file, sorted by position; an empty list means it loads."""
    return sorted(_load(FilePath(path))[1])


def inherited_examples(path: str | FilePath) -> list[Example]:
    """The examples of the file at ``path`` and of every framework it extends, the base's first.

    An overlay's own examples cover only what it adds; the national rules it carries are covered
    by the national examples. A base that does not load contributes nothing (loading the overlay
    reports it).
    """
    chain: list[Example] = []
    seen: set[FilePath] = set()
    current: FilePath | None = FilePath(path)
    while current is not None and _real(current) not in seen:
        seen.add(_real(current))
        try:
            framework = load_framework(current)
        except FrameworkError:
            break
        chain[:0] = framework.examples
        current = (current.parent / framework.extends) if framework.extends else None
    return chain


def rule_files(paths: Iterable[str | FilePath]) -> list[FilePath]:
    """The rule files named by ``paths``: files as given, folders searched for ``*.yaml``/``*.yml``."""
    found: list[FilePath] = []
    for entry in map(FilePath, paths):
        if entry.is_dir():
            found.extend(sorted(p for p in entry.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file()))
        else:
            found.append(entry)
    return found


def _load(path: FilePath, stack: tuple[FilePath, ...] = ()) -> tuple[Framework | None, list[Problem]]:
    framework, problems, _ = _load_source(path, stack)
    return framework, problems


def _load_source(path: FilePath, stack: tuple[FilePath, ...]) -> tuple[Framework | None, list[Problem], _Source | None]:
    name = str(path)
    try:
        # bounded, so that a huge file is refused instead of filling memory; a FIFO or a device
        # (`extends: /dev/zero`) is refused unread, as reading it may wait or go on forever
        raw = read_file(path, MAX_BYTES)
    except OSError as error:
        return None, [Problem(name, 1, 1, "unreadable-file", error.strerror or str(error))], None
    if len(raw) > MAX_BYTES:
        return None, [Problem(name, 1, 1, "yaml-too-large", f"the file has more than {MAX_CHARS} characters",
                              "split the framework")], None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [Problem(name, line, column, "encoding", "the file is not valid UTF-8", "save it as UTF-8")], None
    document = read_yaml(text)
    problems = [Problem(name, i.mark.line, i.mark.column, i.code, i.message, i.hint) for i in document.issues]
    if document.data is None and not problems:
        return None, [Problem(name, 1, 1, "empty-file", "the file holds no framework")], None
    if not isinstance(document.data, dict):
        if document.data is not None:
            problems.append(Problem(name, 1, 1, "wrong-type", "a rule file is a mapping of keys (schema_version, rules, …)"))
        return None, problems, None
    file = _File(name, document, hashlib.sha256(raw).hexdigest())
    source: _Source = file
    if isinstance(document.data.get("extends"), str):
        layered = _extend(path, file, stack, problems)
        if layered is None:
            return None, problems, None
        source = layered
    framework: Framework | None = None
    try:
        framework = Framework.model_validate(source.data)
    except ValidationError as error:
        problems.extend(_structure_problems(source, error))
    else:
        layers: dict[str, int] = {}
        for rule, layer in zip(framework.rules, _rule_layers(source)):
            layers[rule.id] = min(layer, layers.get(rule.id, layer))
        framework._layers = layers
        framework._sources = tuple(_source_files(source))
    problems.extend(_Checker(source).run())
    if framework is not None and not problems:
        # durable refuses some conditions that are fine as data; say so here, at their line
        try:
            compiled = compile_framework(framework)
        except FrameworkError as error:
            for found in error.problems:
                place = source.place(found.path, key=True)
                problems.append(Problem(place.file, place.line, place.column, found.code, found.message, found.hint,
                                        found.path))
        else:
            refused = build_error(compiled)
            if refused:
                place = source.place(("rules",), key=True)
                problems.append(Problem(
                    place.file, place.line, place.column, "engine-limit",
                    f"durable_rules cannot build this framework: {refused}",
                    "durable has fixed limits, such as at most 256 rules that start with the same test; merge "
                    "rules with the same funder into one rule with `in:` or `any:`", ("rules",)))
    return (framework if not problems else None), _unique(problems), source


#: Keys whose lists an overlay adds to; the other keys of an overlay replace the base's.
_LAYERED_LISTS = ("routes", "funders", "rules")
#: Keys an overlay may not set: the order of the laws is national, not regional.
_NATIONAL_ONLY = ("precedence",)


def _extend(path: FilePath, overlay: _File, stack: tuple[FilePath, ...], problems: list[Problem]) -> _Layered | None:
    """Put ``overlay`` on the framework it extends, or add the reason it cannot be done."""
    target = overlay.document.data["extends"]
    here = overlay.place(("extends",))
    try:
        if is_name(target):  # `extends: landelijk` names an installed framework (wiebetaalt kaders)
            installed = bundled_frameworks()
            if target not in installed:
                close = difflib.get_close_matches(target, list(installed), n=1)
                problems.append(Problem(here.file, here.line, here.column, "invalid-base",
                                        f"no installed framework is called {target!r}",
                                        (f"did you mean {close[0]!r}? " if close else "")
                                        + f"installed: {', '.join(installed)}; or name a file, such as {target}.yaml"))
                return None
            base_path = _real(installed[target])
        else:
            base_path = _real(path.parent / target)
    except (OSError, ValueError) as error:  # a NUL byte or a lone surrogate is no file name
        problems.append(Problem(here.file, here.line, here.column, "invalid-base",
                                f"extends {target!r} is not a usable path: {error}", "name the rule file it builds on"))
        return None
    if base_path == _real(path) or base_path in stack:
        problems.append(Problem(here.file, here.line, here.column, "invalid-base",
                                f"extends {target!r} leads back to this file", "an overlay extends a base, never itself"))
        return None
    _, base_problems, base = _load_source(base_path, (*stack, _real(path)))
    if base_problems or base is None:
        first = base_problems[0] if base_problems else None
        if first is not None and first.code == "unreadable-file":
            problems.append(Problem(here.file, here.line, here.column, "invalid-base",
                                    f"the framework it extends, {target!r}, cannot be read: {first.message}",
                                    f"the path is taken from the folder of this file: {base_path}"))
            return None
        problems.append(Problem(
            here.file, here.line, here.column, "invalid-base",
            f"the framework it extends, {target!r}, does not load ({len(base_problems)} problem(s))"
            + (f"; first: {first}" if first else ""),
            f"run `wiebetaalt check {base_path}`"))
        return None
    for key in _NATIONAL_ONLY:
        if key in overlay.document.data:
            at = overlay.place((key,), key=True)
            problems.append(Problem(at.file, at.line, at.column, "invalid-base",
                                    f"an overlay may not set {key!r}; it keeps the {key} of {target!r}",
                                    "remove the key from the overlay"))
    return _Layered(base, overlay)


def _real(path: FilePath) -> FilePath:
    # realpath, unlike Path.resolve on Python 3.11, leaves a symlink loop as it is instead of
    # raising RuntimeError: reading the file then reports it as a problem like any unreadable file
    return FilePath(os.path.realpath(path))


def _source_files(source: _Source) -> list[tuple[str, str]]:
    """(file name, SHA-256 of its bytes) of every file ``source`` is made of, the base-most first."""
    if isinstance(source, _Layered):
        return [*_source_files(source.base), *_source_files(source.overlay)]
    assert isinstance(source, _File)
    return [(source.name, source.sha256)]


def _rule_layers(source: _Source) -> list[int]:
    """For each rule of ``source``, in order: 0 for the base-most file, one more for each overlay."""
    if isinstance(source, _Layered):
        below = _rule_layers(source.base)
        depth = 1 + (max(below) if below else 0)
        return below + [depth] * (len(source.data["rules"]) - len(below))
    rules = source.data.get("rules")
    return [0] * (len(rules) if isinstance(rules, list) else 0)


@dataclass(frozen=True)
class _Place:
    file: str
    line: int
    column: int


class _Source(Protocol):
    """Framework data with each path traced to the file and position it was written at."""

    data: dict[str, Any]

    def place(self, path: Path, *, key: bool = False) -> _Place: ...


class _File:
    """One rule file."""

    def __init__(self, name: str, document: Document, sha256: str) -> None:
        self.name = name
        self.sha256 = sha256
        self.document = document
        self.data: dict[str, Any] = document.data

    def place(self, path: Path, *, key: bool = False) -> _Place:
        mark = self.document.mark(path, key=key)
        return _Place(self.name, mark.line, mark.column)


class _Layered:
    """An overlay merged onto the framework it extends; a path leads back to the file it came from.

    The lists of routes, funders and rules are the base's followed by the overlay's; the examples
    are the overlay's own (the base's are tested with the base); other keys the overlay sets
    replace the base's.
    """

    def __init__(self, base: _Source, overlay: _File) -> None:
        self.base = base
        self.overlay = overlay
        self.offsets: dict[str, int] = {}
        data = dict(base.data)
        data["examples"] = []
        for key, value in overlay.data.items():
            below = base.data.get(key)
            if key in _LAYERED_LISTS and isinstance(value, list) and isinstance(below, list):
                self.offsets[key] = len(below)
                data[key] = [*below, *value]
            else:
                data[key] = value
        self.data = data

    def place(self, path: Path, *, key: bool = False) -> _Place:
        if not path:
            return self.overlay.place(path, key=key)
        head = path[0]
        if head in self.offsets and len(path) > 1 and isinstance(path[1], int):
            index = path[1] - self.offsets[head]
            if index < 0:
                return self.base.place(path, key=key)
            return self.overlay.place((head, index, *path[2:]), key=key)
        if head in self.overlay.data or head == "examples":
            return self.overlay.place(path, key=key)
        return self.base.place(path, key=key)


def _overlap(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two items' [valid_from, valid_to) periods share a day; dates compare as ISO text."""
    def bounds(item: dict[str, Any]) -> tuple[str, str]:
        start, end = item.get("valid_from"), item.get("valid_to")
        return (start if isinstance(start, str) else "0000-00-00", end if isinstance(end, str) else "9999-99-99")

    (a_start, a_end), (b_start, b_end) = bounds(one), bounds(other)
    return a_start < b_end and b_start < a_end


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    result = []
    for p in problems:
        key = (p.line, p.column, p.code, p.message)
        if key not in seen:
            seen.add(key)
            result.append(p)
    return result


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path:
    """The part of a pydantic ``loc`` that exists in the data (tags and union members skipped)."""
    path: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
    return tuple(path)


def _model_keys(path: Path, data: Any) -> list[str]:
    """The keys allowed in the mapping at ``path``, found by walking the models along the data."""
    annotation: Any = Framework
    node = data
    for part in path:
        kind, inner = _resolve(annotation, node)
        if isinstance(part, int) and kind == "list":
            annotation = inner
        elif isinstance(part, str) and kind == "model":
            info = next((f for n, f in inner.model_fields.items() if (f.alias or n) == part), None)
            if info is None:
                return []
            annotation = info.annotation
        else:
            return []
        node = node[part]
    kind, inner = _resolve(annotation, node)
    return [f.alias or n for n, f in inner.model_fields.items()] if kind == "model" else []


def _resolve(annotation: Any, node: Any) -> tuple[str, Any]:
    """("model", class), ("list", item annotation) or ("other", None) for an annotation at a node."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            if any(isinstance(x, Discriminator) for x in args[1:]):
                if isinstance(node, list):  # a bare list under `when:` means all
                    return "list", annotation
                kinds: dict[str, type[BaseModel]] = {"all": All, "any": AnyOf, "not": Not}
                return "model", kinds.get(condition_kind(node), Atom)
            annotation = args[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            annotation = members[0]
        elif origin in (list, tuple):
            return "list", get_args(annotation)[0]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return "model", annotation
        else:
            return "other", None


def _structure_problems(document: _Source, error: ValidationError) -> Iterator[Problem]:
    by_place: dict[tuple[Path, str], list[ErrorDetails]] = {}
    for item in error.errors(include_url=False):
        path = _data_path(document.data, item["loc"])
        code = item["type"] if "-" in item["type"] else _PYDANTIC_CODES.get(item["type"], "wrong-type")
        if code == "unknown-key":
            # the extra key is the last part of loc; the parts before it may hold union tags
            path = _data_path(document.data, item["loc"][:-1]) + (item["loc"][-1],)
        by_place.setdefault((path, code), []).append(item)
    for (path, code), items in by_place.items():
        item = items[0]
        if code == "unknown-key":
            mark = document.place(path, key=True)
            key = str(path[-1])
            allowed = _model_keys(path[:-1], document.data)
            close = difflib.get_close_matches(key, allowed, n=1) if len(key) < 200 else []
            hint = (f"did you mean {close[0]!r}? " if close else "") + ("allowed: " + ", ".join(allowed) if allowed else "")
            yield Problem(mark.file, mark.line, mark.column, code, f"unknown key {shown(key)}", hint.strip(), path)
            continue
        mark = document.place(path)
        if code == "missing-key":
            for missing in items:
                key = str(missing["loc"][-1])
                yield Problem(mark.file, mark.line, mark.column, code, f"{_describe(path)} lacks required key {key!r}", "", path)
            continue
        if code == "empty-list" and path and path[-1] == "legal_basis":
            yield Problem(mark.file, mark.line, mark.column, "missing-legal-basis", "legal_basis lists no citation",
                          "every rule cites the law it rests on: citation and url", path)
            continue
        if code == "wrong-type" and len(items) > 1:
            expected = sorted({_expected(i) for i in items})
            message = f"{_describe(path)} has the wrong type; expected " + " or ".join(expected)
            yield Problem(mark.file, mark.line, mark.column, code, message, "", path)
            continue
        yield Problem(mark.file, mark.line, mark.column, code, f"{_describe(path)}: {item['msg']}", "", path)


def _expected(item: ErrorDetails) -> str:
    kind = item["type"]
    return {
        "bool_type": "true/false",
        "int_type": "a whole number",
        "string_type": "text",
        "list_type": "a list",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "model_attributes_type": "a mapping",
    }.get(kind, kind.replace("_type", ""))


def _describe(path: Path) -> str:
    if not path:
        return "the file"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Checker:
    """The meaning pass: cross references and field types, on the raw data, defensively."""

    def __init__(self, document: _Source) -> None:
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
                                 f"the text holds an invisible or control character (U+{ord(char):04X}) at "
                                 f"position {index + 1}", "remove it; a terminal or a spreadsheet would act on it")

    def items(self, key: str) -> list[tuple[Path, dict[str, Any]]]:
        value = self.data.get(key)
        if not isinstance(value, list):
            return []
        return [((key, i), item) for i, item in enumerate(value) if isinstance(item, dict)]

    def ids(self, key: str, what: str) -> dict[str, Path]:
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
                                 f"two versions of rule {ident!r} are in force on the same days",
                                 f"the other starts at {first.file}:{first.line}; give each version its own "
                                 "valid_from/valid_to, the next starting where the previous ends")
                versions[ident].append((path, item))
                continue
            versions[ident] = [(path, item)]
            if ident in found:
                first = self.doc.place(found[ident] + ("id",))
                where = f"line {first.line}" if first.file == self.doc.place(path).file else f"{first.file}:{first.line}"
                hint = f"first at {where}; ids must be unique"
                if not same_file and key == "rules":
                    hint += "; to change a rule of the base, give yours its own id and list the other under overrides"
                self.problem(path + ("id",), "duplicate-id", f"{what} id {ident!r} is used twice", hint)
            else:
                found[ident] = path
        return found

    def reference(self, path: Path, value: Any, known: Iterable[str], what: str, code: str) -> None:
        if not isinstance(value, str):
            return
        known = list(known)
        if value in known:
            return
        close = difflib.get_close_matches(value, known, n=1)
        hint = (f"did you mean {close[0]!r}? " if close else "") + f"declared: {', '.join(sorted(known)) or 'none'}"
        self.problem(path, code, f"unknown {what} {value!r}", hint)

    def run(self) -> list[Problem]:
        self.visible(self.data, ())
        funders = self.ids("funders", "funder")
        rules = self.ids("rules", "rule")
        routes = self.ids("routes", "route")
        precedence = self.data.get("precedence")
        domains = [d for d in precedence if isinstance(d, str)] if isinstance(precedence, list) else []
        if len(set(domains)) != len(domains):
            self.problem(("precedence",), "duplicate-id", "a domain appears twice in precedence")
        self.reference(("default_route",), self.data.get("default_route"), routes, "route", "unknown-route")
        for path, route in self.items("routes"):
            self.reference(path + ("interim_funder",), route.get("interim_funder"), funders, "funder", "unknown-funder")
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
                        self.problem(spath + ("id",), "duplicate-id", f"party source id {ident!r} is used twice",
                                     "ids of rules and party sources share one namespace")
                    sources[ident] = spath
                self.condition(spath + ("when",), source.get("when"))
                self.party_field(spath + ("field",), source.get("field"))
                self.period(spath, source)
                self.placeholders(spath + ("explanation",), source.get("explanation"))
        for path, rule in self.items("rules"):
            self.reference(path + ("domain",), rule.get("domain"), domains, "domain", "unknown-domain")
            self.reference(path + ("funder",), rule.get("funder"), funders, "funder", "unknown-funder")
            self.reference(path + ("suggested_funder",), rule.get("suggested_funder"), funders, "funder", "unknown-funder")
            self.reference(path + ("route",), rule.get("route"), routes, "route", "unknown-route")
            self.reference(path + ("interim_funder",), rule.get("interim_funder"), funders, "funder", "unknown-funder")
            overrides = rule.get("overrides")
            for i, target in enumerate(overrides if isinstance(overrides, list) else []):
                self.reference(path + ("overrides", i), target, rules, "rule", "unknown-rule")
            self.condition(path + ("when",), rule.get("when"))
            self.period(path, rule)
            self.placeholders(path + ("explanation",), rule.get("explanation"))
        self.override_cycles(rules)
        for path, example in self.items("examples"):
            self.example(path, example, funders, rules, routes)
        return self.problems

    def split(self, path: Path, split: Any, funders: dict[str, Path], split_funders: set[Any]) -> None:
        parts = split.get("parts") if isinstance(split, dict) else None
        for i, part in enumerate(parts if isinstance(parts, list) else []):
            if not isinstance(part, dict):
                continue
            ppath = path + ("parts", i)
            self.reference(ppath + ("funder",), part.get("funder"), funders, "funder", "unknown-funder")
            if isinstance(part.get("funder"), str) and part["funder"] in split_funders:
                self.problem(ppath + ("funder",), "invalid-value", f"funder {part['funder']!r} is itself split",
                             "name the funders of its parts here instead")
            name = part.get("weight_field")
            kind = self.field_type(ppath + ("weight_field",), name)
            if kind is not None and kind.kind != "int":
                self.problem(ppath + ("weight_field",), "wrong-value-type",
                             f"weight field {name!r} holds {kind.describe()}, not a number")

    def period(self, path: Path, item: dict[str, Any]) -> None:
        start, end = item.get("valid_from"), item.get("valid_to")
        if isinstance(start, str) and isinstance(end, str) and end <= start:
            self.problem(path + ("valid_to",), "invalid-period", f"valid_to {end} is not after valid_from {start}",
                         "valid_to is the first day the rule no longer applies")

    def placeholders(self, path: Path, text: Any) -> None:
        if not isinstance(text, str):
            return
        for match in PLACEHOLDER.finditer(text):
            name = match.group(1)
            if name not in CASE_FIELDS and name not in OUTCOME_PLACEHOLDERS:
                options = [*CASE_FIELDS, *OUTCOME_PLACEHOLDERS]
                close = difflib.get_close_matches(name, options, n=1)
                self.problem(path, "unknown-placeholder", f"unknown placeholder {{{name}}}",
                             f"did you mean {{{close[0]}}}?" if close else "use a case field, or {partij}")

    def field_type(self, path: Path, name: Any) -> FieldType | None:
        if not isinstance(name, str):
            return None
        if name in CASE_FIELDS:
            return CASE_FIELDS[name]
        close = difflib.get_close_matches(name, list(CASE_FIELDS), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see docs/case.md for the case fields"
        self.problem(path, "unknown-field", f"unknown case field {name!r}", hint)
        return None

    def party_field(self, path: Path, name: Any) -> None:
        kind = self.field_type(path, name)
        if kind is not None and kind.kind != "str":
            self.problem(path, "wrong-value-type", f"party field {name!r} holds {kind.describe()}, not a party",
                         "a party field names a municipality, SWV, board or insurer (text)")

    def condition(self, path: Path, node: Any) -> None:
        if isinstance(node, list):
            for i, child in enumerate(node):
                self.condition(path + (i,), child)
            return
        if not isinstance(node, dict):
            return
        kind = condition_kind(node)
        if kind in ("all", "any"):
            children = node.get(kind)
            for i, child in enumerate(children if isinstance(children, list) else []):
                self.condition(path + (kind, i), child)
            return
        if kind == "not":
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
        if op in ("lt", "lte", "gt", "gte") and ftype.kind not in ("int", "date"):
            self.problem(vpath, "operator-type", f"{op} compares numbers or dates, and {node['field']} holds {ftype.describe()}",
                         "use eq, ne, in or not_in")
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
        }[ftype.kind]
        if not fits:
            self.problem(path, "wrong-value-type", f"{name} holds {ftype.describe()}, not {value!r}")
            return
        if ftype.kind == "enum" and value not in ftype.values:
            close = difflib.get_close_matches(value, ftype.values, n=1)
            hint = (f"did you mean {close[0]!r}? " if close else "") + "allowed: " + ", ".join(ftype.values)
            self.problem(path, "unknown-value", f"{value!r} is not a value of {name}", hint)
        if ftype.kind == "int" and ftype.minimum is not None and ftype.maximum is not None:
            # a bound one past the range is how "every value" is written: lt 31, gt -1
            low = ftype.minimum - (op == "gt")
            high = ftype.maximum + (op == "lt")
            if not low <= value <= high:
                self.problem(path, "unknown-value", f"{name} is never {value} (it runs from {ftype.minimum} to {ftype.maximum})")
        if ftype.kind == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                self.problem(path, "invalid-date", f"not a valid date {value!r}", "write YYYY-MM-DD")

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
                                 "rules override each other in a circle: " + " → ".join(cycle),
                                 "a specific rule overrides a general one, never back")
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
                                 f"example case field {problem.field or '(case)'}: {problem.message}",
                                 f"expected {problem.expected}" if problem.expected else "",
                                 key=problem.message.startswith("unknown field"))
        expect = example.get("expect")
        if not isinstance(expect, dict):
            return
        self.reference(path + ("expect", "funder"), expect.get("funder"), funders, "funder", "unknown-funder")
        self.reference(path + ("expect", "route"), expect.get("route"), routes, "route", "unknown-route")
        expected_rules = expect.get("rules")
        for i, rule_id in enumerate(expected_rules if isinstance(expected_rules, list) else []):
            self.reference(path + ("expect", "rules", i), rule_id, rules, "rule", "unknown-rule")
        facts = expect.get("missing_facts")
        for i, fact in enumerate(facts if isinstance(facts, list) else []):
            self.field_type(path + ("expect", "missing_facts", i), fact)

