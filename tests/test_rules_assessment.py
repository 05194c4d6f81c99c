"""``assess`` (core/rules/assessment.py): the worked examples of POLICY.md and the rules of a
specialty's cycle, R-1 to R-5, R-8 and the readings, at their boundaries (day before, on, after).

R-6 and R-7 (core/rules/certificate.py) are in tests/test_rules_certificate.py, the trace in
tests/test_rules_trace.py. Test names carry the rule id (R-…) or reading id (I-…) they prove;
grep an id to find its tests.
"""

from __future__ import annotations

import pytest

from core import assess
from tests.engine_helpers import d, full, one, profile

# ------------------------------------------------------------------------ worked examples


def test_example_1_pilot_expired_before_deadline():
    s = one("2021-07-15", province="北京", valid_until="2021-05-31")
    assert (s["apply_by"], s["lapses_on"], s["status"]) == ("2021-07-31", "2021-08-01",
                                                            "expired_not_lapsed")
    assert full("2021-07-15", province="北京", valid_until="2021-05-31")["regime"] == "pilot"
    assert one("2021-08-01", province="北京", valid_until="2021-05-31")["status"] == "lapsed"


def test_example_2_batch_transition():
    kw = dict(province="广东", specialty="市政公用工程", valid_until="2021-10-15")
    s = one("2021-09-01", **kw)
    assert (s["apply_by"], s["lapses_on"], s["status"]) == ("2021-09-15", "2022-01-01", "valid")
    assert one("2021-09-20", **kw)["status"] == "apply_now"
    assert one("2021-11-01", **kw)["status"] == "expired_not_lapsed"


def test_example_3_batch_expired_application_in_time():
    s = one("2021-12-15", province="江苏", valid_until="2021-03-01", applied="2021-11-30")
    assert s["status"] == "renewal_pending" and s["late_application"] is False


def test_example_4_late_application():
    s = one("2023-06-20", province="四川", valid_until="2023-06-30", applied="2023-06-10")
    assert s["status"] == "renewal_pending" and s["late_application"] is True
    assert s["apply_by"] == "2023-05-31"


def test_example_5_not_covered():
    a = full("2021-09-01", province="湖北", valid_until="2021-05-31", downloaded="2021-08-20")
    s = a["specialties"][0]
    assert a["regime"] == "not_covered" and s["status"] == "not_covered"
    assert s["apply_by"] is None and s["lapses_on"] is None
    assert a["usage_window"] is None
    assert a["paper_certificate"]["status"] == "not_covered"


def test_example_6_renewal_capped_at_65():
    kw = dict(province="浙江", birth="1958-09-10", valid_until="2021-05-31",
              applied="2021-07-01", approved="2021-09-01")
    s = one("2022-01-01", **kw)
    assert s["renewed"] and s["capped_at_65"]
    assert (s["current_valid_from"], s["current_valid_until"]) == ("2021-09-01", "2023-09-10")
    assert s["apply_by"] is None
    assert one("2023-09-11", **kw)["status"] == "age_limit"


def test_example_7_leap_day_birth_age65():
    assert full("2030-01-01", province="山东", birth="1980-02-29")["age65"] == "2045-02-28"


def test_example_8_usage_window_capped_by_validity():
    w = full("2024-10-01", province="河南", valid_until="2024-12-31",
             downloaded="2024-09-01")["usage_window"]
    assert (w["from"], w["until"], w["capped_by"], w["status"]) == (
        "2024-09-01", "2024-12-31", "specialty_validity", "in_use")


def test_example_9_usage_window_180_days():
    w = full("2021-09-01", province="福建", valid_from="2021-05-14", valid_until="2024-05-13",
             downloaded="2021-08-12")["usage_window"]
    assert (w["from"], w["until"], w["capped_by"]) == ("2021-08-12", "2022-02-08", "180_days")


# ------------------------------------------------------------------------ R-1 boundaries

@pytest.mark.parametrize("valid_until, apply_by, lapses_on, rule_clause", [
    ("2021-07-31", "2021-07-31", "2021-08-01", "C-2.2.2"),  # day before the cut-off
    ("2021-08-01", "2021-07-31", "2021-08-02", "C-2.2.2"),  # on it: never before 07-31 (I-3)
    ("2021-08-02", "2021-07-31", "2021-08-03", "C-2.2.2"),  # after
    ("2021-08-29", "2021-07-31", "2021-08-30", "C-2.2.2"),  # E − 30 = 07-30: the floor (I-3)
    ("2021-08-30", "2021-07-31", "2021-08-31", "C-2.2.2"),  # E − 30 = 07-31: both agree
    ("2021-08-31", "2021-08-01", "2021-09-01", "C-2.2.2"),  # E − 30 = 08-01: the 30-day rule
    # a pilot's deadlines cite C-2.2.2, the 30-day rule by analogy being I-3 (issue 23)
])
def test_r1_pilot_cutoff(valid_until, apply_by, lapses_on, rule_clause):
    s = one("2021-06-01", province="上海", valid_until=valid_until)
    assert (s["apply_by"], s["lapses_on"]) == (apply_by, lapses_on)
    assert s["trace"][0]["rule"] == "R-1" and s["trace"][0]["clause"] == rule_clause


@pytest.mark.parametrize("valid_until, apply_by, lapses_on", [
    ("2021-07-31", "2021-12-31", "2022-01-01"),  # already expired (I-2)
    ("2021-08-01", "2021-07-02", "2022-01-01"),  # transition
    ("2021-12-30", "2021-11-30", "2022-01-01"),
    ("2021-12-31", "2021-12-01", "2022-01-01"),  # last transitional day
    ("2022-01-01", "2021-12-02", "2022-01-02"),  # general rule (I-6)
    ("2022-01-02", "2021-12-03", "2022-01-03"),
])
def test_r1_batch_rows(valid_until, apply_by, lapses_on):
    s = one("2021-06-01", province="广东", valid_until=valid_until)
    assert (s["apply_by"], s["lapses_on"]) == (apply_by, lapses_on)


@pytest.mark.parametrize("valid_until, warned", [
    ("2021-08-30", True), ("2021-08-31", False), ("2021-09-01", False), ("2021-07-31", False)])
def test_r1_deadline_before_effective_warning(valid_until, warned):
    a = full("2021-08-15", province="河北", valid_until=valid_until)
    codes = [w["code"] for w in a["warnings"]]
    assert ("deadline_before_effective" in codes) is warned


def test_r1_pilot_has_no_deadline_before_effective_warning():
    a = full("2021-08-15", province="北京", valid_until="2021-08-10")
    assert "deadline_before_effective" not in [w["code"] for w in a["warnings"]]


# ------------------------------------------------------------------------

@pytest.mark.parametrize("approved, until, capped", [
    ("2020-09-09", "2023-09-08", False),  # the third anniversary is after the 65th birthday
    ("2020-09-10", "2023-09-09", False),  # anniversary on the 65th birthday: 3 full years left
    ("2020-09-11", "2023-09-10", True),   # ends on the 65th birthday either way, yet less than
                                          # three full years were left: capped
    ("2020-09-12", "2023-09-10", True),   # the 65th birthday is earlier
])
def test_r2_cap_boundary(approved, until, capped):
    s = one("2022-01-01", province="浙江", birth="1958-09-10", valid_from="2017-09-01",
            valid_until="2020-09-30", applied="2020-08-01", approved=approved)
    assert (s["current_valid_until"], s["capped_at_65"]) == (until, capped)


def test_r2_renewed_follows_general_rule():
    s = one("2024-01-01", province="广东", valid_until="2021-12-31", applied="2021-11-01",
            approved="2021-12-10")
    assert s["renewed"] and s["current_valid_from"] == "2021-12-10"
    assert (s["current_valid_until"], s["apply_by"], s["lapses_on"]) == (
        "2024-12-09", "2024-11-09", "2024-12-10")


def test_r2_approval_after_as_of_is_ignored():
    kw = dict(province="广东", valid_until="2021-12-31", applied="2021-11-01",
              approved="2021-12-10")
    assert one("2021-12-09", **kw)["renewed"] is False
    assert one("2021-12-09", **kw)["status"] == "renewal_pending"
    assert one("2021-12-10", **kw)["renewed"] is True


def test_r2_approval_on_65th_birthday_is_invalid():
    with pytest.raises(Exception) as e:
        assess(profile(province="浙江", birth="1958-09-10", valid_until="2023-08-01",
                       applied="2023-07-01", approved="2023-09-10"), d("2023-09-20"))
    assert e.value.errors[0]["code"] == "approval_after_age_65"
    ok = one("2023-09-20", province="浙江", birth="1958-09-10", valid_until="2023-08-01",
             applied="2023-07-01", approved="2023-09-09")
    assert ok["current_valid_until"] == "2023-09-10"


# ------------------------------------------------------------------------

@pytest.mark.parametrize("valid_until, renewable", [
    ("2035-03-14", True), ("2035-03-15", False), ("2035-03-16", False)])
def test_r3_renewable_boundary(valid_until, renewable):
    s = one("2034-01-01", province="广东", birth="1970-03-15", valid_until=valid_until)
    assert (s["apply_by"] is not None) is renewable
    if not renewable:
        assert s["lapses_on"] == (d(valid_until).toordinal() + 1 and
                                  d(valid_until).fromordinal(d(valid_until).toordinal() + 1)
                                  ).isoformat()


def test_r3_not_renewable_overrides_transitional_lapse_date():
    # batch2021, 65th birthday before the validity end: no deadline, lapses the day after E
    s = one("2021-09-01", province="广东", birth="1956-09-01", valid_until="2021-10-01")
    assert s["apply_by"] is None and s["lapses_on"] == "2021-10-02"


# ------------------------------------------------------------------------

@pytest.mark.parametrize("as_of, status", [
    ("2024-01-31", "not_yet_valid"), ("2024-02-01", "valid")])
def test_r4_not_yet_valid_boundary(as_of, status):
    assert one(as_of, province="广东", valid_from="2024-02-01",
               valid_until="2027-01-31")["status"] == status


@pytest.mark.parametrize("as_of, status", [
    ("2024-05-01", "valid"),      # on apply_by
    ("2024-05-02", "apply_now"),  # day after apply_by
    ("2024-05-31", "apply_now"),  # last valid day
    ("2024-06-01", "lapsed"),     # lapses_on
])
def test_r4_general_sequence(as_of, status):
    assert one(as_of, province="广东", valid_until="2024-05-31")["status"] == status


@pytest.mark.parametrize("as_of, status", [
    ("2021-12-31", "expired_not_lapsed"), ("2022-01-01", "lapsed")])
def test_r4_expired_not_lapsed_until_batch_lapse(as_of, status):
    assert one(as_of, province="江苏", valid_until="2021-03-01")["status"] == status


@pytest.mark.parametrize("applied, status, late", [
    ("2024-05-01", "renewal_pending", False),  # on apply_by
    ("2024-05-02", "renewal_pending", True),   # day after: late
    ("2024-05-31", "renewal_pending", True),   # last day before lapse
    ("2024-06-01", "lapsed", False),           # on lapses_on: does not count
])
def test_r4_application_boundaries(applied, status, late):
    a = full("2024-06-15", province="广东", valid_until="2024-05-31", applied=applied)
    s = a["specialties"][0]
    assert (s["status"], s["late_application"]) == (status, late)
    if status == "lapsed":
        assert "application_after_lapse" in [w["code"] for w in a["warnings"]]
        assert "re_register" in [x["code"] for x in a["actions"]]


def test_r4_application_after_as_of_does_not_count():
    s = one("2024-05-20", province="广东", valid_until="2024-05-31", applied="2024-05-21")
    assert s["status"] == "apply_now"


@pytest.mark.parametrize("as_of, status", [
    ("2035-03-15", "valid"), ("2035-03-16", "age_limit")])
def test_r4_age_limit_boundary(as_of, status):
    assert one(as_of, province="广东", birth="1970-03-15", valid_from="2033-03-20",
               valid_until="2036-03-19")["status"] == status


def test_r4_lapsed_before_65_stays_lapsed():
    s = one("2036-01-01", province="广东", birth="1970-03-15", valid_until="2030-03-14")
    assert s["status"] == "lapsed"  # lapses_on 2030-03-15 <= age65


def test_r4_lapsed_on_65th_birthday_stays_lapsed_after():
    # not renewable (E == age65 - 1 is renewable; E == age65 - 0 is not): lapses_on age65 + 1
    s = one("2035-03-20", province="广东", birth="1970-03-15", valid_until="2035-03-14")
    assert s["lapses_on"] == "2035-03-15" and s["status"] == "lapsed"
    s = one("2035-03-20", province="广东", birth="1970-03-15", valid_until="2035-03-15")
    assert s["lapses_on"] == "2035-03-16" and s["status"] == "age_limit"


# ------------------------------------------------------------------------

@pytest.mark.parametrize("as_of, reminded", [
    ("2024-01-31", False), ("2024-02-01", True), ("2024-02-02", True)])
def test_r5_continuing_education_window(as_of, reminded):
    # apply_by 2024-05-01; 90 days before is 2024-02-01
    a = full(as_of, province="广东", valid_until="2024-05-31", ce=False)
    assert ("complete_continuing_education" in [x["code"] for x in a["actions"]]) is reminded


def test_r5_not_when_done_and_not_when_lapsed():
    assert not full("2024-05-10", province="广东", valid_until="2024-05-31", ce=True)["actions"][:0]
    codes = [x["code"] for x in full("2024-05-10", province="广东", valid_until="2024-05-31",
                                     ce=True)["actions"]]
    assert "complete_continuing_education" not in codes
    codes = [x["code"] for x in full("2024-07-10", province="广东", valid_until="2024-05-31",
                                     ce=False)["actions"]]
    assert "complete_continuing_education" not in codes


# ------------------------------------------------------------------------

@pytest.mark.parametrize("number, number_warnings", [
    ("京1112006200807445", []),
    ("军1992006200807445", []),  # the military character belongs to no province
    ("黔1522006200807445", ["number_province_mismatch"]),  # 贵州's number, a 北京 employer
    ("蜀1512006200807445", ["number_province_mismatch"]),  # 四川's second character
])
def test_r8_accepts(number, number_warnings):
    a = assess(profile(registration_number=number), d("2024-01-01"))  # no InvalidInput
    assert a["regime"] == "pilot" and a["specialties"][0]["status"] == "valid"
    assert [w["code"] for w in a["warnings"] if w["code"].startswith("number_")] == \
        number_warnings


@pytest.mark.parametrize("number", [
    "A1112006200807445", "京111200620080744", "京11120062008074455", "京111200620080744X",
    "港1112006200807445", "京 1112006200807445"])
def test_r8_rejects(number):
    with pytest.raises(Exception) as e:
        assess(profile(registration_number=number), d("2024-01-01"))
    assert [x["code"] for x in e.value.errors] == ["invalid_number"]


def test_r8_warnings():
    codes = lambda n, p="北京": [w["code"] for w in full("2021-12-01", province=p,  # noqa: E731
                                 registration_number=n)["warnings"]]
    assert codes("京1112006200807445") == []
    assert codes("京2112006200807445") == ["number_level"]
    assert codes("京1772006200807445") == ["number_code_unknown"]
    assert codes("京1442006200807445") == ["number_code_char_mismatch"]
    assert codes("京1112009200807445") == ["number_years"]
    assert codes("京1112006202207445") == ["number_years"]  # registered after the as-of year
    assert codes("粤1442006200807445") == ["number_province_mismatch"]
    assert codes("军1992006200807445") == []


# ------------------------------------------------------------------------ readings

def test_i1_regime_follows_employer_province_not_number():
    a = full("2021-09-01", province="湖北", registration_number="京1112006200807445")
    assert a["regime"] == "not_covered"
    assert "number_province_mismatch" in [w["code"] for w in a["warnings"]]
    assert full("2021-09-01", province="北京市")["regime"] == "pilot"  # full-name alias


def test_i2_already_expired_means_before_2021_08_01():
    assert one("2021-06-01", province="广东", valid_until="2021-07-31")["apply_by"] == "2021-12-31"
    assert one("2021-06-01", province="广东", valid_until="2021-08-01")["apply_by"] == "2021-07-02"


def test_i3_pilot_30_day_rule_from_2021_08_01():
    s = one("2021-06-01", province="海南", valid_until="2021-09-30")
    assert s["apply_by"] == "2021-08-31" and "I-3" in s["trace"][0]["readings"]


def test_i4_usage_window_is_d_plus_180():
    w = full("2024-01-01", province="广东", valid_until="2027-01-01",
             downloaded="2024-01-01")["usage_window"]
    assert w["until"] == "2024-06-29" and "I-4" in w["readings"]


def test_i5_earliest_validity_caps_window():
    a = full("2024-01-05", province="广东", valid_until="2027-01-01", downloaded="2024-01-01",
             extra_specialties=[{"specialty": "公路工程", "valid_from": "2021-03-01",
                                 "valid_until": "2024-03-01"}])
    w = a["usage_window"]
    assert w["until"] == "2024-03-01" and w["capped_by"] == "specialty_validity"
    assert "I-5" in w["readings"] and w["specialties"] == ["建筑工程", "公路工程"]


def test_i6_lapse_day_after_validity():
    s = one("2030-01-01", province="广东", valid_until="2029-06-30")
    assert s["lapses_on"] == "2029-07-01" and "I-6" in s["trace"][0]["readings"]


def test_i7_leap_day_plus_years():
    s = one("2025-01-01", province="广东", valid_until="2024-03-31", applied="2024-02-01",
            approved="2024-02-29")
    assert s["current_valid_until"] == "2027-02-28"  # add_years(2024-02-29 − 1 day, 3) (I-8)
    assert "I-7" in s["trace"][0]["readings"]


def test_i8_three_years_end_day_before_anniversary():
    s = one("2022-01-01", province="广东", valid_until="2021-06-30", applied="2021-05-01",
            approved="2021-05-14")
    assert (s["current_valid_from"], s["current_valid_until"]) == ("2021-05-14", "2024-05-13")
