"""The admin page's access gate: demo mode, login form (throttled), session flag, logout.

``access()`` runs on every run of pages/admin.py, before anything else is shown:

* no ``ECERT_ADMIN_PASSWORD_HASH`` configured -> ``"demo"`` (the page shows the demo roster
  only, uploads off, and a banner saying how to configure a password);
* a hash configured and this session logged in -> ``"admin"``;
* otherwise the login form is drawn and ``None`` comes back: the page shows nothing else.

The session flag holds a fingerprint of the configured hash, so changing the password (or
removing it) logs every session out. A login also records a binding to this browser (its XSRF
cookie's token: a second websocket resuming the session with a stolen session id lacks it) and
the time of the last run: an admin idle for ``ECERT_ADMIN_IDLE_MINUTES`` (default 15) is logged
out. Password checks (login, and the re-entry before an import is accepted) go through one
process-wide ``core.admin.auth`` throttle keyed by the client's address (atomic check-and-count)
and at most ``MAX_CONCURRENT_CHECKS`` argon2 checks at once ("busy, try again" beyond).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import time
from collections.abc import Mapping

import streamlit as st
from streamlit import runtime
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

from core.admin import auth
from core.runtime import config
from ui import server_guard
from ui.i18n import t
from ui.text import bilingual

log = logging.getLogger("ecert_desk")

SESSION_FLAG = "admin_authenticated"
LAST_ACTIVE = "admin_last_active"
BINDING = "admin_binding"
NOTICE = "admin_auth_notice"
LOGIN_FORM = "admin_login"
PASSWORD_KEY = "admin_password"
REAUTH_KEY = "admin_reauth_password"
XSRF_COOKIE = "_streamlit_xsrf"
#: ``ECERT_ADMIN_IDLE_MINUTES`` (default 15): an admin session idle this long is logged out.
IDLE_SETTING = "ECERT_ADMIN_IDLE_MINUTES"
DEFAULT_IDLE_MINUTES = 15.0

clock = time.monotonic  # tests replace it


def throttle() -> auth.Throttle:
    """The one login throttle of this server process (``core.admin.auth.process_throttle``: a
    module global, which Streamlit's ``clear_cache`` message cannot empty)."""
    return auth.process_throttle()


throttle.clear = auth.reset_process_throttle  # type: ignore[attr-defined]


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.strip().encode("utf-8")).hexdigest()


def idle_seconds() -> float:
    raw = config.get(IDLE_SETTING)
    try:
        minutes = float(raw) if raw else DEFAULT_IDLE_MINUTES
    except ValueError:
        minutes = DEFAULT_IDLE_MINUTES
    return max(1.0, minutes) * 60.0


def _is_proxy(address: str | None) -> bool:
    """A peer that may tell us the client's address: loopback (Streamlit shows it as None) or a
    private network (a reverse proxy beside the app)."""
    if address is None:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """The client's address: the socket peer, or, when the peer is a local or private proxy,
    the LAST entry of X-Forwarded-For (the one the proxy itself added; the entries before it
    are whatever the client sent, so a client cannot choose its key)."""
    if _is_proxy(peer) and forwarded_for:
        last = forwarded_for.split(",")[-1].strip()
        if last:
            return last
    return peer or "local"


def client_key() -> str:
    """The throttle key of this browser's client (its address, see client_address)."""
    try:
        peer = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # noqa: BLE001 (no client context: tests)
        peer, forwarded = None, None
    peer = peer if isinstance(peer, str) else None
    forwarded = forwarded if isinstance(forwarded, str) else None
    return "ip:" + client_address(peer, forwarded)


def _binding() -> str:
    """What ties a login to this browser: its XSRF cookie's token (random per browser, sent
    with every websocket handshake, never in a log or a URL), hashed; without that cookie, the
    websocket connection object itself (any reconnect then asks for the password again). A
    second websocket that resumes the session with a stolen session id has neither."""
    try:
        raw = st.context.cookies.get(XSRF_COOKIE)
    except Exception:  # noqa: BLE001
        raw = None
    token = _xsrf_token(raw if isinstance(raw, str) else None)
    if token:
        return "xsrf:" + hashlib.sha256(token).hexdigest()
    try:
        ctx = get_script_run_ctx()
        client = runtime.get_instance().get_client(ctx.session_id) if ctx else None
    except Exception:  # noqa: BLE001 (no runtime: AppTest)
        client = None
    if isinstance(getattr(getattr(client, "client_context", None), "cookies", None), Mapping):
        return f"client:{id(client)}"  # a real websocket client (AppTest has a mock)
    return "no-client"  # AppTest: no websocket at all


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


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return getattr(ctx, "session_id", None) if ctx else None


def _log_out(notice: str | None = None) -> None:
    for k in (SESSION_FLAG, LAST_ACTIVE, BINDING):
        st.session_state.pop(k, None)
    server_guard.mark_admin(_session_id(), False)
    if notice:
        st.session_state[NOTICE] = notice


def access() -> str | None:
    """``"demo"``, ``"admin"``, or None (login form shown, or configuration unreadable)."""
    try:
        configured = config.admin_password_hash()
    except config.ConfigError as exc:
        st.error(bilingual(exc))
        return None
    if configured is None:
        _log_out()
        return "demo"
    fingerprint = _fingerprint(configured)
    if st.session_state.get(SESSION_FLAG) == fingerprint:
        now = clock()
        if st.session_state.get(BINDING) != _binding():
            _log_out("admin.session_moved")
        elif now - float(st.session_state.get(LAST_ACTIVE, now)) > idle_seconds():
            _log_out("admin.idle_logged_out")
        else:
            st.session_state[LAST_ACTIVE] = now
            server_guard.mark_admin(_session_id(), True)  # may upload a roster (ui/server_guard)
            return "admin"
    _log_out()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.info(t(notice, minutes=f"{idle_seconds() / 60:g}"), icon=":material/lock_clock:")
    _login_form(configured, fingerprint)
    return None


def check_password(configured: str, password: str | None) -> str | None:
    """One throttled, slot-limited password check for this client: None when right, else the
    message to show (wrong, wait, or busy). Shared by the login and the re-entry before an
    import."""
    outcome, wait = auth.attempt(client_key(), configured, password,
                                 verify=lambda h, p: auth.verify_password(h, p))
    if outcome == "ok":
        return None
    if outcome == "busy":
        return t("admin.login_busy")
    seconds = t("admin.login_wait", seconds=int(wait + 0.999)) if wait > 0 else ""
    if outcome == "wait":
        return seconds
    return t("admin.login_wrong") + ("\n\n" + seconds if seconds else "")


def _login_form(configured: str, fingerprint: str) -> None:
    if not auth.is_valid_hash(configured):
        st.error(t("admin.hash_invalid"))
    with st.form(LOGIN_FORM, clear_on_submit=True, enter_to_submit=True):
        st.header(t("admin.login_title"))
        password = st.text_input(t("admin.login_password"), type="password", key=PASSWORD_KEY)
        submitted = st.form_submit_button(t("admin.login_button"), type="primary")
        # A login holds for this browser tab's session only: a reload asks again. Keeping it
        # would need a long-lived token in a cookie or the address; neither is worth the risk.
        st.caption(t("admin.login_reload_note"))
    if not submitted:
        return
    problem = check_password(configured, password)
    if problem is None:
        st.session_state[SESSION_FLAG] = fingerprint
        st.session_state[LAST_ACTIVE] = clock()
        st.session_state[BINDING] = _binding()
        st.rerun()
    st.error(problem)


def confirm_password() -> str | None:
    """Before an import is accepted: the password typed again into ``REAUTH_KEY`` (the field
    is emptied). None when right, else the message to show."""
    typed = st.session_state.pop(REAUTH_KEY, None)
    try:
        configured = config.admin_password_hash()
    except config.ConfigError as exc:
        return bilingual(exc)
    if configured is None:
        return t("admin.reauth_wrong")
    if not typed:
        return t("admin.reauth_needed")
    return check_password(configured, typed)


def logout_button() -> None:
    if st.button(t("admin.logout"), key="admin_logout", icon=":material/logout:"):
        _log_out()
        st.rerun()


@st.cache_resource(show_spinner=False)
def log_base_url_once() -> bool:
    """At the server's first run: warn the operator in the log when ``ECERT_BASE_URL`` is unset
    (QR codes then open ``http://localhost:8501``, which a phone cannot reach)."""
    if not config.base_url_configured():
        log.warning("ECERT_BASE_URL is not set: certificate QR codes point at %s, which only "
                    "works on this machine; set it to the public address of the app",
                    config.DEFAULT_BASE_URL)
    return True


def base_url_note() -> None:
    """On /admin (demo, login and admin alike): the same warning for the operator."""
    if not config.base_url_configured():
        st.warning(t("admin.base_url_unset", url=config.DEFAULT_BASE_URL),
                   icon=":material/qr_code_2:")


def demo_banner() -> None:
    st.warning(t("admin.demo_banner"), icon=":material/lock_open:")
