"""Benchmark: the grey-zone map of the national framework with a realistic regional overlay.

Writes a (fictitious) region of 50 rules, 10 of them in a second, dated version (a new sleutel or a
new agreement each school year), on top of the bundled national framework, and times
`wiebetaalt.analyse` on it, in this process on one core. The target is absolute: the region maps in
under 10 s on one core (issue 16, item 4). For reference the same run maps the national framework
alone, so the ratio says what the region adds to the map on this machine; the machine's load is
printed with the figures.

    python bench/analyse.py [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from wiebetaalt import load_framework
from wiebetaalt.analysis.analyse import analyse

ROOT = Path(__file__).resolve().parent.parent
NATIONAL = ROOT / "rules" / "landelijk.yaml"

MUNICIPALITIES = ["Arnhem", "Renkum", "Rheden", "Rozendaal", "Zevenaar"]
SCHOOL_KINDS = [["basisonderwijs", "sbo"], ["so", "vso"], ["vo", "pro"]]
# the regional topics the national framework leaves grey, each with the national rule it settles
TOPICS = {
    "thuiszittertraject": "thuiszitter-regionaal",
    "rebound": "rebound-regionaal",
    "onderwijszorgarrangement": "onderwijszorgarrangement-regionaal",
    "schoolmaatschappelijk_werk": "schoolmaatschappelijk-werk-regionaal",
}
FUNDERS = ["schoolbestuur", "swv_school", "schoolgemeente", "woonplaatsgemeente"]
BASIS = """    legal_basis:
      - citation: Convenant onderwijs en jeugd regio Rijnstreek (fictief), artikel {article}
        url: https://example.org/rijnstreek/convenant#artikel-{article}
    explanation: In de regio Rijnstreek is afgesproken wie dit betaalt (convenant, artikel {article}).
"""
# the national rule a regional rule settles, and its stelsel: an override stays within it
DOMAINS = {"thuiszitter-regionaal": "onderwijs", "rebound-regionaal": "onderwijs",
           "onderwijszorgarrangement-regionaal": "onderwijs", "schoolmaatschappelijk-werk-regionaal": "jeugdwet",
           "jeugdhulp-collectief-op-school": "jeugdwet", "dyslexie-eed-sbo-so-regionaal": "jeugdwet"}


def region(national: Path) -> str:
    """The overlay as YAML text: 50 rules, of which 10 come in two dated versions."""
    rules: list[str] = []
    versions = 0

    def add(rule_id: str, title: str, when: list[str], funder: str, overrides: str, article: int) -> None:
        nonlocal versions
        lines = "\n".join(f"      - {item}" for item in when)
        body = (f"    title: {title}\n    domain: {DOMAINS[overrides]}\n"
                f"    when:\n{lines}\n    overrides: [{overrides}]\n" + BASIS.format(article=article))
        if versions < 10 and article % 4 == 1:
            # a new agreement from a school year on: the old one ends the day the new one starts
            year = 2017 + versions
            rules.append(f"  - id: {rule_id}\n{body}    funder: {funder}\n    valid_to: {year}-08-01\n")
            rules.append(f"  - id: {rule_id}\n{body}    funder: {FUNDERS[(FUNDERS.index(funder) + 1) % 4]}\n"
                         f"    valid_from: {year}-08-01\n")
            versions += 1
        else:
            rules.append(f"  - id: {rule_id}\n{body}    funder: {funder}\n")

    article = 0
    # 4 topics x 3 kinds of school x during or outside school hours: 24 rules
    for soort, national_rule in TOPICS.items():
        for kinds in SCHOOL_KINDS:
            for during in (True, False):
                article += 1
                add(f"rijn-{soort.replace('_', '-')}-{kinds[0]}-{'binnen' if during else 'buiten'}",
                    f"{soort} op {'/'.join(kinds)} {'onder' if during else 'buiten'} schooltijd",
                    [f"{{field: hulpvraag.soort, eq: {soort}}}", f"{{field: school.soort, in: [{', '.join(kinds)}]}}",
                     f"{{field: hulpvraag.tijdens_schooltijd, eq: {'true' if during else 'false'}}}"],
                    FUNDERS[article % 4], national_rule, article)
    # collective help at school, per municipality of the school and age band: 5 x 4 = 20 rules
    for municipality in MUNICIPALITIES:
        for low, high in ((0, 5), (6, 11), (12, 17), (18, 23)):
            article += 1
            add(f"rijn-collectief-{municipality.lower()}-{low}-{high}",
                f"Collectieve jeugdhulp op school in {municipality}, {low} tot en met {high} jaar",
                ["{field: hulpvraag.soort, eq: jeugdhulp}", "{field: hulpvraag.toegang, eq: collectief}",
                 f"{{field: school.gemeente, eq: {municipality}}}", f"{{field: kind.leeftijd, gte: {low}}}",
                 f"{{field: kind.leeftijd, lte: {high}}}"],
                "schoolgemeente" if low < 18 else "woonplaatsgemeente", "jeugdhulp-collectief-op-school", article)
    # dyslexia care in special education, by kind of school and whether the file is complete: 6 rules
    for kinds in (["sbo"], ["so"], ["vso"]):
        for complete in (True, False):
            article += 1
            add(f"rijn-dyslexie-{kinds[0]}-{'compleet' if complete else 'onvolledig'}",
                f"Dyslexiezorg op het {kinds[0]}, dossier {'compleet' if complete else 'onvolledig'}",
                ["{field: hulpvraag.soort, eq: dyslexiezorg}", f"{{field: school.soort, eq: {kinds[0]}}}",
                 f"{{field: hulpvraag.dyslexiedossier_compleet, eq: {'true' if complete else 'false'}}}"],
                "woonplaatsgemeente" if complete else "swv_school", "dyslexie-eed-sbo-so-regionaal", article)
    assert len({r.split("\n")[0] for r in rules}) == 50 and versions == 10, (len(rules), versions)
    return (f"schema_version: 1\nframework: regio-rijnstreek\nextends: {national}\n"
            "title: Regio Rijnstreek (fictief, voor de benchmark)\nversion: \"2026.1\"\nrules:\n" + "".join(rules))


def timed(path: Path, repeat: int) -> tuple[float, object]:
    framework = load_framework(path)
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = analyse(framework)
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the fastest counts")
    parser.add_argument("--keep", type=Path, help="write the region's YAML into this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "rijnstreek.yaml"
    path.write_text(region(NATIONAL.resolve()), encoding="utf-8")
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}")
    base, national = timed(NATIONAL, args.repeat)
    seconds, mapped = timed(path, args.repeat)
    for name, took, found in (("national framework alone", base, national), ("national + region", seconds, mapped)):
        print(f"{name:32s} {took:6.2f} s  {found.nodes:7,d} nodes  {len(found.peildata):3d} periods  "
              f"{len(found.case_classes):4d} kinds  {len(found.gaps)} gaps  {len(found.conflicts)} conflicts  "
              f"complete={found.complete}")
    print(f"ratio to the national map: {seconds / base:.1f}x; target under 10 s: {'met' if seconds < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
