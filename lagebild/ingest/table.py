"""The raw table of an upload as the readers deliver it (CSV: ``read``, Excel: ``xlsx``):
header, the cells as text, the file line of each row. Its own module so that both readers
can build it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class RawTable:
    header: list[str]
    cells: pd.DataFrame        # columns 0..len(header)-1, text, one row per record
    lines: np.ndarray          # int64 line per cells row
    kind: str                  # "csv" | "xlsx"
    delimiter: str | None = None
    encoding: str | None = None
