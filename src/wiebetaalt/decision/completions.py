"""What the unknown facts of a case can still do to its rules: which of them can hold together.

Matching says per rule whether it holds, fails or may hold for a case. "May hold" alone is not
enough to tell whether the answer depends on the unknown facts: a rule may need an age below 4 and
above 10 (it never holds), two rules may read one fact (they never hold together), and a fact may
not change its rule at all. This module fills in the known facts of a case and looks at what is
left of each condition (its *residual*), then at the values of the open fields that the residuals
tell apart (one per class, :mod:`wiebetaalt.model.space`): which sets of rules some completion of
the case makes hold, and which of them one changed fact moves between.

Everything is remembered per residual, never per case: a caseload has many cases and few residuals.
"""

from __future__ import annotations

import collections
import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..model.case import Case, field_value
from ..model.conditions import All, Atom, Condition, Not, atoms, parts
from ..model.framework import Framework
from ..model.space import field_space
from .memo import FieldReaders, Memo

#: Beyond this many completions of a group of rules they are not tried: every set of those rules
#: then counts as possible and every fact they read as one that matters (the answer escalates).
MAX_COMPLETIONS = 4096

#: What is left of a condition: ("atom", number), ("not", node), ("all" | "any", node, ...); a
#: residual that no longer depends on an open fact is the bool itself.
Node = tuple[Any, ...]


_ONLY_HOLDS, _NEVER_HOLDS = frozenset({1}), frozenset({0})


@dataclass(frozen=True)
class Reach:
    """What the completions of the open facts do to a group of residuals (bit i: residual i holds).

    ``masks`` are the sets that some completion makes hold; ``moves`` gives per field the pairs of
    sets that changing that field alone moves between. Both are None when there were too many
    completions to try: then any set may be reached, and every field may matter.
    """

    fields: tuple[str, ...]
    masks: frozenset[int] | None
    moves: dict[str, frozenset[tuple[int, int]]] | None

    @property
    def status(self) -> bool | None:
        """For a single residual: true or false whatever the open facts are, or None."""
        return True if self.masks == _ONLY_HOLDS else False if self.masks == _NEVER_HOLDS else None


class Completions:
    """The residuals of a framework's conditions, numbered (equal residuals share a number)."""

    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.readers = FieldReaders()
        #: per condition (by id): the condition, and the fields its ``known`` comparisons read
        self.known_fields: dict[int, tuple[Condition, frozenset[str]]] = {}
        self.found: Memo[tuple[int, Any, frozenset[str]], int] = Memo()
        #: per set of conditions (by id): every field their ``known`` atoms read
        self._known: Memo[tuple[int, ...], frozenset[str]] = Memo()
        self.numbers: dict[Node | bool, int] = {}
        #: per number: the residual, the fields its atoms read, and its atoms' numbers
        self.table: list[tuple[Node | bool, tuple[str, ...], tuple[int, ...]]] = []
        self.atoms: list[Atom] = []
        self._atom_number: dict[int, int] = {}
        self._spaces: dict[str, tuple[Any, ...]] = {}
        self._columns: dict[int, tuple[bool, ...]] = {}
        self._truths: dict[int, Callable[[Any], bool]] = {}
        self._holders: dict[int, Callable[[dict[str, Any]], bool]] = {}
        self._classes: Memo[tuple[str, tuple[int, ...]], tuple[Any, ...]] = Memo()
        self._reach: Memo[tuple[int, ...], Reach] = Memo()

    def residuals(self, conditions: Sequence[Condition], case: Case) -> tuple[tuple[int, ...], frozenset[str]]:
        """The number of what is left of each condition once the known facts of ``case`` are in,
        for filling in the fields they leave open; and the unknown fields taken as filled in.

        An unknown field counts as known (``known: true`` holds) where the residuals read it: it is
        filled in there. That can open a part which ``known: false`` settled, and so bring in more
        fields; they are read until nothing changes.
        """
        filled: frozenset[str] = frozenset()
        numbers = tuple([self.residual(condition, case, filled) for condition in conditions])
        known = self._known.get(tuple([id(c) for c in conditions]))
        if known is None:
            known = self._known.remember(tuple([id(c) for c in conditions]), frozenset().union(
                *(self.known_fields[id(c)][1] for c in conditions)))
        while True:
            read = frozenset([f for n in numbers for f in self.table[n][1]])
            if read <= filled or not known & read:
                return numbers, filled | read
            filled = read | filled
            numbers = tuple([self.residual(condition, case, filled) for condition in conditions])

    def residual(self, condition: Condition, case: Case, filled: frozenset[str] = frozenset()) -> int:
        """The number of what is left of ``condition`` once the known facts of ``case`` are in;
        ``known`` takes the unknown fields of ``filled`` as known."""
        known = self.known_fields.get(id(condition))
        if known is None:  # the condition is kept with its fields, so that its id stays its own
            known = self.known_fields[id(condition)] = (
                condition, frozenset(a.field for a in atoms(condition) if a.op == "known"))
        key = (*self.readers.key(condition, case), filled & known[1] if filled else filled)
        number = self.found.get(key)
        if number is None:
            node = self._reduce(condition, case, key[2])
            if node not in self.numbers:
                self.numbers[node] = len(self.table)
                numbers = _atom_numbers(node)
                self.table.append((node, tuple(dict.fromkeys(self.atoms[a].field for a in numbers)), numbers))
            number = self.found.remember(key, self.numbers[node])
        return number

    def holds(self, number: int, values: dict[str, Any]) -> bool:
        """The truth of residual ``number`` once each field it reads has the value ``values`` gives it."""
        return self._holder(number)(values)

    def _holder(self, number: int) -> Callable[[dict[str, Any]], bool]:
        """Residual ``number`` as a function of the values of the fields it reads, made once."""
        found = self._holders.get(number)
        if found is None:
            found = self._holders[number] = _compile(self.table[number][0], self.atoms)
        return found

    def fields(self, number: int) -> tuple[str, ...]:
        """The open fields residual ``number`` reads (a field may read without changing its truth)."""
        return self.table[number][1]

    def reach(self, numbers: tuple[int, ...]) -> Reach:
        """What completions of the fields that ``numbers`` read make of those residuals."""
        found = self._reach.get(numbers)
        if found is None:
            found = self._reach.remember(numbers, self._work_out(numbers))
        return found

    def _work_out(self, numbers: tuple[int, ...]) -> Reach:
        fields = tuple(dict.fromkeys(f for n in numbers for f in self.table[n][1]))
        spaces = [self._classes_of(field, numbers) for field in fields]
        if math.prod(len(s) for s in spaces) > MAX_COMPLETIONS:
            return Reach(fields, None, None)
        masks = dict(self._completions(numbers, fields, spaces))
        moves: dict[str, frozenset[tuple[int, int]]] = {}
        for at, field in enumerate(fields):
            # the completions that differ in this field alone: the masks they give, per rest
            alike: dict[tuple[int, ...], set[int]] = {}
            for combo, mask in masks.items():
                alike.setdefault(combo[:at] + combo[at + 1:], set()).add(mask)
            pairs = frozenset((a, b) for group in alike.values() for a in group for b in group if a != b)
            if pairs:
                moves[field] = pairs
        return Reach(tuple(f for f in fields if f in moves), frozenset(masks.values()), moves)

    def masks(self, numbers: tuple[int, ...], first: int = 0) -> Iterator[int] | None:
        """The set of residuals that hold (bit i: ``numbers[i]``) for each completion in turn, or
        None when there are too many to try. The field most residuals read changes first, so that
        the first few completions already differ where the answer depends on the facts.

        With ``first``, only that many completions come, over every value the framework tells
        apart (no classes to work out first): a quick look that is right where it finds a change.
        """
        readers = collections.Counter([f for n in numbers for f in self.table[n][1]])
        fields = tuple(sorted(readers, key=readers.__getitem__))
        if first:  # a few completions: each residual read as it is, no tables to set up
            tests = [(1 << i, self._holder(n)) for i, n in enumerate(numbers)]
            return itertools.islice((sum([bit for bit, holds in tests if holds(values)])
                                     for values in map(dict, map(functools.partial(zip, fields),
                                                                 itertools.product(*map(self._space, fields))))), first)
        positions = [self._classes_of(f, numbers) for f in fields]
        if math.prod(len(s) for s in positions) > MAX_COMPLETIONS:
            return None
        return (mask for _, mask in self._completions(numbers, fields, positions))

    def _completions(self, numbers: tuple[int, ...], fields: tuple[str, ...],
                     spaces: Sequence[Sequence[int]]) -> Iterator[tuple[tuple[int, ...], int]]:
        """Each completion (a position in each field's space) and the residuals it makes hold."""
        at = {field: i for i, field in enumerate(fields)}
        settled = sum(1 << i for i, n in enumerate(numbers) if self.table[n][0] is True)
        tests = [(1 << i, operator.itemgetter(*[at[f] for f in self.table[n][1]]), self._truth(n))
                 for i, n in enumerate(numbers) if self.table[n][1]]
        for combo in itertools.product(*spaces):
            yield combo, settled + sum([bit for bit, get, truth in tests if truth(get(combo))])

    def _truth(self, number: int) -> Callable[[Any], bool]:
        """Residual ``number`` as a function of the positions of its fields' values in their spaces
        (one position for one field), each answer remembered: residuals recur across a caseload."""
        found = self._truths.get(number)
        if found is None:
            fields, evaluate = self.table[number][1], self._holder(number)
            spaces = [self._space(f) for f in fields]
            known: dict[Any, bool] = {}

            def holds(where: Any) -> bool:
                value = known.get(where)
                if value is None:
                    at = where if len(fields) > 1 else (where,)
                    value = known[where] = evaluate({f: space[i] for f, space, i in zip(fields, spaces, at)})
                return value

            found = self._truths[number] = holds
        return found

    def _classes_of(self, field: str, numbers: tuple[int, ...]) -> tuple[int, ...]:
        """A value of ``field`` (its position in the field's space) for every class of its values
        that the atoms of ``numbers`` tell apart."""
        read = tuple(sorted({a for n in numbers for a in self.table[n][2] if self.atoms[a].field == field}))
        found = self._classes.get((field, read))
        if found is None:
            signatures: dict[tuple[bool, ...], int] = {}
            for i, signature in enumerate(zip(*[self._column(a) for a in read])):
                signatures.setdefault(signature, i)  # the values every atom here treats alike: one class
            found = self._classes.remember((field, read), tuple(signatures.values()) if read else (0,))
        return found

    def _space(self, field: str) -> tuple[Any, ...]:
        found = self._spaces.get(field)
        if found is None:
            found = self._spaces[field] = field_space(self.fw, field).values
        return found

    def _column(self, atom: int) -> tuple[bool, ...]:
        """The truth of an atom for each value of its field's space."""
        found = self._columns.get(atom)
        if found is None:
            found = self._columns[atom] = tuple(
                [self.atoms[atom].holds_for(v) for v in self._space(self.atoms[atom].field)])
        return found

    def _reduce(self, condition: Condition, case: Case, filled: frozenset[str]) -> Node | bool:
        # the three-valued evaluation of wiebetaalt.model.conditions, keeping the open parts
        if isinstance(condition, Atom):
            value = field_value(case, condition.field)
            if condition.op == "known":
                return (value is not None or condition.field in filled) is bool(condition.value)
            if value is not None:
                return condition.holds_for(value)
            number = self._atom_number.setdefault(id(condition), len(self.atoms))
            if number == len(self.atoms):
                self.atoms.append(condition)
            return ("atom", number)
        if isinstance(condition, Not):
            inner = self._reduce(condition.not_, case, filled)
            return (not inner) if isinstance(inner, bool) else ("not", inner)
        decisive = not isinstance(condition, All)  # true settles an any, false an all
        reduced = [self._reduce(part, case, filled) for part in parts(condition)]
        if any(r is decisive for r in reduced):
            return decisive
        left = [r for r in reduced if not isinstance(r, bool)]
        if not left:
            return not decisive
        return left[0] if len(left) == 1 else ("any" if decisive else "all", *left)


def _atom_numbers(node: Node | bool) -> tuple[int, ...]:
    if isinstance(node, bool):
        return ()
    if node[0] == "atom":
        return (node[1],)
    return tuple(a for part in node[1:] for a in _atom_numbers(part))


def _compile(node: Node | bool, table: list[Atom]) -> Callable[[dict[str, Any]], bool]:
    """A residual as a function of the values of its fields (each value known)."""
    if isinstance(node, bool):
        return lambda values: node
    if node[0] == "atom":
        atom = table[node[1]]
        holds, field = atom.holds_for, atom.field
        return lambda values: holds(values[field])
    if node[0] == "not":
        inner = _compile(node[1], table)
        return lambda values: not inner(values)
    found = [_compile(part, table) for part in node[1:]]
    if node[0] == "all":
        return lambda values: all([part(values) for part in found])
    return lambda values: any([part(values) for part in found])
