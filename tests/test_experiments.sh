#!/usr/bin/env bash
# The paper experiments at their tiny size: experiments/table1.yaml (the demo's pipeline on the
# define-long task: gold-labelled pairs, every Table 1 method, gold and held-apart RM rewards) runs end
# to end, writes its tables, results.json and plot, and a second run reuses every stage.
# Usage: test_experiments.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-experiments-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

run() { "$rgtg" experiment "$root/experiments/table1.yaml" --size tiny --set threads=1 --out "$work/table1" "$@"; }
if run > "$work/log1" 2>&1; then pass "table1 (tiny) runs"; else fail "table1: $(tail -3 "$work/log1")"; finish test_experiments; exit 1; fi
for f in table1-gold.md table1-gold.csv table1-gold.tex table1-rm.md table9-gold.md table5.md runtime.png README.md; do
  [ -s "$work/table1/$f" ] || fail "table1 did not write $f"
done
pass "table1 writes its tables, plot and README"
/usr/bin/python3 - "$work/table1/results.json" <<'PY' && pass "results.json: 8 methods, gold and RM rewards, p-values against top-k and ARGS" || fail "results.json content"
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
methods = ["top-k", "BoN", "CD-FUDGE", "ARGS", "ARGS-G", "PARGS", "PARGS-G", "DPO"]
for reward in ("gold", "rm-eval"):
    got = [c["labels"]["method"] for c in cells if c["metric"] == "reward" and c["labels"]["reward"] == reward]
    assert got == methods, (reward, got)
    for base in ("top-k", "ARGS"):
        diffs = [c for c in cells if c["metric"] == "reward_diff" and c["labels"]["baseline"] == base
                 and c["labels"]["reward"] == reward]
        assert len(diffs) == 7 and all(0 <= c.get("p_value", 0.5) <= 1 for c in diffs), (reward, base, len(diffs))
PY
run > "$work/log2" 2>&1
[ "$(grep -c ' s  ' "$work/log2")" -eq 0 ] && grep -q reused "$work/log2" && pass "a second run reuses every stage" \
  || fail "second run: $(grep -v reused "$work/log2" | head -5)"
finish test_experiments
