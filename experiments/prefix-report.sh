#!/usr/bin/env bash
# The paper's Theorem 1 made visible on a real preference sample: a full-sequence RM and a partial
# (prefix) RM trained on the same pairs, then held-out accuracy on complete responses and on prefixes
# cut at 25/50/75% of the longer response. Usage:
#   experiments/prefix-report.sh [RGTG] [INPUT...]   (default: ../shared/data/ultrafeedback/*.jsonl)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rgtg=${1:-$root/build/rgtg}
shift || true
inputs=("$@")
[ ${#inputs[@]} -gt 0 ] || inputs=("$root/../shared/data/ultrafeedback/train.jsonl" "$root/../shared/data/ultrafeedback/eval.jsonl")
out=${OUT:-runs/prefix-report}
steps=${STEPS:-600}
mkdir -p "$out"
"$rgtg" data tokenizer --input "${inputs[@]}" --vocab 4000 --out "$out/tok.model" > /dev/null
"$rgtg" data prepare --input "${inputs[@]}" --tokenizer "$out/tok.model" --out "$out/prefs.h5" \
  --max-len 256 --truncate right --split 0.85,0.15,0 --seed 1
"$rgtg" data expand --in "$out/prefs.h5" --ratio 2 > /dev/null
common=(--set "data.path=$out/prefs.h5" --set "data.tokenizer=$out/tok.model" --set train.shards=1 --set train.shard=0
        --set train.max_len=320 --set model.max_position_embeddings=512 --set train.micro_batch=16
        --set train.max_steps="$steps" --set train.eval_pairs=0)
for objective in full prefix dense; do
  "$rgtg" train rm --config "$root/configs/rm/demo-prefix.yaml" --out "$out/rm-$objective" "${common[@]}" \
    --set train.objective=$objective 2>/dev/null | tail -1
done
for objective in full prefix dense; do
  echo "== $objective RM"
  "$rgtg" eval prefix-accuracy --rm "$out/rm-$objective/final" --data "$out/prefs.h5" --split valid --max-len 320
done
