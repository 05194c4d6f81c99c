"""Roster cells as text and flags, and the cell problems as data: yes/no flags
(``parse_flags``), any column as the text of its cells (``_to_text``, ``_cell_text``: numbers
without a spurious ``.0``, dates as ISO), blank cells as missing, numbers too long for a float,
and each cell problem as a Problem in the catalogue's words, collected per row
(``_Errors``: a ProblemTable; ``series`` renders the ``error`` column's text).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.messages.catalogue import problem
from core.messages.problems import ProblemTable
from core.schema.cells import STRING, _element_kind, _is_number
from core.schema.roster import ERROR_COLUMN, FLAG_WORDS

# --------------------------------------------------------------------------------------------
# Flags (vectorised)
# --------------------------------------------------------------------------------------------

_FLAG_KEYS = pd.Index(list(FLAG_WORDS))  # the schema's accepted spellings
_FLAG_VALUES = np.array(list(FLAG_WORDS.values()), dtype=bool)


def parse_flags(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Yes/no cells -> ``("boolean" Series, bool Series of present-but-invalid cells)``.

    是/否, true/false (any case), 1/0, yes/no, y/n, 已完成/未完成, √/×; blank -> NA, no error.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("boolean"), pd.Series(False, index=series.index)
    text = series if isinstance(series.dtype, pd.StringDtype) else _to_text(series)
    key = text.str.strip().str.lower()
    key = key.mask(key.str.endswith(".0", na=False), key.str.slice(0, -2))  # 1.0 / 0.0
    codes = _FLAG_KEYS.get_indexer(key.fillna("\0missing"))
    present = (key.fillna("") != "").to_numpy(dtype=bool)
    known = codes >= 0
    values = pd.array(_FLAG_VALUES[np.where(known, codes, 0)], dtype="boolean")
    values[~known] = pd.NA
    result = pd.Series(values, index=series.index, name=series.name)
    return result, pd.Series(present & ~known, index=series.index, name=series.name)


# --------------------------------------------------------------------------------------------
# Values -> text (raw frame)
# --------------------------------------------------------------------------------------------


def _number_text(v: float | int) -> str:
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    f = float(v)
    if f.is_integer() and abs(f) < 1e21:
        return str(int(f))
    return repr(f)


def _cell_text(v: object) -> object:
    kind = _element_kind(v)
    if kind == 0:
        return pd.NA
    if kind == 1:
        return v
    if kind == 3:
        return _number_text(v)
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    if isinstance(v, datetime):
        if v.time() == time(0):
            return v.date().isoformat()
        return v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.isoformat(timespec="seconds")
    if isinstance(v, timedelta):
        return str(v)
    return str(v)


def _to_text(series: pd.Series) -> pd.Series:
    """Any column -> ``"string"`` Series of its cell texts (missing = NA, '' kept)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return series if dtype == STRING else series.astype(STRING)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        values = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) else series
        stamps = values.to_numpy().astype("datetime64[s]")
        days = stamps.astype("datetime64[D]")  # floor, also before 1970
        text = pc.cast(pa.array(days), pa.string())  # ISO dates, fast
        timed = ~np.isnat(stamps) & (stamps != days)
        if timed.any():
            text = pc.if_else(pa.array(timed), pc.cast(pa.array(stamps), pa.string()), text)
        return pd.Series(text.to_pandas(types_mapper={pa.string(): STRING}.get), index=series.index)
    if pd.api.types.is_bool_dtype(dtype):
        return series.map({True: "TRUE", False: "FALSE"}).astype(STRING)
    if pd.api.types.is_integer_dtype(dtype):
        return series.astype(STRING)
    if pd.api.types.is_float_dtype(dtype):
        numbers = series.astype("float64").to_numpy(na_value=np.nan)
        whole = np.isfinite(numbers) & (np.floor(numbers) == numbers) & (np.abs(numbers) < 1e21)
        text = pd.Series(numbers, index=series.index).map(repr).astype(STRING)
        if whole.any():
            text[whole] = pd.Series(
                [str(int(x)) for x in numbers[whole]], index=series.index[whole], dtype=STRING
            )
        return text.mask(np.isnan(numbers))
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.astype(STRING)
    return series.map(_cell_text).astype(STRING)


# --------------------------------------------------------------------------------------------
# Normalisation: raw (+ typed cells) -> data
# --------------------------------------------------------------------------------------------

_CONTROL_CHARS = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
_MESSAGE_VALUE_MAX = 40
def _cell_problems(column: str, code: str, values: pd.Series) -> tuple[np.ndarray, list]:
    """Each cell's Problem, in the words of the one message catalogue
    (core/messages/messages.toml), made once per distinct value: (codes, problems)."""
    v = values.astype(STRING).fillna("")
    long = v.str.len() > _MESSAGE_VALUE_MAX
    v = v.where(~long, v.str.slice(0, _MESSAGE_VALUE_MAX) + "…")
    v = v.str.replace(_CONTROL_CHARS, "\N{REPLACEMENT CHARACTER}", regex=True)
    codes, uniques = pd.factorize(v)
    return codes, [problem(column, code, value=u) for u in uniques]


class _Errors:
    """Row problems collected column by column, as data (a ProblemTable; only touched rows
    cost); ``series`` renders the ``error`` column's text."""

    def __init__(self, index: pd.Index):
        self.index = index
        self.problems = ProblemTable.none(len(index))

    def add(self, mask: np.ndarray | pd.Series, problems: pd.Series) -> None:
        """Problems (indexed like the frame, at least on the masked rows) for the masked rows."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            codes, uniques = pd.factorize(problems.loc[self.index[mask]].to_numpy(dtype=object))
            self.problems = self.problems.append(np.flatnonzero(mask), codes, list(uniques))

    def add_cells(self, mask, column: str, code: str, text: pd.Series) -> None:
        """Cell problems for the masked rows, built from those rows' text only."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            codes, parts = _cell_problems(column, code, text[mask].str.strip())
            self.problems = self.problems.append(np.flatnonzero(mask), codes, parts)

    def series(self) -> pd.Series:
        """The ``error`` column: each row's problems as text (NA where none)."""
        return pd.Series(self.problems.texts(), index=self.index, dtype=STRING,
                         name=ERROR_COLUMN)


def _too_long_numbers(cells: pd.Series) -> np.ndarray:
    """Number cells of 2**53 or more: their last digits are already lost in the file."""
    if pd.api.types.is_bool_dtype(cells.dtype):
        return np.zeros(len(cells), bool)
    if pd.api.types.is_numeric_dtype(cells.dtype):
        numbers = cells.astype("float64").to_numpy(na_value=np.nan)
        return np.abs(np.nan_to_num(numbers)) >= 2**53
    if cells.dtype != object or pd.api.types.infer_dtype(cells, skipna=True) in (
        "string",
        "empty",
    ):
        return np.zeros(len(cells), bool)
    return cells.map(lambda v: _is_number(v) and v == v and abs(v) >= 2**53).to_numpy(bool)


def _blank_to_na(frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        s = _to_text(frame[col])
        out[col] = s.mask(s == "")
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)
