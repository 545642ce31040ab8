#!/usr/bin/env bash
# One-time set-up, quick when repeated: OpenBLAS and HDF5, the Python venv (reference Gymnasium and the MuJoCo
# wheel that carries libmujoco; maturin and pandas for the Python package), the library directory mujoco-rs
# links against, the cargo config that points at it, and the Python package python/ (`import butterfly`)
# built into the venv. `--test` (scripts/test.sh) adds what only the tests need to the venv: minari with h5py
# (and jax, for its DataCollector) for the Minari round trips, TensorBoard, whose own reader reads our event
# files, and pytest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

MUJOCO_VERSION=3.17.0
GYMNASIUM_VERSION=1.4.0
MINARI_VERSION=0.5.4
H5PY_VERSION=3.16.0
TENSORBOARD_VERSION=2.21.0
MATURIN_VERSION=1.16.0
PYTEST_VERSION=9.2.0
PANDAS_VERSION=3.1.2
venv="$root/.venv"
stamp="$venv/.butterfly-requirements"
base="mujoco==$MUJOCO_VERSION gymnasium[mujoco]==$GYMNASIUM_VERSION maturin==$MATURIN_VERSION pandas==$PANDAS_VERSION"
extras="minari[create,hdf5]==$MINARI_VERSION h5py==$H5PY_VERSION tensorboard==$TENSORBOARD_VERSION pytest==$PYTEST_VERSION"
want="$base"
if [ "${1:-}" = --test ]; then want="$base $extras"; fi

# 0. OpenBLAS, the GEMM under the MLP engine (Debian's libopenblas-dev; linked as -lopenblas).
# (grep reads the whole list: `grep -q` would stop early, and ldconfig's SIGPIPE fail the pipe under pipefail.)
if ! ldconfig -p 2>/dev/null | grep 'libopenblas\.so ' >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing libopenblas-dev"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev >/dev/null
  else
    echo "setup: OpenBLAS is missing: install libopenblas-dev (e.g. sudo apt-get install libopenblas-dev) and rerun" >&2
    exit 1
  fi
fi

# 0b. HDF5, under the Minari datasets (crates/minari reads and writes them through hdf5-metno, which links
#     Debian's libhdf5; HDF5_DIR points it at another installation).
if [ -z "${HDF5_DIR:-}" ] && ! pkg-config --exists hdf5 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing libhdf5-dev"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libhdf5-dev pkg-config >/dev/null
  else
    echo "setup: HDF5 is missing: install libhdf5-dev (e.g. sudo apt-get install libhdf5-dev pkg-config) and rerun" >&2
    exit 1
  fi
fi

# 1. The venv: reference Gymnasium for conformance tests and benchmarks, and the source of libmujoco and the XML.
# A venv made with the test extras serves the plain set-up too.
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$have" != "$want" ] && [ "$have" != "$base $extras" ]; then
  echo "setup: making $venv with $want"
  command -v python3 >/dev/null || { echo "setup: python3 is missing; install Python 3.10+ and rerun" >&2; exit 1; }
  python3 -m venv "$venv"
  # The requirement lists split into words on purpose; `gymnasium[mujoco]` must not glob.
  set -f
  # shellcheck disable=SC2086
  "$venv/bin/pip" install --quiet --disable-pip-version-check $want
  set +f
  echo "$want" > "$stamp"
fi
site=$("$venv/bin/python" -c 'import mujoco, os; print(os.path.dirname(mujoco.__file__))')

# 2. The library directory: outside target/ so that `cargo clean` and a shared CARGO_TARGET_DIR keep it,
#    and shared by every clone so that their builds (and rustflags) are identical.
libdir="${BUTTERFLY_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/butterfly}/mujoco-$MUJOCO_VERSION/lib"
if [ ! -f "$libdir/libmujoco.so.$MUJOCO_VERSION" ] || ! cmp -s "$site/libmujoco.so.$MUJOCO_VERSION" "$libdir/libmujoco.so.$MUJOCO_VERSION"; then
  echo "setup: placing libmujoco.so.$MUJOCO_VERSION in $libdir"
  mkdir -p "$libdir"
  cp "$site/libmujoco.so.$MUJOCO_VERSION" "$libdir/libmujoco.so.$MUJOCO_VERSION.tmp"
  mv "$libdir/libmujoco.so.$MUJOCO_VERSION.tmp" "$libdir/libmujoco.so.$MUJOCO_VERSION"
fi
ln -sfn "libmujoco.so.$MUJOCO_VERSION" "$libdir/libmujoco.so"

# 3. Cargo config: mujoco-rs reads MUJOCO_DYNAMIC_LINK_DIR; the rpath lets binaries and tests find the library.
config="$root/.cargo/config.toml"
mkdir -p "$root/.cargo"
new_config="# Written by scripts/setup.sh; rerun it after moving the library directory.
[env]
MUJOCO_DYNAMIC_LINK_DIR = \"$libdir\"

[build]
rustflags = [\"-C\", \"link-arg=-Wl,-rpath,$libdir\"]
"
if [ ! -f "$config" ] || [ "$(cat "$config")" != "$new_config" ]; then
  printf '%s' "$new_config" > "$config"
fi

# 4. The Python package (python/: butterfly._native built by maturin, the pure-Python butterfly/ beside it,
#    installed in development mode so Python edits need no rebuild). Skipped when the Rust sources it is
#    built from (every crate's, tests aside) are those of the last build: a stamp of their hash.
py_stamp="$venv/.butterfly-python"
py_hash=$(find python crates Cargo.toml Cargo.lock -path python/butterfly -prune -o -name tests -prune -o \
  -type f \( -name '*.rs' -o -name '*.toml' -o -name Cargo.lock \) -print0 | sort -z | xargs -0 sha256sum | sha256sum)
if [ ! -f "$py_stamp" ] || [ "$(cat "$py_stamp")" != "$py_hash" ]; then
  echo "setup: building the Python package (python/) into $venv"
  (cd python && VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" maturin develop --release --quiet)
  echo "$py_hash" > "$py_stamp"
fi
