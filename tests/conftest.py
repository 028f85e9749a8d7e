"""Shared fixtures: the national framework and one engine per test session.

An Engine registers a durable ruleset, which is worth sharing: tests and Hypothesis examples
reuse one engine instead of compiling per example.
"""

from __future__ import annotations

import os
import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from wiebetaalt import Engine, Framework, load_framework

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


@functools.cache
def bundled() -> dict[str, Framework]:
    """The bundled frameworks by name, loaded once for every test module that reads them at import
    (a Hypothesis strategy needs its framework when the test is defined, before fixtures exist)."""
    return {
        "landelijk": load_framework(RULES / "landelijk.yaml"),
        "heuvelland": load_framework(RULES / "regio" / "heuvelland.yaml"),
        "waterweg": load_framework(RULES / "regio" / "waterweg.yaml"),
    }


settings.register_profile("dev", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def national() -> Framework:
    return load_framework(RULES / "landelijk.yaml")


@pytest.fixture(scope="session")
def engine(national: Framework) -> Engine:
    return Engine(national)


#: A minimal valid framework: one route, one funder with one party source, one rule, one example.
#: Tests that need a framework of their own change a copy of it (:func:`minimal_framework_data`).
MINIMAL_FRAMEWORK = """\
schema_version: 1
framework: test
title: Testkader
version: "1"
precedence: [jeugdwet, onderwijs]
default_route: tafel
routes:
  - id: tafel
    name: Regionale tafel
    description: De regionale escalatietafel.
funders:
  - id: gemeente
    name: Woonplaatsgemeente
    party:
      - id: partij-gemeente
        field: kind.brp_gemeente
        prefix: gemeente
rules:
  - id: jeugdhulp
    title: Jeugdhulp betaalt de gemeente
    domain: jeugdwet
    when: {field: hulpvraag.soort, eq: jeugdhulp}
    funder: gemeente
    legal_basis:
      - citation: Jeugdwet art. 2.3
        url: https://example.org/jeugdwet
    explanation: De gemeente betaalt.
examples:
  - name: Voorbeeld
    case:
      peildatum: 2025-03-01
      hulpvraag: {soort: jeugdhulp}
    expect: {funder: gemeente}
"""


@pytest.fixture
def minimal_framework_data() -> dict[str, object]:
    """:data:`MINIMAL_FRAMEWORK` as the plain data the loader reads from it, a fresh copy per test."""
    from wiebetaalt.load.yaml import read_yaml

    data: dict[str, object] = read_yaml(MINIMAL_FRAMEWORK).data
    return data
