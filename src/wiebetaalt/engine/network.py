"""A model of the alpha network durable_rules builds, to keep every ruleset within its matching stack.

durable matches a fact by walking its alpha network depth first, on a stack of 64 nodes
(``MAX_STACK_SIZE`` in its events.c). A walk that needs more answers error 303 after it has stored
part of the fact, and deleting that session afterwards corrupts the heap: the process dies. How
deep a walk goes depends on the case (a missing fact opens every rule that tests it), so the limit
cannot be met safely at run time; it must never be reached. This module rebuilds the network the
way durable's rete.c does and bounds the deepest walk any fact can take; the compiler splits a
ruleset into parts that each stay within the bound (see docs/engine.md).

How durable builds it (rete.c, ``createAlpha`` and ``findAlpha``):

- a test (field, operator, value) under a node is shared: a rule with the same test under the same
  node reuses it;
- ``$and`` chains its tests, each under the previous one;
- ``$or`` hangs every branch under the current node and links the end of each branch to a new
  *forward* node of its own, under which the rest of the pattern continues.

How it walks (events.c, ``handleAlpha``): it pops a node and pushes every child that matches the
fact: a test on a field the fact has whose value matches, a ``$nex`` test on a field the fact lacks,
and every forward node. The bound below assumes that every child that can match together does:
of the equality tests on one field at most one matches (their values differ), the other tests on
a field all may, and a field's ``$nex`` tests exclude its other tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

#: durable's MAX_STACK_SIZE: the most nodes its walk can hold at once.
STACK_LIMIT = 64
#: What one node can hold when durable builds the network (rules.h), with a margin: the children
#: with a test (NEXT_BUCKET_LENGTH 512, error 106), the $nex tests and forward nodes
#: (NEXT_LIST_LENGTH 128, error 107), and the rules that end there (BETA_LIST_LENGTH 256, error 108).
TESTS_LIMIT, LIST_LIMIT, ENDS_LIMIT = 500, 120, 250


class _Node:
    __slots__ = ("tests", "absent", "forwards", "ends")

    def __init__(self) -> None:
        self.tests: dict[tuple[str, str, str], _Node] = {}  # (field, operator, value) -> node
        self.absent: dict[tuple[str, str], _Node] = {}  # (field, value) of a $nex test -> node
        self.forwards: list[_Node] = []  # one entry per link, as durable stores them
        self.ends = 0  # rules whose pattern ends here

    def within_limits(self) -> bool:
        return (len(self.tests) <= TESTS_LIMIT and len(self.absent) + len(self.forwards) <= LIST_LIMIT
                and self.ends <= ENDS_LIMIT)


class AlphaNetwork:
    """The alpha network of a set of durable patterns, and the deepest stack a walk of it needs."""

    def __init__(self, patterns: Iterable[Mapping[str, Any]] = ()) -> None:
        self._root = _Node()
        self._depths: dict[int, int] = {}
        self._within_limits = True
        for pattern in patterns:
            self.add(pattern)

    def add(self, pattern: Mapping[str, Any]) -> None:
        """Add one rule's pattern (the ``m`` of a single-pattern durable rule)."""
        touched: list[_Node] = [self._root]
        self._alpha(pattern, self._root, touched).ends += 1
        # A node's depth depends only on what lies below it. Every existing node a pattern reaches
        # lies on its walk from the root (tests have one parent, and a forward node belongs to the
        # pattern that made it), so forgetting the touched nodes keeps every other depth valid.
        for node in touched:
            self._depths.pop(id(node), None)
            self._within_limits = self._within_limits and node.within_limits()

    def fits(self) -> bool:
        """Whether durable builds this network and can walk it for every fact."""
        return self._within_limits and self.depth() <= STACK_LIMIT

    def _alpha(self, pattern: Mapping[str, Any], parent: _Node, touched: list[_Node]) -> _Node:
        ((operator, body),) = pattern.items()
        if operator == "$and":
            current = parent
            for part in body:
                current = self._alpha(part, current, touched)
            return current
        if operator == "$or":
            forward = _Node()
            for part in body:
                self._alpha(part, parent, touched).forwards.append(forward)
            touched.append(forward)
            return forward
        if operator.startswith("$"):
            ((field, value),) = body.items()
        else:
            field, value, operator = operator, body, "$eq"
        if operator == "$nex":
            node = parent.absent.setdefault((field, json.dumps(value, sort_keys=True)), _Node())
        else:
            node = parent.tests.setdefault((field, operator, json.dumps(value, sort_keys=True)), _Node())
        touched.append(node)
        return node

    def depth(self) -> int:
        """The most nodes durable's walk can hold at once, over every possible fact."""
        return self._depth(self._root)

    def _depth(self, node: _Node) -> int:
        known = self._depths.get(id(node))
        if known is not None:
            return known
        # per field: the JSON types of its equality tests, its other tests, its $nex tests
        equal: dict[str, set[str]] = {}
        other: dict[str, int] = {}
        absent: dict[str, int] = {}
        for field, operator, value in node.tests:
            if operator == "$eq":
                equal.setdefault(field, set()).add(_json_type(value))
            else:
                other[field] = other.get(field, 0) + 1
        for field, _ in node.absent:
            absent[field] = absent.get(field, 0) + 1
        # two values of one JSON type never both equal a fact's value; durable compares across
        # types loosely (1 equals true), so each type may match once
        pushed = len(node.forwards) + sum(
            max(len(equal.get(field, ())) + other.get(field, 0), absent.get(field, 0))
            for field in {*equal, *other, *absent})
        children = [*node.tests.values(), *node.absent.values(), *node.forwards]
        deepest = max((self._depth(child) for child in children), default=0)
        found = max(pushed, pushed - 1 + deepest) if children else 0
        self._depths[id(node)] = found
        return found


def _json_type(text: str) -> str:
    first = text[:1]
    if first == "-" or first.isdigit():
        return "number"
    return "bool" if text in ("true", "false") else first
