"""core/rules/certificate.py through the assessment: R-6 (the electronic certificate's usage
window, I-4, I-5, C-3.5, and the advice to download again) and R-7 (the paper certificate), at
their boundaries (day before, on, after). Test names carry the rule or reading id."""

from __future__ import annotations

import pytest

from core import assess
from tests.engine_helpers import d, full, profile

# ------------------------------------------------------------------------

def test_r6_batch_before_start_unavailable():
    w = full("2021-08-10", province="广东", valid_until="2024-05-31",
             downloaded="2021-07-31")["usage_window"]
    assert w["status"] == "unavailable" and w["reason"]["code"] == "before_electronic_start"
    w = full("2021-08-10", province="广东", valid_until="2024-05-31",
             downloaded="2021-08-01")["usage_window"]
    assert w["status"] == "in_use" and w["until"] == "2022-01-28"


def test_r6_pilot_before_start_available():
    w = full("2021-08-10", province="北京", valid_until="2024-05-31",
             downloaded="2021-07-31")["usage_window"]
    assert w["status"] == "in_use"


@pytest.mark.parametrize("as_of, status", [
    ("2024-12-31", "in_use"), ("2025-01-01", "expired")])
def test_r6_window_status_boundary(as_of, status):
    w = full(as_of, province="河南", valid_until="2024-12-31",
             downloaded="2024-09-01")["usage_window"]
    assert w["status"] == status


def test_r6_capped_by_age65_and_tie_order():
    # D + 180 = 2035-03-15 = age65 = valid_until: age_65 wins the tie
    w = full("2034-10-01", province="广东", birth="1970-03-15", valid_from="2032-03-16",
             valid_until="2035-03-15", downloaded="2034-09-16")["usage_window"]
    assert (w["until"], w["capped_by"]) == ("2035-03-15", "age_65")
    # 180 days and validity tie: specialty_validity wins
    w = full("2024-10-01", province="广东", valid_until="2025-03-01",
             downloaded="2024-09-02")["usage_window"]
    assert (w["until"], w["capped_by"]) == ("2025-03-01", "specialty_validity")


def test_r6_hypothetical_download_today():
    w = full("2024-10-01", province="广东", valid_until="2026-03-01")["usage_window"]
    assert w["hypothetical"] is True and w["from"] == "2024-10-01"
    assert w["until"] == "2025-03-30" and w["days_left"] == 180


def test_r6_no_valid_specialty_unavailable():
    w = full("2024-10-01", province="广东", valid_until="2024-05-31")["usage_window"]
    assert w["status"] == "unavailable" and w["reason"]["code"] == "no_valid_specialty"


def test_r6_after_age_65_unavailable():
    w = full("2035-03-16", province="广东", birth="1970-03-15", valid_from="2033-03-20",
             valid_until="2036-03-19")["usage_window"]
    assert w["reason"]["code"] == "after_age_65"


def test_r6_outdated_by_later_approval():
    a = full("2024-08-01", province="广东", valid_until="2024-05-31", applied="2024-04-01",
             approved="2024-06-15", downloaded="2024-05-01")
    assert "certificate_outdated" in [w["code"] for w in a["warnings"]]
    assert "download_again" in [x["code"] for x in a["actions"]]
    # printed validity is the one in force on the download date
    assert a["usage_window"]["printed"][0]["valid_until"] == "2024-05-31"


def test_r6_download_after_as_of_is_ignored_with_a_warning():
    """POLICY.md, Definitions (issue 23): a download after T is ignored at T, never an error;
    the window then describes a download on T."""
    a = assess(profile(downloaded="2024-10-02"), d("2024-10-01"))
    assert a["usage_window"]["hypothetical"] is True
    assert a["usage_window"]["from"] == "2024-10-01"
    later = [w for w in a["warnings"] if w["code"] == "event_after_as_of"]
    assert len(later) == 1 and later[0]["fields"] == ["certificate_downloaded_on"]
    assert "2024-10-02" in later[0]["message_zh"] and "2024-10-02" in later[0]["message_en"]


# ------------------------------------------------------------------------

@pytest.mark.parametrize("as_of, status", [
    ("2021-07-31", "valid"), ("2021-08-01", "valid_not_issued"),
    ("2021-12-31", "valid_not_issued"), ("2022-01-01", "void")])
def test_r7_paper_certificate(as_of, status):
    for province in ("北京", "广东"):
        assert full(as_of, province=province)["paper_certificate"]["status"] == status
    assert full(as_of, province="湖北")["paper_certificate"]["status"] == "not_covered"


# ------------------------------------------------------------------------ R-6 download advice

def _advice(a):
    return "download_again" in [x["code"] for x in a["actions"]]


@pytest.mark.parametrize("as_of, status, advice", [
    ("2024-12-30", "in_use", False),   # the day before the window's last day
    ("2024-12-31", "in_use", False),   # its last day
    ("2025-01-01", "expired", True),   # the day after: a download today gives a certificate
])
def test_r6_download_again_only_after_the_window(as_of, status, advice):
    a = full(as_of, province="河南", valid_from="2023-01-01", valid_until="2025-12-31",
             downloaded="2024-07-04")
    w = a["usage_window"]
    assert (w["until"], w["status"]) == ("2024-12-31", status)
    assert _advice(a) is advice and w["reason"] is None


def test_r6_no_advice_when_nothing_could_be_downloaded_today():
    # the window ended and so did the only specialty: say why, advise nothing
    a = full("2025-03-01", province="河南", valid_from="2022-01-01", valid_until="2024-12-31",
             downloaded="2024-09-01")
    w = a["usage_window"]
    assert w["status"] == "expired" and not _advice(a)
    assert w["reason"]["code"] == "no_valid_specialty"


def test_r6_no_advice_after_the_65th_birthday():
    a = full("2025-03-01", province="河南", birth="1960-01-15", valid_from="2023-01-01",
             valid_until="2024-12-31", downloaded="2024-12-01")
    w = a["usage_window"]
    assert w["status"] == "expired" and not _advice(a)
    assert w["reason"]["code"] == "after_age_65"


def test_r6_outdated_certificate_is_advised_when_a_download_would_work():
    a = full("2024-08-01", province="广东", valid_until="2024-05-31", applied="2024-05-01",
             approved="2024-06-20", downloaded="2024-05-10")
    assert a["usage_window"]["outdated"] and _advice(a)


def test_r6_hypothetical_window_gives_no_advice():
    a = full("2025-03-01", province="河南", valid_from="2022-01-01", valid_until="2024-12-31")
    w = a["usage_window"]
    assert w["hypothetical"] and w["status"] == "unavailable" and not _advice(a)
    assert w["reason"]["code"] == "no_valid_specialty"


def test_the_65th_birthday_and_its_cap_have_one_home_each():
    """C-2.2.4: ``birthday_65`` (the input checks, the rules and the demo roster all use it; I-7
    for 29 February) and ``cap_at_65`` (R-2's renewed validity, R-6's window, the demo's
    validities), for arrays and scalars alike."""
    import numpy as np

    from core.policy.data import POLICY
    from core.policy.dates import day_number
    from core.rules.specialty import birthday_65, cap_at_65

    leap, plain = day_number(d("1968-02-29")), day_number(d("1970-06-15"))
    age65, i7 = birthday_65(np.array([leap, plain]), POLICY)
    assert age65.tolist() == [day_number(d("2033-02-28")), day_number(d("2035-06-15"))]
    assert i7.tolist() == [True, False]
    assert birthday_65(plain, POLICY) == (day_number(d("2035-06-15")), False)
    birthday = day_number(d("2035-06-15"))
    assert cap_at_65(birthday - 1, birthday) == (birthday - 1, False)
    assert cap_at_65(birthday, birthday) == (birthday, True)  # both coincide: capped
    until, capped = cap_at_65(np.array([birthday - 1, birthday, birthday + 9]), birthday)
    assert until.tolist() == [birthday - 1, birthday, birthday] and capped.tolist() == [
        False, True, True]
