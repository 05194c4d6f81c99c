"""The admin audit log: an append-only table of who did what on /admin, and when.

CONTRACT.md "Admin accounts, scopes and audit". One table in the roster database,
``admin_audit``: ``id`` (never reused), ``at`` (UTC, ISO 8601), ``login``, ``client`` (the
address the login throttle keys on), ``action`` (:data:`ACTIONS`) and ``detail`` (a short
``key=value; …`` text: file name, rows, snapshot, what was exported with which filter, which
account changed how). The module only inserts and reads; the database itself refuses UPDATE
and DELETE on it (a trigger on SQLite and on PostgreSQL), so a log line, once written, stays.

It never holds a password, a hash or a row's personal data: callers pass counts, ids, file
names and filters (``detail`` keys are checked against :data:`FORBIDDEN_KEYS`).

Never imports streamlit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from core.roster.io import to_csv_bytes

__all__ = ["ACTIONS", "COLUMNS", "csv_bytes", "read", "record"]

COLUMNS = ("at", "login", "client", "action", "detail")
ACTIONS = ("login_ok", "login_refused", "logout", "idle_timeout", "session_moved",
           "import_accepted", "import_cancelled", "snapshot_switched", "snapshot_deleted",
           "download", "account_added", "account_disabled", "account_enabled",
           "account_password")
FORBIDDEN_KEYS = ("password", "hash", "name", "birth_date", "registration_number")

metadata = sa.MetaData()

audit_table = sa.Table(
    "admin_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("login", sa.String(64), nullable=False),
    sa.Column("client", sa.String(256), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sqlite_autoincrement=True,
)
sa.Index("ix_admin_audit_at", audit_table.c.at)

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS admin_audit_no_update BEFORE UPDATE ON admin_audit "
    "BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS admin_audit_no_delete BEFORE DELETE ON admin_audit "
    "BEGIN SELECT RAISE(ABORT, 'admin_audit is append-only'); END",
)
_PG_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION ecert_admin_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'admin_audit is append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS admin_audit_append_only ON admin_audit",
    "CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE ON admin_audit "
    "FOR EACH ROW EXECUTE FUNCTION ecert_admin_audit_append_only()",
)


def create(conn: sa.Connection, postgresql: bool) -> None:
    """The table, its index and the append-only triggers (inside the caller's transaction)."""
    metadata.create_all(conn)
    for statement in (_PG_TRIGGERS if postgresql else _SQLITE_TRIGGERS):
        conn.exec_driver_sql(statement)


def _detail(detail: dict | None) -> str:
    parts = []
    for key, value in (detail or {}).items():
        if any(word in key.lower() for word in FORBIDDEN_KEYS):
            raise ValueError(f"the audit log never holds {key!r}")
        if isinstance(value, list | tuple | set):
            value = ",".join(str(v) for v in value)
        text = str(value).replace("\n", " ").replace(";", ",")
        parts.append(f"{key}={text}")
    return "; ".join(parts)


def record(store, login: str, client: str, action: str, detail: dict | None = None) -> None:
    """Append one line (its own transaction). ``store``: a core.roster.store.Store."""
    from core.admin.accounts import ensure_tables

    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    ensure_tables(store)
    with store._guard("write"), store._write() as conn:
        conn.execute(audit_table.insert().values(
            at=datetime.now(UTC).isoformat(timespec="milliseconds"), login=str(login or "-"),
            client=str(client or "-"), action=action, detail=_detail(detail)))


def _day_start(d: date) -> str:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).isoformat(timespec="milliseconds")


def read(store, since: date | None = None, until: date | None = None, *,
         login: str | None = None, action: str | None = None) -> pd.DataFrame:
    """The log (oldest first) in ``COLUMNS``; ``since``/``until`` are days (UTC), both
    included; ``login``/``action`` keep only those lines."""
    from core.admin.accounts import ensure_tables

    ensure_tables(store)
    a = audit_table
    query = sa.select(*[a.c[c] for c in COLUMNS]).order_by(a.c.id)
    if since is not None:
        query = query.where(a.c.at >= _day_start(since))
    if until is not None:
        query = query.where(a.c.at < _day_start(until + timedelta(days=1)))
    if login:
        query = query.where(a.c.login == login.strip().lower())
    if action:
        query = query.where(a.c.action == action)
    with store._guard("read"), store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=list(COLUMNS))


def newest_id(store) -> int:
    """The id of the newest line (0 for an empty log). The log is append-only, so the lines up
    to it never change: a reader may keep what it read for as long as this stays the same."""
    from core.admin.accounts import ensure_tables

    ensure_tables(store)
    with store._guard("read"), store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.max(audit_table.c.id))).scalar() or 0)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The log as CSV (UTF-8 with BOM, like every admin export), columns ``COLUMNS``."""
    return to_csv_bytes(frame[list(COLUMNS)], encoding="utf-8-sig")
