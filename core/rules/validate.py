"""A profile's input checks (CONTRACT.md "Profile"): ``check_profile`` runs the roster's checks
(``text_checks``, ``date_checks``) one specialty at a time with Python scalars, after what only
a JSON document can get wrong (a number where text belongs, a list that is not a list, the same
specialty twice), and raises InvalidInput with every problem at its JSON path (such as
``specialties[0].valid_until``); ``validate`` returns the profile normalised. R-8 (the
registration number's form) is an input check (``text_checks.number_pattern``); its
public-practice parts are warnings (``number_warnings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from core.messages.catalogue import coded, problem
from core.messages.errors import InvalidInput, Problem
from core.policy.data import POLICY, Policy
from core.policy.dates import day_number, from_day, parse_iso
from core.rules.date_checks import DateField, check_dates, check_dates_at
from core.rules.problem_masks import PERSON_FIELDS, SPECIALTY_FIELDS, Problems, RowProblems
from core.rules.text_checks import (
    NO_TABLE,
    TEXT_TABLE,
    TextChecked,
    check_cell,
    check_flags,
    flag_texts,
    lookups,
    report_text,
)
from core.schema.roster import TEXT_LIMITS


@dataclass(frozen=True)
class SpecialtyInput:
    specialty: str
    valid_from: date
    valid_until: date
    renewal_applied_on: date | None = None
    renewal_approved_on: date | None = None


@dataclass(frozen=True)
class Profile:
    """A checked profile, normalised (trimmed text, province short name, gender 男/女)."""

    name: str
    gender: str | None
    birth_date: date
    registration_number: str
    employer: str | None
    employer_province: str
    continuing_education_done: bool
    certificate_downloaded_on: date | None
    specialties: tuple[SpecialtyInput, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CheckedProfile:
    """A profile that passed every check, as the rules take it: Python scalars, one specialty at
    a time (``rows``: each specialty's dates as day numbers; ``core.rules.ops`` says why)."""

    profile: Profile
    regime: int
    birth: int
    rows: tuple[dict[str, DateField], ...]  # per specialty: SPECIALTY_FIELDS[1:] -> DateField
    age65: int                  # the 65th birthday (day number) and whether it needed I-7
    age65_i7: bool


_TEXT_ORDER = ("name", "gender", "registration_number", "employer", "employer_province")
_WRONG_TYPE = TextChecked(None, True, False, False, True, -1)  # reported once, as invalid_type
_ABSENT = DateField(0, False)


def check_profile(raw: Mapping, as_of: date, policy: Policy = POLICY) -> CheckedProfile:
    """Check every field of a profile (CONTRACT.md "Profile"); raise InvalidInput listing every
    problem, each with its JSON path; else return the profile normalised, as scalars.

    The checks are the roster's (``check_cell`` = ``check_text``'s, ``report_text``,
    ``check_flags``, ``check_dates``, ``check_dates_at``), run one specialty at a time with
    Python scalars; what only a JSON document can get wrong (a number where text belongs, a
    list that is not a list, the same specialty twice) is checked here first."""
    if not isinstance(raw, Mapping):
        raise InvalidInput([problem("profile", "invalid_type", label="profile")])
    first: list[Problem] = []  # what only a JSON document can get wrong
    items = raw.get("specialties")
    if items is None or (isinstance(items, list) and not items):
        first.append(problem("specialties", "no_specialties"))
        items = []
    elif not isinstance(items, list):
        first.append(problem("specialties", "invalid_type"))
        items = []
    elif len(items) > policy.max_specialties:
        first.append(problem("specialties", "too_many_specialties", limit=policy.max_specialties))
        items = items[:policy.max_specialties]  # the rest is not read: one error says why
    rows = []  # (index in the document, mapping)
    for i, item in enumerate(items):
        if isinstance(item, Mapping):
            rows.append((i, item))
        else:
            first.append(problem(f"specialties[{i}]", "invalid_type", label="specialty"))
    k = len(rows)
    lk = lookups(policy)

    def text_of(mapping, key, path) -> TextChecked:
        v = mapping.get(key)
        if v is None or isinstance(v, str):
            return check_cell(v, TEXT_LIMITS[key], TEXT_TABLE.get(key, NO_TABLE), lk)
        first.append(problem(path, "invalid_type"))
        return _WRONG_TYPE

    problems = RowProblems(k)
    person = {f: text_of(raw, f, f) for f in _TEXT_ORDER}
    for f, c in person.items():
        report_text(problems, f, c)
    names: list[str | None] = []
    seen: set[str] = set()
    for j, (i, item) in enumerate(rows):
        problems.begin(1, j)
        c = text_of(item, "specialty", f"specialties[{i}].specialty")
        names.append(c.values)
        good = report_text(problems, "specialty", c)
        problems.add("specialty", "duplicate_specialty", good and c.values in seen,
                     "value:specialty")
        if good:
            seen.add(c.values)

    problems.begin(2)
    ce_raw = raw.get("continuing_education_done")
    ce, _ = check_flags(problems, ce_raw, one=True)

    person_dates = {f: _parse_date(raw.get(f), f, first)
                    for f in ("birth_date", "certificate_downloaded_on")}
    row_dates = [{f: _parse_date(item.get(f), f"specialties[{i}].{f}", first)
                  for f in SPECIALTY_FIELDS[1:]} for i, item in rows]
    t = day_number(as_of)
    derived: dict = {}
    for j in range(max(k, 1)):  # the person's checks run with the first row (or none)
        problems.begin(3, j)
        dates = {f: dc for f, (dc, _) in person_dates.items()}
        unparsed = {f: u for f, (_, u) in person_dates.items()}
        for f in SPECIALTY_FIELDS[1:]:
            dates[f], unparsed[f] = row_dates[j][f] if k else (_ABSENT, False)
        derived = check_dates(problems, dates, policy, unparsed)
        check_dates_at(problems, dates, derived["adult"], t, policy)

    if problems.finish().items or first:
        raise InvalidInput(_profile_errors(first, problems, rows, person, names, ce_raw,
                                           person_dates, row_dates, derived))

    province_pos = person["employer_province"].pos
    values = {f: c.values for f, c in person.items()}
    specialties = []
    for j in range(k):
        r = {f: None if not dc.present else from_day(dc.days)
             for f, (dc, _) in row_dates[j].items()}
        specialties.append(SpecialtyInput(names[j], r["valid_from"], r["valid_until"],
                                          r["renewal_applied_on"], r["renewal_approved_on"]))
    birth, d = person_dates["birth_date"][0], person_dates["certificate_downloaded_on"][0]
    prof = Profile(
        name=values["name"],
        gender=None if values["gender"] is None else lk.gender[person["gender"].pos],
        birth_date=from_day(birth.days), registration_number=values["registration_number"],
        employer=values["employer"], employer_province=lk.province_short[province_pos],
        continuing_education_done=bool(ce),
        certificate_downloaded_on=from_day(d.days) if d.present else None,
        specialties=tuple(specialties))
    return CheckedProfile(prof, int(lk.province_regime[province_pos]), birth.days,
                          tuple({f: dc for f, (dc, _) in r.items()} for r in row_dates),
                          derived["age65"], derived["age65_i7"])


def _profile_errors(first, problems: Problems, rows, person, names, ce_raw, person_dates,
                    row_dates, derived) -> list[Problem]:
    """The problems of a profile as CONTRACT.md's errors (JSON paths), in the document's order:
    the scalars put back into the arrays that ``Problems.render`` reads (only when some check
    failed)."""
    texts = {f: pa.array([c.values], pa.large_string()) for f, c in person.items()}
    texts["specialty"] = pa.array(names, pa.large_string())
    texts["continuing_education_done"] = flag_texts([ce_raw])
    dates = {f: DateField(np.array([dc.days]), np.array([dc.present]))
             for f, (dc, _) in person_dates.items()}
    for f in SPECIALTY_FIELDS[1:]:
        dates[f] = DateField(np.array([r[f][0].days for r in row_dates], dtype=np.int64),
                             np.array([r[f][0].present for r in row_dates], dtype=bool))
    arrays = {name: np.array([v]) for name, v in derived.items()}
    errors = list(first)
    for f, idx, codes, table in problems.render(texts, dates, arrays):
        for j, p in zip(idx, (table[c] for c in codes), strict=True):
            path = f if f in PERSON_FIELDS else f"specialties[{rows[j][0]}].{f}"
            errors.append(Problem(field=path, code=p.code, message_zh=p.message_zh,
                                  message_en=p.message_en))
    return sorted(errors, key=_error_order)


def validate(raw: Mapping, as_of: date, policy: Policy = POLICY) -> Profile:
    """Check every field of a profile: return it normalised, or raise InvalidInput (all of them)."""
    return check_profile(raw, as_of, policy).profile


def _parse_date(value, path: str, first: list) -> tuple[DateField, bool]:
    """One date cell as (DateField of an int and a bool, unparsed); a cell that is not a date
    is reported in ``first`` as ``invalid_date``."""
    try:
        d = parse_iso(value)
    except (ValueError, TypeError):
        first.append(problem(path, "invalid_date", value=str(value)[:40]))
        return _ABSENT, True
    return (_ABSENT, False) if d is None else (DateField(day_number(d), True), False)


_ORDER = {f: i for i, f in enumerate(("profile", *_TEXT_ORDER, "continuing_education_done",
                                      "birth_date", "certificate_downloaded_on", "specialties"))}
_SPEC_ORDER = {f: i for i, f in enumerate(SPECIALTY_FIELDS)}


def _error_order(p: Problem):
    if p.field.startswith("specialties["):
        i = int(p.field[12:p.field.index("]")])
        rest = p.field.split(".", 1)[1] if "." in p.field else ""
        return (_ORDER["specialties"], i, _SPEC_ORDER.get(rest, -1))
    return (_ORDER.get(p.field, 99), 0, 0)


def number_warnings(number: str, province: str, as_of: date, policy: Policy) -> list[dict]:
    """The public-practice parts of a registration number (R-8, C-A1): warnings, never errors."""
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
