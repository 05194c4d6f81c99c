"""What falls due within N days: ``python -m core due FILE [--as-of D] [--within N]``.

CONTRACT.md ("Command line"): a CSV, one row per person or specialty with something due, columns
``name, registration_number, employer, employer_province, specialty, due_kind, due_on,
days_left``. Built from the rule engine's answers only (``assess_prepared`` for the specialties,
``usage_windows`` for the certificates); no date is computed here, only chosen and counted.

``due_kind`` (T = the as-of date, N = ``within``):

* ``apply_by``: a specialty whose status is ``valid``, ``apply_now`` or ``expired_not_lapsed``
  (alive, no renewal pending: the dashboard's "actionable") and whose renewal deadline falls in
  ``T <= apply_by <= T + N``;
* ``lapses_on``: the same statuses, lapse date in ``T <= lapses_on <= T + N``;
* ``usage_until``: a downloaded certificate still in use whose usage window ends in
  ``T <= usage_until <= T + N`` (R-6, C-3.2); ``specialty`` lists the printed specialties;
* ``outdated``: a downloaded certificate still in use whose data an approval after the download
  changed (R-6, C-3.5): due already, so it is listed whatever N; ``due_on`` is the date of that
  approval and ``days_left`` is 0 or negative (how long it has been due);
* ``age65``: a person whose 65th birthday (R-3, C-2.2.4: every registration of the person ends
  then, and none can be renewed past it) falls in ``T <= age65 <= T + N``, once per person
  (registration number) with at least one row without input errors that is neither lapsed nor
  outside the notice; ``specialty`` is empty. The birthdays are the engine's (``age65`` of
  ``core.rules.roster.PreparedRoster``, I-7 for 29 February).

``days_left`` = ``due_on - T`` in days (0 on the day). Rows whose input has errors have no
assessment and are not listed (``count_errors`` says how many). Rows are ordered by ``due_on``,
then registration number, then ``due_kind`` in the order above, then specialty. Never imports
streamlit.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from core.admin.dashboard import ACTIONABLE
from core.policy.dates import as_datetime64, within_days
from core.rules import certificate as cert
from core.rules.roster_windows import PersonWindows
from core.schema.cells import take_rows
from core.schema.roster import DUE_KINDS

__all__ = ["DUE_COLUMNS", "WITHIN_DAYS", "count_errors", "due_list", "window_candidates"]

WITHIN_DAYS = 30
DUE_COLUMNS = ("name", "registration_number", "employer", "employer_province", "specialty",
               "due_kind", "due_on", "days_left")
PERSON_COLUMNS = ("name", "registration_number", "employer", "employer_province")


def _dates(df: pd.DataFrame, column: str) -> np.ndarray:
    s = df[column]
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s)
    return s.to_numpy(dtype="datetime64[s]")


def _text(df: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
    """The cells of ``column`` at ``rows`` (ascending) as text, None where missing."""
    s = df[column]
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return take_rows(pa.array(s.array), rows).to_numpy(zero_copy_only=False)
    s = s.take(rows)
    return s.astype(object).where(s.notna(), None).to_numpy(dtype=object)


def _is(values: pd.Series, wanted) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):  # a lookup on the codes
        lut = np.append(values.cat.categories.isin(list(wanted)), False)
        return lut[values.cat.codes.to_numpy(dtype=np.int64)]
    return values.isin(list(wanted)).fillna(False).to_numpy(dtype=bool)


def _part(df: pd.DataFrame, rows: np.ndarray, kind: str, due_on: np.ndarray,
          specialty_column: str) -> pd.DataFrame:
    out = {c: _text(df, c, rows) for c in PERSON_COLUMNS}
    out["specialty"] = _text(df, specialty_column, rows)
    out["due_kind"] = np.full(len(rows), kind, dtype=object)
    out["due_on"] = due_on[rows]
    return pd.DataFrame(out)


def due_list(assessed: pd.DataFrame, windows: pd.DataFrame, as_of: date,
             within: int = WITHIN_DAYS, age65: np.ndarray | None = None) -> pd.DataFrame:
    """The due list (module doc) from ``assess_prepared(prepared, as_of)`` and
    ``usage_windows(prepared, as_of)`` of the same roster, and ``prepared.age65`` (the 65th
    birthday per row, as day numbers; None: no ``age65`` rows). ``within`` >= 0."""
    if within < 0:
        raise ValueError("within must be 0 or more days")
    parts = []
    alive = _is(assessed["status"], ACTIONABLE)
    for kind in ("apply_by", "lapses_on"):
        d = _dates(assessed, kind)
        rows = np.flatnonzero(alive & within_days(d, as_of, within))
        parts.append(_part(assessed, rows, kind, d, "specialty"))
    in_use = _is(windows["status"], ["in_use"])
    until = _dates(windows, "usage_until")
    parts.append(_part(windows, np.flatnonzero(in_use & within_days(until, as_of, within)),
                       "usage_until", until, "specialties"))
    outdated = windows["outdated"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    approved = _dates(windows, "outdated_by")
    parts.append(_part(windows, np.flatnonzero(in_use & outdated & ~np.isnat(approved)),
                       "outdated", approved, "specialties"))
    if age65 is not None:
        parts.append(_age65_part(assessed, age65, as_of, within))
    out = pd.concat(parts, ignore_index=True)
    out["due_on"] = out["due_on"].astype("datetime64[s]")
    out["days_left"] = ((out["due_on"].to_numpy(dtype="datetime64[s]") - as_datetime64(as_of))
                        // np.timedelta64(1, "D")).astype("int64")
    rank = {k: i for i, k in enumerate(DUE_KINDS)}
    out["_kind"] = out["due_kind"].map(rank)
    out = out.sort_values(["due_on", "registration_number", "_kind", "specialty"],
                          kind="stable", na_position="last")
    return out.drop(columns="_kind").reset_index(drop=True)[list(DUE_COLUMNS)]


#: statuses of a row whose person's 65th birthday still ends a registration (not lapsed, covered)
_AGE65_STATUSES = ("valid", "apply_now", "expired_not_lapsed", "renewal_pending", "not_yet_valid")


def _age65_part(assessed: pd.DataFrame, age65: np.ndarray, as_of: date,
                within: int) -> pd.DataFrame:
    """One row per person (registration number, first qualifying row) whose 65th birthday falls
    within ``within`` days of ``as_of``; ``specialty`` empty."""
    birthday = (np.asarray(age65, dtype=np.int64) * 86400).view("datetime64[s]")
    ok = _is(assessed["status"], _AGE65_STATUSES)
    if "error" in assessed.columns:
        ok &= assessed["error"].isna().to_numpy(dtype=bool)
    rows = np.flatnonzero(ok & within_days(birthday, as_of, within))
    numbers = _text(assessed, "registration_number", rows)
    _, first = np.unique(np.asarray(numbers, dtype=object).astype(str), return_index=True)
    rows = rows[np.sort(first)]
    out = {c: _text(assessed, c, rows) for c in PERSON_COLUMNS}
    out["specialty"] = np.full(len(rows), None, dtype=object)
    out["due_kind"] = np.full(len(rows), "age65", dtype=object)
    out["due_on"] = birthday[rows]
    return pd.DataFrame(out)


def window_candidates(windows: PersonWindows, within: int = WITHIN_DAYS) -> np.ndarray:
    """The persons whose certificate ``due_list`` can list (in use, and its window ends within
    ``within`` days or it is outdated): a mask over ``person_windows``, so that the frame of
    ``usage_windows`` is made for those alone."""
    w = windows.window
    ends_soon = within_days(w.until, windows.t, within)
    return (w.status == cert.IN_USE) & (ends_soon | w.outdated)


def count_errors(assessed: pd.DataFrame) -> int:
    """Rows left out of the due list because their input has errors."""
    return int(assessed["error"].notna().sum()) if "error" in assessed.columns else 0
