#!/usr/bin/env bash
# Command-level tests of `rgtg eval render` (the file equals what is printed; CSV parsed by Python's
# csv module; LaTeX's shape) and `rgtg eval plot` (gnuplot PNGs: signature and pixel size; the data
# file gnuplot read holds the expected values; a file name with a quote and a space), and their errors
# (one line, non-zero exit, no output file).
# Usage: test_report_cli.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
work=$(mktemp -d /tmp/rgtg-report-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
export TMPDIR="$work/tmpdir"   # where plot keeps its scratch files: checked empty at the end
mkdir -p "$TMPDIR"

cat > "$work/results.json" <<'EOF'
{"version":1,"cells":[
{"metric":"reward","value":1.2345,"n":100,"se":0.0512,"labels":{"method":"top-k","llm_frozen":true,"single_y":true,"table":"t1"}},
{"metric":"reward","value":2.5,"n":100,"se":0.05,"labels":{"method":"ARGS, greedy","llm_frozen":true,"single_y":true,"table":"t1"}},
{"metric":"reward","value":2.75,"n":100,"se":0.049,"labels":{"method":"PARGS","llm_frozen":true,"single_y":true,"table":"t1"}},
{"metric":"ms_per_token","value":2.5,"labels":{"method":"top-k","table":"t1"}},
{"metric":"ms_per_token","value":12.5,"labels":{"method":"ARGS, greedy","table":"t1"}},
{"metric":"ms_per_token","value":9.75,"labels":{"method":"PARGS","table":"t1"}},
{"metric":"reward","value":1.5,"se":0.1,"n":20,"labels":{"method":"PARGS","beta":2,"k":5,"table":"t13"}},
{"metric":"reward","value":1.25,"se":0.1,"n":20,"labels":{"method":"PARGS","beta":1,"k":10,"table":"t13"}},
{"metric":"reward","value":1.75,"se":0.1,"n":20,"labels":{"method":"PARGS","beta":2,"k":10,"table":"t13"}},
{"metric":"reward","value":1.0,"se":0.1,"n":20,"labels":{"method":"PARGS","beta":1,"k":5,"table":"t13"}},
{"metric":"reward","value":1.1,"se":0.1,"n":20,"labels":{"method":"PARGS","beta":1.5,"k":5,"table":"t13"}},
{"metric":"agreement","value":0.62,"labels":{"rm":"partial","prefix_fraction":0.25}},
{"metric":"agreement","value":0.71,"labels":{"rm":"partial","prefix_fraction":0.5}},
{"metric":"agreement","value":0.88,"labels":{"rm":"partial","prefix_fraction":1}},
{"metric":"agreement","value":0.55,"labels":{"rm":"full 'eval'","prefix_fraction":0.25}},
{"metric":"agreement","value":0.9,"labels":{"rm":"full 'eval'","prefix_fraction":1}}
]}
EOF

# ---- render ----
for ext in md csv tex; do
  "$rgtg" eval render --results "$work/results.json" --layout table1 --where table=t1 --out "$work/t1.$ext" \
    > "$work/t1.stdout.$ext" 2> "$work/err" || fail "render table1 .$ext: $(cat "$work/err")"
done
cmp -s "$work/t1.md" "$work/t1.stdout.md" && pass "render: the .md file is what it prints" || fail "render: .md differs from stdout"
cat > "$work/t1.expected" <<'EOF'
| Method       | LLM frozen? | Single y? | Reward (mean ± SE) |
| ------------ | ----------- | --------- | -----------------: |
| top-k        | yes         | yes       |      1.234 ± 0.051 |
| ARGS, greedy | yes         | yes       |      2.500 ± 0.050 |
| PARGS        | yes         | yes       |      2.750 ± 0.049 |
EOF
cmp -s "$work/t1.md" "$work/t1.expected" && pass "render table1: exact Markdown" || fail "render table1: $(diff "$work/t1.md" "$work/t1.expected")"
$py - "$work/t1.csv" <<'EOF' && pass "render table1: CSV parses (a quoted comma) with the stored numbers" || fail "render table1 CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0] == ["method", "llm_frozen", "single_y", "reward_mean", "reward_se", "reward_n"], rows[0]
assert rows[2] == ["ARGS, greedy", "yes", "yes", "2.5", "0.05", "100"], rows[2]
assert len(rows) == 4 and all(len(r) == 6 for r in rows), rows
assert float(rows[1][3]) == 1.2345
EOF
$py - "$work/t1.tex" <<'EOF' && pass "render table1: LaTeX tabular with 4 columns on every row" || fail "render table1 LaTeX: $(cat "$work/t1.tex")"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"\\begin\{tabular\}\{([lr]+)\}\n\\toprule\n(.*)\\midrule\n(.*)\\bottomrule\n\\end\{tabular\}\n$", text, re.S)
assert m and m.group(1) == "lllr", text
lines = m.group(2).splitlines() + m.group(3).splitlines()
assert len(lines) == 4 and all(len(re.split(r"(?<!\\)&", l)) == 4 and l.endswith(r" \\") for l in lines), lines
assert r"$2.750 \pm 0.049$" in text
EOF
"$rgtg" eval render --results "$work/results.json" --layout table13 --where table=t13 --out "$work/t13.csv" > /dev/null
$py - "$work/t13.csv" <<'EOF' && pass "render table13: the CSV grid (k columns, rows by beta)" || fail "render table13 CSV: $(cat "$work/t13.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert [r["beta"] for r in rows] == ["1", "1.5", "2"]
assert rows[0]["reward_mean[k=10]"] == "1.25" and rows[1]["reward_mean[k=10]"] == "" and rows[2]["reward_mean[k=5]"] == "1.5"
EOF

expect_error "render: an unknown layout" "layout 'table6' unknown" \
  "$rgtg" eval render --results "$work/results.json" --layout table6 --out "$work/bad.md"
expect_error "render: two cells for one table cell" "cells\[6\] repeats cells\[2\]" \
  "$rgtg" eval render --results "$work/results.json" --layout table1 --out "$work/bad.md"
expect_error "render: an unknown extension" "table format unknown" \
  "$rgtg" eval render --results "$work/results.json" --layout table1 --where table=t1 --out "$work/bad.txt"
expect_error "render: several --out, one unknown" "table format unknown" \
  "$rgtg" eval render --results "$work/results.json" --layout table1 --where table=t1 --out "$work/bad.md" --out "$work/bad.txt"
"$rgtg" eval render --results "$work/results.json" --layout table13 --where table=t13 --out "$work/t13b.md" \
  --out "$work/t13b.csv" > /dev/null && cmp -s "$work/t13b.csv" "$work/t13.csv" \
  && "$rgtg" eval render --results "$work/results.json" --layout table13 --where table=t13 --out "$work/t13a.md" > /dev/null \
  && cmp -s "$work/t13a.md" "$work/t13b.md" && pass "render: several --out write the table in each format" \
  || fail "render: several --out"
printf '{"version":1,"cells":[{"metric":"x","value":1,"se":-1}]}' > "$work/bad.json"
expect_error "render: a cell that breaks the schema" "bad.json: cells\[0\]: 'se' must be a finite number >= 0" \
  "$rgtg" eval render --results "$work/bad.json" --layout table1 --out "$work/bad.md"
ls "$work" | grep -q '^bad\.\(md\|txt\)\|\.tmp\.' && fail "render: a failed command left a file" || pass "render: failures leave no file"

# ---- plots ----
png_check() { # png_check FILE WIDTH HEIGHT
  $py - "$@" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert data[12:16] == b"IHDR"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (int(sys.argv[2]), int(sys.argv[3])), (w, h)
assert len(data) > 5000, len(data)   # a drawn figure, not an empty canvas
EOF
}
out_dir="$work/figures it's"
mkdir -p "$out_dir"
"$rgtg" eval plot --results "$work/results.json" --kind heatmap --where table=t13 --out "$out_dir/heat map.png" \
  --keep-script "$work/heatmap" > /dev/null 2> "$work/err" && png_check "$out_dir/heat map.png" 800 600 \
  && pass "plot heatmap: an 800x600 PNG under a name with a quote and a space" || fail "plot heatmap: $(cat "$work/err")"
$py - "$work/heatmap.dat" <<'EOF' && pass "plot heatmap: the data file holds the grid (a missing cell as NaN)" || fail "plot heatmap data: $(cat "$work/heatmap.dat")"
import math, shlex, sys
rows = [shlex.split(l) for l in open(sys.argv[1]) if not l.startswith("#")]
grid = {(float(r[4]), float(r[3])): float(r[2]) for r in rows}
assert grid == {**grid, (1, 5): 1.0, (1, 10): 1.25, (1.5, 5): 1.1, (2, 5): 1.5, (2, 10): 1.75} and len(grid) == 6
assert math.isnan(grid[(1.5, 10)])
assert [r[0:2] for r in rows] == [["0", "0"], ["1", "0"], ["0", "1"], ["1", "1"], ["0", "2"], ["1", "2"]]
EOF
grep -qF "set output '${work}/figures it''s/heat map.png'" "$work/heatmap.gp" && pass "plot: the kept script quotes the file name for gnuplot" || fail "plot: kept script: $(grep output "$work/heatmap.gp")"
(cd "$work" && gnuplot heatmap.gp) && png_check "$out_dir/heat map.png" 800 600 \
  && pass "plot: the kept script reruns with gnuplot alone" || fail "plot: the kept script does not rerun"

"$rgtg" eval plot --results "$work/results.json" --kind runtime --where table=t1 --out "$work/runtime.png" \
  --width 640 --height 480 --keep-script "$work/runtime" > /dev/null 2> "$work/err" && png_check "$work/runtime.png" 640 480 \
  && pass "plot runtime: a 640x480 PNG" || fail "plot runtime: $(cat "$work/err")"
$py - "$work/runtime.dat" <<'EOF' && pass "plot runtime: one point per method (ms/token, reward, SE)" || fail "plot runtime data: $(cat "$work/runtime.dat")"
import shlex, sys
rows = [shlex.split(l) for l in open(sys.argv[1]) if not l.startswith("#")]
assert rows == [["top-k", "2.5", "1.2345", "0.0512"], ["ARGS, greedy", "12.5", "2.5", "0.05"], ["PARGS", "9.75", "2.75", "0.049"]], rows
EOF

"$rgtg" eval plot --results "$work/results.json" --kind agreement --out "$work/agreement.png" \
  --keep-script "$work/agreement" > /dev/null 2> "$work/err" && png_check "$work/agreement.png" 800 600 \
  && pass "plot agreement: a PNG" || fail "plot agreement: $(cat "$work/err")"
$py - "$work/agreement.dat" "$work/agreement.gp" <<'EOF' && pass "plot agreement: one block per RM, sorted by fraction; titles quoted" || fail "plot agreement data: $(cat "$work/agreement.dat")"
import sys
blocks = [[l.split() for l in b.strip().splitlines() if not l.startswith("#")] for b in open(sys.argv[1]).read().split("\n\n\n")]
assert blocks == [[["0.25", "0.62"], ["0.5", "0.71"], ["1", "0.88"]], [["0.25", "0.55"], ["1", "0.9"]]], blocks
script = open(sys.argv[2]).read()
assert "title 'full ''eval'''" in script and "index 1" in script
EOF

expect_error "plot: no cell for the kind" "no cell to plot" \
  "$rgtg" eval plot --results "$work/results.json" --kind heatmap --metric bleu --out "$work/none.png"
expect_error "plot: two cells for one point" "repeats" \
  "$rgtg" eval plot --results "$work/results.json" --kind runtime --out "$work/none.png"
expect_error "plot: an unknown kind" "plot kind 'pie' unknown" \
  "$rgtg" eval plot --results "$work/results.json" --kind pie --out "$work/none.png"
expect_error "plot: gnuplot missing" "install Debian's gnuplot-nox" \
  env PATH=/nonexistent "$rgtg" eval plot --results "$work/results.json" --kind agreement --out "$work/none.png"
ls "$work" | grep -q 'none\|\.tmp\.' && fail "plot: a failed command left a file" || pass "plot: failures leave no file"
[ -z "$(ls -A "$TMPDIR")" ] && pass "plot: no scratch file left" || fail "plot: left $(ls -A "$TMPDIR")"

finish test_report_cli
