"""Property tests a region writes for its own overlay with wiebetaalt.testing (docs/testing.md).

Run: python -m pytest examples/regio-test/
"""

from pathlib import Path

from hypothesis import given, settings

from wiebetaalt import Decision, Engine, load_framework
from wiebetaalt.testing import aimed_examples, assert_invariants, cases

FRAMEWORK = load_framework(Path(__file__).parents[2] / "rules" / "regio" / "waterweg.yaml")
ENGINE = Engine(FRAMEWORK)
AGREEMENT = "waterweg-collectieve-jeugdhulp-op-school"


@settings(max_examples=50, deadline=None)
@given(cases(FRAMEWORK))
@aimed_examples(FRAMEWORK)
def test_every_case_keeps_the_invariants(case):
    assert_invariants(ENGINE, case)


@settings(max_examples=50, deadline=None)
@given(cases(FRAMEWORK, satisfying=AGREEMENT))
def test_the_three_municipalities_share_collective_help_at_school(case):
    outcome = assert_invariants(ENGINE, case)
    if isinstance(outcome, Decision) and AGREEMENT in outcome.rules:
        assert {share.entity for share in outcome.shares} == {
            "gemeente Schiedam", "gemeente Vlaardingen", "gemeente Maassluis"}
