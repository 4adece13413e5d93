#!/usr/bin/env bash
# Command-level tests of `rgtg train`: SFT drives the loss down; an RM learns a planted signal; the
# dense and DPO objectives run; the value objective trains on decoded, scored generations files (decode
# -> eval score -> train value); exact resume (20 steps straight == 10, stop, resume 10, to the byte); SIGTERM writes a checkpoint and the run resumes; a NaN loss stops the run with the last good
# checkpoint intact; bad configs and a mismatched tokenizer fail before training starts.
# Usage: test_train_cli.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-train-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

"$rgtg" data demo --out "$work/data" --pairs 400 --test 12 --valid 40 --vocab 400 > /dev/null || { echo "FAIL data"; exit 1; }
tiny=(--set "data.path=$work/data/prefs.h5" --set "data.tokenizer=$work/data/tokenizer.model"
      --set model.hidden_size=32 --set model.intermediate_size=64 --set model.num_hidden_layers=1
      --set train.micro_batch=8 --set train.eval_pairs=16 --set train.log_every=1 --set train.threads=1)
cfg=$root/configs

# SFT drives the loss down
"$rgtg" train sft --config "$cfg/sft/demo.yaml" --out "$work/sft" "${tiny[@]}" --set train.max_steps=60 > /dev/null 2>&1
$py - "$work/sft/metrics.jsonl" <<'EOF' && pass "SFT: the loss falls" || fail "SFT: the loss falls"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"loss"' in l]
first, last = rows[0]["loss"], sum(r["loss"] for r in rows[-5:]) / 5
print(f"     first {first:.3f}, last five {last:.3f}")
sys.exit(0 if last < first - 0.5 else 1)
EOF
# data.sides: both trains on the rejected responses too (which rows: tests/test_prefs_h5.c)
"$rgtg" train sft --config "$cfg/sft/demo.yaml" --out "$work/sft-both" "${tiny[@]}" --set train.max_steps=2 \
  --set data.sides=both > "$work/both.log" 2>&1 && grep -q 'sides: both' "$work/sft-both/config.yaml" \
  && pass "SFT on both sides runs and records data.sides" || fail "SFT on both sides: $(tail -2 "$work/both.log")"
expect_error "a data.sides that is neither chosen nor both" "'data.sides': 'sideways' is not one of chosen, both" \
  "$rgtg" train sft --config "$cfg/sft/demo.yaml" --out "$work/sft-bad-sides" "${tiny[@]}" --set data.sides=sideways
[ ! -e "$work/sft-bad-sides" ] && pass "no output folder for a bad data.sides" || fail "a bad data.sides left a folder"

# an RM learns a planted signal: the preferred response always says "good", the other "bad"
$py - "$work/planted.jsonl" <<'EOF'
import json, random, sys
random.seed(3)
words = "apple river stone cloud lamp forest window garden paper music silver candle".split()
with open(sys.argv[1], "w") as f:
    for i in range(400):
        w = random.sample(words, 3)
        f.write(json.dumps({"prompt": f"Tell me about the {w[0]} near the {w[1]}.",
                            "chosen": f"It is good, like a {w[2]}.", "rejected": f"It is bad, like a {w[2]}."}) + "\n")
EOF
"$rgtg" data tokenizer --input "$work/planted.jsonl" --vocab 310 --out "$work/planted.model" > /dev/null 2>&1
"$rgtg" data prepare --input "$work/planted.jsonl" --tokenizer "$work/planted.model" --out "$work/planted.h5" \
  --split 0.8,0.2,0 > /dev/null 2>&1
"$rgtg" train rm --config "$cfg/rm/demo-full.yaml" --out "$work/planted-rm" "${tiny[@]}" --set "data.path=$work/planted.h5" \
  --set "data.tokenizer=$work/planted.model" --set train.max_steps=40 --set train.shards=1 --set train.shard=0 \
  --set train.lr=3e-3 > "$work/planted.log" 2>&1
grep -Eq 'accuracy (0\.9[5-9]|1\.000)' "$work/planted.log" && pass "RM ranks a planted signal: $(grep -o 'accuracy [0-9.]*' "$work/planted.log" | head -1)" \
  || fail "RM ranks a planted signal: $(tail -1 "$work/planted.log")"

# an RM initialised from the SFT model: the same body, a fresh score head
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/rm-from-lm" "${tiny[@]}" --set "model.init=$work/sft/final" \
  --set train.max_steps=1 --set train.lr=1e-12 --set train.warmup_steps=0 > /dev/null 2>&1
$py - "$work/sft/final" "$work/rm-from-lm/final" "$root/tests/reference" <<'EOF' && pass "an RM starts from the SFT body with a new score head" || fail "RM from the SFT model"
import json, sys
sys.path.insert(0, sys.argv[3])
import st
lm, rm = st.load(sys.argv[1] + "/model.safetensors"), st.load(sys.argv[2] + "/model.safetensors")
arch = json.load(open(sys.argv[2] + "/config.json"))["architectures"]
body = [k for k in lm if k.startswith("model.")]
diff = max(float((lm[k] - rm[k]).abs().max()) for k in body)
print(f"     body max difference after one step at lr 1e-12: {diff:.1e}; head {tuple(rm['score.weight'].shape)}")
sys.exit(0 if arch == ["LlamaForSequenceClassification"] and diff < 1e-6 and "lm_head.weight" not in rm else 1)
EOF

# the other objectives run and report their figures
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/dense" "${tiny[@]}" --set train.objective=dense \
  --set train.max_steps=10 > "$work/dense.log" 2>&1 && grep -q 'prefixes 25%' "$work/dense.log" \
  && pass "dense RM trains and reports prefix accuracies" || fail "dense RM: $(tail -1 "$work/dense.log")"
"$rgtg" train dpo --config "$cfg/sft/demo.yaml" --out "$work/dpo" "${tiny[@]}" --set "model.init=$work/sft/final" \
  --set train.max_steps=8 --set dpo.beta=0.1 > "$work/dpo.log" 2>&1 && grep -q 'preference accuracy' "$work/dpo.log" \
  && grep -q '"margin"' "$work/dpo/metrics.jsonl" && pass "DPO trains from the SFT model" || fail "DPO: $(tail -1 "$work/dpo.log")"
# the CD-FUDGE value function from files: decode samples training prompts, eval scores them (and their
# references), train value reads the scored files
"$rgtg" train rm --config "$cfg/rm/demo-full.yaml" --out "$work/eval-rm" "${tiny[@]}" --set train.max_steps=10 > /dev/null 2>&1
for seed in 1 2; do
  "$rgtg" decode --lm "$work/sft/final" --data "$work/data/prefs.h5" --split train --limit 30 --method topk --k 20 \
    --max-new-tokens 6 --seed $seed --threads 1 --out "$work/value-$seed.jsonl" > /dev/null 2>&1
done
cp "$work/value-1.jsonl" "$work/unscored.jsonl"
"$rgtg" eval score --rm "$work/eval-rm/final" --gens "$work/value-1.jsonl" --reference --threads 1 > /dev/null 2>&1
"$rgtg" eval score --rm "$work/eval-rm/final" --gens "$work/value-2.jsonl" --reference --threads 1 > /dev/null 2>&1
value=(--config "$cfg/rm/demo-full.yaml" "${tiny[@]}" --set train.max_steps=8)
"$rgtg" train value "${value[@]}" --out "$work/value" --set "data.value_gens=[$work/value-1.jsonl, $work/value-2.jsonl]" \
  > "$work/value.log" 2>&1 && [ -s "$work/value/final/model.safetensors" ] \
  && pass "the value function trains on sampled, scored responses" || fail "value: $(tail -1 "$work/value.log")"
"$rgtg" train value "${value[@]}" --out "$work/value-bce" --set "data.value_gens=[$work/value-1.jsonl, $work/value-2.jsonl]" \
  --set value.loss=bce > "$work/value-bce.log" 2>&1
# the targets are the files' rewards (mse) and reward > reference_reward (bce): the logged means match
$py - "$work/value.log" "$work/value-bce.log" "$work/value-1.jsonl" "$work/value-2.jsonl" <<'EOF' \
  && pass "value targets: the scored files' rewards, and win labels against the references" || fail "value targets"
import json, re, sys
rows = [json.loads(l) for f in sys.argv[3:] for l in open(f)]
want = {"reward": sum(r["reward"] for r in rows) / len(rows),
        "win label": sum(r["reward"] > r["reference_reward"] for r in rows) / len(rows)}
ok = len(rows) == 60
for log in sys.argv[1:3]:
    m = re.search(r"value data: (\d+) responses from 2 files, mean (reward|win label) (-?[0-9.]+)", open(log).read())
    print(f"     {log.split('/')[-1]}: {m.group(0) if m else 'no value data line'}; expected {want[m.group(2)] if m else '?'}")
    ok = ok and m is not None and int(m.group(1)) == 60 and abs(float(m.group(3)) - want[m.group(2)]) < 1e-4
sys.exit(0 if ok else 1)
EOF
expect_error "value refuses an unscored generations file" "no reward" \
  "$rgtg" train value "${value[@]}" --out "$work/value-unscored" --set "data.value_gens=$work/unscored.jsonl"
[ ! -e "$work/value-unscored/final" ] && pass "no model after refusing unscored generations" || fail "model written"
$py - "$work/value-1.jsonl" "$work/foreign.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
rows[3]["tokens"][0] = 100000
open(sys.argv[2], "w").write("".join(json.dumps(r) + "\n" for r in rows))
EOF
expect_error "value refuses generations of another tokenizer" "foreign.jsonl: row 4: token 100000 is outside" \
  "$rgtg" train value "${value[@]}" --out "$work/value-foreign" --set "data.value_gens=$work/foreign.jsonl"
expect_error "value without scored generations names the key" "data.value_gens" \
  "$rgtg" train value "${value[@]}" --out "$work/value-none"

# exact resume: 20 steps straight == 10 steps, stop, resume for 10 (the same bytes)
resume=("${tiny[@]}" --set train.max_steps=20 --set train.warmup_steps=3)
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/straight" "${resume[@]}" > /dev/null 2>&1
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/sliced" "${resume[@]}" --set train.stop_after=10 > /dev/null 2>&1
[ -d "$work/sliced/checkpoint-10" ] && [ ! -e "$work/sliced/final" ] && pass "stop_after writes checkpoint-10 and no final model" \
  || fail "stop_after checkpoint"
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/sliced" "${resume[@]}" --resume auto > /dev/null 2>&1
cmp -s "$work/straight/final/model.safetensors" "$work/sliced/final/model.safetensors" \
  && pass "resume is exact: final weights identical to the byte (max difference 0)" || fail "resume is not exact"

# SIGTERM: a checkpoint, a message saying how to resume, exit 130; resuming finishes the run
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/term" "${tiny[@]}" --set train.max_steps=100000 \
  > "$work/term.out" 2> "$work/term.err" &
pid=$!
for _ in $(seq 1 300); do [ -s "$work/term/metrics.jsonl" ] && [ "$(wc -l < "$work/term/metrics.jsonl")" -ge 3 ] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
code=$?
ckpt=$(ls -d "$work"/term/checkpoint-* 2>/dev/null | head -1)
[ "$code" -eq 130 ] && [ -n "$ckpt" ] && grep -q -- '--resume auto' "$work/term.err" \
  && pass "SIGTERM: exit 130, $(basename "$ckpt") written, resume explained" || fail "SIGTERM (exit $code): $(cat "$work/term.err")"
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/term" "${tiny[@]}" --set train.max_steps=$(( ${ckpt##*-} + 2 )) \
  --resume auto > /dev/null 2>&1 && [ -s "$work/term/final/model.safetensors" ] && pass "the interrupted run resumes to the end" \
  || fail "resume after SIGTERM"

# a NaN loss stops the run: non-zero exit, the last good checkpoint intact, no final model
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/nan" "${tiny[@]}" --set train.max_steps=30 \
  --set train.lr=1e30 --set train.grad_clip=0 --set train.warmup_steps=0 --set train.save_every=1 > /dev/null 2> "$work/nan.err"
code=$?
last=$(ls -d "$work"/nan/checkpoint-* 2>/dev/null | sort -t- -k2 -n | tail -1)
[ "$code" -ne 0 ] && grep -q 'the loss is' "$work/nan.err" && [ ! -e "$work/nan/final" ] && [ -n "$last" ] \
  && "$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/nan" "${tiny[@]}" --set train.max_steps=1 --resume "$last" \
     > /dev/null 2>&1; resumed=$?
[ "$code" -ne 0 ] && [ -n "$last" ] && [ "$resumed" -eq 0 ] \
  && pass "a NaN loss stops the run ($(cat "$work/nan.err" | head -c 80)...); $(basename "$last") still loads" \
  || fail "NaN stop (exit $code): $(cat "$work/nan.err")"

# errors before any training: one line, non-zero exit, nothing written
expect_error "a tokenizer that differs from the data file's" "differs from the one" \
  "$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/badtok" "${tiny[@]}" --set "data.tokenizer=$work/planted.model"
[ ! -e "$work/badtok/metrics.jsonl" ] && pass "no metrics written after a tokenizer mismatch" || fail "metrics after a tokenizer mismatch"
expect_error "an unknown objective" "not one of full, prefix, dense" \
  "$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/bad" "${tiny[@]}" --set train.objective=partial
expect_error "a misspelt key, with a suggestion" "did you mean 'train.max_steps'" \
  "$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/bad" "${tiny[@]}" --set train.max_step=3
expect_error "a value of the wrong type" "train.lr" \
  "$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/bad" "${tiny[@]}" --set train.lr=fast
expect_error "cuda in a build without it" "cuda" \
  "$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$work/bad" "${tiny[@]}" --set train.device=cuda
expect_error "DPO without a model to start from" "model.init" \
  "$rgtg" train dpo --config "$cfg/sft/demo.yaml" --out "$work/bad" "${tiny[@]}"

finish "train commands"
