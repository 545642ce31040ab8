"""A run directory's CSV logs as pandas DataFrames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def read_run(directory) -> dict[str, pd.DataFrame]:
    """Every CSV log of the run in ``directory`` by name (``eval``, ``metrics``, ``validation``, …); the logs
    that ``butterfly stabilize`` wrote for post-hoc variants come as ``posthoc/<name>``."""
    root = Path(directory)
    if not (root / "config.toml").is_file():
        raise FileNotFoundError(f"{root} is not a run directory (it has no config.toml)")
    logs = {path.stem: pd.read_csv(path) for path in sorted(root.glob("*.csv"))}
    logs.update({f"posthoc/{path.stem}": pd.read_csv(path) for path in sorted(root.glob("posthoc/*.csv"))})
    return logs
