"""Worked scenarios for trainers (issue 5): fictional constructors that exercise the rules.

Each scenario is a CONTRACT.md profile plus the as-of date it is shown at; its answer is always
computed by ``core.assess`` at view time, never stored. ``get(id)`` is what ``/?scenario=ID``
uses to fill the self-service form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Scenario:
    id: str
    title_zh: str
    title_en: str
    as_of: date
    profile: dict = field(repr=False)
    summary_zh: str = ""
    summary_en: str = ""


def _p(name, birth, number, employer, province, specialties, ce=True, downloaded=None,
       gender="男") -> dict:
    return {"name": name, "gender": gender, "birth_date": birth, "registration_number": number,
            "employer": employer, "employer_province": province,
            "continuing_education_done": ce, "certificate_downloaded_on": downloaded,
            "specialties": [dict(zip(("specialty", "valid_from", "valid_until",
                                      "renewal_applied_on", "renewal_approved_on"), s))
                            for s in specialties]}


SCENARIOS: dict[str, Scenario] = {s.id: s for s in [
    Scenario(
        "pilot-expired", "北京：试点地区已过期，7月31日前申请", "Beijing: pilot, expired, apply by 31 July",
        date(2021, 7, 15),
        _p("周建国", "1970-03-15", "京1112006200807445", "北京示例建设集团有限公司（虚构）", "北京",
           [("建筑工程", "2018-06-01", "2021-05-31", None, None)])),
]}


def get(scenario_id: str) -> Scenario | None:
    return SCENARIOS.get(scenario_id)
