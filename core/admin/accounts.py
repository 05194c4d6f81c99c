"""Admin accounts, the login throttle and the known-good clients, in the roster database.

CONTRACT.md "Admin accounts, scopes and audit". Three tables beside the store's (same engine,
same database: every replica shares them, a restart keeps them), created on first use:

``admin_accounts``
    ``login`` (primary key, lower case), ``role`` (``national``/``province``/``viewer``),
    ``provinces`` (short names joined by ``,``; empty unless ``province``), ``password_hash``
    (argon2id PHC string, never printed), ``disabled``, ``created_at``, ``last_login_at``.
``admin_login_failures``
    ``key`` (``client:<address>`` or ``account:<login>``), ``failures``, ``last_at`` (Unix
    seconds): failed logins counted per client and per account.
``admin_known_clients``
    ``login``, ``client``, ``last_ok_at``: the addresses an account logged in from.

``ECERT_ADMIN_PASSWORD_HASH`` (when set) is the ``national`` account ``admin``
(:func:`env_account`); the login ``admin`` is therefore reserved in the table.

The throttle (:class:`LoginThrottle`) refuses an attempt unchecked only because of the failures
of the SAME client (its address, see ui/admin_session.py and ``ECERT_TRUSTED_PROXIES``): after
``free_failures`` each further failure doubles its wait (1, 2, 4 … 60 s). Failures per account
are counted too (the audit log and ``failures`` show an account under attack) but never make
anyone wait: a right password is never refused because of other clients' failures, and the cap
on concurrent argon2 checks (core/admin/auth.py ``check_slot``; one more slot kept for a client
the account logged in from before) bounds what guessing from many addresses costs. Check and
count are one write transaction (SQLite ``BEGIN IMMEDIATE``; PostgreSQL an advisory lock), so
replicas and threads see each other's attempts.

Never imports streamlit; nothing here logs a password or a hash.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from core.admin import auth
from core.admin.auth import hash_password, is_valid_hash
from core.admin.scope import ROLES, Scope, ScopeRefused, normalise_provinces
from core.messages.catalogue import coded_error
from core.messages.errors import CodedError
from core.roster.store import Store

__all__ = ["ENV_LOGIN", "Account", "AccountError", "Accounts", "LoginThrottle",
           "env_account", "ensure_tables", "metadata"]

ENV_LOGIN = "admin"
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")
ACCOUNT_COLUMNS = ("login", "role", "provinces", "disabled", "created_at", "last_login_at")
THROTTLE_LOCK_KEY = 0x65636572740003  # PostgreSQL advisory lock of the throttle's transactions

metadata = sa.MetaData()

accounts_table = sa.Table(
    "admin_accounts", metadata,
    sa.Column("login", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("provinces", sa.Text, nullable=False, default=""),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("last_login_at", sa.String(32)),
)

failures_table = sa.Table(
    "admin_login_failures", metadata,
    sa.Column("key", sa.String(320), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_at", sa.Float, nullable=False),
)

known_table = sa.Table(
    "admin_known_clients", metadata,
    sa.Column("login", sa.String(64), primary_key=True),
    sa.Column("client", sa.String(256), primary_key=True),
    sa.Column("last_ok_at", sa.Float, nullable=False),
)


class AccountError(CodedError, ValueError):
    """An account command that cannot be done (bilingual, with a code)."""


def account_error(key: str, /, **values) -> AccountError:
    """The AccountError of messages.toml ``[accounts.<key>]``: its code is the key's first
    part."""
    return coded_error(AccountError, "accounts", key, **values)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Account:
    login: str
    role: str
    provinces: tuple[str, ...]
    password_hash: str
    disabled: bool = False

    @property
    def scope(self) -> Scope:
        return Scope(self.role, self.provinces if self.role == "province" else ())


def env_account(password_hash: str | None) -> Account | None:
    """The ``national`` account ``admin`` of ``ECERT_ADMIN_PASSWORD_HASH`` (None when unset)."""
    if not password_hash:
        return None
    return Account(ENV_LOGIN, "national", (), password_hash.strip())


_ready: weakref.WeakSet[Store] = weakref.WeakSet()  # not ids: a freed store's id is reused


def ensure_tables(store: Store) -> None:
    """Create the account, throttle and audit tables when missing (once per store object; two
    servers starting at once queue on the store's write lock and check again inside it)."""
    if store in _ready:
        return
    from core.admin import audit  # the audit table lives with its module

    with store._guard("open"):
        with store.engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
        wanted = set(metadata.tables) | set(audit.metadata.tables)
        if not wanted <= present:
            with store._write() as conn:
                store._lock_switch(conn)
                metadata.create_all(conn)
                audit.create(conn, store.is_postgresql)
    _ready.add(store)


def check_login(login: str) -> str:
    """``login`` trimmed and in lower case; raises ``invalid_login``."""
    name = str(login or "").strip().lower()
    if not LOGIN_PATTERN.match(name):
        raise account_error("invalid_login", login=login)
    return name


class Accounts:
    """The accounts of one store (see the module doc)."""

    def __init__(self, store: Store):
        self.store = store
        ensure_tables(store)

    # -- reading ---------------------------------------------------------------------------
    def get(self, login: str) -> Account | None:
        name = str(login or "").strip().lower()
        if not name:
            return None
        a = accounts_table
        with self.store._guard("read"), self.store.engine.connect() as conn:
            row = conn.execute(sa.select(a).where(a.c.login == name)).mappings().first()
        if row is None:
            return None
        provinces = tuple(p for p in (row["provinces"] or "").split(",") if p)
        return Account(row["login"], row["role"], provinces, row["password_hash"],
                       bool(row["disabled"]))

    def any(self) -> bool:
        """Whether any account exists (disabled ones included)."""
        with self.store._guard("read"), self.store.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(accounts_table)
                                ).scalar_one() > 0

    def table(self) -> pd.DataFrame:
        """``login, role, provinces, disabled, created_at, last_login_at`` (never a hash)."""
        a = accounts_table
        with self.store._guard("list"), self.store.engine.connect() as conn:
            rows = conn.execute(sa.select(*[a.c[c] for c in ACCOUNT_COLUMNS])
                                .order_by(a.c.login)).all()
        out = pd.DataFrame(rows, columns=list(ACCOUNT_COLUMNS))
        out["provinces"] = out["provinces"].fillna("").str.replace(",", " ")
        out["disabled"] = out["disabled"].astype(bool)
        return out

    # -- changing --------------------------------------------------------------------------
    def add(self, login: str, role: str, provinces, password: str) -> Account:
        name, role, shorts = self.check_new(login, role, provinces)
        password_hash = hash_password(password)
        with self.store._guard("write"), self.store._write() as conn:
            exists = conn.execute(sa.select(accounts_table.c.login)
                                  .where(accounts_table.c.login == name)).first()
            if exists is not None:
                raise account_error("login_exists", login=name)
            conn.execute(accounts_table.insert().values(
                login=name, role=role, provinces=",".join(shorts), password_hash=password_hash,
                disabled=False, created_at=_now_iso(), last_login_at=None))
        return Account(name, role, shorts, password_hash)

    def check_new(self, login: str, role: str, provinces) -> tuple[str, str, tuple[str, ...]]:
        """(login, role, short province names) of an account that may be added; raises
        :class:`AccountError` naming the problem (before any password is asked for)."""
        name = check_login(login)
        if name == ENV_LOGIN:
            raise account_error("login_reserved")
        if role not in ROLES:
            raise account_error("invalid_role", role=role)
        try:
            shorts = normalise_provinces(provinces or ())
        except ScopeRefused as exc:
            raise AccountError(exc.code, exc.message_zh, exc.message_en) from None
        if role == "province" and not shorts:
            raise account_error("province_required")
        if role != "province" and shorts:
            raise account_error("province_not_allowed", role=role)
        if self.get(name) is not None:
            raise account_error("login_exists", login=name)
        return name, role, shorts

    def _update(self, login: str, **values) -> str:
        name = str(login or "").strip().lower()
        with self.store._guard("write"), self.store._write() as conn:
            done = conn.execute(accounts_table.update().where(accounts_table.c.login == name)
                                .values(**values)).rowcount
        if not done:
            raise account_error("unknown_login", login=login)
        return name

    def set_disabled(self, login: str, disabled: bool) -> str:
        return self._update(login, disabled=bool(disabled))

    def set_password(self, login: str, password: str) -> str:
        if self.get(login) is None:  # before hashing: no password work for a login that is none
            raise account_error("unknown_login", login=login)
        return self._update(login, password_hash=hash_password(password))

    def logged_in(self, login: str) -> None:
        if login != ENV_LOGIN:
            self._update(login, last_login_at=_now_iso())


# ------------------------------------------------------------------------------ throttle
class LoginThrottle:
    """Failed logins counted in the database, per client and per account (module doc).

    ``begin(client, login)`` is the atomic check-and-count: the seconds the client must still
    wait (nothing counted), or 0.0 with this attempt counted as a failure in advance (for the
    client and for the account); ``succeeded`` takes it back and remembers the client as known
    for the account, ``failed`` restarts the client's wait from now. ``clock`` gives Unix
    seconds (shared by every replica); tests inject their own.
    """

    def __init__(self, store: Store, *, free_failures: int = 3, base: float = 1.0,
                 cap: float = 60.0, window: float = 3600.0,
                 known_window: float = 30 * 86400.0,
                 clock: Callable[[], float] = time.time):
        self.store = store
        self.free_failures = int(free_failures)
        self.base = float(base)
        self.cap = float(cap)
        self.window = float(window)
        self.known_window = float(known_window)
        self.clock = clock
        ensure_tables(store)

    def delay(self, failures: int) -> float:
        if failures <= self.free_failures:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(failures - self.free_failures - 1, 32))

    def _lock(self, conn: sa.Connection) -> None:
        if self.store.is_postgresql:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(THROTTLE_LOCK_KEY)))

    @staticmethod
    def _row(conn: sa.Connection, key: str):
        f = failures_table
        return conn.execute(sa.select(f.c.failures, f.c.last_at).where(f.c.key == key)).first()

    def _wait_of(self, row, now: float) -> float:
        if row is None or now - row.last_at > self.window:
            return 0.0
        return max(0.0, self.delay(int(row.failures)) - (now - float(row.last_at)))

    @staticmethod
    def _bump(conn: sa.Connection, key: str, now: float, row) -> None:
        """One more attempt for ``key`` (``row``: its record, None when it has none; a record
        older than the window is deleted before, so any row still counts)."""
        f = failures_table
        if row is None:
            conn.execute(f.insert().values(key=key, failures=1, last_at=now))
        else:
            conn.execute(f.update().where(f.c.key == key).values(
                failures=int(row.failures) + 1, last_at=now))

    def begin(self, client: str, login: str) -> float:
        now = self.clock()
        ckey, akey = "client:" + client, "account:" + login
        with self.store._guard("write"), self.store._write() as conn:
            self._lock(conn)
            # records older than the window count for nothing: gone (the table stays small)
            conn.execute(failures_table.delete().where(
                failures_table.c.last_at < now - self.window))
            row = self._row(conn, ckey)
            wait = self._wait_of(row, now)
            if wait > 0:
                return wait
            self._bump(conn, ckey, now, row)
            if login:  # only an existing account's name (any typed name would grow the table)
                self._bump(conn, akey, now, self._row(conn, akey))
        return 0.0

    def cancel(self, client: str, login: str) -> None:
        """The attempt ``begin`` counted was not checked after all (no check slot was free):
        take its count back."""
        f = failures_table
        keys = ["client:" + client] + (["account:" + login] if login else [])
        with self.store._guard("write"), self.store._write() as conn:
            self._lock(conn)
            conn.execute(f.update().where(f.c.key.in_(keys), f.c.failures > 0)
                         .values(failures=f.c.failures - 1))

    def failed(self, client: str) -> float:
        """The attempt ``begin`` counted was wrong: the client's wait runs from now."""
        now = self.clock()
        f, key = failures_table, "client:" + client
        with self.store._guard("write"), self.store._write() as conn:
            self._lock(conn)
            conn.execute(f.update().where(f.c.key == key).values(last_at=now))
            return self._wait_of(self._row(conn, key), now)

    def succeeded(self, client: str, login: str) -> None:
        now = self.clock()
        f, k = failures_table, known_table
        with self.store._guard("write"), self.store._write() as conn:
            self._lock(conn)
            conn.execute(f.delete().where(f.c.key.in_(["client:" + client, "account:" + login])))
            done = conn.execute(k.update().where(k.c.login == login, k.c.client == client)
                                .values(last_ok_at=now)).rowcount
            if not done:
                conn.execute(k.insert().values(login=login, client=client, last_ok_at=now))

    def check(self, client: str) -> float:
        """Seconds ``client`` must still wait (0.0: it may try now)."""
        with self.store._guard("read"), self.store.engine.connect() as conn:
            return self._wait_of(self._row(conn, "client:" + client), self.clock())

    def failures(self, key: str) -> int:
        """Failures counted for ``client:<address>`` or ``account:<login>``."""
        with self.store._guard("read"), self.store.engine.connect() as conn:
            row = self._row(conn, key)
        return 0 if row is None else int(row.failures)

    def known(self, client: str, login: str) -> bool:
        """Whether ``login`` logged in from ``client`` within ``known_window``."""
        k = known_table
        with self.store._guard("read"), self.store.engine.connect() as conn:
            at = conn.execute(sa.select(k.c.last_ok_at).where(
                k.c.login == login, k.c.client == client)).scalar()
        return at is not None and self.clock() - float(at) <= self.known_window


def verify_account(account: Account | None, password: str | None) -> bool:
    """The password check of an account: False for none, a disabled one or a bad hash."""
    if account is None or account.disabled or not is_valid_hash(account.password_hash):
        auth.verify_password(_dummy_hash(), password)  # the same time, account or not
        return False
    return auth.verify_password(account.password_hash, password)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(hash_password("no account has this password"))
    return _DUMMY[0]
