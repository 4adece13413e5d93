#!/usr/bin/env bash
# Dense vs prefix partial reward models on the same pairs (the demo data by default): prefix pairs
# trained per second, and held-out accuracy on complete responses and prefixes, at equal steps and at
# a quarter of the dense steps. Usage: experiments/dense-vs-prefix.sh [RGTG] [DATA_DIR] [OUT] [STEPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rgtg=${1:-$root/build/rgtg}
data=${2:-runs/demo/data}
out=${3:-runs/dense-vs-prefix}
steps=${4:-400}
[ -s "$data/prefs.h5" ] || "$rgtg" data demo --out "$data" > /dev/null
common=(--set "data.path=$data/prefs.h5" --set "data.tokenizer=$data/tokenizer.model" --set train.eval_pairs=0)
run() { # name, objective, steps
  "$rgtg" train rm --config "$root/configs/rm/demo-prefix.yaml" --out "$out/$1" "${common[@]}" \
    --set train.objective="$2" --set train.max_steps="$3" 2>/dev/null | tail -1
}
echo "| run | steps | prefix pairs/s | wall s | complete | prefix 25% | 50% | 75% |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for spec in "prefix prefix $steps" "dense dense $steps" "dense-quarter dense $((steps / 4))"; do
  set -- $spec
  began=$(date +%s.%N)
  line=$(run "$1" "$2" "$3")
  wall=$(awk -v a="$began" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
  /usr/bin/python3 - "$1" "$3" "$wall" "$line" <<'PY'
import re, sys
name, steps, wall, line = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
num = lambda pat: re.search(pat, line).group(1)
print(f"| {name} | {steps} | {float(num(r'([0-9.]+) prefix pairs/s')):.0f} | {wall:.1f} | {num(r'accuracy ([0-9.]+)')} | "
      f"{num(r'25% ([0-9.]+)')} | {num(r'50% ([0-9.]+)')} | {num(r'75% ([0-9.]+)')} |")
PY
done
