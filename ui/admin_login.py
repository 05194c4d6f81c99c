"""The admin page's access gate: demo mode, the login form, re-entry of a password, logout.

``access()`` runs first on every full run of pages/admin.py:

* neither ``ECERT_ADMIN_PASSWORD_HASH`` nor any account in the roster database
  (core/admin/accounts.py) -> ``"demo"`` (the demo roster only, uploads off, a banner saying
  how to configure a password or make an account);
* this session logged in and the guard (ui/admin_session.py) content -> ``"admin"``;
  ``admin_session.scope()`` then says what the account may see (core/admin/scope.py);
* otherwise the login form (account name, password; keyboard-only: Tab, Enter) and None.

Password checks (the login; the re-entry before an import, a snapshot switch or deletion) go
through the throttle in the database (core/admin/accounts.py ``LoginThrottle``), keyed by the
client's address (ui/admin_session.py ``client_key``), and through at most
``MAX_CONCURRENT_CHECKS`` argon2 checks at once (one more for a client the account logged in
from before). Every login, refusal and logout goes to the audit log with the account and the
client, never the password. Also here: the account line with the logout button, and the
operator's notes (demo banner, ``ECERT_BASE_URL`` unset).
"""

from __future__ import annotations

import logging
from typing import NamedTuple

import streamlit as st

from core.admin import auth
from core.admin.accounts import ENV_LOGIN, Account, Accounts, verify_account
from core.roster.store import StoreError
from core.runtime import config
from ui import admin_session as session
from ui.i18n import t
from ui.text import bilingual, esc

log = logging.getLogger("ecert_desk")

LOGIN_FORM = "admin_login"
LOGIN_NAME_KEY = "admin_login_name"
PASSWORD_KEY = "admin_password"
REAUTH_KEY = "admin_reauth_password"
SNAP_REAUTH_KEY = "admin_snap_reauth_password"


# ------------------------------------------------------------------------------ the page
def access() -> str | None:
    """``"demo"``, ``"admin"``, or None (login form shown, or configuration unreadable)."""
    try:
        anyone = session.configured()
    except (config.ConfigError, StoreError) as exc:
        st.error(bilingual(exc))
        return None
    if not anyone:
        session._log_out()
        return "demo"
    if session.guard():
        return "admin"
    session._log_out()
    notice = st.session_state.pop(session.NOTICE, None)
    if notice:
        st.info(t(notice, minutes=f"{session.idle_seconds() / 60:g}"), icon=":material/lock_clock:")
    _login_form()
    return None


class Check(NamedTuple):
    """What one password check found: the account when right, else the message to show and
    why (``wrong``, ``wait``, ``busy``; a database failure is ``wait``); ``known``: the name
    typed is an account's."""

    account: Account | None
    message: str | None
    reason: str
    known: bool


def check_password(login: str | None, password: str | None) -> Check:
    """One throttled, slot-limited password check of account ``login`` for this client.
    Shared by the login and the re-entry before an import or a snapshot change."""
    try:
        acct = session.account(login)
        gate = session.throttle()
        client = session.client_key()
        known = acct is not None and gate.known(client, acct.login)
    except (StoreError, config.ConfigError) as exc:  # the throttle needs the database
        return Check(None, t("admin.store_failed") + "\n\n" + bilingual(exc), "wait", False)
    name = acct.login if acct is not None else ""
    try:
        # the count first (a database transaction, refused without a check slot), then the
        # slot: a client that must wait never holds a slot another one needs
        wait = gate.begin(client, name)
        if wait > 0:
            return Check(None, t("admin.login_wait", seconds=int(wait + 0.999)), "wait",
                         acct is not None)
        with auth.check_slot(known=known) as free:
            if not free:
                gate.cancel(client, name)
                return Check(None, t("admin.login_busy"), "busy", acct is not None)
            if verify_account(acct, password):
                gate.succeeded(client, acct.login)
                return Check(acct, None, "ok", True)
        wait = gate.failed(client)
    except StoreError as exc:
        return Check(None, t("admin.store_failed") + "\n\n" + bilingual(exc), "wait",
                     acct is not None)
    seconds = t("admin.login_wait", seconds=int(wait + 0.999)) if wait > 0 else ""
    return Check(None, t("admin.login_wrong") + ("\n\n" + seconds if seconds else ""), "wrong",
                 acct is not None)


def _login_form() -> None:
    env = config.admin_password_hash()
    if env is not None and not auth.is_valid_hash(env):
        st.error(t("admin.hash_invalid"))
    with st.form(LOGIN_FORM, clear_on_submit=True, enter_to_submit=True):
        st.header(t("admin.login_title"))
        login = st.text_input(t("admin.login_name"), key=LOGIN_NAME_KEY,
                              autocomplete="username")  # no help icon: Tab goes to the password
        password = st.text_input(t("admin.login_password"), type="password", key=PASSWORD_KEY,
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("admin.login_button"), type="primary")
        # A login holds for this browser tab's session only: a reload asks again. Keeping it
        # would need a long-lived token in a cookie or the address; neither is worth the risk.
        st.caption(t("admin.login_name_help"))
        st.caption(t("admin.login_reload_note"))
    if not submitted:
        return
    check = check_password(login, password)
    acct = check.account
    if acct is not None:
        st.session_state[session.SESSION_FLAG] = session._fingerprint(acct)
        st.session_state[session.ACCOUNT_KEY] = acct.login
        st.session_state[session.LAST_ACTIVE] = session.clock()
        st.session_state[session.BINDING] = session._binding()
        session.record("login_ok", login=acct.login)
        try:
            Accounts(session._store()).logged_in(acct.login)
        except StoreError:
            pass
        st.rerun()
    # the name typed is recorded only when it is an account's (it could be a mistyped password)
    session.record("login_refused", {"reason": check.reason},
           login=((login or "").strip().lower() or ENV_LOGIN) if check.known else "(unknown)")
    st.error(check.message)


def confirm_password(needed: str = "admin.reauth_needed", key: str = REAUTH_KEY) -> str | None:
    """Before an import is accepted or a snapshot switched or deleted: this account's password
    typed again into ``key`` (the field is emptied). None when right, else the message."""
    typed = st.session_state.pop(key, None)
    if not typed:
        return t(needed)
    return check_password(st.session_state.get(session.ACCOUNT_KEY), typed).message


def account_line() -> None:
    """Who is logged in, with what scope, and the logout button."""
    sc = session.scope()
    role = t(f"admin.role.{sc.role}", provinces="、".join(sc.provinces))
    c1, c2 = st.columns([4, 1])
    c1.markdown(t("admin.account_line", login=esc(session.current_login() or ""), role=role))
    with c2:
        logout_button()
    if sc.role == "viewer":
        st.info(t("admin.viewer_note"), icon=":material/visibility:")
    elif sc.role == "province":
        st.info(t("admin.province_note", provinces="、".join(sc.provinces)),
                icon=":material/map:")


def logout_button() -> None:
    if st.button(t("admin.logout"), key="admin_logout", icon=":material/logout:"):
        session._log_out(action="logout")
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
