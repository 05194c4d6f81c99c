"""/policy in a real browser: the timeline and the regime map are drawn, and "open in
self-service" leads to the self-service form filled with the scenario."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.demo import scenarios as sc
from core.policy.data import POLICY
from core.schema.roster import REGIMES
from tests.browser.app_server import TIMEOUT_MS
from ui.i18n import text
from ui.policy_charts import regime_label

pytestmark = pytest.mark.browser


def test_the_timeline_and_the_map_are_drawn(page: Page, app_url: str):
    page.goto(f"{app_url}/policy?as_of=2021-09-01")
    expect(page.locator("h1").filter(has_text=text("page.policy.title", "zh"))).to_be_visible(
        timeout=TIMEOUT_MS)
    charts = page.get_by_test_id("stPlotlyChart")
    expect(charts).to_have_count(2)
    timeline, regime_map = charts.nth(0), charts.nth(1)
    # the timeline: the notice's dates with their clauses, from POLICY
    expect(timeline).to_contain_text(POLICY.date("paper_void_from").isoformat())
    expect(timeline).to_contain_text("C-2.2.2")
    # the map: every province's short name on a tile, and the legend of the three regimes
    for p in POLICY.provinces:
        expect(regime_map).to_contain_text(p.short)
    for regime in REGIMES:
        expect(regime_map.locator(".legend")).to_contain_text(regime_label(regime, "zh"))


def test_open_in_self_service_fills_the_form(page: Page, app_url: str):
    s = sc.get("usage-180-days")
    page.goto(f"{app_url}/policy?scenario={s.id}")
    picker = page.get_by_role("combobox", name=text("policy.gallery.pick", "zh"))
    expect(picker).to_have_value(s.title_zh, timeout=TIMEOUT_MS)
    link = page.get_by_role("link", name=text("policy.gallery.open_self_service", "zh"))
    expect(link).to_have_attribute("href", f"/?scenario={s.id}")
    with page.context.expect_page() as opened:  # a link button opens a new tab
        link.click()
    page = opened.value
    page.wait_for_url(f"**/?scenario={s.id}*")
    title = text("page.self_service.title", "zh")
    expect(page.locator("h1").filter(has_text=title)).to_be_visible()

    def textbox(label_key: str):
        return page.get_by_role("textbox", name=text(label_key, "zh"), exact=True)

    expect(textbox("self_service.form.name")).to_have_value(s.profile["name"])
    expect(textbox("self_service.form.registration_number")).to_have_value(
        s.profile["registration_number"])
    as_of = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput").locator("input")
    expect(as_of).to_have_value(s.as_of.isoformat())
