"""Testing frameworks: the examples in rule files (``wiebetaalt test``), the pytest plugin that
collects them, and the test kit for Hypothesis (docs/testing.md).

The kit is :func:`cases` (:mod:`.strategies`), a Hypothesis strategy of cases, with
:func:`aimed_examples` (:mod:`.aims`), explicit examples aimed at every rule and party source, and
the invariants every outcome keeps (``assert_invariants`` and the assertions it combines,
:mod:`.invariants`).
Its names are imported from their modules when first used: the strategies need Hypothesis, an
extra, and the pytest plugin, which lives in this package and which pytest imports in every
project that has wiebetaalt installed, must not pull it in. ``from wiebetaalt.testing import
cases`` without Hypothesis raises ModuleNotFoundError with the command that installs it.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .invariants import (
        INDIVIDUAL_YOUTH_CARE,
        assert_cites_legal_basis,
        assert_decides,
        assert_deterministic,
        assert_invariants,
        assert_no_funder_from_unknown_facts,
        assert_school_location_irrelevant,
        assert_shares_sum_to_one,
    )
    from .aims import aimed_examples
    from .strategies import cases

__all__ = (
    "INDIVIDUAL_YOUTH_CARE",
    "aimed_examples",
    "assert_cites_legal_basis",
    "assert_decides",
    "assert_deterministic",
    "assert_invariants",
    "assert_no_funder_from_unknown_facts",
    "assert_school_location_irrelevant",
    "assert_shares_sum_to_one",
    "cases",
)

_HOMES = {name: {"aimed_examples": "aims", "cases": "strategies"}.get(name, "invariants") for name in __all__}

if not _typing.TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name stays an error

    def __getattr__(name: str) -> object:
        if name not in _HOMES:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        try:
            module = _importlib.import_module(f".{_HOMES[name]}", __name__)
        except ModuleNotFoundError as error:
            # Hypothesis is an extra (`import wiebetaalt` does not need it): say how to get it; a
            # module missing inside an installed Hypothesis is another fault and keeps its message
            if error.name != "hypothesis":
                raise
            raise ModuleNotFoundError(
                "wiebetaalt.testing needs Hypothesis, which is not installed; install it with: "
                "pip install 'wiebetaalt[testing]'", name="hypothesis") from error
        for public, home in _HOMES.items():
            if home == _HOMES[name]:
                globals()[public] = getattr(module, public)
        return globals()[name]

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
