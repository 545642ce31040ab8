#!/usr/bin/env python3
"""The three evidence tables of docs/results.md's stabilizer section, read from the runs of
configs/sweeps/demo-stabilizers.toml after `butterfly stabilize` added their post-hoc variants:

    butterfly sweep configs/sweeps/demo-stabilizers.toml --out DIR --jobs 2
    for k in 0 1 2 3 4; do
      butterfly stabilize DIR/stabilizers/seed$k --sigma-rel 0.03 0.05 0.075 0.1 0.15 0.2 --lawa 2 5 10
    done
    .venv/bin/python scripts/stabilizer-evidence.py DIR

Post-hoc EMAs are judged against the same widths tracked directly in DIR/yardsticks/seed<k>, whose raw
iterates are the same as DIR/stabilizers/seed<k>'s (a stabilizer never changes the raw iterate).

Metrics as `butterfly report` defines them (docs/diagnostics.md): osc = mean |J_{k+1} - J_k| / |J_expert| over
consecutive evaluations, falls = share of single rollouts below half the expert's return from the same initial
condition, level = mean J / J_expert. Intervals: 95 % Student-t over seeds, paired by seed.
"""

import csv
import json
import struct
import sys
from pathlib import Path

import numpy as np

T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]
RECONSTRUCTED = ["0.03", "0.075", "0.15"]
CANDIDATES = [f"posthoc_s{s}" for s in ["0.03", "0.05", "0.075", "0.1", "0.15", "0.2"]] + [
    f"lawa_k{k}" for k in [2, 5, 10]
]
BURN_IN = 3000


def interval(xs):
    xs = np.asarray(xs, dtype=float)
    if len(xs) < 2:
        return f"{xs.mean():.4f}"
    half = T975[len(xs) - 2] * xs.std(ddof=1) / np.sqrt(len(xs))
    return f"{xs.mean():+.4f} [{xs.mean() - half:+.4f}, {xs.mean() + half:+.4f}]".replace("-", "−")


def rows(run, name):
    """A run's log rows followed by those `butterfly stabilize` wrote for it."""
    out = []
    for path in [run / name, run / "posthoc" / name]:
        if path.exists():
            with open(path) as f:
                out.extend(csv.DictReader(f))
    return out


def returns(run):
    """(step, variant) -> returns by initial condition."""
    table = {}
    for r in rows(run, "eval.csv"):
        table.setdefault((int(r["step"]), r["variant"]), {})[int(r["ic"])] = float(r["return"])
    return {k: np.array([v[i] for i in sorted(v)]) for k, v in table.items()}


def validation(run):
    return {(int(r["step"]), r["variant"]): float(r["val_loss"]) for r in rows(run, "validation.csv")}


def expert(run):
    with open(run / "expert.csv") as f:
        return np.array([float(r["return"]) for r in csv.DictReader(f)])


def params(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        out[name] = np.frombuffer(data[lo:hi], dtype=np.float32).astype(np.float64)
    return out


def curve(ret, variant, steps):
    return np.array([ret[(s, variant)].mean() for s in steps])


def osc(c, j_expert):
    return np.abs(np.diff(c)).mean() / abs(j_expert)


def main(out):
    # The runs `butterfly stabilize` has finished with (all of them once every command has run).
    runs = sorted((out / "stabilizers").glob("seed*"), key=lambda p: int(p.name[4:]))
    runs = [r for r in runs if (r / "posthoc" / "validation.csv").exists()]
    if not runs:
        sys.exit(f"no run under {out / 'stabilizers'} has post-hoc variants yet: run butterfly stabilize first")
    data = [(run, returns(run), validation(run), expert(run)) for run in runs]
    steps = sorted({s for (s, v) in data[0][1] if v == "raw"})
    print(f"{len(runs)} seeds, evaluations at {steps[0]}..{steps[-1]} ({len(steps)})\n")

    print("Reconstruction against the same width tracked directly, over kept steps ≥ 6000 (mean over steps,")
    print("then over seeds):\n")
    print("| σ_rel | relative parameter error | raw's distance, for scale | |ΔJ_H| / J_expert | raw's | |Δ val loss| | raw's |")
    print("|---|---|---|---|---|---|---|")
    late = [s for s in steps if s >= 6000]
    for sigma in RECONSTRUCTED:
        rec, tracked = f"posthoc_s{sigma}", f"power-{sigma}"
        err, raw_err, dj, raw_dj, dv, raw_dv = ([] for _ in range(6))
        for run, ret, val, exp in data:
            yard = out / "yardsticks" / run.name
            y_ret, y_val = returns(yard), validation(yard)
            e, re_, j, rj, v, rv = [], [], [], [], [], []
            for s in late:
                p = params(run / "checkpoints" / f"params_{s:08d}.safetensors")
                y = params(yard / "checkpoints" / f"params_{s:08d}.safetensors")
                assert np.array_equal(p["raw"], y["raw"]), f"{run} and {yard} trained different raw iterates"
                norm = np.linalg.norm(y[tracked])
                e.append(np.linalg.norm(p[rec] - y[tracked]) / norm)
                re_.append(np.linalg.norm(p["raw"] - y[tracked]) / norm)
                j.append(abs(ret[(s, rec)].mean() - y_ret[(s, tracked)].mean()) / abs(exp.mean()))
                rj.append(abs(ret[(s, "raw")].mean() - y_ret[(s, tracked)].mean()) / abs(exp.mean()))
                v.append(abs(val[(s, rec)] - y_val[(s, tracked)]))
                rv.append(abs(val[(s, "raw")] - y_val[(s, tracked)]))
            for acc, xs in zip([err, raw_err, dj, raw_dj, dv, raw_dv], [e, re_, j, rj, v, rv]):
                acc.append(np.mean(xs))
        cells = [f"{np.mean(x):.2e}" for x in [err, raw_err, dj, raw_dj, dv, raw_dv]]
        print(f"| {sigma} | " + " | ".join(cells) + " |")

    print("\nBEMA and the EMA against the raw iterate: osc, falls and level over the second half (from 15 000),")
    print("and J_H / J_expert at the first two evaluations after the burn-in (lag shows there); stabilizer − raw:\n")
    second = [s for s in steps if s >= 15000]
    first_after = [s for s in steps if s > BURN_IN][:2]
    print("| curve | osc | falls | level | J_H/J_expert at " + " and ".join(map(str, first_after)) + " |")
    print("|---|---|---|---|---|")

    def metrics(ret, exp, variant):
        c = curve(ret, variant, second)
        fall = np.mean([(ret[(s, variant)] < exp - 0.5 * np.abs(exp)).mean() for s in second])
        early = np.mean([ret[(s, variant)].mean() for s in first_after]) / exp.mean()
        return osc(c, exp.mean()), fall, c.mean() / exp.mean(), early

    raw = np.array([metrics(ret, exp, "raw") for _, ret, _, exp in data])
    print("| raw | " + " | ".join(f"{x:.3f}" for x in raw.mean(axis=0)) + " |")
    for variant in ["ema", "bema"]:
        m = np.array([metrics(ret, exp, variant) for _, ret, _, exp in data])
        print(f"| {variant} − raw | " + " | ".join(interval(m[:, i] - raw[:, i]) for i in range(4)) + " |")

    print("\nChosen after training: per run, the post-hoc EMA or LAWA with the least osc over the first half of")
    print("the evaluations after the burn-in, judged on the second half, against the tracked EMA there:\n")
    halves = [s for s in steps if s > BURN_IN]
    first, last = halves[: len(halves) // 2], halves[len(halves) // 2 :]
    print("| seed | chosen | its osc, first half | its osc, second half | tracked EMA's, second half |")
    print("|---|---|---|---|---|")
    diffs = []
    for run, ret, _, exp in data:
        candidates = [c for c in CANDIDATES if (first[0], c) in ret]
        chosen = min(candidates, key=lambda c: osc(curve(ret, c, first), exp.mean()))
        mine, ema = osc(curve(ret, chosen, last), exp.mean()), osc(curve(ret, "ema", last), exp.mean())
        first_osc = osc(curve(ret, chosen, first), exp.mean())
        print(f"| {run.name[4:]} | {chosen} | {first_osc:.3f} | {mine:.3f} | {ema:.3f} |")
        diffs.append(mine - ema)
    print(f"\nchosen − tracked EMA, second half: {interval(diffs)}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]).expanduser())
