"""Rechecking a stored outcome: decide its case again and say whether it still holds.

A decision that a municipality sends to another, or defends before the Geschillencommissie, must be
reproducible. :func:`recheck` takes an outcome as ``wiebetaalt decide --json`` wrote it (with its
audit record, :mod:`wiebetaalt.decision.audit`), decides its case again with a framework, and says
whether the outcome still holds and, if not, which rule or framework version changed it. See
docs/audit.md.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..decision.audit import AUDIT_FORMAT, UNKNOWN_VERSION, FrameworkReference
from ..decision.outcome import REASON_NAMES, EscalationReason, Outcome
from ..engine.engine import Engine
from ..errors import CaseError, WiebetaaltError
from ..load.postcodes import PostcodeTable
from ..model.case import Case, parse_case
from ..model.framework import Framework


class RecheckError(WiebetaaltError, ValueError):
    """A stored record is not a wiebetaalt outcome with an audit record (the message is Dutch)."""


@dataclass(frozen=True)
class Difference:
    """One field of the outcome (as in ``to_dict()``) that differs: its value before and now."""

    field: str
    before: Any
    now: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "now": self.now}


@dataclass(frozen=True)
class Recheck:
    """What deciding a stored outcome's case again gives, compared with the stored outcome.

    ``holds``: every field of the outcome is the same, the explanation aside (its wording may
    change without changing the outcome; it is still listed in ``differences``).
    """

    holds: bool
    #: one Dutch paragraph: whether it holds, and what changed it
    summary: str
    #: the outcome now
    outcome: Outcome
    #: the framework that decided before (from the stored record) and the one that decided now
    before: FrameworkReference
    now: FrameworkReference
    #: the framework's digest differs (its files, or its content, are not the same)
    framework_changed: bool
    #: the ids of the rules the outcome names (its ``rules``), before and now
    rules_before: tuple[str, ...]
    rules_now: tuple[str, ...]
    #: rules the stored outcome rested on whose content differs now (their digest changed)
    changed_rules: tuple[str, ...]
    #: rules the outcome rests on now that it did not rest on before
    new_rules: tuple[str, ...]
    #: rules the stored outcome rested on that the framework no longer has
    gone_rules: tuple[str, ...]
    #: every field of the outcome that differs, the explanation included
    differences: tuple[Difference, ...]
    #: the wiebetaalt version before and now
    wiebetaalt_before: str
    wiebetaalt_now: str
    #: the postcode table differs, and the case gives a postcode
    postcodes_changed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "holds": self.holds,
            "summary": self.summary,
            "before": self.before.to_dict(),
            "now": self.now.to_dict(),
            "framework_changed": self.framework_changed,
            "rules_before": list(self.rules_before),
            "rules_now": list(self.rules_now),
            "changed_rules": list(self.changed_rules),
            "new_rules": list(self.new_rules),
            "gone_rules": list(self.gone_rules),
            "differences": [difference.to_dict() for difference in self.differences],
            "wiebetaalt_before": self.wiebetaalt_before,
            "wiebetaalt_now": self.wiebetaalt_now,
            "postcodes_changed": self.postcodes_changed,
            "outcome": self.outcome.to_dict(),
        }


def recheck(stored: Mapping[str, Any], framework: Framework | Engine, *,
            postcodes: PostcodeTable | None = None) -> Recheck:
    """Decide the case of a stored outcome again with ``framework`` and compare.

    Args:
        stored: an outcome as ``Decision.to_dict()`` / ``Escalation.to_dict()`` gives it (what
            ``wiebetaalt decide --json`` writes), read back from JSON.
        framework: the framework to decide with now, or an Engine for it (to recheck many
            outcomes without building one each time).
        postcodes: the postcode table, as for :class:`~wiebetaalt.engine.engine.Engine`; with an Engine
            its own table is used.

    Raises:
        RecheckError: ``stored`` is not a wiebetaalt outcome with an audit record, or its case is
            not a valid case.
        EvaluationError: the engine failed.
    """
    audit, case = _read(stored)
    if isinstance(framework, Engine):
        if postcodes is not None:
            raise ValueError("an Engine has its own postcode table; give postcodes with a Framework")
        outcome = framework.decide(case, settle=audit["settle"], presume=_presume(audit))
        auditor = framework.auditor
    else:
        with Engine(framework, postcodes=postcodes) as engine:
            outcome = engine.decide(case, settle=audit["settle"], presume=_presume(audit))
            auditor = engine.auditor
    assert outcome.audit is not None  # the engine attaches it
    before = _stored_framework(audit["framework"])
    now = outcome.audit.framework
    stored_digests = {item["id"]: item["digest"] for item in audit["rules"]}
    now_ids = tuple(rule_id for rule_id, _ in outcome.audit.rules)
    changed = tuple(rule_id for rule_id, digest in stored_digests.items()
                    if (current := auditor.digest(rule_id, case.peildatum)) is not None and current != digest)
    gone = tuple(rule_id for rule_id in stored_digests if auditor.digest(rule_id, case.peildatum) is None)
    new = tuple(rule_id for rule_id in now_ids if rule_id not in stored_digests)
    differences = _differences(stored, outcome.to_dict())
    holds = all(d.field == "explanation" for d in differences)
    postcodes_changed = case.kind.postcode is not None and audit.get("postcodes") != outcome.audit.postcodes
    result = Recheck(
        holds=holds, summary="", outcome=outcome, before=before, now=now,
        framework_changed=before.digest != now.digest,
        rules_before=tuple(stored["rules"]), rules_now=outcome.rules,
        changed_rules=changed, new_rules=new, gone_rules=gone, differences=differences,
        wiebetaalt_before=str(audit.get("wiebetaalt") or UNKNOWN_VERSION), wiebetaalt_now=outcome.audit.wiebetaalt,
        postcodes_changed=postcodes_changed,
    )
    # the summary words the whole comparison, so it is written once the comparison is made
    return dataclasses.replace(result, summary=_summary(result, stored))


def stored_framework(stored: Any) -> FrameworkReference:
    """The framework a stored outcome names in its audit record.

    Raises:
        RecheckError: ``stored`` is not a wiebetaalt outcome with an audit record.
    """
    audit, _ = _read(stored)
    return _stored_framework(audit["framework"])


_NOT_AN_OUTCOME = "geen uitkomst van wiebetaalt"
_HINT = "bewaar de uitvoer van `wiebetaalt decide --json`"


def _read(stored: Any) -> tuple[Mapping[str, Any], Case]:
    """The stored audit record and its case, checked; RecheckError says what is wrong, in Dutch."""
    if not isinstance(stored, Mapping):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: verwacht een JSON-object, niet {_json_type(stored)} ({_HINT})")
    if stored.get("status") not in ("decision", "escalation"):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: 'status' is niet 'decision' of 'escalation' ({_HINT})")
    named = stored.get("rules")
    if not isinstance(named, list) or not all(isinstance(rule_id, str) for rule_id in named):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: 'rules' is geen lijst van regels ({_HINT})")
    audit = stored.get("audit")
    if not isinstance(audit, Mapping):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: de uitkomst heeft geen audit-gegevens ('audit'); een uitkomst van "
                           "een oudere versie van wiebetaalt kan niet opnieuw gecontroleerd worden; beslis de casus "
                           "opnieuw en bewaar die uitkomst")
    if audit.get("format") != AUDIT_FORMAT:
        raise RecheckError(f"{_NOT_AN_OUTCOME}: onbekende vorm van de audit-gegevens ({_shown(audit.get('format'))}); "
                           f"deze versie leest {AUDIT_FORMAT}")
    frame = audit.get("framework")
    if not isinstance(frame, Mapping) or not all(isinstance(frame.get(k), str) for k in ("id", "version", "digest")):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: de audit-gegevens noemen het kader niet "
                           "(framework: id, version, digest)")
    rules = audit.get("rules")
    if not isinstance(rules, list) or not all(
            isinstance(item, Mapping) and isinstance(item.get("id"), str) and isinstance(item.get("digest"), str)
            for item in rules):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: de audit-gegevens noemen de regels niet "
                           "(rules: id en digest per regel)")
    if not isinstance(audit.get("settle"), bool):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: in de audit-gegevens ontbreekt 'settle' (true of false)")
    if not isinstance(audit.get("case"), Mapping):
        raise RecheckError(f"{_NOT_AN_OUTCOME}: de audit-gegevens bevatten de casus niet ('case')")
    try:
        case = parse_case(dict(audit["case"]))
    except CaseError as error:
        raise RecheckError(f"de casus in de uitkomst is geen geldige casus: {error}") from None
    if audit.get("peildatum") != case.peildatum.isoformat():
        raise RecheckError(f"de peildatum van de audit-gegevens ({_shown(audit.get('peildatum'))}) is niet die van de "
                           f"casus ({case.peildatum}); de uitkomst is veranderd nadat wiebetaalt haar schreef")
    return audit, case


def _json_type(value: Any) -> str:
    return {list: "een lijst", str: "tekst", int: "een getal", float: "een getal", bool: "true of false"}.get(
        type(value), "null" if value is None else type(value).__name__)


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


def _stored_framework(data: Mapping[str, Any]) -> FrameworkReference:
    files = data.get("files")
    pairs = tuple((str(f.get("file")), str(f.get("sha256"))) for f in files if isinstance(f, Mapping)) \
        if isinstance(files, list) else ()
    return FrameworkReference(str(data["id"]), str(data.get("title") or ""), str(data["version"]),
                              str(data["digest"]), pairs)


def _plain(value: Any) -> Any:
    """``value`` as JSON gives it back: what a stored outcome is compared with."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _differences(stored: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[Difference, ...]:
    """The fields of the stored outcome whose value differs now (a field added to the format since is no change)."""
    before, current = _plain({k: v for k, v in stored.items() if k != "audit"}), _plain(now)
    # a decision has no route and an escalation no shares: an empty field against a missing one is no change
    return tuple(Difference(field, value, current.get(field)) for field, value in before.items()
                 if current.get(field) != value and (value or current.get(field)))


# --- The summary, in Dutch -------------------------------------------------------------------------

#: the outcome's fields in a few Dutch words, for the summary
_FIELD_NAMES = {
    "status": "soort uitkomst", "funder": "betaler", "funder_name": "naam van de betaler", "entity": "partij",
    "shares": "aandelen", "reason": "reden van escalatie", "route": "route", "candidates": "kandidaten",
    "missing_facts": "ontbrekende feiten", "rules": "regels", "overridden": "opzijgezette regels",
    "interim_funder": "betaler in de tussentijd", "settling_facts": "beslissende feiten",
    "answers": "antwoorden", "legal_basis": "rechtsgrond", "explanation": "toelichting",
}


def _what(outcome: Mapping[str, Any]) -> str:
    """An outcome in a few Dutch words: who pays, or where it goes and why."""
    if outcome.get("status") == "decision":
        return f"{outcome.get('entity')} betaalt"
    try:
        reason = REASON_NAMES[EscalationReason(str(outcome.get("reason")))]
    except ValueError:
        reason = str(outcome.get("reason"))
    route = outcome.get("route")
    name = route.get("name") if isinstance(route, Mapping) else None
    return f"escalatie ({reason})" + (f" naar {name}" if name else "")


def _rules(ids: Sequence[str], one: str, many: str) -> str:
    """'regel a is gewijzigd' or 'regels a, b zijn gewijzigd'."""
    return f"regel {ids[0]} {one}" if len(ids) == 1 else f"regels {', '.join(ids)} {many}"


def _frameworks(before: FrameworkReference, now: FrameworkReference) -> str:
    """The framework before → now, in Dutch; the same version with another digest is said as such."""
    if before.digest == now.digest:
        return f"kader {now.id} {now.version}, ongewijzigd"
    if (before.id, before.version) == (now.id, now.version):
        return (f"kader {now.id} {now.version}, zelfde versienummer maar andere inhoud: "
                f"{before.digest[:19]}… → {now.digest[:19]}…")
    old = f"{before.id} {before.version}"
    return f"kader {old} → {now.version}" if before.id == now.id else f"kader {old} → {now.id} {now.version}"


def _summary(result: Recheck, stored: Mapping[str, Any]) -> str:
    causes = []
    if result.changed_rules:
        causes.append(_rules(result.changed_rules, "is gewijzigd", "zijn gewijzigd"))
    if result.new_rules:
        causes.append(_rules(result.new_rules, "telt nu mee", "tellen nu mee"))
    dropped = [r for r in result.rules_before if r not in result.rules_now and r not in result.gone_rules]
    if dropped and not result.holds:
        causes.append(_rules(dropped, "telt niet meer mee", "tellen niet meer mee"))
    if result.gone_rules:
        causes.append(_rules(result.gone_rules, "staat niet meer in het kader", "staan niet meer in het kader"))
    if result.wiebetaalt_before != result.wiebetaalt_now:
        causes.append(f"wiebetaalt {result.wiebetaalt_before} → {result.wiebetaalt_now}")
    if result.postcodes_changed:
        causes.append("de postcodetabel is een andere")
    frameworks = _frameworks(result.before, result.now)
    if result.holds:
        text = f"De uitkomst geldt nog: {_what(result.outcome.to_dict())} ({frameworks})."
        if result.framework_changed or result.changed_rules:
            text += " Het kader is gewijzigd, maar niet op een punt dat deze uitkomst verandert"
            text += (f" ({'; '.join(causes)})." if causes else ".")
        elif causes:
            text += f" Wel anders: {'; '.join(causes)}."
        if result.differences:
            text += " Alleen de toelichting is anders geformuleerd."
        return text
    fields = ", ".join(_FIELD_NAMES.get(d.field, d.field) for d in result.differences)
    text = f"De uitkomst is veranderd. Eerder: {_what(stored)}. Nu: {_what(result.outcome.to_dict())}."
    if causes:
        text += f" Oorzaak: {'; '.join(causes)} ({frameworks})."
    else:
        text += f" {frameworks[:1].upper()}{frameworks[1:]}."
    return text + f" Anders: {fields}."


def _presume(audit: Mapping[str, Any]) -> bool:
    # a record written before presumptions existed was decided without them
    return audit.get("presume") is True
