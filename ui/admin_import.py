"""Import a roster file into the database (logged-in admins only), and the snapshot list.

Flow: upload CSV/XLSX -> ``core.io.read_roster`` -> ``core.assess_roster`` at the as-of date ->
preview of the first rows and the validation report (row, column, problem; downloadable as
CSV) -> accept the valid rows (``Store.import_snapshot`` with a progress bar; one transaction)
or cancel. ``prepare_import`` does the reading and checking without Streamlit, so tests drive
the same code the page runs. The report names each column as the file's own header beside the
canonical name ("有效期止 (valid_until)"), keeps each message whole in its language, and is
downloaded as ``validation-<file name without extension>.csv``. The snapshot list is in
ui/admin_snapshots.py.

A pending import lives in this browser session only: a reload drops it (the page says so), the
file has to be chosen again. Keeping it across a reload would mean storing an unaccepted file
on the server for a session that may never come back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

import pandas as pd
import streamlit as st

from core import assess_roster
from core.admin import dashboard as dash
from core.roster.duplicates import duplicate_rows
from core.roster.io import RosterReadError, canonical_header, read_roster, to_csv_bytes
from core.roster.schema import ROSTER_COLUMNS
from core.roster.store import Store, StoreError
from ui import admin_data, state
from ui.i18n import both, t
from ui.text import bilingual, esc

PREVIEW_ROWS = 10
REPORT_ROWS = 500  # shown on the page; the download has every line
PENDING_KEY = "admin_pending_import"
UPLOAD_GEN_KEY = "admin_upload_generation"
FLASH_KEY = "admin_flash"


@dataclass
class PendingImport:
    """A read and checked file waiting for "accept" or "cancel"."""

    file_name: str
    sha256: str
    as_of: date
    n_rows: int
    valid: pd.DataFrame = field(repr=False)  # canonical roster columns, valid rows only
    report: pd.DataFrame = field(repr=False)  # core.dashboard.validation_report
    preview: pd.DataFrame = field(repr=False)  # the file's first rows as read
    ident: tuple = field(default=(), repr=False)  # which upload and as-of date it came from
    duplicates: int = 0  # rows repeating an earlier row (kept, each assessed)
    headers: dict = field(default_factory=dict, repr=False)  # canonical column -> file's header

    @property
    def accepted(self) -> int:
        return len(self.valid)

    @property
    def rejected(self) -> int:
        return self.n_rows - len(self.valid)


def prepare_import(data: bytes, file_name: str, as_of: date) -> PendingImport:
    """Read and check a roster file; raises RosterReadError when it cannot be read at all."""
    roster = read_roster(data, file_name)
    assessed = assess_roster(dash.roster_at(roster.data, as_of), as_of)
    ok = assessed["error"].isna().to_numpy(dtype=bool)
    valid = roster.data.loc[ok, list(ROSTER_COLUMNS)].reset_index(drop=True)
    headers = file_headers(roster.raw.columns)
    return PendingImport(file_name=file_name, sha256=roster.sha256 or "", as_of=as_of,
                         n_rows=len(roster), valid=valid, headers=headers,
                         report=dash.validation_report(assessed, headers),
                         preview=roster.raw.head(PREVIEW_ROWS),
                         duplicates=int(duplicate_rows(roster.data).sum()))


def file_headers(columns) -> dict[str, str]:
    """Canonical column -> the header the file used for it (the first one, as written)."""
    out: dict[str, str] = {}
    for header in columns:
        canonical = canonical_header(header)
        if canonical is not None:
            out.setdefault(canonical, str(header).strip())
    return out


def report_file_name(file_name: str) -> str:
    """``名单.csv`` -> ``validation-名单.csv`` (never ``….csv.csv``)."""
    return f"validation-{PurePath(file_name).stem or 'roster'}.csv"


def column_label(column: str, header: str) -> str:
    """The admin's own header beside the canonical name, e.g. ``有效期止 (valid_until)``."""
    if header and header != column:
        return f"{header} ({column})"
    return column


def accept_import(store: Store, pending: PendingImport,
                  progress: Callable[[int, int], object] | None = None) -> int:
    """Store the valid rows as a new current snapshot (one transaction); its id."""
    return store.import_snapshot(pending.valid, pending.file_name, pending.sha256,
                                 rejected_rows=pending.rejected, progress=progress)


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


def import_section(store: Store, as_of: date) -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    gen = st.session_state.get(UPLOAD_GEN_KEY, 0)
    upload = st.file_uploader(t("admin.upload_label"), type=["csv", "xlsx"],
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
        try:
            with st.spinner(t("admin.reading")):
                pending = prepare_import(data, upload.name, as_of)
        except RosterReadError as exc:
            st.session_state.pop(PENDING_KEY, None)
            st.error(t("admin.read_failed", file=upload.name) + "\n\n" + bilingual(exc))
            return
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
        st.download_button(t("admin.report_download"), data=to_csv_bytes(pending.report),
                           file_name=report_file_name(pending.file_name), mime="text/csv",
                           key="admin_report_download", on_click="ignore",
                           icon=":material/download:")
    else:
        st.success(t("admin.report_clean"))
    c1, c2 = st.columns(2)
    accept = c1.button(t("admin.accept", accepted=pending.accepted), type="primary",
                       key="admin_accept", disabled=pending.accepted == 0)
    cancel = c2.button(t("admin.cancel"), key="admin_cancel")
    if cancel:
        _reset_upload()
        st.rerun()
    if accept:
        bar = st.progress(0.0, text=t("admin.importing", done=0, total=pending.accepted))

        def progress(done: int, total: int) -> None:
            bar.progress(done / total if total else 1.0,
                         text=t("admin.importing", done=done, total=total))

        try:
            sid = accept_import(store, pending, progress)
        except StoreError as exc:
            st.error(t("admin.import_failed") + "\n\n" + bilingual(exc))
            return
        try:  # warm the dashboard's cache while the user is still waiting for the import
            with st.spinner(t("admin.reading")):
                admin_data.assessed(sid, as_of)
        except StoreError:
            pass  # the dashboard tab shows the error on the next run
        _reset_upload()
        st.session_state[FLASH_KEY] = t("admin.imported", id=sid, accepted=pending.accepted,
                                        rejected=pending.rejected)
        st.rerun()
