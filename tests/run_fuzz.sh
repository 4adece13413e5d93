#!/usr/bin/env bash
# Builds the readers' libFuzzer target with clang (ASan + UBSan) and runs it for a fixed time over the
# seed corpus in tests/fuzz_corpus/. Usage: run_fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-20}
work=$(mktemp -d /tmp/rgtg-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$root"
clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I. tests/fuzz_readers.c \
  data/readers.c data/line_stream.c data/html_entities.c data/read_*.c core/status.c \
  -ljansson -lz -o "$work/fuzz_readers"
mkdir "$work/corpus"
# new inputs go to the scratch corpus; the seeds are read from the source tree
"$work/fuzz_readers" -max_total_time="$seconds" -rss_limit_mb=1024 -print_final_stats=1 \
  "$work/corpus" "$root/tests/fuzz_corpus" 2>&1 | tail -5
echo "fuzz_readers: no crash in ${seconds}s"
