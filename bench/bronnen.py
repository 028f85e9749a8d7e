"""How the national framework answers cases taken from public sources (bench/bronnen.yaml), with and
without presumptions.

Each case is written as its source gives it and expects what the source says. An outcome is:
right (the decision names the source's funder, and its party where the source names one), wrong
(a decision for another funder or party, or a settled funder that is not the source's: the property
that must stay at zero), the right funder with its party still open (the case does not give what
names it), escalated as the source says (a grey zone the source calls disputed), or escalated where
the source names a payer.

    python bench/bronnen.py [--framework rules/landelijk.yaml] [--cases bench/bronnen.yaml] [--list]
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from wiebetaalt import Decision, Engine, Outcome, load_framework  # noqa: E402
from wiebetaalt.load.yaml import read_yaml  # noqa: E402

KINDS = ("goed", "fout", "betaler goed, partij nog open", "escalatie zoals de bron",
         "escalatie, de bron noemt een betaler", "escalatie om een andere reden")


def read_cases(path: Path) -> list[tuple[str, dict[str, Any], str]]:
    """(name, example, source address) of every case in ``path``."""
    text = path.read_text(encoding="utf-8")
    sources = re.findall(r"^\s*# bron: (\S+)", text, re.M)
    examples = read_yaml(text).data["examples"]
    if len(sources) != len(examples):
        raise SystemExit(f"{path}: {len(examples)} casussen maar {len(sources)} bronregels")
    return [(example["name"], example, source) for example, source in zip(examples, sources)]


def verdict(expect: dict[str, Any], outcome: Outcome) -> str:
    """Which of :data:`KINDS` an outcome is, measured against what the source expects."""
    if isinstance(outcome, Decision):
        if "funder" not in expect:
            return "fout"
        right = outcome.funder == expect["funder"] and expect.get("entity", outcome.entity) == outcome.entity
        return "goed" if right else "fout"
    if outcome.funder is not None and "funder" in expect:
        # party_unknown: the funder is settled and must be the source's; its party is still open
        return "betaler goed, partij nog open" if outcome.funder == expect["funder"] else "fout"
    if "escalation" in expect:
        return "escalatie zoals de bron" if outcome.reason.value == expect["escalation"] else \
            "escalatie om een andere reden"
    return "escalatie, de bron noemt een betaler"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", type=Path, default=ROOT / "rules" / "landelijk.yaml")
    parser.add_argument("--cases", type=Path, default=ROOT / "bench" / "bronnen.yaml")
    parser.add_argument("--list", action="store_true", help="every case with its outcome")
    args = parser.parse_args()
    cases = read_cases(args.cases)
    with Engine(load_framework(args.framework)) as engine:
        for presume in (True, False):
            counts: collections.Counter[str] = collections.Counter()
            missing: collections.Counter[str] = collections.Counter()
            presumed: collections.Counter[str] = collections.Counter()
            for name, example, source in cases:
                outcome = engine.decide(example["case"], presume=presume, settle=False)
                kind = verdict(example["expect"], outcome)
                counts[kind] += 1
                missing.update(getattr(outcome, "missing_facts", ()))
                presumed.update(p.field for p in outcome.presumptions)
                if args.list and presume:
                    print(f"[{kind}] {name}\n    {outcome.to_dict()['status']}: "
                          f"{getattr(outcome, 'entity', None) or getattr(outcome, 'reason', '')}\n    {source}")
            mode = "met aannames" if presume else "zonder aannames (--geen-aannames)"
            print(f"{len(cases)} casussen uit {len({s for _, _, s in cases})} bronnen, {mode}:")
            for kind in KINDS:
                print(f"  {kind:40} {counts[kind]:3}")
            decided = counts["goed"] + counts["fout"]
            print(f"  beslist: {decided} van {len(cases)} ({decided / len(cases):.0%}), fout: {counts['fout']}")
            print("  meest gevraagde feiten:", ", ".join(f"{f} {n}" for f, n in missing.most_common(8)) or "geen")
            if presume:
                print("  aangenomen:", ", ".join(f"{f} {n}" for f, n in presumed.most_common()) or "niets")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
