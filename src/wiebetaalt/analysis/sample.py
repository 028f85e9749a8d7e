"""Random dives into the part of the tree the exploration left unvisited (:mod:`wiebetaalt.analysis.explore`).

When the node budget runs out, :func:`sample` takes random paths from the unvisited nodes down to a
leaf, with the choices drawn by Hypothesis (a seeded generator without it), so that the map still
says what lies beyond the budget, as a sample.
"""

from __future__ import annotations

import itertools
import random

from .explore import Explorer, Leaf, Node, outcome_key
from .findings import Sampling

# choices drawn per dive; a dive that needs more uses them again
_DEPTH = 48


def sample(explorer: Explorer, count: int) -> tuple[Sampling, list[Leaf]]:
    """Dive ``count`` times from a random node the exploration left unvisited down to a leaf,
    taking a random value wherever the tree branches.

    A dive goes where the exploration would have gone, so it reaches the rules that need
    several facts at once, and its leaf is as small a witness as an explored one.
    """
    drawn, sampler = _draw_dives(len(explorer.frontier), count)
    known = {outcome_key(leaf.outcome) for leaf in explorer.leaves}
    found: list[Leaf] = []
    settled = 0
    explored = explorer.nodes
    for number, (start, choices) in enumerate(drawn, start=explored):
        leaf = _dive(explorer, explorer.frontier[start], choices, number)
        if leaf is None:
            continue
        settled += 1
        key = outcome_key(leaf.outcome)
        explorer.sample_hits[key] = explorer.sample_hits.get(key, 0) + 1
        if key not in known:
            known.add(key)
            found.append(leaf)
    # the nodes count what the exploration decided; the dives are counted as samples
    explorer.nodes = explored
    return Sampling(len(drawn), sampler, settled, len(found)), found

def _dive(explorer: Explorer, start: Node, choices: list[int], number: int) -> Leaf | None:
    """The first settled case on a random path from ``start`` that no leaf above explains (None
    when there is none); the path goes on below it until nothing can change a rule."""
    node = start
    first: Leaf | None = None
    for step in itertools.count():
        found, branches = explorer.visit(node, number)
        for leaf in found:
            leaf.sampled = True
            if first is None:
                first = leaf
        if not branches:
            return first
        fact, group, key = branches[choices[2 * step % len(choices)] % len(branches)]
        options = explorer.children(group, node[1], fact, key)
        node = options[choices[(2 * step + 1) % len(choices)] % len(options)]
    raise AssertionError("unreachable")  # pragma: no cover - itertools.count does not end


def _draw_dives(starts: int, count: int) -> tuple[list[tuple[int, list[int]]], str]:
    """``count`` random dives: where to start (of ``starts`` unvisited nodes) and the choices on the way."""
    if starts == 0:
        return [], "hypothesis"
    drawn: list[tuple[int, list[int]]] = []
    # imported here so that `import wiebetaalt` does not load Hypothesis
    try:
        from hypothesis import HealthCheck, Phase, given, settings, strategies
    except ModuleNotFoundError as error:
        if error.name != "hypothesis":
            raise
        # Hypothesis comes with the extra `testing`; without it the same draw comes from a seeded
        # generator, so the map is still the same on every run
        generator = random.Random(f"{starts}:{count}")
        return [(generator.randrange(starts), [generator.randrange(1 << 16) for _ in range(_DEPTH)])
                for _ in range(count)], "random"

    @settings(max_examples=count, database=None, derandomize=True, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    # one block of bytes per dive rather than a list of numbers: Hypothesis draws it in one step
    @given(strategies.integers(0, starts - 1), strategies.binary(min_size=2 * _DEPTH, max_size=2 * _DEPTH))
    def collect(start: int, block: bytes) -> None:
        # the engine is not called in here: Hypothesis only draws, so an engine error is never
        # mistaken for a failing example
        drawn.append((start, [int.from_bytes(block[i : i + 2], "big") for i in range(0, len(block), 2)]))

    collect()
    return drawn, "hypothesis"
