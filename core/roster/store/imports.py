"""Storing a roster as a snapshot (``import_snapshot``, ``import_first_snapshot``): the
record, its Parquet frame, its problems and the switch in one transaction, the optimistic
check of ``expect_current``; the rows by each database's bulk path; and the row table written
later (``rows_pending``, ``write_pending_rows``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from core.roster.store.codecs import (
    csv_chunks,
    frame_from_parquet,
    frame_to_parquet,
    normalise,
    problems_frame,
    refuse_nul,
    row_chunks,
)
from core.roster.store.database import Database
from core.roster.store.errors import ImportSuperseded, psycopg
from core.roster.store.tables import (
    COLUMNS,
    roster_rows_table,
    snapshot_frames_table,
    snapshot_problems_table,
    snapshots_table,
)

Progress = Callable[[int, int], object]


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = _Unchecked()  # import_snapshot(expect_current=...) default: no optimistic check


class Imports(Database):
    """What stores a snapshot and writes its row table."""

    def _write_rows(self, conn: sa.Connection, frame: pd.DataFrame, snapshot_id: int,
                    progress: Progress | None) -> None:
        """All rows of ``frame`` into roster_rows, chunk by chunk, by the database's bulk path;
        ``progress(done, total)`` after each chunk."""
        total = len(frame)
        if self.is_postgresql and psycopg is not None:
            chunks = csv_chunks(frame, snapshot_id, self.chunk_rows)
            names = ", ".join(("snapshot_id", "row_no", *COLUMNS))
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                for done, data in chunks:
                    with cur.copy(f"COPY roster_rows ({names}) FROM STDIN (FORMAT csv)") as copy:
                        copy.write(data)
                    if progress is not None:
                        progress(done, total)
            return
        for done, rows in row_chunks(frame, snapshot_id, self.chunk_rows):
            self._insert_rows(conn, rows)
            if progress is not None:
                progress(done, total)

    def _insert_rows(self, conn: sa.Connection, rows: list[tuple]) -> None:
        """One chunk of row tuples: SQLite executemany; other databases through SQLAlchemy."""
        if not rows:
            return
        if self.is_sqlite:
            names = ("snapshot_id", "row_no", *COLUMNS)
            sql = (f"INSERT INTO roster_rows ({', '.join(names)}) "
                   f"VALUES ({', '.join('?' * len(names))})")
            cur = conn.connection.driver_connection.cursor()
            try:
                cur.executemany(sql, rows)
            finally:
                cur.close()
        else:
            keys = ("snapshot_id", "row_no", *COLUMNS)
            conn.execute(roster_rows_table.insert(),
                         [dict(zip(keys, r, strict=True)) for r in rows])

    def import_snapshot(self, df: pd.DataFrame, file_name: str, sha256: str, rejected_rows: int = 0,
                        progress: Progress | None = None, *, note: str | None = None,
                        expect_current: int | None | _Unchecked = UNCHECKED,
                        rows_later: bool = False,
                        problems: pd.DataFrame | None = None) -> int:
        """Store ``df`` as a new snapshot and make it current, all in one transaction.

        ``progress(done, total)`` is called with 0 first and after every chunk of rows; if it
        raises, the import is cancelled (rolled back) and its exception propagates. Returns the
        new snapshot id. On failure the database is exactly as before and StoreError is raised.

        ``rows_later``: the transaction holds the snapshot record, its Parquet frame (all that
        ``load`` reads) and the switch, but not the row table; ``write_pending_rows`` writes
        that afterwards (package doc, "Row table later"). ``progress`` is then called with 0 and
        with the total.

        ``expect_current``: the snapshot id (None: no snapshot) the caller believes current.
        When another one became current meanwhile, the rows are still stored complete as a new
        snapshot that is NOT made current, and :class:`ImportSuperseded` is raised (package doc,
        "Concurrent imports"). The default skips the check: the last import wins.

        ``problems``: the rejected rows' problems (``PROBLEM_COLUMNS``; the import's validation
        report), kept with the snapshot in the same transaction (``problems`` reads them).
        """
        sid = self._import(df, file_name, sha256, rejected_rows, progress, note=note,
                           expect_current=expect_current, rows_later=rows_later,
                           problems=problems)
        assert sid is not None
        return sid

    def _import(self, df, file_name, sha256, rejected_rows, progress, *, note=None,
                only_if_empty: bool = False, rows_later: bool = False,
                expect_current: int | None | _Unchecked = UNCHECKED,
                problems: pd.DataFrame | None = None) -> int | None:
        frame = normalise(df)
        refuse_nul(frame)
        total = len(frame)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        blob = frame_to_parquet(frame)
        report = problems_frame(problems)
        report_blob = None
        if len(report):
            buf = pa.BufferOutputStream()
            pq.write_table(pa.Table.from_pandas(report, preserve_index=False), buf,
                           compression="zstd")
            report_blob = buf.getvalue().to_pybytes()
        s = snapshots_table
        superseded = None
        with self._guard("import"), self._write() as conn:
            if only_if_empty:
                self._lock_switch(conn)
                if conn.execute(sa.select(sa.func.count()).select_from(s)).scalar():
                    return None
            sid = int(conn.execute(s.insert().values(
                created_at=created, file_name=str(file_name), sha256=str(sha256),
                accepted_rows=total, rejected_rows=int(rejected_rows), is_current=False,
                note=note)).inserted_primary_key[0])
            if progress is not None:
                progress(0, total)
            if not rows_later:
                self._write_rows(conn, frame, sid, progress)
            conn.execute(snapshot_frames_table.insert().values(
                snapshot_id=sid, format="parquet", data=blob))
            if report_blob is not None:
                conn.execute(snapshot_problems_table.insert().values(
                    snapshot_id=sid, format="parquet", data=report_blob))
            if rows_later and progress is not None:
                progress(total, total)
            # the switch: under the lock, so two imports cannot both see the same current one
            self._lock_switch(conn)
            current = self._current(conn)
            if isinstance(expect_current, _Unchecked) or current == expect_current:
                self._make_current(conn, sid)
            else:
                superseded = ImportSuperseded(sid, current)
        self._shrink_wal()
        if superseded is not None:
            raise superseded
        return sid

    def _pending_query(self, snapshot_id: int | None = None) -> sa.Select:
        s, r, f = snapshots_table, roster_rows_table, snapshot_frames_table
        query = (sa.select(s.c.id).join(f, f.c.snapshot_id == s.c.id)
                 .where(s.c.accepted_rows > 0,
                        ~sa.exists().where(r.c.snapshot_id == s.c.id)).order_by(s.c.id))
        return query if snapshot_id is None else query.where(s.c.id == snapshot_id)

    def rows_pending(self) -> list[int]:
        """Ids of the snapshots stored with ``rows_later`` whose row table is not written yet
        (complete and loadable: ``load`` reads their Parquet frame)."""
        with self._guard("check"), self.engine.connect() as conn:
            return [int(x) for x in conn.execute(self._pending_query()).scalars()]

    def write_pending_rows(self, progress: Progress | None = None) -> list[int]:
        """Write the row table of every snapshot in ``rows_pending``, each in one transaction
        (from its Parquet frame, by the database's bulk path); the ids written.

        Safe to run from several processes at once: each snapshot is checked again under the
        write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL the rows lock), so its rows are
        written once; a snapshot deleted meanwhile is skipped. When it fails or is killed, the
        snapshot stays as it was (current or not, loadable) with its rows still pending.
        ``progress(done, total)`` after every chunk, per snapshot; raising cancels that one.
        """
        written = []
        f = snapshot_frames_table
        for sid in self.rows_pending():
            with self._guard("import"), self._write() as conn:
                self._lock_rows(conn)
                if conn.execute(self._pending_query(sid)).scalar() is None:
                    continue  # written by another process, or deleted, meanwhile
                blob = conn.execute(sa.select(f.c.data).where(f.c.snapshot_id == sid)).scalar()
                self._write_rows(conn, frame_from_parquet(blob), sid, progress)
            written.append(sid)
        if written:
            self._shrink_wal()
        return written

    def import_first_snapshot(self, df: pd.DataFrame, file_name: str, sha256: str, *,
                              note: str | None = None) -> int | None:
        """Store ``df`` as the first snapshot and make it current, in one transaction, only if
        the database has no snapshot at all (checked under the switch's lock, so two servers
        starting at once store it once). Its id, or None when a snapshot was already there."""
        return self._import(df, file_name, sha256, 0, None, note=note, only_if_empty=True)
