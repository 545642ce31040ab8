"""``butterfly select --from-csv`` from Python: which checkpoint to deploy, from a table of returns."""

from __future__ import annotations

import json

from butterfly import _native
from butterfly.tables import csv_text


def select(table, epsilon: float, delta: float, *, budget=None, seed: int = 0, variants=None, steps=None,
           range=None) -> dict:
    """The selection (``butterfly select --from-csv ... --json``) over ``table``, a DataFrame or CSV path with
    columns ``step``, ``variant``, ``ic`` (or ``episode``) and ``return``."""
    path = "<DataFrame>" if hasattr(table, "to_csv") else str(table)
    chosen = _native.select(
        csv_text(table), path, epsilon, delta, budget=budget, seed=seed,
        variants=None if variants is None else list(variants),
        steps=None if steps is None else [int(s) for s in steps],
        range=None if range is None else (float(range[0]), float(range[1])),
    )
    return json.loads(chosen)
