"""Import a roster file into the database (logged-in admins only).

Widgets only. The use case (read -> assess at the as-of date -> accept the valid rows in one
transaction) is ``core.admin.importing`` (``prepare_import``, ``accept_import``); this module
shows the upload, the preview of the first rows, the validation report (row, column, problem;
downloadable as CSV) and the accept/cancel buttons with a progress bar.

The report names each column as the file's own header beside the canonical name
("有效期止 (valid_until)"), keeps each message whole in its language, and is downloaded as
``validation-<file name without extension>.csv``. The snapshot list is in
ui/admin_snapshots.py.

A pending import lives in this browser session only: a reload drops it (the page says so), the
file has to be chosen again. Keeping it across a reload would mean storing an unaccepted file
on the server for a session that may never come back.
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

import pandas as pd
import streamlit as st

from core.admin.importing import ImportProgress, PendingImport, accept_import, prepare_import
from core.admin.scope import require
from core.roster.io import RosterReadError, to_csv_bytes
from core.roster.store import ImportSuperseded, Store, StoreError
from ui import admin_data, admin_login, admin_session, state
from ui.i18n import both, t
from ui.text import bilingual, esc

REPORT_ROWS = 500  # shown on the page; the download has every line
PENDING_KEY = "admin_pending_import"
UPLOAD_GEN_KEY = "admin_upload_generation"
FLASH_KEY = "admin_flash"
FLASH_WARNING_KEY = "admin_flash_warning"
#: CSV, XLSX, and a CSV compressed (unpacked in the cage, up to MAX_UNPACKED_BYTES)
UPLOAD_TYPES = ["csv", "xlsx", "gz", "bz2", "xz", "zip"]


def report_file_name(file_name: str) -> str:
    """``名单.csv`` -> ``validation-名单.csv`` (never ``….csv.csv``)."""
    return f"validation-{PurePath(file_name).stem or 'roster'}.csv"


def column_label(column: str, header: str) -> str:
    """The admin's own header beside the canonical name, e.g. ``有效期止 (valid_until)``."""
    if header and header != column:
        return f"{header} ({column})"
    return column


def max_upload_bytes() -> int:
    """The upload limit: ``server.maxUploadSize`` (MB) of .streamlit/config.toml."""
    return int(st.get_option("server.maxUploadSize")) * 1024 * 1024


def upload_too_large(file_name: str, size: int) -> str | None:
    """The bilingual refusal for a file over the upload limit, or None when it fits.

    Streamlit's uploader refuses such a file in the browser already (in English only); this is
    the page's own check, so nothing over the limit is ever read, whatever sent it."""
    limit = max_upload_bytes()
    if size <= limit:
        return None
    return both("admin.upload_too_large", file=esc(file_name),
                size=f"{size / 1048576:.1f}", limit=f"{limit / 1048576:g}")


def _report_for_display(report: pd.DataFrame) -> pd.DataFrame:
    lang = state.lang()
    return pd.DataFrame({
        t("admin.report_row"): report["row"],
        t("admin.report_column"): [column_label(c, h) for c, h in
                                   zip(report["column"], report.get("header", report["column"]),
                                       strict=True)],
        t("admin.report_problem"): report["problem_en" if lang == "en" else "problem_zh"],
    })


def _reset_upload() -> None:
    st.session_state.pop(PENDING_KEY, None)
    st.session_state[UPLOAD_GEN_KEY] = st.session_state.get(UPLOAD_GEN_KEY, 0) + 1


def _progress_text(p: ImportProgress) -> str:
    if p.stage == "read":
        return t("admin.progress_reading") if p.total is None else \
            t("admin.progress_read", rows=f"{p.done:,}")
    if p.stage == "checked":
        return t("admin.progress_read", rows=f"{p.total:,}") if p.done < (p.total or 0) else \
            t("admin.progress_checked", rows=f"{p.done:,}")
    return t("admin.importing", done=f"{p.done:,}", total=f"{p.total:,}")


def _progress_bar():
    """An st.progress bar and the core callback that moves it (read -> checked -> stored)."""
    bar = st.progress(0.0, text=t("admin.progress_reading"))
    share = {"read": (0.0, 0.5), "checked": (0.5, 0.5), "stored": (0.0, 1.0)}

    def show(p: ImportProgress) -> None:
        start, width = share[p.stage]
        bar.progress(min(1.0, start + width * p.fraction), text=_progress_text(p))

    return bar, show


def import_section(store: Store, as_of: date) -> None:
    require(admin_session.scope(), "import")  # national accounts only, whatever the page shows
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    warning = st.session_state.pop(FLASH_WARNING_KEY, None)
    if warning:
        st.warning(warning, icon=":material/call_split:")
    gen = st.session_state.get(UPLOAD_GEN_KEY, 0)
    upload = st.file_uploader(t("admin.upload_label"), type=UPLOAD_TYPES,
                              key=f"admin_upload_{gen}", help=t("admin.upload_help"))
    st.caption(t("admin.upload_reload_note"))
    if upload is None:
        st.session_state.pop(PENDING_KEY, None)
        return
    too_large = upload_too_large(upload.name, upload.size)
    if too_large:
        st.session_state.pop(PENDING_KEY, None)
        st.error(too_large, icon=":material/file_present:")
        return
    data = upload.getvalue()
    pending: PendingImport | None = st.session_state.get(PENDING_KEY)
    ident = (getattr(upload, "file_id", upload.name), upload.name, len(data), as_of)
    if pending is None or pending.ident != ident:
        try:  # the snapshot current now: the import becomes current only if it still is then
            seen = store.current_id()
        except StoreError as exc:
            st.error(bilingual(exc))
            return
        bar, show = _progress_bar()
        try:
            pending = prepare_import(data, upload.name, as_of, show, seen_current=seen)
        except RosterReadError as exc:
            bar.empty()
            st.session_state.pop(PENDING_KEY, None)
            st.error(t("admin.read_failed", file=esc(upload.name)) + "\n\n" + bilingual(exc))
            return
        bar.empty()
        pending.ident = ident
        st.session_state[PENDING_KEY] = pending
    _pending_view(store, pending, as_of)


def _pending_view(store: Store, pending: PendingImport, as_of: date) -> None:
    st.markdown(f"**{t('admin.preview')}**")
    st.dataframe(pending.preview, hide_index=True, width="stretch")
    st.markdown(t("admin.check_summary", rows=pending.n_rows, accepted=pending.accepted,
                  rejected=pending.rejected, problems=len(pending.report)))
    if pending.duplicates:
        st.warning(t("admin.duplicates", count=pending.duplicates))
    if len(pending.report):
        st.markdown(f"**{t('admin.report_heading')}**")
        st.dataframe(_report_for_display(pending.report.head(REPORT_ROWS)), hide_index=True,
                     width="stretch", height=240)
        report = pending.report
        st.download_button(t("admin.report_download"),
                           data=admin_session.guarded_download(lambda: to_csv_bytes(report),
                                                            "import_report", len(report),
                                                            {"file": pending.file_name}),
                           file_name=report_file_name(pending.file_name), mime="text/csv",
                           key="admin_report_download", on_click="ignore",
                           icon=":material/download:")
    else:
        st.success(t("admin.report_clean"))
    st.text_input(t("admin.reauth_label"), type="password", key=admin_login.REAUTH_KEY)
    c1, c2 = st.columns(2)
    accept = c1.button(t("admin.accept", accepted=pending.accepted), type="primary",
                       key="admin_accept", disabled=pending.accepted == 0)
    cancel = c2.button(t("admin.cancel"), key="admin_cancel")
    if cancel:
        admin_session.record("import_cancelled", {"file": pending.file_name,
                                               "rows": pending.n_rows})
        _reset_upload()
        st.rerun()
    if accept and (problem := admin_login.confirm_password()) is not None:
        st.error(problem)
    elif accept:
        _bar, show = _progress_bar()
        show(ImportProgress("stored", 0, pending.accepted))
        try:
            sid = accept_import(store, pending, show)
        except ImportSuperseded as exc:  # stored complete but not current: say so, clear upload
            admin_session.record("import_accepted", {"file": pending.file_name,
                                                  "rows": pending.accepted,
                                                  "snapshot": exc.snapshot_id,
                                                  "current": "no"})
            _reset_upload()
            st.session_state[FLASH_WARNING_KEY] = (t("admin.import_superseded") + "\n\n"
                                                   + bilingual(exc))
            st.rerun()
        except StoreError as exc:
            st.error(t("admin.import_failed") + "\n\n" + bilingual(exc))
            return
        try:  # warm the dashboard's cache while the user is still waiting for the import
            with st.spinner(t("admin.reading")):
                admin_data.assessed(sid, as_of)
        except StoreError:
            pass  # the dashboard tab shows the error on the next run
        admin_session.record("import_accepted", {"file": pending.file_name,
                                              "rows": pending.accepted,
                                              "rejected": pending.rejected, "snapshot": sid})
        _reset_upload()
        st.session_state[FLASH_KEY] = t("admin.imported", id=sid, accepted=pending.accepted,
                                        rejected=pending.rejected)
        st.rerun()
