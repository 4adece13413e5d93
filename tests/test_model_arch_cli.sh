#!/usr/bin/env bash
# rgtg decode on checkpoints shaped like issue 12's (tests/make_model): an embedding with more rows
# than the tokenizer has tokens never yields those ids (their LM-head rows are made large, so that an
# unmasked decoder would), and an EOS id that only generation_config.json lists ends a row, leaving
# the stop token out of the response text. Usage: test_model_arch_cli.sh PATH/TO/rgtg PATH/TO/make_model
set -uo pipefail
rgtg=$1
make_model=$2
work=$(mktemp -d /tmp/rgtg-model-arch-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

"$rgtg" data demo --out "$work/data" --pairs 60 --test 8 --valid 8 --vocab 300 > /dev/null || { echo "FAIL data"; exit 1; }
tok=$work/data/tokenizer.model
"$make_model" "$work/lm" "$tok" lm 1 --vocab-rows=340 || { echo "FAIL make_model"; exit 1; }
grep -q '"vocab_size": 340' "$work/lm/config.json" && pass "make_model wrote 340 embedding rows" || fail "vocab rows"

echo "== padded vocabulary: ids >= 300 are never drawn"
for method in greedy topk topp; do
  "$rgtg" decode --lm "$work/lm" --data "$work/data/prefs.h5" --method $method --max-new-tokens 12 --threads 1 \
    --out "$work/$method.jsonl" > /dev/null 2> "$work/err" || { fail "$method: $(cat "$work/err")"; continue; }
  "$py" - "$work/$method.jsonl" 300 <<'PY' && pass "$method draws only the tokenizer's ids" || fail "$method drew a padded id"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
ids = [t for r in rows for t in r["tokens"]]
print(f"  {len(rows)} rows, {len(ids)} tokens, largest id {max(ids)}")
sys.exit(0 if rows and max(ids) < int(sys.argv[2]) else 1)
PY
done

echo "== generation_config.json's EOS ids end rows"
# the token greedy draws third in the first row becomes a second EOS id
stop=$("$py" -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); t=r["tokens"]; print(t[2] if len(t) > 2 and t[2] not in t[:2] else -1)' "$work/greedy.jsonl")
if [ "$stop" -lt 0 ]; then fail "greedy's first row has no fresh third token"; else
  eos=$(grep -o '"eos_token_id": [0-9]*' "$work/lm/config.json" | grep -o '[0-9]*$')
  echo "{\"eos_token_id\": [$eos, $stop]}" > "$work/lm/generation_config.json"
  "$rgtg" decode --lm "$work/lm" --data "$work/data/prefs.h5" --method greedy --max-new-tokens 12 --threads 1 \
    --out "$work/stops.jsonl" > /dev/null 2> "$work/err" || fail "decode with stops: $(cat "$work/err")"
  "$py" - "$work/greedy.jsonl" "$work/stops.jsonl" "$stop" <<'PY' && pass "a row ends at generation_config.json's EOS id $stop" || fail "EOS list"
import json, sys
free = json.loads(open(sys.argv[1]).readline())
row = json.loads(open(sys.argv[2]).readline())
stop = int(sys.argv[3])
print(f"  free run {free['tokens'][:4]}..., with stops {row['tokens']} finished={row['finished']}")
ok = row["tokens"] == free["tokens"][:3] and row["finished"] and row["tokens"][-1] == stop
sys.exit(0 if ok else 1)
PY
  echo '{"eos_token_id": [2, 999]}' > "$work/lm/generation_config.json"
  expect_error "generation_config.json with an id beyond the vocabulary" "generation_config.json: eos_token_id must be token ids of the tokenizer (0..299)" \
    "$rgtg" decode --lm "$work/lm" --data "$work/data/prefs.h5" --method greedy --max-new-tokens 4 --threads 1 --out "$work/never.jsonl"
  [ ! -e "$work/never.jsonl" ] && pass "nothing written" || fail "a generations file was written"
fi
finish test_model_arch_cli
