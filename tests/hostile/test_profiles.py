"""Hostile profiles (issue 6): each field wrong in each way the validator knows, and input that is
not a profile at all. Always ``InvalidInput`` with well-formed bilingual errors, never a
traceback; through the command line exit 2 with the errors JSON.

The catalogue (core/messages/messages.toml) is checked: every ``[errors.*]`` code must be made by
at least one input here (a new code without a hostile case fails ``test_every_error_code_…``).
tests/test_rules_validate.py proves the all-at-once reporting and a few fields; this file covers the
rest of the codes and the wrong types and shapes.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from core import InvalidInput, assess
from core.messages.catalogue import catalogue
from tests.engine_helpers import profile
from tests.samples import bilingual

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2024, 1, 1)
ERROR_KEYS = {"field", "code", "message_zh", "message_en"}
UNFILLED = re.compile(r"\{[a-z_]+\}")


def spec(**changes) -> dict:
    s = {"specialty": "建筑工程", "valid_from": "2021-06-01", "valid_until": "2024-05-31",
         "renewal_applied_on": None, "renewal_approved_on": None}
    s.update(changes)
    return s


def with_spec(**changes) -> dict:
    return profile(specialties=[spec(**changes)])


def problems(p, as_of: date = AS_OF) -> list[dict]:
    """The errors of an invalid profile, each checked for shape and both languages."""
    with pytest.raises(InvalidInput) as err:
        assess(p, as_of)
    errors = err.value.errors
    assert errors, "InvalidInput without errors"
    assert err.value.as_json() == {"errors": errors}
    json.dumps(errors, ensure_ascii=False)  # serialisable as the contract says
    for e in errors:
        assert set(e) == ERROR_KEYS, e
        assert all(isinstance(e[k], str) and e[k] for k in ERROR_KEYS), e
        bilingual(e["message_zh"], e["message_en"])
        assert not UNFILLED.search(e["message_zh"] + e["message_en"]), e  # template filled
    return errors


# (code, field, profile): at least one case per error code of core/messages/messages.toml
CASES = [
    # required
    ("required", "name", profile(name=None)),
    ("required", "name", profile(name=" \u3000\t")),
    ("required", "registration_number", profile(registration_number="")),
    ("required", "employer_province", profile(employer_province=None)),
    ("required", "birth_date", profile(birth="")),
    ("required", "specialties[0].specialty", with_spec(specialty=None)),
    ("required", "specialties[0].valid_from", with_spec(valid_from=None)),
    ("required", "specialties[0].valid_until", with_spec(valid_until="  ")),
    # invalid_type
    ("invalid_type", "name", profile(name=12)),
    ("invalid_type", "name", profile(name=["张三"])),
    ("invalid_type", "gender", profile(gender=1)),
    ("invalid_type", "employer", profile(employer={"名": "公司"})),
    ("invalid_type", "registration_number", profile(registration_number=1112006200807445)),
    ("invalid_type", "employer_province", profile(employer_province=True)),
    ("invalid_type", "specialties", profile(specialties="建筑工程")),
    ("invalid_type", "specialties", profile(specialties={"specialty": "建筑工程"})),
    ("invalid_type", "specialties[0]", profile(specialties=["建筑工程"])),
    ("invalid_type", "specialties[0]", profile(specialties=[None])),
    ("invalid_type", "specialties[0].specialty", with_spec(specialty=["建筑工程"])),
    ("invalid_type", "profile", ["not", "a", "mapping"]),
    # invalid_date
    ("invalid_date", "birth_date", profile(birth="15/03/1970")),
    ("invalid_date", "birth_date", profile(birth="1970-02-30")),
    ("invalid_date", "birth_date", profile(birth=19700315)),
    ("invalid_date", "birth_date", profile(birth=["1970-03-15"])),
    ("invalid_date", "certificate_downloaded_on", profile(downloaded="yesterday")),
    ("invalid_date", "specialties[0].valid_from", with_spec(valid_from="2021/06/01")),
    ("invalid_date", "specialties[0].valid_until", with_spec(valid_until=True)),
    ("invalid_date", "specialties[0].renewal_applied_on", with_spec(renewal_applied_on={})),
    ("invalid_date", "specialties[0].renewal_approved_on", with_spec(renewal_approved_on=1.5)),
    # date_out_of_range (9999-12-31 used to end in an OverflowError)
    ("date_out_of_range", "specialties[0].valid_until", with_spec(valid_until="9999-12-31")),
    ("date_out_of_range", "specialties[0].valid_from", with_spec(valid_from="0001-01-01")),
    ("date_out_of_range", "specialties[0].renewal_applied_on",
     with_spec(renewal_applied_on="2200-01-01")),
    ("date_out_of_range", "certificate_downloaded_on", profile(downloaded="1899-12-31")),
    # invalid_characters
    ("invalid_characters", "name", profile(name="张\x00三")),
    ("invalid_characters", "employer", profile(employer="某公司\x1b[31m")),
    ("invalid_characters", "registration_number", profile(registration_number="京\x7f11")),
    ("invalid_characters", "specialties[0].specialty", with_spec(specialty="建筑\x08工程")),
    # too_long
    ("too_long", "name", profile(name="张" * 65)),
    ("too_long", "name", profile(name="x" * 200_000)),
    ("too_long", "employer", profile(employer="公" * 201)),
    ("too_long", "gender", profile(gender="男" * 9)),
    ("too_long", "registration_number", profile(registration_number="1" * 41)),
    ("too_long", "employer_province", profile(employer_province="省" * 41)),
    ("too_long", "specialties[0].specialty", with_spec(specialty="专" * 41)),
    # the rest, one field each
    ("invalid_gender", "gender", profile(gender="未知")),
    ("invalid_number", "registration_number", profile(registration_number="京111200620080744")),
    ("invalid_number", "registration_number", profile(registration_number="<script>1</script>")),
    ("invalid_number", "registration_number",
     profile(registration_number="京１１１２００６２００８０７４４５")),
    ("unknown_province", "employer_province", profile(employer_province="火星")),
    ("unknown_specialty", "specialties[0].specialty", with_spec(specialty="土木工程")),
    ("duplicate_specialty", "specialties[1].specialty", profile(specialties=[spec(), spec()])),
    ("no_specialties", "specialties", profile(specialties=[])),
    ("no_specialties", "specialties", profile(specialties=None)),
    ("too_many_specialties", "specialties",
     profile(specialties=[spec(specialty=s) for s in ["建筑工程"] * 11])),
    ("invalid_flag", "continuing_education_done", profile(ce="maybe")),
    ("invalid_flag", "continuing_education_done", profile(ce=2)),
    ("invalid_flag", "continuing_education_done", profile(ce=[True])),
    ("invalid_flag", "continuing_education_done", profile(ce={"done": True})),
    ("invalid_flag", "continuing_education_done", profile(ce=float("nan"))),
    ("date_order", "specialties[0].valid_until",
     with_spec(valid_from="2021-06-01", valid_until="2021-05-31")),
    ("date_order", "specialties[0].renewal_applied_on", with_spec(renewal_applied_on="2021-05-31")),
    ("date_order", "specialties[0].renewal_approved_on",
     with_spec(renewal_applied_on="2023-12-01", renewal_approved_on="2023-11-30")),
    ("birth_implausible", "birth_date", profile(birth="1919-12-31")),
    ("birth_implausible", "birth_date", profile(birth="2010-01-01")),
    ("birth_implausible", "birth_date", profile(birth="9999-12-31")),  # was a ValueError
    ("birth_implausible", "birth_date", profile(birth="0001-01-01")),
    ("before_age_18", "specialties[0].valid_from",
     profile(birth="2000-01-01", specialties=[spec(valid_from="1999-06-01")])),
    ("date_order", "specialties[0].renewal_approved_on",  # an approval before the cycle began
     with_spec(valid_from="2023-06-01", renewal_approved_on="2023-01-01")),
    ("approval_after_age_65", "specialties[0].renewal_approved_on",
     profile(birth="1958-06-01",
             specialties=[spec(valid_from="2020-06-01", valid_until="2023-05-31",
                               renewal_applied_on="2023-04-01",
                               renewal_approved_on="2023-06-01")])),
]
# A download (application, approval) after the as-of date is no error any more: it is ignored at T
# with the warning event_after_as_of (issue 23; tests/test_answer_rules.py).


@pytest.mark.parametrize("code, field, p", CASES,
                         ids=[f"{c}-{f}-{i}" for i, (c, f, _) in enumerate(CASES)])
def test_each_field_wrong_in_each_way(code, field, p):
    found = {(e["field"], e["code"]) for e in problems(p)}
    assert (field, code) in found, found


# Codes only the roster reader gives (a file's cells; a JSON profile cannot hold them):
# tests/test_roster_io.py and tests/hostile/test_roster_files.py produce them. And codes only the
# saved profile file's loader gives (tests/test_selfcheck_profile_file.py).
READER_ONLY = {"control_character", "number_too_long", "unknown_field", "date_outside_form"}


def test_every_error_code_of_the_catalogue_has_a_hostile_case():
    assert {c for c, _, _ in CASES} == set(catalogue()["errors"]) - READER_ONLY


def test_every_catalogue_error_message_has_both_languages():
    for code, entry in catalogue()["errors"].items():
        assert set(entry) >= {"zh", "en"}, code
        assert entry["zh"].strip() and entry["en"].strip(), code


@pytest.mark.parametrize("value", [None, 0, 1.5, True, "profile", "", b"bytes", [], [{}],
                                   ("tuple",), {1, 2}, object()],
                         ids=lambda v: type(v).__name__ + "-" + repr(v)[:10])
def test_not_a_mapping_at_all(value):
    errors = problems(value)
    assert [(e["field"], e["code"]) for e in errors] == [("profile", "invalid_type")]


def test_empty_mapping_names_every_required_field():
    found = {(e["field"], e["code"]) for e in problems({})}
    assert found == {("name", "required"), ("registration_number", "required"),
                     ("employer_province", "required"), ("birth_date", "required"),
                     ("specialties", "no_specialties")}


def test_wrong_types_everywhere_at_once():
    garbage = {
        "name": {"a": [1, {"b": None}]}, "gender": b"\x00", "birth_date": [[]],
        "registration_number": 1.5e300, "employer": ["x"] * 3, "employer_province": False,
        "continuing_education_done": {"x": 1}, "certificate_downloaded_on": float("inf"),
        "specialties": [[[]], 7, "建筑工程", {"specialty": {}, "valid_from": [],
                                           "valid_until": -1, "renewal_applied_on": b"2021",
                                           "renewal_approved_on": object()}],
        1: 2, None: "x", ("t",): "u",  # keys that are not strings are ignored
    }
    found = {(e["field"], e["code"]) for e in problems(garbage)}
    assert {("name", "invalid_type"), ("gender", "invalid_type"),
            ("birth_date", "invalid_date"), ("registration_number", "invalid_type"),
            ("employer", "invalid_type"), ("employer_province", "invalid_type"),
            ("continuing_education_done", "invalid_flag"),
            ("certificate_downloaded_on", "invalid_date"), ("specialties[0]", "invalid_type"),
            ("specialties[1]", "invalid_type"), ("specialties[2]", "invalid_type"),
            ("specialties[3].specialty", "invalid_type"),
            ("specialties[3].valid_from", "invalid_date"),
            ("specialties[3].valid_until", "invalid_date"),
            ("specialties[3].renewal_applied_on", "invalid_date"),
            ("specialties[3].renewal_approved_on", "invalid_date")} <= found


def test_deeply_nested_garbage():
    deep: object = "x"
    for _ in range(5_000):
        deep = [deep]
    errors = problems({**profile(), "name": deep, "specialties": deep})
    assert {(e["field"], e["code"]) for e in errors} >= {("name", "invalid_type"),
                                                         ("specialties[0]", "invalid_type")}


def test_huge_lists_are_answered_not_crashing():
    """5,000 specialties: too_many_specialties, and only the first 10 items are read (so a hostile
    list costs what 10 items cost)."""
    errors = problems(profile(specialties=[spec()] * 5_000))
    codes = [e["code"] for e in errors]
    assert codes[0] == "too_many_specialties"
    assert codes.count("duplicate_specialty") == 9
    errors = problems(profile(specialties=list(range(5_000))))
    assert len(errors) == 11


def test_unknown_extra_keys_are_ignored():
    p = {**profile(), "admin": True, "__proto__": {"x": 1}, "<script>": "alert(1)"}
    assert assess(p, AS_OF) == assess(profile(), AS_OF)


def test_values_in_messages_are_quoted_and_shortened():
    errors = problems(profile(birth="9" * 5000, gender="<b>x</b>"))
    birth = next(e for e in errors if e["field"] == "birth_date")
    assert len(birth["message_en"]) < 200
    gender = next(e for e in errors if e["field"] == "gender")
    assert '"<b>x</b>"' in gender["message_en"]  # quoted as data; pages escape it when shown


# --------------------------------------------------------------------------------------------
# Through the command line: exit 2 with the errors JSON, no traceback
# --------------------------------------------------------------------------------------------


def run_assess(stdin: bytes) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "core", "assess", "--as-of", "2024-01-01"],
                       input=stdin, capture_output=True, cwd=ROOT, timeout=120)
    assert b"Traceback" not in p.stdout + p.stderr
    return p


@pytest.mark.parametrize("stdin, expected", [
    (json.dumps(with_spec(valid_until="9999-12-31")).encode(),
     ("specialties[0].valid_until", "date_out_of_range")),
    (json.dumps(profile(birth="9999-12-31")).encode(), ("birth_date", "birth_implausible")),
    (b'"just a string"', ("profile", "invalid_type")),
    (b"null", ("profile", "invalid_type")),
    (json.dumps({"name": [[[{}]]], "specialties": [None]}).encode(), ("name", "invalid_type")),
    (b"\xff\xfe not utf-8", {("input", "invalid_encoding"), ("input", "invalid_json")}),
    (b'{"name": "\\ud800"', ("input", "invalid_json")),
])
def test_cli_assess_hostile_input_exit_2_with_errors_json(stdin, expected):
    p = run_assess(stdin)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    errors = json.loads(p.stdout)["errors"]
    found = {(e["field"], e["code"]) for e in errors}
    assert (expected & found) if isinstance(expected, set) else expected in found, found
    for e in errors:
        assert set(e) == ERROR_KEYS
        bilingual(e["message_zh"], e["message_en"])
