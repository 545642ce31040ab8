#!/usr/bin/env python3
"""The evidence table of docs/selection.md: `butterfly select --from-csv` on the Figure-1 runs' eval.csv
against the protocols people use, with ground truth = each arm's mean over the table's initial conditions.

    scripts/select_evidence.py FIGURE1_DIR [--table select/seed100/exhaustive-100.csv] [--epsilon 100]
        [--delta 0.1] [--reps 50] [--bin target/release/butterfly]

FIGURE1_DIR holds seed*/eval.csv and seed*/validation.csv. The table is each run's eval.csv (its 20 initial
conditions) unless --table names one inside each seed directory, such as the 100 fresh initial conditions
`butterfly select RUN --exhaustive 100 --seed 100` writes; seeds without it are left out. With such a table,
choosing the best mean of the run's own 20-condition evaluations is a protocol beside the others. Tables
are copied (an evaluation still being written is cut to its complete steps) into a temporary directory,
never written.
"""

import argparse
import csv
import json
import pathlib
import random
import statistics
import subprocess
import tempfile
from collections import defaultdict


def read_table(path):
    """(step, variant) -> {ic: return}, complete steps only (every variant, every ic)."""
    arms = defaultdict(dict)
    with open(path) as f:
        for row in csv.DictReader(f):
            arms[(int(row["step"]), row["variant"])][row["ic"]] = float(row["return"])
    variants = {v for _, v in arms}
    ics = max(len(r) for r in arms.values())
    complete = {s for s, _ in arms if all(len(arms.get((s, v), {})) == ics for v in variants)}
    return {a: r for a, r in arms.items() if a[0] in complete}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("figure1")
    p.add_argument("--table", help="the ground-truth table, relative to each seed directory [default: eval.csv]")
    p.add_argument("--epsilon", type=float, default=100.0)
    p.add_argument("--delta", type=float, default=0.1)
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--few", type=int, default=5, help="episodes per arm of the cheap protocol")
    p.add_argument("--bin", default="target/release/butterfly")
    a = p.parse_args()
    eps = a.epsilon
    rows = []
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="select-evidence-"))
    for seed_dir in sorted(pathlib.Path(a.figure1).glob("seed*")):
        if a.table and not (seed_dir / a.table).exists():
            continue
        table = read_table(seed_dir / (a.table or "eval.csv"))
        truth = {arm: statistics.fmean(r.values()) for arm, r in table.items()}
        best = max(truth.values())
        copy = tmp / f"{seed_dir.name}.csv"
        with open(copy, "w") as f:
            f.write("step,variant,ic,return\n")
            for (step, variant), r in sorted(table.items()):
                f.writelines(f"{step},{variant},{ic},{x!r}\n" for ic, x in r.items())
        within, used = 0, 0
        for rep in range(a.reps):
            out = subprocess.run(
                [a.bin, "select", "--from-csv", str(copy), "--epsilon", str(eps), "--delta", str(a.delta),
                 "--seed", str(rep), "--json"], check=True, capture_output=True, text=True)
            s = json.loads(out.stdout)
            within += truth[(s["step"], s["variant"])] >= best - eps
            used += s["rollouts"]
            exhaustive = s["exhaustive_rollouts"]
        last = max(s for s, _ in table)
        val = {}
        with open(seed_dir / "validation.csv") as f:
            for row in csv.DictReader(f):
                arm = (int(row["step"]), row["variant"])
                if arm in truth:
                    val[arm] = float(row["val_loss"])
        by_val = min(val, key=val.get)
        by_val_raw = min((arm for arm in val if arm[1] == "raw"), key=val.get)
        # The run's own 20-condition evaluations as a protocol (the ground truth itself without --table).
        evals = read_table(seed_dir / "eval.csv")
        by_evals = max((arm for arm in evals if arm in truth), key=lambda arm: statistics.fmean(evals[arm].values()))
        rng = random.Random(0)
        few_within = 0
        ics = list(next(iter(table.values())))
        for _ in range(a.reps):
            pick = rng.sample(ics, a.few)
            chosen = max(table, key=lambda arm: statistics.fmean(table[arm][i] for i in pick))
            few_within += truth[chosen] >= best - eps
        rows.append({
            "run": seed_dir.name, "arms": len(table), "ics": len(ics), "best": best,
            "select_within": within / a.reps, "select_share": used / (a.reps * exhaustive),
            "last_raw": best - truth[(last, "raw")], "last_ema": best - truth[(last, "ema")],
            "val_all": best - truth[by_val], "val_raw": best - truth[by_val_raw],
            "few_within": few_within / a.reps, "evals": best - truth[by_evals],
        })
    print(f"ε = {eps:g}, δ = {a.delta:g}, {a.reps} repetitions; table {a.table or 'eval.csv'}; "
          "regrets = best − chosen arm's mean over the table's ICs")
    print("| run | arms | ICs | best | select: within ε | select: rollouts / exhaustive | last raw: regret "
          "| last ema: regret | lowest val loss (all): regret | lowest val loss (raw): regret "
          f"| best of 20-IC eval.csv: regret | best of {a.few} episodes: within ε |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        evals = f"{r['evals']:.0f}" if a.table else "(the truth)"
        print(f"| {r['run']} | {r['arms']} | {r['ics']} | {r['best']:.0f} | {r['select_within']:.0%} "
              f"| {r['select_share']:.0%} | {r['last_raw']:.0f} | {r['last_ema']:.0f} | {r['val_all']:.0f} "
              f"| {r['val_raw']:.0f} | {evals} | {r['few_within']:.0%} |")
    n = len(rows)
    within = lambda k: sum(r[k] <= eps for r in rows)
    print(f"\nwithin ε over the {n} runs: last raw {within('last_raw')}/{n}, last ema {within('last_ema')}/{n}, "
          f"lowest val loss (all) {within('val_all')}/{n}, (raw) {within('val_raw')}/{n}, "
          f"best of eval.csv {within('evals')}/{n}; "
          f"best of {a.few} episodes {statistics.fmean(r['few_within'] for r in rows):.0%} of repetitions; "
          f"select {statistics.fmean(r['select_within'] for r in rows):.0%} of repetitions at "
          f"{statistics.fmean(r['select_share'] for r in rows):.0%} of the rollouts")


if __name__ == "__main__":
    main()
