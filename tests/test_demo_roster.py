"""core.demo.roster: the fictional roster is deterministic, covers the country, is valid input."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd
import pytest

from core import assess, assess_roster
from core.demo.roster import PROVINCE_WEIGHTS, demo_profile, demo_roster
from core.policy.data import POLICY
from core.policy.dates import add_years
from core.schema.roster import ROSTER_COLUMNS as COLUMNS

AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def roster() -> pd.DataFrame:
    return demo_roster(30_000, seed=2021, as_of=AS_OF)


def ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def test_deterministic_and_seed_sensitive(roster):
    again = demo_roster(30_000, seed=2021, as_of=AS_OF)
    pd.testing.assert_frame_equal(roster, again)
    other = demo_roster(30_000, seed=7, as_of=AS_OF)
    assert not roster["name"].equals(other["name"])


def test_shape_columns_and_dtypes(roster):
    assert len(roster) == 30_000
    assert tuple(roster.columns) == COLUMNS
    for col in ("name", "gender", "registration_number", "employer", "employer_province",
                "specialty"):
        assert isinstance(roster[col].dtype, pd.StringDtype), col
        assert roster[col].notna().all(), col
    for col in ("birth_date", "valid_from", "valid_until", "renewal_applied_on",
                "renewal_approved_on", "certificate_downloaded_on"):
        assert roster[col].dtype.kind == "M", col
    assert roster["continuing_education_done"].dtype == "boolean"
    assert roster["continuing_education_done"].notna().all()
    assert 0.75 < roster["continuing_education_done"].mean() < 0.97  # mostly true
    assert set(roster["gender"]) == {"男", "女"}


def test_all_31_provinces_weighted(roster):
    counts = roster["employer_province"].value_counts()
    assert set(counts.index) == {p.short for p in POLICY.provinces}
    assert set(PROVINCE_WEIGHTS) == {p.short for p in POLICY.provinces}
    for big in ("江苏", "浙江", "广东"):
        for small in ("西藏", "青海", "宁夏"):
            assert counts[big] > 10 * counts[small]


def test_all_31_provinces_even_in_a_small_roster():
    small = demo_roster(200, seed=1, as_of=AS_OF)
    assert small["employer_province"].nunique() == 31


def test_names_fictional_chinese_with_rare_characters(roster):
    assert roster["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,4}").all()
    assert roster["name"].str.contains("[堃喆]").any()
    assert roster["employer"].str.endswith("公司").all()


def test_registration_numbers_follow_r8(roster):
    chars = "".join(sorted(POLICY.number_chars))
    pattern = re.compile(rf"^[{chars}]1(\d\d)(\d{{4}})(\d{{4}})(\d{{5}})$")
    parts = roster["registration_number"].str.extract(pattern.pattern)
    assert parts.notna().all().all(), roster["registration_number"][parts[0].isna()].head()
    code, qual, init = parts[0], parts[1].astype(int), parts[2].astype(int)
    assert code.isin(set(POLICY.number_codes)).all()
    assert (qual >= 2004).all() and (init >= qual).all() and (init <= AS_OF.year).all()
    char = roster["registration_number"].str.slice(0, 1)
    # code and character name the same province (or 军 / 99)
    assert (code.map(POLICY.number_codes).fillna("军")
            == char.map(POLICY.number_chars).fillna("军")).all()
    same = char.map(POLICY.number_chars) == roster["employer_province"]
    assert 0.85 < same.mean() < 0.995  # mostly local, some moved
    assert (char == "军").any() and (code[char == "军"] == "99").all()
    assert char.isin(["蜀", "黔", "滇", "陇"]).any()
    # one number, one person
    per_number = roster.groupby("registration_number")[["name", "birth_date"]].nunique()
    assert (per_number == 1).all().all()


def test_one_to_three_specialties_never_twice(roster):
    assert roster["specialty"].isin(POLICY.specialties).all()
    per_person = roster.groupby("registration_number")["specialty"]
    assert not roster.duplicated(["registration_number", "specialty"]).any()
    sizes = per_person.size()
    assert sizes.max() == 3 and sizes.min() == 1 and (sizes == 2).any()
    personal = ["name", "gender", "birth_date", "employer", "employer_province",
                "continuing_education_done", "certificate_downloaded_on"]
    assert (roster.groupby("registration_number")[personal].nunique(dropna=False) <= 1).all().all()


def test_every_row_is_valid_input(roster):
    r = roster
    birth = r["birth_date"]
    assert (birth >= ts(date(1956, 1, 1))).all() and (birth <= ts(date(1995, 12, 31))).all()
    assert (birth >= ts(POLICY.validation["earliest_birth_date"])).all()
    adult = pd.to_datetime([add_years(d, 18) for d in birth.dt.date])
    assert (r["valid_from"].to_numpy() >= adult.to_numpy()).all()
    assert r[["birth_date", "valid_from", "valid_until"]].notna().all().all()
    assert (r["valid_from"] <= r["valid_until"]).all()
    applied, approved = r["renewal_applied_on"], r["renewal_approved_on"]
    assert (applied.isna() | (applied >= r["valid_from"])).all()
    assert approved[applied.isna()].isna().all()
    gap = (approved - applied).dt.days
    assert gap[approved.notna()].between(5, 60).all()
    age65 = pd.to_datetime([add_years(d, 65) for d in birth.dt.date])
    assert (approved.isna().to_numpy() | (approved.to_numpy() < age65.to_numpy())).all()
    for col in ("renewal_applied_on", "renewal_approved_on", "certificate_downloaded_on"):
        assert (r[col].dropna() <= ts(AS_OF)).all(), col
    dl = r["certificate_downloaded_on"].dropna()
    assert (dl >= ts(POLICY.date("electronic_start"))).all()
    regime = r["employer_province"].map(POLICY.regime_of)
    assert r.loc[regime == "not_covered", "certificate_downloaded_on"].isna().all()


def test_validity_is_three_years(roster):
    r = roster
    expected = pd.to_datetime([add_years(d, -3) + timedelta(days=1)
                               for d in r["valid_until"].dt.date])
    assert (r["valid_from"].to_numpy() == expected.to_numpy()).all()
    assert r["valid_until"].min() >= ts(date(2019, 1, 1))
    assert r["valid_until"].max() <= ts(date(2029, 12, 31))
    assert r["valid_until"].dt.year.nunique() == 11  # spread over 2019–2029


def test_people_near_65_and_leap_day_births(roster):
    birth = roster["birth_date"]
    assert ((birth.dt.year <= 1961).mean()) > 0.08
    assert ((birth.dt.month == 2) & (birth.dt.day == 29)).any()
    # a few validities end on the 65th birthday (capped)
    age65 = pd.to_datetime([add_years(d, 65) for d in birth.dt.date])
    assert (roster["valid_until"].to_numpy() == age65.to_numpy()).any()


def test_application_mix(roster):
    r = roster
    applied = r["renewal_applied_on"]
    due = r["valid_until"] - pd.Timedelta(days=30)
    share_applied = applied.notna().mean()
    assert 0.35 < share_applied < 0.9
    assert (applied < due).any()                                   # on time
    assert (applied.between(due, r["valid_until"] + pd.Timedelta(days=30))).any()  # late
    assert (applied > r["valid_until"] + pd.Timedelta(days=30)).any()  # after the cycle
    approved_share = r["renewal_approved_on"].notna().sum() / applied.notna().sum()
    assert 0.4 < approved_share < 0.9


def test_both_lapse_waves_present(roster):
    r = roster
    regime = r["employer_province"].map(POLICY.regime_of)
    expired_unapplied = (r["valid_until"] < ts(POLICY.date("electronic_start"))) \
        & r["renewal_applied_on"].isna()
    assert (expired_unapplied & (regime == "pilot")).sum() >= 100   # lapse on 2021-08-01
    assert (expired_unapplied & (regime == "batch2021")).sum() >= 300  # lapse on 2022-01-01
    # catch-up applications inside the batch2021 transitional window
    window = r["renewal_applied_on"].between(ts(POLICY.date("electronic_start")),
                                             ts(POLICY.date("batch_expired_apply_by")))
    assert (window & (regime == "batch2021")
            & (r["valid_until"] < ts(POLICY.date("electronic_start")))).sum() > 20


def test_as_of_bounds_every_event():
    early = date(2021, 9, 1)
    r = demo_roster(5_000, seed=3, as_of=early)
    for col in ("renewal_applied_on", "renewal_approved_on", "certificate_downloaded_on"):
        assert (r[col].dropna() <= ts(early)).all()
    nums = r["registration_number"].str.slice(8, 12).astype(int)
    assert (nums <= early.year).all()


def test_default_as_of_is_today_shanghai(monkeypatch):
    import core.demo.roster as demo

    monkeypatch.setattr(demo, "today_shanghai", lambda: date(2023, 1, 1))
    pd.testing.assert_frame_equal(demo.demo_roster(500), demo_roster(500, as_of=date(2023, 1, 1)))


@pytest.mark.slow
def test_a_million_rows():
    # how long it takes is measured by scripts/bench_store.py (make bench), not asserted here
    big = demo_roster(1_000_000, as_of=AS_OF)
    assert len(big) == 1_000_000
    assert big["registration_number"].nunique() > 500_000


def test_demo_profile_shape():
    p = demo_profile(AS_OF)
    assert set(p) == {"name", "gender", "birth_date", "registration_number", "employer",
                      "employer_province", "continuing_education_done",
                      "certificate_downloaded_on", "specialties"}
    assert POLICY.regime_of[p["employer_province"]] == "batch2021"
    assert len(p["specialties"]) == 2
    assert len({s["specialty"] for s in p["specialties"]}) == 2
    for s in p["specialties"]:
        f, e = date.fromisoformat(s["valid_from"]), date.fromisoformat(s["valid_until"])
        assert f <= e and e > AS_OF
        assert s["valid_from"] == (add_years(e, -3) + timedelta(days=1)).isoformat()
    s1, s2 = p["specialties"]
    # 建筑工程: 30-day deadline passed, no application -> apply_now
    assert date.fromisoformat(s1["valid_until"]) - timedelta(days=30) < AS_OF
    assert s1["renewal_applied_on"] is None
    # 市政公用工程: applied before the deadline -> renewal_pending, not late
    applied = date.fromisoformat(s2["renewal_applied_on"])
    assert applied <= AS_OF and applied <= date.fromisoformat(s2["valid_until"]) - timedelta(30)
    assert date.fromisoformat(p["certificate_downloaded_on"]) <= AS_OF
    assert p["registration_number"][0] in POLICY.number_chars
    assert "fictional" in demo_profile.__doc__


def test_demo_profile_before_electronic_start_has_no_download():
    assert demo_profile(date(2021, 7, 15))["certificate_downloaded_on"] is None


def test_demo_profile_with_the_engine():
    """The profile gives apply_now + renewal_pending, on any as-of date."""
    for as_of in (AS_OF, date(2030, 3, 1)):
        out = assess(demo_profile(as_of), as_of)
        assert [s["status"] for s in out["specialties"]] == ["apply_now", "renewal_pending"]
        assert [s["late_application"] for s in out["specialties"]] == [False, False]
        assert out["usage_window"]["status"] == "in_use"


def test_every_demo_row_passes_the_engine():
    roster = demo_roster(30_000, seed=2021, as_of=AS_OF)
    out = assess_roster(roster, AS_OF)
    assert out["error"].isna().all(), out.loc[out["error"].notna(), "error"].head()
    statuses = set(out["status"])
    assert {"valid", "apply_now", "renewal_pending", "lapsed", "age_limit",
            "not_covered"} <= statuses
    regime = roster["employer_province"].map(POLICY.regime_of)
    # the two lapse waves, seen by the engine
    pilot_wave = assess_roster(roster, POLICY.date("pilot_lapses_on"))
    before = assess_roster(roster, POLICY.date("pilot_lapses_on") - timedelta(days=1))
    assert ((pilot_wave["status"] == "lapsed") & (regime == "pilot")).sum() >= 100
    assert ((before["status"] == "lapsed") & (regime == "pilot")).sum() == 0
    batch_wave = assess_roster(roster, POLICY.date("batch_lapses_on"))
    assert ((batch_wave["status"] == "lapsed") & (regime == "batch2021")).sum() >= 300
