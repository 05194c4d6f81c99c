"""Calendar reminders (.ics, RFC 5545) of a self-check: the coming dates of an assessment.

Events, one per coming date (issue 14, item 1):

- per specialty ``apply_by`` (renewal application deadline) and ``lapses_on`` (lapse date), named
  with the rule, clause and readings that set them (from the specialty's ``trace``: the last
  R-1/R-2 step, or R-3 for a lapse date when the specialty cannot be renewed);
- only dates that still bind at the as-of date (POLICY.md "What an answer says"): no
  ``apply_by`` event once a renewal application counts (``renewal_pending``), none for an
  ``apply_by`` that never bound (warning ``deadline_before_effective``: only the lapse date
  binds) or that is null (R-3), and no event at all for a specialty that is ``lapsed``,
  ``age_limit`` or ``not_covered``;
- the usage window's last day (``usage_window.until``, R-6), only when the profile gave a download
  date (``hypothetical`` false) and the window is not ``unavailable``.

No event for a date before the as-of date (a date equal to it is kept), none for a window that is
``unavailable`` or hypothetical. Renewal events name no portal: the application goes to the
registration authority (the notice names its platforms for viewing and downloading only).

Dates: all-day events, ``DTSTART;VALUE=DATE`` and ``DTEND`` the day after. RFC 5545 does not allow
a TZID on a DATE value: an all-day date is the same calendar day wherever it is opened, which is
what a deadline of the notice is (a day in China). The calendar says its home zone with
``X-WR-TIMEZONE:Asia/Shanghai`` (read by Google, Apple and Outlook) instead of a VTIMEZONE that
no property would reference. Alarms: three ``VALARM`` per event, at 09:00 on the day 30, 7 and
1 days before (``TRIGGER:-P29DT15H`` …: relative to the start of the all-day event, so 09:00
local time, rather than at midnight when nobody reads them); an alarm whose day is before the
as-of date is left out.

Identity: the UID of an event is an HMAC-SHA256 of (registration number, specialty, kind) under
the fixed application constant ``UID_KEY``, so the same profile always gives the same UIDs (a
re-import updates the events, a renewal moves them) while the number itself never appears. The
constant is public, not a secret: it keeps the number out of clear text, it would not stop
someone who guesses numbers and compares.

Privacy: the file holds no birth date, no registration number and no employer; the name only
when ``with_name`` is true.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from core.messages.catalogue import text
from core.policy.data import POLICY

KINDS = ("apply_by", "lapses_on", "usage_until")
LANGS = ("zh", "en")
ALARM_DAYS = (30, 7, 1)
ALARM_HOUR = 9  # local time of day of each alarm
UID_KEY = b"ecert-desk/calendar-uid/v1"  # fixed application constant, not a secret (see above)
UID_DOMAIN = "ecert-desk"
PRODID = "-//ecert-desk//calendar reminders//ZH"
TIMEZONE_NAME = "Asia/Shanghai"
# The rules that set a specialty's dates (POLICY.md): deadlines R-1 (original cycle) and R-2
# (renewed cycle); R-3 when the cycle cannot be renewed (no apply_by, lapse the day after).
DEADLINE_RULES = ("R-1", "R-2")
NOT_RENEWABLE_RULE = "R-3"
MEDIA_TYPE = "text/calendar"
FILE_NAME = "ecert-reminders.ics"
_SPACES = " \t\r\n\u3000\u00a0"


@dataclass(frozen=True)
class Reminder:
    """One coming date: what it is, for which specialty ("" for the usage window), the rule,
    clause and readings that set it, and the event's UID."""

    kind: str
    specialty: str
    on: date
    rule: str
    clause: str
    uid: str
    summary: str
    description: str
    readings: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"kind": self.kind, "specialty": self.specialty or None, "date": self.on.isoformat(),
                "rule": self.rule, "clause": self.clause, "readings": list(self.readings),
                "uid": self.uid}


def event_uid(registration_number: str, specialty: str, kind: str) -> str:
    """A stable UID that does not show the number: HMAC-SHA256 of number|specialty|kind."""
    number = str(registration_number or "").strip(_SPACES)
    message = "\x1f".join((number, specialty or "", kind)).encode("utf-8")
    digest = hmac.new(UID_KEY, message, hashlib.sha256).hexdigest()
    return f"{digest[:32]}@{UID_DOMAIN}"


def date_step(specialty: Mapping, kind: str) -> Mapping:
    """The step of ``trace`` that set ``apply_by`` or ``lapses_on`` (empty when none)."""
    trace = [s for s in specialty.get("trace") or [] if isinstance(s, Mapping)]
    if kind == "lapses_on" and specialty.get("apply_by") is None:
        final = [s for s in trace if s.get("rule") == NOT_RENEWABLE_RULE]
        if final:
            return final[-1]
    deadlines = [s for s in trace if s.get("rule") in DEADLINE_RULES]
    return deadlines[-1] if deadlines else (trace[0] if trace else {})


def date_source(specialty: Mapping, kind: str) -> tuple[str, str]:
    """(rule, clause) of the step of ``trace`` that set ``apply_by`` or ``lapses_on``."""
    step = date_step(specialty, kind)
    return step.get("rule") or "", step.get("clause") or ""


def date_readings(specialty: Mapping, kind: str) -> tuple[str, ...]:
    """The readings (I-…) of the step of ``trace`` that set ``apply_by`` or ``lapses_on``."""
    return tuple(date_step(specialty, kind).get("readings") or ())


#: statuses whose dates no longer bind at the as-of date: no event (POLICY.md "What an answer
#: says")
NOT_BINDING = frozenset({"lapsed", "age_limit", "not_covered"})


def unbound_deadlines(assessment: Mapping) -> frozenset[str]:
    """The specialties whose ``apply_by`` never bound (warning ``deadline_before_effective``:
    the notice gave no time to meet it; only the lapse date binds)."""
    return frozenset(w.get("specialty") for w in assessment.get("warnings") or []
                     if isinstance(w, Mapping) and w.get("code") == "deadline_before_effective")


def binding_dates(specialty: Mapping, unbound: frozenset[str]) -> tuple[str, ...]:
    """Which of ``apply_by`` and ``lapses_on`` still bind at the as-of date for ``specialty``
    (dates before it are left out elsewhere): none for a lapsed, age-limited or not covered
    specialty; no ``apply_by`` when null, while an application is pending, or when it never
    bound."""
    if specialty.get("status") in NOT_BINDING:
        return ()
    out = []
    if (specialty.get("apply_by") is not None and specialty.get("status") != "renewal_pending"
            and specialty.get("specialty") not in unbound):
        out.append("apply_by")
    if specialty.get("lapses_on") is not None:
        out.append("lapses_on")
    return tuple(out)


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _basis_fields(rule: str, clause: str, notice: str, lang: str) -> dict:
    rule_info = POLICY.rules.get(rule, {})
    clause_info = POLICY.clauses.get(clause, {})
    return {
        "rule": rule, "clause": clause, "notice": notice,
        "rule_title": rule_info.get(lang) or rule_info.get("zh") or "",
        "clause_number": clause_info.get("number", ""),
        "clause_title": clause_info.get(f"title_{lang}") or clause_info.get("title_zh") or "",
    }


def _pick(zh_en: tuple[str, str], lang: str) -> str:
    return zh_en[LANGS.index(lang)]


def _readings_text(readings, lang: str) -> str:
    """Each reading with its current text from the policy data (POLICY.md I-…)."""
    sep = "；" if lang == "zh" else "; "
    return sep.join(f"{r} {POLICY.readings.get(r, {}).get(lang, '')}".strip().rstrip("。.")
                    for r in readings)


def notice_of(assessment: Mapping) -> str:
    """The notice the assessment is based on (its ``basis`` when present)."""
    basis = assessment.get("basis")
    if isinstance(basis, Mapping) and basis.get("notice"):
        return str(basis["notice"])
    return str(POLICY.notice["id"])


def reminders(profile: Mapping, assessment: Mapping, lang: str = "zh",
              with_name: bool = False) -> list[Reminder]:
    """The coming dates of ``assessment`` (``core.assess(profile, as_of)``), in date order."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}: {lang!r}")
    as_of = _date(assessment["as_of"])
    number = str(profile.get("registration_number") or "")
    notice = notice_of(assessment)
    name = str(profile.get("name") or "").strip(_SPACES) if with_name else ""
    footer = _pick(text("calendar", "footer", as_of=as_of.isoformat()), lang)
    out: list[Reminder] = []

    def add(kind: str, specialty: str, on: date, rule: str, clause: str, body_code: str,
            summary_code: str, where_code: str | None, readings: tuple[str, ...] = (),
            **values) -> None:
        if on < as_of:
            return
        fields = _basis_fields(rule, clause, notice, lang)
        if specialty:
            values["specialty"] = specialty
        summary = _pick(text("calendar", summary_code, **values, **fields), lang)
        if name:
            summary = f"{name} · {summary}"
        body = _pick(text("calendar", body_code, date=on.isoformat(), **values), lang)
        lines = [body, _pick(text("calendar", "basis", **fields), lang)]
        if readings:
            lines.append(_pick(text("calendar", "readings", readings=_readings_text(
                readings, lang)), lang))
        if where_code:
            lines.append(_pick(text("calendar", where_code), lang))
        lines.append(footer)
        description = "\n".join(lines)
        uid = event_uid(number, specialty, kind)
        out.append(Reminder(kind, specialty, on, rule, clause, uid, summary, description,
                            tuple(readings)))

    unbound = unbound_deadlines(assessment)
    for s in assessment.get("specialties") or []:
        kinds = binding_dates(s, unbound)
        name_ = s["specialty"]
        if "apply_by" in kinds:
            rule, clause = date_source(s, "apply_by")
            add("apply_by", name_, _date(s["apply_by"]), rule, clause, "apply_by_text",
                "apply_by_summary", "where_renewal", date_readings(s, "apply_by"))
        if "lapses_on" in kinds:
            rule, clause = date_source(s, "lapses_on")
            body = ("lapses_on_final_text" if s.get("apply_by") is None else
                    "lapses_on_pending_text" if s.get("status") == "renewal_pending" else
                    "lapses_on_text")
            add("lapses_on", name_, _date(s["lapses_on"]), rule, clause, body,
                "lapses_on_summary", "" if s.get("apply_by") is None else "where_renewal",
                date_readings(s, "lapses_on"))

    window = assessment.get("usage_window")
    if (isinstance(window, Mapping) and not window.get("hypothetical")
            and window.get("status") != "unavailable" and window.get("until")):
        add("usage_until", "", _date(window["until"]), window.get("rule") or "R-6",
            window.get("clause") or "C-3.2", "usage_until_text", "usage_until_summary",
            "where_download", tuple(window.get("readings") or ()),
            downloaded=window.get("from") or "")
    out.sort(key=lambda r: (r.on, KINDS.index(r.kind), r.specialty))
    return out


def _alarm(event_day: date, days_before: int, as_of: date, summary: str, lang: str):
    """A display alarm at ALARM_HOUR on the day ``days_before`` days before, or None when that
    day is already past."""
    if event_day - timedelta(days=days_before) < as_of:
        return None
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", _pick(text("calendar", "alarm", days=days_before, summary=summary),
                                   lang))
    alarm.add("trigger", -timedelta(days=days_before) + timedelta(hours=ALARM_HOUR))
    return alarm


def make_ics(profile: Mapping, assessment: Mapping, lang: str = "zh", with_name: bool = False,
             stamp: datetime | None = None) -> bytes:
    """The .ics bytes (UTF-8, CRLF lines) of ``reminders(profile, assessment, lang, with_name)``.

    ``stamp`` is the DTSTAMP of every event (default: now, UTC). A profile with no coming date
    gives a calendar without events.
    """
    items = reminders(profile, assessment, lang, with_name)
    as_of = _date(assessment["as_of"])
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC)
    name = str(profile.get("name") or "").strip(_SPACES) if with_name else ""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    calname = (text("calendar", "calname_named", name=name) if name
               else text("calendar", "calname"))
    cal.add("x-wr-calname", _pick(calname, lang))
    cal.add("x-wr-timezone", TIMEZONE_NAME)
    for r in items:
        event = Event()
        event.add("uid", r.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", r.on)
        event.add("dtend", r.on + timedelta(days=1))
        event.add("summary", r.summary)
        event.add("description", r.description)
        event.add("categories", ["ecert-desk"])
        event.add("transp", "TRANSPARENT")
        for days_before in ALARM_DAYS:
            alarm = _alarm(r.on, days_before, as_of, r.summary, lang)
            if alarm is not None:
                event.add_component(alarm)
        cal.add_component(event)
    return cal.to_ical()
