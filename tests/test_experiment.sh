#!/usr/bin/env bash
# `rgtg experiment`: a tiny experiment (data -> SFT LM -> a 2-cell decode grid -> a table) runs, is
# reused by content hash on a second run, reruns with --force and after a config edit, gives the same
# stage outputs under mpirun with 2 ranks and with --jobs 2 as with 1, and refuses bad files and values with one line.
# Usage: test_experiment.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-experiment-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1
. "$(dirname "$0")/lib.sh"

mkdir -p "$work/repo/experiments" "$work/repo/configs"
cp "$root/configs/sft/demo.yaml" "$work/repo/configs/sft.yaml"
cat > "$work/repo/experiments/tiny.yaml" <<'YAML'
name: tiny
title: "A tiny sweep"
size: tiny
vars: {seed: 1}
sizes:
  tiny: {pairs: 300, steps: 8}
  paper: {pairs: 300, steps: 8, lm_path: ~}
stages:
  data: [data, demo, --out, "{out}", --pairs, "{pairs}", --test, "6", --valid, "30", --vocab, "400"]
  lm: [train, sft, --config, "{repo}/configs/sft.yaml", --out, "{out}", --set, "data.path={data}/prefs.h5",
       --set, "data.tokenizer={data}/tokenizer.model", --set, "train.max_steps={steps}", --set, model.hidden_size=32,
       --set, model.intermediate_size=64, --set, model.num_hidden_layers=1, --set, train.threads=1]
grid:
  k: [2, 4]
cells:
  gens: [decode, --lm, "{lm}/final", --method, topk, --k, "{k}", --seed, "{seed}", --data, "{data}/prefs.h5",
         --max-new-tokens, "6", --threads, "1", --out, "{out}/gens.jsonl"]
report:
  table: [eval, table, "--gens={each:gens}/gens.jsonl", --out, "{dir}/table.md"]
YAML
exp=$work/repo/experiments/tiny.yaml

"$rgtg" experiment "$exp" --out "$work/runs/a" > "$work/run1" 2>&1 || { echo "FAIL first run: $(tail -3 "$work/run1")"; exit 1; }
[ -f "$work/runs/a/table.md" ] && [ -f "$work/runs/a/README.md" ] && [ -f "$work/runs/a/stages.json" ] \
  && pass "first run writes table, README and stages.json" || fail "first run outputs"
[ "$(grep -c ' s  ' "$work/run1")" -eq 4 ] && pass "first run runs 4 stages" || fail "first run: $(cat "$work/run1")"
grep -q "rgtg decode --lm .*--k 4" "$work/runs/a/README.md" && pass "README lists the exact commands" || fail "README"

"$rgtg" experiment "$exp" --out "$work/runs/b" > "$work/run2" 2>&1
[ "$(grep -c reused "$work/run2")" -eq 4 ] && pass "second run (another --out, same store) reuses every stage" \
  || fail "reuse: $(cat "$work/run2")"

"$rgtg" experiment "$exp" --out "$work/runs/b" --set seed=2 > "$work/run3" 2>&1
[ "$(grep -c reused "$work/run3")" -eq 2 ] && pass "a changed variable reruns only the stages that use it" \
  || fail "partial rerun: $(cat "$work/run3")"

sed -i 's/lr: .*/lr: 0.002/' "$work/repo/configs/sft.yaml"
"$rgtg" experiment "$exp" --out "$work/runs/b" > "$work/run4" 2>&1
grep -q "lm .* s  " "$work/run4" && grep -q "data .*reused" "$work/run4" \
  && pass "editing a config file reruns its stage and those after it" || fail "config edit: $(cat "$work/run4")"

"$rgtg" experiment "$exp" --out "$work/runs/b" --force > "$work/run5" 2>&1
[ "$(grep -c reused "$work/run5")" -eq 0 ] && pass "--force reruns everything" || fail "force: $(cat "$work/run5")"

# a stage given as a folder (--set lm=DIR, as the paper size takes checkpoints): not run; its folder
# links the given one's entries and `final` to it, so "{lm}/final" is the given model
given_lm=$(ls -d "$work"/runs/store/lm-* | head -1)/final
"$rgtg" experiment "$exp" --out "$work/runs/g" --set lm="$given_lm" > "$work/run_given" 2>&1
glm=$(ls -d "$work"/runs/store/lm-* | xargs -n1 sh -c '[ -L "$0/final" ] && echo "$0"')
grep -q "lm .*given *$given_lm" "$work/run_given" && [ "$(readlink "$glm/final")" = "$(realpath "$given_lm")" ] \
  && [ "$(grep -c ' s  ' "$work/run_given")" -eq 2 ] && grep -q "# given: $(realpath "$given_lm")" "$work/runs/g/README.md" \
  && pass "--set STAGE=DIR gives that stage's folder: linked, not run; the stages after it run on it" \
  || fail "given stage: $(cat "$work/run_given")"
expect_error "a given stage that is not a folder" "stage lm is given as '$work/nope', which is not a folder" \
  "$rgtg" experiment "$exp" --out "$work/runs/g" --set lm="$work/nope"

# 2 ranks: cells go to both ranks; every stage lands under the same hash with the same tokens
rm -rf "$work/store2"
if mpirun -np 2 "$rgtg" experiment "$exp" --out "$work/runs/m" --store "$work/store2" > "$work/run6" 2>&1; then
  grep -q "rank 1" "$work/run6" && pass "mpirun: rank 1 runs a cell" || fail "mpirun ranks: $(cat "$work/run6")"
  same=1
  for d in "$work"/store2/gens-*; do
    cmp -s <(/usr/bin/python3 -c 'import json,sys; print([json.loads(l)["tokens"] for l in open(sys.argv[1])])' "$d/gens.jsonl") \
           <(/usr/bin/python3 -c 'import json,sys; print([json.loads(l)["tokens"] for l in open(sys.argv[1])])' \
             "$work/runs/store/$(basename "$d")/gens.jsonl") || same=0
  done
  [ "$same" -eq 1 ] && [ "$(ls -d "$work"/store2/gens-* | wc -l)" -eq 2 ] \
    && pass "mpirun -np 2 gives the 1-rank hashes and tokens" || fail "mpirun results differ"
else
  fail "mpirun run: $(tail -3 "$work/run6")"
fi

# --jobs 2: stages run side by side, each once the stages it names have finished (lm after data, the
# cells after lm, both cells at once); the same hashes and tokens as one at a time
rm -rf "$work/store3"
if "$rgtg" experiment "$exp" --out "$work/runs/j" --store "$work/store3" --jobs 2 > "$work/run_jobs" 2>&1; then
  same=1
  for d in "$work"/store3/*-*; do
    [ -f "$work/runs/store/$(basename "$d")/.rgtg-stage.json" ] || same=0
  done
  for d in "$work"/store3/gens-*; do
    cmp -s <(/usr/bin/python3 -c 'import json,sys; print([json.loads(l)["tokens"] for l in open(sys.argv[1])])' "$d/gens.jsonl") \
           <(/usr/bin/python3 -c 'import json,sys; print([json.loads(l)["tokens"] for l in open(sys.argv[1])])' \
             "$work/runs/store/$(basename "$d")/gens.jsonl") || same=0
  done
  [ "$same" -eq 1 ] && [ "$(ls -d "$work"/store3/*-* | wc -l)" -eq 4 ] && [ -f "$work/runs/j/table.md" ] \
    && pass "--jobs 2 gives the one-at-a-time hashes and tokens" || fail "--jobs 2 results differ: $(cat "$work/run_jobs")"
else
  fail "--jobs 2 run: $(tail -3 "$work/run_jobs")"
fi
# a stage that fails beside one still running: the error is the failed one's, the other finishes and is
# kept (the rerun reuses it), the failed one is not marked done
sed 's/k: \[2, 4\]/k: [3, 0]/' "$exp" > "$work/repo/experiments/half.yaml"
expect_error "--jobs 2: a failing stage" "stage 'gens' failed (exit" \
  "$rgtg" experiment "$work/repo/experiments/half.yaml" --out "$work/runs/h" --store "$work/store3" --jobs 2
"$rgtg" experiment "$work/repo/experiments/half.yaml" --out "$work/runs/h" --store "$work/store3" --jobs 2 > "$work/run_half" 2>&1
grep -q 'gens\[cell 0\] *reused' "$work/run_half" && [ "$(ls "$work"/store3/gens-*/.rgtg-stage.json | wc -l)" -eq 3 ] \
  && pass "  ... the stage beside it finishes and is kept; the failed one is not marked done" \
  || fail "  ... after the failure: $(cat "$work/run_half")"
# stages listed under `alone` run with nothing beside them: two decodes into one file (which one rgtg
# process at a time may write) both succeed under --jobs 2
sed -e '/^grid:/,$d' "$exp" > "$work/repo/experiments/alone.yaml"
cat >> "$work/repo/experiments/alone.yaml" <<'YAML'
  one: [decode, --lm, "{lm}/final", --method, topk, --seed, "1", --data, "{data}/prefs.h5", --max-new-tokens, "6",
        --threads, "1", --out, "{dir}/both.jsonl"]
  two: [decode, --lm, "{lm}/final", --method, topk, --seed, "2", --data, "{data}/prefs.h5", --max-new-tokens, "6",
        --threads, "1", --out, "{dir}/both.jsonl"]
alone: [one, two]
YAML
"$rgtg" experiment "$work/repo/experiments/alone.yaml" --out "$work/runs/alone" --jobs 2 > "$work/run_alone" 2>&1 \
  && grep -q ' one  *[0-9.]* s' "$work/run_alone" && grep -q ' two  *[0-9.]* s' "$work/run_alone" \
  && pass "--jobs 2: stages listed under alone do not run side by side" || fail "alone: $(cat "$work/run_alone")"
sed 's/^alone: .*/alone: [one, nosuch]/' "$work/repo/experiments/alone.yaml" > "$work/repo/experiments/alone-bad.yaml"
expect_error "alone naming no stage" "alone names 'nosuch', which is not a stage" \
  "$rgtg" experiment "$work/repo/experiments/alone-bad.yaml" --out "$work/runs/alone" --jobs 2
expect_error "--jobs 0" "--jobs must be from 1 to 256, got 0" "$rgtg" experiment "$exp" --jobs 0 --out "$work/runs/c"

# one writer per output: a decode into a file another process is writing fails at once
lmdir=$(ls -d "$work"/runs/store/lm-* | head -1)
mkdir -p "$work/busy" && flock -n "$work/busy/.gens.jsonl.lock" sleep 20 &
holder=$!
sleep 1
expect_error "a decode into an output being written" "is in use by another rgtg process" \
  "$rgtg" decode --lm "$lmdir/final" --method topk --data "$(ls -d "$work"/runs/store/data-* | head -1)/prefs.h5" \
  --max-new-tokens 4 --out "$work/busy/gens.jsonl"
[ ! -e "$work/busy/gens.jsonl" ] && pass "  ... and writes nothing" || fail "  ... wrote the output"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null

expect_error "unknown size" "no size 'huge' (sizes: tiny, paper)" "$rgtg" experiment "$exp" --size huge --out "$work/runs/c"
expect_error "unknown variable" "has no variable 'nope'" "$rgtg" experiment "$exp" --set nope=1 --out "$work/runs/c"
expect_error "a required variable" "size 'paper' needs a value for 'lm_path'" "$rgtg" experiment "$exp" --size paper --out "$work/runs/c"
sed 's/{lm}\/final/{lmm}\/final/' "$exp" > "$work/repo/experiments/bad.yaml"
expect_error "an unknown reference" "{lmm} is not a variable, a grid key or an earlier stage" \
  "$rgtg" experiment "$work/repo/experiments/bad.yaml" --out "$work/runs/c"
sed 's/--method, topk/--method, nosuch/' "$exp" > "$work/repo/experiments/fail.yaml"
expect_error "a failing stage" "stage 'gens' failed (exit 1): rgtg decode: unknown method 'nosuch'" \
  "$rgtg" experiment "$work/repo/experiments/fail.yaml" --out "$work/runs/c"
[ -z "$(ls "$work"/runs/store/gens-*/.rgtg-stage.json 2>/dev/null | xargs -r grep -l nosuch)" ] \
  && pass "a failed stage is not marked done" || fail "failed stage marked done"
finish test_experiment
