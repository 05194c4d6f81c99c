"""The personal timeline chart of the self-service page (plotly), built only from an assessment.

One row per specialty: its current validity as a bar (``current_valid_from`` –
``current_valid_until``), ``apply_by`` and ``lapses_on`` as markers; one row for the certificate's
usage window (``usage_window.from`` – ``usage_window.until``); vertical lines for the as-of date
and the 65th birthday (``age65``). Every date drawn is a value of the assessment: nothing is
computed here.
"""

from __future__ import annotations

from collections.abc import Mapping

import plotly.graph_objects as go

from core.policy.data import POLICY
from core.schema.roster import BLUE, DUE_KIND_COLOURS, PURPLE, STATUS_COLOURS
from ui.i18n import text
from ui.next_step import deadline_near

WINDOW_COLOUR = DUE_KIND_COLOURS["usage_until"]
APPLY_BY_COLOUR = DUE_KIND_COLOURS["apply_by"]
LAPSE_COLOUR = DUE_KIND_COLOURS["lapses_on"]
AS_OF_COLOUR = BLUE
AGE65_COLOUR = PURPLE


def _row_label(name: str, status: str, lang: str, near: bool = False) -> str:
    """The row's name and, on a second line, its status in words: the bar's colour is never the
    only thing that says the status (issue 15); a valid specialty whose deadline is near says so
    (R-5, as on its card: issue 23)."""
    name = POLICY.specialty_en.get(name, name) if lang == "en" else name
    words = text("self_service.status.deadline_near", lang) if near else \
        text(f"policy.status.{status}", lang)
    return f"{name}<br>{words}"


def _bar(fig: go.Figure, start: str, end: str, row: str, colour: str, name: str,
         hover: str) -> None:
    fig.add_trace(go.Scatter(_validate=False,
        x=[start, end], y=[row, row], mode="lines", line={"color": colour, "width": 16},
        name=name, hovertemplate=hover + "<extra></extra>", showlegend=False,
    ))


def _marker(fig: go.Figure, day: str, row: str, symbol: str, colour: str, name: str,
            show: bool) -> None:
    fig.add_trace(go.Scatter(_validate=False,
        x=[day], y=[row], mode="markers",
        marker={"symbol": symbol, "size": 15, "color": colour,
                "line": {"color": "white", "width": 1.5}},
        name=name, legendgroup=name, showlegend=show,
        hovertemplate=f"{name}: {day}<extra></extra>",
    ))


LABEL_FONT = 12
LABEL_LINE = 20  # px between the label rows above the plot (font 12 px is ~16 px high)


def _vline(fig: go.Figure, day: str, colour: str, label: str, dash: str, line: int = 0) -> None:
    """A vertical line at ``day`` with its label above the plot, on label row ``line`` (0, 1):
    the as-of date and the 65th birthday each get their own row, so their labels never overlap
    however close the two dates are (issue 23)."""
    fig.add_shape(type="line", x0=day, x1=day, xref="x", y0=0, y1=1, yref="paper",
                  line={"color": colour, "width": 2, "dash": dash})
    fig.add_annotation(x=day, y=1, xref="x", yref="paper", text=f"{label} {day}",
                       showarrow=False, yanchor="bottom", yshift=line * LABEL_LINE,
                       font={"color": colour, "size": LABEL_FONT})


def figure(a: Mapping, lang: str = "zh") -> go.Figure | None:
    """The timeline of one assessment, or None when there is nothing dated to draw."""
    specialties = [s for s in a.get("specialties") or []
                   if s.get("current_valid_from") and s.get("current_valid_until")]
    if not specialties:
        return None
    fig = go.Figure(_validate=False)  # the shape is fixed here and tested; validation cost 2/3
    rows: list[str] = []
    dates: list[str] = [a["as_of"]]
    apply_label = text("self_service.timeline.apply_by", lang)
    lapse_label = text("self_service.timeline.lapses_on", lang)
    validity_label = text("self_service.timeline.validity", lang)
    shown: set[str] = set()
    for s in specialties:
        near = deadline_near(s, a["as_of"])
        row = _row_label(s["specialty"], s["status"], lang, near)
        rows.append(row)
        start, end = s["current_valid_from"], s["current_valid_until"]
        dates += [start, end]
        colour = STATUS_COLOURS["apply_now"] if near else STATUS_COLOURS.get(s["status"],
                                                                             "#757575")
        _bar(fig, start, end, row, colour, validity_label,
             f"{row}<br>{validity_label}: {start} – {end}")
        if s.get("apply_by"):
            _marker(fig, s["apply_by"], row, "diamond", APPLY_BY_COLOUR, apply_label,
                    apply_label not in shown)
            shown.add(apply_label)
            dates.append(s["apply_by"])
        if s.get("lapses_on"):
            _marker(fig, s["lapses_on"], row, "x", LAPSE_COLOUR, lapse_label,
                    lapse_label not in shown)
            shown.add(lapse_label)
            dates.append(s["lapses_on"])
    window = a.get("usage_window") or {}
    if window.get("from") and window.get("until"):
        row = text("self_service.timeline.usage_window", lang)
        rows.append(row)
        dates += [window["from"], window["until"]]
        _bar(fig, window["from"], window["until"], row, WINDOW_COLOUR, row,
             f"{row}: {window['from']} – {window['until']}")
    _vline(fig, a["as_of"], AS_OF_COLOUR, text("self_service.timeline.as_of", lang), "solid")
    title = None
    age65 = a.get("age65")
    if age65 and age65 <= max(dates):  # ISO strings compare as dates; only placed, not computed
        _vline(fig, age65, AGE65_COLOUR, text("self_service.timeline.age65", lang), "dot",
               line=1)
    elif age65:
        title = text("self_service.timeline.age65_later", lang, date=age65)
    fig.update_yaxes(categoryorder="array", categoryarray=list(reversed(rows)), automargin=True)
    fig.update_xaxes(type="date", showgrid=True, tickformat="%Y-%m")
    # The legend sits in its own strip at the very bottom of the figure (container coordinates),
    # below the date labels of the x axis, whatever the height, width or language: a legend in
    # plot coordinates (y=-0.15) overlapped and cut off the dates (issue 15).
    fig.update_layout(
        height=200 + 52 * len(rows),
        margin={"l": 10, "r": 10, "t": 50 + LABEL_LINE, "b": 90},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0.01,
                "x": 0, "font": {"size": 12}},
        hovermode="closest",
        title={"text": title, "font": {"size": 12}} if title else None,
    )
    return fig
