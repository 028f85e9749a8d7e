"""The frameworks that install with the package: the national framework and the example regions.

They live in the repository's ``rules/`` folder, where policymakers edit them; the package reaches
them as ``wiebetaalt/frameworks`` (a link to that folder in a checkout, a copy in a wheel), so
that ``wiebetaalt decide case.yaml`` decides with the national framework from any folder, and an
overlay can write ``extends: landelijk``. An installed framework is named by its file name
without ``.yaml``.
"""

from __future__ import annotations

import re
from pathlib import Path

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")

#: the folder of the installed frameworks
FOLDER = Path(__file__).resolve().parent.parent / "frameworks"
#: the name of the national framework, the default of every command
NATIONAL = "landelijk"


def bundled_frameworks() -> dict[str, Path]:
    """Every installed framework by name (its file name without ``.yaml``), the national one first."""
    files = sorted(FOLDER.rglob("*.yaml"), key=lambda path: (path.parent != FOLDER, path.stem))
    return {path.stem: path for path in files}


def is_name(text: str) -> bool:
    """Whether ``text`` names an installed framework rather than a file: letters, digits, - and _."""
    return _NAME.fullmatch(text) is not None


def bundled_path(name: str) -> Path | None:
    """The file of the installed framework ``name``, or None when there is none of that name."""
    return bundled_frameworks().get(name) if is_name(name) else None
