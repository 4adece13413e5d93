#!/usr/bin/env bash
# The paper experiments at their tiny size: experiments/table1.yaml (the demo's pipeline on the
# define-long task: gold-labelled pairs, every Table 1 method, gold and held-apart RM rewards) runs end
# to end, writes its tables, results.json and plot, and a second run reuses every stage; then every
# other experiment runs on its store, trains nothing table1 trained, and writes its tables with the
# expected rows and columns (numbers that parse; no claim on which method wins at this size); the
# beta x k sweep gives the same tables under mpirun -np 2 as with one rank.
# Usage: test_experiments.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-experiments-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

run() { "$rgtg" experiment "$root/experiments/table1.yaml" --size tiny --set threads=1 --out "$work/table1" "$@"; }
if /usr/bin/time -f "%e %U %S" -o "$work/table1.cpu" "$rgtg" experiment "$root/experiments/table1.yaml" --size tiny \
     --set threads=1 --out "$work/table1" > "$work/log1" 2>&1; then
  pass "table1 (tiny) runs"
  awk '{printf "time table1        %5.1f s wall, %5.1f s cpu\n", $1, $2 + $3}' "$work/table1.cpu"
else
  fail "table1: $(tail -3 "$work/log1")"; finish test_experiments; exit 1
fi
for f in table1-gold.md table1-gold.csv table1-gold.tex table1-demo.md table1-rm.md table9-gold.md runtime.png README.md; do
  [ -s "$work/table1/$f" ] || fail "table1 did not write $f"
done
pass "table1 writes its tables, plot and README"
/usr/bin/python3 - "$work/table1/results.json" <<'PY' && pass "results.json: 9 methods (PARGS-dense beside PARGS) and the greedy control, gold and RM rewards, p-values against top-k and ARGS" || fail "results.json content"
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
methods = ["top-k", "greedy", "BoN", "CD-FUDGE", "ARGS", "ARGS-G", "PARGS", "PARGS-G", "PARGS-dense", "DPO"]
for reward in ("gold", "rm-eval"):
    got = [c["labels"]["method"] for c in cells if c["metric"] == "reward" and c["labels"]["reward"] == reward]
    assert got == methods, (reward, got)
    for base in ("top-k", "ARGS"):
        diffs = [c for c in cells if c["metric"] == "reward_diff" and c["labels"]["baseline"] == base
                 and c["labels"]["reward"] == reward]
        assert len(diffs) == 9 and all(0 <= c.get("p_value", 0.5) <= 1 for c in diffs), (reward, base, len(diffs))
    # Table 1's per-method columns: only DPO changes the LM, only Best-of-N draws several responses
    flags = {c["labels"]["method"]: (c["labels"]["llm_frozen"], c["labels"]["single_y"])
             for c in cells if c["metric"] == "reward" and c["labels"]["reward"] == reward}
    assert flags["DPO"] == (False, True) and flags["BoN"] == (True, False) and flags["PARGS"] == (True, True) \
        and flags["PARGS-dense"] == (True, True), flags
PY
grep -Eq "^\| DPO +\| no +\| yes +\|" "$work/table1/table1-gold.md" && pass "Table 1 shows LLM frozen? and Single y?" \
  || fail "Table 1's flag columns: $(cat "$work/table1/table1-gold.md")"
head -1 "$work/table1/table1-demo.md" | grep -q 'Reward (mean ± SE) *| ROUGE-L F1 (vs. reference) *| ROUGE-L among samples (lower: more diverse) *| ms/token' \
  && [ "$(grep -c '^| ' "$work/table1/table1-demo.md")" -eq 12 ] \
  && pass "the demo's table: reward, ROUGE-L F1, ROUGE-L among samples and ms/token for the 10 rows" \
  || fail "table1-demo.md: $(cat "$work/table1/table1-demo.md")"
run > "$work/log2" 2>&1
[ "$(grep -c ' s  ' "$work/log2")" -eq 0 ] && grep -q reused "$work/log2" && pass "a second run reuses every stage" \
  || fail "second run: $(grep -v reused "$work/log2" | head -5)"

# ---- every other experiment at size tiny, on table1's store: each trains only what table1 has not
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1
shared='^(data|lm|samples|gold|rm|rm_full|rm_dense|rm_eval|dpo|value_scored|value)$'
# experiment NAME [ARGS...]: runs it into $work/NAME; prints its wall time; the names of the stages it ran go to $work/NAME.ran
experiment() {
  local name=$1
  shift
  if /usr/bin/time -f "%e %U %S" -o "$work/$name.cpu" "$@" "$rgtg" experiment "$root/experiments/$name.yaml" --size tiny \
       --set threads=1 --out "$work/$name" > "$work/$name.log" 2>&1; then
    awk -v n="$name" '{printf "time %-12s %5.1f s wall, %5.1f s cpu\n", n, $1, $2 + $3}' "$work/$name.cpu"
    awk '/ s  / {print $3}' "$work/$name.log" | sed 's/\[cell.*//' > "$work/$name.ran"
    pass "$name (tiny) runs"
  else
    fail "$name: $(tail -3 "$work/$name.log")"
    return 1
  fi
}
# ran_only NAME REGEX: every stage NAME ran matches REGEX (an empty REGEX: it ran none)
ran_only() {
  local bad
  if [ -z "$2" ]; then bad=$(cat "$work/$1.ran"); else bad=$(grep -Ev "$2" "$work/$1.ran"); fi
  [ -z "$bad" ] && pass "$1 reuses every stage it shares" || fail "$1 reran: $(echo $bad)"
}
# check_table DIR FILE LAYOUT_ROWS... : the CSV has these first-column values in this order, the Markdown
# and LaTeX files exist, every other CSV field is empty or a number, results.json reads
check_table() {
  local dir=$1 stem=$2
  shift 2
  for ext in md csv tex; do [ -s "$dir/$stem.$ext" ] || fail "$dir: no $stem.$ext"; done
  /usr/bin/python3 - "$dir/$stem.csv" "$dir/results.json" "$@" <<'PY' && pass "$(basename "$dir")/$stem: rows $(echo "${@:1}" | tr ' ' ,), numbers parse" \
    || fail "$(basename "$dir")/$stem.csv: $(cat "$dir/$stem.csv")"
import csv, json, math, sys
rows = list(csv.reader(open(sys.argv[1])))
header, body = rows[0], rows[1:]
json.load(open(sys.argv[2]))["cells"]
want = sys.argv[3].split("|")
assert [r[0] for r in body] == want, ([r[0] for r in body], want)
labels = {"method", "baseline", "rm", "beta", "ratio", "llm_frozen", "single_y"}
numbers = [i for i, h in enumerate(header) if h not in labels]
assert numbers, header
for r in body:
    assert len(r) == len(header), r
    for i in numbers:
        assert r[i] == "" or math.isfinite(float(r[i])), (header[i], r[i])
for col in sys.argv[4:]:
    assert col in header, (col, header)
    i = header.index(col)
    assert all(r[i] != "" for r in body), (col, body)
PY
}

experiment table9-10 && ran_only table9-10 "" && {
  # (a p-value is left empty where every paired difference is zero: the test is undefined there)
  check_table "$work/table9-10" table "PARGS|PARGS|PARGS|PARGS|PARGS|PARGS|PARGS" reward_diff_mean reward_diff_n
  check_table "$work/table9-10" table10 "PARGS|PARGS|PARGS|PARGS|PARGS|PARGS|PARGS" reward_diff_mean reward_diff_n
  /usr/bin/python3 - "$work/table9-10" <<'PY' && pass "table9-10: p-values in [0, 1], empty only where every difference is 0" \
    || fail "table9-10 p-values: $(cat "$work/table9-10/table.csv")"
import csv, sys
for name in ("table.csv", "table10.csv"):
    for r in csv.DictReader(open(sys.argv[1] + "/" + name)):
        p = r["reward_diff_p"]
        assert (p == "" and float(r["reward_diff_se"]) == 0) or 0 <= float(p) <= 1, r
PY
  cut -d, -f2 "$work/table9-10/table.csv" | paste -sd' ' | grep -qx "baseline top-k BoN CD-FUDGE ARGS ARGS-G PARGS-G DPO" \
    && pass "table9-10: PARGS against every baseline" || fail "table9-10 baselines: $(cat "$work/table9-10/table.csv")"
}
experiment figure3 && ran_only figure3 "" && {
  check_table "$work/figure3" table "top-k|BoN|CD-FUDGE|ARGS|ARGS-G|PARGS|PARGS-G|DPO" ms_per_token reward_mean lm_calls_per_token rm_calls_per_token
  [ -s "$work/figure3/figure3.png" ] && grep -q '"PARGS (LM 1.00, RM [0-9.]* calls/token)"' "$work/figure3/figure3.dat" \
    && pass "figure3: the plot labels each method with its LM/RM calls per token" || fail "figure3 plot: $(cat "$work/figure3/figure3.dat")"
}
experiment table5 && ran_only table5 "" && check_table "$work/table5" table "top-k|BoN|CD-FUDGE|ARGS|PARGS|DPO" diversity_rouge_l_mean
experiment table2 && ran_only table2 '^judge_' && {
  check_table "$work/table2" table "PARGS|PARGS|PARGS|PARGS|PARGS" win tie loss
  /usr/bin/python3 - "$work/table2/table.csv" <<'PY' && pass "table2: win + tie + loss = 1 against top-k, BoN, CD-FUDGE, ARGS, DPO" || fail "table2: $(cat "$work/table2/table.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["baseline"] for r in rows] == ["top-k", "BoN", "CD-FUDGE", "ARGS", "DPO"], rows
assert all(abs(float(r["win"]) + float(r["tie"]) + float(r["loss"]) - 1) < 1e-9 and int(r["win_n"]) > 0 for r in rows)
PY
}
experiment table12 && ran_only table12 '^(agreement_|gold_order$)' && {
  check_table "$work/table12" table "prefix|full|dense" "agreement[prefix_fraction=0.25]" "agreement[prefix_fraction=0.5]" \
    "agreement[prefix_fraction=0.75]" "agreement[prefix_fraction=1]"
  check_table "$work/table12" table-gold-order "prefix|full|dense" "agreement[prefix_fraction=0.25]" \
    "agreement[prefix_fraction=1]"
  [ -s "$work/table12/agreement.png" ] && pass "table12: the agreement plot" || fail "table12: no agreement.png"
  # prefix-accuracy --results holds the numbers the command printed
  for d in "$work"/store/agreement_rm*-*; do
    /usr/bin/python3 - "$d" <<'PY' || fail "$(basename "$d"): results.json differs from the printed table"
import json, sys
d = sys.argv[1]
row = [l for l in open(d + "/.rgtg-stage.log") if l.startswith("| ") and not l.startswith("| pairs")][-1]
pairs, complete, p25, p50, p75 = [x.strip() for x in row.strip().strip("|").split("|")]
cells = json.load(open(d + "/results.json"))["cells"]
got = {c["labels"].get("prefix_fraction", "acc"): c for c in cells}
for key, text in ((0.25, p25), (0.5, p50), (0.75, p75), (1, complete), ("acc", complete)):
    assert "%.3f" % got[key]["value"] == text and got[key]["n"] == int(pairs), (key, got[key], row)
PY
  done
}
experiment table15 && ran_only table15 '^(gold_r15|rm_r15|pargs_r15|pargs_r15_gold|agreement_rm|agreement_rm_r15)$' \
  && check_table "$work/table15" table "1.5|2" reward_mean accuracy
experiment table3 && ran_only table3 '^define_' && check_table "$work/table3" table "top-k|BoN|ARGS|PARGS|DPO" reward_mean
experiment table4 && ran_only table4 "" && check_table "$work/table4" table "top-k|BoN|ARGS|PARGS|DPO" bleu

# ---- the beta x k sweep: cells over 2 ranks give the 1-rank tables byte for byte
if experiment table13-14 && ran_only table13-14 '^(pargs|pargs_gold)$'; then
  check_table "$work/table13-14" table "1|2" "reward_mean[k=5]" "reward_mean[k=10]"
  check_table "$work/table13-14" table14 "1|2" "diversity_rouge_l_mean[k=5]" "diversity_rouge_l_mean[k=10]"
  for f in heatmap-reward.png heatmap-diversity.png; do [ -s "$work/table13-14/$f" ] || fail "table13-14: no $f"; done
  # a second store with the shared stages only: every cell is decoded again, now on 2 ranks
  mkdir -p "$work/store2"
  for s in data lm samples gold rm; do cp -a "$work"/store/"$s"-* "$work/store2/"; done
  if /usr/bin/time -f "%e %U %S" -o "$work/np2.cpu" mpirun -np 2 "$rgtg" experiment "$root/experiments/table13-14.yaml" \
       --size tiny --set threads=1 --out "$work/np2/table13-14" --store "$work/store2" > "$work/np2.log" 2>&1; then
    awk '{printf "time %-12s %5.1f s wall, %5.1f s cpu\n", "sweep -np 2", $1, $2 + $3}' "$work/np2.cpu"
    [ "$(grep -c '\[rank 1\] pargs' "$work/np2.log")" -ge 1 ] && [ "$(grep -c ' s  ' "$work/np2.log")" -eq 8 ] \
      && pass "mpirun -np 2: the 4 cells' 8 stages run, some on rank 1" || fail "np2: $(cat "$work/np2.log")"
    same=1
    for f in table.md table.csv table.tex table14.md table14.csv table14.tex; do
      cmp -s "$work/table13-14/$f" "$work/np2/table13-14/$f" || same=0
    done
    [ "$same" -eq 1 ] && pass "table13-14: the tables under mpirun -np 2 are byte for byte those of one rank" \
      || fail "np2 tables differ: $(diff "$work/table13-14/table.md" "$work/np2/table13-14/table.md")"
  else
    fail "mpirun table13-14: $(tail -3 "$work/np2.log")"
  fi
fi
for name in table2 table3 table4 table5 table9-10 table12 table13-14 table15 figure3; do
  [ -s "$work/$name/README.md" ] && grep -q '^rgtg ' "$work/$name/README.md" || fail "$name: README.md lists no command"
done
finish test_experiments
