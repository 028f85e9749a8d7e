"""The benchmark script still runs: its first step checks the plain-Python floor against durable."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_the_benchmark_runs_on_a_few_cases_and_prints_its_ratios():
    done = subprocess.run([sys.executable, "bench/decide.py", "--cases", "300", "--runs", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "ratio decide, everything included" in done.stdout and "ratio matching alone" in done.stdout


def test_the_batch_benchmark_runs_on_a_few_cases_and_prints_its_figures():
    done = subprocess.run([sys.executable, "bench/batch.py", "--cases", "2000", "--floor-cases", "300"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for figure in ("cases/s", "µs per case per core", "the floor", "peak RSS", "speed-up of", "targets:"):
        assert figure in done.stdout, figure
