"""Small builders for engine tests: a profile with sensible defaults, one specialty's answer."""

from __future__ import annotations

from datetime import date

from core import assess
from core.policy.data import POLICY

# A registration number that matches its province, from the policy data.
PROVINCE_CHAR = {p.short: p.chars[0] for p in POLICY.provinces}
PROVINCE_CODE = {p.short: p.code for p in POLICY.provinces}


def d(s: str) -> date:
    return date.fromisoformat(s)


def profile(province="北京", valid_until="2024-05-31", valid_from=None, applied=None,
            approved=None, birth="1970-03-15", ce=True, downloaded=None, specialty="建筑工程",
            extra_specialties=(), **overrides) -> dict:
    if valid_from is None:
        vu = d(valid_until)
        valid_from = vu.replace(year=vu.year - 3).isoformat() if not (
            vu.month == 2 and vu.day == 29) else f"{vu.year - 3}-03-01"
    number = PROVINCE_CHAR.get(province, "京") + "1" + PROVINCE_CODE.get(province, "11") + \
        "2006200807445"
    p = {
        "name": "张三", "gender": "男", "birth_date": birth, "registration_number": number,
        "employer": "某建设集团有限公司", "employer_province": province,
        "continuing_education_done": ce, "certificate_downloaded_on": downloaded,
        "specialties": [{"specialty": specialty, "valid_from": valid_from,
                         "valid_until": valid_until, "renewal_applied_on": applied,
                         "renewal_approved_on": approved}, *extra_specialties],
    }
    p.update(overrides)
    return p


def one(as_of: str, **kw) -> dict:
    """The first specialty's answer at ``as_of``."""
    return assess(profile(**kw), d(as_of))["specialties"][0]


def full(as_of: str, **kw) -> dict:
    return assess(profile(**kw), d(as_of))
