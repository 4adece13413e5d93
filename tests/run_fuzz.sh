#!/usr/bin/env bash
# Builds one libFuzzer target with clang (ASan + UBSan) and runs it for a fixed time over its seed
# corpus in tests/fuzz_corpus/TARGET/ (new inputs go to a scratch corpus; a crash or a failed property
# makes the run fail and leaves the reproducer in build/fuzz-findings/). Usage: run_fuzz.sh TARGET [SECONDS]
# Targets: readers, safetensors, hf_config, config, generations. The mutation seed is fixed (RGTG_FUZZ_SEED,
# default 1) so that a run under make test repeats; set it to explore further.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
target=$1
seconds=${2:-20}
cd "$root" # before the source globs below
case $target in
  readers) sources=(data/readers.c data/line_stream.c data/html_entities.c data/read_*.c core/tok/utf8.c core/status.c); libs=(-ljansson -lz) ;;
  safetensors) sources=(core/safetensors.c core/json_file.c core/fsutil.c core/status.c); libs=(-ljansson -lcrypto) ;;
  hf_config) sources=(core/hf_config.c core/json_file.c core/model_config.c core/fsutil.c core/status.c)
    libs=(-ljansson -lcrypto -lm) ;;
  config) sources=(core/config.c core/tok/utf8.c core/fsutil.c core/status.c); libs=(-lyaml -lcrypto -lm) ;;
  generations) sources=(core/generations.c core/fsutil.c core/status.c); libs=(-ljansson -lcrypto -lm) ;;
  *) echo "run_fuzz.sh: unknown target '$target'" >&2; exit 2 ;;
esac
work=$(mktemp -d /tmp/rgtg-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -I. \
  "tests/fuzz_$target.c" "${sources[@]}" "${libs[@]}" -o "$work/fuzz_$target"
mkdir "$work/corpus"
findings=$root/build/fuzz-findings
mkdir -p "$findings"
# -rss_limit_mb: an input that makes a reader allocate without bound is a finding too
if ! "$work/fuzz_$target" -max_total_time="$seconds" -seed="${RGTG_FUZZ_SEED:-1}" -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$findings/$target-" "$work/corpus" "$root/tests/fuzz_corpus/$target" > "$work/log" 2>&1; then
  tail -40 "$work/log"
  echo "fuzz_$target: FAILED (reproducer in $findings/)"
  exit 1
fi
grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$work/log" | tail -2
echo "fuzz_$target: no crash in ${seconds}s"
