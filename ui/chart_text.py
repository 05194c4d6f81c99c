"""Every chart in words (issue 15): a one-line summary and the data it draws as a table.

One function per chart, taking what the chart's builder takes (an assessment, a core frame, the
policy data) and the language, and returning ``(summary, table)``. They only restate values the
chart draws: no date, count or status is decided here. No Streamlit, so tests call them
directly; ``ui.a11y.chart`` shows both under the chart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

import pandas as pd

from core.policy.data import POLICY
from core.schema.roster import REGIMES
from ui.i18n import text
from ui.next_step import deadline_near
from ui.policy_charts import notice_events, regime_label, status_label

DASH = "—"


def _sep(lang: str) -> str:
    return "；" if lang == "zh" else "; "


def _list_sep(lang: str) -> str:
    return "、" if lang == "zh" else ", "


def _status(code: str, lang: str) -> str:
    return text(f"policy.status.{code}", lang)


def _specialty(name: str, lang: str) -> str:
    return POLICY.specialty_en.get(name, name) if lang == "en" else name


def _regime(code: str, lang: str) -> str:
    return text(f"admin.regime_{code}", lang)


def _province(row, lang: str) -> str:
    return row.province_en if lang == "en" else row.province


# ---------------------------------------------------------------------- self-service timeline
def timeline(a: Mapping, lang: str) -> tuple[str, pd.DataFrame]:
    """The personal timeline (ui.timeline.figure): per specialty its validity, apply_by and
    lapses_on and status; the usage window; the as-of date."""
    col = {k: text(f"chart.col.{k}", lang) for k in
           ("item", "status", "start", "end", "apply_by", "lapses_on")}
    rows, parts = [], []
    for s in a.get("specialties") or []:
        if not (s.get("current_valid_from") and s.get("current_valid_until")):
            continue
        name = _specialty(s["specialty"], lang)
        status = text("self_service.status.deadline_near", lang) if deadline_near(
            s, a["as_of"]) else _status(s["status"], lang)  # as the chart's row
        rows.append({col["item"]: name, col["status"]: status,
                     col["start"]: s["current_valid_from"], col["end"]: s["current_valid_until"],
                     col["apply_by"]: s.get("apply_by") or DASH,
                     col["lapses_on"]: s.get("lapses_on") or DASH})
        parts.append(text("chart.timeline.specialty", lang, name=name,
                          status=status, end=s["current_valid_until"],
                          apply_by=s.get("apply_by") or DASH,
                          lapses_on=s.get("lapses_on") or DASH))
    w = a.get("usage_window") or {}
    if w.get("from") and w.get("until"):
        item = text("self_service.timeline.usage_window", lang)
        rows.append({col["item"]: item, col["status"]: DASH, col["start"]: w["from"],
                     col["end"]: w["until"], col["apply_by"]: DASH, col["lapses_on"]: DASH})
        parts.append(text("chart.timeline.window", lang, start=w["from"], end=w["until"]))
    summary = text("chart.timeline.summary", lang, as_of=a["as_of"], parts=_sep(lang).join(parts))
    return summary, pd.DataFrame(rows)


# ----------------------------------------------------------------------------- policy charts
def notice_timeline(lang: str, as_of: date | None = None) -> tuple[str, pd.DataFrame]:
    events = notice_events(lang)
    table = pd.DataFrame({
        text("chart.col.date", lang): [e["date"].isoformat() for e in events],
        text("chart.col.event", lang): [e["label"] for e in events],
        text("chart.col.clause", lang): [e["clause"] or DASH for e in events],
    })
    summary = text("chart.notice.summary", lang, n=len(events),
                   first=events[0]["date"].isoformat(), last=events[-1]["date"].isoformat(),
                   start=POLICY.date("paper_no_new_from").isoformat(),
                   end=POLICY.date("paper_void_from").isoformat())
    return summary, table


def regime_map(lang: str) -> tuple[str, pd.DataFrame]:
    rows, parts = [], []
    for regime in REGIMES:
        provs = [p for p in POLICY.provinces if p.regime == regime]
        parts.append(f"{regime_label(regime, lang)}")
        for p in provs:
            rows.append({text("chart.col.province", lang): p.short if lang == "zh" else p.en,
                         text("chart.col.province_full", lang): p.full,
                         text("chart.col.regime", lang): regime_label(regime, lang)})
    summary = text("chart.map.summary", lang, n=len(POLICY.provinces),
                   parts=_sep(lang).join(parts))
    return summary, pd.DataFrame(rows)


def status_bands(bands: list[dict], lang: str, at: date,
                 specialty_label: Callable[[str], str]) -> tuple[str, pd.DataFrame]:
    col = {k: text(f"chart.col.{k}", lang) for k in ("item", "status", "start", "end")}
    rows = [{col["item"]: specialty_label(b["specialty"]),
             col["status"]: status_label(b["status"], lang),
             col["start"]: b["start"].isoformat(), col["end"]: b["end"].isoformat()}
            for b in bands]
    parts = []
    for name in dict.fromkeys(b["specialty"] for b in bands):
        steps = [status_label(b["status"], lang) for b in bands if b["specialty"] == name]
        parts.append(f"{specialty_label(name)}: {' → '.join(steps)}")
    summary = text("chart.bands.summary", lang, date=at.isoformat(), parts=_sep(lang).join(parts))
    return summary, pd.DataFrame(rows)


# ------------------------------------------------------------------------------ admin charts
def _top(df: pd.DataFrame, lang: str, n: int = 3) -> str:
    totals = (df.assign(name=[_province(r, lang) for r in df.itertuples()])
              .groupby("name", sort=False)["count"].sum()
              .sort_values(ascending=False, kind="stable"))
    return _list_sep(lang).join(f"{name} {int(c):,}" for name, c in totals.head(n).items())


def lapses(df: pd.DataFrame, lang: str, *, by_specialty: bool,
           distinct_persons: bool, persons: pd.DataFrame | None = None
           ) -> tuple[str, pd.DataFrame]:
    """Chart 1 (core.admin.dashboard_charts.lapse_by_province). ``persons``: the distinct persons
    per province, given when the bars are stacked by specialty and count persons (a person then
    counts once per specialty): the summary's total and top provinces come from it."""
    unit = text("chart.unit.persons" if distinct_persons else "chart.unit.rows", lang)
    table = pd.DataFrame({
        text("chart.col.province", lang): [_province(r, lang) for r in df.itertuples()],
        text("chart.col.regime", lang): [_regime(r, lang) for r in df["regime"]],
    })
    if by_specialty and "specialty" in df:
        table[text("chart.col.item", lang)] = [_specialty(s, lang) for s in df["specialty"]]
    table[text("chart.col.count", lang)] = df["count"].astype(int).tolist()
    whole = persons if persons is not None else df
    summary = text("chart.lapses.summary", lang, total=f"{int(whole['count'].sum()):,}",
                   unit=unit, top=_top(whole, lang) or DASH)
    return summary, table


def lapses_over_time(df: pd.DataFrame, lang: str) -> tuple[str, pd.DataFrame]:
    """Chart 2 (core.admin.dashboard_charts.lapses_by_month)."""
    table = pd.DataFrame({
        text("chart.col.month", lang): df["month"].dt.strftime("%Y-%m").tolist(),
        text("chart.col.regime", lang): [_regime(r, lang) for r in df["regime"]],
        text("chart.col.kind", lang): [text(f"admin.kind_{k}", lang) for k in df["kind"]],
        text("chart.col.count", lang): df["count"].astype(int).tolist(),
    })
    lapsed = int(df.loc[df["kind"] == "lapsed", "count"].sum())
    scheduled = int(df.loc[df["kind"] == "scheduled", "count"].sum())
    by_month = df.groupby(df["month"].dt.strftime("%Y-%m"))["count"].sum()
    peak = (f"{by_month.idxmax()} ({int(by_month.max()):,})" if len(by_month) else DASH)
    summary = text("chart.over_time.summary", lang, lapsed=f"{lapsed:,}",
                   scheduled=f"{scheduled:,}", peak=peak)
    return summary, table


def upcoming(df: pd.DataFrame, lang: str, days: int) -> tuple[str, pd.DataFrame]:
    """Chart 3 (core.admin.dashboard_charts.upcoming_by_province)."""
    table = pd.DataFrame({
        text("chart.col.province", lang): [_province(r, lang) for r in df.itertuples()],
        text("chart.col.kind", lang): [text(f"admin.kind_{k}", lang) for k in df["kind"]],
        text("chart.col.count", lang): df["count"].astype(int).tolist(),
    })
    count = {k: int(df.loc[df["kind"] == k, "count"].sum()) for k in ("apply_by", "lapses_on")}
    summary = text("chart.upcoming.summary", lang, days=days, apply_by=f"{count['apply_by']:,}",
                   lapses_on=f"{count['lapses_on']:,}", top=_top(df, lang) or DASH)
    return summary, table
