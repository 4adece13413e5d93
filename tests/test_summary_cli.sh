#!/usr/bin/env bash
# `rgtg eval summarize`: results.json cells from generation files made here, checked against numpy and
# scipy.stats.wilcoxon (mean, SE, ms/token, paired difference, p-value, win/tie/loss), rendered as
# Table 1 and Table 9; --diversity takes a method's diversity from a second file; bad inputs fail with one line and write nothing. Usage: test_summary_cli.sh rgtg
set -uo pipefail
rgtg=$1
work=$(mktemp -d /tmp/rgtg-summary-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

# two methods over the same 30 prompts (2 samples each for diversity), rewards with ties and zeros
/usr/bin/python3 - "$work" <<'PY'
import json, random, sys
random.seed(7)
words = "the a cat dog runs fast slow red blue green".split()
for name, shift in (("topk", 0.0), ("pargs", 0.3)):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i in range(30):
            for s in range(2):
                base = round(random.gauss(0, 1), 1)
                reward = base + (shift if i % 3 else 0.0)
                text = " ".join(random.choice(words) for _ in range(6))
                f.write(json.dumps({"format_version": 2, "id": i, "sample": s, "method": name,
                    "params": {"k": 10, "beta": 2.0} if name == "pargs" else {"k": 10},
                    "prompt": "p", "response": text, "reference": "the cat runs fast",
                    "tokens": [1, 2], "new_tokens": 2 + s, "seconds": 0.01 * (1 + i % 4), "finished": True,
                    "reward": reward}) + "\n")
PY
if "$rgtg" eval summarize --gens "$work/topk.jsonl" --gens "$work/pargs.jsonl" --baseline topk --label dataset=toy \
     --label pargs:llm_frozen=true --label topk:single_y=false --bleu --out "$work/results.json" > "$work/out" 2>&1; then pass "summarize runs"; else fail "summarize: $(cat "$work/out")"; fi

/usr/bin/python3 - "$work" <<'PY' && pass "cells match numpy and scipy.stats.wilcoxon" || fail "cells differ from the reference"
import json, math, sys
import numpy as np
from scipy.stats import wilcoxon
w = sys.argv[1]
rows = {m: [json.loads(l) for l in open(f"{w}/{m}.jsonl")] for m in ("topk", "pargs")}
cells = json.load(open(f"{w}/results.json"))["cells"]
def cell(metric, method, baseline=None):
    hits = [c for c in cells if c["metric"] == metric and c["labels"]["method"] == method
            and c["labels"].get("baseline") == baseline]
    assert len(hits) == 1, (metric, method, hits)
    assert hits[0]["labels"]["dataset"] == "toy"
    return hits[0]
for m in rows:
    r = np.array([x["reward"] for x in rows[m]])
    c = cell("reward", m)
    assert abs(c["value"] - r.mean()) < 1e-12 and abs(c["se"] - r.std(ddof=1) / math.sqrt(len(r))) < 1e-12, c
    ms = 1000 * sum(x["seconds"] for x in rows[m]) / sum(x["new_tokens"] for x in rows[m])
    assert abs(cell("ms_per_token", m)["value"] - ms) < 1e-9
    assert cell("diversity_rouge_l", m)["n"] == 30
    assert 0 <= cell("bleu", m)["value"] <= 100
assert cell("reward", "pargs")["labels"]["beta"] == 2
# METHOD:KEY=VALUE labels only that method's cells
assert cell("reward", "pargs")["labels"]["llm_frozen"] is True and "single_y" not in cell("reward", "pargs")["labels"]
assert cell("reward", "topk")["labels"]["single_y"] is False and "llm_frozen" not in cell("reward", "topk")["labels"]
a = np.array([x["reward"] for x in rows["pargs"]]); b = np.array([x["reward"] for x in rows["topk"]])
d = cell("reward_diff", "pargs", "topk")
assert abs(d["value"] - (a - b).mean()) < 1e-12, d
ref = wilcoxon(a, b)
assert abs(d["p_value"] - ref.pvalue) <= 1e-9 * max(1, ref.pvalue), (d["p_value"], ref.pvalue)
diff = a - b
for name, count in (("win", (diff > 0).sum()), ("tie", (diff == 0).sum()), ("loss", (diff < 0).sum())):
    assert abs(cell(name, "pargs", "topk")["value"] - count / len(diff)) < 1e-12, name
assert not [c for c in cells if c["labels"].get("baseline") and c["labels"]["method"] == "topk"]
PY

"$rgtg" eval render --results "$work/results.json" --layout table1 > "$work/t1" 2>&1 && grep -q "| pargs" "$work/t1" \
  && grep -Eq "^\| pargs +\| (yes|✓|true) +\|" "$work/t1" && grep -Eq "^\| topk +\| +– +\| (no|✗|false) +\|" "$work/t1" \
  && pass "Table 1 renders from the cells, with per-method columns" || fail "table1: $(cat "$work/t1")"
"$rgtg" eval render --results "$work/results.json" --layout table9 > "$work/t9" 2>&1 && grep -q "topk" "$work/t9" \
  && pass "Table 9 renders the p-value" || fail "table9: $(cat "$work/t9")"

# eval table: the same method and params with two different guides are two lines, never one
/usr/bin/python3 - "$work" <<'PY'
import json, sys
for name, sha in (("g1", "a" * 64), ("g2", "b" * 64)):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i in range(3):
            f.write(json.dumps({"format_version": 2, "id": i, "method": "pargs", "params": {"k": 10, "beta": 2.0},
                "models": {"lm": {"path": "lm", "sha256": "c" * 64}, "guide": {"path": name, "sha256": sha}},
                "prompt": "p", "response": "r", "tokens": [1], "new_tokens": 1, "seconds": 0.1, "finished": True,
                "reward": i}) + "\n")
PY
"$rgtg" eval table --gens "$work/g1.jsonl" --gens "$work/g2.jsonl" > "$work/tg" 2>&1
grep -q "guide:aaaaaaaa" "$work/tg" && grep -q "guide:bbbbbbbb" "$work/tg" \
  && pass "eval table keeps two guides apart" || fail "eval table merged two guides: $(cat "$work/tg")"

# --cells: another results file's cells merged in, the spec's labels replacing theirs, --label added where absent;
# no --gens needed; rows with work counters give LM/RM calls per token
cat > "$work/judge.json" <<'JSON'
{"version":1,"cells":[
{"metric":"win","value":0.5,"n":4,"labels":{"method":"pargs","baseline":"topk","judge":"rm"}},
{"metric":"agreement","value":0.75,"n":4,"se":0.2,"labels":{"prefix_fraction":0.25,"dataset":"own"}}
]}
JSON
if "$rgtg" eval summarize --cells "method=PARGS,baseline=DPO:$work/judge.json" --label dataset=toy --label judge=x \
     --out "$work/merged.json" > "$work/out" 2>&1; then
  /usr/bin/python3 - "$work/merged.json" <<'PY' && pass "--cells merges cells with the given labels" || fail "--cells: $(cat "$work/merged.json")"
import json, sys
cells = json.load(open(sys.argv[1]))["cells"]
assert cells[0] == {"metric": "win", "value": 0.5, "n": 4,
                    "labels": {"judge": "rm", "method": "PARGS", "baseline": "DPO", "dataset": "toy"}}, cells[0]
assert cells[1] == {"metric": "agreement", "value": 0.75, "n": 4, "se": 0.2,
                    "labels": {"prefix_fraction": 0.25, "dataset": "own", "method": "PARGS", "baseline": "DPO", "judge": "x"}}, cells[1]
assert len(cells) == 2
PY
else
  fail "summarize --cells: $(cat "$work/out")"
fi
sed 's/"finished": true/"finished": true, "work": {"lm_forwards": 4, "rm_forwards": 6, "candidates_scored": 40}/' \
  "$work/pargs.jsonl" > "$work/worked.jsonl"
"$rgtg" eval summarize --gens "$work/worked.jsonl" --out "$work/work.json" > "$work/out" 2>&1
/usr/bin/python3 - "$work/work.json" "$work/worked.jsonl" <<'PY' && pass "LM/RM calls per generated token" || fail "calls per token: $(cat "$work/out")"
import json, sys
cells = {c["metric"]: c for c in json.load(open(sys.argv[1]))["cells"]}
rows = [json.loads(l) for l in open(sys.argv[2])]
tokens = sum(r["new_tokens"] for r in rows)
assert abs(cells["lm_calls_per_token"]["value"] - 4 * len(rows) / tokens) < 1e-12, cells["lm_calls_per_token"]
assert abs(cells["rm_calls_per_token"]["value"] - 6 * len(rows) / tokens) < 1e-12 and cells["rm_calls_per_token"]["n"] == tokens
PY
grep -q calls_per_token "$work/results.json" && fail "calls per token from rows without work counters" \
  || pass "no calls per token without the work counters"
# --diversity: a method's diversity from a second file of its samples (here: the first sample of each prompt
# is the method's file, both samples the diversity file); the reward cells stay those of the first file
grep '"sample": 0' "$work/topk.jsonl" > "$work/topk1.jsonl"
grep '"sample": 0' "$work/pargs.jsonl" > "$work/pargs1.jsonl"
if "$rgtg" eval summarize --gens "$work/topk1.jsonl" --gens "$work/pargs1.jsonl" --diversity "topk=$work/topk.jsonl" \
     --label dataset=toy --out "$work/div.json" > "$work/out" 2>&1; then
  /usr/bin/python3 - "$work/div.json" "$work/results.json" "$work/topk1.jsonl" <<'PY' && pass "--diversity: the diversity cells come from the second file" || fail "--diversity cells: $(cat "$work/div.json")"
import json, sys
got = json.load(open(sys.argv[1]))["cells"]
full = json.load(open(sys.argv[2]))["cells"]
def one(cells, metric, method):
    hits = [c for c in cells if c["metric"] == metric and c["labels"]["method"] == method and "baseline" not in c["labels"]]
    assert len(hits) <= 1, hits
    return hits[0] if hits else None
for metric in ("diversity_rouge_l", "distinct_1", "distinct_2"):
    a, b = one(got, metric, "topk"), one(full, metric, "topk")
    assert a["value"] == b["value"] and a["n"] == b["n"], (metric, a, b)
    assert one(got, metric, "pargs") is None, metric   # one sample per prompt: no diversity
rewards = [json.loads(l)["reward"] for l in open(sys.argv[3])]
r = one(got, "reward", "topk")
assert r["n"] == 30 and abs(r["value"] - sum(rewards) / 30) < 1e-12, r
PY
else
  fail "summarize --diversity: $(cat "$work/out")"
fi
sed 's/"beta": 2.0/"beta": 1.0/' "$work/pargs.jsonl" > "$work/pargs-beta1.jsonl"
expect_error "--diversity with other settings" "pargs-beta1.jsonl: its beta is not that of the --gens file of 'pargs'" \
  "$rgtg" eval summarize --gens "$work/pargs1.jsonl" --diversity "pargs=$work/pargs-beta1.jsonl" --out "$work/bad.json"
expect_error "--diversity from another method" "pargs.jsonl: method pargs, but the --gens file of 'topk' is topk" \
  "$rgtg" eval summarize --gens "$work/topk1.jsonl" --diversity "topk=$work/pargs.jsonl" --out "$work/bad.json"
expect_error "--diversity from one sample per prompt" "topk1.jsonl: no prompt has two samples" \
  "$rgtg" eval summarize --gens "$work/topk1.jsonl" --diversity "topk=$work/topk1.jsonl" --out "$work/bad.json"
expect_error "--diversity for an unknown label" "no --gens file is labelled 'args'" \
  "$rgtg" eval summarize --gens "$work/topk1.jsonl" --diversity "args=$work/topk.jsonl" --out "$work/bad.json"
expect_error "--diversity twice for one label" "two files for 'topk'" \
  "$rgtg" eval summarize --gens "$work/topk1.jsonl" --diversity "topk=$work/topk.jsonl" --diversity "topk=$work/topk.jsonl" --out "$work/bad.json"
expect_error "a --cells spec with a bad label" "--cells 'method=a,b:$work/judge.json': expected" \
  "$rgtg" eval summarize --cells "method=a,b:$work/judge.json" --out "$work/bad.json"
expect_error "neither --gens nor --cells" "give at least one --gens or --cells file" "$rgtg" eval summarize --out "$work/bad.json"
expect_error "a method label without a method" "--label ':x=1': expected KEY=VALUE or METHOD:KEY=VALUE" \
  "$rgtg" eval summarize --gens "$work/topk.jsonl" --label :x=1 --out "$work/bad.json"
expect_error "an unknown baseline" "no --gens file is labelled 'args'" \
  "$rgtg" eval summarize --gens "$work/topk.jsonl" --baseline args --out "$work/bad.json"
head -3 "$work/pargs.jsonl" | sed 's/"reward": [-0-9.]*/"reward": null/' > "$work/partial.jsonl"
tail -n +4 "$work/pargs.jsonl" >> "$work/partial.jsonl"
expect_error "rewards on some rows only" "1 of 60 rows have a reward\|57 of 60 rows have a reward" \
  "$rgtg" eval summarize --gens "$work/partial.jsonl" --out "$work/bad.json"
expect_error "a missing file" "nope.jsonl" "$rgtg" eval summarize --gens "$work/nope.jsonl" --out "$work/bad.json"
[ ! -e "$work/bad.json" ] && pass "failures write no results.json" || fail "a failure left results.json"
finish test_summary_cli
