#!/usr/bin/env bash
# Command-level tests of `rgtg eval human-sheet` and `rgtg eval human-import`: the page, opened in
# headless Chromium (tests/human_sheet_driver.js), shows the prompt and both responses as text (markup
# in them stays text), makes no request, keeps votes across a reload; three clicked votes and one key
# vote are exported as a CSV download; importing it gives the win/tie/loss counts Python computes from
# the order the page records, and the agreement with rewards (scored files, or an RM over the sheet's
# texts, which must match eval score's rewards); tampered, foreign or duplicated votes and an edited
# sheet are one-line errors that write nothing. Skips (exit 77) only when Chromium is not installed.
# Usage: test_human_cli.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -x /usr/bin/chromium ]; then
  echo "SKIP: /usr/bin/chromium is not installed (tools/install-deps.sh installs Debian's chromium)"
  exit 77
fi
work=$(mktemp -d /tmp/rgtg-human-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
playwright="$root/.node/node_modules/playwright-core"
command -v node > /dev/null || { echo "FAIL: node is not installed (run tools/install-deps.sh)"; exit 1; }
[ -f "$playwright/package.json" ] || { echo "FAIL: $playwright is missing (run tools/install-deps.sh)"; exit 1; }

# two generation files (8 prompts; prompt 2 has two samples) with rewards; markup in the texts
$py - "$work" <<'EOF'
import json, sys
for name, method, sign in (("A", "pargs", 1), ("B", "topk", -1)):
    with open(f"{sys.argv[1]}/{name}.jsonl", "w") as f:
        for i in [0, 1, 2, 2, 3, 4, 5, 6, 7]:
            f.write(json.dumps({"id": i, "method": method, "params": {}, "prompt": f"prompt {i}: <b>bold</b> & </script>",
                                "response": f"{method} says {i} about the river", "reward": sign * (i - 3.5),
                                "tokens": [1], "new_tokens": 1, "seconds": 0.0, "finished": i % 2 == 0}) + "\n")
EOF
"$rgtg" eval human-sheet "$work/A.jsonl" "$work/B.jsonl" --out "$work/sheet.html" --seed 5 --title 'Which <i>one</i>?' \
  > /dev/null 2> "$work/err" && pass "human-sheet writes the page" || fail "human-sheet: $(cat "$work/err")"
"$rgtg" eval human-sheet "$work/A.jsonl" "$work/B.jsonl" --out "$work/sheet2.html" --seed 5 --title 'Which <i>one</i>?' > /dev/null
cmp -s "$work/sheet.html" "$work/sheet2.html" && pass "the same seed writes the same page" || fail "human-sheet is not deterministic"
$py - "$work/sheet.html" > "$work/sheet.json" <<'EOF' && pass "the page records the order: every pair once, sides balanced and shuffled" || fail "sheet data: $(cat "$work/sheet.json")"
import json, re, sys
html = open(sys.argv[1]).read()
m = re.search(r'<script type="application/json" id="rgtg-sheet-data">(.*?)</script>', html, re.S)
data = json.loads(m.group(1))
print(json.dumps(data))
pairs = data["pairs"]
assert sorted((p["id"], p["sample"]) for p in pairs) == [(0, 0), (1, 0), (2, 0), (2, 1), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0)]
lefts = [p["left"] for p in pairs]
assert lefts.count("A") in (4, 5) and lefts != sorted(lefts), lefts
assert [p["id"] for p in pairs] != sorted(p["id"] for p in pairs)  # presentation order shuffled
for p in pairs:
    a, b = (p["left_response"], p["right_response"]) if p["left"] == "A" else (p["right_response"], p["left_response"])
    assert a.startswith("pargs") and b.startswith("topk") and p["left_finished"] == (p["id"] % 2 == 0)
assert "<script>" not in m.group(1) and "</b>" not in m.group(1) and "&" not in m.group(1)
EOF

# the browser: load, look, vote (3 clicks + 1 key), reload, export
node "$root/tests/human_sheet_driver.js" "$playwright" "$work/sheet.html" "$work" > "$work/driver.json" 2> "$work/driver.err" \
  || fail "the browser run: $(cat "$work/driver.err")"
$py - "$work/driver.json" "$work/sheet.json" <<'EOF' && pass "in Chromium: the page shows pair 1 as text, makes no request, no error; votes survive a reload" || fail "the page in Chromium: $(cat "$work/driver.json")"
import json, sys
r, sheet = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
first = sheet["pairs"][0]
assert r["requests"] == [] and r["errors"] == [], (r["requests"], r["errors"])
assert r["title"] == "Which <i>one</i>?"
assert r["first"] == {"progress": "Pair 1 of 9 \u00b7 0 rated", "prompt": first["prompt"], "left": first["left_response"],
                      "right": first["right_response"]}, r["first"]
assert r["after_votes"].endswith("4 rated") and r["after_reload"].endswith("4 rated"), (r["after_votes"], r["after_reload"])
assert r["second_tab"].endswith("4 rated"), r["second_tab"]
assert r["download"] == "votes-%s.csv" % sheet["sheet"]
EOF
[ -s "$work/sheet.png" ] && pass "a screenshot of the page" || fail "no screenshot"
$py - "$work/votes.csv" "$work/sheet.json" > "$work/expected.json" <<'EOF' && pass "the exported CSV: 4 votes (left, tie, right by click; tie by key) in the page's order" || fail "votes.csv: $(cat "$work/votes.csv")"
import csv, json, sys
rows, sheet = list(csv.DictReader(open(sys.argv[1], newline=""))), json.load(open(sys.argv[2]))
assert [r["vote"] for r in rows] == ["left", "tie", "right", "tie"] and [r["input"] for r in rows] == ["click"] * 3 + ["key"]
tally, outcomes = {"win": 0, "tie": 0, "loss": 0}, []
for r in rows:
    p = sheet["pairs"][int(r["pair_id"])]
    assert (int(r["id"]), int(r["sample"]), r["left"], r["sheet"]) == (p["id"], p["sample"], p["left"], sheet["sheet"])
    winner = None if r["vote"] == "tie" else p["left"] if r["vote"] == "left" else "B" if p["left"] == "A" else "A"
    o = "tie" if winner is None else "win" if winner == "A" else "loss"
    tally[o] += 1
    outcomes.append((p["id"], p["sample"], o))
# the agreement with the rewards in A.jsonl/B.jsonl (A: i - 3.5, B: 3.5 - i)
rm = lambda i: "tie" if i == 3.5 else "win" if i > 3.5 else "loss"
agreed = sum(o == rm(i) for i, s, o in outcomes)
decisive = [(i, o) for i, s, o in outcomes if o != "tie"]
print(json.dumps({"tally": tally, "agreed": agreed, "decisive": len(decisive), "decisive_agreed": sum(o == rm(i) for i, o in decisive)}))
EOF

# import: counts and agreement (with the sheet and scored files)
"$rgtg" eval human-import "$work/votes.csv" --sheet "$work/sheet.html" --scores "$work/A.jsonl" --scores "$work/B.jsonl" \
  --out "$work/import.json" --results "$work/import-results.json" > "$work/import.md" 2> "$work/err" || fail "human-import: $(cat "$work/err")"
$py - "$work/import.json" "$work/expected.json" <<'EOF' && pass "human-import: win/tie/loss after undoing the shuffle, agreement with the rewards" || fail "human-import counts: $(cat "$work/import.json")"
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("     ", {k: got[k] for k in ("votes", "win", "tie", "loss")}, "agreement", got["rm"]["agreed"], "of", got["rm"]["compared"])
assert (got["win"], got["tie"], got["loss"]) == (want["tally"]["win"], want["tally"]["tie"], want["tally"]["loss"])
assert got["votes"] == 4 and got["method_a"] == "pargs" and got["method_b"] == "topk"
assert (got["rm"]["agreed"], got["rm"]["decisive"], got["rm"]["decisive_agreed"]) == (want["agreed"], want["decisive"], want["decisive_agreed"])
EOF
"$rgtg" eval render --results "$work/import-results.json" --layout table2 --where judge=human > "$work/t2.md" 2>&1 \
  && grep -q '^| pargs  | topk | ' "$work/t2.md" && pass "the votes' results.json renders as Table 2" || fail "table2: $(cat "$work/t2.md")"
"$rgtg" eval human-import "$work/votes.csv" > "$work/nosheet.md" 2> "$work/err" && grep -q '^| A vs B | ' "$work/nosheet.md" \
  && pass "human-import without the sheet trusts the CSV's left/right columns" || fail "human-import without a sheet: $(cat "$work/err")"

# errors: one line, no output
sed '2s/,left,/,right,/' "$work/votes.csv" > "$work/flipped.csv"
expect_error "a vote whose choice contradicts its side" "flipped.csv:2: choice_method" \
  "$rgtg" eval human-import "$work/flipped.csv" --sheet "$work/sheet.html" --out "$work/no.json"
$py - "$work/votes.csv" "$work/swapped.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
rows[1][3], rows[1][4] = rows[1][4], rows[1][3]
csv.writer(open(sys.argv[2], "w", newline=""), lineterminator="\n").writerows(rows)
EOF
expect_error "a vote whose sides differ from the sheet's record" "swapped.csv:2: pair 0 shows . on the left in .*sheet.html" \
  "$rgtg" eval human-import "$work/swapped.csv" --sheet "$work/sheet.html" --out "$work/no.json"
"$rgtg" eval human-sheet "$work/A.jsonl" "$work/B.jsonl" --out "$work/other.html" --seed 6 > /dev/null
expect_error "votes from another sheet" "votes.csv:2: a vote from sheet" \
  "$rgtg" eval human-import "$work/votes.csv" --sheet "$work/other.html" --out "$work/no.json"
{ cat "$work/votes.csv"; sed -n 3p "$work/votes.csv"; } > "$work/twice.csv"
expect_error "a pair voted twice in one file" "twice.csv:6: id .* voted twice" \
  "$rgtg" eval human-import "$work/twice.csv" --out "$work/no.json"
sed '3s/,tie,/,maybe,/' "$work/votes.csv" > "$work/maybe.csv"
expect_error "an unknown vote" "maybe.csv:3: vote must be left, right or tie (got 'maybe')" \
  "$rgtg" eval human-import "$work/maybe.csv" --out "$work/no.json"
head -n 1 "$work/votes.csv" > "$work/empty.csv"
expect_error "a CSV without votes" "empty.csv: no votes" \
  "$rgtg" eval human-import "$work/empty.csv" --sheet "$work/sheet.html" --out "$work/no.json" --results "$work/no-results.json"
cut -d, -f1-5 "$work/votes.csv" > "$work/novote.csv"
expect_error "a CSV without a vote column" "novote.csv:1: no 'vote' column" \
  "$rgtg" eval human-import "$work/novote.csv" --out "$work/no.json"
sed 's/prompt 0:/prompt 0 edited:/' "$work/sheet.html" > "$work/edited.html"
expect_error "an edited sheet" "edited.html: the sheet data was edited" \
  "$rgtg" eval human-import "$work/votes.csv" --sheet "$work/edited.html" --out "$work/no.json"
expect_error "--judge-rm needs the sheet" "--judge-rm needs --sheet" \
  "$rgtg" eval human-import "$work/votes.csv" --judge-rm "$work" --out "$work/no.json"
head -n 8 "$work/B.jsonl" > "$work/B-short.jsonl"
expect_error "human-sheet: an unpaired prompt" "B-short.jsonl: no row for id 7 (sample 0)" \
  "$rgtg" eval human-sheet "$work/A.jsonl" "$work/B-short.jsonl" --out "$work/no.html"
ls "$work" | grep -q '^no\.\|\.tmp\.' && fail "a failed import left a file" || pass "failed commands leave no file"

# agreement with an RM over the sheet's texts equals agreement with eval score's rewards of that RM
$py - "$work/prefs.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(120):
        f.write(json.dumps({"prompt": f"prompt {i}: tell me about the river", "chosen": f"pargs says {i % 7} about the river",
                            "rejected": f"topk says {i % 5} about the stone"}) + "\n")
EOF
"$rgtg" data tokenizer --input "$work/prefs.jsonl" --vocab 40 --lossy-legacy --out "$work/tok.model" > /dev/null 2>&1
"$rgtg" data prepare --input "$work/prefs.jsonl" --tokenizer "$work/tok.model" --out "$work/prefs.h5" --split 0.8,0.2,0 > /dev/null 2>&1
"$rgtg" train rm --config "$root/configs/rm/demo-full.yaml" --out "$work/rm" --set "data.path=$work/prefs.h5" \
  --set "data.tokenizer=$work/tok.model" --set model.hidden_size=32 --set model.intermediate_size=64 \
  --set model.num_hidden_layers=1 --set train.micro_batch=8 --set train.eval_pairs=8 --set train.max_steps=3 \
  --set train.threads=1 --set train.shards=1 --set train.shard=0 > "$work/rm.log" 2>&1 || fail "train the RM: $(tail -1 "$work/rm.log")"
for f in A B; do
  "$rgtg" eval score --rm "$work/rm/final" --gens "$work/$f.jsonl" --out "$work/$f-scored.jsonl" --threads 1 > /dev/null 2>&1 || fail "eval score $f"
done
"$rgtg" eval human-import "$work/votes.csv" --sheet "$work/sheet.html" --judge-rm "$work/rm/final" --threads 1 --out "$work/by-rm.json" \
  > /dev/null 2> "$work/err" || fail "human-import --judge-rm: $(cat "$work/err")"
"$rgtg" eval human-import "$work/votes.csv" --sheet "$work/sheet.html" --scores "$work/A-scored.jsonl" --scores "$work/B-scored.jsonl" \
  --out "$work/by-scores.json" > /dev/null 2> "$work/err" || fail "human-import --scores: $(cat "$work/err")"
$py - "$work/by-rm.json" "$work/by-scores.json" <<'EOF' && pass "agreement with the RM over the sheet's texts equals that with eval score's rewards" || fail "RM agreement differs"
import json, sys
a, b = json.load(open(sys.argv[1]))["rm"], json.load(open(sys.argv[2]))["rm"]
print("     ", {k: a[k] for k in ("agreed", "compared", "decisive", "decisive_agreed")})
assert all(a[k] == b[k] for k in ("agreed", "compared", "decisive", "decisive_agreed")), (a, b)
EOF

finish test_human_cli
