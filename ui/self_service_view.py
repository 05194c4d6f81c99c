"""The self-service answer (issue 3): core's assessment in words, colours and a chart.

Every date, day count and status shown here is a value of the assessment (``core.assess``);
this module only chooses words for them. Clause and reading texts come from ``POLICY``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

import streamlit as st

from core.policy.data import POLICY
from core.rules.specialty import APPLICATION_ACTIONS
from ui import a11y, basis_view, chart_text, state
from ui.i18n import pick, t, text
from ui.next_step import deadline_near
from ui.text import esc
from ui.timeline import figure as timeline_figure

# status -> (catalogue key of its name, key of its plain-words explanation, badge colour)
STATUS = {
    "valid": ("self_service.status.valid", "self_service.status_help.valid", "green"),
    "apply_now": ("self_service.status.apply_now", "self_service.status_help.apply_now", "orange"),
    "expired_not_lapsed": ("self_service.status.expired_not_lapsed",
                           "self_service.status_help.expired_not_lapsed", "red"),
    "lapsed": ("self_service.status.lapsed", "self_service.status_help.lapsed", "red"),
    "renewal_pending": ("self_service.status.renewal_pending",
                        "self_service.status_help.renewal_pending", "blue"),
    "age_limit": ("self_service.status.age_limit", "self_service.status_help.age_limit", "violet"),
    "not_yet_valid": ("self_service.status.not_yet_valid",
                      "self_service.status_help.not_yet_valid", "gray"),
    "not_covered": ("self_service.status.not_covered", "self_service.status_help.not_covered",
                    "gray"),
}
REGIME = {
    "pilot": ("self_service.regime.pilot", "self_service.regime_help.pilot", "C-2.2.2"),
    "batch2021": ("self_service.regime.batch2021", "self_service.regime_help.batch2021", "C-2.2.1"),
    "not_covered": ("self_service.regime.not_covered", "self_service.regime_help.not_covered",
                    "C-1"),
}
PAPER = {
    "valid": ("self_service.paper.valid", "self_service.paper_help.valid", "green"),
    "valid_not_issued": ("self_service.paper.valid_not_issued",
                         "self_service.paper_help.valid_not_issued", "orange"),
    "void": ("self_service.paper.void", "self_service.paper_help.void", "red"),
    "not_covered": ("self_service.paper.not_covered", "self_service.paper_help.not_covered",
                    "gray"),
}
# The card of a valid specialty whose deadline is near (R-5 ``renew_before_deadline``): never a
# plain green "valid" with "nothing to do yet".
DEADLINE_NEAR = ("self_service.status.deadline_near", "self_service.status_help.deadline_near",
                 "orange")
# R-5's application actions: shown first, before every other action.
NEXT_STEP = frozenset(code for code in APPLICATION_ACTIONS if code)
CAPPED_BY = {
    "180_days": "self_service.window.capped.180_days",
    "specialty_validity": "self_service.window.capped.specialty_validity",
    "age_65": "self_service.window.capped.age_65",
}
WINDOW_STATUS = {
    "in_use": ("self_service.window.status.in_use", "green"),
    "expired": ("self_service.window.status.expired", "red"),
    "unavailable": ("self_service.window.status.unavailable", "gray"),
}
FIGURE_CACHE_ENTRIES = 512  # timeline figures kept per process (a few tens of KB each)
ANSWER_ANCHOR = "answer"  # id of the answer's heading: the phone summary links to it

ALL_KEYS = (
    [k for v in STATUS.values() for k in v[:2]] + [k for v in REGIME.values() for k in v[:2]]
    + [k for v in PAPER.values() for k in v[:2]] + list(CAPPED_BY.values())
    + [v[0] for v in WINDOW_STATUS.values()] + list(DEADLINE_NEAR[:2])
)


def _lang_field(obj: Mapping, stem: str = "") -> str:
    """``obj["zh"]`` / ``obj["en"]`` (or ``title_zh`` …) in the session's language."""
    prefix = f"{stem}_" if stem else ""
    return str(obj.get(f"{prefix}{state.lang()}") or obj.get(f"{prefix}zh") or "")


def specialty_name(name: str) -> str:
    if state.lang() == "en":
        return f"{name} ({POLICY.specialty_en.get(name, name)})"
    return name


def days_phrase(days: int | None) -> str:
    """An engine day count in words ("还有 12 天" / "已过 3 天" / "就是今天")."""
    return _days_words(days, state.lang())


def _big(value: str) -> None:
    """A date or day count, large and never wrapped."""
    st.markdown(f'<div style="font-size:1.3rem;font-weight:600;white-space:nowrap">'
                f"{html.escape(str(value))}</div>", unsafe_allow_html=True)


def clause_md(clause_id: str) -> str:
    """A clause of the notice as Markdown: id, number, title, then its text in small print (the
    Chinese original too in English mode)."""
    clause = POLICY.clauses.get(clause_id)
    if clause is None:
        return f"**{esc(clause_id)}**"
    parts = [f"**{esc(clause_id)}** · {esc(clause.get('number', ''))} "
             f"{esc(_lang_field(clause, 'title'))}", _small(_lang_field(clause))]
    if state.lang() == "en":
        parts.append(_small(clause.get("zh", "")))
    return "\n\n".join(parts)


def _small(text: object) -> str:
    """Outside text in small print, line by line (a directive does not span lines)."""
    return "  \n".join(f":small[{esc(line)}]" for line in str(text or "").splitlines()
                        if line.strip())


def _rule_md(rule_id: str) -> str:
    return f"**{esc(rule_id)}** · {esc(_lang_field(POLICY.rules.get(rule_id, {})))}"


def _reading_md(reading_id: str) -> str:
    reading = POLICY.readings.get(reading_id, {})
    return (f"**{esc(reading_id)}** · {t('self_service.reading')}: "
            f"{esc(_lang_field(reading))}")


# --- the next step ---------------------------------------------------------------------------


def _days_words(days: int | None, lang: str) -> str:
    if days is None:
        return ""
    if days > 0:
        return text("self_service.days.left", lang, n=days)
    if days == 0:
        return text("self_service.days.today", lang)
    return text("self_service.days.ago", lang, n=-days)


def next_actions(a: Mapping) -> list[Mapping]:
    """Everything the holder must do, the application itself first (R-5; the engine already
    orders it so: the page keeps that order and never adds a step of its own)."""
    actions = list(a.get("actions") or [])
    first = [x for x in actions if x.get("code") in NEXT_STEP]
    return first + [x for x in actions if x.get("code") not in NEXT_STEP]


# --- sections ------------------------------------------------------------------------------


def regime(a: Mapping) -> None:
    name_key, help_key, clause_id = REGIME[a["regime"]]
    province = POLICY.province_by_name.get(a.get("province") or "")
    where = a.get("province") or ""
    if province is not None and state.lang() == "en":
        where = f"{province.short} ({province.en})"
    with st.container(border=True):
        st.markdown(f"### {t('self_service.regime.heading')}: {t(name_key)}")
        st.write(t(help_key, province=where))
        info = POLICY.regime_info(a["regime"])
        st.caption(esc(_lang_field(info)))
        with st.expander(t("self_service.why")):
            parts = [clause_md(info.get("clause", "C-1"))]
            if clause_id != info.get("clause"):
                parts.append(clause_md(clause_id))
            st.markdown("\n\n".join([*parts, _reading_md("I-1")]))


def card_state(s: Mapping, as_of: str) -> tuple[str, str, str]:
    """(catalogue key of the badge, key of its explanation, colour) of one specialty's card."""
    if deadline_near(s, as_of):
        return DEADLINE_NEAR
    return STATUS.get(s["status"], (s["status"], s["status"], "gray"))


def specialty_card(s: Mapping, a: Mapping, actions: list[Mapping]) -> None:
    name_key, help_key, colour = card_state(s, a["as_of"])
    pending = s["status"] == "renewal_pending"  # no countdown while the application counts
    with st.container(border=True):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.markdown(f"### {esc(specialty_name(s['specialty']))}")
        head.badge(t(name_key), color=colour)
        st.write(t(help_key))
        if s["status"] != "not_covered":
            c1, c2 = st.columns(2)
            with c1:
                st.markdown(f"**{t('self_service.card.apply_by')}**")
                if s.get("apply_by"):
                    _big(s["apply_by"])
                    st.caption(t("self_service.card.pending_no_countdown") if pending
                               else days_phrase(s.get("days_to_apply_by")))
                else:
                    _big("—")
                    st.caption(t("self_service.card.no_apply_by"))
            with c2:
                st.markdown(f"**{t('self_service.card.lapses_on_short')}**")
                _big(s.get("lapses_on") or "—")
                st.caption(t("self_service.card.pending_no_countdown") if pending
                           else days_phrase(s.get("days_to_lapse")))
            st.markdown(f"**{t('self_service.card.validity')}**: "
                        f"{s.get('current_valid_from') or '—'} – "
                        f"{s.get('current_valid_until') or '—'}"
                        + (f" · {t('self_service.card.renewed')}" if s.get("renewed") else ""))
        if s.get("renewed"):
            st.info(t("self_service.card.renewed_validity", valid_from=s["current_valid_from"],
                      valid_until=s["current_valid_until"]), icon=":material/autorenew:")
        if s.get("capped_at_65"):
            st.warning(t("self_service.card.capped_at_65", age65=a.get("age65") or ""),
                       icon=":material/cake:")
        if s.get("late_application"):
            st.warning(t("self_service.card.late_application", apply_by=s.get("apply_by") or ""),
                       icon=":material/schedule:")
        for action in actions:
            words = esc(pick(action, "message") or action["code"])
            st.markdown(f":material/arrow_forward: {words}")
        with st.expander(t("self_service.why")):
            trace(s.get("trace") or [])


def trace(steps: list[Mapping]) -> None:
    """The rules used for one specialty, in order, with clause and reading texts: one Markdown
    element (one per line cost ~25 elements a specialty: a third of a rerun's server time)."""
    blocks = []
    for i, step in enumerate(steps, 1):
        rule = POLICY.rules.get(step.get("rule"), {})
        parts = [f"**{i}. {esc(step.get('rule'))}** · {esc(_lang_field(rule))}",
                 f"> {esc(pick(step, 'note') or '')}"]
        if step.get("clause"):
            parts.append(clause_md(step["clause"]))
        parts += [_reading_md(r) for r in step.get("readings") or []]
        blocks.append("\n\n".join(parts))
    if blocks:
        st.markdown("\n\n---\n\n".join(blocks))


def usage_window(a: Mapping) -> None:
    w = a.get("usage_window")
    with st.container(border=True):
        st.markdown(f"### {t('self_service.window.heading')}")
        if w is None:
            st.write(t("self_service.window.not_covered"))
            return
        label_key, colour = WINDOW_STATUS.get(w["status"], (w["status"], "gray"))
        head = st.container(horizontal=True, vertical_alignment="center")
        if w.get("hypothetical"):
            head.markdown(t("self_service.window.hypothetical", date=w.get("from") or ""))
        else:
            head.markdown(t("self_service.window.downloaded", date=w.get("from") or ""))
        head.badge(t(label_key), color=colour)
        if w["status"] == "unavailable":
            reason = w.get("reason") or {}
            st.warning(pick(reason, "message") or reason.get("code") or "",
                       icon=":material/block:")
        else:
            c1, c2, c3 = st.columns(3)
            with c1:
                st.markdown(f"**{t('self_service.window.from')}**")
                _big(w.get("from") or "—")
            with c2:
                st.markdown(f"**{t('self_service.window.until')}**")
                _big(w.get("until") or "—")
            with c3:
                st.markdown(f"**{t('self_service.window.days_left')}**")
                _big(days_phrase(w.get("days_left")) or "—")
            if w.get("capped_by") in CAPPED_BY:
                st.write(t(CAPPED_BY[w["capped_by"]], age65=a.get("age65") or ""))
            printed = w.get("printed") or [{"specialty": n} for n in w.get("specialties") or []]
            if printed:
                names = t("self_service.list_sep").join(
                    esc(specialty_name(p["specialty"])) for p in printed)
                st.caption(t("self_service.window.printed_list", specialties=names))
            advised = "download_again" in [x.get("code") for x in a.get("actions") or []]
            if w["status"] == "expired" and advised:
                st.error(t("self_service.window.download_again"), icon=":material/download:")
            elif w.get("reason"):  # nothing could be downloaded today, so no advice
                reason = w["reason"]
                st.warning(t("self_service.window.no_download_today") + " "
                           + (pick(reason, "message") or reason.get("code") or ""),
                           icon=":material/block:")
        if w.get("outdated"):
            st.warning(t("self_service.window.outdated"), icon=":material/update:")
        st.caption(t("self_service.window.printed_dates_govern"))
        with st.expander(t("self_service.why")):
            parts = [_rule_md(w["rule"])] if w.get("rule") else []
            parts.append(clause_md(w.get("clause") or "C-3.2"))
            parts += [_reading_md(r) for r in w.get("readings") or []]
            st.markdown("\n\n".join(parts))


def paper(a: Mapping) -> None:
    p = a.get("paper_certificate") or {}
    label_key, help_key, colour = PAPER.get(p.get("status"), (p.get("status") or "", "", "gray"))
    with st.container(border=True):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.markdown(f"### {t('self_service.paper.heading')}")
        head.badge(t(label_key), color=colour)
        if help_key:
            st.write(t(help_key))
        with st.expander(t("self_service.why")):
            st.markdown(_rule_md(p.get("rule") or "R-7") + "\n\n"
                        + clause_md(p.get("clause") or "C-2.1.2"))


def notices(a: Mapping) -> None:
    """Everything to do (the application first, ``next_actions``), and every warning."""
    actions, warnings = next_actions(a), a.get("warnings") or []
    with st.container(border=True, key="next_steps"):
        st.markdown(f"### {t('self_service.todo.heading')}")
        if not actions:
            st.write(t("self_service.todo.none"))
        for action in actions:
            st.markdown(f"- {esc(pick(action, 'message') or action.get('code'))}")
        warnings = [w for w in warnings if w.get("code") != "basis_scope"]  # shown with the basis
        if warnings:
            st.markdown(f"**{t('self_service.todo.warnings')}**")
            for w in warnings:
                st.warning(pick(w, "message") or w.get("code"), icon=":material/info:")


# Built once per assessment and language, with its text summary and data table (building the
# figure costs ~40 ms of plotly validation; a rerun, a returning visitor, everyone on the example
# reuse them). cache_resource hands out the objects themselves, which st.plotly_chart and
# st.table only read; they live in memory only, never on disk.
@st.cache_resource(max_entries=FIGURE_CACHE_ENTRIES, ttl="1h", show_spinner=False)
def _timeline_chart(assessment_json: str, lang: str):
    a = json.loads(assessment_json)
    fig = timeline_figure(a, lang=lang)
    return None if fig is None else (fig, *chart_text.timeline(a, lang))


def timeline(a: Mapping) -> None:
    chart = _timeline_chart(json.dumps(a, sort_keys=True, ensure_ascii=False, default=str),
                            state.lang())
    if chart is None:
        return
    fig, summary, table = chart
    st.markdown(f"### {t('self_service.timeline.heading')}")
    a11y.chart(fig, key="self_service.timeline", summary=summary, table=table)


def answer(a: Mapping) -> None:
    """The whole answer for one assessment."""
    st.header(t("self_service.answer.heading", as_of=a["as_of"]), anchor=ANSWER_ANCHOR)
    notices(a)  # the holder's next step first
    basis_view.of_assessment(a)
    regime(a)
    actions = next_actions(a)
    for s in a.get("specialties") or []:
        specialty_card(s, a, [x for x in actions if x.get("specialty") == s["specialty"]])
    usage_window(a)
    paper(a)
    timeline(a)
