"""The admin page's snapshots (issue 15): which roster is shown, the list, switch and delete.

* The fictional demo roster that ``core.demo.seed.ensure_demo`` imports on a fresh
  installation (its snapshot's note is ``core.demo.seed.DEMO_NOTE``) is called
  "演示数据（虚构）/ Demo data (fictional)" wherever it shows: the dashboard's source line, a
  notice above the dashboard, the snapshot list, the choice of an earlier snapshot and the
  delete confirmation. Never like real data.
* ``current(store)`` also gives the rows the current snapshot's import rejected, so the
  dashboard's "数据有误" count agrees with the import report (the rejected rows are not stored).
* An earlier snapshot can be deleted after a confirmation (``Store.delete_snapshot``; the store
  refuses the current one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from core.admin.scope import require
from core.demo.seed import DEMO_NOTE
from core.roster.store import Store, StoreError
from ui import admin_login, admin_session
from ui.i18n import t
from ui.text import bilingual

FLASH_KEY = "admin_flash"  # shared with ui.admin_import: a success message for the next run
DELETE_KEY = "admin_snap_delete_pending"  # snapshot id waiting for "confirm delete"
PENDING_KEY = "admin_pending_import"  # ui.admin_import's checked file waiting for "accept"


@dataclass(frozen=True)
class Current:
    id: int
    demo: bool
    rejected: int


def is_demo(note: object) -> bool:
    return isinstance(note, str) and note == DEMO_NOTE


def current(store: Store) -> Current | None:
    """The current snapshot: id, whether it is the demo roster, rows its import rejected."""
    snaps = store.snapshots()
    row = snaps[snaps["is_current"]]
    if row.empty:
        return None
    r = row.iloc[0]
    return Current(int(r["id"]), is_demo(r["note"]), int(r["rejected_rows"]))


@st.cache_resource(show_spinner=False, max_entries=8)
def _problems(_store: Store, url: str, snapshot_id: int) -> pd.DataFrame:
    return _store.problems(snapshot_id)  # keyed by the store's URL and the snapshot


def problems(store: Store, info: Current | None) -> pd.DataFrame | None:
    """The problems of the rows the current snapshot's import rejected (``Store.problems``;
    cached per snapshot: ids are never reused), or None when it rejected none."""
    if info is None or not info.rejected:
        return None
    return _problems(store, store.url.render_as_string(hide_password=True), info.id)


def source_caption(info: Current, as_of: date) -> None:
    """What the dashboard shows, and for the demo roster a notice that it is not real data."""
    if info.demo:
        st.info(t("admin.demo_snapshot_notice"), icon=":material/science:")
        st.caption(t("admin.source_snapshot_demo", id=info.id, as_of=as_of.isoformat()))
    else:
        st.caption(t("admin.source_snapshot", id=info.id, as_of=as_of.isoformat()))


def _file_label(file_name: object, note: object) -> str:
    return t("admin.demo_data") if is_demo(note) else str(file_name)


def _label(r) -> str:
    return (f"#{r.id} · {_file_label(r.file_name, r.note)} · "
            f"{r.created_at.tz_convert('Asia/Shanghai'):%Y-%m-%d %H:%M}")


def section(store: Store) -> None:
    """The snapshot list, "make current" and "delete" (with a confirmation and the password
    typed again; national accounts only) for earlier ones."""
    require(admin_session.scope(), "snapshots")
    try:
        snaps = store.snapshots()
    except StoreError as exc:
        st.error(bilingual(exc))
        return
    if snaps.empty:
        st.info(t("admin.no_snapshots"))
        return
    shown = pd.DataFrame({
        t("admin.snap_id"): snaps["id"],
        t("admin.snap_time"): snaps["created_at"].dt.tz_convert("Asia/Shanghai")
        .dt.strftime("%Y-%m-%d %H:%M"),
        t("admin.snap_file"): [_file_label(f, n) for f, n in zip(snaps["file_name"],
                                                                 snaps["note"], strict=True)],
        t("admin.snap_sha"): snaps["sha256"].str.slice(0, 12),
        t("admin.snap_accepted"): snaps["accepted_rows"],
        t("admin.snap_rejected"): snaps["rejected_rows"],
        t("admin.snap_current"): [t("common.yes") if c else "" for c in snaps["is_current"]],
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    try:
        pending_rows = store.rows_pending()  # core/roster/store.py, "Row table later"
    except StoreError:
        pending_rows = []
    if pending_rows:
        st.caption(t("admin.snap_rows_pending",
                     ids=", ".join(f"#{sid}" for sid in pending_rows)))
    earlier = snaps[~snaps["is_current"]]
    if earlier.empty:
        st.caption(t("admin.snap_only_current"))
        return
    labels = {int(r.id): _label(r) for r in earlier.itertuples()}
    chosen = st.selectbox(t("admin.snap_choose"), list(labels), format_func=labels.get,
                          key="admin_snap_choice")
    st.text_input(t("admin.reauth_switch_label"), type="password",
                  key=admin_login.SNAP_REAUTH_KEY)
    bar = st.container(horizontal=True)
    if bar.button(t("admin.snap_make_current"), key="admin_snap_switch",
                  icon=":material/published_with_changes:"):
        problem = admin_login.confirm_password("admin.reauth_switch_needed",
                                              admin_login.SNAP_REAUTH_KEY)
        if problem is not None:
            st.error(problem)
            return
        try:
            store.set_current(int(chosen))
        except StoreError as exc:
            st.error(bilingual(exc))
            return
        admin_session.record("snapshot_switched", {"snapshot": int(chosen)})
        st.session_state.pop(DELETE_KEY, None)
        pending = st.session_state.get(PENDING_KEY)
        if pending is not None:  # this admin's own switch does not supersede their upload
            pending.seen_current = int(chosen)
        st.session_state[FLASH_KEY] = t("admin.snap_switched", id=chosen)
        st.rerun()
    if bar.button(t("admin.snap_delete"), key="admin_snap_delete", icon=":material/delete:"):
        st.session_state[DELETE_KEY] = int(chosen)
    pending = st.session_state.get(DELETE_KEY)
    if pending is not None and pending in labels:
        _confirm_delete(store, pending, labels[pending])


def _confirm_delete(store: Store, snapshot_id: int, label: str) -> None:
    with st.container(border=True):
        st.warning(t("admin.snap_delete_confirm", label=label), icon=":material/warning:")
        bar = st.container(horizontal=True)
        if bar.button(t("admin.snap_delete_yes", id=snapshot_id), type="primary",
                      key="admin_snap_delete_yes", icon=":material/delete_forever:"):
            problem = admin_login.confirm_password("admin.reauth_switch_needed",
                                                  admin_login.SNAP_REAUTH_KEY)
            if problem is not None:
                st.error(problem)
                return
            st.session_state.pop(DELETE_KEY, None)
            try:
                store.delete_snapshot(snapshot_id)
            except StoreError as exc:
                st.error(bilingual(exc))
                return
            admin_session.record("snapshot_deleted", {"snapshot": snapshot_id})
            st.session_state[FLASH_KEY] = t("admin.snap_deleted", id=snapshot_id)
            st.rerun()
        if bar.button(t("admin.cancel"), key="admin_snap_delete_no"):
            st.session_state.pop(DELETE_KEY, None)
            st.rerun()
