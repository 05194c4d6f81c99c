"""The basis of every answer (POLICY.md "Basis and scope"): which notice, which data version, and
the scope warning, shown the same way on every page that answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import streamlit as st

from core.policy.data import POLICY
from core.rules.assessment import scope_warning
from ui.i18n import pick, t
from ui.text import esc


def show(basis: Mapping, warning: Mapping | None) -> None:
    st.caption(t("common.basis", notice=esc(basis.get("notice", "")),
                 version=esc(basis.get("policy_version", ""))))
    if warning:
        st.info(pick(warning, "message"), icon=":material/gavel:")


def of_assessment(a: Mapping) -> None:
    """An assessment's basis and its basis_scope warning."""
    show(a.get("basis") or {}, next((w for w in a.get("warnings") or []
                                     if w.get("code") == "basis_scope"), None))


def roster_basis(as_of: date) -> None:
    """A roster's basis, once: a national roster always has rows outside the notice's regions."""
    policy = POLICY.in_force(as_of)
    show(policy.basis, scope_warning(as_of, True, policy))
