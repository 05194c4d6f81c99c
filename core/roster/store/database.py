"""Opening a store's database and working in it: the engine (SQLite in WAL mode with
``BEGIN IMMEDIATE``, PostgreSQL with ``lock_timeout``), the tables made when missing, errors
turned into ``StoreError``, write transactions, the switch and rows locks, the switch of the
current snapshot and the WAL shrunk after big writes."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

from core.roster.store.errors import DB_ERRORS, StoreError, store_error, translate
from core.roster.store.tables import metadata, one_current_index, snapshots_table
from core.runtime.config import private_file

REPO_ROOT = Path(__file__).resolve().parents[3]
CONNECT_TIMEOUT_S = 10
CHUNK_ROWS = 50_000
# PostgreSQL: the transaction-scoped advisory lock that serialises switches of the current
# snapshot (imports, set_current, delete, the first demo import). Any constant bigint will do.
SWITCH_LOCK_KEY = 0x65636572740001
# PostgreSQL: the lock that serialises writing a committed snapshot's row table with deleting it.
ROWS_LOCK_KEY = 0x65636572740002


def _switch_to_wal(cur: sqlite3.Cursor, timeout: float) -> None:
    """Put the database in WAL mode (persistent: once is enough for every later connection).

    Switching needs a moment's exclusive lock, and SQLite answers ``database is locked`` at
    once, without its busy handler, while another process opens or switches the same new
    file: two servers starting together. So retry, within ``timeout``, until the mode is WAL.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0].lower()
            if mode in ("wal", "memory"):
                return
            cur.execute("PRAGMA journal_mode = WAL")  # a file system without WAL keeps its mode
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


class Database:
    """A store's database: opened (tables made when missing), its errors translated, its
    transactions and locks. ``Store`` (the package) adds what it keeps and reads."""

    def __init__(self, url: str, *, timeout: float = 30.0, chunk_rows: int = CHUNK_ROWS):
        """Open (and create when needed) the database at SQLAlchemy ``url``.

        ``timeout``: seconds to wait for another writer before ``db_locked``;
        ``chunk_rows``: rows per insert batch (and per ``progress`` call).
        """
        self.timeout = float(timeout)
        self.chunk_rows = int(chunk_rows)
        try:
            self.url = sa.make_url(url)
        except (sa_exc.ArgumentError, ValueError) as exc:
            raise store_error("bad_url.unreadable", url=url, error=exc) from exc
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        self.is_memory = False  # an in-memory SQLite database: no other process can see it
        kwargs: dict = {}
        if self.is_sqlite:
            database = self.url.database or ""
            memory = self.is_memory = database in ("", ":memory:") or "mode=memory" in database
            if not memory and not database.startswith("file:"):
                with self._guard("open"):
                    # 0600; SQLite gives the -wal and -shm files the same mode
                    private_file(Path(database).expanduser())
            kwargs["connect_args"] = {"timeout": self.timeout, "check_same_thread": False}
            if memory:
                kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_pre_ping"] = True  # a connection the server dropped is replaced
            if self.url.get_backend_name() == "postgresql":
                kwargs["connect_args"] = {
                    "connect_timeout": CONNECT_TIMEOUT_S,
                    "application_name": "ecert-desk",
                    # waiting for another writer ends after `timeout` with db_locked
                    "options": f"-c lock_timeout={int(self.timeout * 1000)}",
                }
        try:
            self.engine = sa.create_engine(self.url, **kwargs)
        except (sa_exc.ArgumentError, ImportError) as exc:  # unknown dialect or missing driver
            raise store_error("bad_url.unusable", where=self._where(), error=exc) from exc
        if self.is_sqlite:
            self._install_sqlite_hooks()
        self.is_postgresql = self.engine.dialect.name == "postgresql"
        with self._guard("open"):
            missing_tables, missing_index = self._missing_schema()
        if missing_tables:
            # Two servers starting at once must not both create tables: creating is a write
            # transaction like any other (SQLite: BEGIN IMMEDIATE, so the second waits instead
            # of failing on a stale read of sqlite_master; PostgreSQL: the switch lock), and
            # create_all checks again inside it.
            with self._guard("open"), self._write() as conn:
                self._lock_switch(conn)
                metadata.create_all(conn)
        elif missing_index:  # databases made before the index get it now
            try:
                with self._write() as conn:
                    self._lock_switch(conn)
                    one_current_index.create(conn, checkfirst=True)
            except DB_ERRORS as exc:  # a read-only database is still readable without it
                err = self._translate(exc, "open")
                if err.code != "db_unwritable":
                    raise err from exc

    def _missing_schema(self) -> tuple[bool, bool]:
        """(a table is missing, the one-current index is missing), read without a write lock:
        opening a store while another process imports must not wait for the import."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            tables = set(inspector.get_table_names())
            if not set(metadata.tables) <= tables:
                return True, True
            indexes = {ix["name"] for ix in inspector.get_indexes(snapshots_table.name)}
            return False, one_current_index.name not in indexes

    @classmethod
    def from_config(cls, **kwargs) -> Self:
        """The store of the configured ``ECERT_DB_URL`` (core.config), else ``data/ecert.db``."""
        try:
            from core.runtime import config
        except ModuleNotFoundError as exc:
            if exc.name != "core.runtime.config":
                raise
            path = REPO_ROOT / "data" / "ecert.db"
            return cls(f"sqlite:///{path.as_posix()}", **kwargs)
        try:
            url = config.db_url()
        except config.ConfigError as exc:
            raise StoreError(exc.code, exc.message_zh, exc.message_en) from exc
        return cls(url, **kwargs)

    def close(self) -> None:
        """Release the connections (the database file stays)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._where()!r})"

    # -- SQLite specifics ------------------------------------------------------------------------
    def _install_sqlite_hooks(self) -> None:
        timeout_ms = int(self.timeout * 1000)

        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
            cur = dbapi_conn.cursor()
            try:
                cur.execute(f"PRAGMA busy_timeout = {timeout_ms}")
                _switch_to_wal(cur, self.timeout)
                cur.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a crash never corrupts
                cur.execute("PRAGMA foreign_keys = ON")
                cur.execute("PRAGMA journal_size_limit = 67108864")  # shrink the WAL after use
                cur.execute("PRAGMA cache_size = -32000")
            finally:
                cur.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql(conn.get_execution_options().get("ecert_begin", "BEGIN"))

    # -- errors ---------------------------------------------------------------------------------
    def _where(self) -> str:
        if self.is_sqlite:
            return self.url.database or ":memory:"
        return self.url.render_as_string(hide_password=True)

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn database and file-system errors into StoreError; let everything else through."""
        try:
            yield
        except StoreError:
            raise
        except DB_ERRORS as exc:
            raise self._translate(exc, action) from exc

    def _translate(self, exc: BaseException, action: str) -> StoreError:
        return translate(exc, action, self._where(), self.timeout)

    # -- transactions ------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """One write transaction (SQLite: BEGIN IMMEDIATE); rolled back on any exception."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                conn = conn.execution_options(ecert_begin="BEGIN IMMEDIATE")
            with conn.begin():
                yield conn

    def _lock_switch(self, conn: sa.Connection) -> None:
        """PostgreSQL: wait (at most ``timeout``) for the right to change which snapshot is
        current; held until the transaction ends. SQLite: BEGIN IMMEDIATE already holds it."""
        if self.is_postgresql:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(SWITCH_LOCK_KEY)))

    def _lock_rows(self, conn: sa.Connection) -> None:
        """PostgreSQL: wait (at most ``timeout``) for the right to write or delete a snapshot's
        row table after its snapshot was committed (``write_pending_rows``, ``delete_snapshot``);
        held until the transaction ends. SQLite: BEGIN IMMEDIATE already holds it."""
        if self.is_postgresql:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(ROWS_LOCK_KEY)))

    @staticmethod
    def _make_current(conn: sa.Connection, snapshot_id: int) -> None:
        """Two statements, so the one-current index never sees two current rows."""
        s = snapshots_table
        conn.execute(s.update().where(s.c.is_current.is_(True), s.c.id != snapshot_id)
                     .values(is_current=False))
        conn.execute(s.update().where(s.c.id == snapshot_id).values(is_current=True))

    @staticmethod
    def _current(conn: sa.Connection) -> int | None:
        s = snapshots_table
        sid = conn.execute(sa.select(s.c.id).where(s.c.is_current.is_(True))
                           .order_by(s.c.id.desc()).limit(1)).scalar()
        return None if sid is None else int(sid)

    def _shrink_wal(self) -> None:
        """SQLite: after a big import, copy the WAL into the database and truncate it, so the
        file does not keep the size of the import. Best effort: skipped while readers are busy."""
        if not self.is_sqlite:
            return
        try:
            with self.engine.connect() as conn:
                raw = conn.connection.driver_connection
                raw.execute("PRAGMA busy_timeout = 0")
                try:
                    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                finally:
                    raw.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        except (sa_exc.SQLAlchemyError, sqlite3.Error):
            pass

    def _require(self, conn: sa.Connection, snapshot_id: int) -> None:
        s = snapshots_table
        if conn.execute(sa.select(s.c.id).where(s.c.id == snapshot_id)).scalar() is None:
            raise store_error("snapshot_unknown", snapshot_id=snapshot_id)
