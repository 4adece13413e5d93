#!/bin/bash
# tools/bench_data.sh: figures for the data tools (no assertions): (1) peak RSS of `rgtg data prepare` on a
# synthetic JSONL (target < 500 MB), (2) its throughput against `spm_encode` tokenizing the same text alone
# (target ratio <= 1.5x), (3) seconds of `rgtg data expand` on 1M pairs at ratio 2.
# usage: tools/bench_data.sh PATH/TO/rgtg
#   SIZE=MB        size of the synthetic JSONL (default 200); BENCH_FULL=1 sets 1000
#   PAIRS=N        pairs for the expansion figure (default 1000000)
#   BENCH_DIR=DIR  where to put the files (default a temporary folder, removed at the end; needs ~3x SIZE)
set -eu
RGTG=${1:?usage: tools/bench_data.sh PATH/TO/rgtg}
RGTG=$(cd "$(dirname "$RGTG")" && pwd)/$(basename "$RGTG")
SIZE=${SIZE:-200}
[ "${BENCH_FULL:-0}" = 1 ] && SIZE=1000
PAIRS=${PAIRS:-1000000}
TIME=/usr/bin/time
for tool in python3 spm_encode "$TIME"; do
    command -v "$tool" >/dev/null || { echo "bench_data: $tool is missing (tools/install-deps.sh installs it)" >&2; exit 1; }
done
if [ -n "${BENCH_DIR:-}" ]; then
    D=$BENCH_DIR
    mkdir -p "$D"
else
    D=$(mktemp -d "${TMPDIR:-/tmp}/rgtg-bench-data.XXXXXX")
    trap 'rm -rf "$D"' EXIT
fi
cd "$D"

# synth.py OUT MB SHORT: JSONL of prompt/chosen/rejected from a 6,000-word pseudo-language (Zipf-like
# word frequencies, varied lengths); SHORT=1 gives short rows (for the 1M-pair expansion file)
cat >synth.py <<'EOF'
import json, random, sys
out, target, short = sys.argv[1], int(float(sys.argv[2]) * 1e6), sys.argv[3] == "1"
rng = random.Random(1)
syll = ["ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "an", "el", "or", "um", "ba", "de", "fi", "go", "hu", "ji"]
vocab = sorted({"".join(rng.choice(syll) for _ in range(rng.randint(1, 4))) for _ in range(9000)})[:6000]
cum_weights, total = [], 0.0
for i in range(len(vocab)):
    total += 1.0 / (i + 1)
    cum_weights.append(total)
punct = [".", ",", "?", "!", ";", ""]
def text(lo, hi):
    words = rng.choices(vocab, cum_weights=cum_weights, k=rng.randint(lo, hi))
    return " ".join(w + (rng.choice(punct) if rng.random() < 0.1 else "") for w in words)
size, rows = 0, 0
with open(out, "w") as f:
    while size < target:
        if short: row = {"prompt": text(2, 6), "chosen": text(2, 10), "rejected": text(2, 10)}
        else: row = {"prompt": "Question: " + text(10, 80), "chosen": text(20, 250), "rejected": text(20, 250)}
        line = json.dumps(row) + "\n"
        f.write(line)
        size += len(line); rows += 1
print(rows)
EOF

# measure LOG COMMAND...: prints "seconds peak_MB" of the command, from GNU time -v
measure() {
    local log=$1
    shift
    "$TIME" -v "$@" 2>"$log" >/dev/null || { tail -n 30 "$log" >&2; exit 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log")
    echo "$wall $rss"
}

echo "bench_data: ${SIZE} MB synthetic JSONL in $D ($(nproc) cores)"
rows=$(python3 synth.py prefs.jsonl "$SIZE" 0)
echo "  rows: $rows ($(du -m prefs.jsonl | cut -f1) MB)"
head -c 20000000 prefs.jsonl | head -n -1 >sample.jsonl
read -r tok_s tok_mb < <(measure tok.log "$RGTG" data tokenizer --input sample.jsonl --vocab 4000 --out tok.model)
echo "  tokenizer (20 MB sample, vocab 4000): ${tok_s} s, peak ${tok_mb} MB"
python3 -c '
import json, sys
with open("text.txt", "w") as out:
    for line in open("prefs.jsonl"):
        r = json.loads(line)
        out.write(r["prompt"] + "\n" + r["chosen"] + "\n" + r["rejected"] + "\n")'

read -r spm_s spm_mb < <(measure spm.log spm_encode --model=tok.model --output_format=id --input=text.txt)
read -r prep_s prep_mb < <(measure prep.log "$RGTG" data prepare --input prefs.jsonl --tokenizer tok.model --out prefs.h5)
echo "(1) data prepare peak RSS: ${prep_mb} MB (target < 500)"
echo "(2) throughput on the same text: spm_encode ${spm_s} s (peak ${spm_mb} MB), data prepare ${prep_s} s," \
    "ratio $(awk -v a="$prep_s" -v b="$spm_s" 'BEGIN {printf "%.2f", a / b}')x (target <= 1.5x);" \
    "$(awk -v a="$SIZE" -v b="$prep_s" 'BEGIN {printf "%.1f", a / b}') MB/s; prefs.h5 $(du -m prefs.h5 | cut -f1) MB"
rm -f text.txt prefs.jsonl

python3 synth.py short.jsonl $((PAIRS * 170 / 1000000 + 1)) 1 >/dev/null
read -r short_s short_mb < <(measure short.log "$RGTG" data prepare --input short.jsonl --tokenizer tok.model \
    --out short.h5 --limit "$PAIRS")
read -r exp_s exp_mb < <(measure expand.log "$RGTG" data expand --in short.h5 --ratio 2)
pairs=$("$RGTG" data inspect short.h5 --examples 0 | sed -n "1s/.*, \([0-9]*\) pairs$/\1/p")
echo "(3) data expand on $pairs pairs at ratio 2: ${exp_s} s, peak ${exp_mb} MB (its prepare: ${short_s} s, ${short_mb} MB)"
