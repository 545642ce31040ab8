"""Tables handed to the Rust readers as CSV text: pandas writes every float so that it parses back exactly."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def csv_text(table) -> str:
    """A DataFrame as CSV text (no index), or the text of a CSV file."""
    if isinstance(table, pd.DataFrame):
        return table.to_csv(index=False, float_format="%.17g", lineterminator="\n")
    return Path(table).read_text()
