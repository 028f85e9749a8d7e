#!/usr/bin/env bash
# Saves what the commands print for the bundled frameworks, the example cases and a generated
# caseload, into one folder, so that a change meant to keep behaviour (a restructure) can be
# compared byte for byte:  bash bench/snapshot.sh /tmp/before; ...; bash bench/snapshot.sh /tmp/after;
# diff -r /tmp/before /tmp/after.  The caseload is generated once (bench/batch.py's generator,
# 100,000 rows, seed 2026) and reused when the folder given as $2 already holds it.
set -u
out=${1:?folder for the outputs}
cases=${2:-$out}/cases.csv
mkdir -p "$out"
cd "$(dirname "$0")/.."
if [ ! -f "$cases" ]; then
    python -c "import sys; sys.path.insert(0, 'bench'); from pathlib import Path; from batch import write_cases; write_cases(Path('$cases'), 100_000, 2026)"
fi
wiebetaalt test rules/ > "$out/test.txt" 2>&1; echo "exit $?" >> "$out/test.txt"
wiebetaalt test rules/ --json > "$out/test.json" 2>/dev/null
wiebetaalt analyse rules/ --json 2>/dev/null | python -c "
import json, sys  # the time an analysis took differs from run to run; the map itself must not
data = json.load(sys.stdin)
for report in data['files']:
    report.pop('seconds', None)
print(json.dumps(data, indent=2, ensure_ascii=False))" > "$out/analyse.json"; echo "exit ${PIPESTATUS[0]}" > "$out/analyse.exit"
wiebetaalt analyse rules/ > "$out/analyse.txt" 2>/dev/null
for case in examples/*.yaml examples/*/*.yaml docs/voorbeeld/casus-*.yaml docs/voorbeeld/casus-*.json; do
    [ -f "$case" ] || continue
    name=$(echo "$case" | tr '/' '_')
    wiebetaalt decide "$case" --json > "$out/decide-$name.json" 2>&1; echo "exit $?" >> "$out/decide-$name.json"
    wiebetaalt decide "$case" > "$out/decide-$name.txt" 2>&1; echo "exit $?" >> "$out/decide-$name.txt"
done
wiebetaalt batch "$cases" -o "$out/batch.csv" --explain --summary-json "$out/batch-summary.json" --quiet \
    > "$out/batch.stdout" 2> "$out/batch.stderr"; echo "exit $?" >> "$out/batch.stderr"
