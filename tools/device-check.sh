#!/usr/bin/env bash
# GPU check (on a machine with an NVIDIA GPU and a CUDA libtorch, DESIGN.md "Machines"): builds rgtg
# against PyTorch's libtorch, then trains a tiny reward model on CUDA in bf16 and the same model on the
# CPU in fp32, printing tokens/s and checking that the loss falls and that the two paths agree within
# bf16 tolerance. Needs .extra/ from tools/device-extras.sh (carried with the checkout).
# Usage: tools/device-check.sh [OUT_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-${OUT:-/tmp/rgtg-device}}
mkdir -p "$out"
torch_dir=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')
extra=$root/.extra
echo "libtorch: $torch_dir"
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true

export LIBRARY_PATH=$extra/usr/lib/x86_64-linux-gnu:${LIBRARY_PATH:-}
export LD_LIBRARY_PATH=$extra/usr/lib/x86_64-linux-gnu:$torch_dir/lib:${LD_LIBRARY_PATH:-}
export C_INCLUDE_PATH=$extra/usr/include:${C_INCLUDE_PATH:-}
export CPLUS_INCLUDE_PATH=$extra/usr/include:${CPLUS_INCLUDE_PATH:-}
export PKG_CONFIG_PATH=$extra/usr/lib/x86_64-linux-gnu/pkgconfig:${PKG_CONFIG_PATH:-}
start=$(date +%s)
meson setup "$root/build-cuda" "$root" -Dtorch_dir="$torch_dir" -Dextra_prefix="$extra" --reconfigure >"$out/meson.log" 2>&1 \
  || meson setup "$root/build-cuda" "$root" -Dtorch_dir="$torch_dir" -Dextra_prefix="$extra" >"$out/meson.log" 2>&1 \
  || { tail -30 "$out/meson.log"; exit 1; }
ninja -C "$root/build-cuda" rgtg rgtg-torch core/librgtg_spm.so >"$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
echo "built in $(( $(date +%s) - start )) s"
rgtg=$root/build-cuda/rgtg
"$rgtg" version

data=$out/data
"$rgtg" data demo --out "$data" --wordnet "$extra/usr/share/wordnet" --pairs 2000 --test 50 --valid 100 --vocab 1000
run() { # name, device, dtype
  "$rgtg" train rm --config "$root/configs/rm/demo-prefix.yaml" --out "$out/$1" \
    --set "data.path=$data/prefs.h5" --set "data.tokenizer=$data/tokenizer.model" --set train.device="$2" \
    --set train.dtype="$3" --set train.max_steps=200 --set train.log_every=10 --set train.threads=8 2>&1 | tail -1
}
run rm-cuda-bf16 cuda bf16
run rm-cpu-fp32 cpu fp32
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
def rows(name):
    return [json.loads(l) for l in open(f"{out}/{name}/metrics.jsonl") if '"loss"' in l]
gpu, cpu = rows("rm-cuda-bf16"), rows("rm-cpu-fp32")
falls = gpu[-1]["loss"] < gpu[0]["loss"] - 0.1
first_gap = abs(gpu[0]["loss"] - cpu[0]["loss"])
last_gap = abs(gpu[-1]["loss"] - cpu[-1]["loss"])
ratio = gpu[-1]["tokens_per_s"] / cpu[-1]["tokens_per_s"]
print(f"cuda bf16: {gpu[-1]['tokens_per_s']:.0f} tokens/s; cpu fp32: {cpu[-1]['tokens_per_s']:.0f} tokens/s ({ratio:.1f}x)")
print(f"loss falls on cuda: {gpu[0]['loss']:.4f} -> {gpu[-1]['loss']:.4f} ({'ok' if falls else 'FAIL'})")
print(f"cuda vs cpu loss at step {gpu[0]['step']}: gap {first_gap:.4f}; at the end: gap {last_gap:.4f} "
      f"({'ok' if first_gap < 0.02 and last_gap < 0.1 else 'FAIL'}: bf16 tolerance 0.02 / 0.1)")
sys.exit(0 if falls and first_gap < 0.02 and last_gap < 0.1 else 1)
PY
