#!/usr/bin/env bash
# Run here (with network to Debian's archive), before a GPU check: downloads the Debian packages the GPU
# machine lacks (DESIGN.md, Machines: jansson and libyaml headers, OpenSSL headers, PCRE2 and utf8proc for
# tokenizer.json, WordNet's data for the demo set) and unpacks them into .extra/ (ignored by git), which tools/device-check.sh points the
# build at. Carry .extra to the device machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$root/.extra/debs"
cd "$root/.extra/debs"
apt-get download libjansson-dev libyaml-dev libyaml-0-2 libssl-dev libpcre2-dev libpcre2-8-0 libutf8proc-dev \
  libutf8proc2 wordnet-base >/dev/null
for deb in *.deb; do dpkg-deb -x "$deb" "$root/.extra"; done
echo "unpacked into $root/.extra: $(ls "$root/.extra/usr/include" | tr '\n' ' ')"
