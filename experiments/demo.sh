#!/usr/bin/env bash
# The walking skeleton on the embedded WordNet "define" task: data -> SFT LM, a partial (prefix) RM and
# a full-sequence RM on the same half of the pairs (the guides of PARGS and ARGS), and a held-apart
# full-sequence evaluation RM on the other half -> top-k, ARGS and PARGS decoding -> rewards under the
# evaluation RM -> one table. Usage: experiments/demo.sh [RGTG_BINARY] [OUT_DIR] [SIZE: full|tiny]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rgtg=${1:-$here/build/rgtg}
out=${2:-runs/demo}
size=${3:-full}
cfg=$here/configs

if [ "$size" = tiny ]; then
  # seconds, for the command-level test
  data_args=(--pairs 400 --test 12 --valid 40 --vocab 400)
  steps=(--set train.max_steps=30 --set train.micro_batch=8 --set model.hidden_size=32
         --set model.intermediate_size=64 --set model.num_hidden_layers=1 --set train.eval_pairs=16)
  decode_args=(--max-new-tokens 12)
else
  data_args=()
  steps=()
  decode_args=()
fi
common=(--set "data.path=$out/data/prefs.h5" --set "data.tokenizer=$out/data/tokenizer.model")

echo "== 1. data: WordNet glosses -> $out/data"
"$rgtg" data demo --out "$out/data" "${data_args[@]}"
echo "== 2. training: SFT LM, partial RM (prefix pairs), full RM (same pairs), evaluation RM (full, other half)"
"$rgtg" train sft --config "$cfg/sft/demo.yaml" --out "$out/lm" "${common[@]}" "${steps[@]}"
"$rgtg" train rm --config "$cfg/rm/demo-prefix.yaml" --out "$out/rm" "${common[@]}" "${steps[@]}"
"$rgtg" train rm --config "$cfg/rm/demo-full.yaml" --out "$out/rm-full" "${common[@]}" "${steps[@]}" \
  --set train.shard=0 --set train.seed=2
"$rgtg" train rm --config "$cfg/rm/demo-full.yaml" --out "$out/rm-eval" "${common[@]}" "${steps[@]}"
echo "== 3. decoding the held-out prompts: top-k, ARGS and PARGS (k=10) with candidate scoring"
decode=(--config "$cfg/decode/demo.yaml" --lm "$out/lm/final" --data "$out/data/prefs.h5" "${decode_args[@]}")
"$rgtg" decode "${decode[@]}" --method topk --out "$out/generations-topk.jsonl"
"$rgtg" decode "${decode[@]}" --method args --rm "$out/rm-full/final" --out "$out/generations-args.jsonl"
"$rgtg" decode "${decode[@]}" --method pargs --rm "$out/rm/final" --out "$out/generations-pargs.jsonl"
echo "== 4. evaluation under the held-apart RM"
"$rgtg" eval score --rm "$out/rm-eval/final" --gens "$out/generations-topk.jsonl"
"$rgtg" eval score --rm "$out/rm-eval/final" --gens "$out/generations-args.jsonl"
"$rgtg" eval score --rm "$out/rm-eval/final" --gens "$out/generations-pargs.jsonl"
"$rgtg" eval table --gens "$out/generations-topk.jsonl" --gens "$out/generations-args.jsonl" \
  --gens "$out/generations-pargs.jsonl" --out "$out/table.md"
