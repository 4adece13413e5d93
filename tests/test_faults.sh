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
# newest_step DIR: the step of the newest DIR/checkpoint-N (empty when there is none)
newest_step() { ls -d "$1"/checkpoint-* 2>/dev/null | sed 's/.*checkpoint-//' | sort -n | tail -1; }

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
  # 8000 pairs (about 1.2 MiB) fail in a dataset write; 1400 (about 225 KiB) when the file is closed
  for limit in 0 1400; do
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

# ---- training: a tiny LM and a 2-layer RM to work with
tiny=(--set "data.path=$work/data/prefs.h5" --set "data.tokenizer=$tok"
      --set model.hidden_size=32 --set model.intermediate_size=64 --set model.num_hidden_layers=2
      --set train.micro_batch=8 --set train.eval_pairs=16 --set train.log_every=1 --set train.threads=1)
"$rgtg" train sft --config "$cfg/sft/demo.yaml" --out "$work/lm" "${tiny[@]}" --set train.max_steps=2 > /dev/null 2>&1 \
  && "$rgtg" train rm --config "$cfg/rm/demo-full.yaml" --out "$work/rm" "${tiny[@]}" --set train.max_steps=2 > /dev/null 2>&1 \
  || { echo "FAIL the tiny models cannot be trained"; exit 1; }
rm_cmd=("$rgtg" train rm --config "$cfg/rm/demo-full.yaml" "${tiny[@]}")

# ---- 1. two runs into one --out: the second fails at once naming the first's pid; the first is intact
"${rm_cmd[@]}" --out "$work/shared" --set train.max_steps=100000 --set train.save_every=4 > /dev/null 2> "$work/first.err" &
first=$!
for _ in $(seq 1 600); do [ -s "$work/shared/metrics.jsonl" ] && break; sleep 0.1; done
expect_error "a second run into a locked --out names the holder" "in use by another rgtg process (pid $first)" \
  "${rm_cmd[@]}" --out "$work/shared" --set train.max_steps=3 --set train.seed=9
kill -TERM "$first"
wait "$first"
code=$?
ckpt=$(newest_step "$work/shared")
! grep -q 'seed: 9' "$work/shared/config.yaml" && [ "$code" -eq 130 ] && [ -n "$ckpt" ] \
  && pass "  ... and the first run goes on untouched (its config, its checkpoints)" || fail "  ... the first run (exit $code): $(cat "$work/first.err")"
"${rm_cmd[@]}" --out "$work/shared" --set train.max_steps=$(( ckpt + 2 )) --set train.save_every=4 --resume auto \
  > /dev/null 2>&1 && [ -s "$work/shared/final/tokenizer.model" ] && [ ! -e "$work/shared/.rgtg.lock" ] \
  && pass "  ... and completes, leaving no lock file" || fail "  ... the first run does not complete"

# ---- 12. metrics.jsonl after a resume: every step once, even after SIGKILL past the last checkpoint
"${rm_cmd[@]}" --out "$work/killed" --set train.max_steps=100000 --set train.save_every=5 > /dev/null 2>&1 &
victim=$!
for _ in $(seq 1 600); do [ -s "$work/killed/metrics.jsonl" ] && [ "$(wc -l < "$work/killed/metrics.jsonl")" -ge 13 ] && break; sleep 0.1; done
kill -KILL "$victim"
wait "$victim" 2> /dev/null
ckpt=$(newest_step "$work/killed")
rows_before=$(wc -l < "$work/killed/metrics.jsonl")
last=$(( ckpt + 3 ))
for _ in 1 2; do # resume, then resume the finished run
  "${rm_cmd[@]}" --out "$work/killed" --set train.max_steps=$last --set train.save_every=5 --resume auto > /dev/null 2>&1
done
$py - "$work/killed/metrics.jsonl" "$last" "$rows_before" <<'PY' && pass "metrics.jsonl after SIGKILL, a resume and a resume of the finished run: one row per step" || fail "duplicate metrics rows"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
train = [r["step"] for r in rows if "loss" in r]
evals = [r["step"] for r in rows if "eval_loss" in r]
last = int(sys.argv[2])
print(f"     {sys.argv[3]} rows when killed at checkpoint {last - 3}; now training rows for steps {train[0]}..{train[-1]}, evaluation rows at {evals}")
sys.exit(0 if train == list(range(1, last + 1)) and evals == [last] else 1)
PY

# ---- 13, 7, 8, 9: refused before anything is created
refuse() { # refuse DESCRIPTION TEXT ARGS...: a train rm run refused with TEXT, leaving no --out
  local what=$1 text=$2
  shift 2
  rm -rf "$work/refused"
  expect_error "$what" "$text" "${rm_cmd[@]}" --out "$work/refused" "$@"
  [ ! -e "$work/refused" ] && pass "  ... and creates no output directory" || fail "  ... left $(ls -A "$work/refused")"
}
refuse "train.lr=nan" "config key 'train.lr': expected a finite number > 0, got 'nan'" --set train.lr=nan
refuse "a negative train.lr (gradient ascent)" "config key 'train.lr': expected a finite number > 0, got '-0.001'" --set train.lr=-0.001
refuse "an empty --set train.lr= (never the built-in default)" "config key 'train.lr': expected a number, got an empty value" --set train.lr=
refuse "data.ratio=0" "config key 'data.ratio': expected a finite number > 0, got '0'" --set train.objective=prefix --set data.ratio=0
refuse "data.ratio=nan" "config key 'data.ratio': expected a finite number > 0, got 'nan'" --set train.objective=prefix --set data.ratio=nan
refuse "a tokenizer that differs from the data's" "differs from the one" --set "data.tokenizer=$work/lm/final/config.json"
"$rgtg" data prepare --input "$work/random.jsonl" --tokenizer "$tok" --out "$work/nosplit.h5" --split 1,0,0 --limit 100 > /dev/null
refuse "--split 1,0,0: no held-out pairs, refused before the first step" "the valid and test splits hold no pairs" \
  --set "data.path=$work/nosplit.h5"
rm -rf "$work/refused"
expect_error "a checkpoint to resume that is not there (found after --out is locked)" "nowhere" \
  "${rm_cmd[@]}" --out "$work/refused/a/b" --resume "$work/nowhere"
[ ! -e "$work/refused" ] && pass "  ... removes the directories it created for --out" || fail "  ... left $(find "$work/refused")"
mkdir -p "$work/existing"
expect_error "a refused run into an existing directory" "expected an integer >= 1" \
  "${rm_cmd[@]}" --out "$work/existing" --set train.max_steps=0
[ -d "$work/existing" ] && [ -z "$(ls -A "$work/existing")" ] && pass "  ... leaves it as it was: empty" || fail "  ... left $(ls -A "$work/existing")"

# a NaN loss with no checkpoint does not claim one is intact
"${rm_cmd[@]}" --out "$work/nan" --set train.max_steps=30 --set train.lr=1e30 --set train.grad_clip=0 \
  --set train.warmup_steps=0 > /dev/null 2> "$work/nan.err"
grep -q 'no checkpoint had been written' "$work/nan.err" && ! grep -q 'intact' "$work/nan.err" \
  && pass "a NaN loss without a checkpoint says there is none" || fail "NaN message: $(cat "$work/nan.err")"

# ---- 2, 11: the kind of model and its tokenizer at model.init; the kind at eval
expect_error "train dpo from a reward model" "is a reward model, not a language model" \
  "$rgtg" train dpo --config "$cfg/sft/demo.yaml" --out "$work/refused" "${tiny[@]}" --set "model.init=$work/rm/final"
expect_error "train sft from a reward model" "is a reward model, not a language model" \
  "$rgtg" train sft --config "$cfg/sft/demo.yaml" --out "$work/refused" "${tiny[@]}" --set "model.init=$work/rm/final"
expect_error "eval prefix-accuracy with a language model" "is a language model, not a reward model" \
  "$rgtg" eval prefix-accuracy --rm "$work/lm/final" --data "$work/data/prefs.h5"
# another tokenizer of the same vocabulary size: the same ids mean other text
head -300 "$work/random.jsonl" > "$work/few.jsonl"
"$rgtg" data tokenizer --input "$work/few.jsonl" --vocab 400 --out "$work/other.model" > /dev/null 2>&1
"$rgtg" data prepare --input "$work/few.jsonl" --tokenizer "$work/other.model" --out "$work/other.h5" > /dev/null
expect_error "model.init made with another tokenizer of the same size" "differs from the one $work/other.h5 was built with" \
  "${rm_cmd[@]}" --out "$work/refused" --set "data.path=$work/other.h5" --set "data.tokenizer=$work/other.model" \
  --set "model.init=$work/lm/final"
expect_error "eval prefix-accuracy on data made with another tokenizer" "differs from the one $work/other.h5 was built with" \
  "$rgtg" eval prefix-accuracy --rm "$work/rm/final" --data "$work/other.h5"
[ ! -e "$work/refused" ] && pass "  ... none of them created an output directory" || fail "  ... left $(ls -A "$work/refused")"

# ---- 9: command-line values are refused, not replaced
expect_error "prefix-accuracy --max-len -1" "--max-len must be 0" \
  "$rgtg" eval prefix-accuracy --rm "$work/rm/final" --data "$work/data/prefs.h5" --max-len -1

# ---- 4, 6, 14: model directories that are incomplete, do not match their config, or hold NaN
cp -r "$work/rm/final" "$work/notok" && rm "$work/notok/tokenizer.model"
expect_error "a model directory without its tokenizer" "incomplete model directory: tokenizer.json or tokenizer.model is missing" \
  "$rgtg" eval prefix-accuracy --rm "$work/notok" --data "$work/data/prefs.h5"
cp -r "$work/rm/final" "$work/onelayer"
$py - "$work/onelayer/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["num_hidden_layers"] = 1; json.dump(c, open(sys.argv[1], "w"))
PY
expect_error "a 2-layer checkpoint under a 1-layer config.json" "tensor 'model.layers.1.input_layernorm.weight' is not part of the model" \
  "$rgtg" eval prefix-accuracy --rm "$work/onelayer" --data "$work/data/prefs.h5"
cp -r "$work/rm/final" "$work/nanrm"
$py - "$work/nanrm/model.safetensors" <<'PY'
import struct, sys
with open(sys.argv[1], "r+b") as f:  # every weight byte 0xff: all NaN
    n = struct.unpack("<Q", f.read(8))[0]
    f.seek(0, 2); size = f.tell(); f.seek(8 + n); f.write(b"\xff" * (size - 8 - n))
PY
expect_error "all-NaN weights" "holds NaN or infinite values" \
  "$rgtg" eval prefix-accuracy --rm "$work/nanrm" --data "$work/data/prefs.h5"

# ---- 14: a prefs.h5 with flipped bytes is damaged, not "missing a dataset"
cp "$work/data/prefs.h5" "$work/flipped.h5"
$py - "$work/flipped.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    at = h5py.h5o.get_info(f["chosen"].id).addr  # the object header of group /chosen
with open(sys.argv[1], "r+b") as f:
    f.seek(at); b = f.read(8); f.seek(at); f.write(bytes(x ^ 0xff for x in b))
PY
expect_error "a prefs.h5 with flipped bytes" "the file is damaged" \
  "$rgtg" eval prefix-accuracy --rm "$work/rm/final" --data "$work/flipped.h5"

# ---- 4: a disk that fills while final/ is written leaves no final/ (never one without its tokenizer)
if [ "$(id -u)" -eq 0 ] && mkdir -p "$work/full2" && mount -t tmpfs -o size=100k tmpfs "$work/full2" 2>/dev/null; then
  mounts+=("$work/full2")
  "${rm_cmd[@]}" --out "$work/full2/run" --set train.max_steps=2 > /dev/null 2> "$work/err"
  code=$? # stderr also holds the progress line of the two steps
  [ "$code" -eq 1 ] && [ "$(grep -c '^rgtg ' "$work/err")" -eq 1 ] && grep -q 'No space left on device' "$work/err" \
    && pass "final/ on a disk that fills: one error line" || fail "final/ on a full disk (exit $code): $(cat "$work/err")"
  [ ! -e "$work/full2/run/final" ] && [ -z "$(ls -d "$work"/full2/run/.final* 2>/dev/null)" ] \
    && pass "  ... leaves no final/ and no temporary directory" || fail "  ... left $(ls -A "$work/full2/run")"
else
  echo "skip final/ on a full disk: mounting a small tmpfs needs root"
fi

finish "fault tests"
