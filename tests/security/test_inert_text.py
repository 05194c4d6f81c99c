"""User-controlled text renders inert (issue 6, "Security").

Names, employers and file names like ``<script>alert(1)</script>`` or
``<img src=x onerror=alert(1)>`` show as the literal text, never as markup; spreadsheet formulas
(``=1+1``) in exports get a leading apostrophe.

- AppTest (no browser): self-service form -> answer, certificate preview and /verify; admin
  import -> preview table, database, export. Structural check: no Markdown element that may
  hold raw HTML (``unsafe_allow_html``) carries the user's text unescaped.
- Browser (one server of its own): the same text typed into the self-service form and imported
  by an admin; a JavaScript dialog opening anywhere fails the test (``page.on("dialog")``),
  the text is visible literally, and the downloaded CSV export neutralises formulas.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from streamlit.testing.v1 import AppTest

from core import assess_roster
from core.admin import dashboard as dash
from core.admin.auth import hash_password
from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster.io import to_csv_bytes
from core.roster.store import Store
from core.schema.roster import COLUMN_LABELS_ZH
from tests.app_helpers import APP, accept_import, assert_clean, login, open_admin
from tests.browser.app_server import TIMEOUT_MS, start_app, stop_app
from ui import admin_dashboard
from ui import self_service_form as form
from ui.i18n import text

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULAS = ["=1+1", "+1+1", "-2+3", "@SUM(A1:A2)", "=HYPERLINK(\"http://x\",\"y\")"]
PASSWORD = "inert-text 口令"


def hostile_roster() -> bytes:
    """Six valid roster rows with hostile names and employers, written as a plain CSV (the
    formulas raw, as an attacker would send them, not through the app's safe export)."""
    rows = demo_roster(6, seed=41, as_of=today_shanghai()).astype(object)
    rows.loc[0, ["name", "employer"]] = [SCRIPT, FORMULAS[0]]
    rows.loc[1, ["name", "employer"]] = [IMG, FORMULAS[1]]
    for i, f in enumerate(FORMULAS[2:], start=2):
        rows.loc[i, "employer"] = f
    return rows.to_csv(index=False, date_format="%Y-%m-%d").encode("utf-8")


def raw_html_with(at: AppTest, *needles: str) -> list[str]:
    """Markdown elements allowed to hold raw HTML that contain a needle unescaped."""
    return [m.value for m in at.markdown
            if m.proto.allow_html and any(n in m.value for n in needles)]


def page_text(at: AppTest) -> str:
    parts = [el.value for el in at.markdown] + [el.value for el in at.caption]
    parts += [el.value for el in at.success] + [el.value for el in at.error]
    return "\n".join(str(p) for p in parts).replace("\\", "")  # Markdown escapes


# -- AppTest ------------------------------------------------------------------------------------
@pytest.mark.usefixtures("isolated")
def test_self_service_form_preview_and_verify_keep_the_text_inert():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.button(key="self_service.load_example").click().run()
    at.text_input(key=form.key("name")).input(SCRIPT)
    at.text_input(key=form.key("employer")).input(IMG)
    at.button(key="self_service.check").click().run()  # the fields are one st.form (issue 15)
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]  # both are acceptable names
    assert at.text_input(key=form.key("name")).value == SCRIPT
    at.button(key="certificate.build").click().run()
    assert_clean(at)
    assert not at.error, [e.value for e in at.error]
    assert not raw_html_with(at, "<script", "<img", "onerror")
    preview = at.session_state["certificate.preview"][1]
    token = re.search(r"token=([A-Za-z0-9_\-.]+)", preview.verify_url).group(1)

    verify = AppTest.from_file(APP, default_timeout=60)
    verify.query_params["token"] = token
    verify.run()
    verify.switch_page("pages/verify.py").run()
    assert_clean(verify)
    assert [i for i in verify.info if text("verify.headline.ok", "zh") in i.value], (
        "the token of this preview verifies")
    assert not raw_html_with(verify, "<script", "<img", "onerror")
    shown = [m.value for m in verify.markdown if "script" in m.value or "onerror" in m.value]
    assert shown, "the name and employer are shown"
    for value in shown:  # as escaped text: &lt;script&gt; and Markdown escapes
        assert "<script" not in value and "<img" not in value
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page_text(verify)


@pytest.mark.usefixtures("isolated")
def test_admin_import_table_and_export_keep_the_text_inert(monkeypatch):
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    at = login(open_admin(), PASSWORD)
    at.file_uploader[0].set_value((f"{IMG}.csv", hostile_roster(), "text/csv")).run()
    assert_clean(at)
    assert not raw_html_with(at, "<script", "<img", "onerror")
    shown = [d.value for d in at.dataframe if "name" in d.value.columns]
    assert any(SCRIPT in set(d["name"]) for d in shown)  # the preview: data, shown as data
    [accept] = [b for b in at.button if b.key == "admin_accept"]
    assert accept.label == text("admin.accept", "zh", accepted=6)
    accept_import(at, PASSWORD)
    assert not raw_html_with(at, "<script", "<img", "onerror")

    store = Store.from_config()
    stored = store.load()
    assert set(stored["name"]) >= {SCRIPT, IMG}
    assert set(stored["employer"]) >= set(FORMULAS)  # stored as sent, neutralised on the way out
    as_of = today_shanghai()
    rows = dash.prepare(assess_roster(stored, as_of))
    table = admin_dashboard.export_rows(rows, as_of, "all")
    csv = pd.read_csv(io.BytesIO(to_csv_bytes(table)), encoding="utf-8-sig", dtype=str)
    assert set(csv["name"]) >= {SCRIPT, IMG}
    assert set(csv["employer"]) >= {"'" + f for f in FORMULAS}
    assert not any(str(e).startswith(("=", "+", "-", "@")) for e in csv["employer"])


# -- browser ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[str]:
    env = {"ECERT_ADMIN_PASSWORD_HASH": hash_password(PASSWORD)}
    proc, url = start_app(tmp_path_factory.mktemp("inert-app"), extra_env=env)
    try:
        yield url
    finally:
        stop_app(proc)


def no_injected_markup(page: Page) -> None:
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("script", has_text="alert(1)").count() == 0


def fill(page: Page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    expect(box).to_have_value(value)


@pytest.mark.browser
def test_in_the_browser_the_self_service_text_is_literal_and_runs_nothing(new_page: Page,
                                                                          app: str):
    page = new_page
    page.goto(app + "/")
    page.get_by_role("button", name=text("self_service.form.load_example", "zh")).click()
    expect(page.get_by_text(text("self_service.answer.heading", "zh",
                                 as_of=today_shanghai().isoformat()), exact=True)).to_be_visible(
        timeout=TIMEOUT_MS)
    fill(page, text("self_service.form.name", "zh"), SCRIPT)
    fill(page, text("self_service.form.employer", "zh"), IMG)
    page.get_by_role("button", name=text("self_service.form.check", "zh")).click()  # st.form
    expect(page.get_by_role("button", name=text("certificate.build", "zh"))).to_be_visible()
    page.get_by_role("button", name=text("certificate.build", "zh")).click()
    expect(page.get_by_role("button", name=text("certificate.download", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    no_injected_markup(page)
    link = page.get_by_test_id("stCode").inner_text()
    token = re.search(r"/verify\?token=([A-Za-z0-9_\-.]+)", link).group(1)
    page.goto(f"{app}/verify?token={token}")
    expect(page.get_by_text(SCRIPT, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text(IMG, exact=True)).to_be_visible()
    no_injected_markup(page)
    assert page.dialogs == []  # type: ignore[attr-defined]


@pytest.mark.browser
def test_in_the_browser_an_admin_import_and_its_export_stay_inert(new_page: Page, app: str,
                                                                  tmp_path: Path):
    page = new_page
    page.goto(app + "/admin")
    page.get_by_label(text("admin.login_password", "zh")).fill(PASSWORD)
    page.get_by_role("button", name=text("admin.login_button", "zh")).click()
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=120_000)

    # a file that cannot be read, with a hostile name: the error names it literally
    page.get_by_role("tab", name=text("admin.tab_import", "zh")).click()
    uploader = page.locator("input[type=file]").first
    uploader.set_input_files({"name": f"{IMG}.csv", "mimeType": "text/csv", "buffer": b""})
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_be_visible(timeout=TIMEOUT_MS)
    expect(error).to_contain_text(f"{IMG}.csv")
    no_injected_markup(page)

    uploader.set_input_files({"name": f"{SCRIPT}.csv", "mimeType": "text/csv",
                              "buffer": hostile_roster()})
    accept = page.get_by_role("button", name=text("admin.accept", "zh", accepted=6))
    expect(accept).to_be_visible(timeout=TIMEOUT_MS)
    confirm = page.get_by_label(text("admin.reauth_label", "zh"))
    confirm.fill(PASSWORD)
    confirm.press("Enter")  # Streamlit commits a text input on Enter
    no_injected_markup(page)
    accept.click()
    expect(page.get_by_text(text("admin.imported", "zh", id=2, accepted=6, rejected=0))
           ).to_be_visible(timeout=TIMEOUT_MS)
    no_injected_markup(page)

    page.get_by_role("tab", name=text("admin.tab_dashboard", "zh")).click()
    page.locator(".st-key-admin_table_view").get_by_text(text("admin.table_all", "zh"),
                                                         exact=True).click()
    expect(page.get_by_text(text("admin.table_caption", "zh", shown=6, total=6))).to_be_visible(
        timeout=TIMEOUT_MS)
    button = page.get_by_role("button", name=text("admin.export_csv", "zh"))
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    target = tmp_path / "export.csv"
    info.value.save_as(target)
    csv = pd.read_csv(target, encoding="utf-8-sig", dtype=str)
    # the export's header row is in the session's language (中文 here): 姓名, 聘用企业
    assert set(csv[COLUMN_LABELS_ZH["name"]]) >= {SCRIPT, IMG}
    assert set(csv[COLUMN_LABELS_ZH["employer"]]) >= {"'" + f for f in FORMULAS}
    no_injected_markup(page)
    assert page.dialogs == []  # type: ignore[attr-defined]
