"""Calendar reminders (issue 14, item 1): the .ics read back by two independent parsers
(``icalendar`` and ``ics``), every event's date against the assessment, boundaries at the as-of
date, stable UIDs, nothing personal in the bytes, and the ``calendar`` command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import ics
import pytest

from core import assess
from core.demo.roster import demo_profile
from core.demo.scenario_data import SCENARIOS
from core.selfcheck import calendar as cal
from tests.engine_helpers import d, profile

ROOT = Path(__file__).resolve().parents[1]
STAMP = datetime(2021, 7, 1, 2, 0, tzinfo=UTC)


def expected_events(p: dict, a: dict) -> dict[str, tuple[str, str, date]]:
    """What the .ics must hold, read from the assessment: UID -> (kind, specialty, date)."""
    as_of = d(a["as_of"])
    out = {}
    unbound = {w.get("specialty") for w in a["warnings"]
               if w["code"] == "deadline_before_effective"}
    for s in a["specialties"]:
        if s["status"] in ("not_covered", "lapsed", "age_limit"):  # dates that no longer bind
            continue
        if (s["apply_by"] and s["status"] != "renewal_pending" and d(s["apply_by"]) >= as_of
                and s["specialty"] not in unbound):
            out[cal.event_uid(p["registration_number"], s["specialty"], "apply_by")] = (
                "apply_by", s["specialty"], d(s["apply_by"]))
        if s["lapses_on"] and d(s["lapses_on"]) >= as_of:
            out[cal.event_uid(p["registration_number"], s["specialty"], "lapses_on")] = (
                "lapses_on", s["specialty"], d(s["lapses_on"]))
    w = a["usage_window"]
    if w and not w["hypothetical"] and w["status"] != "unavailable" and d(w["until"]) >= as_of:
        out[cal.event_uid(p["registration_number"], "", "usage_until")] = (
            "usage_until", "", d(w["until"]))
    return out


def parse_icalendar(data: bytes) -> dict[str, dict]:
    calendar = icalendar.Calendar.from_ical(data)
    events = {}
    for ev in calendar.walk("VEVENT"):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert type(start) is date and type(end) is date  # all-day (VALUE=DATE), not datetime
        assert end == start + timedelta(days=1)
        triggers = sorted(a.decoded("trigger") for a in ev.walk("VALARM"))
        events[str(ev["uid"])] = {"date": start, "summary": str(ev["summary"]),
                                  "description": str(ev["description"]), "triggers": triggers}
    return events


def parse_ics(data: bytes) -> dict[str, dict]:
    events = {}
    for ev in ics.Calendar(data.decode("utf-8")).events:
        assert ev.all_day
        events[ev.uid] = {"date": ev.begin.date(), "summary": ev.name,
                          "triggers": sorted(a.trigger for a in ev.alarms)}
    return events


def cases():
    """Every scenario at its own date, and the demo profile (with a download date) at several."""
    for s in SCENARIOS.values():
        yield pytest.param(s.profile, s.as_of, id=s.id)
    for as_of in ("2021-07-15", "2021-09-15", "2021-12-31", "2022-01-01", "2024-03-01"):
        p = demo_profile(d(as_of))
        p["certificate_downloaded_on"] = (d(as_of) - timedelta(days=10)).isoformat()
        yield pytest.param(p, d(as_of), id=f"demo-{as_of}")


@pytest.mark.parametrize("p, as_of", list(cases()))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_event_date_matches_the_assessment_in_both_parsers(p, as_of, lang):
    a = assess(p, as_of)
    data = cal.make_ics(p, a, lang, stamp=STAMP)
    expected = expected_events(p, a)
    for events in (parse_icalendar(data), parse_ics(data)):
        assert {uid: e["date"] for uid, e in events.items()} == {
            uid: on for uid, (_, _, on) in expected.items()}
    assert all(on >= as_of for _, _, on in expected.values())


def two_specialties() -> tuple[dict, dict]:
    """Guangdong, downloaded 2021-09-01, two specialties still before their deadlines."""
    second = {"specialty": "市政公用工程", "valid_from": "2019-03-01", "valid_until": "2022-02-28",
              "renewal_applied_on": None, "renewal_approved_on": None}
    p = profile(province="广东", valid_until="2021-12-15", downloaded="2021-09-01",
                extra_specialties=[second])
    return p, assess(p, d("2021-09-15"))


def test_the_example_with_a_download_has_all_three_kinds():
    p, a = two_specialties()
    kinds = {r.kind for r in cal.reminders(p, a)}
    assert kinds == {"apply_by", "lapses_on", "usage_until"}
    [usage] = [r for r in cal.reminders(p, a) if r.kind == "usage_until"]
    assert usage.on == d(a["usage_window"]["until"]) and (usage.rule, usage.clause) == (
        "R-6", "C-3.2")


def test_summary_and_description_name_the_rule_and_clause_of_the_trace():
    as_of = d("2021-07-15")
    p = profile(province="广东", valid_until="2021-10-15")
    a = assess(p, as_of)
    spec = a["specialties"][0]
    r1 = [s for s in spec["trace"] if s["rule"] == "R-1"][0]
    events = parse_icalendar(cal.make_ics(p, a, "zh", stamp=STAMP))
    assert len(events) == 2
    for e in events.values():
        assert f"（R-1 · {r1['clause']}）" in e["summary"]
        assert "R-1（原有效期的申请截止日与失效日）" in e["description"]
        assert "建办市〔2021〕25号 二（二）1 启用地区延续注册（C-2.2.1）" in e["description"]
    en = parse_ics(cal.make_ics(p, a, "en", stamp=STAMP))
    summaries = sorted(e["summary"] for e in en.values())
    assert summaries == [
        "Building construction: renewal application deadline (R-1 · C-2.2.1)",
        "Building construction: the specialty lapses (R-1 · C-2.2.1)",
    ]


def test_a_renewed_specialty_cites_r2_and_one_that_cannot_be_renewed_cites_r3():
    renewed = profile(valid_until="2021-05-31", applied="2021-04-01", approved="2021-05-10")
    a = assess(renewed, d("2021-06-01"))
    assert a["specialties"][0]["renewed"]
    rules = {r.kind: (r.rule, r.clause) for r in cal.reminders(renewed, a)}
    # 北京: a pilot's deadlines cite C-2.2.2, in a renewed cycle too (issue 23)
    assert rules == {"apply_by": ("R-2", "C-2.2.2"), "lapses_on": ("R-2", "C-2.2.2")}

    # born 1957-03-15: 65 on 2022-03-15, so the cycle ending 2022-03-15 cannot be renewed
    old = profile(birth="1957-03-15", valid_from="2019-03-16", valid_until="2022-03-15")
    a = assess(old, d("2021-09-01"))
    assert a["specialties"][0]["apply_by"] is None
    [lapse] = cal.reminders(old, a)
    assert (lapse.kind, lapse.rule, lapse.clause) == ("lapses_on", "R-3", "C-2.2.4")
    assert lapse.on == d(a["specialties"][0]["lapses_on"])


def pilot(as_of: str):
    """Beijing, valid until 2024-05-31: apply_by 2024-05-01, lapses_on 2024-06-01."""
    p = profile(province="北京", valid_until="2024-05-31")
    return p, assess(p, d(as_of))


@pytest.mark.parametrize("as_of, kinds", [
    ("2024-04-30", {"apply_by", "lapses_on"}),
    ("2024-05-01", {"apply_by", "lapses_on"}),  # apply_by equal to as_of: kept
    ("2024-05-02", {"lapses_on"}),  # the day after apply_by: dropped
    ("2024-05-31", {"lapses_on"}),  # the validity's last day
    ("2024-06-01", set()),  # lapses_on equal to as_of: lapsed that day, no event (issue 23)
    ("2024-06-02", set()),
])
def test_a_date_on_the_as_of_date_is_kept_the_day_before_is_dropped(as_of, kinds):
    p, a = pilot(as_of)
    assert a["specialties"][0]["apply_by"] == "2024-05-01"
    assert a["specialties"][0]["lapses_on"] == "2024-06-01"
    assert {r.kind for r in cal.reminders(p, a)} == kinds
    assert len(parse_ics(cal.make_ics(p, a, stamp=STAMP))) == len(kinds)


def test_alarms_at_nine_on_the_days_30_7_and_1_before_and_none_in_the_past():
    p, a = pilot("2024-01-01")
    events = parse_icalendar(cal.make_ics(p, a, stamp=STAMP))
    for e in events.values():
        assert e["triggers"] == [timedelta(days=-n, hours=9) for n in (30, 7, 1)]
    assert [e["triggers"] for e in parse_ics(cal.make_ics(p, a, stamp=STAMP)).values()] == [
        [timedelta(days=-n, hours=9) for n in (30, 7, 1)]] * 2
    # as of 2024-04-24 the apply_by event (2024-05-01) keeps only the alarms from that day on:
    # 7 days before is 2024-04-24 itself (kept), 30 days before is past
    p, a = pilot("2024-04-24")
    apply_uid = cal.event_uid(p["registration_number"], "建筑工程", "apply_by")
    triggers = parse_icalendar(cal.make_ics(p, a, stamp=STAMP))[apply_uid]["triggers"]
    assert triggers == [timedelta(days=-7, hours=9), timedelta(days=-1, hours=9)]


def test_uids_are_stable_and_distinct_and_hide_the_number():
    p, a = two_specialties()
    first = cal.make_ics(p, a, "zh", stamp=STAMP)
    second = cal.make_ics(p, a, "en", with_name=True,
                          stamp=STAMP + timedelta(days=3))
    uids = list(parse_icalendar(first))
    assert uids == list(parse_icalendar(second))  # same events, same UIDs, any language
    assert len(set(uids)) == len(uids) == 5
    # a later as-of date (a re-import after time passed) keeps the UIDs of what is still coming
    later = assess(p, d("2021-10-01"))
    assert set(parse_icalendar(cal.make_ics(p, later, stamp=STAMP))) <= set(uids)
    # distinct per specialty and per kind; a different number gives different UIDs
    number = p["registration_number"]
    made = {cal.event_uid(number, s, k) for s in ("建筑工程", "市政公用工程") for k in cal.KINDS}
    assert len(made) == 6
    assert cal.event_uid("京1112006200807445", "建筑工程", "apply_by") != cal.event_uid(
        "京1112006200807446", "建筑工程", "apply_by")
    assert cal.event_uid(f" {number}\u3000", "建筑工程", "apply_by") == cal.event_uid(
        number, "建筑工程", "apply_by")
    for uid in uids:
        assert number not in uid and number[1:] not in uid and uid.endswith("@ecert-desk")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_birth_date_number_or_employer_in_the_file_and_the_name_only_when_ticked(lang):
    as_of = d("2021-09-15")
    p = demo_profile(as_of)
    p["certificate_downloaded_on"] = "2021-09-01"
    a = assess(p, as_of)
    data = cal.make_ics(p, a, lang, stamp=STAMP)
    unfolded = data.replace(b"\r\n ", b"")
    birth = d(p["birth_date"])
    for secret in (p["birth_date"], birth.strftime("%Y%m%d"), f"{birth.year}年",
                   p["registration_number"], p["registration_number"][1:], p["employer"],
                   p["name"]):
        assert secret.encode("utf-8") not in unfolded, secret
    named = cal.make_ics(p, a, lang, with_name=True, stamp=STAMP).replace(b"\r\n ", b"")
    assert p["name"].encode("utf-8") in named
    assert p["registration_number"].encode("utf-8") not in named
    assert p["birth_date"].encode("utf-8") not in named


def test_nothing_for_a_province_outside_the_notice_and_no_usage_event_without_a_download():
    outside = profile(province="湖北", valid_until="2030-01-01")
    a = assess(outside, d("2029-01-01"))
    assert cal.reminders(outside, a) == []
    parsed = icalendar.Calendar.from_ical(cal.make_ics(outside, a, stamp=STAMP))
    assert parsed.walk("VEVENT") == [] and str(parsed["x-wr-timezone"]) == "Asia/Shanghai"

    hypothetical = profile(province="广东", valid_until="2030-01-01")
    a = assess(hypothetical, d("2029-01-01"))
    assert a["usage_window"]["hypothetical"] and a["usage_window"]["until"]
    assert "usage_until" not in {r.kind for r in cal.reminders(hypothetical, a)}


def test_a_pending_renewal_has_no_apply_by_event_but_keeps_its_lapse_date():
    p = profile(province="广东", valid_until="2021-10-15", applied="2021-09-01")
    a = assess(p, d("2021-09-10"))
    assert a["specialties"][0]["status"] == "renewal_pending"
    [lapse] = cal.reminders(p, a)
    assert lapse.kind == "lapses_on" and "尚待批准" in lapse.description


def test_calendar_properties():
    p, a = pilot("2024-01-01")
    parsed = icalendar.Calendar.from_ical(cal.make_ics(p, a, "en", stamp=STAMP))
    assert str(parsed["version"]) == "2.0" and str(parsed["prodid"]) == cal.PRODID
    assert str(parsed["x-wr-timezone"]) == "Asia/Shanghai"
    assert str(parsed["x-wr-calname"]) == "First-class constructor registration reminders"
    for ev in parsed.walk("VEVENT"):
        assert ev.decoded("dtstamp") == STAMP
        assert str(ev["transp"]) == "TRANSPARENT"


def test_an_unknown_language_is_refused():
    p, a = pilot("2024-01-01")
    with pytest.raises(ValueError):
        cal.make_ics(p, a, "fr")


# --- the command line -------------------------------------------------------------------------


def run(*args, stdin: str | None = None):
    proc = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, cwd=ROOT,
                          input=stdin.encode("utf-8") if stdin is not None else None, timeout=120)
    assert b"Traceback" not in proc.stdout + proc.stderr
    return proc


def test_cli_calendar_writes_the_same_events(tmp_path):
    p = profile(province="广东", valid_until="2021-10-15", downloaded="2021-09-01")
    src = tmp_path / "p.json"
    src.write_text(json.dumps(p, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "r.ics"
    proc = run("calendar", "--as-of", "2021-09-10", "--input", str(src), "--out", str(out),
               "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    a = assess(p, d("2021-09-10"))
    expected = expected_events(p, a)
    assert {e["uid"]: d(e["date"]) for e in report["events"]} == {
        u: on for u, (_, _, on) in expected.items()}
    assert report["ics"] == str(out)
    data = out.read_bytes()
    assert {u: e["date"] for u, e in parse_ics(data).items()} == {
        u: on for u, (_, _, on) in expected.items()}
    assert b"Building construction" in data.replace(b"\r\n ", b"")
    assert p["name"].encode() not in data and p["birth_date"].encode() not in data


def test_cli_calendar_from_stdin_with_the_name(tmp_path):
    p = profile(province="广东", valid_until="2021-10-15")
    out = tmp_path / "r.ics"
    proc = run("calendar", "--as-of", "2021-09-10", "--out", str(out), "--with-name",
               stdin=json.dumps(p, ensure_ascii=False))
    assert proc.returncode == 0
    assert p["name"].encode() in out.read_bytes()


@pytest.mark.parametrize("stdin, code", [
    ("not json", "invalid_json"),
    ('{"specialties": []}', "required"),
    ("[1]", "invalid_type"),
])
def test_cli_calendar_invalid_input_exit_2_with_the_errors_json(tmp_path, stdin, code):
    out = tmp_path / "r.ics"
    proc = run("calendar", "--as-of", "2021-09-10", "--out", str(out), stdin=stdin)
    assert proc.returncode == 2
    errors = json.loads(proc.stdout)["errors"]
    assert code in [e["code"] for e in errors]
    assert all(e["message_zh"] and e["message_en"] for e in errors)
    assert not out.exists()  # nothing half-written


@pytest.mark.parametrize("args", [
    ["--as-of", "2021-02-30"],  # not a date
    ["--lang", "fr"],
    [],  # --out missing
])
def test_cli_calendar_bad_arguments_exit_2(tmp_path, args):
    extra = [] if not args else ["--out", str(tmp_path / "r.ics")]
    proc = run("calendar", *args, *extra, stdin="{}")
    assert proc.returncode == 2


def test_cli_calendar_unwritable_output_exit_2(tmp_path):
    p = profile()
    proc = run("calendar", "--as-of", "2024-01-01", "--out", str(tmp_path / "no" / "r.ics"),
               stdin=json.dumps(p, ensure_ascii=False))
    assert proc.returncode == 2
    assert json.loads(proc.stdout)["errors"][0]["code"] == "unwritable_output"
