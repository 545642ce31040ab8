"""``butterfly analyze`` from Python: the GVA report of evaluations in a DataFrame, by the CLI's own code.

The Rust reader takes files (crates/report/src/runs/evaluations.rs), so the table is written as CSV into the
report directory (``evaluations.csv``, or a temporary directory when no ``out`` is given) and read back there.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from butterfly import _native
from butterfly.tables import csv_text


def analyze(table, expert_return=None, out=None, *, expert=None, window_start=None, horizon=None,
            name="evaluations") -> list[dict]:
    """The seeds' summaries (``butterfly analyze --json``) of ``table`` (a DataFrame or a CSV path) with
    columns ``step``, ``variant``, ``ic`` (or ``episode``), ``return`` and optional ``seed``, ``val_loss``,
    ``length``; the report (report.md, plots) goes into ``out`` when given."""
    with tempfile.TemporaryDirectory(prefix="butterfly-analyze-") as scratch:
        report = Path(out) if out is not None else Path(scratch)
        csv = Path(scratch) / f"{name}.csv"
        csv.write_text(csv_text(table))
        summaries = _native.analyze(
            [str(csv)], str(report), expert_return=expert_return, expert=None if expert is None else str(expert),
            window_start=window_start, horizon=horizon, name=name,
        )
    return json.loads(summaries)
