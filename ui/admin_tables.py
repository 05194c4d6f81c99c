"""Admin tables people can read (issue 14): headers and coded values in the session's language.

``readable(df, lang, problems=…)`` turns a table of codes (what core returns: ``status =
apply_now``, ``regime = batch2021``, booleans, the ``error`` column) into the table a person reads
and exports: every known column header from ``admin.col.*`` in assets/strings.toml, statuses,
regimes, actions, window statuses, caps, due kinds and reasons from their ``admin.*`` entries,
booleans as 是/否 (Yes/No), missing values empty, and each row's problems as "<field label>：
<message>" in that language, rendered from the problems as data (``problems``: the rows'
``core.messages.problems.ProblemTable``, labels from core/messages), never parsed back from the
``error`` text. Dates stay dates (date cells in XLSX, ``YYYY-MM-DD`` in CSV). Data values
(names, employers, specialties, provinces) are shown as written.

Work is proportional to the number of distinct values, not rows: coded columns are categorical
(or become so), so only their categories are translated.

``date_columns`` and ``download_buttons`` are the widgets every admin table uses.
``csv_bytes`` / ``xlsx_bytes`` export a readable table (CSV: UTF-8 with BOM; XLSX: the
streaming writer of core/roster/xlsx.py, built in a private 0700 temporary folder that is
removed afterwards).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core.messages.catalogue import label as field_label
from core.messages.problems import Entry, ProblemTable
from core.roster.io import to_csv_bytes
from core.roster.xlsx import MAX_ROWS as XLSX_MAX_ROWS
from core.roster.xlsx import write_xlsx
from ui.i18n import t, text

#: Column -> the strings.toml group its coded values come from.
VALUE_GROUPS: dict[str, str] = {
    "status": "admin.status", "action": "admin.action", "usage_status": "admin.window_status",
    "capped_by": "admin.capped_by", "due_kind": "admin.due_kind", "reason": "admin.reason",
}
REGIME_COLUMNS = ("regime",)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERROR_COLUMN = "error"


def header(column: str, lang: str) -> str:
    """The column's header in ``lang`` (``admin.col.<column>``); unknown columns as named."""
    key = f"admin.col.{column}"
    value = text(key, lang)
    return column if value == key else value


def value_label(group: str, code: str, lang: str) -> str:
    if group == "admin.regime":
        key = f"admin.regime_{code}"
    else:
        key = f"{group}.{code}"
    value = text(key, lang)
    return code if value == key else value


def _translated_categorical(s: pd.Series, group: str, lang: str) -> pd.Series:
    cat = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
    names = [value_label(group, str(c), lang) for c in cat.cat.categories]
    # two codes could share a label: map through the distinct labels
    uniques = list(dict.fromkeys(names))
    position = np.array([uniques.index(n) for n in names] + [-1], dtype=np.int64)
    codes = cat.cat.codes.to_numpy(dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(position[codes], categories=uniques),
                     index=s.index, name=s.name)


def _is_boolean(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s.dtype) or isinstance(s.dtype, pd.BooleanDtype):
        return True
    if s.dtype == object and len(s):
        return pd.api.types.infer_dtype(s, skipna=True) == "boolean"
    return False


def _yes_no(s: pd.Series, lang: str) -> pd.Series:
    values = s.astype("boolean")
    known = values.notna().to_numpy(dtype=bool)
    yes = values.fillna(False).to_numpy(dtype=bool)
    codes = np.where(known, yes.astype(np.int64), -1)
    labels = [text("admin.bool.no", lang), text("admin.bool.yes", lang)]
    return pd.Series(pd.Categorical.from_codes(codes, categories=labels), index=s.index,
                     name=s.name)


def problem_text(entry: Entry, lang: str) -> str:
    """One problem as people read it in ``lang``: "<field label>：<message>" (a text given from
    outside, as it is)."""
    if isinstance(entry, str):
        return entry
    name = field_label(entry.field)[1 if lang == "en" else 0]
    if lang == "en":
        return f"{name}: {entry.message_en}"
    return f"{name}：{entry.message_zh}"


def problem_texts(problems: ProblemTable, lang: str) -> np.ndarray:
    """Each row's problems in ``lang`` (None where none)."""
    return problems.rendered(lambda e: problem_text(e, lang), "; " if lang == "en" else "；")


def readable(df: pd.DataFrame, lang: str, groups: dict[str, str] | None = None, *,
             problems: ProblemTable | None = None) -> pd.DataFrame:
    """``df`` with headers and coded values in ``lang`` (see the module doc); same rows.

    ``groups`` overrides or adds column -> value group entries (e.g. a window table's
    ``status`` is ``admin.window_status``). ``problems``: the problems of ``df``'s rows, in its
    order, for its ``error`` column (required when there is one)."""
    groups = {**VALUE_GROUPS, **(groups or {})}
    out: dict[str, pd.Series] = {}
    for column in df.columns:
        s = df[column]
        if column in REGIME_COLUMNS:
            s = _translated_categorical(s, "admin.regime", lang)
        elif column in groups:
            s = _translated_categorical(s, groups[column], lang)
        elif column == ERROR_COLUMN:
            if problems is None or len(problems) != len(df):
                raise ValueError("readable: the rows' problems must come with an error column")
            s = pd.Series(problem_texts(problems, lang), index=df.index, name=s.name,
                          dtype=object)
        elif _is_boolean(s):
            s = _yes_no(s, lang)
        out[header(column, lang)] = s
    table = pd.DataFrame(out, index=df.index)
    return table


def problems_table(problems: pd.DataFrame, lang: str, both: bool = False) -> pd.DataFrame:
    """The rows an import rejected (``Store.problems``: one line per problem) as people read
    them: the row in the file, who it is, the column (its label, and the file's own header when
    that differs) and the problem in ``lang``; ``both``: in Chinese and in English (the
    export)."""
    def column(c: str, h: str) -> str:
        name = field_label(c)[1 if lang == "en" else 0] if c else ""
        return f"{name} ({h})" if h and h not in (c, name) else name

    out = {text("admin.rejected.col_row", lang): problems["row"].to_numpy()}
    for c in ("name", "registration_number", "employer", "specialty"):
        out[header(c, lang)] = problems[c].to_numpy()
    out[text("admin.rejected.col_column", lang)] = [
        column(c, h) for c, h in zip(problems["column"], problems["header"], strict=True)]
    if both:
        out[text("admin.rejected.col_problem_zh", lang)] = problems["problem_zh"].to_numpy()
        out[text("admin.rejected.col_problem_en", lang)] = problems["problem_en"].to_numpy()
    else:
        out[text("admin.rejected.col_problem", lang)] = problems[f"problem_{lang}"].to_numpy()
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------- export
def csv_bytes(table: pd.DataFrame) -> bytes:
    """A readable table as CSV, UTF-8 with BOM (Excel on Windows opens Chinese correctly)."""
    return to_csv_bytes(table, encoding="utf-8-sig")


def xlsx_bytes(table: pd.DataFrame, sheet_name: str = "ecert") -> bytes:
    """A readable table as XLSX, streamed to a file in a private temporary folder (mode 0700,
    removed afterwards) and handed back as bytes for the download."""
    folder = Path(tempfile.mkdtemp(prefix="ecert-export-"))  # mkdtemp: mode 0700
    try:
        path = folder / "export.xlsx"
        with open(path, "wb") as f:
            write_xlsx(table, f, sheet_name=sheet_name)
        return path.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------ widgets
def date_columns(table: pd.DataFrame) -> dict:
    """``st.dataframe`` column settings showing date columns as ``YYYY-MM-DD``."""
    return {c: st.column_config.DateColumn(c, format="YYYY-MM-DD") for c in table.columns
            if pd.api.types.is_datetime64_any_dtype(table[c].dtype)}


def download_buttons(name: str, rows: int, make_table, key: str) -> None:
    """CSV and XLSX download buttons whose files are built only when clicked (``make_table``
    returns the readable table), and only while the admin's login holds (audited: ui/admin_session
    ``guarded_download``)."""
    from ui import admin_session

    make_table = admin_session.guarded_download(make_table, name, rows,
                                                admin_session.page_filters())
    c1, c2, _ = st.columns([1, 1, 4])
    c1.download_button(t("admin.export_csv"),
                       data=lambda: csv_bytes(make_table()),
                       file_name=f"{name}.csv", mime="text/csv", key=f"{key}_csv",
                       icon=":material/download:", on_click="ignore", disabled=rows == 0)
    too_big = rows > XLSX_MAX_ROWS
    c2.download_button(
        t("admin.export_xlsx"), data=lambda: xlsx_bytes(make_table()),
        file_name=f"{name}.xlsx", mime=XLSX_MIME, key=f"{key}_xlsx",
        icon=":material/download:", on_click="ignore", disabled=rows == 0 or too_big,
        help=t("admin.export_xlsx_too_big") if too_big else t("admin.export_help"))
