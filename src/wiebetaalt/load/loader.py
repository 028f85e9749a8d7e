"""Rule file → :class:`~wiebetaalt.model.framework.Framework`, or every problem in it at once.

Passes, each adding located problems: strict YAML (:mod:`.yaml`), an overlay on the framework it
extends (:mod:`.overlays`), the structure (the pydantic models of :mod:`wiebetaalt.model.framework`,
:mod:`.structure`), the meaning (every funder, rule, route and field a rule names exists; every
value fits its field; no override cycle: :mod:`.checks`) and whether durable_rules builds it. A
file that loads has passed them all, so the engine never meets an unknown name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path as FilePath
from typing import Any

from pydantic import ValidationError

from ..engine.compiler import compile_framework
from ..engine.durable import build_error
from ..errors import FrameworkError, Problem, os_reason
from ..model.framework import Example, Framework
from .checks import Checker
from .presumptions import check_presumptions
from .overlays import extend
from .sources import Source, SourceFile, real, rule_layers, source_files
from .structure import structure_problems
from .yaml import MAX_CHARS, read_file, read_yaml

#: More bytes than this cannot be MAX_CHARS characters of UTF-8.
MAX_BYTES = 4 * MAX_CHARS


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
    while current is not None and real(current) not in seen:
        seen.add(real(current))
        try:
            framework = load_framework(current)
        except FrameworkError:
            break
        chain[:0] = framework.examples
        current = (current.parent / framework.extends) if framework.extends else None
    return chain


def rule_files(paths: Iterable[str | FilePath]) -> list[FilePath]:
    """The rule files named by ``paths``: files as given, folders searched for ``*.yaml``/``*.yml``
    files that are frameworks (:func:`is_framework_file`; a case file beside them is not one)."""
    found: list[FilePath] = []
    for entry in map(FilePath, paths):
        if entry.is_dir():
            found.extend(sorted(p for p in entry.rglob("*")
                                if p.suffix in (".yaml", ".yml") and p.is_file() and is_framework_file(p)))
        else:
            found.append(entry)
    return found


#: The top-level keys only a framework has (a case has peildatum, kind, school, hulpvraag).
FRAMEWORK_KEYS = frozenset({"schema_version", "framework", "extends", "rules", "funders", "precedence"})
# for a file too broken to read as YAML: does it say it is meant to be a framework?
_FRAMEWORK_LINE = re.compile(rb"^(schema_version|framework|extends)\s*:", re.M)


def is_framework_file(path: str | FilePath) -> bool:
    """Whether the YAML file ``path`` is meant as a framework, so that checking a folder, analysing
    it or running it with pytest reads it, and leaves a case file or any other YAML alone.

    A mapping is a framework when it has one of :data:`FRAMEWORK_KEYS` at the top. A file too
    broken to be read as YAML is one when a line starts with ``schema_version:``, ``framework:`` or
    ``extends:``: a broken framework must fail, not vanish.
    """
    try:
        raw = read_file(FilePath(path), MAX_BYTES)  # a FIFO or a device named *.yaml is refused unread
    except OSError:
        return False
    try:
        data = read_yaml(raw.decode("utf-8")).data if len(raw) <= MAX_BYTES else None
    except UnicodeDecodeError:
        data = None
    if isinstance(data, dict):
        return not FRAMEWORK_KEYS.isdisjoint(data)
    return data is None and bool(_FRAMEWORK_LINE.search(raw))


def _load(path: FilePath, stack: tuple[FilePath, ...] = ()) -> tuple[Framework | None, list[Problem]]:
    framework, problems, _ = _load_source(path, stack)
    return framework, problems


def _load_base(path: FilePath, stack: tuple[FilePath, ...]) -> tuple[list[Problem], Source | None]:
    _, problems, source = _load_source(path, stack)
    return problems, source


def _load_source(path: FilePath, stack: tuple[FilePath, ...]) -> tuple[Framework | None, list[Problem], Source | None]:
    name = str(path)
    try:
        # bounded, so that a huge file is refused instead of filling memory; a FIFO or a device
        # (`extends: /dev/zero`) is refused unread, as reading it may wait or go on forever
        raw = read_file(path, MAX_BYTES)
    except OSError as error:
        return None, [Problem(name, 1, 1, "unreadable-file", os_reason(error))], None
    if len(raw) > MAX_BYTES:
        return None, [Problem(name, 1, 1, "yaml-too-large", f"het bestand heeft meer dan {MAX_CHARS} tekens",
                              "verdeel het kader over een basis en overlays")], None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return None, [Problem(name, line, column, "encoding", "het bestand is geen geldige UTF-8",
                              "sla het op als UTF-8")], None
    document = read_yaml(text)
    problems = [Problem(name, i.mark.line, i.mark.column, i.code, i.message, i.hint) for i in document.issues]
    if document.data is None and not problems:
        return None, [Problem(name, 1, 1, "empty-file", "het bestand bevat geen kader")], None
    if not isinstance(document.data, dict):
        if document.data is not None:
            problems.append(Problem(name, 1, 1, "wrong-type",
                                    "een regelbestand moet een mapping van sleutels zijn (schema_version, rules, …)"))
        return None, problems, None
    file = SourceFile(name, document, hashlib.sha256(raw).hexdigest())
    source: Source = file
    if isinstance(document.data.get("extends"), str):
        layered = extend(path, file, stack, problems, _load_base)
        if layered is None:
            return None, problems, None
        source = layered
    framework: Framework | None = None
    try:
        framework = Framework.model_validate(source.data)
    except ValidationError as error:
        problems.extend(structure_problems(source, error))
    else:
        layers: dict[str, int] = {}
        for rule, layer in zip(framework.rules, rule_layers(source)):
            layers[rule.id] = min(layer, layers.get(rule.id, layer))
        framework._layers = layers
        framework._sources = tuple(source_files(source))
    problems.extend(Checker(source).run())
    problems.extend(check_presumptions(source))
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
                    f"durable_rules kan dit kader niet bouwen: {refused}",
                    "durable heeft vaste grenzen, zoals hoogstens 256 regels die met dezelfde test beginnen; voeg "
                    "regels met dezelfde betaler samen tot één regel met `in:` of `any:`", ("rules",)))
    return (framework if not problems else None), _unique(problems), source


def _unique(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[Any, ...]] = set()
    result = []
    for p in problems:
        key = (p.line, p.column, p.code, p.message)
        if key not in seen:
            seen.add(key)
            result.append(p)
    return result
