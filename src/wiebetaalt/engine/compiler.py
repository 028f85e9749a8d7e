"""Framework → a plain durable_rules ruleset (JSON-able dict), deterministically.

Every rule and every party source with a ``when`` becomes durable rules that tell its truth for a
case: true, unknown, or (where the unknown pattern is too large) false (:mod:`.patterns`). The
rules are split into parts that durable can build and walk (:mod:`.network`). Resolution then
knows, for every rule, whether it holds, may hold, or does not, and never guesses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import FrameworkError, Problem
from ..model.conditions import Condition
from ..model.framework import Framework, Period
from .fact import FIELD_KEYS, PEILDATUM_KEY
from .network import STACK_LIMIT, AlphaNetwork
from .patterns import (
    MAX_CONNECTIVES, Pattern, PatternTooLarge, conjunction, connectives, false_pattern, split_pattern, true_pattern,
    unknown_pattern,
)

CATCH_ALL = "catch"


def _in_force(period: Period) -> list[Pattern]:
    parts: list[Pattern] = []
    if period.valid_from is not None:
        parts.append({"$gte": {PEILDATUM_KEY: period.valid_from.toordinal()}})
    if period.valid_to is not None:
        parts.append({"$lt": {PEILDATUM_KEY: period.valid_to.toordinal()}})
    return parts


@dataclass(frozen=True)
class CompiledFramework:
    """A framework with its durable ruleset.

    ``names`` maps durable rule names to (state, id), state being "true", "unknown" or "false";
    ``complement`` lists the items with a false rule instead of an unknown rule, with the period
    they are in force: such an item is unknown when in force and neither true nor false.
    """

    framework: Framework
    ruleset: dict[str, Any]
    names: dict[str, tuple[str, str]]
    complement: tuple[tuple[str, Period], ...]
    digest: str
    #: the short keys of the case fields some pattern reads; the others need not cross into durable
    keys: frozenset[str] = frozenset(FIELD_KEYS.values())
    #: the durable rule names of each part: durable builds every part as a ruleset of its own,
    #: with :data:`CATCH_ALL`, and can walk it for every fact (:mod:`wiebetaalt.engine.network`)
    parts: tuple[tuple[str, ...], ...] = ()

    def part_rulesets(self) -> list[dict[str, Any]]:
        """One durable ruleset per part, each with the catch-all."""
        return [{**{name: self.ruleset[name] for name in part}, CATCH_ALL: self.ruleset[CATCH_ALL]}
                for part in self.parts]


#: durable matches its own session object ({"sid", "id", "$s"}) against every rule too; a pattern
#: such as "field absent" would fire on it. Every pattern therefore requires the case marker.
IS_CASE: dict[str, Any] = {"$ex": {"cid": 1}}


def _items(framework: Framework) -> Iterator[tuple[str, str, Condition, Period, tuple[str | int, ...]]]:
    """(durable name stem, rule or source id, condition, period, path of its ``when``)."""
    for i, rule in enumerate(framework.rules):
        yield str(i), rule.id, rule.when, rule, ("rules", i, "when")
    for j, funder in enumerate(framework.funders):
        for k, source in enumerate(funder.party or []):
            if source.when is not None:  # an unconditional source needs no matching
                yield f"{j}_{k}", source.id, source.when, source, ("funders", j, "party", k, "when")


#: state -> durable name prefix for (a rule, a party source)
_NAME_PREFIX = {"true": ("t", "p"), "unknown": ("u", "q"), "false": ("f", "g")}


def _fits(pattern: Pattern) -> bool:
    return pattern is None or connectives(pattern) <= MAX_CONNECTIVES


def compile_framework(framework: Framework) -> CompiledFramework:
    """Compile every rule and every party source into durable rules that tell its truth.

    Each item gets a *true* rule and, to tell "unknown" from "false", either an *unknown* rule or,
    when the unknown pattern is too large for one durable rule, a *false* rule; the engine then
    takes an item in force that is neither true nor false as unknown (``CompiledFramework.
    complement``). Unknown rules are preferred because they rarely fire, and each firing costs
    a round trip into durable. A pattern still too large is split into several durable rules
    under the same id. A catch-all rule matches every case: durable fails (and can crash when the
    session is later deleted) on a fact that no rule takes.

    The result is plain data, the same for the same framework, so it can be inspected and
    snapshot-tested.

    Raises:
        FrameworkError: a condition is too large to compile (code ``condition-too-large``, with
            the path of its ``when``; the loader reports it at its line).
    """
    ruleset: dict[str, Any] = {}
    names: dict[str, tuple[str, str]] = {}
    paths: dict[str, tuple[str | int, ...]] = {}
    complement: list[tuple[str, Period]] = []
    problems: list[Problem] = []
    for stem, item, condition, period, path in _items(framework):
        window = _in_force(period)
        patterns = {"true": conjunction([IS_CASE, true_pattern(condition), *window])}
        unknown = conjunction([IS_CASE, unknown_pattern(condition), *window])
        if _fits(unknown):
            patterns["unknown"] = unknown
        else:
            patterns["false"] = conjunction([IS_CASE, false_pattern(condition), *window])
            complement.append((item, period))
        for state, pattern in patterns.items():
            if pattern is None:
                continue  # can never match
            try:
                parts = split_pattern(pattern)
            except PatternTooLarge as error:
                problems.append(Problem(
                    f"<framework {framework.framework}>", 0, 0, "condition-too-large",
                    f"de voorwaarde van {item!r} is te groot voor durable_rules: {error}",
                    "verdeel haar over meer regels, of schrijf haar met minder geneste any/all", path))
                break
            name = _NAME_PREFIX[state][path[0] != "rules"]
            for n, part in enumerate(parts):
                durable_name = f"{name}{stem}" if len(parts) == 1 else f"{name}{stem}_{n}"
                ruleset[durable_name] = {"all": [{"m": part}], "pri": 1}
                names[durable_name] = (state, item)
                paths[durable_name] = path
    partition = _partition(framework, ruleset, names, paths, problems)
    if problems:
        raise FrameworkError(problems)
    ruleset[CATCH_ALL] = {"all": [{"m": IS_CASE}], "pri": 2}
    text = json.dumps(ruleset, sort_keys=True)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    keys = frozenset(key for key in FIELD_KEYS.values() if f'"{key}"' in text)
    return CompiledFramework(framework, ruleset, names, tuple(complement), digest, keys, partition)


def _partition(framework: Framework, ruleset: dict[str, Any], names: dict[str, tuple[str, str]],
               paths: dict[str, tuple[str | int, ...]], problems: list[Problem]) -> tuple[tuple[str, ...], ...]:
    """Split the durable rules, in order, into parts durable can build and walk for every fact.

    Rules that stay open together for one case (a region's rule per school, all open while the
    school is unknown) can need more of durable's walk than it has; crossing that limit crashes the
    process (see :mod:`wiebetaalt.engine.network`). Each part is matched on its own, so what fired is the
    same as in one ruleset. Most frameworks fit in one part.
    """
    parts: list[list[str]] = []
    current: list[str] = []
    network = AlphaNetwork([IS_CASE])
    for name, rule in ruleset.items():
        pattern = rule["all"][0]["m"]
        network.add(pattern)
        if network.fits():
            current.append(name)
            continue
        alone = AlphaNetwork([IS_CASE, pattern])
        if not alone.fits():
            problems.append(Problem(
                f"<framework {framework.framework}>", 0, 0, "condition-too-large",
                f"de voorwaarde van {names[name][1]!r} opent meer tests tegelijk dan durable_rules kan volgen "
                f"(hoogstens {STACK_LIMIT})", "verdeel haar over meer regels, of schrijf haar met minder geneste any/all",
                paths[name]))
            network = AlphaNetwork([IS_CASE, *(ruleset[n]["all"][0]["m"] for n in current)])
            continue
        parts.append(current)
        current, network = [name], alone
    if current or not parts:
        parts.append(current)
    return tuple(tuple(part) for part in parts)
