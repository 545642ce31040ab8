#!/usr/bin/env bash
# The whole test suite on a fresh machine: set-up (quick when done), then every test of the workspace,
# including the conformance tests against the real Gymnasium in .venv, then the Python package's tests
# (pytest, python/tests; set-up built the package), which compare with the CLI that cargo test built.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --test
cd "$root"
# The Slurm test starts a one-node cluster: Debian's slurmctld, slurmd and munge, installed when missing (as
# root, with apt-get); elsewhere that test says in one line that it is skipped.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing slurmctld, slurmd and munge for the Slurm test"
    slurm="slurmctld slurmd munge"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $slurm >/dev/null 2>&1 \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $slurm >/dev/null; } \
      || echo "test: Slurm could not be installed; the Slurm test will say it is skipped"
  else
    echo "test: Slurm is missing and this is not root: the Slurm test will say it is skipped"
  fi
fi
cargo test --release --workspace
BUTTERFLY_BIN="${CARGO_TARGET_DIR:-$root/target}/release/butterfly" "$root/.venv/bin/python" -m pytest -q "$root/python/tests"
