#!/usr/bin/env bash
# build/rgtg is the launcher without libtorch: it does not load libtorch, runs the model-free commands
# itself, hands the others to rgtg-torch beside it (same arguments, the exit status passed through),
# and says in one line when rgtg-torch is missing. Usage: test_launcher.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
torch_build=$(dirname "$rgtg")/rgtg-torch
work=$(mktemp -d /tmp/rgtg-launcher-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

needed() { readelf -d "$1" | grep NEEDED; }
needed "$rgtg" | grep -q 'libtorch\|libc10' && fail "rgtg loads libtorch: $(needed "$rgtg" | grep 'torch\|c10')" \
  || pass "rgtg does not load libtorch"
needed "$torch_build" | grep -q libtorch_cpu && pass "rgtg-torch does" || fail "rgtg-torch: $(needed "$torch_build")"

# a model-free command runs in the launcher; a model command runs in rgtg-torch, with its own options
"$rgtg" eval summarize --help > "$work/help" 2>&1 && grep -q -- "--diversity" "$work/help" \
  && pass "eval summarize runs in the launcher" || fail "eval summarize --help: $(cat "$work/help")"
"$rgtg" decode --help > "$work/help" 2>&1 && grep -q -- "--method" "$work/help" && grep -q "pargs-greedy" "$work/help" \
  && pass "decode is handed to rgtg-torch" || fail "decode --help: $(cat "$work/help")"
"$rgtg" version > "$work/version" 2>&1 && grep -q "^libtorch " "$work/version" \
  && pass "version (libtorch's) is handed over" || fail "version: $(cat "$work/version")"
# the exit status and the one-line error come back through the hand-off
expect_error "a failing model command keeps its status and line" "rgtg decode: " \
  "$rgtg" decode --lm "$work/none" --method topk --prompts "$work/none.jsonl" --out "$work/gens.jsonl"
[ ! -e "$work/gens.jsonl" ] && pass "and writes nothing" || fail "a failed decode wrote its output"

cp "$rgtg" "$work/rgtg"
expect_error "rgtg-torch missing" "cannot run $work/rgtg-torch, which holds the commands that use libtorch" \
  "$work/rgtg" train rm --help
"$work/rgtg" eval render --help > "$work/help" 2>&1 && pass "the launcher alone still runs its own commands" \
  || fail "a lone launcher: $(cat "$work/help")"
finish test_launcher
