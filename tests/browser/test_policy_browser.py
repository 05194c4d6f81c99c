"""/policy in a real browser: the timeline and the regime map are drawn, and "open in
self-service" leads to the self-service form filled with the scenario."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.demo import scenarios as sc
from core.policy.data import POLICY
from core.schema.roster import REGIMES
from tests.browser.app_server import TIMEOUT_MS, open_page, settle
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


# -- issue 26: /policy on a phone (390 × 844) ---------------------------------------------------
PHONE = {"width": 390, "height": 844}
TEXT_BOXES_JS = """([sel, what]) => {
  const plot = document.querySelector(sel + ' .js-plotly-plot');
  const box = e => { const r = e.getBoundingClientRect();
                     return {x: r.x, y: r.y, right: r.right, bottom: r.bottom,
                             text: e.textContent}; };
  return {svg: box(plot.querySelector('.main-svg')),
          items: [...plot.querySelectorAll(what)].map(box).filter(b => b.right > b.x)};
}"""
# Each date (YYYY-MM-DD) in the answer table: on how many lines it is drawn.
DATE_LINES_JS = """() => {
  const out = [];
  const cells = '.st-key-policy_answer td, .st-key-policy_answer th';
  for (const cell of document.querySelectorAll(cells)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const m of n.textContent.matchAll(/\\d{4}-\\d{2}-\\d{2}/g)) {
        const r = document.createRange();
        r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
        const tops = new Set([...r.getClientRects()].map(q => Math.round(q.top)));
        out.push([m[0], tops.size]);
      }
    }
  }
  return out;
}"""


def _open_policy(page: Page, url: str, lang: str, presentation: bool) -> None:
    page.set_viewport_size(PHONE)
    open_page(page, f"{url}/policy?lang={lang}&as_of=2021-09-01", "page.policy.title", lang)
    if presentation:
        page.get_by_text(text("policy.presentation", lang), exact=True).click()
        settle(page)


def _inside(svg: dict, b: dict) -> bool:
    return svg["x"] - 0.5 <= b["x"] and b["right"] <= svg["right"] + 0.5


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_the_timeline_and_the_map_keep_their_labels_whole(page: Page, app_url: str,
                                                                     lang: str,
                                                                     presentation: bool):
    """Viewport 390 × 844: no timeline label is cut at either edge, and every tile of the map
    (上海 / Shanghai on the right edge, 新疆 on the left) keeps its name inside the figure."""
    _open_policy(page, app_url, lang, presentation)
    sel = ".st-key-policy_timeline"
    page.locator(sel).scroll_into_view_if_needed()
    b = page.evaluate(TEXT_BOXES_JS, [sel, "g.annotation"])
    assert len(b["items"]) >= 9  # the transition, the notice's 8 dates, the as-of date
    assert b["svg"]["right"] <= PHONE["width"]
    for item in b["items"]:
        assert _inside(b["svg"], item), item
    sel = ".st-key-policy_map"
    page.locator(sel).scroll_into_view_if_needed()
    b = page.evaluate(TEXT_BOXES_JS, [sel, "g.textpoint text"])
    names = {p.short if lang == "zh" else p.en for p in POLICY.provinces}
    shanghai = "上海" if lang == "zh" else "Shanghai"
    assert any(shanghai in item["text"] for item in b["items"])
    assert len(b["items"]) == len(names)
    for item in b["items"]:
        assert _inside(b["svg"], item), item
    legend = page.evaluate(TEXT_BOXES_JS, [sel, "g.legend"])
    assert legend["items"] and all(_inside(legend["svg"], x) for x in legend["items"])


@pytest.mark.parametrize("presentation", [False, True])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_on_a_phone_time_travel_and_the_answer_read_right(page: Page, app_url: str, lang: str,
                                                          presentation: bool):
    """Viewport 390 × 844: the time-travel bands take most of the width and are tall enough to
    read; the dates of its axis lie on none of each other nor on the legend; every date of the
    answer table is on one line (no "202 / 1- / 07-")."""
    _open_policy(page, app_url, lang, presentation)
    # the phone's collapsed sidebar may still lie over the section's label while it slides
    # away (presentation mode widens it): the click goes to the label itself
    page.get_by_text(text("policy.section.scenarios", lang), exact=True).dispatch_event("click")
    settle(page)
    sel = ".st-key-policy_travel_chart"
    expect(page.locator(f"{sel} .main-svg").first).to_be_visible(timeout=TIMEOUT_MS)
    page.locator(sel).scroll_into_view_if_needed()
    bars = page.evaluate(TEXT_BOXES_JS, [sel, "g.trace.bars path"])
    svg = bars["svg"]
    left = min(x["x"] for x in bars["items"])
    right = max(x["right"] for x in bars["items"])
    assert right - left >= 0.75 * (svg["right"] - svg["x"]), (left, right, svg)
    assert min(x["bottom"] - x["y"] for x in bars["items"]) >= 30
    ticks = page.evaluate(TEXT_BOXES_JS, [sel, "g.xtick text"])["items"]
    legend = page.evaluate(TEXT_BOXES_JS, [sel, "g.legend"])["items"]
    assert ticks and legend
    for i, a in enumerate(ticks):
        assert _inside(svg, a), a
        for c in ticks[i + 1:] + legend:
            assert not _overlap(a, c), (a, c)
    assert min(x["y"] for x in legend) >= max(x["bottom"] for x in ticks)
    lines = page.evaluate(DATE_LINES_JS)
    assert lines and all(n == 1 for _, n in lines), lines


def _overlap(a: dict, b: dict) -> bool:
    return a["x"] < b["right"] and b["x"] < a["right"] and a["y"] < b["bottom"] and \
        b["y"] < a["bottom"]


# -- issue 26: presentation mode on a projector (1920 × 1080) ---------------------------------
PROJECTOR = {"width": 1920, "height": 1080}
SIDEBAR_JS = """() => {
  const side = document.querySelector('[data-testid="stSidebar"]');
  const px = e => e ? parseFloat(getComputedStyle(e).fontSize) : 0;
  return {width: side.getBoundingClientRect().width,
          date: px(side.querySelector('[data-testid="stDateInputField"] [data-type="year"]')),
          label: px(side.querySelector('[data-testid="stWidgetLabel"] p')),
          legend: Math.min(...[...document.querySelectorAll('.st-key-policy_map g.legend text')]
                               .map(px))};
}"""
# The colour a reader sees: the text's colour with every ancestor's opacity, over the first
# opaque background behind it; then its contrast ratio (WCAG 2.1).
INK_JS = """(sel) => {
  const e = [...document.querySelectorAll(sel)].find(x => x.offsetParent !== null);
  const rgba = c => { const m = c.match(/[\\d.]+/g).map(Number); return [m[0], m[1], m[2],
                                                                        m.length > 3 ? m[3] : 1]; };
  let [r, g, b, a] = rgba(getComputedStyle(e).color);
  let bg = null;
  for (let n = e; n; n = n.parentElement) {
    const cs = getComputedStyle(n);
    a *= parseFloat(cs.opacity);
    const back = rgba(cs.backgroundColor);
    if (!bg && back[3] > 0.99 && n !== e) bg = back;
  }
  bg = bg || [255, 255, 255, 1];
  const seen = [r, g, b].map((v, i) => a * v + (1 - a) * bg[i]);
  const lum = c => { const [x, y, z] = c.map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * x + 0.7152 * y + 0.0722 * z; };
  const [l1, l2] = [lum(seen), lum(bg)].sort((p, q) => q - p);
  return (l1 + 0.05) / (l2 + 0.05);
}"""
# The slider thumb's centre and the chart's date line (the thickest line shape), in page px.
ALIGN_JS = """() => {
  const input = document.querySelector('[data-testid="stSlider"] input[type=range]');
  const thumb = input.closest('[style*="left"]').getBoundingClientRect();
  const lines = [...document.querySelectorAll('.st-key-policy_travel_chart .shapelayer path')]
    .filter(p => parseFloat(p.style.strokeWidth) >= 3);
  const line = lines[0].getBoundingClientRect();
  return {thumb: thumb.left + thumb.width / 2, line: line.left + line.width / 2,
          value: input.getAttribute('aria-valuetext')};
}"""


def _presentation(page: Page, url: str) -> None:
    page.set_viewport_size(PROJECTOR)
    open_page(page, f"{url}/policy?as_of=2021-09-01", "page.policy.title", "zh")
    page.get_by_text(text("policy.presentation", "zh"), exact=True).click()
    expect(page.locator("html")).to_have_css("font-size", "22px")
    settle(page)


def test_presentation_mode_scales_the_sidebar_and_the_map_legend_and_inks_the_clauses(
        page: Page, app_url: str):
    """Viewport 1920 × 1080, presentation mode: the sidebar (its width, the as-of field, its
    labels) and the map legend grow with the page's 22 px type; the notice's clause text and
    the captions are dark (contrast at least 7:1 as seen, opacity included), not 60 % grey."""
    page.set_viewport_size(PROJECTOR)
    open_page(page, f"{app_url}/policy?as_of=2021-09-01", "page.policy.title", "zh")
    before = page.evaluate(SIDEBAR_JS)
    _presentation(page, app_url)
    page.locator(".st-key-policy_map").scroll_into_view_if_needed()
    after = page.evaluate(SIDEBAR_JS)
    assert after["width"] >= 1.3 * before["width"], (before, after)
    for part in ("date", "label", "legend"):
        assert after[part] >= 22, (part, before, after)
    assert page.evaluate(INK_JS, '[data-testid="stCaptionContainer"] p') >= 7
    page.get_by_text(text("policy.section.notice", "zh"), exact=True).click()
    settle(page)
    expect(page.locator("blockquote:visible").first).to_be_visible()
    assert page.evaluate(INK_JS, "blockquote p") >= 7


@pytest.mark.parametrize("key", ["", "Home", "End"])
def test_in_presentation_mode_the_slider_thumb_sits_on_the_charts_date_line(page: Page,
                                                                            app_url: str,
                                                                            key: str):
    """Viewport 1920 × 1080: the time-travel slider's thumb and the chart's date line are at
    the same x (within 2 px) at the scenario's date and at both ends of the range."""
    _presentation(page, app_url)
    page.get_by_text(text("policy.section.scenarios", "zh"), exact=True).click()
    settle(page)
    thumb = page.locator('[data-testid="stSlider"] input[type=range]')
    if key:
        thumb.focus()
        page.keyboard.press(key)
        settle(page)
    page.locator(".st-key-policy_travel_chart").scroll_into_view_if_needed()
    got = page.evaluate(ALIGN_JS)
    expect(page.locator(".st-key-policy_travel_chart g.annotation").filter(
        has_text=got["value"]).first).to_be_attached()
    assert abs(got["thumb"] - got["line"]) <= 2, got
