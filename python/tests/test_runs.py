"""read_run, analyze and select against the CLI's files and JSON on the same tables."""

import json

import numpy as np
import pandas as pd
import pytest

import butterfly

from conftest import STEPS, run_cli


def evaluations() -> pd.DataFrame:
    """Two seeds × raw/ema × 8 evaluations × 4 initial conditions, with a wobbling raw curve."""
    rows = []
    for seed in (0, 1):
        for step in range(100, 900, 100):
            for variant, wobble in (("raw", 30.0), ("ema", 5.0)):
                for ic in range(4):
                    ret = 80 + step / 40 + wobble * np.sin(step / 70 + seed + ic) + 0.1 * ic
                    rows.append({"seed": seed, "step": step, "variant": variant, "ic": ic, "return": ret})
    return pd.DataFrame(rows)


def test_read_run(tiny_run):
    logs = butterfly.read_run(tiny_run)
    assert {"eval", "metrics", "validation"} <= set(logs)
    assert sorted(logs["eval"]["step"].unique()) == list(range(1, STEPS + 1))
    assert "posthoc/eval" in logs and set(logs["posthoc/eval"]["variant"]) == {"posthoc_s0.08", "posthoc_s0.2"}


@pytest.mark.parametrize("seeds", [[0], [0, 1]])
def test_analyze_is_the_cli_analyze(cli, tmp_path, seeds):
    table = evaluations()
    table = table[table["seed"].isin(seeds)]
    csv = tmp_path / "evaluations.csv"
    table.to_csv(csv, index=False, float_format="%.17g")
    want = json.loads(run_cli(cli, "analyze", csv, "--out", tmp_path / "cli", "--expert-return", 120, "--name", "evaluations", "--json"))
    got = butterfly.analyze(table, expert_return=120, out=tmp_path / "py")
    # The report directories differ by name only.
    assert json.dumps(got).replace(str(tmp_path / "py"), str(tmp_path / "cli")) == json.dumps(want)
    assert (tmp_path / "py" / ("report.md" if len(seeds) == 1 else "sweep.md")).is_file()


def test_select_is_the_cli_select(cli, tmp_path):
    table = evaluations()
    table = table[table["seed"] == 0].drop(columns="seed")
    csv = tmp_path / "evals.csv"
    table.to_csv(csv, index=False, float_format="%.17g")
    for args, kwargs in [
        (["--epsilon", 10, "--delta", 0.1], {}),
        (["--epsilon", 2, "--delta", 0.05, "--seed", 3, "--variants", "raw,ema", "--steps", "300,800"],
         {"seed": 3, "variants": ["raw", "ema"], "steps": [300, 800]}),
    ]:
        want = json.loads(run_cli(cli, "select", "--from-csv", csv, *args, "--json"))
        got = butterfly.select(table, float(args[1]), float(args[3]), **kwargs)
        assert got == want


def test_errors_are_one_clear_line(tmp_path, tiny_run):
    with pytest.raises(butterfly.ButterflyError, match="must be a finite number"):
        butterfly.analyze(evaluations(), expert_return=float("inf"))
    with pytest.raises(butterfly.ButterflyError, match="is inside the run"):
        butterfly.analyze(evaluations(), out=tiny_run / "analysis")
    assert not (tiny_run / "analysis").exists()
    with pytest.raises(FileNotFoundError, match="is not a run directory"):
        butterfly.read_run(tmp_path)
    with pytest.raises(butterfly.ButterflyError, match="has no 'return' column"):
        butterfly.select(pd.DataFrame({"step": [1], "variant": ["raw"], "ic": [0]}), 1.0, 0.1)
