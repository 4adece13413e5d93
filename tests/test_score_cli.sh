#!/usr/bin/env bash
# `rgtg eval score --rm A --rm B`: several reward models in one pass equal each one alone; each model's
# score in rewards.NAME with its path and weights sha256, the first also in reward; the generation's
# token ids are scored as they are when the RM's tokenizer is the LM's (a row whose text says something
# else scores the same), its text is encoded otherwise (another tokenizer, the LM directory gone,
# --retokenize, version-1 rows); old single-reward files still load in score, compare, summarize and
# table, which pick a named reward with --reward. Usage: test_score_cli.sh PATH/TO/rgtg PATH/TO/make_model
set -uo pipefail
rgtg=$1
make_model=$2
work=$(mktemp -d /tmp/rgtg-score-cli.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

"$rgtg" data demo --out "$work/data" --pairs 120 --test 6 --valid 6 --vocab 300 > /dev/null &&
  "$rgtg" data demo --out "$work/data2" --pairs 120 --test 6 --valid 6 --vocab 310 > /dev/null || { echo "FAIL data"; exit 1; }
tok=$work/data/tokenizer.model
mkdir -p "$work/runs/judge"
"$make_model" "$work/lm" "$tok" lm 1 && "$make_model" "$work/rm1" "$tok" score 2 && "$make_model" "$work/rm2" "$tok" score 3 &&
  "$make_model" "$work/rmt" "$work/data2/tokenizer.model" score 4 && "$make_model" "$work/runs/judge/final" "$tok" score 5 ||
  { echo "FAIL make_model"; exit 1; }
dec=(--lm "$work/lm" --data "$work/data/prefs.h5" --method topk --k 5 --n 2 --max-new-tokens 8 --threads 1)
"$rgtg" decode "${dec[@]}" --out "$work/g.jsonl" > /dev/null && "$rgtg" decode "${dec[@]}" --seed 2 --out "$work/h.jsonl" > /dev/null ||
  { echo "FAIL decode"; exit 1; }
score() { "$rgtg" eval score --threads 1 --batch 5 "$@"; }

# 1. three models in one pass == each alone (same rows, same batches: bitwise)
score --rm a=$work/rm1 --rm b=$work/rm2 --rm "$work/rmt" --gens "$work/g.jsonl" --out "$work/all.jsonl" > "$work/all.out" &&
  score --rm a=$work/rm1 --gens "$work/g.jsonl" --out "$work/a.jsonl" > "$work/a.out" &&
  score --rm b=$work/rm2 --gens "$work/g.jsonl" --out "$work/b.jsonl" > /dev/null &&
  score --rm "$work/rmt" --gens "$work/g.jsonl" --out "$work/t.jsonl" > /dev/null &&
  $py - "$work" "$(sha256sum < "$work/rm1/model.safetensors" | cut -c1-64)" <<'PY' && pass "three RMs in one pass == each alone (bitwise); rewards.NAME with path and sha256; reward is the first" || fail "one pass vs alone: $(cat "$work/all.out")"
import json, sys
w, sha = sys.argv[1:]
load = lambda n: [json.loads(l) for l in open(f"{w}/{n}.jsonl")]
both, alone = load("all"), {"a": load("a"), "b": load("b"), "rmt": load("t")}
assert len(both) == 12
for i, row in enumerate(both):
    assert sorted(row["rewards"]) == ["a", "b", "rmt"], row["rewards"]
    for name, rows in alone.items():
        got, want = row["rewards"][name]["reward"], rows[i]["rewards"][name]["reward"]
        assert got == want, (i, name, got, want)
        assert rows[i]["reward"] == want and rows[i]["reward_name"] == name
    assert row["reward"] == row["rewards"]["a"]["reward"] and row["reward_name"] == "a"
    assert row["rewards"]["a"]["sha256"] == sha and row["rewards"]["a"]["path"] == f"{w}/rm1"
    assert row["rewards"]["a"]["sha256"] != row["rewards"]["b"]["sha256"]
    assert row["rewards"]["a"]["reward"] != row["rewards"]["b"]["reward"]
PY

# 2. token ids reused where the tokenizers match, counted; the other tokenizer's RM encodes the text
grep -q "rewards.a; token ids reused for 12 rows, 0 re-tokenized" "$work/all.out" &&
  grep -q "rewards.b; token ids reused for 12 rows, 0 re-tokenized" "$work/all.out" &&
  grep -q "rewards.rmt; token ids reused for 0 rows, 12 re-tokenized" "$work/all.out" &&
  pass "token ids reused for the LM's tokenizer (24 rows), re-tokenized for another (12)" || fail "reuse counts: $(cat "$work/all.out")"
# a row whose text says something else: the reused ids score as before; --retokenize and the other
# tokenizer read the new text
$py - "$work" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/tampered.jsonl", "w") as f:
    for line in open(f"{w}/g.jsonl"):
        r = json.loads(line)
        r["response"] = " the word means to run fast"
        f.write(json.dumps(r) + "\n")
PY
score --rm a=$work/rm1 --rm "$work/rmt" --gens "$work/tampered.jsonl" --out "$work/tampered-s.jsonl" > /dev/null &&
  score --rm a=$work/rm1 --gens "$work/tampered.jsonl" --retokenize --out "$work/retok.jsonl" > "$work/retok.out" &&
  grep -q "token ids reused for 0 rows, 12 re-tokenized" "$work/retok.out" &&
  $py - "$work" <<'PY' && pass "scores follow the token ids, not the text (changed text: same reward; --retokenize: another)" || fail "reuse follows the text"
import json, sys
w = sys.argv[1]
load = lambda n: [json.loads(l) for l in open(f"{w}/{n}.jsonl")]
orig, tam, retok = load("all"), load("tampered-s"), load("retok")
for o, t, r in zip(orig, tam, retok):
    assert t["rewards"]["a"]["reward"] == o["rewards"]["a"]["reward"]
    assert r["rewards"]["a"]["reward"] != o["rewards"]["a"]["reward"]
    assert t["rewards"]["rmt"]["reward"] != o["rewards"]["rmt"]["reward"]
# every tampered row has the same text and prompt per id: re-tokenized rewards agree within a prompt
# (to float noise: rows sit in different batches)
by_prompt = {}
for r in retok:
    by_prompt.setdefault(r["prompt"], []).append(r["rewards"]["a"]["reward"])
assert all(max(v) - min(v) < 1e-5 for v in by_prompt.values()), by_prompt
PY
# the LM directory gone: nothing to compare tokenizers with, so the text is encoded
mv "$work/lm" "$work/lm-moved"
score --rm a=$work/rm1 --gens "$work/g.jsonl" --out "$work/gone.jsonl" > "$work/gone.out" &&
  grep -q "token ids reused for 0 rows, 12 re-tokenized" "$work/gone.out" && pass "the LM directory gone: re-tokenized" ||
  fail "LM gone: $(cat "$work/gone.out")"
mv "$work/lm-moved" "$work/lm"

# 3. names: DIR's last part, or the one before final; --reference under each model
score --rm "$work/runs/judge/final" --rm rm2=$work/rm2 --gens "$work/h.jsonl" --reference --out "$work/h-s.jsonl" > /dev/null &&
  $py - "$work/h-s.jsonl" <<'PY' && pass "default name 'judge' for runs/judge/final; --reference under every model" || fail "names / --reference"
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    assert sorted(r["rewards"]) == ["judge", "rm2"] and r["reward_name"] == "judge"
    assert r["reference_reward"] == r["rewards"]["judge"]["reference_reward"]
    assert r["rewards"]["rm2"]["reference_reward"] != r["rewards"]["judge"]["reference_reward"]
PY
# rescoring keeps other models' rewards and replaces its own
score --rm b=$work/rm2 --gens "$work/all.jsonl" --out "$work/again.jsonl" > /dev/null &&
  $py - "$work" <<'PY' && pass "rescoring one model keeps the others' rewards; reward follows the new first model" || fail "rescoring"
import json, sys
w = sys.argv[1]
for a, b in zip(open(f"{w}/all.jsonl"), open(f"{w}/again.jsonl")):
    a, b = json.loads(a), json.loads(b)
    assert a["rewards"] == b["rewards"] and b["reward_name"] == "b" and b["reward"] == b["rewards"]["b"]["reward"]
PY

# 4. old files: a version-1 file with a plain reward loads in score (text encoded, no models on record),
#    compare, summarize and table
$py - "$work" <<'PY'
import json, sys
w = sys.argv[1]
for name, shift in (("old-a", 0.5), ("old-b", 0.0)):
    with open(f"{w}/{name}.jsonl", "w") as f:
        for i in range(10):
            f.write(json.dumps({"id": i, "method": name, "params": {}, "prompt": "Define the word \"run\" (verb).\nDefinition:",
                                "response": " move fast", "tokens": [5, 6], "new_tokens": 2, "seconds": 0.1,
                                "finished": True, "reward": round(i * 0.1 + shift * (i % 2), 2)}) + "\n")
PY
"$rgtg" eval compare "$work/old-a.jsonl" "$work/old-b.jsonl" > "$work/old.out" 2>&1 && grep -q "10 prompts paired" "$work/old.out" &&
  "$rgtg" eval table --gens "$work/old-a.jsonl" > /dev/null && "$rgtg" eval summarize --gens "$work/old-a.jsonl" --out "$work/old.json" > /dev/null &&
  pass "an old single-reward file loads in compare, table and summarize" || fail "old file: $(cat "$work/old.out")"
mkdir -p "$work/odd name+1" && cp -r "$work/rm1" "$work/odd name+1/final"
score --rm "$work/odd name+1/final" --gens "$work/old-a.jsonl" --out "$work/old-s.jsonl" > "$work/old-s.out" &&
  grep -q "rewards.odd_name_1; token ids reused for 0 rows, 10 re-tokenized" "$work/old-s.out" &&
  $py -c "
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert all(r['reward'] == r['rewards']['odd_name_1']['reward'] and r['reward_name'] == 'odd_name_1' for r in rows)
assert max(r['reward'] for r in rows) - min(r['reward'] for r in rows) < 1e-5  # one text, one reward
" "$work/old-s.jsonl" && pass "scoring a version-1 file encodes its text and records the model (a derived name made valid)" || fail "scoring old: $(cat "$work/old-s.out")"

# 5. compare, summarize and table pick the field
score --rm a=$work/rm1 --rm b=$work/rm2 --gens "$work/h.jsonl" --out "$work/h-ab.jsonl" > /dev/null &&
  "$rgtg" eval compare "$work/all.jsonl" "$work/h-ab.jsonl" --reward b --out "$work/cmp.json" > "$work/cmp.out" &&
  "$rgtg" eval summarize --gens "$work/all.jsonl" --reward b --out "$work/sum.json" > /dev/null &&
  "$rgtg" eval table --gens "$work/all.jsonl" --reward b --out "$work/table.csv" > /dev/null &&
  $py - "$work" <<'PY' && pass "compare, summarize and table read rewards.b with --reward b" || fail "--reward b: $(cat "$work/cmp.out")"
import csv, json, sys
import numpy as np
w = sys.argv[1]
load = lambda n: [json.loads(l) for l in open(f"{w}/{n}.jsonl")]
a = {}
for r in load("all"):
    a.setdefault(r["id"], []).append(r["rewards"]["b"]["reward"])
b = {}
for r in load("h-ab"):
    b.setdefault(r["id"], []).append(r["rewards"]["b"]["reward"])
d = np.array([np.mean(a[k]) - np.mean(b[k]) for k in sorted(a)])
cell = [c for c in json.load(open(f"{w}/cmp.json"))["cells"] if c["metric"] == "reward_diff"][0]
assert abs(cell["value"] - d.mean()) < 1e-12 and cell["labels"]["reward"] == "b", cell
mean_b = np.mean([r["rewards"]["b"]["reward"] for r in load("all")])
s = [c for c in json.load(open(f"{w}/sum.json"))["cells"] if c["metric"] == "reward"][0]
assert abs(s["value"] - mean_b) < 1e-12, (s, mean_b)
row = next(csv.DictReader(open(f"{w}/table.csv")))
value = next(float(v) for k, v in row.items() if k.lower().startswith("reward") and "se" not in k.lower())
assert abs(value - mean_b) < 1e-3, (row, mean_b)
PY

# 6. errors: one line, nothing written
expect_error "two models with one name" "both name the reward 'rm1'" \
  "$rgtg" eval score --rm "$work/rm1" --rm "rm1=$work/rm2" --gens "$work/g.jsonl" --out "$work/no.jsonl"
expect_error "a reward name with a space" "the reward name 'my rm' must be" \
  "$rgtg" eval score --rm "my rm=$work/rm1" --gens "$work/g.jsonl" --out "$work/no.jsonl"
expect_error "a reward model that does not exist" "$work/nothere" \
  "$rgtg" eval score --rm a=$work/rm1 --rm "$work/nothere" --gens "$work/g.jsonl" --out "$work/no.jsonl"
expect_error "a language model as reward model" "is a language model, not a reward model" \
  "$rgtg" eval score --rm "$work/lm" --gens "$work/g.jsonl" --out "$work/no.jsonl"
$py - "$work" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/badtok.jsonl", "w") as f:
    for line in open(f"{w}/g.jsonl"):
        r = json.loads(line)
        r["tokens"][0] = 100000
        f.write(json.dumps(r) + "\n")
PY
expect_error "a token id outside the vocabulary" "$work/badtok.jsonl: row 1 (id" \
  "$rgtg" eval score --rm "$work/rm1" --gens "$work/badtok.jsonl" --out "$work/no.jsonl"
[ ! -e "$work/no.jsonl" ] && [ -z "$(ls "$work" | grep '\.tmp')" ] && pass "failed scoring wrote nothing" || fail "partial output"

finish "eval score"
