#!/usr/bin/env bash
# `rgtg eval compare A.jsonl B.jsonl`: generation files made here, paired by prompt (samples averaged per
# prompt, or by (id, sample) with --per-sample), checked against numpy and scipy.stats.wilcoxon (mean
# difference, SE, win/tie/loss, two- and one-sided p-values, exact and normal approximation, ties and
# zeros), the bootstrap CI against numpy's own bootstrap; named rewards (--reward); and the clear one-line
# errors, each leaving no results file. Usage: test_compare_cli.sh rgtg
set -uo pipefail
rgtg=$1
work=$(mktemp -d /tmp/rgtg-compare-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

# gens NAME METHOD PROMPTS SAMPLES SEED SHIFT [KEY=VALUE ...]: a generations file with rewards rounded to
# 0.1 (ties and zero differences are common); options: named=1 (rewards in "rewards" with scorer
# records, sha=S), plain=0 (no plain reward), v1=1 (version-1 rows), drop=ID (omit a prompt), skip_reward=ID.
gens() {
  $py - "$work" "$@" <<'PY'
import json, random, sys
work, name, method, prompts, samples, seed, shift = sys.argv[1:8]
opt = dict(a.split("=", 1) for a in sys.argv[8:])
random.seed(int(seed))
sha = opt.get("sha", "a" * 64)
with open(f"{work}/{name}.jsonl", "w") as f:
    for i in range(int(prompts)):
        for s in range(int(samples)):
            r = round(random.gauss(float(shift) if i % 4 else 0.0, 1.0), 1)
            if str(i) == opt.get("drop"):
                continue
            row = {"id": i, "method": method, "params": {}, "prompt": f"p{i}", "response": "r",
                   "tokens": [1], "new_tokens": 1, "seconds": 0.1, "finished": True}
            if opt.get("v1") != "1":
                row = {"format_version": 2, **row, "sample": s}
            if str(i) != opt.get("skip_reward"):
                if opt.get("plain", "1") == "1":
                    row["reward"] = r
                if opt.get("named") == "1":
                    row["rewards"] = {"rm": {"reward": r, "path": "runs/rm", "sha256": sha},
                                      "gold": {"reward": -r, "path": "runs/gold", "sha256": "b" * 64}}
                    if opt.get("plain", "1") == "1":
                        row["reward_name"] = "rm"
            f.write(json.dumps(row) + "\n")
PY
}

# check A B OUT [--per-sample] [--alternative less] [--reward NAME] [--field gold-sign]: results.json against
# scipy.stats.wilcoxon (two-sided and the one-sided alternative), numpy and an independent numpy bootstrap
check() {
  $py - "$work" "$@" <<'PY'
import json, sys, warnings
from collections import defaultdict
import numpy as np
warnings.simplefilter("ignore")  # scipy's notes that it switched to the normal approximation
from scipy.stats import wilcoxon
work, a, b, out = sys.argv[1:5]
opts = sys.argv[5:]
per_sample = "--per-sample" in opts
alternative = opts[opts.index("--alternative") + 1] if "--alternative" in opts else "greater"
field = opts[opts.index("--reward") + 1] if "--reward" in opts else None
def rewards(name):
    units = defaultdict(list)
    for line in open(f"{work}/{name}.jsonl"):
        r = json.loads(line)
        value = r["rewards"][field]["reward"] if field else r["reward"]
        units[(r["id"], r.get("sample", 0)) if per_sample else r["id"]].append(value)
    return {k: float(np.mean(v)) for k, v in units.items()}
ra, rb = rewards(a), rewards(b)
keys = sorted(ra)
assert keys == sorted(rb)
x, y = np.array([ra[k] for k in keys]), np.array([rb[k] for k in keys])
d = x - y
cells = json.load(open(out))["cells"]
def cell(metric, alt=None):
    hits = [c for c in cells if c["metric"] == metric and c["labels"].get("alternative") == alt]
    assert len(hits) == 1, (metric, alt, hits)
    return hits[0]
def close(got, want, what, tol=1e-12):
    assert abs(got - want) <= tol * max(1.0, abs(want)), f"{what}: {got!r} vs {want!r}"
n = len(d)
rd = cell("reward_diff")
assert rd["n"] == n, (rd["n"], n)
close(rd["value"], d.mean(), "mean difference")
close(rd["se"], d.std(ddof=1) / np.sqrt(n), "SE")
two = wilcoxon(x, y)
one = wilcoxon(x, y, alternative=alternative)
close(rd["p_value"], two.pvalue, "two-sided p")
close(cell("wilcoxon_p", "two-sided")["value"], two.pvalue, "two-sided p cell")
close(cell("wilcoxon_p", alternative)["value"], one.pvalue, f"{alternative} p")
for metric, count in (("win", (d > 0).sum()), ("tie", (d == 0).sum()), ("loss", (d < 0).sum())):
    close(cell(metric)["value"], count / n, metric)
# the paired bootstrap CI: numpy's own resampling of the differences (another generator), so the
# bounds agree to Monte Carlo error; the interval holds the mean
low, high = cell("reward_diff_ci_low")["value"], cell("reward_diff_ci_high")["value"]
rng = np.random.default_rng(12345)
means = d[rng.integers(0, n, size=(20000, n))].mean(axis=1)
ref_low, ref_high = np.percentile(means, [2.5, 97.5])
width = ref_high - ref_low
assert low <= d.mean() <= high, (low, d.mean(), high)
assert abs(low - ref_low) < 0.1 * width and abs(high - ref_high) < 0.1 * width, (low, high, ref_low, ref_high)
print(f"n {n}, p {two.pvalue:.6g} / {one.pvalue:.6g}, CI [{low:.4f}, {high:.4f}] vs numpy [{ref_low:.4f}, {ref_high:.4f}]")
PY
}

# 1. n = 12, one sample per prompt: scipy's exact distribution (unless rounding made ties or zeros)
gens small-a pargs 12 1 1 0.6
gens small-b topk 12 1 2 0
if "$rgtg" eval compare "$work/small-a.jsonl" "$work/small-b.jsonl" --out "$work/small.json" > "$work/small.out" 2>&1 &&
   check small-a small-b "$work/small.json" > "$work/check.out" 2>&1; then pass "n = 12: $(cat "$work/check.out")"
else fail "n = 12: $(cat "$work/small.out" "$work/check.out")"; fi
# the printed report carries the same numbers
$py - "$work/small.out" "$work/small.json" <<'PY' && pass "the printed report matches results.json" || fail "printed report: $(cat "$work/small.out")"
import json, re, sys
text = open(sys.argv[1]).read()
cells = {(c["metric"], c["labels"].get("alternative")): c for c in json.load(open(sys.argv[2]))["cells"]}
m = re.search(r"mean ([-\d.e+]+), SE ([-\d.e+]+), 95% bootstrap CI \[([-\d.e+]+), ([-\d.e+]+)\] \(10000 resamples", text)
assert m, text
for got, key in zip(m.groups(), ("reward_diff", None, "reward_diff_ci_low", "reward_diff_ci_high")):
    if key:
        assert abs(float(got) - cells[(key, None)]["value"]) < 1e-5, (got, key)
assert abs(float(m.group(2)) - cells[("reward_diff", None)]["se"]) < 1e-5
p = re.search(r"p ([-\d.e+]+) two-sided; statistic [-\d.e+]+, p ([-\d.e+]+) greater", text)
assert p, text
assert abs(float(p.group(1)) - cells[("wilcoxon_p", "two-sided")]["value"]) < 1e-6
assert abs(float(p.group(2)) - cells[("wilcoxon_p", "greater")]["value"]) < 1e-6
wtl = re.search(r"win/tie/loss: (\d+)/(\d+)/(\d+)", text)
assert wtl and sum(map(int, wtl.groups())) == 12
PY

# 2. the exact branch for certain: rewards without ties or zeros, n = 8 (A below B on most prompts: less)
$py - "$work" <<'PY'
import json, sys
for name, rewards in (("exact-a", [0.11, 0.52, -0.33, 0.94, 0.05, -0.76, 0.27, 0.68]),
                      ("exact-b", [0.3, 0.1, 0.2, 0.7, 0.9, 0.4, 1.5, 0.0])):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i, r in enumerate(rewards):
            f.write(json.dumps({"id": 100 + i, "method": name, "params": {}, "prompt": "p", "response": "r",
                                "tokens": [], "new_tokens": 0, "seconds": 0.0, "finished": False, "reward": r}) + "\n")
PY
"$rgtg" eval compare "$work/exact-a.jsonl" "$work/exact-b.jsonl" --one-sided less --out "$work/exact.json" > "$work/exact.out" 2>&1 &&
  grep -q "(exact;" "$work/exact.out" && check exact-a exact-b "$work/exact.json" --alternative less > "$work/check.out" 2>&1 &&
  pass "n = 8, exact, one-sided less (version-1 rows): $(cat "$work/check.out")" || fail "exact: $(cat "$work/exact.out" "$work/check.out")"

# 3. 40 prompts x 3 samples: the default averages each prompt's samples (40 pairs); --per-sample pairs 120
#    rows; both against scipy (normal approximation with tie correction; ties and zeros present)
gens many-a pargs 40 3 3 0.3
gens many-b topk 40 3 4 0
"$rgtg" eval compare "$work/many-a.jsonl" "$work/many-b.jsonl" --out "$work/many.json" > "$work/many.out" 2>&1 &&
  grep -q "40 prompts paired (120 and 120 rows; samples averaged per prompt)" "$work/many.out" &&
  check many-a many-b "$work/many.json" > "$work/check.out" 2>&1 &&
  pass "3 samples per prompt, averaged: $(cat "$work/check.out")" || fail "averaged: $(cat "$work/many.out" "$work/check.out")"
"$rgtg" eval compare "$work/many-a.jsonl" "$work/many-b.jsonl" --per-sample --one-sided less --out "$work/rows.json" > "$work/rows.out" 2>&1 &&
  grep -q "normal approximation" "$work/rows.out" &&
  check many-a many-b "$work/rows.json" --per-sample --alternative less > "$work/check.out" 2>&1 &&
  pass "--per-sample (id, sample) pairs: $(cat "$work/check.out")" || fail "per sample: $(cat "$work/rows.out" "$work/check.out")"

# 4. zero differences and ties: the same file against itself plus a shifted copy
gens ties-a pargs 30 1 5 0.2
$py - "$work" <<'PY'
import json, sys
w = sys.argv[1]
with open(f"{w}/ties-b.jsonl", "w") as f:
    for i, line in enumerate(open(f"{w}/ties-a.jsonl")):
        r = json.loads(line)
        r["method"] = "topk"
        r["reward"] = r["reward"] if i % 3 == 0 else round(r["reward"] - (0.1 if i % 2 else -0.2), 1)
        f.write(json.dumps(r) + "\n")
PY
"$rgtg" eval compare "$work/ties-a.jsonl" "$work/ties-b.jsonl" --out "$work/ties.json" > "$work/ties.out" 2>&1 &&
  grep -q "10 zero differences dropped" "$work/ties.out" && check ties-a ties-b "$work/ties.json" > "$work/check.out" 2>&1 &&
  pass "10 zeros and many tied |d|: $(cat "$work/check.out")" || fail "ties: $(cat "$work/ties.out" "$work/check.out")"

# 5. the CI shrinks with n: 4x the prompts, about half the width
gens big-a pargs 160 1 6 0.3
gens big-b topk 160 1 7 0
gens quarter-a pargs 40 1 6 0.3
gens quarter-b topk 40 1 7 0
"$rgtg" eval compare "$work/big-a.jsonl" "$work/big-b.jsonl" --out "$work/big.json" > /dev/null 2>&1 &&
  "$rgtg" eval compare "$work/quarter-a.jsonl" "$work/quarter-b.jsonl" --out "$work/quarter.json" > /dev/null 2>&1 &&
  $py - "$work/big.json" "$work/quarter.json" <<'PY' && pass "the CI narrows as n grows (4x prompts: about half as wide)" || fail "CI width"
import json, sys
def width(p):
    c = {x["metric"]: x["value"] for x in json.load(open(p))["cells"]}
    return c["reward_diff_ci_high"] - c["reward_diff_ci_low"]
big, quarter = width(sys.argv[1]), width(sys.argv[2])
assert 0.3 < big / quarter < 0.7, (big, quarter)
PY
# the seed: same seed, same interval; another seed, another interval
"$rgtg" eval compare "$work/many-a.jsonl" "$work/many-b.jsonl" > "$work/s1" && "$rgtg" eval compare "$work/many-a.jsonl" "$work/many-b.jsonl" > "$work/s2" &&
  "$rgtg" eval compare "$work/many-a.jsonl" "$work/many-b.jsonl" --seed 9 > "$work/s3" && cmp -s "$work/s1" "$work/s2" && ! cmp -s "$work/s1" "$work/s3" &&
  pass "the bootstrap is seeded (same seed, same report; --seed 9 differs)" || fail "bootstrap seed"

# 6. named rewards: --reward picks one; labels say which
gens named-a pargs 20 1 8 0.4 named=1
gens named-b topk 20 1 9 0 named=1
"$rgtg" eval compare "pargs-x=$work/named-a.jsonl" "$work/named-b.jsonl" --reward gold --out "$work/named.json" > "$work/named.out" 2>&1 &&
  grep -q "field rewards.gold" "$work/named.out" && check named-a named-b "$work/named.json" --reward gold > "$work/check.out" 2>&1 &&
  $py -c "import json,sys; c=json.load(open(sys.argv[1]))['cells'][0]['labels']; assert c=={'method':'pargs-x','baseline':'topk','reward':'gold','pairing':'prompt'}, c" "$work/named.json" &&
  pass "--reward gold compares that named reward: $(cat "$work/check.out")" || fail "--reward: $(cat "$work/named.out" "$work/check.out")"
"$rgtg" eval compare "$work/named-a.jsonl" "$work/named-b.jsonl" > /dev/null 2>&1 && pass "the plain reward with the same recorded scorer" || fail "plain reward, same scorer"

# 7. errors: one line naming the file; no results file; an existing one left as it was
echo '{"keep": true}' > "$work/kept.json"
kept() { [ "$(cat "$work/kept.json")" = '{"keep": true}' ] && [ "$(ls "$work" | grep -c '^kept.json')" -eq 1 ]; }
expect_error "a file that does not exist" "$work/nope.jsonl: no such file" \
  "$rgtg" eval compare "$work/nope.jsonl" "$work/small-b.jsonl" --out "$work/kept.json"
gens drop-b topk 12 1 2 0 drop=5
expect_error "prompt sets that differ" "do not hold the same prompts: 1 prompt ids only in $work/small-a.jsonl (e.g. id 5); 11 paired" \
  "$rgtg" eval compare "$work/small-a.jsonl" "$work/drop-b.jsonl" --out "$work/kept.json"
gens more-b topk 14 1 2 0 drop=3
expect_error "prompts missing on both sides, counted" "1 prompt ids only in $work/drop-b.jsonl (e.g. id 3), 3 prompt ids only in $work/more-b.jsonl (e.g. id 5); 10 paired" \
  "$rgtg" eval compare "$work/drop-b.jsonl" "$work/more-b.jsonl" --out "$work/kept.json"
gens rowless-b topk 12 1 2 0 skip_reward=7
expect_error "a row without the reward" "$work/rowless-b.jsonl: row 8 (id 7, sample 0) has no reward (1 of 12 rows lack it)" \
  "$rgtg" eval compare "$work/small-a.jsonl" "$work/rowless-b.jsonl" --out "$work/kept.json"
expect_error "a named reward that is missing" "$work/small-a.jsonl: row 1 (id 0, sample 0) has no reward 'rm' (12 of 12 rows lack it)" \
  "$rgtg" eval compare "$work/small-a.jsonl" "$work/small-b.jsonl" --reward rm --out "$work/kept.json"
gens other-b topk 20 1 9 0 named=1 sha=$(printf 'c%.0s' $(seq 64))
expect_error "files scored by different reward models" "$work/named-a.jsonl and $work/other-b.jsonl were scored by different reward models: rm in" \
  "$rgtg" eval compare "$work/named-a.jsonl" "$work/other-b.jsonl" --reward rm --out "$work/kept.json"
expect_error "the plain reward of different reward models" "were scored by different reward models" \
  "$rgtg" eval compare "$work/named-a.jsonl" "$work/other-b.jsonl" --out "$work/kept.json"
gens bare-b topk 20 1 9 0
expect_error "one file records its reward model, the other does not" "$work/bare-b.jsonl: its reward records no reward model while" \
  "$rgtg" eval compare "$work/named-a.jsonl" "$work/bare-b.jsonl" --out "$work/kept.json"
cat "$work/small-a.jsonl" "$work/small-a.jsonl" > "$work/twice.jsonl"
expect_error "a file holding a prompt twice" "$work/twice.jsonl: rows 1 and 13 are both id 0, sample 0" \
  "$rgtg" eval compare "$work/twice.jsonl" "$work/small-b.jsonl" --out "$work/kept.json"
cat "$work/small-a.jsonl" "$work/many-b.jsonl" > "$work/mixed.jsonl"
expect_error "a file with two methods" "$work/mixed.jsonl: holds several methods (pargs, topk)" \
  "$rgtg" eval compare "$work/mixed.jsonl" "$work/small-b.jsonl" --out "$work/kept.json"
kept && pass "a failed comparison leaves an existing results file as it was" || fail "kept.json changed"
expect_error "a results file in a missing directory" "$work/no/such/dir/r.json: its directory $work/no/such/dir does not exist" \
  "$rgtg" eval compare "$work/small-a.jsonl" "$work/small-b.jsonl" --out "$work/no/such/dir/r.json"
cp "$work/small-b.jsonl" "$work/small-b.copy"
expect_error "a results file that would overwrite an input" "$work/small-b.jsonl: the results file would overwrite an input" \
  "$rgtg" eval compare "$work/small-a.jsonl" "$work/small-b.jsonl" --out "$work/small-b.jsonl"
cmp -s "$work/small-b.jsonl" "$work/small-b.copy" && pass "the input is untouched" || fail "the input changed"
chmod 555 "$work" 2>/dev/null
if [ "$(id -u)" != 0 ]; then
  expect_error "a results file that cannot be written" "cannot create" \
    "$rgtg" eval compare "$work/small-a.jsonl" "$work/small-b.jsonl" --out "$work/ro.json"
  [ ! -e "$work/ro.json" ] && [ -z "$(ls -a "$work" | grep '\.tmp')" ] && pass "nothing half-written" || fail "a partial file is left"
fi
chmod 755 "$work"
expect_error "a bad --one-sided" "one-sided" "$rgtg" eval compare "$work/small-a.jsonl" "$work/small-b.jsonl" --one-sided both
[ "$(ls "$work" | grep -c '\.tmp')" -eq 0 ] && pass "no temporary files left" || fail "temporary files: $(ls "$work")"

finish "eval compare"
