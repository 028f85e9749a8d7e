"""Strict, safe YAML: plain data plus the line and column of every key and value.

PyYAML composes the node tree (which keeps marks); this module builds the data from those nodes
itself, so no constructor of PyYAML's ever runs, no tag can create an object, duplicate keys are
refused and alias expansion is bounded. Dates, YAML 1.1 booleans (``no``, ``on``) and octal
numbers stay text, so a rule file means what it says.
"""

from __future__ import annotations

import bisect
import errno
import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml

Path = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

# Enough for any real framework and its examples; a "billion laughs" file stops here.
MAX_NODES = 200_000
# PyYAML's pure-Python reader takes seconds per hundred thousand values, so reading is bounded in
# time only when the text is bounded; the national framework is under a tenth of this.
MAX_CHARS = 1_000_000
# PyYAML composes recursively (three frames a level), so a deeply nested file would exhaust the
# interpreter's stack; real frameworks nest about ten levels.
MAX_DEPTH = 50


#: Characters of a key or value a message quotes: enough to recognise it, never the whole of a huge one.
SHOWN_CHARS = 40


class NotARegularFile(OSError):
    """A path names a pipe (FIFO), a socket or a device, not a file: reading it could wait forever
    for a writer (a FIFO) or never end (``/dev/zero``)."""


def read_file(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of the regular file at ``path``: all of them, or the first ``limit + 1`` when it
    is longer than ``limit``, so that the caller can tell it is too long without reading the rest.

    Raises:
        NotARegularFile: ``path`` is a pipe, a socket or a device; nothing is read from it.
        IsADirectoryError: ``path`` is a folder.
        OSError: the file cannot be opened or read (the operating system's reason).
    """
    # Without O_NONBLOCK, opening a FIFO waits until something opens its other end; on a regular
    # file the flag changes nothing. fstat after opening checks the file that is read, not one a
    # rename put in its place after a check of the name.
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):  # the error reading a folder gives, as before this check
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            raise NotARegularFile(errno.EINVAL, "geen gewoon bestand maar een pipe of een apparaat", os.fspath(path))
        stream = os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
    with stream:
        return stream.read(-1 if limit is None else limit + 1)


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``value`` quoted as a message shows it: text as ``repr`` gives it (control and invisible
    characters escaped, so none reaches a terminal), cut after ``limit`` characters with ``…``."""
    if not isinstance(value, str):
        return repr(value)
    cut = value[:limit]
    return repr(cut)[:-1] + "…" + repr(cut)[-1] if len(value) > limit else repr(cut)


class _Resolver(yaml.resolver.Resolver):
    """Only YAML 1.2 core scalars: true/false, decimal numbers, null. Everything else is text."""

    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}


_Resolver.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Resolver.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    _FLOAT, re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"), list("-+0123456789.")
)
_Resolver.add_implicit_resolver(_NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


_Edge = tuple[int, int]  # (id of the parent node, position of the item or key/value pair)


class _Composer(
    yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser, yaml.composer.Composer, _Resolver
):
    def __init__(self, stream: str, positions: _Positions) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        yaml.composer.Composer.__init__(self)
        _Resolver.__init__(self)
        # The node tree keeps no trace of aliases (an alias is the anchored node itself), so the
        # position of a recursive one has to be caught while composing.
        self.recursive_aliases: dict[_Edge, Mark] = {}
        self._open_anchors: set[str] = set()
        self._nodes = 0
        self._depth = 0
        self._positions = positions

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        # Every alias expands to at least one value, so this count never exceeds the builder's;
        # it stops a long file before all of it is read.
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _LimitExceeded(_too_many(self._positions.mark(event.start_mark)))
        if isinstance(event, yaml.CollectionStartEvent):
            if self._depth >= MAX_DEPTH:
                raise _LimitExceeded(YamlIssue(
                    "yaml-too-large",
                    f"in het bestand zijn lijsten en mappings meer dan {MAX_DEPTH} niveaus diep genest",
                    self._positions.mark(event.start_mark),
                    "maak de structuur platter; verdeel diep geneste any/all-voorwaarden over regels",
                ))
            self._depth += 1
            try:
                return self._compose_counted(parent, index, event)
            finally:
                self._depth -= 1
        return self._compose_counted(parent, index, event)

    def _compose_counted(self, parent: yaml.Node | None, index: Any, event: yaml.Event) -> yaml.Node | None:
        if isinstance(event, yaml.AliasEvent):
            # Key nodes (index None) are never built as data, so only values and items matter.
            if event.anchor in self._open_anchors and parent is not None and index is not None:
                # PyYAML appends each item (or key/value pair) only after composing it.
                position = len(parent.value)
                self.recursive_aliases[(id(parent), position)] = self._positions.mark(event.start_mark)
            return super().compose_node(parent, index)
        anchor = event.anchor if isinstance(event, yaml.CollectionStartEvent) else None
        if anchor is None:
            return super().compose_node(parent, index)
        # Duplicate anchors are a composer error, so a name is open at most once.
        self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.discard(anchor)


@dataclass(frozen=True)
class Mark:
    line: int
    column: int


class _YamlMark(Protocol):
    line: int
    column: int
    index: int


class _Positions:
    """Line and column as an editor shows them. PyYAML follows YAML 1.1, which also breaks lines at
    NEL, LS and PS (U+0085, U+2028, U+2029); YAML 1.2 and editors break only at CR and LF."""

    _EXTRA_BREAKS = re.compile("[\x85\u2028\u2029]")

    def __init__(self, text: str) -> None:
        self.starts: list[int] | None = None
        if self._EXTRA_BREAKS.search(text):
            self.starts = [0, *(match.end() for match in re.finditer(r"\r\n|\r|\n", text))]

    def mark(self, mark: _YamlMark | None) -> Mark:
        assert mark is not None  # PyYAML marks every node and event
        if self.starts is None:
            return Mark(mark.line + 1, mark.column + 1)
        line = bisect.bisect_right(self.starts, mark.index)
        return Mark(line, mark.index - self.starts[line - 1] + 1)


def _too_many(mark: Mark) -> YamlIssue:
    return YamlIssue(
        "yaml-too-large",
        f"het bestand groeit uit tot meer dan {MAX_NODES} waarden (aliassen meegeteld)",
        mark,
        "verdeel het kader of haal herhaalde aliassen weg",
    )


@dataclass(frozen=True)
class YamlIssue:
    """A problem found while reading YAML: a stable code, a message and where."""

    code: str
    message: str
    mark: Mark
    hint: str = ""


@dataclass
class Document:
    """The data of a YAML file with a source map from paths to positions."""

    data: Any
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    issues: list[YamlIssue] = field(default_factory=list)

    def mark(self, path: Path, *, key: bool = False) -> Mark:
        """The position of ``path``, or of its nearest ancestor that exists in the file."""
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return self.keys[path]
            if path in self.values:
                return self.values[path]
            if not path:
                return Mark(1, 1)
            path = path[:-1]


class _TooLarge(Exception):
    pass


class _LimitExceeded(Exception):
    def __init__(self, issue: YamlIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


class _Builder:
    def __init__(self, document: Document, recursive_aliases: dict[_Edge, Mark], positions: _Positions) -> None:
        self.document = document
        self.positions = positions
        self.recursive_aliases = recursive_aliases
        self.count = 0
        # The collections being built, outermost first, with the edge each was reached by.
        self.active: dict[int, int] = {}
        self.edges: list[_Edge | None] = []

    def build(self, node: yaml.Node, path: Path, edge: _Edge | None = None) -> Any:
        self.document.values[path] = self._mark(node)
        self.count += 1
        if self.count > MAX_NODES:
            self.document.issues.append(_too_many(self._mark(node)))
            raise _TooLarge
        if id(node) in self.active:
            self.document.issues.append(
                YamlIssue(
                    "yaml-recursive",
                    "een alias verwijst naar de structuur waarin hij zelf staat",
                    self._loop_mark(node, edge),
                )
            )
            return None
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        self.active[id(node)] = len(self.edges)
        self.edges.append(edge)
        try:
            if isinstance(node, yaml.SequenceNode):
                self._check_tag(node, _SEQ)
                return [self.build(item, path + (i,), (id(node), i)) for i, item in enumerate(node.value)]
            assert isinstance(node, yaml.MappingNode)
            self._check_tag(node, _MAP)
            return self._mapping(node, path)
        finally:
            del self.active[id(node)]
            self.edges.pop()

    def _mark(self, node: yaml.Node) -> Mark:
        return self.positions.mark(node.start_mark)

    def _loop_mark(self, node: yaml.Node, edge: _Edge | None) -> Mark:
        # Every loop holds at least one alias inside its own anchor, but the build may enter the
        # loop elsewhere (through an ordinary alias), so the edge that closes it need not be that
        # alias: take the one nearest the closing edge.
        loop = self.edges[self.active[id(node)] + 1 :] + [edge]
        for step in reversed(loop):
            if step in self.recursive_aliases:
                return self.recursive_aliases[step]
        return self._mark(node)

    def _check_tag(self, node: yaml.Node, expected: str) -> None:
        if node.tag != expected:
            self.document.issues.append(
                YamlIssue(
                    "yaml-tag",
                    f"tag {node.tag!r} is niet toegestaan",
                    self._mark(node),
                    "een regelbestand bevat gewone gegevens: haal de tag weg",
                )
            )

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR:
            return text
        if tag == _BOOL and text.lower() in ("true", "false"):
            return text.lower() == "true"
        if tag == _NULL and text in ("~", "null", "Null", "NULL", ""):
            return None
        if tag == _INT and re.fullmatch(r"[-+]?(?:0|[1-9][0-9]*)", text):
            return int(text)
        if tag == _FLOAT:
            try:
                return float(text)
            except ValueError:
                pass
        self._check_tag(node, _STR)
        return text

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for position, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in (_STR, _INT, _BOOL, _NULL):
                self.document.issues.append(
                    YamlIssue("wrong-type", "een sleutel moet gewone tekst zijn (geen lijst of mapping)", self._mark(key_node))
                )
                continue
            key = key_node.value
            if key in result:
                first = self.document.keys[path + (key,)]
                self.document.issues.append(
                    YamlIssue(
                        "duplicate-key",
                        f"sleutel {shown(key)} komt twee keer voor",
                        self._mark(key_node),
                        f"eerst op regel {first.line}; houd er één",
                    )
                )
                continue
            self.document.keys[path + (key,)] = self._mark(key_node)
            result[key] = self.build(value_node, path + (key,), (id(node), position))
        return result


def read_yaml(text: str) -> Document:
    """Parse ``text`` strictly. Syntax errors become issues; the data is then ``None``.

    A text longer than :data:`MAX_CHARS`, nested deeper than :data:`MAX_DEPTH` or holding more than
    :data:`MAX_NODES` values is refused (``yaml-too-large``), so reading any text takes bounded time.
    """
    document = Document(data=None)
    if len(text) > MAX_CHARS:
        line = text.count("\n", 0, MAX_CHARS) + 1
        column = MAX_CHARS - (text.rfind("\n", 0, MAX_CHARS) + 1) + 1
        document.issues.append(YamlIssue(
            "yaml-too-large", f"het bestand heeft meer dan {MAX_CHARS} tekens", Mark(line, column),
            "verdeel het kader over een basis en overlays"))
        return document
    positions = _Positions(text)
    try:
        composer = _Composer(text, positions)
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        column = error.position - (text.rfind("\n", 0, error.position) + 1) + 1
        document.issues.append(
            YamlIssue("yaml-syntax", f"teken {error.character!r} is niet toegestaan in YAML", Mark(line, column),
                      "haal het stuurteken weg")
        )
        return document
    try:
        node = composer.get_single_node()
    except _LimitExceeded as limit:
        document.issues.append(limit.issue)
        return document
    except yaml.MarkedYAMLError as error:
        where = error.problem_mark or error.context_mark
        mark = positions.mark(where) if where else Mark(1, 1)
        # PyYAML's own words (English) say what it met; the Dutch says what it is
        detail = " ".join(str(part) for part in (error.context, error.problem) if part)
        document.issues.append(YamlIssue("yaml-syntax", f"ongeldige YAML ({detail})" if detail else "ongeldige YAML",
                                         mark))
        return document
    except yaml.YAMLError as error:
        document.issues.append(YamlIssue("yaml-syntax", f"ongeldige YAML ({error})", Mark(1, 1)))
        return document
    finally:
        composer.dispose()
    if node is None:
        return document
    try:
        document.data = _Builder(document, composer.recursive_aliases, positions).build(node, ())
    except _TooLarge:
        document.data = None
    return document
