"""The /verify page's answer (issue 3): what a certificate's QR code opens.

``core.tokens.verify`` decides (signature, usage window at the real date in Asia/Shanghai); this
module only shows its answer. Token contents are shown as plain text, never as markup.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from core.certificate import tokens
from core.policy.data import POLICY
from core.policy.dates import today_shanghai
from core.rules.assessment import scope_warning
from core.runtime import config
from ui import basis_view, state
from ui.i18n import t
from ui.text import esc

TOKEN_QUERY_PARAM = "token"

# Verification.code -> (catalogue key of the headline, how to show it)
HEADLINE = {
    "ok": ("verify.headline.ok", "info"),  # never green: this is not an official check
    "expired_window": ("verify.headline.expired_window", "warning"),
    "expired_hidden": ("verify.headline.expired_window", "warning"),  # no content (issue 27)
    "not_yet_window": ("verify.headline.not_yet_window", "warning"),
    "bad_signature": ("verify.headline.invalid", "error"),
    "old_format": ("verify.headline.invalid", "error"),
    "malformed": ("verify.headline.invalid", "error"),
    "empty": ("verify.headline.empty", "info"),
}
WINDOW = {
    "in_use": "verify.window.in_use",
    "expired": "verify.window.expired",
    "not_yet": "verify.window.not_yet",
}
ALL_KEYS = [v[0] for v in HEADLINE.values()] + list(WINDOW.values()) + [
    "verify.signature_valid", "verify.signature_invalid"]


def _message(obj: object) -> str:
    return str(getattr(obj, f"message_{state.lang()}", "") or "")


def _specialty(name: str) -> str:
    if state.lang() == "en":
        return f"{name} ({POLICY.specialty_en.get(name, name)})"
    return name


def show() -> None:
    token = st.query_params.get(TOKEN_QUERY_PARAM)
    today = today_shanghai()
    try:
        key = config.secret_key()
    except config.ConfigError as err:
        st.error(t("verify.config_error", detail=_message(err)), icon=":material/key_off:")
        return
    result = tokens.verify(token, key, today, config.verify_grace_days(tokens.GRACE_DAYS))
    headline_key, kind = HEADLINE.get(result.code, ("verify.headline.invalid", "error"))
    box = {"success": st.success, "warning": st.warning, "error": st.error, "info": st.info}[kind]
    box(f"**{t(headline_key)}**\n\n{esc(_message(result))}")
    st.caption(t("verify.checked_on", today=today.isoformat()))
    if result.code == "empty":
        st.write(t("verify.how_to"))
        return
    c1, c2 = st.columns(2)
    signature = "verify.signature_valid" if result.valid_signature else "verify.signature_invalid"
    c1.metric(t("verify.signature"), t(signature))
    c2.metric(t("verify.window_today"),
              t(WINDOW[result.window_status]) if result.window_status in WINDOW else "—")
    if result.payload and result.valid_signature:
        details(result.payload)
    st.caption(t("verify.disclaimer"))
    policy = POLICY.in_force(today)  # the notice this tool applies today, and its scope
    basis_view.show(policy.basis, scope_warning(today, False, policy))


def details(p: Mapping) -> None:
    """The registration as printed on the certificate (from the signed token)."""
    with st.container(border=True):
        st.markdown(f"## {t('verify.details')}")
        rows = [
            (t("verify.field.name"), p.get("name")),
            (t("verify.field.gender"), p.get("gender")),
            (t("verify.field.birth_date"), p.get("birth_date")),
            (t("verify.field.registration_number"), p.get("registration_number")),
            (t("verify.field.employer"), p.get("employer")),
            (t("verify.field.usage_window"), f"{p.get('usage_from')} – {p.get('usage_until')}"),
            (t("verify.field.issued_on"), p.get("issued_on")),
        ]
        for label, value in rows:
            a, b = st.columns([1, 3])
            a.markdown(f"**{label}**")
            b.markdown(esc(value if value not in (None, "") else "—"))
        st.markdown(f"**{t('verify.field.specialties')}**")
        for s in p.get("specialties") or []:
            st.markdown(
                f"- {esc(_specialty(s.get('specialty', '')))} · {t('verify.field.validity')} "
                f"{esc(s.get('valid_from'))} – {esc(s.get('valid_until'))}"
            )
