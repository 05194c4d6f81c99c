"""core/admin/monitor.py: sorting usage windows into what must be done, and counting them.

The windows are written out here in ``usage_windows``'s columns (the engine's own windows are
exercised by tests/pages/test_admin_monitor.py and tests/test_admin_due.py); this file checks the
counting: boundaries of "ends within N days", filters, groups, order.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core.admin import monitor


def windows(rows: list[tuple]) -> pd.DataFrame:
    """rows: (number, employer, province, status, days_left, outdated, specialties)."""
    t = pd.Timestamp("2024-06-15")
    out = pd.DataFrame(rows, columns=["registration_number", "employer", "employer_province",
                                      "status", "days_left", "outdated", "specialties"])
    out["name"] = "姓名" + out["registration_number"].str[-2:]
    out["days_left"] = out["days_left"].astype("Int64")
    out["usage_until"] = (t + pd.to_timedelta(out["days_left"].astype("float"), "D")).astype(
        "datetime64[s]")
    out["downloaded_on"] = (out["usage_until"] - pd.Timedelta(days=180)).astype("datetime64[s]")
    out["status"] = pd.Categorical(out["status"], categories=["in_use", "expired",
                                                             "unavailable"])
    out["capped_by"] = pd.Categorical(["180_days"] * len(out))
    out["outdated_by"] = pd.NaT
    out["reason"] = [None if s != "unavailable" else "no_valid_specialty" for s in out["status"]]
    return out


ROWS = [
    ("京01", "甲公司", "北京", "in_use", 0, False, "建筑工程"),
    ("京02", "甲公司", "北京", "in_use", 30, False, "建筑工程、机电工程"),
    ("京03", "甲公司", "北京市", "in_use", 31, False, "机电工程"),
    ("粤04", "乙公司", "广东", "expired", -5, False, "市政公用工程"),
    ("粤05", "乙公司", "广东", "expired", -50, True, "市政公用工程"),
    ("粤06", "乙公司", "广东", "in_use", 100, True, "民航机场工程"),
    ("沪07", "丙公司", "上海", "unavailable", None, False, ""),
    ("沪08", "丙公司", "上海", "in_use", 200, False, "公路工程"),
]


def test_flags_at_the_boundaries_of_n():
    f = monitor.flags(monitor.index(windows(ROWS)), 30)
    assert f["ending"].tolist() == [True, True, False, False, False, False, False, False]
    assert f["ended"].tolist() == [False, False, False, True, True, False, False, False]
    assert f["outdated"].tolist() == [False] * 4 + [True, True, False, False]
    assert f["unavailable"].tolist() == [False] * 6 + [True, False]
    assert f["any"].tolist() == [True, True, False, True, True, True, False, False]
    assert f["listed"].tolist() == [True, True, False, True, True, True, True, False]
    w = monitor.index(windows(ROWS))
    assert monitor.flags(w, 31)["ending"].sum() == 3
    assert monitor.flags(w, 0)["ending"].sum() == 1
    only_beijing = monitor.flags(w, 30, monitor.window_mask(w, provinces=["北京"]))
    assert only_beijing["listed"].tolist() == [True, True] + [False] * 6


def test_counts_by_province_and_employer():
    w = monitor.index(windows(ROWS))
    f = monitor.flags(w, 30)
    by_p = monitor.counts(w, f, "province")
    assert by_p.to_dict("list") == {
        "province": ["广东", "北京", "上海"], "ended": [2, 0, 0], "ending": [0, 2, 0],
        "outdated": [2, 0, 0], "unavailable": [0, 0, 1], "persons": [3, 2, 0]}
    by_e = monitor.counts(w, f, "employer")
    assert by_e["employer"].tolist() == ["乙公司", "甲公司", "丙公司"]
    assert by_e["persons"].sum() == f["any"].sum()
    with pytest.raises(ValueError):
        monitor.counts(w, f, "specialty")


def test_filters_follow_the_dashboard():
    w = monitor.index(windows(ROWS))
    assert monitor.window_mask(w) is None
    assert monitor.window_mask(w, provinces=["北京"]).tolist() == [True] * 3 + [False] * 5
    # regime from the employer's province: 北京 and 上海 are pilots, 广东 the 2021 batch
    assert monitor.window_mask(w, regimes=["batch2021"]).tolist() == [False] * 3 + [True] * 3 \
        + [False] * 2
    # a printed specialty, by its whole name
    hit = monitor.window_mask(w, specialties=["机电工程"]).tolist()
    assert hit == [False, True, True, False, False, False, False, False]
    assert monitor.window_mask(w, specialties=["工程"]).sum() == 0
    assert monitor.window_mask(w, employer_query="乙").sum() == 3
    assert monitor.window_mask(w, employer_query=".*").sum() == 0  # text, not a pattern


def test_people_soonest_window_first_unavailable_last():
    w = monitor.index(windows(ROWS))
    order = monitor.people_order(w, monitor.flags(w, 30))
    people = monitor.people(w, order)
    assert people["registration_number"].tolist() == ["粤05", "粤04", "京01", "京02", "粤06",
                                                      "沪07"]
    assert list(people.columns) == list(monitor.PEOPLE_COLUMNS)
    assert monitor.people(w, order, limit=2)["registration_number"].tolist() == ["粤05", "粤04"]


def test_rows_without_an_employer_come_last_in_the_counts():
    rows = [*ROWS, ("京09", None, "北京", "expired", -1, False, "建筑工程")]
    w = monitor.index(windows(rows))
    by_e = monitor.counts(w, monitor.flags(w, 30), "employer")
    assert pd.isna(by_e["employer"].iloc[-1]) and by_e["persons"].tolist()[-1] == 1
