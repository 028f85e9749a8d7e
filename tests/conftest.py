"""Shared fixtures: the national framework and one engine per test session.

An Engine registers a durable ruleset, which is worth sharing: tests and Hypothesis examples
reuse one engine instead of compiling per example.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from wiebetaalt import Engine, Framework, load_framework

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"

settings.register_profile("dev", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def national() -> Framework:
    return load_framework(RULES / "landelijk.yaml")


@pytest.fixture(scope="session")
def engine(national: Framework) -> Engine:
    return Engine(national)
