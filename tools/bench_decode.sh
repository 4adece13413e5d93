#!/usr/bin/env bash
# The decoding part of make bench: the C engine (top-k, PARGS with a guide of the LM's size and with a
# quarter-compute one) against the plain-PyTorch loops users run today (tools/bench_torch_decode.py:
# the PARGS authors' no-cache loop, an ARGS-style loop), side by side in one run on the 5M and 60M
# shapes, with the ratios the targets are stated in and where the time goes.
# Usage: tools/bench_decode.sh [RGTG_BINARY]   (BENCH_THREADS, BENCH_NEW_TOKENS, BENCH_SIZES="5m 60m")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rgtg=${1:-$root/build/rgtg}
threads=${BENCH_THREADS:-2}
export OMP_NUM_THREADS=$threads

echo "== reward-guided decoding: the C engine against the plain-PyTorch loops users run today (same shapes, random"
echo "   models, k=10, prompt 16, ${BENCH_NEW_TOKENS:-24} new tokens, $threads threads; wall ms per token, CPU ms in brackets)"
new_tokens=${BENCH_NEW_TOKENS:-24}
for size in ${BENCH_SIZES:-5m 60m}; do
  shape=$root/configs/bench/model-$size.json
  c1=$("$rgtg" bench methods --config "$shape" --batch 1 --seq 16 --new-tokens "$new_tokens" --k 10 --rounds 3 --threads "$threads")
  py=$(/usr/bin/python3 "$root/tools/bench_torch_decode.py" --config "$shape" --batch 1 --prompt 16 --new-tokens "$new_tokens" \
       --k 10 --threads "$threads")
  c16=$("$rgtg" bench methods --config "$shape" --batch 16 --seq 16 --new-tokens "$new_tokens" --k 10 --rounds 3 --threads "$threads")
  echo "$c1"; echo "$py"; echo "$c16"
  /usr/bin/python3 - "$size" "$c1" "$py" "$c16" <<'PY'
import json, sys
size, c1, py, c16 = sys.argv[1], *map(json.loads, sys.argv[2:])
def both(d, k): return f"{d[k + '_ms']:.2f} [{d[k + '_cpu_ms']:.2f}]"
def ratio(a, b): return f"{a / b:.2f}x"
print(f"{size}, batch 1: C top-k {both(c1, 'topk')}, PARGS {both(c1, 'pargs')}, PARGS quarter-size guide {both(c1, 'pargs_quarter')}; "
      f"PyTorch authors' loop {both(py, 'authors')}, ARGS-style {both(py, 'args')}, top-k {both(py, 'topk')}")
print(f"  PARGS / top-k: {ratio(c1['pargs_ms'], c1['topk_ms'])} wall, {ratio(c1['pargs_cpu_ms'], c1['topk_cpu_ms'])} CPU, "
      f"{c1['pargs_ratio_in_run']:.2f}x within its own steps (target <= 2.0x)")
print(f"  PARGS quarter-size guide / top-k: {ratio(c1['pargs_quarter_ms'], c1['topk_ms'])} wall, "
      f"{ratio(c1['pargs_quarter_cpu_ms'], c1['topk_cpu_ms'])} CPU, {c1['pargs_quarter_ratio_in_run']:.2f}x within its own "
      f"steps (target <= 1.3x)")
print(f"  authors' loop / PARGS: {ratio(py['authors_ms'], c1['pargs_ms'])} wall, {ratio(py['authors_cpu_ms'], c1['pargs_cpu_ms'])} CPU (target >= 20x)")
print(f"  ARGS-style loop / PARGS: {ratio(py['args_ms'], c1['pargs_ms'])} wall, {ratio(py['args_cpu_ms'], c1['pargs_cpu_ms'])} CPU (target >= 2x)")
print(f"{size}, batch 16: PARGS / top-k: {ratio(c16['pargs_ms'], c16['topk_ms'])} wall, "
      f"{ratio(c16['pargs_cpu_ms'], c16['topk_cpu_ms'])} CPU, {c16['pargs_ratio_in_run']:.2f}x within its own steps (target <= 4x)")
for name, split in c1["ms_per_token_split"].items():
    print(f"  where {name}'s time goes at batch 1 (ms/token): " + ", ".join(f"{k} {v:.3f}" for k, v in split.items()))
PY
done

