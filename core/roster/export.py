"""Rosters out: CSV (UTF-8 with BOM, every text field quoted) and XLSX, with spreadsheet
formulas neutralised (OWASP "CSV injection": a cell starting ``= + - @`` tab or CR gets an
apostrophe)."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pandas as pd

from core.messages.catalogue import text
from core.schema.cell_text import _cell_text, _to_text
from core.schema.cells import STRING, _element_kind

# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------

_FORMULA_START = r"^[=+\-@\t\r]"


def _neutralise_series(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.StringDtype):
        hit = s.str.contains(_FORMULA_START, regex=True, na=False)
        return s.where(~hit, "'" + s) if hit.any() else s
    if s.dtype == object:
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred == "string":  # all text: vectorised, only the hits are touched
            hit = s.astype(STRING).str.contains(_FORMULA_START, regex=True, na=False)
            if not hit.any():
                return s
            out = s.copy()
            out[hit.to_numpy()] = "'" + s[hit.to_numpy()]
            return out
        if inferred in ("mixed", "mixed-integer"):  # text among other things
            return s.map(_neutralise_text)
    return s


def _neutralise_text(v: object) -> object:
    if isinstance(v, str) and re.match(_FORMULA_START, v):
        return "'" + v
    return v


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy in which every text cell and header starting with ``= + - @`` tab or CR gets a
    leading apostrophe, so spreadsheets show it as text instead of running it."""
    out = pd.DataFrame({i: _neutralise_series(df.iloc[:, i]) for i in range(df.shape[1])})
    out.index = df.index
    out.columns = [_neutralise_text(c) for c in df.columns]
    return out


def _dates_as_iso(s: pd.Series) -> pd.Series:
    """Date(time) columns -> ISO text (time kept only when not midnight)."""
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _to_text(s)
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in (
        "date",
        "datetime",
        "datetime64",
        "mixed",
    ):
        return s.map(lambda v: _cell_text(v) if _element_kind(v) == 2 else v)
    return s


def to_csv_bytes(df: pd.DataFrame, encoding: str = "utf-8-sig") -> bytes:
    """CSV bytes (default UTF-8 with BOM, which Excel opens correctly): formulas neutralised,
    every text field quoted, dates as ``YYYY-MM-DD``, missing as empty, no index."""
    frame = neutralise_formulas(df)
    names = list(frame.columns)
    frame = pd.DataFrame(
        {i: _dates_as_iso(frame.iloc[:, i]) for i in range(frame.shape[1])}, index=frame.index
    )
    frame.columns = names
    buf = io.StringIO()
    # Every text field quoted: a separator inside a cell (``a;=1+5``, ``a<TAB>=1+5``, opened
    # with ';' or tab as the separator) stays inside its cell and cannot start a formula.
    frame.to_csv(buf, index=False, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
    return buf.getvalue().encode(encoding)


def to_xlsx_bytes(df: pd.DataFrame) -> bytes:
    """XLSX bytes (one sheet "roster"): formulas neutralised, text as text cells, dates as date
    cells shown ``yyyy-mm-dd``, missing as empty cells, characters XML cannot hold removed
    (the streaming writer of core/roster/xlsx.py)."""
    from core.roster.xlsx import xlsx_bytes

    return xlsx_bytes(df, sheet_name="roster")


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write ``df`` as CSV (UTF-8 with BOM) or XLSX, chosen by the path's suffix."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        content = to_csv_bytes(df)
    elif suffix == ".xlsx":
        content = to_xlsx_bytes(df)
    else:
        zh, en = text("roster", "unsupported_output", suffix=target.suffix)
        raise ValueError(f"{zh} / {en}")
    target.write_bytes(content)
    return target
