"""/admin with accounts (issue 25): login by account, scopes held by the data layer, the audit
of each action, in AppTest. The attacks over the real protocol (forged widget states, fragment
reruns, downloads, rotating X-Forwarded-For) are in tests/security/test_account_attacks.py."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.admin import audit
from core.admin.accounts import Accounts
from core.admin.auth import hash_password
from core.admin.scope import PERSONAL_COLUMNS
from core.roster.store import Store
from core.rules.roster import roster_at
from tests.app_helpers import accept_import, assert_clean, login, open_admin
from tests.samples import roster_csv
from ui import admin_login, admin_session
from ui.i18n import text

pytestmark = pytest.mark.usefixtures("isolated")
PW = "省级 pw 5512"
AS_OF = date(2021, 9, 1)


@pytest.fixture
def isolated(isolated_app):
    return isolated_app


def make(login_name: str, role: str, provinces=()) -> None:
    Accounts(Store.from_config()).add(login_name, role, list(provinces), PW)


def actions() -> list[str]:
    return list(audit.read(Store.from_config())["action"])


def logged_in(at) -> bool:
    return bool(at.metric) and not [w for w in at.text_input
                                     if w.key == admin_login.PASSWORD_KEY]


def chart1_provinces(at) -> set[str]:
    [chart] = [c for c in at.get("plotly_chart") if c.proto.id and "admin_chart1" in c.proto.id]
    # horizontal bars (issue 26): the provinces are on the y axis
    return {p for trace in json.loads(chart.proto.spec)["data"]
            for p in trace["y" if trace.get("orientation") == "h" else "x"]}


def metric(at, key: str) -> str:
    return [m.value for m in at.metric if m.label == text(key, "zh")][0]


def province_rows(province: str) -> int:
    store = Store.from_config()
    roster = roster_at(store.load(), AS_OF)
    return int((roster["employer_province"].str.strip() == province).sum())


def test_with_neither_hash_nor_account_the_page_is_in_demo_mode():
    at = open_admin()
    assert not [w for w in at.text_input if w.key == admin_login.PASSWORD_KEY]
    assert [w for w in at.warning if "python -m core user add" in w.value]


def test_an_account_alone_turns_demo_mode_off_and_logs_in_by_name():
    Store.from_config()  # the demo roster
    make("gd", "province", ["广东"])
    at = open_admin(AS_OF)
    assert at.text_input(key=admin_login.LOGIN_NAME_KEY)  # the login form, not the demo
    login(at, PW)  # no name: "admin", which is not configured
    assert not logged_in(at) and text("admin.login_wrong", "zh") in at.error[0].value
    login(at, PW, "GD")
    assert logged_in(at), [e.value for e in at.error]
    assert actions() == ["login_refused", "login_ok"]
    assert audit.read(Store.from_config())["login"].tolist() == ["(unknown)", "gd"]


def test_a_province_account_sees_only_its_province_everywhere_on_the_page():
    Store.from_config()
    make("gd", "province", ["广东省"])  # a full name is accepted as the alias
    at = login(open_admin(AS_OF), PW, "gd")
    assert logged_in(at)
    assert chart1_provinces(at) <= {"广东"}
    assert metric(at, "admin.m_registrations") == f"{province_rows('广东'):,}"
    assert {tab.label for tab in at.tabs} >= {text("admin.tab_dashboard", "zh")}
    assert text("admin.tab_import", "zh") not in [tab.label for tab in at.tabs]
    assert not at.file_uploader
    tables = [d.value for d in at.dataframe if text("admin.col.employer_province", "zh")
              in d.value.columns]
    assert tables and all(set(t[text("admin.col.employer_province", "zh")]) <= {"广东"}
                          for t in tables)
    # a filter on another province (a state the widget would not offer, set anyway) is empty
    at.multiselect(key="admin_f_province").set_value(["北京"]).run()
    assert_clean(at)
    assert metric(at, "admin.m_registrations") == "0"
    # the monitor tab, too
    at.multiselect(key="admin_f_province").set_value([]).run()
    at.session_state["admin_view"] = text("admin.monitor.heading", "zh")
    at.run()
    assert_clean(at)
    assert text("admin.monitor.intro", "zh") in [c.value for c in at.caption]
    for d in at.dataframe:
        col = text("admin.col.employer_province", "zh")
        if col in d.value.columns:
            assert set(d.value[col]) <= {"广东"}


def test_a_viewer_gets_counts_and_charts_but_no_row_of_a_person():
    Store.from_config()
    make("look", "viewer")
    at = login(open_admin(AS_OF), PW, "look")
    assert logged_in(at)
    store = Store.from_config()
    total = len(roster_at(store.load(), AS_OF))
    assert metric(at, "admin.m_registrations") == f"{total:,}"
    assert at.get("plotly_chart")
    personal = {text(f"admin.col.{c}", "zh") for c in PERSONAL_COLUMNS} | set(PERSONAL_COLUMNS)
    for d in at.dataframe:
        assert not personal & set(d.value.columns), d.value.columns
    assert not at.get("download_button")
    assert text("admin.viewer_note", "zh") in [i.value for i in at.info]


def test_a_disabled_account_cannot_log_in_and_a_disabled_session_ends():
    Store.from_config()
    make("gd", "province", ["广东"])
    at = login(open_admin(AS_OF), PW, "gd")
    assert logged_in(at)
    Accounts(Store.from_config()).set_disabled("gd", True)
    at.run()
    assert not logged_in(at)
    login(at, PW, "gd")
    assert not logged_in(at)
    assert actions() == ["login_ok", "logout", "login_refused"]


def test_the_configured_hash_is_still_the_national_admin(monkeypatch):
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password("env pw"))
    at = login(open_admin(), "env pw")  # the name left empty: admin
    assert logged_in(at) and at.file_uploader
    at = login(open_admin(), "env pw", "admin")
    assert logged_in(at)


# -- the audit of each action ------------------------------------------------------------------
def test_login_logout_and_idle_timeout_are_audited(monkeypatch):
    Store.from_config()
    make("n1", "national")

    class Clock:
        now = 10_000.0

        def __call__(self):
            return self.now

    clock = Clock()
    monkeypatch.setattr(admin_session, "clock", clock)
    at = login(open_admin(), "wrong", "n1")
    login(at, PW, "n1")
    at.button(key="admin_logout").click().run()
    login(at, PW, "n1")
    clock.now += 16 * 60
    at.run()
    assert not logged_in(at)
    log = audit.read(Store.from_config())
    assert log["action"].tolist() == ["login_refused", "login_ok", "logout", "login_ok",
                                      "idle_timeout"]
    assert set(log["login"]) == {"n1"} and set(log["client"]) == {"ip:127.0.0.1"}
    assert log.loc[0, "detail"] == "reason=wrong"
    assert PW not in log.to_csv() and "wrong" not in log["login"].tolist()


def test_imports_switches_and_deletions_are_audited():
    Store.from_config()
    make("n1", "national")
    at = login(open_admin(), PW, "n1")
    at.file_uploader[0].set_value(("first.csv", roster_csv(20), "text/csv")).run()
    at.button(key="admin_cancel").click().run()
    at.file_uploader[0].set_value(("second.csv", roster_csv(30), "text/csv")).run()
    accept_import(at, PW)
    at.text_input(key=admin_login.SNAP_REAUTH_KEY).input(PW)
    at.button(key="admin_snap_switch").click().run()
    assert Store.from_config().current_id() == 1
    at.button(key="admin_snap_delete").click().run()
    at.text_input(key=admin_login.SNAP_REAUTH_KEY).input(PW)
    at.button(key="admin_snap_delete_yes").click().run()
    assert_clean(at)
    log = audit.read(Store.from_config())
    assert log["action"].tolist() == ["login_ok", "import_cancelled", "import_accepted",
                                      "snapshot_switched", "snapshot_deleted"]
    assert log["detail"].tolist()[1:] == [
        "file=first.csv; rows=20", "file=second.csv; rows=30; rejected=0; snapshot=2",
        "snapshot=1", "snapshot=2"]


def test_a_national_admin_reads_and_filters_the_audit_log():
    Store.from_config()
    make("n1", "national")
    make("gd", "province", ["广东"])
    login(open_admin(), "nope", "gd")
    at = login(open_admin(), PW, "n1")
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    assert log["action"].tolist() == ["login_ok", "login_refused"]  # newest first
    at.text_input(key="admin_audit_login").input("gd").run()
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    assert log["action"].tolist() == ["login_refused"]
    assert [b for b in at.get("download_button") if b.proto.id and "admin_audit_csv" in
            b.proto.id]


def test_a_province_admins_page_has_no_audit_and_the_section_refuses_it():
    from core.admin.scope import ScopeRefused
    from ui import admin_audit

    Store.from_config()
    make("gd", "province", ["广东"])
    at = login(open_admin(), PW, "gd")
    assert text("admin.tab_audit", "zh") not in [tab.label for tab in at.tabs]
    assert not [d for d in at.dataframe if "action" in d.value.columns]
    with pytest.raises(ScopeRefused):  # outside a session: the scope of nobody
        admin_audit.section(Store.from_config())


def test_a_province_import_is_refused_below_the_page():
    from core.admin.scope import ScopeRefused
    from ui import admin_import

    with pytest.raises(ScopeRefused):
        admin_import.import_section(Store.from_config(), AS_OF)



def test_a_session_taken_over_elsewhere_is_audited(monkeypatch):
    Store.from_config()
    make("n1", "national")
    at = login(open_admin(), PW, "n1")
    assert logged_in(at)
    monkeypatch.setattr(admin_session, "_binding", lambda session_id=None: "xsrf:someone-else")
    at.run()
    assert not logged_in(at)
    assert actions() == ["login_ok", "session_moved"]


def test_the_rows_an_import_rejected_are_shown_to_a_national_account_only():
    """The rows an import rejected (issue 26) name persons, and a rejected row's province may be
    unknown: a province account neither sees them nor their count; a national admin does."""
    make("boss", "national")
    make("gd", "province", ["广东"])
    at = login(open_admin(AS_OF), PW, "boss")
    at.file_uploader[0].set_value(("bad.csv", roster_csv(bad=True), "text/csv")).run()
    accept_import(at, PW)
    assert_clean(at)
    heading = [s.value for s in at.subheader if s.value.startswith("导入时拒收的行")]
    assert heading, "the national admin sees the rejected rows"
    at = login(open_admin(AS_OF), PW, "gd")
    assert logged_in(at)
    assert not [s.value for s in at.subheader if s.value.startswith("导入时拒收的行")]
    assert not [d for d in at.dataframe
                if text("admin.rejected.col_problem", "zh") in d.value.columns]


def test_the_audit_tab_shows_a_line_written_after_it_was_read():
    """The tab keeps what it read while the log has no newer line (ui/admin_audit._read): a
    new line is on the next run."""
    Store.from_config()
    make("n1", "national")
    at = login(open_admin(), PW, "n1")
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    assert log["action"].tolist() == ["login_ok"]
    login(open_admin(), "nope", "n1")  # another browser: a refused login
    at.run()
    [log] = [d.value for d in at.dataframe if "action" in d.value.columns]
    assert log["action"].tolist() == ["login_refused", "login_ok"]
