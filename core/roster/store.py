"""The roster database: imported rosters kept as snapshots, one of them current.

SQLAlchemy 2 Core (no ORM) over any URL; SQLite by default (CONTRACT.md "Configuration":
``ECERT_DB_URL``, default a file under ``data/``). Four tables:

``snapshots``
    ``id`` (primary key, never reused), ``created_at`` (UTC, ISO 8601 text), ``file_name``,
    ``sha256``, ``accepted_rows``, ``rejected_rows``, ``is_current`` (at most one true),
    ``note``.
``snapshot_frames``
    ``snapshot_id`` (primary key, foreign key to ``snapshots.id``), ``format`` (``parquet``)
    and ``data``: the snapshot's rows as one compressed Parquet blob, written in the
    transaction that creates the snapshot. ``load`` reads it (a 1,000,000-row roster in well
    under a second) and falls back to ``roster_rows`` for a snapshot without one.
``snapshot_problems``
    ``snapshot_id`` (primary key, foreign key to ``snapshots.id``), ``format`` (``parquet``)
    and ``data``: the rows the snapshot's import rejected, one line per problem (``row`` in
    the file, ``column``, ``header``, ``code``, ``problem_zh``, ``problem_en`` and the row's
    ``name``, ``registration_number``, ``employer``, ``specialty`` as read), written in the
    transaction that creates the snapshot; none for a snapshot without rejected rows (and for
    one made before this table). ``problems`` reads it. A database made before it gets the
    table when a store opens it.
``roster_rows``
    ``snapshot_id`` (foreign key to ``snapshots.id``) and ``row_no`` (0-based position in the
    imported frame) form the primary key, which is also the index on ``snapshot_id``; then the 13
    canonical roster columns (CONTRACT.md "Roster file"). Dates are ISO ``YYYY-MM-DD`` text
    (portable across dialects, sorts and compares as dates, and converts fastest in both
    directions); ``continuing_education_done`` is a nullable boolean. On SQLite the table is
    ``WITHOUT ROWID``: rows are stored in key order, so an import appends and a load reads
    sequentially without a second index.

Databases
    SQLite (the embedded default) and PostgreSQL (``postgresql+psycopg://…``, psycopg 3) are
    both tested (tests/test_store.py runs every test on each). The rows go in by each
    database's bulk path: PostgreSQL ``COPY … FROM STDIN`` (CSV written by Arrow, one chunk of
    ``chunk_rows`` rows at a time), SQLite ``executemany`` per chunk.

Guarantees
    ``import_snapshot`` writes the snapshot record, all its rows and the switch of the current
    snapshot in ONE transaction: when it fails, is cancelled (the ``progress`` callback raises),
    loses its connection or the process is killed, the database and the current snapshot are
    exactly as before. A unique partial index allows at most one current snapshot. On SQLite
    the database runs in WAL mode (readers keep reading the current snapshot during an import)
    and write transactions start with ``BEGIN IMMEDIATE`` (two writers queue instead of failing
    half-way). On PostgreSQL two imports write their rows side by side and queue only for the
    switch (a transaction-scoped advisory lock); waiting for a lock is bounded by ``timeout``
    (``lock_timeout``).

Row table later
    ``import_snapshot(..., rows_later=True)`` (the admin page's import) commits the snapshot
    record, its Parquet frame and the switch in one transaction and leaves ``roster_rows``
    for ``write_pending_rows``, which the page runs in a background process
    (``core.admin.importing.write_rows_later``): a 1M-row import is current in about a second
    instead of after the 6-7 s the SQLite row table takes. Until then the snapshot is listed
    by ``rows_pending``; it is complete (``load`` reads the frame) and ``integrity_check``
    accepts it. Writing the rows is one transaction per snapshot and checks again under the
    lock that they are still missing, so a killed writer leaves them pending (the admin page
    starts a writer for whatever is pending when a server opens the store) and two writers
    never both write them. Each snapshot's rows are, at every moment, none or all.

Concurrent imports
    ``import_snapshot(..., expect_current=ID)`` makes the import optimistic: inside the
    transaction, under the lock, the current snapshot is compared with ``ID`` (what the admin
    saw when checking the file). When another import (or a switch) became current in between,
    the new snapshot is still stored complete, but NOT made current, and
    :class:`ImportSuperseded` (``import_superseded``) says which snapshot is current and which
    one holds these rows. Nothing is lost, nothing is mixed, and exactly one is current.

Errors
    Every database problem reaches the caller as :class:`StoreError` with a code, and a Chinese
    and an English message naming the problem and the fix: ``db_locked``, ``disk_full``,
    ``db_unwritable``, ``db_corrupt``, ``db_unreachable``, ``db_timeout``, ``db_error``,
    ``bad_url``, ``no_snapshot``, ``snapshot_unknown``, ``snapshot_current``,
    ``invalid_roster``, ``import_superseded``.

Never imports streamlit.
"""

from __future__ import annotations

import errno
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

try:  # the PostgreSQL driver (requirements.txt); SQLite works without it
    import psycopg
except ImportError:  # pragma: no cover - only on a SQLite-only installation
    psycopg = None

from core.messages.catalogue import text
from core.messages.errors import CodedError
from core.runtime.config import private_file
from core.schema.roster import DATE_COLUMNS, FLAG_COLUMN
from core.schema.roster import ROSTER_COLUMNS as COLUMNS  # the database keeps every column

__all__ = ["COLUMNS", "CHUNK_ROWS", "UNCHECKED", "ImportSuperseded", "Store", "StoreError"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DB_ERRORS: tuple[type[BaseException], ...] = (sa_exc.SQLAlchemyError, sqlite3.Error, OSError)
if psycopg is not None:
    DB_ERRORS += (psycopg.Error,)
CONNECT_TIMEOUT_S = 10
CHUNK_ROWS = 50_000
LOAD_BATCH_ROWS = 100_000
SNAPSHOT_COLUMNS = ("id", "created_at", "file_name", "sha256", "accepted_rows", "rejected_rows",
                    "is_current", "note")

Progress = Callable[[int, int], object]
# PostgreSQL: the transaction-scoped advisory lock that serialises switches of the current
# snapshot (imports, set_current, delete, the first demo import). Any constant bigint will do.
SWITCH_LOCK_KEY = 0x65636572740001
# PostgreSQL: the lock that serialises writing a committed snapshot's row table with deleting it.
ROWS_LOCK_KEY = 0x65636572740002
# PostgreSQL error classes (SQLSTATE) the messages distinguish.
PG_LOCKED = {"55P03", "40P01"}  # lock_not_available (lock_timeout), deadlock_detected
PG_TIMEOUT = {"57014"}  # query_canceled: statement_timeout or a cancel request
PG_UNWRITABLE = {"42501", "25006"}  # insufficient_privilege, read_only_sql_transaction
PG_FULL = {"53100"}  # disk_full
PG_GONE_PREFIXES = ("08", "57P", "28", "3D")  # connection, shutdown, login, no such database


class _Unchecked:
    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = _Unchecked()  # import_snapshot(expect_current=...) default: no optimistic check


class StoreError(CodedError, RuntimeError):
    """A database problem, said in Chinese and English with the fix; ``code`` is stable."""

    def __init__(self, code: str, message_zh: str, message_en: str, detail: str | None = None):
        super().__init__(code, message_zh, message_en)
        self.detail = detail


def _error(key: str, detail: str | None = None, /, **values) -> StoreError:
    """The StoreError of messages.toml ``[store.<key>]``: its code is the key's first part."""
    zh, en = text("store", key, **values)
    return StoreError(key.split(".", 1)[0], zh, en, detail)


class ImportSuperseded(StoreError):
    """Another import (or a switch) became current while this one was stored: the rows are kept
    complete as ``snapshot_id`` (not current); ``current_id`` is the current snapshot."""

    def __init__(self, snapshot_id: int, current_id: int | None):
        self.snapshot_id = int(snapshot_id)
        self.current_id = current_id
        other = f"#{current_id}" if current_id is not None else "—"
        super().__init__("import_superseded", *text("store", "import_superseded", other=other,
                                                    snapshot_id=snapshot_id))


# -- schema ----------------------------------------------------------------------------------
metadata = sa.MetaData()

snapshots_table = sa.Table(
    "snapshots", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("accepted_rows", sa.Integer, nullable=False),
    sa.Column("rejected_rows", sa.Integer, nullable=False),
    sa.Column("is_current", sa.Boolean, nullable=False, default=False),
    sa.Column("note", sa.Text),
    sqlite_autoincrement=True,  # ids are never reused after a delete
)

# At most one current snapshot, enforced by the database itself (a unique partial index).
one_current_index = sa.Index(
    "ix_snapshots_one_current", snapshots_table.c.is_current, unique=True,
    sqlite_where=snapshots_table.c.is_current.is_(True),
    postgresql_where=snapshots_table.c.is_current.is_(True),
)

roster_rows_table = sa.Table(
    "roster_rows", metadata,
    sa.Column("snapshot_id", sa.Integer, nullable=False),
    sa.Column("row_no", sa.Integer, nullable=False),
    *[
        sa.Column(c, sa.Boolean if c == FLAG_COLUMN else sa.String(10) if c in DATE_COLUMNS
                  else sa.Text)
        for c in COLUMNS
    ],
    sa.PrimaryKeyConstraint("snapshot_id", "row_no", name="pk_roster_rows"),
    # SQLite checks a foreign key per row almost for free; PostgreSQL runs a trigger per row,
    # which more than doubled the time of a 1M-row COPY. There the rows of a snapshot are
    # written only in the transaction that creates it and deleted with it, and
    # incomplete_snapshots()/integrity_check() look for rows without a snapshot.
    sa.ForeignKeyConstraint(["snapshot_id"], ["snapshots.id"],
                            name="fk_roster_rows_snapshot").ddl_if(dialect="sqlite"),
    sqlite_with_rowid=False,
)


snapshot_frames_table = sa.Table(
    "snapshot_frames", metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), primary_key=True),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)


snapshot_problems_table = sa.Table(
    "snapshot_problems", metadata,
    sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), primary_key=True),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

#: The columns of a snapshot's problems (``Store.problems``), all text but ``row``.
PROBLEM_COLUMNS = ("row", "column", "header", "code", "problem_zh", "problem_en", "name",
                   "registration_number", "employer", "specialty")


def _problems_frame(problems: pd.DataFrame | None) -> pd.DataFrame:
    """``problems`` in ``PROBLEM_COLUMNS`` (missing ones empty): ``row`` int64, text as str."""
    src = problems if problems is not None else pd.DataFrame()
    out = {}
    for c in PROBLEM_COLUMNS:
        if c == "row":
            out[c] = pd.to_numeric(src[c], errors="coerce").fillna(0).astype("int64").to_numpy() \
                if c in src else np.zeros(len(src), dtype=np.int64)
        else:
            col = src[c] if c in src else pd.Series([""] * len(src), dtype=object)
            out[c] = [("" if pd.isna(v) else str(v)) for v in col]
    return pd.DataFrame(out, columns=list(PROBLEM_COLUMNS))


def _frame_to_parquet(frame: pd.DataFrame) -> bytes:
    """The canonical frame as Parquet bytes (zstd): what ``load`` reads back fastest."""
    buf = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buf, compression="zstd",
                   write_statistics=False)  # never read: load takes the whole blob (-25 %)
    return buf.getvalue().to_pybytes()


def _frame_from_parquet(data: bytes) -> pd.DataFrame:
    # Read by row group (one per 1Mi rows), not in read_table's 128Ki-row batches: taking a few
    # rows of a text column made of 8 chunks cost 1 ms per column and let go of the GIL at every
    # chunk (the admin table's 1,000 rows: 15 ms alone, 150 ms beside a busy thread); of one
    # chunk, 0.1 ms. Reading costs the same.
    table = pq.ParquetFile(pa.BufferReader(data)).read()
    out = {}
    for c in COLUMNS:
        col = table.column(c)
        if c in DATE_COLUMNS:
            out[c] = col.cast(pa.timestamp("s")).to_numpy()
        elif c == FLAG_COLUMN:
            out[c] = pd.arrays.BooleanArray(
                pc.fill_null(col, False).to_numpy(zero_copy_only=False),
                col.is_null().to_numpy(zero_copy_only=False))
        else:
            out[c] = pd.array(pd.arrays.ArrowStringArray(col.cast(pa.large_string())),
                              dtype="string")
    # the arrays are new and this frame's alone: no second copy to stack the date columns
    return pd.DataFrame(out, columns=list(COLUMNS), copy=False)


# -- frame <-> rows ----------------------------------------------------------------------------
def _normalise(df: pd.DataFrame) -> pd.DataFrame:
    """The canonical columns with the canonical dtypes, or StoreError('invalid_roster')."""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise _error("invalid_roster.missing_columns", columns=", ".join(missing))
    out = {}
    try:
        for c in COLUMNS:
            s = df[c].reset_index(drop=True)
            if c in DATE_COLUMNS:
                if s.dtype.kind != "M":
                    s = pd.to_datetime(s, errors="raise", format="ISO8601")
                if getattr(s.dt, "tz", None) is not None:
                    s = s.dt.tz_localize(None)
                s = s.dt.normalize()
            elif c == FLAG_COLUMN:
                s = s.astype("boolean")
            else:
                s = s.astype("string")
            out[c] = s
    except (ValueError, TypeError) as exc:
        raise _error("invalid_roster.bad_values", column=c, error=exc) from exc
    return pd.DataFrame(out)


def _iso_lookup(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, table): ``table[codes]`` is the ISO text of each date, None for NaT."""
    codes, uniques = pd.factorize(s)
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = pd.DatetimeIndex(uniques).strftime("%Y-%m-%d").to_numpy(dtype=object)
    table[-1] = None  # code -1 (NaT) picks the last slot
    return codes, table


def _row_chunks(df: pd.DataFrame, snapshot_id: int, chunk: int) -> Iterator[tuple[int, list]]:
    """(rows done after this chunk, list of row tuples in table column order)."""
    n = len(df)
    dates = {c: _iso_lookup(df[c]) for c in DATE_COLUMNS}
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        cols: list[list] = [[snapshot_id] * (stop - start), list(range(start, stop))]
        for c in COLUMNS:
            if c in DATE_COLUMNS:
                codes, table = dates[c]
                cols.append(table[codes[start:stop]].tolist())
            else:
                cols.append(df[c].iloc[start:stop].to_numpy(dtype=object, na_value=None).tolist())
        yield stop, list(zip(*cols, strict=True))


_CSV_OPTIONS = pa_csv.WriteOptions(include_header=False, quoting_style="needed")


def _csv_chunks(df: pd.DataFrame, snapshot_id: int, chunk: int) -> Iterator[tuple[int, bytes]]:
    """(rows done after this chunk, the chunk as PostgreSQL ``COPY … (FORMAT csv)`` input).

    Arrow writes the CSV in C++: text is always quoted (so an empty text stays empty), a missing
    value is an unquoted empty field (NULL), dates ISO ``YYYY-MM-DD``, flags ``true``/``false``.
    """
    n = len(df)
    arrays = [pa.array(np.full(n, snapshot_id, dtype=np.int64)), pa.array(np.arange(n))]
    for c in COLUMNS:
        if c in DATE_COLUMNS:
            day = pc.cast(pa.array(df[c].to_numpy(dtype="datetime64[s]")), pa.date32())
            arrays.append(pc.cast(day, pa.string()))
        elif c == FLAG_COLUMN:
            arrays.append(pa.array(df[c], type=pa.bool_()))
        else:
            arrays.append(pa.array(df[c], type=pa.large_string()))
    table = pa.Table.from_arrays(arrays, names=["snapshot_id", "row_no", *COLUMNS])
    for start in range(0, n, chunk):
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(table.slice(start, chunk), sink, write_options=_CSV_OPTIONS)
        yield min(n, start + chunk), sink.getvalue().to_pybytes()


def _refuse_nul(df: pd.DataFrame) -> None:
    """StoreError('invalid_roster') when a text holds a NUL character: PostgreSQL cannot store
    one, so no database does (the same roster imports the same everywhere)."""
    for c in COLUMNS:
        if c in DATE_COLUMNS or c == FLAG_COLUMN:
            continue
        column = pa.array(df[c])
        if not isinstance(column, pa.ChunkedArray):
            column = pa.chunked_array([column])
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.large_string())
        # a NUL byte anywhere in the value buffers (cheap), then which value holds it
        if all(chunk.buffers()[2] is None
               or np.frombuffer(chunk.buffers()[2], dtype=np.uint8).min(initial=1) != 0
               for chunk in column.chunks):
            continue
        hits = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(hits).as_py():
            row = int(np.flatnonzero(hits.to_numpy(zero_copy_only=False))[0])
            raise _error("invalid_roster.nul", column=c, row=row + 1)


def _copy_out_rows(raw, snapshot_id: int) -> list[pa.StructArray]:
    """PostgreSQL: a snapshot's rows by ``COPY … TO STDOUT (FORMAT csv)``, parsed by Arrow
    (NULL is an unquoted empty field, an empty text a quoted one, flags t/f)."""
    sql = (f"COPY (SELECT {', '.join(COLUMNS)} FROM roster_rows "
           f"WHERE snapshot_id = {int(snapshot_id)} ORDER BY row_no) TO STDOUT (FORMAT csv)")
    sink = pa.BufferOutputStream()
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for block in copy:
            sink.write(block)
    data = sink.getvalue()
    if data.size == 0:
        return []
    table = pa_csv.read_csv(
        pa.BufferReader(data),
        read_options=pa_csv.ReadOptions(column_names=list(COLUMNS)),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={c: pa.bool_() if c == FLAG_COLUMN else pa.string() for c in COLUMNS},
            null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=False,
            true_values=["t"], false_values=["f"]))
    arrays = [pc.cast(table.column(c), pa.int8()) if c == FLAG_COLUMN
              else table.column(c) for c in COLUMNS]
    return [pa.StructArray.from_arrays([a.combine_chunks() for a in arrays],
                                       fields=list(_ROW_TYPE))]


_ROW_TYPE = pa.struct([(c, pa.int8() if c == FLAG_COLUMN else pa.string()) for c in COLUMNS])


def _rows_to_arrow(rows: list) -> pa.StructArray:
    """A batch of stored rows (tuples: ISO text, 0/1/None flags) as one Arrow struct array."""
    return pa.array(rows, type=_ROW_TYPE)


def _frame_from_arrow(batches: list[pa.StructArray]) -> pd.DataFrame:
    """Canonical frame from batches of stored rows converted by ``_rows_to_arrow``."""
    data = {}
    for i, c in enumerate(COLUMNS):
        col = pa.chunked_array([b.field(i) for b in batches], type=_ROW_TYPE.field(i).type)
        if c in DATE_COLUMNS:
            data[c] = pc.strptime(col, format="%Y-%m-%d", unit="s").to_numpy()
        elif c == FLAG_COLUMN:
            f = col.to_numpy().astype(float) if col.null_count == 0 else \
                pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
            data[c] = pd.arrays.BooleanArray(f == 1, np.isnan(f))
        else:
            data[c] = pd.array(pd.arrays.ArrowStringArray(col), dtype="string")
    return pd.DataFrame(data, columns=list(COLUMNS))


def empty_roster() -> pd.DataFrame:
    """A roster with no rows and the canonical columns and dtypes."""
    return _frame_from_arrow([_rows_to_arrow([])])


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


# -- the store -----------------------------------------------------------------------------------
class Store:
    """Snapshots of rosters in a database; see the module doc for the guarantees."""

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
            raise _error("bad_url.unreadable", url=url, error=exc) from exc
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
            raise _error("bad_url.unusable", where=self._where(), error=exc) from exc
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
    def from_config(cls, **kwargs) -> Store:
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
        return f"Store({self._where()!r})"

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

    def _translate_postgresql(self, orig, text: str, where: str) -> StoreError | None:
        """The PostgreSQL errors whose fix differs from SQLite's (by SQLSTATE); None: the
        generic rules below decide."""
        state = getattr(orig, "sqlstate", None) or ""
        low = text.lower()
        if state in PG_UNWRITABLE:
            return _error("db_unwritable.server", text, where=where, text=text)
        if state in PG_TIMEOUT:
            return _error("db_timeout", text, where=where, text=text)
        if state in PG_FULL or "could not extend file" in low or "no space left" in low:
            return _error("disk_full.server", text, where=where, text=text)
        if state in PG_LOCKED:
            return None  # the generic db_locked message
        if (state.startswith(PG_GONE_PREFIXES)
                or (isinstance(orig, psycopg.OperationalError) and not state)):
            return _error("db_unreachable", text, where=where, text=text)
        return None

    def _translate(self, exc: BaseException, action: str) -> StoreError:
        orig = getattr(exc, "orig", None) or exc
        text = str(orig).strip()
        low = text.lower()
        where = self._where()
        err_no = getattr(orig, "errno", None)
        if psycopg is not None and isinstance(orig, psycopg.Error):
            found = self._translate_postgresql(orig, text, where)
            if found is not None:
                return found
        if ("locked" in low or "busy" in low or "lock timeout" in low
                or getattr(orig, "sqlstate", None) in PG_LOCKED):
            return _error("db_locked", text, where=where, timeout=self.timeout)
        if "full" in low or err_no == errno.ENOSPC:
            return _error("disk_full.file", text, where=where)
        if ("not a database" in low or "malformed" in low or "corrupt" in low):
            return _error("db_corrupt", text, where=where)
        if (isinstance(orig, PermissionError | NotADirectoryError | FileExistsError)
                or err_no in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOTDIR)
                or "readonly" in low or "read-only" in low or "unable to open" in low
                or "permission" in low):
            return _error("db_unwritable.file", text, where=where, text=text)
        return _error("db_error", text, action=action, where=where, text=text)

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

    def _write_rows(self, conn: sa.Connection, frame: pd.DataFrame, snapshot_id: int,
                    progress: Progress | None) -> None:
        """All rows of ``frame`` into roster_rows, chunk by chunk, by the database's bulk path;
        ``progress(done, total)`` after each chunk."""
        total = len(frame)
        if self.is_postgresql and psycopg is not None:
            chunks = _csv_chunks(frame, snapshot_id, self.chunk_rows)
            names = ", ".join(("snapshot_id", "row_no", *COLUMNS))
            raw = conn.connection.driver_connection
            with raw.cursor() as cur:
                for done, data in chunks:
                    with cur.copy(f"COPY roster_rows ({names}) FROM STDIN (FORMAT csv)") as copy:
                        copy.write(data)
                    if progress is not None:
                        progress(done, total)
            return
        for done, rows in _row_chunks(frame, snapshot_id, self.chunk_rows):
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

    # -- public API ---------------------------------------------------------------------------
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
        that afterwards (module doc, "Row table later"). ``progress`` is then called with 0 and
        with the total.

        ``expect_current``: the snapshot id (None: no snapshot) the caller believes current.
        When another one became current meanwhile, the rows are still stored complete as a new
        snapshot that is NOT made current, and :class:`ImportSuperseded` is raised (module doc,
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
        frame = _normalise(df)
        _refuse_nul(frame)
        total = len(frame)
        created = datetime.now(UTC).isoformat(timespec="seconds")
        blob = _frame_to_parquet(frame)
        report = _problems_frame(problems)
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
                self._write_rows(conn, _frame_from_parquet(blob), sid, progress)
            written.append(sid)
        if written:
            self._shrink_wal()
        return written

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

    def _require(self, conn: sa.Connection, snapshot_id: int) -> None:
        s = snapshots_table
        if conn.execute(sa.select(s.c.id).where(s.c.id == snapshot_id)).scalar() is None:
            raise _error("snapshot_unknown", snapshot_id=snapshot_id)

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
                raise _error("snapshot_current", snapshot_id=snapshot_id)
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
            return _problems_frame(None)
        return _problems_frame(pq.read_table(pa.BufferReader(blob)).to_pandas())

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
                    raise _error("no_snapshot")
            else:
                sid = int(snapshot_id)
                self._require(conn, sid)
            f = snapshot_frames_table
            blob = conn.execute(sa.select(f.c.data).where(f.c.snapshot_id == sid,
                                                          f.c.format == "parquet")).scalar()
            if blob is not None:
                return _frame_from_parquet(blob)
            batches = []
            if self.is_sqlite:
                sql = (f"SELECT {', '.join(COLUMNS)} FROM roster_rows "
                       "WHERE snapshot_id = ? ORDER BY row_no")
                cur = conn.connection.driver_connection.cursor()
                try:
                    cur.execute(sql, (sid,))
                    while rows := cur.fetchmany(LOAD_BATCH_ROWS):
                        batches.append(_rows_to_arrow(rows))
                finally:
                    cur.close()
            elif self.is_postgresql and psycopg is not None:
                batches = _copy_out_rows(conn.connection.driver_connection, sid)
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
                    batches.append(_rows_to_arrow(fixed))
        if not batches:
            return empty_roster()
        return _frame_from_arrow(batches)

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

    def has_snapshots(self) -> bool:
        """Whether the database holds any snapshot at all (current or not)."""
        s = snapshots_table
        with self._guard("read"), self.engine.connect() as conn:
            return bool(conn.execute(sa.select(sa.func.count()).select_from(s)).scalar())

    def import_first_snapshot(self, df: pd.DataFrame, file_name: str, sha256: str, *,
                              note: str | None = None) -> int | None:
        """Store ``df`` as the first snapshot and make it current, in one transaction, only if
        the database has no snapshot at all (checked under the switch's lock, so two servers
        starting at once store it once). Its id, or None when a snapshot was already there."""
        return self._import(df, file_name, sha256, 0, None, note=note, only_if_empty=True)
