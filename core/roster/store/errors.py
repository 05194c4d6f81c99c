"""The store's errors: ``StoreError`` (a code and the problem and its fix in Chinese and English,
from messages.toml ``[store.*]``), ``ImportSuperseded``, and ``translate``, which names a database
or file-system error (SQLite, PostgreSQL by SQLSTATE, the OS) as one of them."""

from __future__ import annotations

import errno
import sqlite3

from sqlalchemy import exc as sa_exc

try:  # the PostgreSQL driver (requirements.txt); SQLite works without it
    import psycopg
except ImportError:  # pragma: no cover - only on a SQLite-only installation
    psycopg = None

from core.messages.catalogue import coded_error
from core.messages.catalogue import text as catalogue_text
from core.messages.errors import CodedError

DB_ERRORS: tuple[type[BaseException], ...] = (sa_exc.SQLAlchemyError, sqlite3.Error, OSError)
if psycopg is not None:
    DB_ERRORS += (psycopg.Error,)
# PostgreSQL error classes (SQLSTATE) the messages distinguish.
PG_LOCKED = {"55P03", "40P01"}  # lock_not_available (lock_timeout), deadlock_detected
PG_TIMEOUT = {"57014"}  # query_canceled: statement_timeout or a cancel request
PG_UNWRITABLE = {"42501", "25006"}  # insufficient_privilege, read_only_sql_transaction
PG_FULL = {"53100"}  # disk_full
PG_GONE_PREFIXES = ("08", "57P", "28", "3D")  # connection, shutdown, login, no such database


class StoreError(CodedError, RuntimeError):
    """A database problem, said in Chinese and English with the fix; ``code`` is stable."""

    def __init__(self, code: str, message_zh: str, message_en: str, detail: str | None = None):
        super().__init__(code, message_zh, message_en)
        self.detail = detail


def store_error(key: str, detail: str | None = None, /, **values) -> StoreError:
    """The StoreError of messages.toml ``[store.<key>]``: its code is the key's first part."""
    return coded_error(StoreError, "store", key, detail, **values)


class ImportSuperseded(StoreError):
    """Another import (or a switch) became current while this one was stored: the rows are kept
    complete as ``snapshot_id`` (not current); ``current_id`` is the current snapshot."""

    def __init__(self, snapshot_id: int, current_id: int | None):
        self.snapshot_id = int(snapshot_id)
        self.current_id = current_id
        other = f"#{current_id}" if current_id is not None else "—"
        super().__init__("import_superseded", *catalogue_text(
            "store", "import_superseded", other=other, snapshot_id=snapshot_id))


def _translate_postgresql(orig, text: str, where: str) -> StoreError | None:
    """The PostgreSQL errors whose fix differs from SQLite's (by SQLSTATE); None: the
    generic rules below decide."""
    state = getattr(orig, "sqlstate", None) or ""
    low = text.lower()
    if state in PG_UNWRITABLE:
        return store_error("db_unwritable.server", text, where=where, text=text)
    if state in PG_TIMEOUT:
        return store_error("db_timeout", text, where=where, text=text)
    if state in PG_FULL or "could not extend file" in low or "no space left" in low:
        return store_error("disk_full.server", text, where=where, text=text)
    if state in PG_LOCKED:
        return None  # the generic db_locked message
    if (state.startswith(PG_GONE_PREFIXES)
            or (isinstance(orig, psycopg.OperationalError) and not state)):
        return store_error("db_unreachable", text, where=where, text=text)
    return None


def translate(exc: BaseException, action: str, where: str, timeout: float) -> StoreError:
    """The StoreError that names ``exc`` (raised while doing ``action`` on the database
    ``where``; ``timeout``: the seconds a writer waited for a lock)."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    low = text.lower()
    err_no = getattr(orig, "errno", None)
    if psycopg is not None and isinstance(orig, psycopg.Error):
        found = _translate_postgresql(orig, text, where)
        if found is not None:
            return found
    if ("locked" in low or "busy" in low or "lock timeout" in low
            or getattr(orig, "sqlstate", None) in PG_LOCKED):
        return store_error("db_locked", text, where=where, timeout=timeout)
    if "full" in low or err_no == errno.ENOSPC:
        return store_error("disk_full.file", text, where=where)
    if ("not a database" in low or "malformed" in low or "corrupt" in low):
        return store_error("db_corrupt", text, where=where)
    if (isinstance(orig, PermissionError | NotADirectoryError | FileExistsError)
            or err_no in (errno.EACCES, errno.EROFS, errno.EPERM, errno.ENOTDIR)
            or "readonly" in low or "read-only" in low or "unable to open" in low
            or "permission" in low):
        return store_error("db_unwritable.file", text, where=where, text=text)
    return store_error("db_error", text, action=action, where=where, text=text)
