"""Validation of a profile (CONTRACT.md "Profile"): every problem at once, each with field and code.

``validate(profile, as_of)`` returns a normalised :class:`Profile` or raises
:class:`~core.errors.InvalidInput` listing every problem found. The bulk path (core/bulk.py)
applies the same checks column-wise; tests/test_bulk_equivalence.py proves the two agree.
R-8 (the registration number) lives here because it is a check on input: its format is an error,
its public-practice parts are warnings (``number_warnings``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from core.messages.catalogue import coded, problem
from core.messages.errors import InvalidInput, Problem
from core.policy.data import POLICY, Policy
from core.policy.dates import add_years, parse_iso

GENDERS = {"男": "男", "女": "女", "male": "男", "female": "女", "m": "男", "f": "女"}
FLAGS = {
    True: True, False: False,  # (1 and 0 are the same keys as True and False)
    "是": True, "否": False, "true": True, "false": False, "1": True, "0": False,
    "yes": True, "no": False, "y": True, "n": False,
}
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
STRIP_CHARS = " \t\r\n\u3000\u00a0"  # what is trimmed around text: spaces, full-width space, NBSP
# Dates accepted at all: the years the roster reader (core/io.py) accepts, 1900..2199.
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2199, 12, 31)


def number_pattern(policy: Policy = POLICY) -> re.Pattern:
    """R-8, C-A1: one 军地代字 then 16 digits."""
    chars = "".join(sorted(policy.number_chars))
    return re.compile(rf"^[{chars}][0-9]{{{policy.number['digits']}}}$")


@dataclass(frozen=True)
class SpecialtyInput:
    specialty: str
    valid_from: date
    valid_until: date
    renewal_applied_on: date | None = None
    renewal_approved_on: date | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    gender: str | None
    birth_date: date
    registration_number: str
    employer: str | None
    employer_province: str  # short name
    continuing_education_done: bool
    certificate_downloaded_on: date | None
    specialties: tuple[SpecialtyInput, ...] = field(default_factory=tuple)


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field_: str, code: str, **values) -> None:
        self.problems.append(problem(field_, code, **values))

    def text(self, raw: Mapping, key: str, *, required: bool, limit: int | None = None,
             path: str | None = None) -> str | None:
        path = path or key
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip(STRIP_CHARS)):
            if required:
                self.add(path, "required")
            return None
        if not isinstance(value, str):
            self.add(path, "invalid_type")
            return None
        value = value.strip(STRIP_CHARS)
        if CONTROL_CHARS.search(value):
            self.add(path, "invalid_characters")
            return None
        if limit is not None and len(value) > limit:
            self.add(path, "too_long", limit=limit)
            return None
        return value

    def date(self, raw: Mapping, key: str, *, required: bool,
             path: str | None = None, bounded: bool = True) -> date | None:
        path = path or key
        value = raw.get(key)
        try:
            d = parse_iso(value)
        except (ValueError, TypeError):
            self.add(path, "invalid_date", value=str(value)[:40])
            return None
        if d is None and required:
            self.add(path, "required")
        if bounded and d is not None and not (EARLIEST_DATE <= d <= LATEST_DATE):
            # beyond these years the date arithmetic of the rules would overflow (9999-12-31)
            self.add(path, "date_out_of_range", value=d.isoformat(),
                     earliest=EARLIEST_DATE.isoformat(), latest=LATEST_DATE.isoformat())
            return None
        return d


def validate(raw: Mapping, as_of: date, policy: Policy = POLICY) -> Profile:
    """Check every field of a profile: return it normalised, or raise InvalidInput (all of them)."""
    if not isinstance(raw, Mapping):
        raise InvalidInput([problem("profile", "invalid_type", label="profile")])
    c = _Collector()
    lim = policy.validation

    name = c.text(raw, "name", required=True, limit=int(lim["max_name_length"]))
    gender_raw = c.text(raw, "gender", required=False, limit=8)
    gender = None
    if gender_raw is not None:
        gender = GENDERS.get(gender_raw.lower())  # bulk: utf8_lower + index_in
        if gender is None:
            c.add("gender", "invalid_gender", value=gender_raw)
    employer = c.text(raw, "employer", required=False, limit=int(lim["max_employer_length"]))

    number = c.text(raw, "registration_number", required=True, limit=40)
    if number is not None and not number_pattern(policy).match(number):
        c.add("registration_number", "invalid_number", value=number)
        number = None

    province_raw = c.text(raw, "employer_province", required=True, limit=40)
    province = None
    if province_raw is not None:
        p = policy.province_by_name.get(province_raw)
        if p is None:
            c.add("employer_province", "unknown_province", value=province_raw)
        else:
            province = p.short

    ce_raw = raw.get("continuing_education_done")
    ce = False
    if ce_raw is not None and ce_raw != "":
        key = ce_raw.strip().lower() if isinstance(ce_raw, str) else ce_raw
        try:
            ce = FLAGS[key]
        except (KeyError, TypeError):
            c.add("continuing_education_done", "invalid_flag", value=str(ce_raw)[:40])

    birth = c.date(raw, "birth_date", required=True, bounded=False)  # own plausibility check
    age65 = None
    if birth is not None:
        earliest = lim["earliest_birth_date"]
        min_age = int(lim["min_age_at_registration"])
        if birth < earliest or birth > as_of or add_years(birth, min_age) > as_of:
            c.add("birth_date", "birth_implausible", value=birth.isoformat(),
                  earliest=earliest.isoformat(), min_age=min_age, as_of=as_of.isoformat())
            birth = None
        else:
            age65 = add_years(birth, policy.days("age_limit_years"))

    downloaded = c.date(raw, "certificate_downloaded_on", required=False)
    if downloaded is not None and downloaded > as_of:
        c.add("certificate_downloaded_on", "download_after_as_of",
              value=downloaded.isoformat(), as_of=as_of.isoformat())

    specialties = _validate_specialties(c, raw.get("specialties"), birth, age65, policy)

    if c.problems:
        raise InvalidInput(c.problems)
    return Profile(
        name=name, gender=gender, birth_date=birth, registration_number=number,
        employer=employer, employer_province=province, continuing_education_done=ce,
        certificate_downloaded_on=downloaded, specialties=tuple(specialties),
    )


def _validate_specialties(c: _Collector, items, birth: date | None, age65: date | None,
                          policy: Policy) -> list[SpecialtyInput]:
    if items is None or (isinstance(items, list) and not items):
        c.add("specialties", "no_specialties")
        return []
    if not isinstance(items, list):
        c.add("specialties", "invalid_type")
        return []
    if len(items) > policy.max_specialties:
        c.add("specialties", "too_many_specialties", limit=policy.max_specialties)
        items = items[:policy.max_specialties]  # the rest is not read: one error says why
    out: list[SpecialtyInput] = []
    seen: set[str] = set()
    min_age = int(policy.validation["min_age_at_registration"])
    for i, item in enumerate(items):
        p = f"specialties[{i}]"
        if not isinstance(item, Mapping):
            c.add(p, "invalid_type", label="specialty")
            continue
        before = len(c.problems)
        name = c.text(item, "specialty", required=True, limit=40, path=f"{p}.specialty")
        if name is not None:
            if name not in policy.specialties:
                c.add(f"{p}.specialty", "unknown_specialty", value=name)
            elif name in seen:
                c.add(f"{p}.specialty", "duplicate_specialty", value=name)
            seen.add(name)
        f = c.date(item, "valid_from", required=True, path=f"{p}.valid_from")
        e = c.date(item, "valid_until", required=True, path=f"{p}.valid_until")
        a = c.date(item, "renewal_applied_on", required=False, path=f"{p}.renewal_applied_on")
        ap = c.date(item, "renewal_approved_on", required=False, path=f"{p}.renewal_approved_on")
        for problem_ in check_specialty_dates(birth, age65, f, e, a, ap, min_age):
            fld, code, values = problem_
            c.add(f"{p}.{fld}", code, **values)
        if len(c.problems) == before:
            out.append(SpecialtyInput(name, f, e, a, ap))
    return out


def check_specialty_dates(birth, age65, f, e, a, ap, min_age: int):
    """Date-order checks of one specialty (shared wording with the bulk path's column checks)."""
    def order(fld, value, other_fld, other):
        return (fld, "date_order", {"label": fld, "value": value.isoformat(),
                                    "other_label": other_fld, "other": other.isoformat()})

    if birth is not None and f is not None:
        adult = add_years(birth, min_age)
        if f < adult:
            yield ("valid_from", "before_age_18",
                   {"value": f.isoformat(), "min_age": min_age, "adult_on": adult.isoformat()})
    if f is not None and e is not None and e < f:
        yield order("valid_until", e, "valid_from", f)
    if a is not None and f is not None and a < f:
        yield order("renewal_applied_on", a, "valid_from", f)
    if ap is not None:
        if a is None:
            yield ("renewal_approved_on", "approval_without_application", {})
        elif ap < a:
            yield order("renewal_approved_on", ap, "renewal_applied_on", a)
        if age65 is not None and ap >= age65:
            yield ("renewal_approved_on", "approval_after_age_65",
                   {"value": ap.isoformat(), "age65": age65.isoformat()})


def number_warnings(number: str, province: str, as_of: date, policy: Policy = POLICY) -> list[dict]:
    """R-8, C-A1: public practice about the number's parts; warnings only, never errors."""
    out: list[dict] = []
    char, digits = number[0], number[1:]
    char_province = policy.number_chars.get(char)
    if char != policy.number["military_char"] and char_province != province:
        out.append(coded("warnings", "number_province_mismatch", char=char,
                         number_province=char_province, province=province))
    if digits[0] != policy.number["level_digit"]:
        out.append(coded("warnings", "number_level", digit=digits[0]))
    code = digits[1:3]
    if code not in policy.number_codes:
        out.append(coded("warnings", "number_code_unknown", code=code))
    elif policy.number_codes[code] != char_province:
        out.append(coded("warnings", "number_code_char_mismatch", char=char, code=code))
    qual, reg = int(digits[3:7]), int(digits[7:11])
    if not (1990 <= qual <= reg <= as_of.year):
        out.append(coded("warnings", "number_years", qual_year=qual, reg_year=reg))
    return out
