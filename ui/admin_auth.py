"""The admin page's access gate: demo mode, login form (throttled), session flag, logout.

``access()`` runs on every run of pages/admin.py, before anything else is shown:

* no ``ECERT_ADMIN_PASSWORD_HASH`` configured -> ``"demo"`` (the page shows the demo roster
  only, uploads off, and a banner saying how to configure a password);
* a hash configured and this session logged in -> ``"admin"``;
* otherwise the login form is drawn and ``None`` comes back: the page shows nothing else.

The session flag holds a fingerprint of the configured hash, so changing the password (or
removing it) logs every session out. Failed logins go through one process-wide
``core.auth.Throttle`` (per browser session and per address, plus a global count).
"""

from __future__ import annotations

import hashlib
import logging
import uuid

import streamlit as st

from core.admin import auth
from core.runtime import config
from ui.i18n import t
from ui.text import bilingual

log = logging.getLogger("ecert_desk")

SESSION_FLAG = "admin_authenticated"
SESSION_ID = "admin_session_id"
LOGIN_FORM = "admin_login"
PASSWORD_KEY = "admin_password"


@st.cache_resource(show_spinner=False)
def throttle() -> auth.Throttle:
    """The one login throttle of this server process (shared by all sessions)."""
    return auth.Throttle()


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.strip().encode("utf-8")).hexdigest()


def _client_keys() -> list[str]:
    """Throttle keys: this browser session, and the client's address when Streamlit knows it
    (a new session from the same address does not reset the wait)."""
    sid = st.session_state.setdefault(SESSION_ID, uuid.uuid4().hex)
    keys = [f"session:{sid}"]
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 (older runtimes, tests)
        ip = None
    if isinstance(ip, str) and ip:
        keys.append(f"ip:{ip}")
    return keys


def access() -> str | None:
    """``"demo"``, ``"admin"``, or None (login form shown, or configuration unreadable)."""
    try:
        configured = config.admin_password_hash()
    except config.ConfigError as exc:
        st.error(bilingual(exc))
        return None
    if configured is None:
        st.session_state.pop(SESSION_FLAG, None)
        return "demo"
    fingerprint = _fingerprint(configured)
    if st.session_state.get(SESSION_FLAG) == fingerprint:
        return "admin"
    st.session_state.pop(SESSION_FLAG, None)
    _login_form(configured, fingerprint)
    return None


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
    keys = _client_keys()
    gate = throttle()
    wait = max(gate.check(k) for k in keys)
    if wait > 0:
        st.error(t("admin.login_wait", seconds=int(wait + 0.999)))
        return
    if auth.verify_password(configured, password):
        for k in keys:
            gate.record_success(k)
        st.session_state[SESSION_FLAG] = fingerprint
        st.rerun()
    wait = max(gate.record_failure(k) for k in keys)
    message = t("admin.login_wrong")
    if wait > 0:
        message += "\n\n" + t("admin.login_wait", seconds=int(wait + 0.999))
    st.error(message)


def logout_button() -> None:
    if st.button(t("admin.logout"), key="admin_logout", icon=":material/logout:"):
        st.session_state.pop(SESSION_FLAG, None)
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
