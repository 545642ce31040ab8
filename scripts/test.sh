#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (quick when done), then every test of the workspace,
# including the conformance tests against the real Gymnasium in .venv.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh"
cd "$root"
cargo test --release --workspace
