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

echo "== training tokens/s: C trainer vs PyTorch (same model, batch 8 x 128, AdamW, $threads threads; 3 alternating rounds)"
c_rates=() py_rates=()
for round in 1 2 3; do
  c_train=$("$rgtg" bench train --config "$model" --batch 8 --seq 128 --steps 10 --warmup 2 --threads "$threads")
  py_train=$(/usr/bin/python3 "$root/tools/bench_torch_train.py" --config "$model" --batch 8 --seq 128 --steps 10 \
             --warmup 2 --threads "$threads")
  c_rates+=("$(json_field "$c_train" tokens_per_s)")
  py_rates+=("$(json_field "$py_train" tokens_per_s)")
  echo "round $round: C ${c_rates[-1]} tokens/s, PyTorch ${py_rates[-1]} tokens/s"
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
awk -v c="$(median "${c_rates[@]}")" -v p="$(median "${py_rates[@]}")" \
  'BEGIN { printf "medians: C %.0f, PyTorch %.0f tokens/s; ratio C / PyTorch: %.2fx (target >= 1.0x)\n", c, p, c / p }'

echo "== decoding: KV cache vs no-cache reference, 256 new tokens, one prompt of 16 (both paths unbatched)"
decode=$("$rgtg" bench decode --config "$model" --batch 1 --seq 16 --new-tokens 256 --threads "$threads")
echo "$decode"
echo "speedup: $(json_field "$decode" speedup)x (target >= 5x)"

echo "== candidate scoring (reward model): k=10 candidates in one forward + commit vs one single-token step (cache of 128)"
for size in 5m 60m; do
  for batch in 1 4; do
    cands=$("$rgtg" bench candidates --config "$root/configs/bench/model-$size.json" --batch "$batch" --seq 128 \
            --steps 30 --k 10 --threads "$threads")
    echo "$cands"
    echo "$size model, batch $batch: cost ratio $(json_field "$cands" ratio)x (target <= 2x); against 10 separate" \
      "single-token steps: $(awk -v s="$(json_field "$cands" score_ms)" -v a="$(json_field "$cands" append_ms)" \
      'BEGIN { printf "%.2fx", s / (10 * a) }')"
  done
done

bash "$root/tools/bench_decode.sh" "$rgtg"

echo "== dense vs prefix partial RMs (demo data): prefix pairs/s and held-out accuracy"
data=${BENCH_DATA_DIR:-$root/runs/bench/data}
[ -s "$data/prefs.h5" ] || "$rgtg" data demo --out "$data" > /dev/null
bash "$root/experiments/dense-vs-prefix.sh" "$rgtg" "$data" "$root/runs/bench/dense-vs-prefix" "${BENCH_DENSE_STEPS:-400}"

echo "== data parallel on this machine: mpirun 2 ranks x 1 thread vs 1 rank x 2 threads (same global batch)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
dp=(--config "$root/configs/rm/demo-prefix.yaml" --set "data.path=$data/prefs.h5"
    --set "data.tokenizer=$data/tokenizer.model" --set train.max_steps=100 --set train.eval_pairs=16)
one=$("$rgtg" train rm "${dp[@]}" --out "$root/runs/bench/dp-1x2" --set train.micro_batch=32 --set train.threads=2 2>/dev/null | tail -1)
two=$(OMP_NUM_THREADS=1 mpirun -np 2 "$rgtg" train rm "${dp[@]}" --out "$root/runs/bench/dp-2x1" --set train.micro_batch=16 \
      --set train.threads=1 2>/dev/null | tail -1)
r1=$(echo "$one" | grep -o '[0-9.]* tokens/s' | cut -d' ' -f1)
r2=$(echo "$two" | grep -o '[0-9.]* tokens/s' | cut -d' ' -f1)
echo "1 rank x 2 threads: $r1 tokens/s; 2 ranks x 1 thread: $r2 tokens/s"
awk -v a="$r2" -v b="$r1" 'BEGIN { printf "ratio (2 ranks x 1) / (1 rank x 2): %.2fx\n", a / b }'

if [ -x "$root/tools/bench_data.sh" ] && [ "${BENCH_DATA:-1}" = 1 ]; then
  echo "== data tools"
  bash "$root/tools/bench_data.sh" "$rgtg"
fi
