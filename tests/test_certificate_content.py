"""core.certificate.content: what the certificate prints, from the profile and the engine's
answer; no certificate without a usage window."""

from __future__ import annotations

from datetime import date

import pytest

from core.certificate import preview as cert

# --- content from the engine's JSON -----------------------------------------------------------

PROFILE = {
    "name": "张三",
    "gender": "男",
    "birth_date": "1970-03-15",
    "registration_number": "京1112006200807445",
    "employer": "北京某建设集团有限公司",
    "employer_province": "北京",
    "specialties": [],
}


def assessment(window):
    return {
        "specialties": [
            {
                "specialty": "建筑工程",
                "current_valid_from": "2024-05-14",
                "current_valid_until": "2027-05-13",
            }
        ],
        "usage_window": window,
    }


def test_content_from_uses_printed_specialties():
    # POLICY.md worked example 9, through the real engine
    from core import assess

    p = {**PROFILE, "employer_province": "福建", "gender": "male", "name": " 张三 ",
         "certificate_downloaded_on": "2021-08-12",
         "specialties": [{"specialty": "建筑工程", "valid_from": "2021-05-14",
                          "valid_until": "2024-05-13"}]}
    c = cert.content_from(p, assess(p, date(2021, 9, 1)), photo=b"x")
    assert c.specialties == [("建筑工程", date(2021, 5, 14), date(2024, 5, 13))]
    assert (c.usage_from, c.usage_until, c.issued_on) == (
        date(2021, 8, 12),
        date(2022, 2, 8),
        date(2021, 8, 12),
    )
    assert c.birth_date == date(1970, 3, 15) and c.photo == b"x"
    assert (c.name, c.gender) == ("张三", "男")  # the validated values


def test_content_from_prints_validity_as_on_the_download_date():
    from core import assess

    p = {**PROFILE, "employer_province": "广东", "certificate_downloaded_on": "2024-05-01",
         "specialties": [{"specialty": "建筑工程", "valid_from": "2021-06-01",
                          "valid_until": "2024-05-31", "renewal_applied_on": "2024-04-01",
                          "renewal_approved_on": "2024-06-15"}]}
    c = cert.content_from(p, assess(p, date(2024, 8, 1)))
    assert c.specialties == [("建筑工程", date(2021, 6, 1), date(2024, 5, 31))]


def test_no_usage_window_not_covered():
    with pytest.raises(cert.CertificateUnavailable) as err:
        cert.content_from(PROFILE, assessment(None))
    assert err.value.code == "not_covered" and err.value.message_zh and err.value.message_en


@pytest.mark.parametrize(
    "reason",
    [
        {"code": "no_valid_specialty", "message_zh": "下载日无有效注册专业", "message_en": "none"},
        "no specialty valid on the download date",
        None,
    ],
)
def test_unavailable_window_raises_with_reason(reason):
    window = {"from": None, "until": None, "status": "unavailable", "reason": reason}
    with pytest.raises(cert.CertificateUnavailable) as err:
        cert.content_from(PROFILE, assessment(window))
    assert err.value.code == "unavailable" and err.value.reason == reason
    if isinstance(reason, dict):
        assert "下载日无有效注册专业" in err.value.message_zh
    elif reason:
        assert reason in err.value.message_en
