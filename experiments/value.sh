#!/usr/bin/env bash
# The CD-FUDGE value function on the demo's models, stage by stage through files: the SFT LM samples
# two responses per training prompt (decode, two seeds), the held-apart evaluation RM scores them and
# the dataset's chosen responses (eval score --reference), and train value regresses the scores onto
# every prefix (configs/value/demo.yaml). Run experiments/demo.sh first.
# Usage: experiments/value.sh [RGTG_BINARY] [DEMO_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rgtg=${1:-$here/build/rgtg}
demo=${2:-runs/demo}

for seed in 5 6; do
  gens="$demo/value-gens-$seed.jsonl"
  "$rgtg" decode --lm "$demo/lm/final" --data "$demo/data/prefs.h5" --split train --limit 1000 --method topk \
    --k 20 --max-new-tokens 40 --seed "$seed" --out "$gens"
  "$rgtg" eval score --rm "$demo/rm-eval/final" --gens "$gens" --reference
done
"$rgtg" train value --config "$here/configs/value/demo.yaml" --out "$demo/value" \
  --set "data.path=$demo/data/prefs.h5" --set "data.tokenizer=$demo/data/tokenizer.model" \
  --set "data.value_gens=[$demo/value-gens-5.jsonl, $demo/value-gens-6.jsonl]"
