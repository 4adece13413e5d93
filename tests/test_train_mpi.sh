#!/usr/bin/env bash
# Data parallel under mpirun: the same global batch gives the same result. 2 ranks x micro-batch 4 and
# 1 rank x micro-batch 8 (and 1 rank x 4 x grad_accum 2) agree on the loss at every step and on the final
# weights within 1e-5, for the prefix RM and for SFT (token-weighted); and a rank that fails takes the
# job down with a clear message. Usage: test_train_mpi.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-mpi-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1
. "$(dirname "$0")/lib.sh"

"$rgtg" data demo --out "$work/data" --pairs 300 --test 10 --valid 30 --vocab 400 > /dev/null || { echo "FAIL data"; exit 1; }
common=(--set "data.path=$work/data/prefs.h5" --set "data.tokenizer=$work/data/tokenizer.model"
        --set model.hidden_size=32 --set model.intermediate_size=64 --set model.num_hidden_layers=2
        --set train.max_steps=6 --set train.log_every=1 --set train.eval_pairs=8 --set train.threads=1)

compare() { # what, dir_a, dir_b
  /usr/bin/python3 - "$2" "$3" "$root/tests/reference" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[3])
import st
def losses(d):
    return [json.loads(l)["loss"] for l in open(d + "/metrics.jsonl") if '"loss"' in l]
la, lb = losses(sys.argv[1]), losses(sys.argv[2])
assert len(la) == len(lb) == 6, (len(la), len(lb))
loss_diff = max(abs(a - b) for a, b in zip(la, lb))
wa, wb = st.load(sys.argv[1] + "/final/model.safetensors"), st.load(sys.argv[2] + "/final/model.safetensors")
assert wa.keys() == wb.keys()
weight_diff = max(float((wa[k] - wb[k]).abs().max()) for k in wa)
print(f"     max loss difference {loss_diff:.2e}, max weight difference {weight_diff:.2e}")
sys.exit(0 if loss_diff <= 1e-5 and weight_diff <= 1e-5 else 1)
PY
}

for kind in "rm rm/demo-prefix.yaml" "sft sft/demo.yaml"; do
  set -- $kind
  cfg=$root/configs/$2
  mpirun -np 2 "$rgtg" train "$1" --config "$cfg" --out "$work/$1-2x4" "${common[@]}" --set train.micro_batch=4 \
    > "$work/$1-2x4.log" 2>&1 || { fail "$1: mpirun -np 2 failed: $(tail -3 "$work/$1-2x4.log")"; continue; }
  "$rgtg" train "$1" --config "$cfg" --out "$work/$1-1x8" "${common[@]}" --set train.micro_batch=8 > /dev/null 2>&1
  "$rgtg" train "$1" --config "$cfg" --out "$work/$1-1x4x2" "${common[@]}" --set train.micro_batch=4 \
    --set train.grad_accum=2 > /dev/null 2>&1
  compare "$1" "$work/$1-2x4" "$work/$1-1x8" && pass "$1: 2 ranks x 4 == 1 rank x 8" || fail "$1: 2 ranks x 4 != 1 rank x 8"
  compare "$1" "$work/$1-1x4x2" "$work/$1-1x8" && pass "$1: 4 x grad_accum 2 == 8" || fail "$1: grad_accum differs"
done

# one rank fails (its data file is unreadable only there): every rank stops, one clear message, no hang
cp "$work/data/prefs.h5" "$work/rank0.h5"
start=$(date +%s)
timeout 120 mpirun -np 2 bash -c 'if [ "$OMPI_COMM_WORLD_RANK" = 1 ]; then data=/nonexistent/prefs.h5; else data=$0; fi;
  exec "$1" train rm --config "$2" --out "$3" --set data.path=$data --set train.max_steps=3 --set model.hidden_size=32 \
    --set model.intermediate_size=64' "$work/rank0.h5" "$rgtg" "$root/configs/rm/demo-prefix.yaml" "$work/fail" \
  > "$work/fail.log" 2>&1
code=$?
elapsed=$(( $(date +%s) - start ))
[ "$code" -ne 0 ] && [ "$code" -ne 124 ] && grep -q "rank 1 failed" "$work/fail.log" \
  && pass "a failing rank stops the job in ${elapsed}s with: $(grep -m1 'rank 1 failed' "$work/fail.log" | cut -c1-90)" \
  || fail "failing rank (exit $code after ${elapsed}s): $(cat "$work/fail.log")"

finish "train under mpirun"
