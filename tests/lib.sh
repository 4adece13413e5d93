# tests/lib.sh: what the shell tests share: the failure counter, pass/fail lines, expect_error and the
# closing summary. Source it with `. "$(dirname "$0")/lib.sh"`; expect_error needs $work (a scratch dir).
failures=0
pass() { echo "ok   $1"; }
fail() { echo "FAIL $1"; failures=$((failures + 1)); }

# expect_error DESCRIPTION TEXT COMMAND...: passes when the command exits non-zero (not killed by a
# signal) with exactly one line on stderr, containing TEXT.
expect_error() {
  local what=$1 text=$2 code
  shift 2
  "$@" > "$work/out" 2> "$work/err"
  code=$?
  if [ "$code" -eq 0 ]; then fail "$what: exit 0"; return; fi
  if [ "$code" -ge 128 ]; then fail "$what: killed by signal $((code - 128)): $(cat "$work/err")"; return; fi
  if grep -q -- "$text" "$work/err" && [ "$(wc -l < "$work/err")" -eq 1 ]; then pass "$what"
  else fail "$what: stderr was: $(cat "$work/err")"; fi
}

# finish NAME: prints "NAME: N failure(s)"; the status is 0 only when nothing failed.
finish() {
  echo "$1: $failures failure(s)"
  [ "$failures" -eq 0 ]
}
