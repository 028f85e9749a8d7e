"""Benchmark: one case at a time on the national framework, beside a plain-Python floor.

Prints µs per decide() and cases/s, and the same pipeline with durable's matching replaced by a
plain-Python evaluation of the same rules (closures over the validated case), measured in the
same run on the same cases. The target (issue 2): decide() ≤ 12× the plain-Python floor.

The floor keeps its own evaluator on purpose. A baseline may not be the library's own code, and
the tests' oracle (tests/reference.py) interprets the conditions anew for every case: about three
times slower than these closures, it would flatter the ratio.

    python bench/decide.py [--cases 20000] [--framework rules/landelijk.yaml]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from wiebetaalt import Engine, Escalation, EscalationReason, load_framework
from wiebetaalt.model.case import CASE_FIELDS, Case
from wiebetaalt.model.conditions import All, AnyOf, Atom, Condition, Not
from wiebetaalt.model.framework import Framework
from wiebetaalt.decision.resolve import Resolver, Truth

Tri = Callable[[Case], "bool | None"]
MUNICIPALITIES = ["Schiedam", "Vlaardingen", "Maassluis", "Rotterdam", "Delft"]


def random_case(rng: random.Random, known: float = 0.8) -> dict[str, Any]:
    case: dict[str, Any] = {"peildatum": (dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4000))).isoformat()}
    for path, ftype in CASE_FIELDS.items():
        if path == "peildatum" or rng.random() > known:
            continue
        section, name = path.split(".")
        if ftype.value_type == "bool":
            value: Any = rng.random() < 0.5
        elif ftype.value_type == "enum":
            value = rng.choice(ftype.values)
        elif ftype.value_type == "int":
            value = rng.randint(ftype.minimum or 0, ftype.maximum or 20)
        elif ftype.value_type == "date":
            value = (dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(4000))).isoformat()
        elif name == "postcode":
            value = rng.choice(["3132AB", "3111XY", "9999ZZ"])
        else:
            value = rng.choice(MUNICIPALITIES)
        case.setdefault(section, {})[name] = value
    return case


def _getter(path: str) -> Callable[[Case], Any]:
    section, _, name = path.partition(".")
    if not name:
        return lambda case: getattr(case, section)
    return lambda case: getattr(getattr(case, section), name)


def compile_tri(condition: Condition) -> Tri:
    """A condition as a closure in three-valued logic: the fastest plain-Python evaluation."""
    if isinstance(condition, (All, AnyOf)):
        parts = [compile_tri(c) for c in (condition.all if isinstance(condition, All) else condition.any)]
        stop = isinstance(condition, AnyOf)  # any stops at True, all at False

        def combine(case: Case) -> bool | None:
            unknown = False
            for part in parts:
                result = part(case)
                if result is stop:
                    return stop
                unknown |= result is None
            return None if unknown else not stop

        return combine
    if isinstance(condition, Not):
        inner = compile_tri(condition.not_)
        return lambda case: None if (r := inner(case)) is None else not r
    assert isinstance(condition, Atom)
    get, op, target = _getter(condition.field), condition.op, condition.value
    if CASE_FIELDS[condition.field].value_type == "date" and op != "known":
        # rule files write dates as text; the case holds dates
        target = [dt.date.fromisoformat(t) for t in target] if isinstance(target, list) else dt.date.fromisoformat(target)
    if op == "known":
        return lambda case: (get(case) is not None) == target
    test: Callable[[Any], bool] = {
        "eq": lambda v: v == target, "ne": lambda v: v != target,
        "in": lambda v: v in target, "not_in": lambda v: v not in target,
        "lt": lambda v: v < target, "lte": lambda v: v <= target,
        "gt": lambda v: v > target, "gte": lambda v: v >= target,
    }[op]
    return lambda case: None if (v := get(case)) is None else test(v)


def plain_matcher(framework: Framework) -> Callable[[Case], Truth]:
    items = [(r.id, compile_tri(r.when), r) for r in framework.rules]
    items += [(s.id, compile_tri(s.when), s) for f in framework.funders for s in f.party or [] if s.when is not None]

    def match(case: Case) -> Truth:
        true, unknown = set(), set()
        for ident, test, period in items:
            if period.in_force(case.peildatum):
                result = test(case)
                if result:
                    true.add(ident)
                elif result is None:
                    unknown.add(ident)
        return Truth(frozenset(true), frozenset(unknown))

    return match


def best_of(runs: int, work: Callable[[], None]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--framework", type=Path, default=Path("rules/landelijk.yaml"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    framework = load_framework(args.framework)
    engine = Engine(framework)
    rng = random.Random(2026)
    cases = [random_case(rng) for _ in range(args.cases)]
    prepared = [engine.prepare(c) for c in cases]
    plain = plain_matcher(framework)

    # same answers first: a fast floor that decides differently would prove nothing
    for raw, case in zip(cases[:2000], prepared):
        assert plain(case) == engine.match(case), raw

    def engine_full() -> None:
        # the plain floor does not work out which answers settle a missing-facts escalation either
        for raw in cases:
            engine.decide(raw, settle=False)

    resolver = Resolver(framework)  # built once, as the engine does

    def plain_full() -> None:
        for raw in cases:
            case = engine.prepare(raw)
            resolver.resolve(case, plain(case))

    def engine_match() -> None:
        for case in prepared:
            engine.match(case)

    def plain_match() -> None:
        for case in prepared:
            plain(case)

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n = len(cases)
    figures = {name: best_of(args.runs, work) / n * 1e6 for name, work in
               [("decide (durable)", engine_full), ("decide (plain Python)", plain_full),
                ("match (durable)", engine_match), ("match (plain Python)", plain_match)]}
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"framework {args.framework} ({len(framework.rules)} rules), {n} generated cases, best of {args.runs} runs, "
          f"Python {sys.version.split()[0]}")
    for name, micros in figures.items():
        print(f"  {name:<24} {micros:8.1f} µs/case  {1e6 / micros:10,.0f} cases/s")
    full = figures["decide (durable)"] / figures["decide (plain Python)"]
    match = figures["match (durable)"] / figures["match (plain Python)"]
    print(f"  ratio decide, everything included (validation, matching, resolution): {full:.2f}× the plain-Python floor "
          f"(target ≤ 12×)")
    print(f"  ratio matching alone: {match:.2f}×")
    print(f"  peak RSS {rss_after / 1024:.0f} MiB (before the timed runs {rss_before / 1024:.0f} MiB)")
    # settling: the extra work decide() does for a missing-facts escalation (deciding it again per answer)
    open_cases = [raw for raw in cases[:2000] if _needs_facts(engine.decide(raw, settle=False))][:200]
    if open_cases:
        plain_time = best_of(args.runs, lambda: [engine.decide(raw, settle=False) for raw in open_cases])
        settled_time = best_of(1, lambda: [engine.decide(raw) for raw in open_cases])
        print(f"  settling a missing-facts escalation ({len(open_cases)} cases): "
              f"{settled_time / len(open_cases) * 1e3:.1f} ms/case, {settled_time / plain_time:.0f}× deciding it "
              "without (decide(case, settle=False) leaves it out)")
    return 0


def _needs_facts(outcome: object) -> bool:
    return isinstance(outcome, Escalation) and outcome.reason is EscalationReason.MISSING_FACTS


if __name__ == "__main__":
    sys.exit(main())
