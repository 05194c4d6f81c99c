"""The policy explainer (/policy) in AppTest: it runs in both languages, the gallery shows for
every scenario exactly what core.assess says, the notice is listed clause by clause, and the
presentation mode switches large type on and off (the sidebar stays)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.demo import scenarios as sc
from core.demo.scenario_data import SCENARIOS
from core.policy.data import POLICY
from ui.i18n import text

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def policy_page(lang: str = "zh", **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(query)
    ok(at.run())
    if lang != "zh":
        ok(at.radio(key="lang").set_value(lang).run())
    return ok(at.switch_page("pages/policy.py").run())


def section(at: AppTest, name: str) -> AppTest:
    # via session state: AppTest would call the radio's format_func outside a script run,
    # where t() cannot see the session's language
    at.session_state["policy_section"] = name
    return ok(at.run())


def answer_frame(at: AppTest, lang: str):
    """The gallery's answer table, one row per specialty: the page shows it on its side (fields
    down the side, one column per specialty; issue 26), so it is turned back here."""
    [df] = [df.value for df in at.table if text("policy.col.status", lang) in df.value.index
            and text("policy.col.apply_by", lang) in df.value.index]
    return df.T


def test_the_page_opens_on_the_timeline_and_the_map():
    at = policy_page()
    assert [t.value for t in at.title] == [text("page.policy.title", "zh")]
    headers = [h.value for h in at.header]
    assert text("policy.timeline.header", "zh") in headers
    assert text("policy.map.header", "zh") in headers
    charts = at.get("plotly_chart")
    assert len(charts) == 2
    # the map's legend names the three regimes with their counts; C-1 is cited under it
    assert "C-1" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_gallery_shows_what_core_assess_says_for_every_scenario(lang):
    at = section(policy_page(lang), "scenarios")
    for sid, s in SCENARIOS.items():
        ok(at.selectbox(key="policy_scenario").set_value(sid).run())
        a = sc.assess_scenario(s)  # computed here independently of the page
        shown = answer_frame(at, lang)
        assert len(shown) == len(a["specialties"]), sid
        for (_, row), spec in zip(shown.iterrows(), a["specialties"], strict=True):
            assert row[text("policy.col.status", lang)] == text(
                f"policy.status.{spec['status']}", lang), sid
            assert row[text("policy.col.apply_by", lang)] == (spec["apply_by"] or "—"), sid
            assert row[text("policy.col.lapses_on", lang)] == (spec["lapses_on"] or "—"), sid
            assert row[text("policy.col.current_from", lang)] == spec["current_valid_from"]
            assert row[text("policy.col.current_until", lang)] == spec["current_valid_until"]
        # the clause trace: every step's rule, clause and note (in the UI language) is shown
        page_text = "\n".join(m.value for m in at.markdown)
        for spec in a["specialties"]:
            for step in spec["trace"]:
                assert f"**{step['rule']}** · {step['clause']}" in page_text, (sid, step)
                assert step[f"note_{lang}"] in page_text, (sid, step)
        # usage window and paper certificate
        w = a["usage_window"]
        if w is not None and w["status"] != "unavailable":
            assert f"{w['from']}" in page_text and f"{w['until']}" in page_text, sid
        assert text(f"policy.paper.{a['paper_certificate']['status']}", lang) in page_text, sid
        # the time-travel slider starts at the scenario's as-of date
        assert at.slider(key=f"policy_travel_{sid}").value == s.as_of


def test_time_travel_shows_the_status_at_the_slider_date():
    at = section(policy_page(), "scenarios")
    ok(at.selectbox(key="policy_scenario").set_value("batch-transition-apply-now").run())
    s = sc.get("batch-transition-apply-now")
    for when, status in (("2021-09-01", "valid"), ("2021-11-01", "expired_not_lapsed"),
                         ("2022-01-01", "lapsed")):
        ok(at.slider(key=f"policy_travel_{s.id}").set_value(date.fromisoformat(when)).run())
        expected = sc.assess_scenario(s, date.fromisoformat(when))["specialties"][0]["status"]
        assert expected == status
        line = next(m.value for m in at.markdown if m.value.startswith(when))
        assert text(f"policy.status.{status}", "zh") in line


def test_the_self_service_link_carries_the_scenario_id():
    at = section(policy_page(), "scenarios")
    ok(at.selectbox(key="policy_scenario").set_value("usage-180-days").run())
    [link] = at.get("link_button")
    assert link.proto.label == text("policy.gallery.open_self_service", "zh")
    assert link.proto.url == "/?scenario=usage-180-days"


def test_a_scenario_in_the_address_opens_the_gallery_on_it():
    at = policy_page(scenario="feb29-renewed")
    assert at.radio(key="policy_section").value == "scenarios"
    assert at.selectbox(key="policy_scenario").value == "feb29-renewed"


def test_the_notice_is_listed_clause_by_clause_with_rules_and_scenarios():
    at = section(policy_page(), "notice")
    labels = [e.label for e in at.expander]
    for cid, clause in POLICY.clauses.items():
        assert any(label.startswith(f"{cid} {clause['number']}") for label in labels), cid
    page_text = "\n".join(m.value for m in at.markdown)
    for cid, clause in POLICY.clauses.items():
        assert clause["zh"] in page_text, cid
    for rid, rule in POLICY.rules.items():
        assert f"{rid} {rule['zh']}" in page_text, rid
    for rid in POLICY.readings:
        assert any(label.startswith(rid) for label in labels), rid
    # every scenario citing C-2.2.4 is linked under it
    link_labels = [el.proto.label for el in at.get("page_link")]
    for sid in sc.scenarios_citing("C-2.2.4"):
        assert SCENARIOS[sid].title_zh in link_labels


def test_presentation_mode_toggles_large_type_and_keeps_the_sidebar():
    at = policy_page()

    def styles():
        return [m.value for m in at.markdown if "<style>" in m.value]

    assert styles() == []
    ok(at.toggle(key="policy_presentation").set_value(True).run())
    [css] = styles()
    assert "font-size" in css
    # tables, captions and the scenario selector grow too (issue 15) …
    assert ".stTable" in css and "stCaptionContainer" in css and "stSelectbox" in css
    # … and the sidebar with the language and the as-of date stays visible, growing with the
    # rest (issue 26): it is widened and its type enlarged, never hidden
    assert "display: none" not in css and "visibility" not in css
    assert 'section[data-testid="stSidebar"] { width: 20rem' in css
    ok(at.toggle(key="policy_presentation").set_value(False).run())
    assert styles() == []


def test_english_labels_on_the_switch():
    at = policy_page("en")
    assert [t.value for t in at.title] == [text("page.policy.title", "en")]
    assert text("policy.timeline.header", "en") in [h.value for h in at.header]
