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


def test_the_map_benchmark_writes_a_region_of_fifty_rules_and_maps_it_completely(tmp_path):
    done = subprocess.run([sys.executable, "bench/analyse.py", "--repeat", "1", "--keep", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    region = (tmp_path / "rijnstreek.yaml").read_text(encoding="utf-8")
    # fifty rule ids, ten of them twice (a second, dated version)
    ids = [line.split(":", 1)[1].strip() for line in region.splitlines() if line.startswith("  - id:")]
    assert len(set(ids)) == 50 and len(ids) == 60
    lines = [line for line in done.stdout.splitlines() if "complete=" in line]
    assert len(lines) == 2 and all("complete=True" in line for line in lines), done.stdout
    assert "16 periods" in lines[1] and "target under 10 s" in done.stdout
