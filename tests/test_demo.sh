#!/usr/bin/env bash
# Command-level test of the demo pipeline at a tiny size (experiments/demo.sh tiny), then the clear
# errors of the commands on bad input. Usage: test_demo.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-demo-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

if bash "$root/experiments/demo.sh" "$rgtg" "$work/demo" tiny > "$work/log" 2>&1; then
  pass "the tiny demo pipeline runs end to end"
else
  tail -30 "$work/log"
  fail "the tiny demo pipeline failed"
fi
for f in data/prefs.h5 data/tokenizer.model lm/final/config.json lm/final/model.safetensors \
         lm/final/tokenizer.model rm/final/model.safetensors rm-eval/final/config.json lm/metrics.jsonl \
         lm/config.yaml rm-full/final/model.safetensors generations-topk.jsonl generations-args.jsonl \
         generations-pargs.jsonl table.md; do
  [ -s "$work/demo/$f" ] && pass "wrote $f" || fail "missing $f"
done
/usr/bin/python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["architectures"] != ["LlamaForSequenceClassification"])' \
  "$work/demo/rm/final/config.json" \
  && pass "the RM is a LlamaForSequenceClassification" || fail "RM config.json architecture"
rows=$(grep -c '"reward"' "$work/demo/generations-pargs.jsonl" 2>/dev/null || echo 0)
[ "$rows" -eq 12 ] && pass "12 PARGS generations scored" || fail "PARGS generations scored: $rows"
grep -q 'pargs' "$work/demo/table.md" && grep -q 'topk' "$work/demo/table.md" && grep -q '| args' "$work/demo/table.md" \
  && pass "the table has a topk, an args and a pargs row" || fail "table rows"

grep -q '"beta":2.0,' "$work/demo/generations-pargs.jsonl" && grep -q '"max_new_tokens":12' "$work/demo/generations-pargs.jsonl" \
  && pass "decode takes beta from its --config and max_new_tokens from the command line" || fail "decode settings"

# bad input: one line naming the problem, a non-zero exit, no partial output
cfg=$root/configs/sft/demo.yaml
expect_error "an unknown config key" "train.lrr" \
  "$rgtg" train sft --config "$cfg" --out "$work/bad1" --set train.lrr=1
[ ! -e "$work/bad1/final" ] && pass "no checkpoint after a config error" || fail "checkpoint written after a config error"
expect_error "a value of the wrong type" "train.max_steps" \
  "$rgtg" train sft --config "$cfg" --out "$work/bad2" --set train.max_steps=many
expect_error "a missing data file" "nope.h5" \
  "$rgtg" train sft --config "$cfg" --out "$work/bad3" --set data.path="$work/nope.h5"
expect_error "an unknown option" "--frobnicate" "$rgtg" decode --frobnicate 1
expect_error "an unknown method" "unknown method" \
  "$rgtg" decode --lm "$work/demo/lm/final" --data "$work/demo/data/prefs.h5" --method beam --out "$work/g.jsonl"
[ ! -e "$work/g.jsonl" ] && pass "no generations file after a failed decode" || fail "partial generations file"
printf 'k: 10\nbta: 2\n' > "$work/decode.yaml"
expect_error "an unknown key in a decode config" "did you mean 'beta'" \
  "$rgtg" decode --config "$work/decode.yaml" --lm "$work/demo/lm/final" --data "$work/demo/data/prefs.h5" --out "$work/g2.jsonl"
printf 'not json\n' > "$work/broken.jsonl"
expect_error "a malformed generations file" "broken.jsonl:1:" \
  "$rgtg" eval score --rm "$work/demo/rm-eval/final" --gens "$work/broken.jsonl"
expect_error "a language model given as the reward model" "not a reward model" \
  "$rgtg" eval score --rm "$work/demo/lm/final" --gens "$work/demo/generations-topk.jsonl"
/usr/bin/python3 - "$work/demo/generations-topk.jsonl" "$work/noref.jsonl" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
del rows[1]["reference"]
open(sys.argv[2], "w").write("".join(json.dumps(r) + "\n" for r in rows))
EOF
cp "$work/noref.jsonl" "$work/noref.orig"
expect_error "eval score --reference of a row without a reference" "noref.jsonl: row 2 (id" \
  "$rgtg" eval score --rm "$work/demo/rm-eval/final" --gens "$work/noref.jsonl" --reference
cmp -s "$work/noref.jsonl" "$work/noref.orig" && pass "the refused file is left as it was" || fail "the refused file changed"

finish "demo pipeline"
