"""The profile JSON file a constructor saves from the self-service page and loads again later.

The file is CONTRACT.md's profile JSON (``dump_profile``), so the command line reads it too
(``python -m core assess --input FILE``). ``load_profile(data)`` reads one back, in memory only:

- a problem with the file as a whole (empty, over ``MAX_BYTES``, not UTF-8, not JSON, not a
  JSON object) raises ``ProfileFileError`` (a ``CodedError``: code, Chinese and English);
- problems with its fields raise ``InvalidInput`` listing every one, with the field paths and
  messages of the engine's own errors: a field the profile does not have, a value of the wrong
  type, a date that is not ``YYYY-MM-DD`` or lies outside what the form's date pickers offer, a
  text longer than the form takes, an unknown province, specialty, gender or yes/no value, more
  specialties than the form holds.

What is *not* checked here is what the engine checks on every answer (required fields, the
order of dates, the 65th birthday…): a half-filled form saved on Monday loads on Tuesday, and
the page then shows the engine's errors beside their fields as for typed values. A file with any
problem changes nothing: the form is filled only from a file that passed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

from core.messages.catalogue import problem, text
from core.messages.errors import CodedError, InvalidInput
from core.policy.data import POLICY
from core.policy.dates import parse_iso
from core.schema.roster import FLAG_WORDS, GENDERS  # the spellings the engine accepts

FLAGS = {**FLAG_WORDS, True: True, False: False}

MAX_BYTES = 64 * 1024
MAX_NUMBER_CHARS = 40  #: a number written longer than this is no field's value (issue 27)
MAX_KEYS = 32  #: keys of one object: a profile has 9 fields, a specialty 5 (issue 27)
FILE_NAME = "ecert-profile.json"
MEDIA_TYPE = "application/json"

TEXT_FIELDS = {  # field -> the longest text the form takes
    "name": int(POLICY.validation["max_name_length"]),
    "registration_number": 40,
    "employer": int(POLICY.validation["max_employer_length"]),
}
DATE_FIELDS = ("birth_date", "certificate_downloaded_on")
FIELDS = (
    "name", "gender", "birth_date", "registration_number", "employer", "employer_province",
    "continuing_education_done", "certificate_downloaded_on", "specialties",
)
SPECIALTY_FIELDS = (
    "specialty", "valid_from", "valid_until", "renewal_applied_on", "renewal_approved_on",
)
SPECIALTY_DATES = SPECIALTY_FIELDS[1:]


class ProfileFileError(CodedError):
    """The file as a whole cannot be read as a profile (``empty``, ``too_large``,
    ``invalid_encoding``, ``invalid_json``, ``not_a_profile``, ``number_too_long``,
    ``invalid_unicode``, ``too_many_fields``)."""


class _LongNumber(ValueError):
    pass


def _number(kind):
    def parse(text: str):
        if len(text) > MAX_NUMBER_CHARS:  # int() of 5,000 digits raises ValueError (or is slow)
            raise _LongNumber(text[:20])
        return kind(text)
    return parse


def parse_json(text: str, *, max_keys: int | None = MAX_KEYS):
    """JSON text -> the Python value, refusing what would break later (issue 27), each as a
    coded bilingual ProfileFileError: not JSON (``invalid_json``), a number over
    MAX_NUMBER_CHARS characters (``number_too_long``), absurd nesting (``not_a_profile``), a
    string or key holding an unpaired surrogate such as ``"\\ud800"`` (``invalid_unicode``: no
    UTF-8 text can hold it), an object with more than ``max_keys`` keys
    (``too_many_fields``). Shared by the page's loader and ``python -m core assess``."""
    try:
        raw = json.loads(text, parse_int=_number(int), parse_float=_number(float))
    except _LongNumber:
        raise _file_error("number_too_long", limit=MAX_NUMBER_CHARS) from None
    except json.JSONDecodeError as e:
        raise _file_error("invalid_json", line=e.lineno, column=e.colno) from None
    except RecursionError:  # absurdly nested: not a profile
        raise _file_error("not_a_profile") from None
    except ValueError:  # anything else json refuses
        raise _file_error("invalid_json", line=1, column=1) from None
    stack = [raw]
    while stack:  # iterative: nesting as deep as json allows
        v = stack.pop()
        if isinstance(v, str):
            if not _encodable(v):
                raise _file_error("invalid_unicode")
        elif isinstance(v, dict):
            if max_keys is not None and len(v) > max_keys:
                raise _file_error("too_many_fields", count=len(v), limit=max_keys)
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return raw


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _file_error(code: str, **values) -> ProfileFileError:
    zh, en = text("files", code, **values)
    return ProfileFileError(code, zh, en)


def dump_profile(profile: Mapping) -> bytes:
    """The profile as the file saved for the user: UTF-8 JSON, Chinese kept as is, indented."""
    return (json.dumps(dict(profile), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def load_profile(data: bytes, *, max_bytes: int = MAX_BYTES,
                 date_bounds: Mapping[str, tuple[date, date]] | None = None) -> dict:
    """A profile file -> the CONTRACT.md profile the form can hold (short province name, 男/女,
    a bool for continuing education, ISO dates, unknown values None).

    ``date_bounds`` maps a date field name (``birth_date``, ``valid_from``… or ``"*"`` for every
    other date) to the (earliest, latest) its date picker offers.
    """
    if not data:
        raise _file_error("empty")
    if len(data) > max_bytes:
        raise _file_error("too_large", size=-(-len(data) // 1024), limit=max_bytes // 1024)
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error("invalid_encoding") from None
    raw = parse_json(decoded)
    if not isinstance(raw, dict):
        raise _file_error("not_a_profile")
    return _Reader(date_bounds or {}).profile(raw)


class _Reader:
    def __init__(self, bounds: Mapping[str, tuple[date, date]]):
        self.bounds = bounds
        self.problems = []

    def add(self, path: str, code: str, **values) -> None:
        self.problems.append(problem(path, code, **values))

    def unknown(self, raw: Mapping, known: tuple[str, ...], prefix: str = "") -> None:
        for k in raw:
            if k not in known:
                self.add(f"{prefix}{k}", "unknown_field", value=str(k)[:40])

    def text(self, value, path: str, limit: int) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            self.add(path, "invalid_type")
            return None
        if len(value) > limit:
            self.add(path, "too_long", limit=limit)
            return None
        return value

    def date(self, value, path: str, field: str) -> str | None:
        try:
            d = parse_iso(value)
        except (ValueError, TypeError):
            self.add(path, "invalid_date", value=str(value)[:40])
            return None
        if d is None:
            return None
        lo, hi = self.bounds.get(field) or self.bounds.get("*") or (date.min, date.max)
        if not lo <= d <= hi:
            self.add(path, "date_outside_form", value=d.isoformat(), earliest=lo.isoformat(),
                     latest=hi.isoformat())
            return None
        return d.isoformat()

    def choice(self, value, path: str, table: Mapping, code: str):
        if value is None or value == "":
            return None
        key = value.strip().lower() if isinstance(value, str) else value
        try:
            return table[key]
        except (KeyError, TypeError):
            self.add(path, code, value=str(value)[:40])
            return None

    def profile(self, raw: Mapping) -> dict:
        self.unknown(raw, FIELDS)
        out: dict = {f: self.text(raw.get(f), f, n) for f, n in TEXT_FIELDS.items()}
        out["gender"] = self.choice(raw.get("gender"), "gender", GENDERS, "invalid_gender")
        province = raw.get("employer_province")
        if province is None or province == "":
            out["employer_province"] = None
        elif not isinstance(province, str):
            self.add("employer_province", "invalid_type")
        else:
            p = POLICY.province_by_name.get(province.strip())
            if p is None:
                self.add("employer_province", "unknown_province", value=province[:40])
            out["employer_province"] = p.short if p else None
        out["continuing_education_done"] = bool(self.choice(
            raw.get("continuing_education_done"), "continuing_education_done", FLAGS,
            "invalid_flag"))
        for f in DATE_FIELDS:
            out[f] = self.date(raw.get(f), f, f)
        out["specialties"] = self.specialties(raw.get("specialties"))
        if self.problems:
            raise InvalidInput(self.problems)
        return {f: out[f] for f in FIELDS}

    def specialties(self, items) -> list[dict]:
        if items is None:
            return []
        if not isinstance(items, list):
            self.add("specialties", "invalid_type")
            return []
        if len(items) > POLICY.max_specialties:
            self.add("specialties", "too_many_specialties", limit=POLICY.max_specialties)
            return []
        out = []
        for i, item in enumerate(items):
            path = f"specialties[{i}]"
            if not isinstance(item, Mapping):
                self.add(path, "invalid_type", label="specialty")
                continue
            self.unknown(item, SPECIALTY_FIELDS, f"{path}.")
            name = item.get("specialty")
            if name is not None and not isinstance(name, str):
                self.add(f"{path}.specialty", "invalid_type")
                name = None
            elif name and name.strip() not in POLICY.specialties:
                self.add(f"{path}.specialty", "unknown_specialty", value=name[:40])
                name = None
            row = {"specialty": name.strip() if name else None}
            for f in SPECIALTY_DATES:
                row[f] = self.date(item.get(f), f"{path}.{f}", f)
            out.append(row)
        return out
