"""Reading a snapshot back (``load``: its Parquet frame, else its rows by each database's
fastest path) and checking the database (``integrity_check``, ``incomplete_snapshots``)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from core.roster.store.codecs import (
    copy_out_rows,
    empty_roster,
    frame_from_arrow,
    frame_from_parquet,
    rows_to_arrow,
)
from core.roster.store.database import Database
from core.roster.store.errors import DB_ERRORS, StoreError, psycopg, store_error
from core.roster.store.tables import (
    COLUMNS,
    roster_rows_table,
    snapshot_frames_table,
    snapshots_table,
)
from core.schema.roster import FLAG_COLUMN

LOAD_BATCH_ROWS = 100_000


class Reading(Database):
    """Loading a snapshot and checking the database."""

    def load(self, snapshot_id: int | None = None) -> pd.DataFrame:
        """The rows of a snapshot (default: the current one) as a canonical roster frame.

        Text columns ``string``, dates ``datetime64[s]`` (NaT when missing),
        ``continuing_education_done`` ``boolean``; rows in import order, index 0..n-1.
        """
        r = roster_rows_table
        with self._guard("load"), self.engine.connect() as conn:
            if snapshot_id is None:
                sid = conn.execute(sa.select(snapshots_table.c.id)
                                   .where(snapshots_table.c.is_current.is_(True))
                                   .order_by(snapshots_table.c.id.desc()).limit(1)).scalar()
                if sid is None:
                    raise store_error("no_snapshot")
            else:
                sid = int(snapshot_id)
                self._require(conn, sid)
            f = snapshot_frames_table
            blob = conn.execute(sa.select(f.c.data).where(f.c.snapshot_id == sid,
                                                          f.c.format == "parquet")).scalar()
            if blob is not None:
                return frame_from_parquet(blob)
            batches = []
            if self.is_sqlite:
                sql = (f"SELECT {', '.join(COLUMNS)} FROM roster_rows "
                       "WHERE snapshot_id = ? ORDER BY row_no")
                cur = conn.connection.driver_connection.cursor()
                try:
                    cur.execute(sql, (sid,))
                    while rows := cur.fetchmany(LOAD_BATCH_ROWS):
                        batches.append(rows_to_arrow(rows))
                finally:
                    cur.close()
            elif self.is_postgresql and psycopg is not None:
                batches = copy_out_rows(conn.connection.driver_connection, sid)
            else:  # other drivers may hand back real booleans
                result = conn.execute(sa.select(*[r.c[c] for c in COLUMNS])
                                      .where(r.c.snapshot_id == sid).order_by(r.c.row_no))
                flag = COLUMNS.index(FLAG_COLUMN)
                while rows := result.fetchmany(LOAD_BATCH_ROWS):
                    fixed = []
                    for row in rows:
                        t = list(row)
                        t[flag] = None if t[flag] is None else int(bool(t[flag]))
                        fixed.append(tuple(t))
                    batches.append(rows_to_arrow(fixed))
        if not batches:
            return empty_roster()
        return frame_from_arrow(batches)

    def integrity_check(self) -> bool:
        """True when the database is sound: SQLite ``PRAGMA integrity_check`` and foreign keys;
        other dialects a count query; and in every case at most one current snapshot and no
        partial snapshot (each has all its rows and its Parquet frame)."""
        s = snapshots_table
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    result = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
                    if result != ["ok"]:
                        return False
                    if conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        return False
                else:
                    conn.execute(sa.select(sa.func.count()).select_from(roster_rows_table)).scalar()
                currents = conn.execute(sa.select(sa.func.count()).select_from(s)
                                        .where(s.c.is_current.is_(True))).scalar()
                if currents > 1:
                    return False
        except DB_ERRORS as exc:
            err = self._translate(exc, "check")
            if err.code == "db_corrupt":
                return False
            raise err from exc
        try:
            return not self.incomplete_snapshots()
        except StoreError as err:
            if err.code == "db_corrupt":
                return False
            raise

    def incomplete_snapshots(self) -> list[int]:
        """Ids of snapshots that lack their Parquet frame, or whose stored rows are neither
        none (``rows_pending``) nor exactly ``accepted_rows`` rows numbered 0..n-1; -1 when
        rows belong to no snapshot. Always empty unless something outside this class wrote to
        the database: an import is one transaction, and so is writing a row table later."""
        s, r, f = snapshots_table, roster_rows_table, snapshot_frames_table
        counts = (sa.select(r.c.snapshot_id, sa.func.count().label("n"),
                            sa.func.max(r.c.row_no).label("top"))
                  .group_by(r.c.snapshot_id).subquery())
        query = (sa.select(s.c.id)
                 .outerjoin(counts, counts.c.snapshot_id == s.c.id)
                 .outerjoin(f, f.c.snapshot_id == s.c.id)
                 .where(sa.or_(f.c.snapshot_id.is_(None),
                               sa.and_(sa.func.coalesce(counts.c.n, 0) != 0,
                                       sa.or_(counts.c.n != s.c.accepted_rows,
                                              counts.c.top != s.c.accepted_rows - 1))))
                 .order_by(s.c.id))
        orphans = (sa.select(sa.func.count()).select_from(r)
                   .where(~sa.exists().where(s.c.id == r.c.snapshot_id)))
        with self._guard("check"), self.engine.connect() as conn:
            bad = [int(x) for x in conn.execute(query).scalars()]
            if conn.execute(orphans).scalar():
                bad.append(-1)  # rows of no snapshot
            return bad
