#!/usr/bin/env bash
# Command-level tests of the gold reward's commands: `data demo --task define-long` (responses long
# enough for prefixes to matter under the demo's tokenizer: median >= 24 and p90 >= 40 tokens; the
# define task unchanged beside it), `data gold-label` (two samples per prompt -> a prefs.h5 that the
# existing reader inspects and a prefix reward model trains on; the same seed gives the same file) and
# `eval gold` (mean +- SE, --as-reward), and their errors: one line naming the file (and row), a
# non-zero exit, no output. Needs WordNet (Debian package wordnet-base). Usage: test_gold_cli.sh RGTG
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-gold-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

if [ ! -r /usr/share/wordnet/data.noun ]; then
  echo "skipped: /usr/share/wordnet is not installed (Debian package wordnet-base)"
  exit 77
fi

# ---- define-long at the demo's default size: lengths under its own tokenizer ----
if "$rgtg" data demo --task define-long --out "$work/long" > "$work/long.log" 2>&1; then
  pass "data demo --task define-long"
else
  fail "data demo --task define-long: $(tail -3 "$work/long.log")"
fi
grep -q '^  good ' "$work/long.log" && grep -q 'label = higher gold' "$work/long.log" \
  && pass "it reports the gold reward per variant" || fail "no gold report"
"$rgtg" data inspect "$work/long/prefs.h5" > "$work/long.inspect" 2>&1
for side in chosen rejected; do
  read -r p50 p90 < <(awk -v s="$side" '$1 == s { print $3, $5 }' "$work/long.inspect")
  if [ "${p50:-0}" -ge 24 ] && [ "${p90:-0}" -ge 40 ]; then pass "$side responses: median $p50, p90 $p90 tokens"
  else fail "$side responses: median ${p50:-?}, p90 ${p90:-?} tokens (need >= 24 and >= 40)"; fi
done
grep -q 'options  *"task=define-long' "$work/long.inspect" && pass "the task's settings are in the options attribute" \
  || fail "options attribute"
"$rgtg" data demo --out "$work/short" --pairs 300 --test 10 --valid 20 --vocab 400 > /dev/null 2>&1 \
  && "$rgtg" data export "$work/short/prefs.h5" --limit 3 | grep -q '"chosen"' \
  && pass "the define task still builds" || fail "the define task"

# ---- a generations file with two samples per prompt (the dataset's two responses) ----
"$rgtg" data export "$work/long/prefs.h5" --limit 300 > "$work/pairs.jsonl"
$py - "$work/pairs.jsonl" "$work/gens.jsonl" <<'EOF' || fail "writing the generations fixture"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as f:
    def put(i, prompt, response):
        f.write(json.dumps({"id": i, "method": "topk", "params": {"k": 10}, "prompt": prompt,
                            "response": " " + response, "tokens": [5, 2], "new_tokens": 2, "seconds": 0.01,
                            "finished": True}) + "\n")
    for r in rows:
        put(r["pair"], r["prompt"], r["chosen"] if r["pair"] % 2 else r["rejected"])
    for r in rows:
        put(r["pair"], r["prompt"], r["rejected"] if r["pair"] % 2 else r["chosen"])
    put(100000, rows[0]["prompt"], "an unpaired row.")
EOF
tok=$work/long/tokenizer.model
if "$rgtg" data gold-label --gens "$work/gens.jsonl" --tokenizer "$tok" --out "$work/gold.h5" --seed 3 \
    > "$work/label.log" 2>&1; then
  pass "data gold-label"
else
  fail "data gold-label: $(cat "$work/label.log")"
fi
grep -q '300 pairs' "$work/label.log" && grep -q 'unpaired 1' "$work/label.log" \
  && pass "300 pairs, one unpaired row dropped" || fail "gold-label summary: $(cat "$work/label.log")"
"$rgtg" data inspect "$work/gold.h5" > "$work/gold.inspect" 2>&1 && grep -q '300 pairs' "$work/gold.inspect" \
  && grep -q 'dropped: extra_sample 0 identical_responses 0 unpaired 1' "$work/gold.inspect" \
  && grep -q 'options  *"gold_label seed=3' "$work/gold.inspect" \
  && grep -q 'train .* prefix pairs' "$work/gold.inspect" \
  && pass "the existing reader inspects it (drops, options, prefix index)" \
  || fail "inspect: $(head -20 "$work/gold.inspect")"
"$rgtg" data gold-label --gens "$work/gens.jsonl" --tokenizer "$tok" --out "$work/gold2.h5" --seed 3 > /dev/null 2>&1
"$rgtg" data gold-label --gens "$work/gens.jsonl" --tokenizer "$tok" --out "$work/gold3.h5" --seed 4 > /dev/null 2>&1
for i in 1 2 3; do "$rgtg" data export "$work/gold${i/1/}.h5" --tokenizer "$tok" > "$work/e$i" 2>&1; done
[ -s "$work/e1" ] && [ -s "$work/e3" ] || fail "export of the gold-labelled files: $(head -2 "$work/e1")"
cmp -s "$work/e1" "$work/e2" && pass "the same seed gives the same pairs and labels" \
  || fail "gold-label is not deterministic"
cmp -s "$work/e1" "$work/e3" && fail "another seed gives the same labels" || pass "another seed draws other labels"

# ---- --dataset: the train pairs of a prefs.h5 labelled beside the samples ----
train_pairs=$(awk '$1 == "splits:" { print $3 }' "$work/long.inspect")
"$rgtg" data gold-label --gens "$work/gens.jsonl" --dataset "$work/long/prefs.h5" --tokenizer "$tok" \
    --out "$work/mixed.h5" --seed 3 > "$work/mixed.log" 2>&1 || fail "gold-label --dataset: $(cat "$work/mixed.log")"
grep -q "$((300 + ${train_pairs:-0})) pairs" "$work/mixed.log" \
  && pass "--dataset adds the dataset's $train_pairs train pairs to the 300 sample pairs" \
  || fail "gold-label --dataset: $(cat "$work/mixed.log") (dataset train pairs: ${train_pairs:-?})"
"$rgtg" data inspect "$work/mixed.h5" 2>&1 | grep 'source_files' | grep -q 'long/prefs.h5' \
  && pass "the dataset is recorded among the sources" || fail "the dataset is not among the sources"
"$rgtg" data export "$work/mixed.h5" --tokenizer "$tok" > "$work/mixed.jsonl"
"$rgtg" data export "$work/long/prefs.h5" --split train > "$work/long-train.jsonl"
$py - "$work/mixed.jsonl" "$work/long-train.jsonl" <<'EOF' \
  && pass "every dataset train pair is in it with its two responses, as text" || fail "dataset pairs missing or altered"
import json, sys
mixed = {(r["prompt"], frozenset((r["chosen"], r["rejected"]))) for r in map(json.loads, open(sys.argv[1]))}
dataset = [json.loads(l) for l in open(sys.argv[2])]
sys.exit(not (dataset and all((r["prompt"], frozenset((r["chosen"], r["rejected"]))) in mixed for r in dataset)))
EOF
"$rgtg" data demo --task define-long --out "$work/other" --pairs 40 --test 4 --valid 4 --vocab 400 > /dev/null 2>&1
expect_error "a dataset tokenized by another tokenizer" "another tokenizer" \
  "$rgtg" data gold-label --gens "$work/gens.jsonl" --dataset "$work/other/prefs.h5" --tokenizer "$tok" --out "$work/bad7.h5"
[ ! -e "$work/bad7.h5" ] && pass "no output when the dataset's tokenizer differs" || fail "output despite another tokenizer"
expect_error "a missing dataset" "nope.h5" \
  "$rgtg" data gold-label --gens "$work/gens.jsonl" --dataset "$work/nope.h5" --tokenizer "$tok" --out "$work/bad8.h5"

tiny=(--set "data.path=$work/gold.h5" --set "data.tokenizer=$tok" --set model.hidden_size=32
      --set model.intermediate_size=64 --set model.num_hidden_layers=1 --set train.micro_batch=8
      --set train.eval_pairs=8 --set train.max_steps=3 --set train.threads=1 --set train.max_len=128)
"$rgtg" train rm --config "$root/configs/rm/demo-prefix.yaml" --out "$work/rm" "${tiny[@]}" > "$work/rm.log" 2>&1 \
  && [ -s "$work/rm/final/model.safetensors" ] && pass "a prefix RM trains on the gold-labelled file" \
  || fail "train rm on the gold-labelled file: $(tail -3 "$work/rm.log")"

# ---- eval gold ----
cp "$work/gens.jsonl" "$work/scored.jsonl"
"$rgtg" eval gold --gens "$work/gens.jsonl" > "$work/eval.log" 2>&1 \
  && grep -q 'gold .* +- .* (SE), SD .*, n 601' "$work/eval.log" \
  && pass "eval gold prints mean +- SE" || fail "eval gold: $(cat "$work/eval.log")"
grep -q '^  means: coverage [0-9.]*, other_sense [0-9.]*, .*unfinished [0-9.]*, no_content [0-9.]*; [0-9.]* words' \
  "$work/eval.log" && pass "eval gold prints the mean of each part" || fail "eval gold parts: $(cat "$work/eval.log")"
cmp -s "$work/gens.jsonl" "$work/scored.jsonl" && pass "without --as-reward the file is untouched" \
  || fail "eval gold rewrote the file"
"$rgtg" eval gold --gens "$work/scored.jsonl" --as-reward > /dev/null 2>&1
$py - "$work/scored.jsonl" "$work/eval.log" <<'EOF' \
  && pass "--as-reward stores each row's gold reward; their mean is the printed one" || fail "--as-reward"
import json, re, sys
rewards = [json.loads(l)["reward"] for l in open(sys.argv[1])]
printed = float(re.search(r"gold (-?[0-9.]+) \+-", open(sys.argv[2]).read()).group(1))
sys.exit(not (len(rewards) == 601 and abs(sum(rewards) / len(rewards) - printed) < 1e-4))
EOF

# ---- errors: one line, non-zero exit, nothing written ----
grep '"id": 7,' "$work/gens.jsonl" | sed 's/Define the word/Explain the word/' > "$work/notdefine.jsonl"
expect_error "a prompt that is not a define prompt" "notdefine.jsonl: id" \
  "$rgtg" data gold-label --gens "$work/notdefine.jsonl" --tokenizer "$tok" --out "$work/bad1.h5"
[ ! -e "$work/bad1.h5" ] && ! ls "$work" | grep -q 'bad1.h5.tmp' && pass "no output after a failed gold-label" \
  || fail "partial output after a failed gold-label"
head -1 "$work/gens.jsonl" > "$work/one.jsonl"
expect_error "no pair to label" "no prompt has two different responses" \
  "$rgtg" data gold-label --gens "$work/one.jsonl" --tokenizer "$tok" --out "$work/bad2.h5"
[ ! -e "$work/bad2.h5" ] && pass "no output without pairs" || fail "output without pairs"
printf '{"id": 1,\n' > "$work/broken.jsonl"
expect_error "a malformed generations file" "broken.jsonl:" \
  "$rgtg" data gold-label --gens "$work/broken.jsonl" --tokenizer "$tok" --out "$work/bad3.h5"
expect_error "a missing tokenizer" "nope.model" \
  "$rgtg" data gold-label --gens "$work/gens.jsonl" --tokenizer "$work/nope.model" --out "$work/bad4.h5"
[ ! -e "$work/bad4.h5" ] && pass "no output with a missing tokenizer" || fail "output with a missing tokenizer"
expect_error "gold-label without --out" "--out is required" \
  "$rgtg" data gold-label --gens "$work/gens.jsonl" --tokenizer "$tok"
expect_error "a bad --bt-scale" "bt_scale" \
  "$rgtg" data gold-label --gens "$work/gens.jsonl" --tokenizer "$tok" --out "$work/bad5.h5" --bt-scale 0
expect_error "eval gold on a row it cannot score" "notdefine.jsonl: row 1 (id" \
  "$rgtg" eval gold --gens "$work/notdefine.jsonl"
expect_error "eval gold with a missing WordNet" "/nonexistent/data.noun" \
  "$rgtg" eval gold --gens "$work/gens.jsonl" --wordnet /nonexistent
expect_error "an unknown task" "the task must be define or define-long" \
  "$rgtg" data demo --task define-longer --out "$work/bad6"
[ ! -e "$work/bad6" ] && pass "no output folder for an unknown task" || fail "an unknown task created its output folder"

finish "gold commands"
