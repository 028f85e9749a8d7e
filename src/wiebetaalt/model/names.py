"""One spelling per name: a case's municipalities, SWVs and other names as the framework writes them.

Rules compare text exactly, so ``vlaardingen`` in a case would silently miss an agreement written
for ``Vlaardingen``. The fields of one family (:data:`~wiebetaalt.model.fields.Family`) share
their names; each other text field has its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .case import CASE_FIELDS, Case, replaced
from .text import name_key


class KnownNames:
    """The spellings of names (municipalities, SWVs, …) that a framework compares case fields with.

    :meth:`canonical` gives a case every name in the spelling known for its field, whatever its
    case or spacing; a name not known stays as written (it may be a municipality that no rule
    names). The :data:`~wiebetaalt.model.case.MUNICIPALITY_FIELDS` share their names, and so do
    the :data:`~wiebetaalt.model.case.SWV_FIELDS`; each other text field has its own. Where two
    known spellings differ only in case, the first one given wins.

    Args:
        names: per dotted text field, its known spellings, the preferred first
            (:func:`wiebetaalt.engine.engine.known_names` gives them for a framework).
    """

    def __init__(self, names: Mapping[str, Iterable[str]]) -> None:
        groups: dict[str, dict[str, str]] = {}
        for path, spellings in names.items():
            group = groups.setdefault(_name_group(path), {})
            for spelling in spellings:
                group.setdefault(name_key(spelling), spelling)
        # per section, (field, the exact spellings, key → spelling) for each text field that has names
        checks: dict[str, list[tuple[str, frozenset[str], dict[str, str]]]] = {}
        for path, ftype in CASE_FIELDS.items():
            index = groups.get(_name_group(path))
            if ftype.value_type == "str" and "." in path and index:
                section, _, field = path.partition(".")
                checks.setdefault(section, []).append((field, frozenset(index.values()), index))
        self._checks = [(section, tuple(fields)) for section, fields in checks.items()]

    def canonical(self, case: Case) -> Case:
        """``case`` with each known name spelt as known; the case itself when nothing changes."""
        changes: dict[str, dict[str, str]] = {}
        for section, fields in self._checks:
            values = getattr(case, section).__dict__  # this runs for every case: no getattr per field
            for field, exact, index in fields:
                value = values[field]
                # most values are unknown or spelt as the framework spells them: two cheap tests
                if value is None or value in exact:
                    continue
                spelling = index.get(name_key(value))
                if spelling is not None:
                    changes.setdefault(section, {})[field] = spelling
        if not changes:
            return case
        return replaced(case, {section: replaced(getattr(case, section), values) for section, values in changes.items()})


def _name_group(path: str) -> str:
    """The fields whose names are shared: its family, or the field alone."""
    ftype = CASE_FIELDS.get(path)
    family = ftype.family if ftype is not None else None
    return family if family in ("municipality", "samenwerkingsverband") else path
