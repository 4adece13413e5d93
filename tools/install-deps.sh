#!/usr/bin/env bash
# Installs, as root on Debian 12, every package that rgtg's build, tests, demo and bench need.
# Idempotent: does nothing when everything is present. Makes libtorch use OpenBLAS (DESIGN.md, BLAS).
set -euo pipefail

packages=(
  build-essential pkg-config meson ninja-build clang libclang-rt-14-dev time
  libtorch-dev libopenblas0-openmp libopenblas-openmp-dev
  libsentencepiece-dev sentencepiece
  libhdf5-dev hdf5-tools libopenmpi-dev openmpi-bin
  libjansson-dev libyaml-dev zlib1g-dev libssl-dev
  python3-torch python3-numpy python3-h5py python3-scipy python3-nltk
  wordnet-base
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages (${missing[*]}); run this script as root" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
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
