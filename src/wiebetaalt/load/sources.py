"""Framework data traced back to where it was written: a rule file, or an overlay on its base.

Every problem names the file, line and column of the value it is about. A framework that extends
another is the base's data with the overlay's on top; :class:`Layered` keeps, for every path into
the merged data, which file and position it came from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path as FilePath
from typing import Any, Protocol

from .yaml import Document, Path

#: Keys whose lists an overlay adds to; the other keys of an overlay replace the base's.
LAYERED_LISTS = ("routes", "funders", "rules", "presumptions")


@dataclass(frozen=True)
class Place:
    """Where a value was written."""

    file: str
    line: int
    column: int


class Source(Protocol):
    """Framework data with each path traced to the file and position it was written at."""

    data: dict[str, Any]

    def place(self, path: Path, *, key: bool = False) -> Place: ...


class SourceFile:
    """One rule file: its data, its source map and the SHA-256 of its bytes."""

    def __init__(self, name: str, document: Document, sha256: str) -> None:
        self.name = name
        self.sha256 = sha256
        self.document = document
        self.data: dict[str, Any] = document.data

    def place(self, path: Path, *, key: bool = False) -> Place:
        mark = self.document.mark(path, key=key)
        return Place(self.name, mark.line, mark.column)


class Layered:
    """An overlay merged onto the framework it extends; a path leads back to the file it came from.

    The lists of routes, funders, rules and presumptions are the base's followed by the overlay's; the examples
    are the overlay's own (the base's are tested with the base); other keys the overlay sets
    replace the base's.
    """

    def __init__(self, base: Source, overlay: SourceFile) -> None:
        self.base = base
        self.overlay = overlay
        self.offsets: dict[str, int] = {}
        data = dict(base.data)
        data["examples"] = []
        for key, value in overlay.data.items():
            below = base.data.get(key)
            if key in LAYERED_LISTS and isinstance(value, list) and isinstance(below, list):
                self.offsets[key] = len(below)
                data[key] = [*below, *value]
            else:
                data[key] = value
        self.data = data

    def place(self, path: Path, *, key: bool = False) -> Place:
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


def real(path: FilePath) -> FilePath:
    """The file ``path`` leads to, with every symlink followed."""
    # realpath, unlike Path.resolve on Python 3.11, leaves a symlink loop as it is instead of
    # raising RuntimeError: reading the file then reports it as a problem like any unreadable file
    return FilePath(os.path.realpath(path))


def source_files(source: Source) -> list[tuple[str, str]]:
    """(file name, SHA-256 of its bytes) of every file ``source`` is made of, the base-most first."""
    if isinstance(source, Layered):
        return [*source_files(source.base), *source_files(source.overlay)]
    assert isinstance(source, SourceFile)
    return [(source.name, source.sha256)]


def rule_layers(source: Source) -> list[int]:
    """For each rule of ``source``, in order: 0 for the base-most file, one more for each overlay."""
    if isinstance(source, Layered):
        below = rule_layers(source.base)
        depth = 1 + (max(below) if below else 0)
        return below + [depth] * (len(source.data["rules"]) - len(below))
    rules = source.data.get("rules")
    return [0] * (len(rules) if isinstance(rules, list) else 0)
