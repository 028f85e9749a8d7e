"""The audit record of an outcome.

A municipality that sends a decision to another, or defends it before the Geschillencommissie,
must be able to show which framework decided it and get the same answer again. Every outcome the
:class:`~wiebetaalt.engine.engine.Engine` gives carries an :class:`Audit`: the framework (id, title,
version and a digest of its rule files), the wiebetaalt version, the postcode table, the
peildatum, the presumptions, a digest per rule the outcome rests on, and the case as decided.
:func:`wiebetaalt.analysis.recheck.recheck` takes an outcome stored as ``wiebetaalt decide --json``
wrote it, decides its case again and says whether the outcome still holds. See docs/audit.md.

The per-framework parts are worked out once per Engine (:class:`Auditor`); per outcome the record
costs a few dictionary look-ups.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import PurePath
from typing import Any

from ..load.postcodes import PostcodeTable
from ..model.case import Case
from ..model.framework import Framework, Rule
from .outcome import Decision, Outcome

#: The form of the audit record; a stored record of another form is refused by ``recheck``.
AUDIT_FORMAT = "wiebetaalt-audit/1"

#: The wiebetaalt version when the package metadata cannot be read (a source tree on sys.path).
UNKNOWN_VERSION = "onbekend"


@functools.cache
def package_version() -> str:
    """The installed version of wiebetaalt, or :data:`UNKNOWN_VERSION`."""
    try:
        return metadata.version("wiebetaalt")
    except metadata.PackageNotFoundError:
        return UNKNOWN_VERSION


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(value: Any) -> bytes:
    """``value`` as JSON in one spelling: keys sorted, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def rule_digest(rule: Rule) -> str:
    """``sha256:`` + the SHA-256 of the rule's canonical JSON (every key it sets or defaults).

    The content counts, not the spelling in the file: a comment, the layout or the order of the
    keys does not change it; a condition, a funder, a text or a period does.
    """
    return _sha256(canonical_json(rule.model_dump(mode="json", by_alias=True, exclude_none=True)))


def framework_digest(framework: Framework) -> str:
    """``sha256:`` + the SHA-256 of the SHA-256s of its rule files, base first, one per line.

    That is what ``sha256sum landelijk.yaml regio.yaml | cut -c1-64 | sha256sum`` prints: it
    depends on the bytes of the files and their order only, not on where they lie. A framework
    not loaded from files gets the digest of its canonical JSON instead.
    """
    if framework.sources:
        return _sha256("".join(f"{sha}\n" for _, sha in framework.sources).encode("ascii"))
    return _sha256(canonical_json(framework.model_dump(mode="json", by_alias=True, exclude_none=True)))


def postcode_digest(table: PostcodeTable) -> str:
    """``sha256:`` + the SHA-256 of the table's entries, sorted, as ``postcode<TAB>municipality`` lines."""
    # PostcodeTable has no public way to list its entries; they are normalised, so equal tables
    # (whatever file or order they came from) get one digest
    entries = sorted(table._entries.items())
    return _sha256("".join(f"{code}\t{name}\n" for code, name in entries).encode("utf-8"))


def case_data(case: Case) -> dict[str, Any]:
    """The known facts of ``case`` as plain JSON data, as a case file would give them."""
    data = case.model_dump(mode="json", exclude_none=True)
    return {key: value for key, value in data.items() if value != {}}


@dataclass(frozen=True)
class FrameworkReference:
    """Which framework decided: its id, title, version, digest and rule files (base first)."""

    id: str
    title: str
    version: str
    #: see :func:`framework_digest`
    digest: str
    #: (file name, SHA-256 of its bytes) per rule file, base first; empty when not loaded from files
    files: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, framework: Framework) -> FrameworkReference:
        # the file name without its folder: the record says which files, not where they lay
        files = tuple((PurePath(name).name, sha) for name, sha in framework.sources)
        return cls(framework.framework, framework.title, framework.version, framework_digest(framework), files)

    @functools.cached_property
    def reference(self) -> str:
        """``id@version sha256:…``: the framework in one cell of a row."""
        return f"{self.id}@{self.version} {self.digest}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "version": self.version, "digest": self.digest,
                "files": [{"file": name, "sha256": sha} for name, sha in self.files]}


@dataclass(frozen=True)
class Audit:
    """What an outcome was decided from, so that it can be decided again and compared.

    ``rules`` holds, per rule the outcome rests on (its ``rules`` and, for a decision, the rules
    it set aside), the digest of the version in force on the peildatum (:func:`rule_digest`).
    ``presume`` says whether the framework's presumptions were allowed, and ``presumptions`` names
    the fields of those the outcome rests on. ``case`` is the case as decided (without the presumed
    values): validated, before the engine filled in
    what follows from it (a municipality from a postcode), so deciding it again does the same.
    """

    framework: FrameworkReference
    wiebetaalt: str
    #: the digest of the postcode table the engine used (:func:`postcode_digest`)
    postcodes: str
    #: whether the answers that settle a missing-facts escalation were worked out
    settle: bool
    peildatum: dt.date
    rules: tuple[tuple[str, str], ...]
    presumptions: tuple[str, ...] = ()
    case: Case | None = None
    presume: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": AUDIT_FORMAT,
            "framework": self.framework.to_dict(),
            "wiebetaalt": self.wiebetaalt,
            "postcodes": self.postcodes,
            "settle": self.settle,
            "presume": self.presume,
            "peildatum": self.peildatum.isoformat(),
            "presumptions": list(self.presumptions),
            "rules": [{"id": rule_id, "digest": digest} for rule_id, digest in self.rules],
            "case": case_data(self.case) if self.case is not None else None,
        }


class Auditor:
    """The per-framework parts of the audit record, worked out once; an Engine keeps one."""

    def __init__(self, framework: Framework, postcodes: PostcodeTable) -> None:
        self.framework = FrameworkReference.of(framework)
        self.wiebetaalt = package_version()
        self.postcodes = postcode_digest(postcodes)
        # per rule id, its versions with their (id, digest) pair: one pair object per version,
        # shared by every record that names it, so that a caseload's records cost no more memory
        versions: dict[str, list[tuple[Rule, tuple[str, str]]]] = {}
        for rule in framework.rules:
            versions.setdefault(rule.id, []).append((rule, (rule.id, rule_digest(rule))))
        self._versions = versions
        # a rule with one version has one digest whatever the peildatum
        self._plain = {rule_id: found[0][1] for rule_id, found in versions.items() if len(found) == 1}

    def _pair(self, rule_id: str, day: dt.date) -> tuple[str, str] | None:
        plain = self._plain.get(rule_id)
        if plain is not None:
            return plain
        found = self._versions.get(rule_id)
        if not found:
            return None
        # as the resolver chooses: the version in force, else the first (which then does not hold)
        return next((pair for rule, pair in found if rule.in_force(day)), found[0][1])

    def digest(self, rule_id: str, day: dt.date) -> str | None:
        """The digest of the version of ``rule_id`` the resolver uses on ``day``; None when there is no such rule."""
        pair = self._pair(rule_id, day)
        return pair[1] if pair is not None else None

    def rule_digests(self, rule_ids: Sequence[str], day: dt.date) -> tuple[tuple[str, str], ...]:
        """(id, digest) of each rule, for the versions in force on ``day``; a rule not in the framework gets ''."""
        plain = self._plain
        return tuple([plain.get(rule_id) or self._pair(rule_id, day) or (rule_id, "") for rule_id in rule_ids])

    def record(self, case: Case, outcome: Outcome, settle: bool, presumed: tuple[str, ...] = (),
               presume: bool = True) -> Audit:
        """The audit record of ``outcome``, decided from ``case`` (as given, validated)."""
        rule_ids = outcome.rules + outcome.overridden if isinstance(outcome, Decision) and outcome.overridden \
            else outcome.rules
        audit = object.__new__(Audit)
        # a frozen dataclass sets each field through object.__setattr__; this is one update, per case
        audit.__dict__.update(framework=self.framework, wiebetaalt=self.wiebetaalt, postcodes=self.postcodes,
                              settle=settle, peildatum=case.peildatum,
                              rules=self.rule_digests(rule_ids, case.peildatum), presumptions=presumed, case=case,
                              presume=presume)
        return audit

    def header(self, settle: bool, presume: bool = True) -> dict[str, Any]:
        """The part of the record every outcome of a run shares (a batch writes it once; the
        presumptions each row rests on are in its own column)."""
        return {"format": AUDIT_FORMAT, "framework": self.framework.to_dict(), "wiebetaalt": self.wiebetaalt,
                "postcodes": self.postcodes, "settle": settle, "presume": presume}
