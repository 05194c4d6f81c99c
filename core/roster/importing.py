"""The admin import use case, without Streamlit: read and check a roster file, then store it.

Flow (ui/admin_import.py draws it): ``prepare_import`` reads the upload
(``core.roster.io.read_roster``), assesses every row at the as-of date
(``core.assess_roster``) and keeps the rows without an error -> the page shows the preview
and the validation report -> ``accept_import`` stores the valid rows as a new current snapshot
(``Store.import_snapshot``: one transaction) or the admin cancels.

Never imports streamlit: tests, benchmarks and the page run the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from core import assess_roster
from core.admin import dashboard as dash
from core.roster.duplicates import duplicate_rows
from core.roster.io import ROSTER_COLUMNS, read_roster
from core.roster.store import Store

__all__ = ["PREVIEW_ROWS", "PendingImport", "accept_import", "prepare_import"]

PREVIEW_ROWS = 10


@dataclass
class PendingImport:
    """A read and checked file waiting for "accept" or "cancel"."""

    file_name: str
    sha256: str
    as_of: date
    n_rows: int
    valid: pd.DataFrame = field(repr=False)  # canonical roster columns, valid rows only
    report: pd.DataFrame = field(repr=False)  # core.admin.dashboard.validation_report
    preview: pd.DataFrame = field(repr=False)  # the file's first rows as read
    ident: tuple = field(default=(), repr=False)  # which upload and as-of date it came from
    duplicates: int = 0  # rows repeating an earlier row (kept, each assessed)

    @property
    def accepted(self) -> int:
        return len(self.valid)

    @property
    def rejected(self) -> int:
        return self.n_rows - len(self.valid)


def prepare_import(data: bytes, file_name: str, as_of: date) -> PendingImport:
    """Read and check a roster file; raises RosterReadError when it cannot be read at all."""
    roster = read_roster(data, file_name)
    assessed = assess_roster(dash.roster_at(roster.data, as_of), as_of)
    ok = assessed["error"].isna().to_numpy(dtype=bool)
    valid = roster.data.loc[ok, list(ROSTER_COLUMNS)].reset_index(drop=True)
    return PendingImport(file_name=file_name, sha256=roster.sha256 or "", as_of=as_of,
                         n_rows=len(roster), valid=valid,
                         report=dash.validation_report(assessed),
                         preview=roster.raw.head(PREVIEW_ROWS),
                         duplicates=int(duplicate_rows(roster.data).sum()))


def accept_import(store: Store, pending: PendingImport,
                  progress: Callable[[int, int], object] | None = None) -> int:
    """Store the valid rows as a new current snapshot (one transaction); its id."""
    return store.import_snapshot(pending.valid, pending.file_name, pending.sha256,
                                 rejected_rows=pending.rejected, progress=progress)
