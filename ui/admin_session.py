"""The admin login's session: who is logged in, the one guard, the idle watch, the audit line.

A session logged in by the form of ui/admin_login.py keeps in ``st.session_state`` its account
(``ACCOUNT_KEY``), a fingerprint of the account's login and password hash (``SESSION_FLAG``),
its browser binding and its last activity. :func:`guard` is THE check of a login, called by
every admin entry point: the full run (ui/admin_login.py ``access``), the dashboard's fragment
reruns (pages/admin.py passes it), the deferred download callbacks (:func:`guarded_download`,
which run outside any script run) and the idle watch. It holds when the session's account
still exists, is enabled and has the same password hash (``ECERT_ADMIN_PASSWORD_HASH`` is the
national account ``admin``), the browser binding (its XSRF cookie's token, hashed: a second
websocket resuming the session with a stolen session id lacks it) is the same, and the session
was active within ``ECERT_ADMIN_IDLE_MINUTES`` (default 15). When it fails the session is
logged out and the audit log says why. :func:`idle_watch` (a fragment the browser reruns every
:func:`watch_seconds`, which does not count as activity) reruns the page when the idle time is
up, so the data leaves the screen without waiting for a click.

Also here: the client's address (:func:`client_key`: the socket peer, or, only when the peer is
one of ``ECERT_TRUSTED_PROXIES``, the nearest untrusted address of ``X-Forwarded-For``), the
accounts as the page sees them (:func:`configured`, :func:`account`), the login throttle in the
database (:func:`throttle`) and :func:`record`, one audit line (core/admin/audit.py) with the
account and the client, never a password.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.admin import audit
from core.admin.accounts import ENV_LOGIN, Account, Accounts, LoginThrottle, env_account
from core.admin.scope import Scope
from core.roster.store import StoreError
from core.runtime import clients, config
from ui import admin_data, server_limits

log = logging.getLogger("ecert_desk")

SESSION_FLAG = "admin_authenticated"  # the fingerprint of the account's login and hash
ACCOUNT_KEY = "admin_account"  # the login of this session's account
LAST_ACTIVE = "admin_last_active"
BINDING = "admin_binding"
NOTICE = "admin_auth_notice"
XSRF_COOKIE = "_streamlit_xsrf"
#: ``ECERT_ADMIN_IDLE_MINUTES`` (default 15): an admin session idle this long is logged out.
IDLE_SETTING = "ECERT_ADMIN_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 15.0
MIN_IDLE_MINUTES = 0.1

clock = time.monotonic  # idle time; tests replace it
wall_clock = time.time  # the throttle's clock (shared by replicas); tests replace it


def idle_seconds() -> float:
    raw = config.get(IDLE_SETTING)
    try:
        minutes = float(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return max(MIN_IDLE_MINUTES, minutes) * 60.0


# ------------------------------------------------------------------------------ the client
def _context_of(session_id: str | None):
    try:
        client = runtime.get_instance().get_client(session_id) if session_id else None
    except Exception:  # noqa: BLE001 (no runtime: AppTest)
        client = None
    return getattr(client, "client_context", None)


def _forwarded(headers) -> str | None:
    """The X-Forwarded-For header(s) of a handshake (a mapping or (name, value) pairs)."""
    try:
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        values = [str(v) for k, v in pairs if str(k).lower() == "x-forwarded-for"]
    except (TypeError, ValueError):
        return None
    return ", ".join(values) if values else None


def client_key(session_id: str | None = None) -> str:
    """The throttle's and the audit's name of this browser's client (its address,
    ``core.runtime.clients``: the one rule the server's guards use too)."""
    context = _context_of(session_id or _session_id())
    peer = getattr(context, "remote_ip", None)
    peer = peer if isinstance(peer, str) else None
    forwarded = _forwarded(getattr(context, "headers", None)) if context is not None else None
    return "ip:" + clients.client_of(peer, forwarded)


def _xsrf_token(cookie: str | None) -> bytes | None:
    """The token inside Streamlit's XSRF cookie (``2|mask|masked|time``; the mask changes per
    response, the token does not)."""
    if not cookie:
        return None
    value = cookie.strip("\"'")
    try:
        if value.startswith("2|"):
            _, mask_hex, masked_hex, _ = value.split("|")
            mask, masked = bytes.fromhex(mask_hex), bytes.fromhex(masked_hex)
            return bytes(m ^ mask[i % len(mask)] for i, m in enumerate(masked)) or None
        return bytes.fromhex(value) or None
    except ValueError:
        return None


def _binding(session_id: str | None = None) -> str:
    """What ties a login to this browser: its XSRF cookie's token (random per browser, sent
    with every websocket handshake, never in a log or a URL), hashed; without that cookie, the
    websocket connection itself (any reconnect then asks for the password again). A second
    websocket that resumes the session with a stolen session id has neither."""
    session_id = session_id or _session_id()
    try:
        client = runtime.get_instance().get_client(session_id) if session_id else None
    except Exception:  # noqa: BLE001 (no runtime: AppTest)
        client = None
    cookies = getattr(getattr(client, "client_context", None), "cookies", None)
    if not isinstance(cookies, Mapping):  # AppTest's mock client
        return "no-client"  # AppTest: no websocket at all
    raw = cookies.get(XSRF_COOKIE)
    token = _xsrf_token(raw if isinstance(raw, str) else None)
    if token:
        return "xsrf:" + hashlib.sha256(token).hexdigest()
    return f"client:{id(client)}"  # a real websocket client without the cookie


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return getattr(ctx, "session_id", None) if ctx else None


# ------------------------------------------------------------------------------ accounts
def _store():
    return admin_data.store()


def configured() -> bool:
    """Whether anyone can log in: ``ECERT_ADMIN_PASSWORD_HASH`` or an account in the database.
    Raises ConfigError/StoreError when neither can be read."""
    if config.admin_password_hash() is not None:
        return True
    return Accounts(_store()).any()


def account(login: str | None) -> Account | None:
    """The account named ``login`` (``admin``: ``ECERT_ADMIN_PASSWORD_HASH`` when set)."""
    name = (login or "").strip().lower() or ENV_LOGIN
    env = config.admin_password_hash()
    if name == ENV_LOGIN:
        return env_account(env)
    return Accounts(_store()).get(name)


def _fingerprint(acct: Account) -> str:
    return hashlib.sha256(f"{acct.login}\0{acct.password_hash.strip()}".encode()).hexdigest()


def throttle() -> LoginThrottle:
    """The login throttle in the configured database (shared by every replica)."""
    return LoginThrottle(_store(), clock=lambda: wall_clock())


def _forget_process_state() -> None:
    """Tests: forget this process's live logins (the throttle's counts are in the database,
    which each test has its own of)."""
    with _live_lock:
        _live.clear()


throttle.clear = _forget_process_state  # type: ignore[attr-defined]


def record(action: str, detail: dict | None = None, login: str | None = None,
           session_id: str | None = None, strict: bool = False) -> None:
    """One line of the audit log for this session (its account, its client). ``strict``: a
    line that cannot be written raises (a download is then refused: nothing leaves
    unrecorded); otherwise the log names the problem's code."""
    if login is None:
        try:
            login = st.session_state.get(ACCOUNT_KEY)
        except Exception:  # noqa: BLE001 - outside a script run: the caller names it
            login = None
    try:
        audit.record(_store(), login or "-", client_key(session_id), action, detail)
    except StoreError as exc:  # the page shows store errors; the log names the code only
        log.warning("audit record failed: %s", exc.code)
        if strict:
            raise


# ------------------------------------------------------------------------------ the guard
@dataclass
class _Live:
    login: str
    fingerprint: str
    binding: str
    last_active: float


_live: dict[str, _Live] = {}  # Streamlit session id -> its login (for callbacks outside runs)
_live_lock = threading.Lock()


def _log_out(notice: str | None = None, action: str | None = None) -> None:
    login = st.session_state.get(ACCOUNT_KEY)
    if action and login:
        record(action, login=login)
    for k in (SESSION_FLAG, LAST_ACTIVE, BINDING, ACCOUNT_KEY):
        st.session_state.pop(k, None)
    sid = _session_id()
    server_limits.mark_admin(sid, False)
    if sid:
        with _live_lock:
            _live.pop(sid, None)
    if notice:
        st.session_state[NOTICE] = notice


def _still_valid(login: str | None, fingerprint: str | None) -> Account | None:
    """The session's account when it still exists, is enabled and has the same hash."""
    if not login or not fingerprint:
        return None
    try:
        acct = account(login)
    except (StoreError, config.ConfigError):
        return None
    if acct is None or acct.disabled or _fingerprint(acct) != fingerprint:
        return None
    return acct


def guard(touch: bool = True) -> bool:
    """THE login check (module doc), for every admin entry point inside a script run: True
    when this session is logged in, bound to this browser and not idle (``touch``: this run
    counts as activity). False after logging the session out (with a notice and an audit
    line saying why)."""
    flag = st.session_state.get(SESSION_FLAG)
    if flag is None:
        return False
    now = clock()
    login = st.session_state.get(ACCOUNT_KEY)
    if st.session_state.get(BINDING) != _binding():
        _log_out("admin.session_moved", "session_moved")
        return False
    if now - float(st.session_state.get(LAST_ACTIVE, now)) > idle_seconds():
        _log_out("admin.idle_logged_out", "idle_timeout")
        return False
    if _still_valid(login, flag) is None:
        _log_out("admin.logged_out", "logout")
        return False
    if touch:
        st.session_state[LAST_ACTIVE] = now
    sid = _session_id()
    server_limits.mark_admin(sid, True)  # may upload a roster (ui/server_limits)
    if sid:
        with _live_lock:
            _live[sid] = _Live(login, flag, st.session_state[BINDING],
                               float(st.session_state[LAST_ACTIVE]))
            for old in [k for k, v in _live.items() if now - v.last_active > idle_seconds()]:
                del _live[old]  # sessions left without logging out
    return True


def guard_session(session_id: str | None) -> Account | None:
    """The guard for code that runs outside a script run (a deferred download): the account of
    session ``session_id`` when it is logged in, bound to the browser now connected to it, not
    idle, and its login still valid; else None."""
    if not session_id:
        return None
    with _live_lock:
        live = _live.get(session_id)
    if live is None or clock() - live.last_active > idle_seconds():
        return None
    if _binding(session_id) != live.binding:
        return None
    return _still_valid(live.login, live.fingerprint)


def scope() -> Scope:
    """What this session's account may see (call after ``access()`` said ``"admin"``)."""
    acct = _still_valid(st.session_state.get(ACCOUNT_KEY), st.session_state.get(SESSION_FLAG))
    if acct is None:  # never wider than nothing: a viewer of no rows
        return Scope("viewer")
    return acct.scope


def current_login() -> str | None:
    return st.session_state.get(ACCOUNT_KEY)


def guarded_download(make, what: str, rows: int, filters: dict | None = None):
    """``make`` (builds a download's bytes when clicked; Streamlit runs it outside any script
    run) wrapped in the guard: for a logged-in session it runs only while that login holds and
    its account may see rows (a viewer never), and the download goes to the audit log (what,
    filter, rows); a download drawn in demo mode runs only while no login is configured.
    Refused: raises PermissionError (Streamlit answers "failed to generate file"; no byte
    leaves)."""
    session_id = _session_id()
    logged_in = st.session_state.get(SESSION_FLAG) is not None

    def run():
        if logged_in:
            acct = guard_session(session_id)
            if acct is None or not acct.scope.rows_allowed:
                raise PermissionError("admin login required")
        elif configured():
            raise PermissionError("admin login required")
        data = make()
        if logged_in:
            detail = {"what": what, "rows": rows}
            detail.update({k: v for k, v in (filters or {}).items() if v})
            record("download", detail, login=acct.login, session_id=session_id, strict=True)
        return data

    return run


def page_filters() -> dict:
    """The dashboard's filters as this session has them (for the audit of an export)."""
    keys = {"regime": "admin_f_regime", "province": "admin_f_province",
            "specialty": "admin_f_specialty", "employer": "admin_f_employer"}
    out = {}
    for name, key in keys.items():
        value = st.session_state.get(key)
        if value:
            out[name] = list(value) if isinstance(value, list | tuple) else str(value)
    return out


def watch_seconds() -> float:
    """How often the idle watch looks: a fifteenth of the idle time, 5 to 60 s (the default
    15 minutes: every minute, so the data is gone at most a minute after the timeout)."""
    return min(60.0, max(5.0, idle_seconds() / 15))


def _idle_check() -> None:
    """Past the idle time, rerun the whole page, whose guard logs out and shows the login
    form. Not counted as activity."""
    if st.session_state.get(SESSION_FLAG) is None:
        return
    last = float(st.session_state.get(LAST_ACTIVE, clock()))
    if clock() - last > idle_seconds():
        st.rerun(scope="app")


def idle_watch() -> None:
    """The idle watch: a fragment the browser reruns every :func:`watch_seconds`."""
    st.fragment(_idle_check, run_every=watch_seconds())()
