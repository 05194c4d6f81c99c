"""The bulk path equals the scalar rules, row by row (hypothesis).

Rows are drawn with dates around every cut-off of POLICY.md (day before, on, after), around each
row's own deadlines (E − 30, E, E + 1, the 65th birthday) and with 29 February births and
approvals; some rows are invalid on purpose, and then both paths must name the same problems.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core import InvalidInput, assess, assess_roster
from core.policy.data import POLICY
from core.rules.roster import prepare_roster
from core.rules.roster_windows import usage_windows

CUTOFFS = [v.value for v in POLICY.dates.values()]
AROUND = [c + timedelta(days=k) for c in CUTOFFS for k in (-1, 0, 1)]
PROVINCES = [p.short for p in POLICY.provinces] + ["北京市", "新疆维吾尔自治区", "火星", " 广东 "]
SPECIALTIES = list(POLICY.specialties) + ["建筑"]
NUMBERS = ["京1112006200807445", "粤1442010201100001", "军1992006200807445", "A123",
           "京11120062008"]
OUTPUT_FIELDS = ["regime", "status", "renewed", "current_valid_from", "current_valid_until",
                 "apply_by", "lapses_on", "capped_at_65", "late_application"]

any_day = st.dates(min_value=date(2014, 1, 1), max_value=date(2036, 12, 31))
near = st.sampled_from(AROUND) | any_day


@st.composite
def offset(draw, base: date, choices=(-366, -61, -31, -30, -29, -1, 0, 1, 29, 30, 31, 180, 181)):
    if draw(st.booleans()):
        return base + timedelta(days=draw(st.sampled_from(choices)))
    return base + timedelta(days=draw(st.integers(-800, 800)))


def _leap_day(year_from, year_to):
    return st.sampled_from([date(y, 2, 29) for y in range(year_from, year_to)
                            if y % 4 == 0 and (y % 100 or y % 400 == 0)])


GOOD = {
    "name": ["张三", "李 四", "欧阳堃", " 王喆 "], "gender": ["男", "女", "Male", None],
    "registration_number": NUMBERS[:3], "employer": ["某建设集团有限公司", None],
    "employer_province": PROVINCES[:-2], "specialty": SPECIALTIES[:-1],
    "continuing_education_done": [True, False, None],
}
BAD = {
    "name": ["", "王\x01", "赵" * 65], "gender": ["x", "男\t女"],
    "registration_number": NUMBERS[3:],
    "employer": ["x" * 201], "employer_province": ["火星", ""], "specialty": ["建筑", ""],
}


@st.composite
def row(draw, as_of: date):
    birth = draw(_leap_day(1952, 1992) | st.dates(date(1950, 1, 1), date(1995, 12, 31)))
    if draw(st.integers(0, 30)) == 0:
        birth = date(1900, 1, 1)
    age65 = date(birth.year + 65, birth.month, 28 if birth.month == 2 and birth.day == 29
                 else birth.day)
    e = draw(near | offset(age65) | offset(as_of))
    three_years = e.replace(year=e.year - 3, day=min(e.day, 28)) + timedelta(days=1)
    f = three_years if draw(st.integers(0, 5)) else draw(
        st.sampled_from([e + timedelta(days=1), date(1970, 1, 1), e]) | offset(as_of))
    applied = draw(st.none() | offset(e, (-31, -30, -29)) | offset(e, (-1, 0, 1)) | offset(e)
                   | offset(as_of, (-1, 0)))
    approved = draw(st.none() | st.none() | _leap_day(2016, 2033)
                    | (offset(applied, (-1, 0, 1, 5, 30, 90)) if applied else st.none())
                    | offset(age65, (-1, 0, 1)))
    downloaded = draw(st.none() | offset(as_of, (-181, -180, -1, 0, 1)) | near)
    r = {k: draw(st.sampled_from(v)) for k, v in GOOD.items()}
    if draw(st.integers(0, 6)) == 0:
        field = draw(st.sampled_from(sorted(BAD)))
        r[field] = draw(st.sampled_from(BAD[field]))
    r.update(birth_date=birth, valid_from=f, valid_until=e, renewal_applied_on=applied,
             renewal_approved_on=approved, certificate_downloaded_on=downloaded)
    if draw(st.integers(0, 30)) == 0:
        r[draw(st.sampled_from(["valid_from", "valid_until", "birth_date"]))] = None
    return r


def _profile(r: dict) -> dict:
    iso = lambda v: v.isoformat() if isinstance(v, date) else v  # noqa: E731
    spec = {k: iso(r[k]) for k in ("specialty", "valid_from", "valid_until",
                                   "renewal_applied_on", "renewal_approved_on")}
    p = {k: iso(v) for k, v in r.items() if k not in spec}
    p["specialties"] = [spec]
    return p


COLUMNS = ["name", "gender", "birth_date", "registration_number", "employer",
           "employer_province", "specialty", "valid_from", "valid_until", "renewal_applied_on",
           "renewal_approved_on", "continuing_education_done", "certificate_downloaded_on"]


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("birth_date", "valid_from", "valid_until", "renewal_applied_on",
              "renewal_approved_on", "certificate_downloaded_on"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[s]")
    for c in ("name", "gender", "registration_number", "employer", "employer_province",
              "specialty"):
        df[c] = df[c].astype("string[pyarrow]")
    df["continuing_education_done"] = df["continuing_education_done"].astype("boolean")
    return df


def _bulk_value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    return str(v)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_of=near)
def test_bulk_equals_scalar(data, as_of):
    rows = data.draw(st.lists(row(as_of), min_size=1, max_size=25))
    out = assess_roster(_frame(rows), as_of)
    seen = []
    for i, r in enumerate(rows):
        got = out.iloc[i]
        try:
            a = assess(_profile(r), as_of)
        except InvalidInput as e:
            want = sorted((x["field"].replace("specialties[0].", ""), x["code"]) for x in e.errors)
            assert got["error"] is not pd.NA, (r, want)
            have = sorted(tuple(part.split(" (", 1)[0].split(": ")) for part in
                          got["error"].split("; "))
            assert have == want, (r, got["error"])
            continue
        assert got["error"] is pd.NA, (r, got["error"])
        # events after T are ignored by both paths (issue 23): the profile names them in one
        # warning, the roster row is no error and answers as the profile does (below)
        after = {f for f in ("certificate_downloaded_on", "renewal_applied_on",
                             "renewal_approved_on") if r[f] is not None and r[f] > as_of}
        warned = [w for w in a["warnings"] if w["code"] == "event_after_as_of"]
        assert len(warned) == (1 if after else 0), (r, as_of)
        if after:
            assert {f.replace("specialties[0].", "") for f in warned[0]["fields"]} == after
            event("events after T ignored")
        s = a["specialties"][0]
        want = {"regime": a["regime"], **{k: s[k] for k in OUTPUT_FIELDS if k != "regime"}}
        have = {k: _bulk_value(got[k]) for k in OUTPUT_FIELDS}
        assert have == want, (r, as_of)
        seen.append(have["status"])
    for status in seen:
        event(f"status={status}")
    event(f"invalid rows={len(rows) - len(seen) > 0}")


def test_bulk_error_messages_equal_scalar_messages():
    r = {"name": "", "gender": "x", "birth_date": date(1970, 1, 1),
         "registration_number": "A1", "employer": None, "employer_province": "火星",
         "specialty": "建筑", "valid_from": date(2021, 1, 1), "valid_until": date(2020, 1, 1),
         "renewal_applied_on": None, "renewal_approved_on": date(2020, 6, 1),
         "continuing_education_done": None, "certificate_downloaded_on": None}
    out = assess_roster(_frame([r]), date(2024, 1, 1))
    try:
        assess(_profile(r), date(2024, 1, 1))
    except InvalidInput as e:
        want = "; ".join(f"{x['field'].replace('specialties[0].', '')}: {x['code']} "
                         f"({x['message_zh']} / {x['message_en']})" for x in e.errors)
    assert sorted(out["error"][0].split("; ")) == sorted(want.split("; "))


def test_empty_roster():
    out = assess_roster(_frame([]), date(2024, 1, 1))
    assert len(out) == 0 and "status" in out.columns


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_of=near)
def test_usage_windows_equal_the_profile_window(data, as_of):
    """R-6 per person over a roster equals the window of ``assess`` on that person's profile."""
    people = data.draw(st.lists(st.lists(row(as_of), min_size=1, max_size=3), min_size=1,
                                max_size=6))
    rows, profiles = [], {}
    for i, specs in enumerate(people):
        number = f"京11120062008{i:05d}"
        person = {k: specs[0][k] for k in ("name", "gender", "birth_date", "employer",
                                           "employer_province", "continuing_education_done",
                                           "certificate_downloaded_on")}
        seen = set()
        for s in specs:
            if s["specialty"] in seen:
                continue
            seen.add(s["specialty"])
            rows.append({**s, **person, "registration_number": number})
        profiles[number] = _profile({**person, **rows[-1], "registration_number": number})
        profiles[number]["specialties"] = [_profile(r)["specialties"][0] for r in rows
                                           if r["registration_number"] == number]
    windows = usage_windows(prepare_roster(_frame(rows)), as_of).set_index("registration_number")
    for number, p in profiles.items():
        try:
            a = assess(p, as_of)
        except InvalidInput:
            continue  # the profile refuses a person with any bad row; compare clean people
        w = a["usage_window"]
        if w is None or w["hypothetical"]:
            assert number not in windows.index
            continue
        got = windows.loc[number]
        assert str(got["status"]) == w["status"], (p, as_of)
        assert _bulk_value(got["usage_until"]) == w["until"]
        assert (None if pd.isna(got["capped_by"]) else str(got["capped_by"])) == w["capped_by"]
        assert bool(got["outdated"]) == w["outdated"]
        if w["status"] == "unavailable":
            assert got["reason"] == w["reason"]["code"]
        assert set(filter(None, got["specialties"].split("、"))) == set(w["specialties"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_of=near)
def test_seen_at_equals_preparing_the_roster_as_it_stood(data, as_of):
    """Looking back: the prepared roster seen at T equals preparing it with later downloads
    blanked (POLICY.md, Definitions)."""
    from core.rules.roster import assess_prepared, roster_at, seen_at

    rows = data.draw(st.lists(row(as_of + timedelta(days=400)), min_size=1, max_size=20))
    frame = _frame(rows)
    a = assess_prepared(seen_at(prepare_roster(frame), as_of), as_of)
    b = assess_roster(roster_at(frame, as_of), as_of)
    pd.testing.assert_frame_equal(a.drop(columns=["certificate_downloaded_on"]),
                                  b.drop(columns=["certificate_downloaded_on"]))
    wa = usage_windows(seen_at(prepare_roster(frame), as_of), as_of)
    wb = usage_windows(prepare_roster(roster_at(frame, as_of)), as_of)
    pd.testing.assert_frame_equal(wa.reset_index(drop=True), wb.reset_index(drop=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_of=near)
def test_checking_the_columns_in_threads_changes_nothing(data, as_of):
    """A long roster has its columns checked by two threads; the answer, error texts and their
    order included, is the one of checking them one after the other."""
    import pytest

    import core.rules.roster as bulk

    frame = _frame(data.draw(st.lists(row(as_of), min_size=1, max_size=25)))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bulk, "THREADED_ROWS", 10**9)
        alone = bulk.assess_roster(frame, as_of)
        mp.setattr(bulk, "THREADED_ROWS", 1)
        pd.testing.assert_frame_equal(bulk.assess_roster(frame, as_of), alone)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_of=near, within=st.sampled_from([0, 1, 30, 400]))
def test_windows_of_the_chosen_people_are_their_rows_of_all_windows(data, as_of, within):
    """``usage_windows(..., only=)`` (the due list's people) gives those people's rows of the
    frame of everyone, unchanged."""
    from core.admin.due import window_candidates
    from core.rules.roster_windows import person_windows

    rows = []
    for i, specs in enumerate(data.draw(st.lists(st.lists(row(as_of), min_size=1, max_size=3),
                                                 min_size=1, max_size=6))):
        rows += [{**s, "registration_number": f"京11120062008{i:05d}",
                  "certificate_downloaded_on": specs[0]["certificate_downloaded_on"]}
                 for s in specs]
    prepared = prepare_roster(_frame(rows))
    windows = person_windows(prepared, as_of)
    chosen = window_candidates(windows, within)
    every = usage_windows(prepared, as_of)
    some = usage_windows(prepared, as_of, windows, only=chosen)
    if chosen.any():
        pd.testing.assert_frame_equal(some, every[chosen].reset_index(drop=True))
    else:  # no one: an empty frame with the same columns (pandas types empty columns object)
        assert len(some) == 0 and list(some.columns) == list(every.columns)
    event(f"chosen={int(chosen.sum())} of {len(every)}")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), as_of=near)
def test_text_columns_in_chunks_give_the_same_answer(data, as_of):
    """A file's reader hands over text columns in chunks (one per block); the checks read them
    as they are, and the answer is the one of whole columns."""
    import pyarrow as pa

    frame = _frame(data.draw(st.lists(row(as_of), min_size=2, max_size=25)))
    chunked = frame.copy()
    for c in ("name", "gender", "registration_number", "employer", "employer_province",
              "specialty"):
        whole = frame[c].array._pa_array.combine_chunks()
        cuts = sorted(data.draw(st.lists(st.integers(0, len(frame)), max_size=3)))
        pieces = [whole.slice(a, b - a)
                  for a, b in zip([0, *cuts], [*cuts, len(frame)], strict=True)]
        chunked[c] = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(pieces)),
                               index=frame.index)
    pd.testing.assert_frame_equal(
        assess_roster(chunked, as_of).drop(columns=["name", "gender", "registration_number",
                                                    "employer", "employer_province",
                                                    "specialty"]),
        assess_roster(frame, as_of).drop(columns=["name", "gender", "registration_number",
                                                  "employer", "employer_province",
                                                  "specialty"]))
    windows = usage_windows(prepare_roster(chunked), as_of)
    pd.testing.assert_frame_equal(windows, usage_windows(prepare_roster(frame), as_of))


@pytest.mark.parametrize("as_of", [date(2021, 6, 1), date(2023, 3, 1), date(2026, 11, 27),
                                   date(2029, 1, 1)])
def test_the_roster_s_once_worked_out_given_cycle_changes_no_cycle(as_of):
    """``PreparedRoster.given`` (R-1, R-3, R-2 without T, worked out once per roster) gives the
    same cycle at every as-of date as working everything out at T."""
    from core.demo.roster import demo_roster
    from core.policy.dates import day_number
    from core.rules import specialty as rule

    prep = prepare_roster(demo_roster(3000, seed=7, as_of=date(2026, 11, 27)))
    args = (prep.record, prep.holder, day_number(as_of), prep.policy)
    once = rule.current_cycle(*args, given=prep.given)
    fresh = rule.current_cycle(*args)
    for name, a, b in zip(rule.Cycle._fields, once, fresh, strict=True):
        assert np.array_equal(a, b), name


def test_fold_provinces_folds_each_distinct_cell_to_its_short_name():
    import pandas as pd

    from core.rules.roster import fold_provinces

    cells = pd.Series(["广东省", " 广东", None, "火星", "广东", "北京市 "])
    codes, names = fold_provinces(cells)
    folded = [names[c] if c >= 0 else None for c in codes]
    assert folded == ["广东", "广东", None, "火星", "广东", "北京"]
    assert len(names) == 5  # once per distinct cell, not per row
