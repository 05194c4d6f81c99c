"""The admin dashboard's tables and exports (issue 4): which rows a view shows, in which order
(``table_rows``: "needs action", "deadline near", all), the rows themselves taken from the full
frame only for what is shown or exported (``materialise``, ``export_frame``), and the
"needs action" export (``needs_action``). The definitions are core/admin/dashboard.py's.
Never imports streamlit.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.admin.dashboard import (
    ACTIONS,
    HELPER_COLUMNS,
    NEEDS_ACTION_DAYS,
    ROW_COLUMN,
    _dates,
    _has_error,
    _status_in,
    deadline_near_mask,
    due_mask,
)
from core.policy.dates import as_datetime64

__all__ = ["export_frame", "materialise", "needs_action", "table_rows"]


# ------------------------------------------------------------------------------ table, export
def export_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` without the dashboard's helper columns (what the table shows and exports)."""
    helpers = [c for c in HELPER_COLUMNS if c in df.columns]
    return df.drop(columns=helpers) if helpers else df


def table_rows(assessed: pd.DataFrame, as_of: date, view: str = "needs_action",
               days: int = NEEDS_ACTION_DAYS) -> pd.DataFrame:
    """The table's rows in order, without their data: ``row`` (position in ``assessed``, or
    ``assessed["row"]`` when it is a ``compact`` frame) and, for the ``needs_action`` view,
    ``action`` and ``next_deadline`` (see ``needs_action``); ``view="deadline_near"``: the rows
    of ``deadline_near_mask`` with ``next_deadline`` (their ``apply_by``), soonest first;
    ``view="all"``: every row."""
    positions = (assessed[ROW_COLUMN].to_numpy(dtype=np.int64) if ROW_COLUMN in assessed.columns
                 else np.arange(len(assessed), dtype=np.int64))
    if view == "deadline_near":
        keep = np.flatnonzero(deadline_near_mask(assessed, as_of))
        apply_by = _dates(assessed, "apply_by")[keep]
        order = np.lexsort((keep, apply_by.astype(np.int64)))
        return pd.DataFrame({ROW_COLUMN: positions[keep[order]],
                             "next_deadline": apply_by[order].astype("datetime64[s]")})
    if view != "needs_action":
        return pd.DataFrame({ROW_COLUMN: positions})
    t = as_datetime64(as_of)
    has_error = _has_error(assessed)
    apply_now = _status_in(assessed, ["apply_now"])
    before_lapse = _status_in(assessed, ["expired_not_lapsed"])
    due = _status_in(assessed, ["valid"]) & due_mask(assessed, as_of, days)
    code = np.select([has_error, apply_now, before_lapse, due], [0, 1, 2, 3], -1)
    keep = np.flatnonzero(code >= 0)
    code = code[keep]
    apply_by, lapses_on = _dates(assessed, "apply_by")[keep], _dates(assessed, "lapses_on")[keep]
    nxt = np.where(~np.isnat(apply_by) & (apply_by >= t), apply_by, lapses_on)
    nxt[code == 0] = np.datetime64("NaT")
    # by action, then deadline (missing last), then the original order
    big = np.iinfo(np.int64).max
    deadline = np.where(np.isnat(nxt), big, nxt.astype(np.int64))
    order = np.lexsort((keep, deadline, code))
    return pd.DataFrame({
        ROW_COLUMN: positions[keep[order]],
        "action": pd.Categorical.from_codes(code[order], categories=list(ACTIONS)),
        "next_deadline": nxt[order].astype("datetime64[s]"),
    })


def materialise(assessed: pd.DataFrame, rows: pd.DataFrame, limit: int | None = None
                ) -> pd.DataFrame:
    """The table itself: ``rows`` (from ``table_rows``; its first ``limit`` rows) with the data
    of those rows of ``assessed`` (the full assessed frame, helper columns dropped), index
    0..n-1."""
    rows = rows if limit is None else rows.iloc[:limit]
    # the rows first, then the columns: dropping columns first copied all of ``assessed``
    data = export_frame(assessed.take(rows[ROW_COLUMN].to_numpy(dtype=np.int64)))
    data = data.reset_index(drop=True)
    extra = rows.drop(columns=[ROW_COLUMN]).reset_index(drop=True)
    return pd.concat([extra, data], axis=1) if len(extra.columns) else data


def needs_action(assessed: pd.DataFrame, as_of: date,
                 days: int = NEEDS_ACTION_DAYS) -> pd.DataFrame:
    """The rows someone must act on, most urgent first (see the module doc).

    Columns: ``action`` (``fix_data``, ``apply_now``, ``apply_before_lapse``, ``due_soon``),
    ``next_deadline`` (``apply_by`` when it is still ahead, else ``lapses_on``; empty for
    ``fix_data``), then the columns of ``assessed`` (helper columns dropped). Sorted by action,
    then next_deadline, then the original order.
    """
    return materialise(assessed, table_rows(assessed, as_of, "needs_action", days))
