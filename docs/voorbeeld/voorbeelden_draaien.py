"""Run the examples of a rule file and say which ones give the expected outcome.

`wiebetaalt check` checks that examples are well formed, but does not decide them. This script
does, the same way the project's tests do for the files in rules/ (tests/test_rules.py):

    python docs/voorbeeld/voorbeelden_draaien.py docs/voorbeeld/regio.yaml

Each example is decided by a fresh Engine, as `wiebetaalt decide` does. Exit code 0 when every
example gives what it expects, 1 otherwise.
"""

from __future__ import annotations

import sys

from wiebetaalt import Decision, Engine, load_framework


def mismatches(example, outcome) -> list[str]:
    expect = example.expect
    found = []
    if expect.funder is not None:
        if not isinstance(outcome, Decision):
            return [f"verwacht betaler {expect.funder}, kreeg escalatie {outcome.reason.value}"]
        if outcome.funder != expect.funder:
            found.append(f"verwacht betaler {expect.funder}, kreeg {outcome.funder}")
        if expect.entity is not None and outcome.entity != expect.entity:
            found.append(f"verwacht partij {expect.entity!r}, kreeg {outcome.entity!r}")
    else:
        if isinstance(outcome, Decision):
            return [f"verwacht escalatie {expect.escalation}, kreeg besluit: {outcome.entity} betaalt"]
        if outcome.reason.value != expect.escalation:
            found.append(f"verwacht escalatie {expect.escalation}, kreeg {outcome.reason.value}")
        if expect.missing_facts is not None and list(outcome.missing_facts) != expect.missing_facts:
            found.append(f"verwacht ontbrekende feiten {expect.missing_facts}, kreeg {list(outcome.missing_facts)}")
    if expect.rules is not None and list(outcome.rules) != expect.rules:
        found.append(f"verwacht regels {expect.rules}, kreeg {list(outcome.rules)}")
    if expect.legal_basis is not None and not any(expect.legal_basis in b.citation for b in outcome.legal_basis):
        found.append(f"verwacht rechtsgrond met {expect.legal_basis!r}")
    return found


def main(path: str) -> int:
    framework = load_framework(path)
    failed = 0
    for example in framework.examples:
        with Engine(framework) as engine:
            outcome = engine.decide(example.case)
        problems = mismatches(example, outcome)
        failed += bool(problems)
        print(("FOUT " if problems else "ok   ") + example.name)
        for problem in problems:
            print("     " + problem)
    print(f"{len(framework.examples)} voorbeeld(en), {failed} fout")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
