"""Benchmark: a year's caseload through `wiebetaalt batch`, on one core and on all of them.

Generates cases (the same generator as bench/decide.py) into a CSV file, then runs the command line
end to end (start, load the framework, read, decide, write) with --jobs 1 and with every core, and
measures in the same run a plain-Python floor: the same pipeline in this process (validation,
preparation, resolution) with durable's matching replaced by plain-Python closures over the same
rules, on the same cases. Prints cases/s, µs per case, the ratio to the floor per core, and the
peak RSS of all processes of a run (sampled from /proc), for a run of a tenth of the cases and of
all of them, so that memory growth with the input would show.

Targets (issue 6): batch ≤ 5× the floor per core; 500,000 cases in under 60 s on 2 cores.

    python bench/batch.py [--cases 500000] [--floor-cases 50000] [--jobs N]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from decide import plain_matcher, random_case  # noqa: E402

from wiebetaalt import load_framework  # noqa: E402
from wiebetaalt.batch import INPUT_COLUMNS, default_jobs  # noqa: E402
from wiebetaalt.engine.engine import Engine  # noqa: E402
from wiebetaalt.decision.resolve import Resolver  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def write_cases(path: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(INPUT_COLUMNS)
        for number in range(count):
            case = random_case(rng)
            flat = {"id": f"C{number}", "peildatum": case["peildatum"]}
            for section in ("kind", "school", "hulpvraag"):
                for name, value in case.get(section, {}).items():
                    flat[f"{section}.{name}"] = ("true" if value else "false") if isinstance(value, bool) else value
            writer.writerow([flat.get(column, "") for column in INPUT_COLUMNS])


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run(source: Path, target: Path, jobs: int) -> tuple[float, int, str]:
    """Wall seconds, peak RSS of the whole process tree, and standard error of one batch run."""
    command = [sys.executable, "-m", "wiebetaalt", "batch", str(source), "-o", str(target), "--jobs", str(jobs),
               "--framework", str(ROOT / "rules" / "landelijk.yaml"), "--quiet"]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"batch failed ({process.returncode}): {err}")
    return seconds, peak, err.strip().splitlines()[-1]


def statuses(path: Path) -> Counter[str]:
    with path.open(newline="", encoding="utf-8") as stream:
        return Counter(row["status"] for row in csv.DictReader(stream))


def floor(cases: int, seed: int) -> float:
    """µs per case of the plain-Python pipeline on the first ``cases`` generated cases."""
    framework = load_framework(ROOT / "rules" / "landelijk.yaml")
    engine = Engine(framework)  # only to prepare cases as the engine does; matching is plain Python
    plain, resolver = plain_matcher(framework), Resolver(framework)
    rng = random.Random(seed)
    raw = [random_case(rng) for _ in range(cases)]
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for item in raw:
            case = engine.prepare(item)
            resolver.resolve(case, plain(case))
        best = min(best, time.perf_counter() - start)
    return best / cases * 1e6


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=500_000)
    parser.add_argument("--floor-cases", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=default_jobs(), help="all cores (default %(default)s)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"wiebetaalt batch benchmark: national framework, {args.cases:,} generated cases, {args.jobs} cores, "
          f"Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as folder:
        small, large, out = Path(folder, "small.csv"), Path(folder, "cases.csv"), Path(folder, "out.csv")
        start = time.perf_counter()
        write_cases(large, args.cases, args.seed)
        write_cases(small, max(1, args.cases // 10), args.seed)
        print(f"  input: {large.stat().st_size / 2**20:,.0f} MiB of CSV, generated in {time.perf_counter() - start:.1f} s")

        floor_us = floor(args.floor_cases, args.seed)
        print(f"  plain-Python floor (same pipeline, matching in plain Python, {args.floor_cases:,} cases, "
              f"in-process, no files): {floor_us:.1f} µs/case")
        results: dict[int, tuple[float, int]] = {}
        for jobs in sorted({1, args.jobs}):
            seconds, peak, line = run(large, out, jobs)
            per_core = seconds * jobs / args.cases * 1e6
            results[jobs] = seconds, peak
            print(f"  --jobs {jobs}: {args.cases:,} cases end to end in {seconds:.1f} s = {args.cases / seconds:,.0f} cases/s, "
                  f"{seconds / args.cases * 1e6:.1f} µs/case ({per_core:.1f} µs per case per core, "
                  f"{per_core / floor_us:.2f}× the floor); peak RSS {peak / 2**20:,.0f} MiB")
            print(f"    {line}")
            found = statuses(out)
            assert sum(found.values()) == args.cases, "an input row has no output row"
        print(f"  output rows: {sum(found.values()):,} ({', '.join(f'{k} {v:,}' for k, v in found.most_common())})")
        seconds, peak = results[args.jobs]
        _, small_peak, _ = run(small, out, args.jobs)
        print(f"  memory with --jobs {args.jobs}: peak RSS {small_peak / 2**20:,.0f} MiB for {args.cases // 10:,} cases, "
              f"{peak / 2**20:,.0f} MiB for {args.cases:,} ({peak / small_peak:.2f}×)")
        print(f"  speed-up of {args.jobs} cores over 1: {results[1][0] / seconds:.2f}×")
        per_core = seconds * args.jobs / args.cases * 1e6
        print(f"  targets: ≤ 5× the floor per core: {'met' if per_core <= 5 * floor_us else 'NOT met'} "
              f"({per_core / floor_us:.2f}×); {args.cases:,} cases under 60 s: {'met' if seconds < 60 else 'NOT met'} "
              f"({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
