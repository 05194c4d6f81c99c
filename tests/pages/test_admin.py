"""/admin in Streamlit's AppTest: the login gate, demo mode, imports, snapshots, chart 1.

Each test gets its own ``ECERT_DATA_DIR`` (so its own SQLite database) and, where it needs one,
an admin password hash in ``ECERT_ADMIN_PASSWORD_HASH``. The secrets files are switched off so
a developer's own ``.streamlit/secrets.toml`` cannot change the outcome.
"""

from __future__ import annotations

import io
import json
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import assess_roster, lapse_counts
from core.admin.auth import hash_password
from core.admin.importing import prepare_import
from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster.io import to_csv_bytes, to_xlsx_bytes
from core.roster.store import Store
from core.rules.roster import roster_at
from tests import app_helpers
from tests.app_helpers import accept_import, assert_clean, open_admin
from tests.samples import roster_csv
from ui import admin_dashboard, admin_import, admin_login
from ui.i18n import text

PASSWORD = "试一试 correct horse"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture(autouse=True)
def isolated(isolated_app):  # tests/conftest.py: own data folder, router already ran
    return isolated_app


@pytest.fixture
def with_hash(monkeypatch, password_hash):
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", password_hash)
    return password_hash


def login(at: AppTest, password: str = PASSWORD) -> AppTest:
    return app_helpers.login(at, password)


def shows_data(at: AppTest) -> bool:
    return bool(at.metric or at.get("plotly_chart") or at.dataframe or at.file_uploader)


def chart1_numbers(at: AppTest) -> dict[str, int]:
    """Bar heights of chart 1 (summed over its traces) from the element tree."""
    [chart] = [c for c in at.get("plotly_chart") if c.proto.id and "admin_chart1" in c.proto.id]
    spec = json.loads(chart.proto.spec)
    out: dict[str, int] = {}
    for trace in spec["data"]:
        if trace.get("type") != "bar":
            continue
        # horizontal bars: provinces on y, counts on x
        for province, n in zip(trace["y"], trace["x"], strict=True):
            out[province] = out.get(province, 0) + int(n)
    return out


# -- access -------------------------------------------------------------------------------------
def test_no_hash_is_demo_mode_with_banner_and_no_upload():
    at = open_admin()
    banner = " ".join(w.value for w in at.warning)
    assert "python -m core hash-password" in banner and "README" in banner
    assert "ECERT_ADMIN_PASSWORD_HASH" in banner
    assert not at.file_uploader
    assert not [t for t in at.text_input if t.key == admin_login.PASSWORD_KEY]
    assert at.metric and at.get("plotly_chart")
    assert not [b for b in at.button if b.label == text("admin.logout", "zh")]


def test_demo_mode_chart1_equals_lapse_counts_of_the_demo_roster():
    as_of = date(2022, 3, 1)
    at = open_admin(as_of)
    demo = demo_roster(30_000, seed=2021, as_of=today_shanghai())
    # the dashboard looks at the roster as it stood at T (core.rules.roster.roster_at)
    want = {k: int(v) for k, v in lapse_counts(roster_at(demo, as_of), as_of).items()}
    assert chart1_numbers(at) == want
    registrations = [m for m in at.metric if m.label == text("admin.m_registrations", "zh")]
    assert registrations[0].value == "30,000"


def test_with_a_hash_a_direct_open_shows_only_the_login(with_hash):
    at = open_admin()
    assert at.text_input(key=admin_login.PASSWORD_KEY)
    assert not shows_data(at)
    # no demo banner either (only the operator's note that ECERT_BASE_URL is unset)
    assert [w.icon for w in at.warning] == [":material/qr_code_2:"]


def test_wrong_password_shows_nothing_but_an_error(with_hash):
    at = login(open_admin(), "wrong password")
    assert [e.value for e in at.error] == [text("admin.login_wrong", "zh")]
    assert not shows_data(at)
    at.run()  # a rerun does not let anyone in
    assert not shows_data(at)


def test_repeated_failures_make_the_login_wait_even_for_the_right_password(with_hash):
    at = open_admin()
    for _ in range(4):
        login(at, "nope")
    assert "秒后再试" in " ".join(e.value for e in at.error)
    login(at, PASSWORD)  # within the wait: refused without checking
    assert not shows_data(at)
    assert "秒后再试" in at.error[0].value


def test_right_password_shows_the_dashboard_and_logout_ends_it(with_hash):
    at = login(open_admin())
    assert not at.error
    assert at.metric and at.get("plotly_chart") and at.file_uploader
    # the first load imported the demo roster into the (empty) database: one current snapshot
    snaps = Store.from_config().snapshots()
    assert len(snaps) == 1 and snaps["note"].iloc[0] == "demo" and snaps["is_current"].iloc[0]
    [logout] = [b for b in at.button if b.label == text("admin.logout", "zh")]
    logout.click().run()
    assert_clean(at)
    assert not shows_data(at)
    assert at.text_input(key=admin_login.PASSWORD_KEY)


def test_changing_the_configured_hash_logs_sessions_out(with_hash, monkeypatch):
    at = login(open_admin())
    assert at.metric
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password("another"))
    at.run()
    assert not shows_data(at)


def test_chart1_equals_lapse_counts_of_the_current_snapshot(with_hash):
    as_of = date(2021, 9, 1)
    at = login(open_admin(as_of))
    assert at.date_input(key="as_of").value == as_of
    store = Store.from_config()
    roster = roster_at(store.load(), as_of)  # the roster as it stood at T
    want = {k: int(v) for k, v in lapse_counts(roster, as_of).items()}
    assert chart1_numbers(at) == want
    # and after a filter, the same as lapse_counts of the filtered rows
    at.multiselect(key="admin_f_regime").set_value(["pilot"]).run()
    assessed = assess_roster(roster, as_of)
    pilot = assessed[assessed["regime"] == "pilot"]
    assert chart1_numbers(at) == {k: int(v) for k, v in lapse_counts(pilot, as_of).items()}


# -- import -------------------------------------------------------------------------------------
def test_import_a_good_file(with_hash):
    at = login(open_admin())
    data = roster_csv(60)
    at.file_uploader[0].set_value(("good.csv", data, "text/csv")).run()
    assert_clean(at)
    summary = " ".join(m.value for m in at.markdown)
    assert "共 60 行：60 行有效，0 行有误" in summary
    assert text("admin.report_clean", "zh") in [s.value for s in at.success]
    accept_import(at, PASSWORD)
    assert any("已导入为快照 #2" in s.value for s in at.success)
    snaps = Store.from_config().snapshots()
    new = snaps.iloc[0]
    assert (new["file_name"], new["accepted_rows"], new["rejected_rows"], new["is_current"]) == (
        "good.csv", 60, 0, True)
    import hashlib
    assert new["sha256"] == hashlib.sha256(data).hexdigest()
    today = today_shanghai()
    want = {k: int(v) for k, v in lapse_counts(Store.from_config().load(), today).items()}
    assert chart1_numbers(at) == want and sum(want.values()) <= 60
    assert not at.file_uploader[0].value  # the uploader was cleared


def test_import_a_file_with_bad_rows_reports_them_and_imports_the_rest(with_hash):
    at = login(open_admin())
    at.file_uploader[0].set_value(("bad.csv", roster_csv(40, bad=True), "text/csv")).run()
    assert_clean(at)
    summary = " ".join(m.value for m in at.markdown)
    assert "共 40 行：37 行有效，3 行有误" in summary
    report = [d.value for d in at.dataframe if "问题" in d.value.columns]
    assert report, "validation report not shown"
    rows = report[0]
    assert set(rows.iloc[:, 0]) == {2, 3, 4}
    assert {"birth_date", "employer_province", "specialty"} <= set(rows.iloc[:, 1])
    assert [b for b in at.get("download_button") if b.proto.id and
            "admin_report_download" in b.proto.id]
    [accept] = [b for b in at.button if b.key == "admin_accept"]
    assert accept.label == text("admin.accept", "zh", accepted=37)
    accept_import(at, PASSWORD)
    new = Store.from_config().snapshots().iloc[0]
    assert (new["accepted_rows"], new["rejected_rows"]) == (37, 3)


def test_cancel_imports_nothing(with_hash):
    at = login(open_admin())
    at.file_uploader[0].set_value(("good.xlsx", to_xlsx_bytes(demo_roster(20, seed=9)),
                                   "application/octet-stream")).run()
    assert_clean(at)
    [cancel] = [b for b in at.button if b.key == "admin_cancel"]
    cancel.click().run()
    assert_clean(at)
    assert len(Store.from_config().snapshots()) == 1


@pytest.mark.parametrize("content", [b"", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600])
def test_an_unreadable_file_is_a_bilingual_error(with_hash, content):
    at = login(open_admin())
    at.file_uploader[0].set_value(("broken.csv", content, "application/octet-stream")).run()
    assert_clean(at)
    [err] = at.error
    assert "broken.csv" in err.value.replace("\\", "")
    assert any(ch in err.value for ch in "无不") and any(w in err.value for w in ("empty", "not"))
    assert not [b for b in at.button if b.key == "admin_accept"]


def test_make_an_earlier_snapshot_current_again(with_hash):
    at = login(open_admin())
    at.file_uploader[0].set_value(("good.csv", roster_csv(30), "text/csv")).run()
    accept_import(at, PASSWORD)
    assert Store.from_config().current_id() == 2
    assert at.selectbox(key="admin_snap_choice").value == 1
    [b for b in at.button if b.key == "admin_snap_switch"][0].click().run()
    assert_clean(at)  # the password first (issue 25): nothing switched without it
    assert Store.from_config().current_id() == 2
    assert text("admin.reauth_switch_needed", "zh") in [e.value for e in at.error]
    at.text_input(key=admin_login.SNAP_REAUTH_KEY).input(PASSWORD)
    [b for b in at.button if b.key == "admin_snap_switch"][0].click().run()
    assert_clean(at)
    assert Store.from_config().current_id() == 1
    assert any("#1" in s.value for s in at.success)
    regs = [m for m in at.metric if m.label == text("admin.m_registrations", "zh")]
    assert regs[0].value == "30,000"


def test_a_broken_database_is_an_error_not_a_traceback(with_hash, tmp_path, monkeypatch):
    bad = tmp_path / "not-a-db.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("ECERT_DB_URL", f"sqlite:///{bad}")
    at = login(open_admin())
    assert at.error
    assert text("admin.store_failed", "zh") in at.error[0].value
    assert not at.metric and not at.file_uploader


# -- the functions the page calls ------------------------------------------------------------
# (the import use case itself: tests/test_admin_importing.py)
def test_the_export_holds_every_row_with_formulas_neutralised():
    as_of = today_shanghai()
    df = demo_roster(200, seed=11, as_of=as_of)
    df.loc[0, "employer"] = "=1+1"
    from core.admin import dashboard as dash
    rows = dash.prepare(assess_roster(df, as_of))
    table = admin_dashboard.export_rows(rows, as_of, "all")
    assert len(table) == 200 and "province_short" not in table
    csv = to_csv_bytes(table).decode("utf-8-sig")
    assert "'=1+1" in csv
    needs = admin_dashboard.export_rows(rows, as_of, "needs_action")
    assert list(needs.columns[:2]) == ["action", "next_deadline"]
    assert pd.read_csv(__import__("io").BytesIO(to_csv_bytes(needs))).shape[0] == len(needs)


def test_import_preview_counts_duplicate_rows(with_hash):
    at = login(open_admin())
    lines = roster_csv(5).decode("utf-8-sig").splitlines()
    data = "\n".join(lines + lines[1:3]).encode("utf-8")  # rows 1 and 2 once more
    at.file_uploader[0].set_value(("dup.csv", data, "text/csv")).run()
    assert_clean(at)
    assert [w.value for w in at.warning if w.icon != ":material/qr_code_2:"] == [
        text("admin.duplicates", "zh", count=2)]
    summary = " ".join(m.value for m in at.markdown)
    assert "共 7 行：7 行有效" in summary  # kept and assessed each


# -- issue 15: demo data named, snapshots deletable, counts that agree, the report's CSV --------
BASE_URL_ICON = ":material/qr_code_2:"


def test_the_first_login_labels_the_demo_roster_as_fictional_everywhere(with_hash):
    at = login(open_admin())
    captions = " ".join(c.value for c in at.caption)
    assert text("admin.source_snapshot_demo", "zh", id=1, as_of=today_shanghai().isoformat()) \
        in captions
    assert "当前名单快照 #1" not in captions
    assert any(text("admin.demo_data", "zh") in i.value for i in at.info)
    [snapshots] = [d.value for d in at.dataframe if text("admin.snap_file", "zh") in d.value]
    assert list(snapshots[text("admin.snap_file", "zh")]) == [text("admin.demo_data", "zh")]
    # only the current (demo) snapshot: nothing to delete, and the page says why
    assert text("admin.snap_only_current", "zh") in captions
    at.radio(key="lang").set_value("en").run()
    assert text("admin.source_snapshot_demo", "en", id=1, as_of=today_shanghai().isoformat()) \
        in [c.value for c in at.caption]
    [snapshots] = [d.value for d in at.dataframe if text("admin.snap_file", "en") in d.value]
    assert list(snapshots[text("admin.snap_file", "en")]) == ["Demo data (fictional)"]


def test_an_earlier_snapshot_is_deleted_only_after_a_confirmation(with_hash):
    at = login(open_admin())
    at.file_uploader[0].set_value(("good.csv", roster_csv(30), "text/csv")).run()
    accept_import(at, PASSWORD)
    assert Store.from_config().current_id() == 2
    choice = at.selectbox(key="admin_snap_choice")
    assert choice.value == 1 and text("admin.demo_data", "zh") in choice.format_func(1)
    at.button(key="admin_snap_delete").click().run()
    assert_clean(at)
    assert len(Store.from_config().snapshots()) == 2  # not yet: a confirmation first
    [confirm] = [w for w in at.warning if "#1" in w.value]
    assert text("admin.demo_data", "zh") in confirm.value
    at.button(key="admin_snap_delete_no").click().run()
    assert not [b for b in at.button if b.key == "admin_snap_delete_yes"]
    at.button(key="admin_snap_delete").click().run()
    at.text_input(key=admin_login.SNAP_REAUTH_KEY).input(PASSWORD)
    at.button(key="admin_snap_delete_yes").click().run()
    assert_clean(at)
    snaps = Store.from_config().snapshots()
    assert list(snaps["id"]) == [2] and bool(snaps["is_current"].iloc[0])
    assert any("#1" in s.value for s in at.success)
    assert not [b for b in at.button if b.key == "admin_snap_delete"]  # the current one stays


def test_the_dashboard_counts_the_rows_the_import_rejected(with_hash):
    df = demo_roster(50, seed=21, as_of=today_shanghai()).astype(object)
    df.loc[:9, "employer_province"] = "火星"  # ten bad rows
    at = login(open_admin())
    at.file_uploader[0].set_value(("ten.csv", to_csv_bytes(df), "text/csv")).run()
    pending = at.session_state[admin_import.PENDING_KEY]
    assert pending.rejected == 10
    accept_import(at, PASSWORD)
    assert_clean(at)
    [errors] = [m for m in at.metric if m.label == text("admin.m_errors", "zh")]
    assert errors.value == "10"
    assert text("admin.m_errors_rejected", "zh", n=10) in errors.proto.help


def test_the_report_csv_keeps_messages_whole_names_the_files_headers_and_one_extension():
    df = demo_roster(8, seed=4, as_of=today_shanghai()).astype(object)
    df.loc[0, "employer_province"] = "火星"
    df.loc[1, "valid_until"] = "2021-02-30"
    df = df.rename(columns={"valid_until": "有效期止", "employer_province": "省份"})
    pending = prepare_import(to_csv_bytes(df), "名单.csv", today_shanghai())
    report = pd.read_csv(io.BytesIO(to_csv_bytes(pending.report)), encoding="utf-8-sig")
    province = report[report["column"] == "employer_province"].iloc[0]
    assert province["header"] == "省份"
    assert province["problem_zh"].startswith("无法识别的省份") and "北京 / 北京市" in \
        province["problem_zh"] and "Unknown" not in province["problem_zh"]
    assert province["problem_en"].startswith("Unknown province")
    until = report[report["column"] == "valid_until"].iloc[0]
    assert until["header"] == "有效期止"
    assert admin_import.column_label("valid_until", "有效期止") == "有效期止 (valid_until)"
    assert admin_import.report_file_name("名单.csv") == "validation-名单.csv"
    assert admin_import.report_file_name("roster.xlsx") == "validation-roster.csv"


def test_the_operator_is_told_when_qr_codes_point_at_localhost(monkeypatch, caplog):
    at = open_admin()
    [note] = [w for w in at.warning if w.icon == BASE_URL_ICON]
    assert "ECERT_BASE_URL" in note.value and "localhost" in note.value
    admin_login.log_base_url_once.clear()
    with caplog.at_level("WARNING", logger="ecert_desk"):
        admin_login.log_base_url_once()
    assert any("ECERT_BASE_URL" in r.getMessage() for r in caplog.records)
    monkeypatch.setenv("ECERT_BASE_URL", "https://ecert.example.cn")
    at = open_admin()
    assert not [w for w in at.warning if w.icon == BASE_URL_ICON]
    admin_login.log_base_url_once.clear()
    caplog.clear()
    with caplog.at_level("WARNING", logger="ecert_desk"):
        admin_login.log_base_url_once()
    assert not caplog.records
    admin_login.log_base_url_once.clear()


def test_the_page_says_what_a_reload_keeps(with_hash):
    at = open_admin()
    assert text("admin.login_reload_note", "zh") in [c.value for c in at.caption]
    at = login(at)
    assert text("admin.upload_reload_note", "zh") in [c.value for c in at.caption]


# -- issue 26: labels a person reads right -------------------------------------------------------
def test_apply_now_is_labelled_as_a_passed_deadline_and_near_deadlines_have_their_own_figure():
    from core.admin import dashboard as dash

    as_of = date(2026, 12, 6)
    at = open_admin(as_of)
    labels = {m.label: m.value for m in at.metric}
    for lang in ("zh", "en"):
        assert text("admin.m_apply_now", lang) in (
            "已过申请截止日（未失效）", "Deadline passed, not lapsed")
    assert "应立即申请" not in labels and text("admin.m_apply_now", "zh") in labels
    demo = roster_at(demo_roster(30_000, seed=2021, as_of=today_shanghai()), as_of)
    a = assess_roster(demo, as_of)
    want = int(dash.deadline_near_mask(a, as_of).sum())
    assert want > 0
    near = text("admin.m_deadline_near", "zh", days=90)
    assert labels[near] == f"{want:,}"
    # ... and its own view of the table: exactly those rows, soonest deadline first
    at.session_state["admin_table_view"] = "deadline_near"
    at.run()
    assert_clean(at)
    [table] = [d.value for d in at.dataframe
               if text("admin.col.registration_number", "zh") in d.value.columns]
    assert len(table) == min(want, admin_dashboard.TABLE_ROWS)
    status = text("admin.col.status", "zh")
    assert set(table[status]) == {text("admin.status.valid", "zh")}
    caption = " ".join(c.value for c in at.caption)
    assert f"共 {want} 行" in caption


def test_the_rows_the_import_rejected_have_a_view_and_a_bilingual_export(with_hash):
    """Issue 26: "数据有误" counts rows the import rejected; they get their own table (one line
    per problem, who it is, the column, the message) and a CSV with both languages."""
    from ui import admin_tables

    df = demo_roster(50, seed=21, as_of=today_shanghai()).astype(object)
    df.loc[:6, "employer_province"] = "火星"  # seven bad rows
    at = login(open_admin())
    at.file_uploader[0].set_value(("seven.csv", to_csv_bytes(df), "text/csv")).run()
    accept_import(at, PASSWORD)
    assert_clean(at)
    assert text("admin.rejected.heading", "zh", n=7) in [s.value for s in at.subheader]
    [shown] = [d.value for d in at.dataframe
               if text("admin.rejected.col_problem", "zh") in d.value.columns]
    assert len(shown) == 7
    assert list(shown[text("admin.rejected.col_row", "zh")]) == [1, 2, 3, 4, 5, 6, 7]
    assert list(shown[text("admin.col.registration_number", "zh")]) == list(
        df.loc[:6, "registration_number"])
    assert shown[text("admin.rejected.col_problem", "zh")].str.startswith("无法识别的省份").all()
    assert [b for b in at.get("download_button")
            if b.proto.id and "admin_rejected_export_csv" in b.proto.id]
    # the export: what the button builds when clicked, messages in both languages
    store = Store.from_config()
    sid = int(store.snapshots().query("is_current")["id"].iloc[0])
    data = admin_tables.csv_bytes(admin_tables.problems_table(store.problems(sid), "zh",
                                                              both=True))
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert len(back) == 7
    assert back[text("admin.rejected.col_problem_zh", "zh")].str.startswith("无法识别的省份").all()
    assert back[text("admin.rejected.col_problem_en", "zh")].str.startswith(
        "Unknown province").all()


def test_stacked_by_specialty_and_counting_persons_the_chart_says_what_it_counts():
    """Issue 26: stacked by specialty, a person with two lapsed specialties is in two parts of a
    bar, so the bars are not persons: the count axis says "per specialty", and each province's
    distinct persons are a marker of their own, equal to core's count."""
    from core.admin import dashboard_charts as chart_data

    as_of = date(2026, 12, 6)
    at = open_admin(as_of)
    at.toggle(key="admin_chart1_specialty").set_value(True).run()
    at.toggle(key="admin_chart1_persons").set_value(True).run()
    assert_clean(at)
    [chart] = [c for c in at.get("plotly_chart") if c.proto.id and "admin_chart1" in c.proto.id]
    spec = json.loads(chart.proto.spec)
    axis = spec["layout"]["xaxis"]["title"]["text"]
    assert axis == text("admin.chart1_persons_per_specialty", "zh")
    assert axis != text("admin.chart1_persons", "zh")
    stacked = chart1_numbers(at)
    [marker] = [tr for tr in spec["data"] if tr.get("type") == "scatter"]
    assert marker["name"] == text("admin.chart1_persons", "zh")
    demo = roster_at(demo_roster(30_000, seed=2021, as_of=today_shanghai()), as_of)
    a = assess_roster(demo, as_of)
    want = chart_data.lapse_by_province(a, as_of, distinct_persons=True)
    want = want.set_index("province")["count"]
    got = dict(zip(marker["y"], marker["x"], strict=True))
    assert got == {p: int(n) for p, n in want.items() if n > 0}
    assert all(got[p] <= stacked[p] for p in got)
    assert any(got[p] < stacked[p] for p in got)  # the case the issue saw (江苏 127 vs 119)


def test_a_store_error_reading_the_rejected_rows_is_an_error_not_a_traceback(with_hash,
                                                                              monkeypatch):
    from core.roster.store import StoreError
    from ui import admin_snapshots

    df = demo_roster(30, seed=3, as_of=today_shanghai()).astype(object)
    df.loc[:1, "employer_province"] = "火星"
    at = login(open_admin())
    at.file_uploader[0].set_value(("two.csv", to_csv_bytes(df), "text/csv")).run()
    accept_import(at, PASSWORD)

    def fail(self, snapshot_id):
        raise StoreError("db_unreadable", "读不出来", "Cannot read")

    monkeypatch.setattr(Store, "problems", fail)
    admin_snapshots._problems.clear()
    at.run()
    assert_clean(at)
    assert at.error and text("admin.store_failed", "zh") in at.error[0].value


def test_a_rows_problems_at_an_earlier_date_are_shown_in_the_pages_language(with_hash):
    """A row valid today has a problem at an earlier as-of date (its holder was not yet 18):
    the table shows it as "<label>：<message>" in the page's language, rendered from the
    problems as data (ui.admin_tables.problem_texts), and counts it as needing a fix."""
    df = demo_roster(20, seed=5, as_of=today_shanghai()).astype(object)
    df.loc[0, ["birth_date", "valid_from", "valid_until", "renewal_applied_on",
               "renewal_approved_on", "certificate_downloaded_on"]] = [
        "2003-09-01", "2022-01-10", "2025-01-09", None, None, None]
    number = df.loc[0, "registration_number"]
    at = login(open_admin())
    at.file_uploader[0].set_value(("young.csv", to_csv_bytes(df), "text/csv")).run()
    accept_import(at, PASSWORD)
    at.date_input(key="as_of").set_value(date(2021, 8, 1)).run()
    assert_clean(at)
    for lang, want in (
            ("zh", "出生日期：出生日期（2003-09-01）不合理：应不早于 1920-01-01，且截至 2021-08-01 "
                   "已满 18 周岁"),
            ("en", "Birth date: Birth date (2003-09-01) is implausible: not before 1920-01-01, "
                   "and at least 18 years old on 2021-08-01")):
        if lang == "en":
            at.radio(key="lang").set_value("en").run()
            assert_clean(at)
        [table] = [d.value for d in at.dataframe
                   if text("admin.col.registration_number", lang) in d.value.columns]
        mine = table[table[text("admin.col.registration_number", lang)] == number]
        assert len(mine) == 1
        assert mine[text("admin.col.error", lang)].iloc[0] == want
        assert mine[text("admin.col.action", lang)].iloc[0] == text("admin.action.fix_data",
                                                                     lang)
