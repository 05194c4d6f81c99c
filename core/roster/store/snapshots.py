"""The snapshot list and what changes it: ``snapshots``, ``current_id``, ``has_snapshots``,
``set_current``, ``delete_snapshot``, and a snapshot's rejected rows (``problems``)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from core.roster.store.codecs import problems_frame
from core.roster.store.database import Database
from core.roster.store.errors import store_error
from core.roster.store.tables import (
    SNAPSHOT_COLUMNS,
    roster_rows_table,
    snapshot_frames_table,
    snapshot_problems_table,
    snapshots_table,
)


class Snapshots(Database):
    """The snapshot list, the switch, deleting, and the problems kept with a snapshot."""

    def snapshots(self) -> pd.DataFrame:
        """All snapshots, newest first; ``created_at`` as UTC timestamps."""
        s = snapshots_table
        with self._guard("list"), self.engine.connect() as conn:
            rows = conn.execute(sa.select(*[s.c[c] for c in SNAPSHOT_COLUMNS])
                                .order_by(s.c.id.desc())).all()
        out = pd.DataFrame([tuple(r) for r in rows], columns=list(SNAPSHOT_COLUMNS))
        out["id"] = out["id"].astype("int64")
        out["accepted_rows"] = out["accepted_rows"].astype("int64")
        out["rejected_rows"] = out["rejected_rows"].astype("int64")
        out["is_current"] = out["is_current"].astype(bool)
        out["created_at"] = pd.to_datetime(out["created_at"], utc=True, format="ISO8601")
        for c in ("file_name", "sha256", "note"):
            out[c] = out[c].astype("string")
        return out

    def current_id(self) -> int | None:
        """The id of the current snapshot, None when there is none."""
        s = snapshots_table
        with self._guard("read"), self.engine.connect() as conn:
            sid = conn.execute(sa.select(s.c.id).where(s.c.is_current.is_(True))
                               .order_by(s.c.id.desc()).limit(1)).scalar()
        return None if sid is None else int(sid)

    def set_current(self, snapshot_id: int) -> None:
        """Make ``snapshot_id`` the current snapshot (one atomic switch)."""
        snapshot_id = int(snapshot_id)
        with self._guard("switch"), self._write() as conn:
            self._lock_switch(conn)
            self._require(conn, snapshot_id)
            self._make_current(conn, snapshot_id)

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Delete a snapshot and its rows; the current snapshot cannot be deleted."""
        s, r = snapshots_table, roster_rows_table
        snapshot_id = int(snapshot_id)
        with self._guard("delete"), self._write() as conn:
            self._lock_switch(conn)
            self._lock_rows(conn)  # not while its row table is being written
            self._require(conn, snapshot_id)
            if conn.execute(sa.select(s.c.is_current).where(s.c.id == snapshot_id)).scalar():
                raise store_error("snapshot_current", snapshot_id=snapshot_id)
            conn.execute(r.delete().where(r.c.snapshot_id == snapshot_id))
            conn.execute(snapshot_frames_table.delete()
                         .where(snapshot_frames_table.c.snapshot_id == snapshot_id))
            conn.execute(snapshot_problems_table.delete()
                         .where(snapshot_problems_table.c.snapshot_id == snapshot_id))
            conn.execute(s.delete().where(s.c.id == snapshot_id))
        self._shrink_wal()

    def problems(self, snapshot_id: int) -> pd.DataFrame:
        """The problems of the rows ``snapshot_id``'s import rejected (``PROBLEM_COLUMNS``, one
        line per problem, in file order); empty when it rejected none."""
        p = snapshot_problems_table
        with self._guard("load"), self.engine.connect() as conn:
            blob = conn.execute(sa.select(p.c.data).where(p.c.snapshot_id == int(snapshot_id),
                                                          p.c.format == "parquet")).scalar()
        if blob is None:
            return problems_frame(None)
        return problems_frame(pq.read_table(pa.BufferReader(blob)).to_pandas())

    def has_snapshots(self) -> bool:
        """Whether the database holds any snapshot at all (current or not)."""
        s = snapshots_table
        with self._guard("read"), self.engine.connect() as conn:
            return bool(conn.execute(sa.select(sa.func.count()).select_from(s)).scalar())
