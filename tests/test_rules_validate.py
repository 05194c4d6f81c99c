"""Profile validation: every problem at once, with field, code and both languages."""

from __future__ import annotations

import pytest

from core import InvalidInput, assess
from core.rules.validate import validate
from tests.engine_helpers import d, profile


def errors(p, as_of="2024-01-01"):
    with pytest.raises(InvalidInput) as e:
        assess(p, d(as_of))
    return [(x["field"], x["code"]) for x in e.value.errors], e.value.errors


def test_all_problems_reported_at_once_with_both_languages():
    p = profile(name="", gender="x", birth_date="1800-01-01", registration_number="12345",
                employer_province="火星", continuing_education_done="maybe",
                certificate_downloaded_on="2030-01-01")
    p["specialties"] = [
        {"specialty": "建筑", "valid_from": "2021-01-01", "valid_until": "2020-01-01"},
        {"specialty": "公路工程", "valid_from": "2021/01/01", "valid_until": None,
         "renewal_approved_on": "2021-05-01"},
    ]
    got, raw = errors(p)
    assert set(got) == {
        ("name", "required"), ("gender", "invalid_gender"),
        ("registration_number", "invalid_number"), ("employer_province", "unknown_province"),
        ("continuing_education_done", "invalid_flag"), ("birth_date", "birth_implausible"),
        # a download after the as-of date is no error: ignored at T with a warning (issue 23)
        ("specialties[0].specialty", "unknown_specialty"),
        ("specialties[0].valid_until", "date_order"),
        ("specialties[1].valid_from", "invalid_date"), ("specialties[1].valid_until", "required"),
    }
    assert all(x["message_zh"] and x["message_en"] for x in raw)


@pytest.mark.parametrize("approved, bad", [
    ("2020-12-31", True),   # the day before the cycle began: contradicts the record
    ("2021-01-01", False),  # on it
    ("2021-01-02", False),  # after
])
def test_an_approval_with_no_application_cannot_predate_the_cycle(approved, bad):
    p = profile()
    p["specialties"] = [{"specialty": "建筑工程", "valid_from": "2021-01-01",
                         "valid_until": "2023-12-31", "renewal_approved_on": approved}]
    if bad:
        assert errors(p)[0] == [("specialties[0].renewal_approved_on", "date_order")]
    else:  # accepted: the approval starts the current cycle
        got = assess(p, d("2024-01-01"))["specialties"][0]
        assert got["renewed"] is True and got["current_valid_from"] == approved


def test_duplicate_and_too_many_specialties():
    s = {"specialty": "建筑工程", "valid_from": "2021-01-01", "valid_until": "2024-01-01"}
    p = profile()
    p["specialties"] = [s, dict(s)]
    assert ("specialties[1].specialty", "duplicate_specialty") in errors(p)[0]
    p["specialties"] = [dict(s) for _ in range(11)]
    assert ("specialties", "too_many_specialties") in errors(p)[0]
    p["specialties"] = [{"specialty": "x"}] * 100_000  # a hostile list is not read item by item
    got = errors(p)[0]
    assert got[0] == ("specialties", "too_many_specialties") and len(got) < 50
    p["specialties"] = []
    assert errors(p)[0] == [("specialties", "no_specialties")]


@pytest.mark.parametrize("field, value, code", [
    ("name", "a\x00b", "invalid_characters"),
    ("name", "x" * 65, "too_long"),
    ("employer", "y" * 201, "too_long"),
    ("name", 12, "invalid_type"),
    ("birth_date", "15/03/1970", "invalid_date"),
    ("birth_date", "2010-01-01", "birth_implausible"),
    ("employer_province", "Beijing", "unknown_province"),
])
def test_field_errors(field, value, code):
    assert (field, code) in errors(profile(**{field: value}))[0]


@pytest.mark.parametrize("full_name, short, regime", [
    ("新疆维吾尔自治区", "新疆", "batch2021"), ("内蒙古自治区", "内蒙古", "not_covered"),
    ("广西壮族自治区", "广西", "not_covered"), ("北京市", "北京", "pilot")])
def test_full_province_names_accepted(full_name, short, regime):
    a = assess(profile(employer_province=full_name), d("2024-01-01"))
    assert (a["province"], a["regime"]) == (short, regime)
    assert validate(profile(employer_province=full_name), d("2024-01-01")).employer_province \
        == short


@pytest.mark.parametrize("given, normal", [("female", "女"), ("F", "女"), ("male", "男"),
                                           ("女", "女"), (None, None)])
def test_gender_aliases_normalised(given, normal):
    assert validate(profile(gender=given), d("2024-01-01")).gender == normal
    assess(profile(gender=given), d("2024-01-01"))  # and the answer is given, not refused


def test_name_trimmed_and_optional_fields_absent():
    p = validate(profile(name="  张三  ", gender=None, employer=None), d("2024-01-01"))
    assert (p.name, p.gender, p.employer) == ("张三", None, None)


def test_date_order_of_application_and_approval():
    p = profile(valid_from="2021-01-01", valid_until="2024-01-01", applied="2020-12-31")
    assert ("specialties[0].renewal_applied_on", "date_order") in errors(p)[0]
    p = profile(valid_until="2024-01-01", applied="2023-12-01", approved="2023-11-30")
    assert ("specialties[0].renewal_approved_on", "date_order") in errors(p)[0]


def test_validity_before_age_18():
    p = profile(birth="1990-05-05", valid_from="2008-05-04", valid_until="2011-05-03")
    assert ("specialties[0].valid_from", "before_age_18") in errors(p)[0]
    got = assess(profile(birth="1990-05-05", valid_from="2008-05-05", valid_until="2011-05-04"),
                 d("2010-01-01"))["specialties"][0]  # from the 18th birthday on: accepted
    assert (got["status"], got["current_valid_from"]) == ("valid", "2008-05-05")


def test_not_a_mapping():
    assert errors([1, 2])[0] == [("profile", "invalid_type")]


def test_a_profile_checked_row_by_row_reports_in_the_order_of_the_checks():
    """A profile's specialties are checked one at a time (Python scalars); a problem first met
    in a later row still comes in the order of the checks, as for a roster: here the second
    specialty's approval is before its application (date_order) and after the 65th birthday,
    the first one's only after the birthday."""
    p = profile(birth_date="1950-01-01")
    p["specialties"] = [
        {"specialty": "建筑工程", "valid_from": "2013-01-01", "valid_until": "2016-01-01",
         "renewal_applied_on": "2015-05-01", "renewal_approved_on": "2015-06-01"},
        {"specialty": "公路工程", "valid_from": "2013-01-01", "valid_until": "2016-01-01",
         "renewal_applied_on": "2015-06-01", "renewal_approved_on": "2015-05-01"},
    ]
    got, raw = errors(p, "2015-07-01")
    assert got == [("specialties[0].renewal_approved_on", "approval_after_age_65"),
                   ("specialties[1].renewal_approved_on", "date_order"),
                   ("specialties[1].renewal_approved_on", "approval_after_age_65")]
    assert "2015-01-01" in raw[2]["message_en"]  # the 65th birthday, from the person's row
