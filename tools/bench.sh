#!/usr/bin/env bash
# make bench: the speed targets, measured side by side in one run on this machine (ratios, not
# absolute times). Usage: tools/bench.sh [RGTG_BINARY]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rgtg=${1:-$root/build/rgtg}
model=$root/configs/bench/model-5m.json
threads=${BENCH_THREADS:-2}
export OMP_NUM_THREADS=$threads

json_field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

echo "== training tokens/s: C trainer vs PyTorch (same model, batch 8 x 128, AdamW, $threads threads)"
c_train=$("$rgtg" bench train --config "$model" --batch 8 --seq 128 --steps 10 --warmup 2 --threads "$threads")
py_train=$(/usr/bin/python3 "$root/tools/bench_torch_train.py" --config "$model" --batch 8 --seq 128 --steps 10 \
           --warmup 2 --threads "$threads")
echo "C:       $c_train"
echo "PyTorch: $py_train"
c_rate=$(json_field "$c_train" tokens_per_s)
py_rate=$(json_field "$py_train" tokens_per_s)
awk -v c="$c_rate" -v p="$py_rate" 'BEGIN { printf "ratio C / PyTorch: %.2fx (target >= 1.0x)\n", c / p }'

echo "== decoding: KV cache vs no-cache reference, 256 new tokens, one prompt of 16 (both paths unbatched)"
decode=$("$rgtg" bench decode --config "$model" --batch 1 --seq 16 --new-tokens 256 --threads "$threads")
echo "$decode"
echo "speedup: $(json_field "$decode" speedup)x (target >= 5x)"

echo "== candidate scoring (reward model): k=10 candidates in one forward + commit vs one single-token step (cache of 128)"
cands=$("$rgtg" bench candidates --config "$model" --batch 4 --seq 128 --steps 30 --k 10 --threads "$threads")
echo "$cands"
echo "cost ratio: $(json_field "$cands" ratio)x (target <= 2x)"

if [ -x "$root/tools/bench_data.sh" ] && [ "${BENCH_DATA:-1}" = 1 ]; then
  echo "== data tools"
  bash "$root/tools/bench_data.sh" "$rgtg"
fi
