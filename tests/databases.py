"""Both roster databases, for store-level tests: SQLite (a file) and PostgreSQL (a database in
the session's throwaway cluster, scripts/pg_cluster.py).

The ``db`` fixture (tests/conftest.py) is parametrised over both and yields a
:class:`Database`. Everything here reads and writes with the plain drivers (``sqlite3``,
``psycopg``), never with the code under test, so a test can check what the store really left
in the database and can break it from outside (a trigger, a lock, a revoked privilege).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts import pg_cluster
from scripts.pg_cluster import PostgresCluster

KINDS = ("sqlite", "postgresql")


def postgres_required() -> bool:
    """CI (``CI`` set) and ``make test`` (``ECERT_REQUIRE_POSTGRES=1``) must run the PostgreSQL
    tests, never skip them."""
    ci = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
    return ci or os.environ.get("ECERT_REQUIRE_POSTGRES", "") == "1"


def skip_or_fail_without_postgres(why: str | None = None, what: str = "PostgreSQL") -> None:
    """In a test: skip it when ``what`` (PostgreSQL, nginx) cannot run here, or fail it where
    it must run (CI, make test)."""
    why = why or (pg_cluster.unavailable() if what == "PostgreSQL" else None)
    if why:
        if postgres_required():
            pytest.fail(f"{what} must run here (CI / make test) but cannot: {why}",
                        pytrace=False)
        pytest.skip(f"{what} unavailable: {why}")


@dataclass
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str  # SQLAlchemy URL (ECERT_DB_URL)
    path: Path | None = None  # SQLite: the file
    cluster: PostgresCluster | None = None  # PostgreSQL: the server
    name: str | None = None  # PostgreSQL: the database name

    @property
    def is_sqlite(self) -> bool:
        return self.kind == "sqlite"

    def __str__(self) -> str:
        return self.kind

    # -- plain driver access ----------------------------------------------------------------------
    def execute(self, sql: str, params: tuple = ()) -> list:
        """One statement (``?`` placeholders) in its own committed transaction; its rows."""
        if self.is_sqlite:
            con = sqlite3.connect(self.path, isolation_level=None)
            try:
                cur = con.execute(sql, params)
                return cur.fetchall()
            finally:
                con.close()
        assert self.cluster is not None and self.name is not None
        return self.cluster.execute(sql.replace("?", "%s"), params or None, dbname=self.name)

    def script(self, sqlite_sql: str, postgresql_sql: str) -> None:
        """Several statements, one text per database."""
        if self.is_sqlite:
            con = sqlite3.connect(self.path, isolation_level=None)
            try:
                con.executescript(sqlite_sql)
            finally:
                con.close()
        else:
            self.execute(postgresql_sql)

    def state(self) -> tuple:
        """Everything in the database: snapshots, every row, every frame's size."""
        snaps = self.execute("SELECT * FROM snapshots ORDER BY id")
        rows = self.execute("SELECT * FROM roster_rows ORDER BY snapshot_id, row_no")
        frames = self.execute("SELECT snapshot_id, format, length(data) FROM snapshot_frames "
                              "ORDER BY snapshot_id")
        return [tuple(r) for r in snaps], [tuple(r) for r in rows], [tuple(r) for r in frames]

    def summary(self) -> tuple:
        """A cheap fingerprint of ``state`` (counts and sums) for large rosters."""
        snaps = self.execute("SELECT * FROM snapshots ORDER BY id")
        rows = self.execute("SELECT count(*), coalesce(sum(row_no), 0) FROM roster_rows")
        per = self.execute("SELECT snapshot_id, count(*) FROM roster_rows GROUP BY snapshot_id "
                           "ORDER BY snapshot_id")
        frames = self.execute("SELECT snapshot_id, length(data) FROM snapshot_frames "
                              "ORDER BY snapshot_id")
        return ([tuple(r) for r in snaps], tuple(rows[0]), [tuple(r) for r in per],
                [tuple(r) for r in frames])

    def partial_snapshots(self) -> list[int]:
        """Snapshots without a frame, or whose rows are neither none (a row table still to be
        written: ``rows_pending``) nor exactly 0..accepted_rows-1; and -1 when more than one
        snapshot is current or rows belong to no snapshot."""
        bad = self.execute(
            "SELECT s.id FROM snapshots s "
            "LEFT JOIN (SELECT snapshot_id, count(*) AS n, max(row_no) AS top FROM roster_rows "
            "           GROUP BY snapshot_id) r ON r.snapshot_id = s.id "
            "LEFT JOIN snapshot_frames f ON f.snapshot_id = s.id "
            "WHERE f.snapshot_id IS NULL OR (coalesce(r.n, 0) <> 0 AND "
            "      (r.n <> s.accepted_rows OR r.top <> s.accepted_rows - 1)) "
            "ORDER BY s.id")
        out = [int(r[0]) for r in bad]
        orphans = self.execute("SELECT count(*) FROM roster_rows r WHERE NOT EXISTS "
                               "(SELECT 1 FROM snapshots s WHERE s.id = r.snapshot_id)")
        current = self.execute("SELECT count(*) FROM snapshots WHERE is_current = ?", (True,))
        if current[0][0] > 1 or orphans[0][0]:
            out.append(-1)
        return out

    def rows_pending(self) -> list[int]:
        """Snapshots with rows to hold whose row table is not written (yet)."""
        return [int(r[0]) for r in self.execute(
            "SELECT s.id FROM snapshots s WHERE s.accepted_rows > 0 AND NOT EXISTS "
            "(SELECT 1 FROM roster_rows r WHERE r.snapshot_id = s.id) ORDER BY s.id")]

    def current(self) -> list[int]:
        return [int(r[0]) for r in
                self.execute("SELECT id FROM snapshots WHERE is_current = ? ORDER BY id",
                             (True,))]

    # -- faults from outside ---------------------------------------------------------------------
    def fail_insert_at(self, row_no: int, message: str = "refused by a test trigger") -> None:
        """A trigger that makes inserting roster row ``row_no`` fail (any snapshot)."""
        self.script(
            f"CREATE TRIGGER test_fail_row BEFORE INSERT ON roster_rows "
            f"WHEN NEW.row_no = {int(row_no)} BEGIN SELECT RAISE(ABORT, '{message}'); END;",
            "CREATE FUNCTION test_fail_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.row_no = {int(row_no)} THEN RAISE EXCEPTION '{message}'; END IF; "
            "RETURN NEW; END $$; "
            "CREATE TRIGGER test_fail_row BEFORE INSERT ON roster_rows FOR EACH ROW "
            "EXECUTE FUNCTION test_fail_row();")

    @contextmanager
    def write_lock_held(self) -> Iterator[None]:
        """Another session holds the write lock: SQLite ``BEGIN IMMEDIATE``; PostgreSQL
        ``LOCK TABLE snapshots IN EXCLUSIVE MODE`` (readers go on, writers wait)."""
        if self.is_sqlite:
            holder = sqlite3.connect(self.path, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            try:
                yield
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            return
        import psycopg

        assert self.cluster is not None
        with psycopg.connect(self.cluster.dsn(self.name)) as holder:
            holder.execute("LOCK TABLE snapshots IN EXCLUSIVE MODE")
            try:
                yield
            finally:
                holder.rollback()

    def read_only_url(self) -> str:
        """A URL to the same database that may read but not write: SQLite ``mode=ro``;
        PostgreSQL a login role with SELECT everywhere whose INSERT on roster_rows was
        revoked (what an administrator's REVOKE does to a running app)."""
        if self.is_sqlite:
            return f"sqlite:///file:{self.path.as_posix()}?mode=ro&uri=true"
        role = f"ro_{self.name}"
        self.execute(f'CREATE ROLE "{role}" LOGIN')
        self.execute(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"')
        self.execute(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
        self.execute(f'REVOKE INSERT ON roster_rows FROM "{role}"')
        return self.cluster.url(self.name, user=role)
