#!/bin/bash
# tests/run_dist_fail.sh: runs tests/test_dist_fail.c's binary under `mpirun -np 2` and checks that a
# rank calling rgtg_dist_abort ends the whole job quickly: non-zero exit, no timeout, rank 1's
# message printed once, and rank 0 never got past the barrier.
# Usage: run_dist_fail.sh PATH/TO/test_dist_fail [MPIRUN]
set -u
exe=${1:?usage: run_dist_fail.sh PATH/TO/test_dist_fail [MPIRUN]}
mpirun=${2:-mpirun}
limit=60

start=$(date +%s)
output=$(timeout "$limit" "$mpirun" --allow-run-as-root --oversubscribe -np 2 "$exe" 2>&1)
rc=$?
elapsed=$(( $(date +%s) - start ))
printf '%s\n' "$output" | sed 's/^/    | /'

fail() { echo "FAIL run_dist_fail.sh: $*"; exit 1; }
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "mpirun did not end within ${limit}s (a rank hangs after the abort)"
[ "$rc" -ne 0 ] || fail "mpirun exited 0 after rank 1 aborted"
[ "$elapsed" -le 30 ] || fail "the job took ${elapsed}s to end"
count=$(printf '%s\n' "$output" | grep -c '^rgtg: rank 1/2: test_dist_fail.c: rank 1 gives up on purpose$')
[ "$count" -eq 1 ] || fail "expected rank 1's abort message once, found it $count times"
if printf '%s\n' "$output" | grep -q 'passed the barrier'; then fail "a rank got past a barrier that rank 1 never reached"; fi
echo "ok   run_dist_fail.sh: mpirun exited $rc (the abort code is 3) after ${elapsed}s with rank 1's message"
