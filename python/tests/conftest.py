"""Shared by the Python tests: the `butterfly` CLI they compare with, and a reader of its safetensors files."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def cli() -> Path:
    """The CLI binary: $BUTTERFLY_BIN (scripts/test.sh sets it; missing then is a failure), else the
    workspace's release build, else the test is skipped (build it with `cargo build --release -p butterfly-cli`)."""
    named = os.environ.get("BUTTERFLY_BIN")
    if named:
        assert Path(named).is_file(), f"BUTTERFLY_BIN={named} does not exist"
        return Path(named)
    built = ROOT / "target" / "release" / "butterfly"
    if not built.is_file():
        pytest.skip(f"no {built}: build the CLI to compare with it")
    return built


def run_cli(cli: Path, *args, cwd=None) -> str:
    done = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a safetensors file (the format: u64 header length, JSON header, raw little-endian data)."""
    data = Path(path).read_bytes()
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    dtypes = {"F32": np.float32, "F64": np.float64, "U64": np.uint64}
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + start:8 + n + end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


from butterfly.stabilizers import BEMA, EMA, PowerEMA, Tail  # noqa: E402

#: The tiny run's updates and stabilizers (every kind, every knob).
STEPS = 12
SPECS = [
    EMA(alpha=0.5, gamma_min=0.05, burn_in=2),
    EMA(gamma=0.3, burn_in=1),
    EMA(alpha=0.7, burn_in=1, every=3, count_from="start"),
    BEMA(burn_in=3, every=2),
    Tail(burn_in=4),
    PowerEMA(sigma_rel=0.05),
    PowerEMA(sigma_rel=0.12),
]


def toml_value(v):
    return f'"{v}"' if isinstance(v, str) else repr(v)


@pytest.fixture(scope="session")
def tiny_run(cli, tmp_path_factory):
    """A linear-system BC run of 12 updates evaluated (and so kept) at every step, then `butterfly stabilize`."""
    config = (ROOT / "configs" / "linear-bc.toml").read_text().split("# Stabilizers")[0]
    config = config.replace("steps = 20000", f"steps = {STEPS}").replace("trajectories = 20", "trajectories = 2")
    config = config.replace("validation_trajectories = 4", "validation_trajectories = 1")
    config = config.replace("threads = 1 ", "threads = 2 ").replace("hidden = [64, 64]", "hidden = [8, 8]")
    for spec in SPECS:
        config += "\n[[stabilizers]]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in spec.items())
    config += "\n[eval]\nevery = 1\ninitial_conditions = 2\nhorizon = 5\nseed = 1\nthreads = 1\nlog_every = 1\n"
    path = tmp_path_factory.mktemp("cfg") / "tiny.toml"
    path.write_text(config)
    out = tmp_path_factory.mktemp("run") / "tiny"
    run_cli(cli, "bc", "train", path, "--out", out)
    run_cli(cli, "stabilize", out, "--sigma-rel", "0.08", "0.2")
    return out


