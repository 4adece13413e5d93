#!/usr/bin/env bash
# rgtg decode end to end on small random models (tests/make_model): every refusal of a bad model,
# tokenizer, length, parameter or prompt file prints one line naming the problem and writes nothing;
# JSONL prompts with a template and --n samples; tokens that do not depend on --batch, on mpirun's
# rank count or on the cache; Best-of-N keeping the best of topk's N samples; cd == pargs with the same
# model; topk from a DPO-trained LM; rows that keep their models and work through eval score.
# Usage: test_decode_cli.sh PATH/TO/rgtg PATH/TO/make_model
set -uo pipefail
rgtg=$1
make_model=$2
work=$(mktemp -d /tmp/rgtg-decode-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/.." && pwd)

"$rgtg" data demo --out "$work/data" --pairs 120 --test 10 --valid 10 --vocab 300 > /dev/null || { echo "FAIL data"; exit 1; }
"$rgtg" data demo --out "$work/data2" --pairs 120 --test 10 --valid 10 --vocab 310 > /dev/null || { echo "FAIL data2"; exit 1; }
tok=$work/data/tokenizer.model
"$make_model" "$work/lm" "$tok" lm 1 && "$make_model" "$work/rm" "$tok" score 2 &&
  "$make_model" "$work/lm-short" "$tok" lm 1 24 && "$make_model" "$work/rm-nan" "$tok" score 2 128 model.norm.weight=nan &&
  "$make_model" "$work/lm-blowup" "$tok" lm 1 128 model.norm.weight=3e38 &&
  "$make_model" "$work/lm-tok2" "$work/data2/tokenizer.model" lm 1 &&
  "$make_model" "$work/rm-tok2" "$work/data2/tokenizer.model" score 2 || { echo "FAIL make_model"; exit 1; }
mkdir "$work/rm-notok" "$work/rm-garbage"
cp "$work/rm/config.json" "$work/rm/model.safetensors" "$work/rm-notok/"
cp "$work/rm/config.json" "$work/rm/model.safetensors" "$work/rm-garbage/"
head -c 4000 /dev/urandom > "$work/rm-garbage/tokenizer.model"

out=$work/o/gens.jsonl
mkdir "$work/o"
base=(--lm "$work/lm" --data "$work/data/prefs.h5" --threads 1)
data=("${base[@]}" --max-new-tokens 6)
# refuse DESCRIPTION TEXT ARGS...: one line naming the problem, non-zero exit, nothing in $work/o
refuse() {
  local what=$1 text=$2
  shift 2
  expect_error "$what" "$text" "$rgtg" decode "$@" --out "$out"
  [ -z "$(ls -A "$work/o")" ] || { fail "$what: left $(ls "$work/o")"; rm -f "$work/o"/*; }
}

echo "== models: kind of head, tokenizer, positions, finite parameters"
refuse "the LM is a reward model" "$work/rm is a reward model, not a language model" --lm "$work/rm" \
  --data "$work/data/prefs.h5" --method topk
refuse "the guide is a language model" "$work/lm is a language model, not a reward model" "${data[@]}" --method pargs --rm "$work/lm"
refuse "the value model is a language model" "$work/lm is a language model, not a value model" "${data[@]}" --method cd --value "$work/lm"
refuse "the Best-of-N scorer is a language model" "not a reward model" "${data[@]}" --method bon --rm "$work/lm"
refuse "a guide without tokenizer.model" "rm-notok has no tokenizer.model" "${data[@]}" --method args --rm "$work/rm-notok"
refuse "a guide with a garbage tokenizer" "rm-garbage/tokenizer.model is not the language model's tokenizer" "${data[@]}" \
  --method pargs --rm "$work/rm-garbage"
refuse "a guide with another tokenizer" "rm-tok2/tokenizer.model is not the language model's tokenizer" "${data[@]}" \
  --method pargs --rm "$work/rm-tok2"
refuse "a value model with another tokenizer" "is not the language model's tokenizer" "${data[@]}" --method cd --value "$work/rm-tok2"
refuse "a scorer with another tokenizer" "is not the language model's tokenizer" "${data[@]}" --method bon --rm "$work/rm-tok2"
refuse "prompts tokenized by another tokenizer" "the prompts were tokenized with another tokenizer" --lm "$work/lm-tok2" \
  --data "$work/data/prefs.h5" --method topk
refuse "prompt + max-new-tokens beyond the positions" "beyond the 24 (max_position_embeddings)" --lm "$work/lm-short" \
  --data "$work/data/prefs.h5" --method topk --max-new-tokens 16
refuse "a huge --max-new-tokens, at once" "max_new_tokens 1000000000 leaves no room" "${base[@]}" --method topk \
  --max-new-tokens 1000000000
refuse "a NaN parameter in the guide" "rm-nan: tensor 'model.norm.weight' holds NaN or infinite values" "${data[@]}" \
  --method pargs --rm "$work/rm-nan"
refuse "a NaN in a step's weights" "step 0: the weight of candidate" --lm "$work/lm-blowup" --data "$work/data/prefs.h5" \
  --method topk --max-new-tokens 6

echo "== option values"
refuse "--beta nan" "beta must be a finite number" "${data[@]}" --method pargs --rm "$work/rm" --beta nan
refuse "--beta inf" "beta must be a finite number" "${data[@]}" --method pargs --rm "$work/rm" --beta inf
refuse "--limit -5" "--limit must be an integer >= 0 (got '-5')" "${data[@]}" --method topk --limit -5
refuse "--k 0" "method topk: k must be in .1, inf) (got 0)" "${data[@]}" --method topk --k 0
refuse "--k larger than the vocabulary" "candidates per step, but the vocabulary has 300" "${data[@]}" --method topk --k 301
refuse "--p 0" "p must be in (0, 1] (got 0)" "${data[@]}" --method topp --p 0
refuse "--p 1.5" "p must be in (0, 1] (got 1.5)" "${data[@]}" --method topp --p 1.5
refuse "--temperature 0" "temperature must be in (0, inf)" "${data[@]}" --method topk --temperature 0
refuse "--best-of 0" "method bon: best_of must be in .1, 65536. (got 0)" "${data[@]}" --method bon --rm "$work/rm" --best-of 0
refuse "--n 0" "--n must be an integer >= 1" "${data[@]}" --method topk --n 0
refuse "--max-new-tokens 0" "--max-new-tokens must be an integer >= 1" "${base[@]}" --method topk --max-new-tokens 0
refuse "--batch 0" "--batch must be an integer >= 1" "${data[@]}" --method topk --batch 0
refuse "--seed -1" "--seed must be an integer >= 0" "${data[@]}" --method topk --seed -1
refuse "an unknown method" "unknown method 'nucleus' (known: topk, topp" "${data[@]}" --method nucleus
refuse "a parameter of another method" "--beta is not a parameter of method topk" "${data[@]}" --method topk --beta 1
refuse "--rm that the method does not use" "method topk uses no --rm" "${data[@]}" --method topk --rm "$work/rm"
refuse "pargs without --rm" "method pargs needs --rm" "${data[@]}" --method pargs
refuse "cd without --value" "method cd needs --value" "${data[@]}" --method cd
refuse "--split with --prompts" "--split applies to --data" --lm "$work/lm" --prompts "$work/none.jsonl" --split test
refuse "--template with --data" "--template applies to --prompts" "${data[@]}" --template define
refuse "an unknown split" "--split must be train, valid or test (got 'dev')" "${data[@]}" --method topk --split dev
printf 'method: pargs\nbeta: .nan\n' > "$work/nan.yaml"
refuse "a NaN beta in the YAML" "nan.yaml: method pargs: beta must be a finite number" "${data[@]}" --rm "$work/rm" \
  --config "$work/nan.yaml"
printf 'bta: 1\n' > "$work/typo.yaml"
refuse "an unknown YAML key" "config key 'bta' is not known (did you mean 'beta'?)" "${data[@]}" --config "$work/typo.yaml"

echo "== prompt files"
jsonl() { printf '%b' "$2" > "$work/$1"; }
jsonl bad.jsonl '{"id": 1, "prompt": "a"}\n{"id": 2, "prompt": }\n'
refuse "malformed JSON" "bad.jsonl:2:21: unexpected token" --lm "$work/lm" --prompts "$work/bad.jsonl" --method topk
jsonl noprompt.jsonl '{"id": 1, "text": "a"}\n'
refuse "a line without prompt" "noprompt.jsonl:1: field 'prompt' must be a non-empty string" --lm "$work/lm" \
  --prompts "$work/noprompt.jsonl" --method topk
jsonl dup.jsonl '{"id": 5, "prompt": "a"}\n\n{"id": 6, "prompt": "b"}\n{"id": 5, "prompt": "c"}\n'
refuse "a repeated id" "dup.jsonl:4: id 5 repeats line 1's" --lm "$work/lm" --prompts "$work/dup.jsonl" --method topk
jsonl strid.jsonl '{"id": "a1", "prompt": "a"}\n'
refuse "an id that is a string" "strid.jsonl:1: field 'id' must be an integer >= 0" --lm "$work/lm" --prompts "$work/strid.jsonl" \
  --method topk
jsonl good.jsonl '{"id": 5, "prompt": "a cat", "reference": "an animal"}\n{"id": 9, "prompt": "a dog", "extra": 1}\n'
refuse "a template that needs other fields" "good.jsonl:1: template define: no value for placeholder {word}" --lm "$work/lm" \
  --prompts "$work/good.jsonl" --template define --method topk
refuse "an unknown template" "unknown --template 'chat'" --lm "$work/lm" --prompts "$work/good.jsonl" --template chat
jsonl empty.jsonl '\n'
refuse "a file without prompts" "empty.jsonl: holds no prompts" --lm "$work/lm" --prompts "$work/empty.jsonl" --method topk

echo "== decoding"
# compare A B: the same rows except for seconds
same_rows() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
rows = [[json.loads(l) for l in open(p)] for p in sys.argv[1:3]]
for r in rows[0] + rows[1]:
    r.pop("seconds")
sys.exit(0 if rows[0] == rows[1] and len(rows[0]) > 0 else 1)
PY
}
g=$work/g
mkdir "$g"
if "$rgtg" decode --lm "$work/lm" --prompts "$work/good.jsonl" --template human-assistant --method topk --n 3 \
     --max-new-tokens 5 --threads 1 --out "$g/jsonl.jsonl" > /dev/null; then
  /usr/bin/python3 - "$g/jsonl.jsonl" "$(sha256sum "$work/lm/model.safetensors" | cut -d' ' -f1)" <<'PY' && pass "JSONL prompts, human-assistant template, --n 3: ids, samples, prompts, reference, models" || fail "JSONL rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [(r["id"], r["sample"]) for r in rows] == [(5, 0), (5, 1), (5, 2), (9, 0), (9, 1), (9, 2)], rows
assert rows[0]["prompt"] == "\n\nHuman: a cat\n\nAssistant:" and rows[3]["prompt"] == "\n\nHuman: a dog\n\nAssistant:"
assert rows[0]["reference"] == "an animal" and "reference" not in rows[3]
assert all(r["format_version"] == 2 and r["models"]["lm"]["sha256"] == sys.argv[2] for r in rows)
assert len({tuple(r["tokens"]) for r in rows[:3]}) > 1, "the three samples are identical"
assert all(r["work"]["lm_forwards"] == r["new_tokens"] for r in rows)
PY
else fail "JSONL decode failed"; fi

pargs=("${data[@]}" --method pargs --rm "$work/rm" --k 5 --beta 2 --n 2)
"$rgtg" decode "${pargs[@]}" --batch 1 --out "$g/b1.jsonl" > /dev/null &&
  "$rgtg" decode "${pargs[@]}" --batch 16 --out "$g/b16.jsonl" > /dev/null &&
  same_rows "$g/b1.jsonl" "$g/b16.jsonl" && pass "pargs: --batch 1 == --batch 16 (tokens, work)" || fail "pargs: batch 1 != batch 16"
"$rgtg" decode "${pargs[@]}" --no-cache --out "$g/nocache.jsonl" > /dev/null &&
  /usr/bin/python3 -c 'import json,sys; a,b=[[json.loads(l)["tokens"] for l in open(p)] for p in sys.argv[1:]]; sys.exit(a!=b)' \
    "$g/b16.jsonl" "$g/nocache.jsonl" && pass "pargs: cached tokens == --no-cache tokens" || fail "pargs: cache changes tokens"
"$rgtg" decode "${data[@]}" --method cd --value "$work/rm" --k 5 --beta 2 --n 2 --out "$g/cd.jsonl" > /dev/null &&
  /usr/bin/python3 -c 'import json,sys; a,b=[[json.loads(l)["tokens"] for l in open(p)] for p in sys.argv[1:]]; sys.exit(a!=b)' \
    "$g/b16.jsonl" "$g/cd.jsonl" && pass "cd with the model as --value == pargs with it as --rm" || fail "cd != pargs"

"$rgtg" decode "${data[@]}" --method topk --k 5 --n 3 --out "$g/topk3.jsonl" > /dev/null &&
  "$rgtg" decode "${data[@]}" --method bon --rm "$work/rm" --k 5 --best-of 3 --out "$g/bon.jsonl" > /dev/null &&
  /usr/bin/python3 - "$g/topk3.jsonl" "$g/bon.jsonl" <<'PY' && pass "bon: keeps the best of topk's 3 samples, records all 3 rewards" || fail "bon"
import json, sys
topk = [json.loads(l) for l in open(sys.argv[1])]
bon = [json.loads(l) for l in open(sys.argv[2])]
assert len(bon) * 3 == len(topk)
for i, row in enumerate(bon):
    samples = topk[3 * i: 3 * i + 3]
    assert all(s["id"] == row["id"] for s in samples)
    rewards, kept = row["bon_rewards"], row["bon_kept"]
    assert len(rewards) == 3 and rewards[kept] == max(rewards), (rewards, kept)
    assert row["tokens"] == samples[kept]["tokens"], (row["tokens"], samples[kept]["tokens"])
    assert row["work"]["rm_forwards"] == 3 and row["work"]["lm_forwards"] == sum(s["work"]["lm_forwards"] for s in samples)
    assert row["models"]["scorer"]["kind"] == "scorer"
PY

if command -v mpirun > /dev/null; then
  # RANKS METHOD...: the ranks' run (batch 3) against one rank's (batch 16); 3 ranks over 2 prompts
  # leave one rank without any
  for m in "2 pargs --rm $work/rm --k 5 --n 2" "3 bon --rm $work/rm --best-of 3 --limit 2"; do
    set -- $m
    ranks=$1
    shift
    mpirun -np "$ranks" "$rgtg" decode "${data[@]}" --method "$@" --batch 3 --out "$g/mpi.jsonl" > "$work/mpi.log" 2>&1 &&
      "$rgtg" decode "${data[@]}" --method "$@" --out "$g/one.jsonl" > /dev/null &&
      same_rows "$g/one.jsonl" "$g/mpi.jsonl" && pass "$1: mpirun -np $ranks --batch 3 == 1 rank --batch 16 (one file, prompt order)" ||
      fail "$1: $ranks ranks != 1 rank: $(tail -2 "$work/mpi.log")"
  done
fi

"$rgtg" eval score --rm "$work/rm" --gens "$g/b16.jsonl" --out "$g/scored.jsonl" > /dev/null &&
  /usr/bin/python3 - "$g/b16.jsonl" "$g/scored.jsonl" <<'PY' && pass "eval score keeps format_version, sample, models and work" || fail "eval score drops fields"
import json, sys
a, b = [[json.loads(l) for l in open(p)] for p in sys.argv[1:]]
assert all("reward" in r and r["reward_name"] == "rm" and r["rewards"]["rm"]["reward"] == r["reward"] for r in b)
for r in b:
    r.pop("reward"), r.pop("reward_name"), r.pop("rewards")
assert a == b
PY

cfg=(--config "$root/configs/dpo/demo.yaml" --set "data.path=$work/data/prefs.h5" --set "data.tokenizer=$tok"
     --set "model.init=$work/lm" --set train.max_steps=2 --set train.micro_batch=4 --set train.eval_pairs=4 --set train.threads=1)
"$rgtg" train dpo "${cfg[@]}" --out "$work/dpo" > /dev/null 2>&1 &&
  "$rgtg" decode --lm "$work/dpo/final" --data "$work/data/prefs.h5" --method topk --max-new-tokens 4 --out "$g/dpo.jsonl" > /dev/null &&
  grep -q "\"path\":\"$work/dpo/final\"" "$g/dpo.jsonl" && pass "the DPO row: topk from a DPO-trained LM" || fail "topk from a DPO LM"

finish "decode command"
