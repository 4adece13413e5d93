#!/usr/bin/env bash
# Command-level tests of `rgtg eval judge`: pairing by prompt id and sample index (B in another order);
# a content judge (longer answer wins) gives the counts Python computes independently; a judge that
# always names the first-shown response ends in ties with every pair counted as a disagreement; a
# judge that buffers its answers, one that never reads its input (with more input than a pipe holds);
# bad answers, failures and unpaired files are one-line errors that write nothing; the reward-model
# judge agrees with `rgtg eval score`'s rewards and its results.json renders as Table 2.
# Usage: test_judge_cli.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-judge-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

# A (pargs) and B (topk): prompts 0..29, two samples for prompts 0 and 1; B's rows shuffled; some
# responses equal in length (ties for the length judge) and two identical (ties for the RM judge)
$py - "$work" <<'EOF'
import json, random, sys
random.seed(11)
words = "apple river stone cloud lamp forest window garden paper music silver candle".split()
def row(method, i, response):
    return {"id": i, "method": method, "params": {}, "prompt": f"prompt {i}: tell me about the {words[i % 12]}",
            "response": response, "tokens": [1, 2], "new_tokens": 2, "seconds": 0.01, "finished": True}
a, b = [], []
for i in range(30):
    for sample in range(2 if i < 2 else 1):
        na, nb = random.randint(1, 9), random.randint(1, 9)
        ra = " ".join(random.choice(words) for _ in range(na))
        rb = ra if i in (5, 6) else " ".join(random.choice(words) for _ in range(nb))
        a.append(row("pargs", i, ra)); b.append(row("topk", i, rb))
random.shuffle(b)
for name, rows in (("A", a), ("B", b)):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
# the expected length-judge outcomes, pairing by (id, occurrence)
def keyed(rows):
    seen, out = {}, {}
    for r in rows:
        s = seen.get(r["id"], 0); seen[r["id"]] = s + 1
        out[(r["id"], s)] = r
    return out
ka, kb = keyed(a), keyed(b)
tally = {"win": 0, "tie": 0, "loss": 0}
expected = []
for (i, s), ra in sorted(ka.items()):
    la, lb = len(ra["response"].split()), len(kb[(i, s)]["response"].split())
    o = "win" if la > lb else "loss" if la < lb else "tie"
    tally[o] += 1
    expected.append([i, s, o])
json.dump({"tally": tally, "pairs": expected}, open(f"{sys.argv[1]}/expected.json", "w"))
EOF

cat > "$work/longer.py" <<'EOF'
import json, sys
for line in sys.stdin:
    q = json.loads(line)
    assert sorted(q) == ["id", "prompt", "response_a", "response_b"], sorted(q)
    assert q["prompt"].startswith(f"prompt {q['id']}:"), q
    a, b = len(q["response_a"].split()), len(q["response_b"].split())
    print("A" if a > b else "B" if a < b else "tie")
EOF

"$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd "$py $work/longer.py" --out "$work/longer.json" \
  > "$work/longer.md" 2> "$work/err" || fail "length judge: $(cat "$work/err")"
$py - "$work/longer.json" "$work/expected.json" <<'EOF' && pass "length judge: win/tie/loss and every pair's outcome as computed in Python" || fail "length judge counts"
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("     ", {k: got[k] for k in ("pairs", "win", "tie", "loss", "disagreements")}, "expected", want["tally"])
assert (got["win"], got["tie"], got["loss"]) == (want["tally"]["win"], want["tally"]["tie"], want["tally"]["loss"])
assert got["pairs"] == 32 and got["disagreements"] == 0 and got["method_a"] == "pargs" and got["method_b"] == "topk"
pairs = sorted([v["id"], v["sample"], v["outcome"]] for v in got["verdicts"])
assert pairs == sorted(want["pairs"]), (pairs, want["pairs"])
assert abs(got["win_rate"] - got["win"] / 32) < 1e-12
EOF
grep -q '^| pargs vs topk | ' "$work/longer.md" && pass "length judge: the Markdown line" || fail "length judge: $(cat "$work/longer.md")"

"$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd 'while read -r line; do echo A; done' --out "$work/biased.json" \
  > /dev/null 2> "$work/err" || fail "biased judge: $(cat "$work/err")"
$py - "$work/biased.json" <<'EOF' && pass "a judge that always picks the first shown: all ties, every pair a disagreement" || fail "biased judge"
import json, sys
s = json.load(open(sys.argv[1]))
assert (s["win"], s["tie"], s["loss"], s["disagreements"]) == (0, 32, 0, 32), s
assert s["first_position_rate"] == 1.0 and all(v["a_first"] == "A" and v["b_first"] == "B" for v in s["verdicts"])
EOF

# more input than a pipe holds: 400 pairs of long responses (about 1.4 MB of questions)
$py - "$work" <<'EOF'
import json, sys
for name, method in (("bigA", "pargs"), ("bigB", "topk")):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i in range(400):
            f.write(json.dumps({"id": i, "method": method, "params": {}, "prompt": f"prompt {i}", "response": (method + " ") * 200,
                                "tokens": [1], "new_tokens": 1, "seconds": 0.0, "finished": False}) + "\n")
EOF
cat > "$work/pick.awk" <<'EOF'
{ print (index($0, "\"response_a\":\"pargs") ? "A" : "B") }
EOF
"$rgtg" eval judge "$work/bigA.jsonl" "$work/bigB.jsonl" --judge-cmd "awk -f $work/pick.awk" \
  --out "$work/big.json" > /dev/null 2> "$work/err" && $py -c "
import json, sys; s = json.load(open('$work/big.json')); sys.exit(0 if (s['win'], s['pairs'], s['disagreements']) == (400, 400, 0) else 1)" \
  && pass "a buffering judge (awk) over 1.4 MB of questions: no deadlock, 400 wins" || fail "buffering judge: $(cat "$work/err")"
"$rgtg" eval judge "$work/bigA.jsonl" "$work/bigB.jsonl" --judge-cmd 'yes tie | head -n 800' --out "$work/deaf.json" \
  > /dev/null 2> "$work/err" && grep -q '"tie":400' "$work/deaf.json" \
  && pass "a judge that never reads its input (a broken pipe) still counts its 800 answers" || fail "deaf judge: $(cat "$work/err")"

# errors: one line, non-zero exit, no output files
cat > "$work/maybe.py" <<'EOF'
import sys
for n, line in enumerate(sys.stdin, 1):
    print("maybe" if n == 3 else "tie")
EOF
expect_error "a bad answer names its line" "judge command: answer line 3: expected A, B or tie, got 'maybe'" \
  "$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd "$py $work/maybe.py" --out "$work/no.json" --results "$work/no-results.json"
expect_error "a failing judge: its exit status and last stderr line" "judge command failed (exit 3): model not found" \
  "$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd 'cat > /dev/null; echo "loading"; echo "model not found" >&2; exit 3' --out "$work/no.json"
expect_error "too few answers" "judge command: answered 1 lines for 64 questions" \
  "$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd 'cat > /dev/null; echo A' --out "$work/no.json"
expect_error "too many answers" "answered more lines than the 64 questions" \
  "$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd 'cat > /dev/null; yes A | head -n 65' --out "$work/no.json"
grep -v '"id": 5,' "$work/B.jsonl" > "$work/B-missing.jsonl"
expect_error "an unpaired prompt names the file that lacks it" "B-missing.jsonl: no row for id 5 (sample 0) of .*A.jsonl" \
  "$rgtg" eval judge "$work/A.jsonl" "$work/B-missing.jsonl" --judge-cmd 'cat >/dev/null' --out "$work/no.json"
cat "$work/A.jsonl" > "$work/AB.jsonl"; head -n 1 "$work/B.jsonl" >> "$work/AB.jsonl"
expect_error "a file with two methods" "holds several methods (pargs, topk)" \
  "$rgtg" eval judge "$work/AB.jsonl" "$work/B.jsonl" --judge-cmd 'cat >/dev/null' --out "$work/no.json"
expect_error "both judges given" "exactly one of --judge-cmd and --judge-rm" \
  "$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-cmd 'cat' --judge-rm "$work" --out "$work/no.json"
ls "$work" | grep -q '^no\|\.tmp\.' && fail "a failed judge left a file: $(ls "$work")" || pass "failed judges leave no file"

# the reward-model judge against eval score's rewards (a tiny RM trained for a few steps)
$py - "$work/prefs.jsonl" <<'EOF'
import json, random, sys
random.seed(3)
words = "apple river stone cloud lamp forest window garden paper music silver candle".split()
with open(sys.argv[1], "w") as f:
    for i in range(200):
        w = random.sample(words, 3)
        f.write(json.dumps({"prompt": f"prompt {i}: tell me about the {w[0]}", "chosen": f"It is good, like a {w[1]}.",
                            "rejected": f"It is bad, like a {w[2]} {w[0]}."}) + "\n")
EOF
"$rgtg" data tokenizer --input "$work/prefs.jsonl" --vocab 60 --lossy-legacy --out "$work/tok.model" > /dev/null 2>&1
"$rgtg" data prepare --input "$work/prefs.jsonl" --tokenizer "$work/tok.model" --out "$work/prefs.h5" --split 0.8,0.2,0 > /dev/null 2>&1
"$rgtg" train rm --config "$root/configs/rm/demo-full.yaml" --out "$work/rm" --set "data.path=$work/prefs.h5" \
  --set "data.tokenizer=$work/tok.model" --set model.hidden_size=32 --set model.intermediate_size=64 \
  --set model.num_hidden_layers=1 --set train.micro_batch=8 --set train.eval_pairs=8 --set train.max_steps=4 \
  --set train.threads=1 --set train.shards=1 --set train.shard=0 > "$work/rm.log" 2>&1 || fail "train the RM: $(tail -1 "$work/rm.log")"
"$rgtg" eval score --rm "$work/rm/final" --gens "$work/A.jsonl" --out "$work/A-scored.jsonl" --threads 1 > /dev/null 2>&1 &&
"$rgtg" eval score --rm "$work/rm/final" --gens "$work/B.jsonl" --out "$work/B-scored.jsonl" --threads 1 > /dev/null 2>&1 \
  || fail "eval score"
"$rgtg" eval judge "$work/A.jsonl" "$work/B.jsonl" --judge-rm "$work/rm/final" --threads 1 --batch 5 --out "$work/rm.json" \
  --results "$work/rm-results.json" > /dev/null 2> "$work/err" || fail "RM judge: $(cat "$work/err")"
$py - "$work/rm.json" "$work/A-scored.jsonl" "$work/B-scored.jsonl" <<'EOF' && pass "RM judge: every pair's outcome follows eval score's rewards; the orders agree" || fail "RM judge against eval score"
import json, sys
s = json.load(open(sys.argv[1]))
def keyed(path):
    seen, out = {}, {}
    for r in map(json.loads, open(path)):
        k = seen.get(r["id"], 0); seen[r["id"]] = k + 1
        out[(r["id"], k)] = r["reward"]
    return out
ra, rb = keyed(sys.argv[2]), keyed(sys.argv[3])
want = {k: "tie" if abs(ra[k] - rb[k]) <= 1e-4 else "win" if ra[k] > rb[k] else "loss" for k in ra}
got = {(v["id"], v["sample"]): v["outcome"] for v in s["verdicts"]}
print("     ", {k: s[k] for k in ("win", "tie", "loss", "disagreements")}, "ties on the identical responses:", got[(5, 0)], got[(6, 0)])
assert got == want, [(k, got[k], want[k]) for k in want if got[k] != want[k]]
assert s["disagreements"] == 0 and got[(5, 0)] == "tie" and got[(6, 0)] == "tie" and s["win"] > 0 and s["loss"] > 0
assert s["judge"].startswith("rm: ")
EOF
"$rgtg" eval render --results "$work/rm-results.json" --layout table2 > "$work/t2.md" 2> "$work/err" \
  && grep -q '^| pargs  | topk | ' "$work/t2.md" && pass "the judge's results.json renders as Table 2" || fail "table2 from the judge: $(cat "$work/t2.md" "$work/err")"

finish test_judge_cli
