"""Testing frameworks: the examples in rule files (``wiebetaalt test``), the pytest plugin that
collects them, and the test kit for Hypothesis (docs/testing.md).

The kit's names (``cases``, ``assert_invariants``, …) are imported from :mod:`.kit` when first used:
the kit needs Hypothesis, an extra, and the pytest plugin, which lives in this package and which
pytest imports in every project that has wiebetaalt installed, must not pull it in.
``from wiebetaalt.testing import cases`` without Hypothesis raises ModuleNotFoundError with the
command that installs it.
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from .kit import (
        INDIVIDUAL_YOUTH_CARE,
        assert_cites_legal_basis,
        assert_decides,
        assert_deterministic,
        assert_invariants,
        assert_no_funder_from_unknown_facts,
        assert_school_location_irrelevant,
        assert_shares_sum_to_one,
        cases,
    )

__all__ = (
    "INDIVIDUAL_YOUTH_CARE",
    "assert_cites_legal_basis",
    "assert_decides",
    "assert_deterministic",
    "assert_invariants",
    "assert_no_funder_from_unknown_facts",
    "assert_school_location_irrelevant",
    "assert_shares_sum_to_one",
    "cases",
)

if not _typing.TYPE_CHECKING:  # hidden from type checkers, so that a misspelt name stays an error

    def __getattr__(name: str) -> object:
        if name not in __all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        kit = _importlib.import_module(".kit", __name__)
        for public in __all__:
            globals()[public] = getattr(kit, public)
        return globals()[name]

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
