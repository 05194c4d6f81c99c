"""The policy explainer for trainers (/policy): sections drawn by ``pages/policy.py``.

- overview: the notice's timeline and the regime map (figures in ``ui.policy_charts``);
- scenarios: the gallery (input, answer, clause trace, computed by ``core.assess`` at view time),
  time travel (an as-of slider over the scenario's status bands) and "open in self-service";
- notice: the notice clause by clause, each with the rules implementing it and the scenarios
  citing it (``core.scenarios.coverage``), then the readings I-….

Nothing here decides a date or a status: every answer is an assessment from core.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import InvalidInput
from core.demo import scenarios as sc
from core.demo.scenario_data import SCENARIOS, Scenario
from core.policy.data import POLICY
from ui import a11y, chart_text, state
from ui import policy_charts as charts
from ui.i18n import pick, t, text
from ui.messages import show_errors

SECTION_KEY = "policy_section"
SCENARIO_KEY = "policy_scenario"
PRESENTATION_KEY = "policy_presentation"
SCENARIO_QUERY_PARAM = "scenario"
_SCENARIO_FROM_URL = "_policy_scenario_from_url"
SECTIONS = ("overview", "scenarios", "notice")
POLICY_PAGE = "pages/policy.py"
DASH = "—"

# Static CSS only (no user text): large type for a room with a projector. Tables, captions, the
# scenario selector and the sidebar (language and as-of date) grow with the text; clause text
# and captions are in full ink, not Streamlit's 60 % grey that a projector washes out (issue 26).
PRESENTATION_CSS = """
<style>
html { font-size: 22px; }
section[data-testid="stSidebar"] { width: 20rem !important; min-width: 20rem !important; }
[data-testid="stSidebar"] [data-testid="stMarkdownContainer"] p,
[data-testid="stSidebar"] [data-testid="stDateInputField"],
[data-testid="stSidebar"] [data-testid="stDateInputField"] *,
[data-testid="stSidebar"] input { font-size: 1.1rem !important; }
blockquote, [data-testid="stCaptionContainer"] { opacity: 1 !important; color: #1b1b1b !important; }
blockquote { border-left-color: #1d4e89 !important; }
[data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding-left: 2.5rem !important; padding-right: 2.5rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.1rem; }
.stTable th, .stTable td { font-size: 1.1rem !important; }
[data-testid="stCaptionContainer"],
[data-testid="stCaptionContainer"] p { font-size: 1rem !important; }
[data-testid="stSelectbox"] input, [data-testid="stSelectbox"] [role="group"] *,
[role="listbox"] [role="option"] { font-size: 1.1rem !important; }
[data-testid="stExpander"] summary p { font-size: 1.1rem !important; }
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] { padding-left: 0.6rem !important;
    padding-right: 0.6rem !important; }
}
</style>
"""


# ------------------------------------------------------------------------------------- helpers
def lang() -> str:
    return state.lang()


def title(s: Scenario, lg: str | None = None) -> str:
    return s.title_zh if (lg or lang()) == "zh" else s.title_en


def summary(s: Scenario) -> str:
    return s.summary_zh if lang() == "zh" else s.summary_en


def specialty_label(name: str, lg: str | None = None) -> str:
    return name if (lg or lang()) == "zh" else f"{POLICY.specialty_en.get(name, name)} ({name})"


def status_label(status: str) -> str:
    return t(f"policy.status.{status}")


def yes_no(flag: bool) -> str:
    return t("common.yes") if flag else t("common.no")


def or_dash(value) -> str:
    return DASH if value in (None, "") else str(value)


def clause_name(cid: str) -> str:
    c = POLICY.clauses.get(cid)
    if c is None:
        return cid
    return f"{cid} {c['number']} {c['title_zh'] if lang() == 'zh' else c['title_en']}"


def rule_name(rid: str) -> str:
    r = POLICY.rules[rid]
    return f"{rid} {r['zh'] if lang() == 'zh' else r['en']}"


def presentation() -> bool:
    return bool(st.session_state.get(PRESENTATION_KEY, False))


# ---------------------------------------------------------------------------------------- page
def render() -> None:
    """The whole page below its title."""
    _scenario_from_url()
    top = st.columns([3, 1])
    top[0].caption(t("policy.intro", notice=POLICY.notice["id"]))
    top[1].toggle(t("policy.presentation"), key=PRESENTATION_KEY,
                  help=t("policy.presentation_help"))
    if presentation():
        st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    lg = lang()  # bound now: a format_func may be called outside the script run (AppTest)
    section = st.radio(t("policy.section_label"), SECTIONS, key=SECTION_KEY, horizontal=True,
                       format_func=lambda k: text(f"policy.section.{k}", lg),
                       label_visibility="collapsed")
    {"overview": overview, "scenarios": gallery, "notice": notice}[section]()


def _scenario_from_url() -> None:
    """``/policy?scenario=ID`` (the clause links below) selects that scenario once."""
    sid = st.query_params.get(SCENARIO_QUERY_PARAM)
    if not sid or sid == st.session_state.get(_SCENARIO_FROM_URL):
        return
    st.session_state[_SCENARIO_FROM_URL] = sid
    if sc.get(sid) is not None:
        st.session_state[SCENARIO_KEY] = sid
        st.session_state[SECTION_KEY] = "scenarios"


# ------------------------------------------------------------------------------------ overview
def overview() -> None:
    st.header(t("policy.timeline.header"))
    summary, table = chart_text.notice_timeline(lang(), state.as_of())
    a11y.chart(charts.notice_timeline(lang(), state.as_of(), presentation()),
               key="policy_timeline", summary=summary, table=table)
    st.caption(t("policy.timeline.caption"))
    st.header(t("policy.map.header"))
    summary, table = chart_text.regime_map(lang())
    a11y.chart(charts.regime_map(lang(), presentation()), key="policy_map", summary=summary,
               table=table)
    st.caption(t("policy.map.source", clause=clause_name("C-1")))


# ------------------------------------------------------------------------------------- gallery
def self_service_url(scenario_id: str, lang: str = state.DEFAULT_LANG) -> str:
    """The scenario on the self-service page; a new tab keeps the language (``?lang=``)."""
    url = f"/?{SCENARIO_QUERY_PARAM}={scenario_id}"
    return url if lang == state.DEFAULT_LANG else f"{url}&{state.LANG_QUERY_PARAM}={lang}"


def gallery() -> None:
    st.header(t("policy.gallery.header"))
    ids = list(SCENARIOS)
    if st.session_state.get(SCENARIO_KEY) not in ids:
        st.session_state[SCENARIO_KEY] = ids[0]
    lg = lang()  # bound now, as in render()
    sid = st.selectbox(t("policy.gallery.pick"), ids, key=SCENARIO_KEY,
                       format_func=lambda i: title(SCENARIOS[i], lg))
    s = SCENARIOS[sid]
    st.info(summary(s))
    cols = st.columns([2, 3])
    # A real address (CONTRACT.md "/"), so it can also be copied or opened elsewhere; it opens
    # in a new tab and the self-service page fills its form from core.scenarios.get(ID).
    cols[0].link_button(t("policy.gallery.open_self_service"), self_service_url(s.id, lg),
                        icon=":material/open_in_new:", type="primary")
    cov = sc.coverage()[s.id]
    cols[1].caption(t("policy.gallery.exercises",
                      rules=" ".join(sorted(cov["rules"])),
                      readings=" ".join(sorted(cov["readings"])) or DASH))

    show_input(s)
    try:
        a = sc.assess_scenario(s)
    except InvalidInput as e:  # a scenario is always valid (tests), but never a traceback
        show_errors(e.errors)
        return
    st.subheader(t("policy.gallery.answer", as_of=s.as_of.isoformat()))
    show_answer(a)
    time_travel(s)


def show_input(s: Scenario) -> None:
    p = s.profile
    prov = POLICY.province_by_name[p["employer_province"]]
    st.subheader(t("policy.gallery.input"))
    st.markdown(t(
        "policy.input.person", name=p["name"], gender=or_dash(p.get("gender")),
        birth=p["birth_date"], number=p["registration_number"], employer=p["employer"],
        province=prov.short if lang() == "zh" else f"{prov.en} ({prov.short})",
        ce=yes_no(bool(p.get("continuing_education_done"))),
        downloaded=or_dash(p.get("certificate_downloaded_on")), as_of=s.as_of.isoformat()))
    rows = [{
        t("policy.col.specialty"): specialty_label(x["specialty"]),
        t("policy.col.valid_from"): x["valid_from"],
        t("policy.col.valid_until"): x["valid_until"],
        t("policy.col.applied_on"): or_dash(x.get("renewal_applied_on")),
        t("policy.col.approved_on"): or_dash(x.get("renewal_approved_on")),
    } for x in p["specialties"]]
    st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")


def answer_rows(a: dict) -> list[dict]:
    """One displayed row per specialty of an assessment (the gallery's answer table)."""
    return [{
        t("policy.col.specialty"): specialty_label(x["specialty"]),
        t("policy.col.status"): status_label(x["status"]),
        t("policy.col.apply_by"): or_dash(x["apply_by"]),
        t("policy.col.lapses_on"): or_dash(x["lapses_on"]),
        # two rows, one date each: "from – until" in one cell broke its second date on a phone
        t("policy.col.current_from"): x["current_valid_from"],
        t("policy.col.current_until"): x["current_valid_until"],
        t("policy.col.renewed"): yes_no(x["renewed"]),
        t("policy.col.capped_at_65"): yes_no(x["capped_at_65"]),
        t("policy.col.late_application"): yes_no(x["late_application"]),
    } for x in a["specialties"]]


def answer_table(a: dict) -> pd.DataFrame:
    """``answer_rows`` turned on its side: the fields down the side (the index, shown as row
    headers), one column per specialty."""
    rows = answer_rows(a)
    spec = t("policy.col.specialty")
    return pd.DataFrame({r[spec]: {k: v for k, v in r.items() if k != spec} for r in rows})


def show_window_and_paper(a: dict) -> None:
    """The usage window (R-6) and the paper certificate (R-7), side by side."""
    left, right = st.columns(2)
    with left:
        show_window(a["usage_window"])
    with right:
        paper = a["paper_certificate"]
        st.markdown(t("policy.answer.paper", status=t(f"policy.paper.{paper['status']}"),
                      rule=paper["rule"], clause=clause_name(paper["clause"])))


def show_answer(a: dict) -> None:
    regime = a["regime"]
    st.markdown(t("policy.answer.regime", regime=charts.regime_label(regime, lang()),
                  age65=a["age65"]))
    # st.table (HTML) rather than st.dataframe (canvas): it grows with presentation mode's type.
    # One column per specialty, one row per field: eight columns of dates broke every date on a
    # phone ("202 / 1- / 07-"); two or three columns keep each date on one line (issue 26).
    with st.container(key="policy_answer"):
        st.table(answer_table(a), border="horizontal")
    show_window_and_paper(a)
    for w in a["warnings"]:
        st.warning(pick(w, "message"), icon=":material/warning:")
    for act in a["actions"]:
        st.info(pick(act, "message"), icon=":material/task_alt:")
    st.subheader(t("policy.gallery.trace"))
    for x in a["specialties"]:
        st.markdown(f"**{specialty_label(x['specialty'])}** · {status_label(x['status'])}")
        st.markdown("\n".join(trace_lines(x["trace"])))


def trace_lines(trace: list[dict]) -> list[str]:
    out = []
    for step in trace:
        readings = ", ".join(step["readings"])
        ref = f"**{step['rule']}** · {clause_name(step['clause'])}"
        if readings:
            ref += f" · {readings}"
        out.append(f"1. {ref} — {pick(step, 'note')}")
    return out


def show_window(w: dict | None) -> None:
    if w is None:
        st.markdown(t("policy.window.none"))
        return
    refs = " · ".join([w["rule"], clause_name(w["clause"]), *w.get("readings", [])])
    if w["status"] == "unavailable":
        reason = pick(w["reason"], "message") if w.get("reason") else DASH
        st.markdown(t("policy.window.unavailable", refs=refs, reason=reason))
    else:
        st.markdown(t("policy.window.line", refs=refs, start=w["from"], end=w["until"],
                      capped_by=t(f"policy.capped_by.{w['capped_by']}"),
                      status=t(f"policy.window_status.{w['status']}"),
                      specialties="、".join(specialty_label(x) for x in w["specialties"])))
    if w.get("hypothetical"):
        st.caption(t("policy.window.hypothetical"))


# --------------------------------------------------------------------------------- time travel
@st.cache_data(show_spinner=False, max_entries=64)
def _travel_range_and_bands(scenario_id: str) -> tuple[date, date, list[dict]]:
    """The slider's range and a scenario's status bands: fictional data that only the policy
    and the engine decide, so computed once per process (tens of assessments each)."""
    s = sc.get(scenario_id)
    start, end = sc.time_range(s)
    return start, end, sc.status_bands(s, start, end)


@st.cache_resource(show_spinner=False, max_entries=64)
def _travel_base(scenario_id: str, lg: str, large: bool) -> dict:
    """The time-travel chart without its date marks (``policy_charts.status_bands_base``): it
    does not depend on the slider's date, so a step only adds the marks (issue 26). Shared,
    read-only (``status_bands_figure`` copies it)."""
    start, end, bands = _travel_range_and_bands(scenario_id)
    return charts.status_bands_base(bands, lg, lambda n: specialty_label(n, lg), large,
                                    x_range=(start, end))


@st.fragment
def time_travel(s: Scenario) -> None:
    """A fragment: moving the slider reruns this section only, not the whole policy page."""
    st.header(t("policy.travel.header"))
    start, end, bands = _travel_range_and_bands(s.id)
    when: date = st.slider(t("policy.travel.slider"), min_value=start, max_value=end,
                           value=s.as_of, format="YYYY-MM-DD", key=f"policy_travel_{s.id}")
    try:
        a = sc.assess_scenario(s, when)
    except InvalidInput as e:
        show_errors(e.errors)
        return
    parts = [f"{specialty_label(x['specialty'])}: **{status_label(x['status'])}**"
             for x in a["specialties"]]
    st.markdown(t("policy.travel.status_at", date=when.isoformat(), statuses="；".join(parts)))
    summary, table = chart_text.status_bands(bands, lang(), when, specialty_label)
    large = presentation()
    base = _travel_base(s.id, lang(), large)  # the same at every step: built once
    a11y.chart(charts.status_bands_figure(bands, lang(), when, s.as_of, specialty_label, large,
                                          x_range=(start, end), base=base),
               key="policy_travel_chart", summary=summary, table=table)
    show_window_and_paper(a)
    downloaded = s.profile.get("certificate_downloaded_on")
    if downloaded and date.fromisoformat(downloaded) > when:
        st.caption(t("policy.travel.not_downloaded_yet", date=downloaded))
    st.caption(t("policy.travel.caption"))


# -------------------------------------------------------------------------------------- notice
def notice() -> None:
    n = POLICY.notice
    st.header(t("policy.notice.header"))
    st.markdown(f"**{n['id']}** {n['title_zh'] if lang() == 'zh' else n['title_en']}")
    st.caption(t("policy.notice.issued", date=n["issued_on"].isoformat()))
    for cid, clause in POLICY.clauses.items():
        rules = [rid for rid, r in POLICY.rules.items() if cid in r["clauses"]]
        cited_by = sc.scenarios_citing(cid)
        with st.expander(clause_name(cid), expanded=bool(rules) and presentation()):
            st.markdown(f"> {clause['zh']}")
            if lang() != "zh":
                st.markdown(f"*{clause['en']}*")
            if rules:
                st.markdown(t("policy.notice.rules") + " " +
                            "；".join(rule_name(r) for r in rules))
            else:
                st.caption(t("policy.notice.no_rule"))
            if cited_by:
                st.markdown(t("policy.notice.scenarios"))
                scenario_links(cited_by)
    st.header(t("policy.readings.header"))
    for rid, reading in POLICY.readings.items():
        with st.expander(f"{rid} {reading[lang()]}"):
            scenario_links(sc.scenarios_citing(rid))


def scenario_links(ids: list[str]) -> None:
    cols = st.columns(2)
    for i, sid in enumerate(ids):
        cols[i % 2].page_link(POLICY_PAGE, label=title(SCENARIOS[sid]),
                              icon=":material/person:", query_params={"scenario": sid})
