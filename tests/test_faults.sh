#!/usr/bin/env bash
# Fault tests on tiny models: what a hostile user or a bad day does to rgtg, and the clear refusal
# each gets (issue 11). Every case fails with one line naming the problem and leaves nothing behind.
# The disk-full cases mount small tmpfs filesystems and need root (skipped with a message otherwise).
# Usage: test_faults.sh PATH/TO/rgtg
set -uo pipefail
rgtg=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/rgtg-faults.XXXXXX)
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
cfg=$root/configs

# nothing_in DIR: passes when DIR is absent or empty
nothing_in() { [ ! -e "$1" ] || [ -z "$(ls -A "$1")" ]; }

"$rgtg" data demo --out "$work/data" --pairs 400 --test 12 --valid 40 --vocab 400 > /dev/null || { echo "FAIL data"; exit 1; }
tok=$work/data/tokenizer.model

# ---- 3. a full disk: data prepare and data expand fail with one line and leave nothing
$py - "$work/random.jsonl" <<'EOF'
import json, random, sys
random.seed(5)
word = lambda: "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(2, 8)))
text = lambda n: " ".join(word() for _ in range(n))
with open(sys.argv[1], "w") as f:
    for _ in range(8000):
        f.write(json.dumps({"prompt": text(10), "chosen": text(12), "rejected": text(12)}) + "\n")
EOF
# small_disk NAME: a 200 KiB tmpfs at $work/NAME; false when it cannot be mounted
small_disk() {
  mkdir -p "$work/$1" && mount -t tmpfs -o size=200k tmpfs "$work/$1" 2>/dev/null && mounts+=("$work/$1")
}
if [ "$(id -u)" -ne 0 ]; then
  echo "skip disk-full cases: mounting a small tmpfs needs root"
elif ! small_disk full1; then
  echo "skip disk-full cases: mount -t tmpfs failed (no permission in this container?)"
else
  # 8000 pairs (about 1.4 MiB) fail in a dataset write; 1200 (about 230 KiB) when the file is closed
  for limit in 0 1200; do
    rm -rf "${work:?}"/full1/*
    expect_error "data prepare on a full disk (--limit $limit)" "No space left on device" \
      "$rgtg" data prepare --input "$work/random.jsonl" --tokenizer "$tok" --out "$work/full1/prefs.h5" --limit $limit
    nothing_in "$work/full1" && pass "  ... and leaves nothing" || fail "  ... left $(ls "$work/full1")"
  done
  # expansion rewrites the file: a 130 KiB file cannot be copied on a 200 KiB disk
  "$rgtg" data prepare --input "$work/random.jsonl" --tokenizer "$tok" --out "$work/r600.h5" --limit 600 > /dev/null
  rm -rf "${work:?}"/full1/*
  cp "$work/r600.h5" "$work/full1/prefs.h5"
  expect_error "data expand on a full disk" "No space left on device" \
    "$rgtg" data expand --in "$work/full1/prefs.h5" --ratio 2
  [ "$(ls "$work/full1")" = prefs.h5 ] && cmp -s "$work/r600.h5" "$work/full1/prefs.h5" \
    && pass "  ... and leaves the file as it was, no temporary file" || fail "  ... left $(ls "$work/full1")"
fi

finish "fault tests"
