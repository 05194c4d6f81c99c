"""The profile file (issue 14, item 4): saved and loaded again unchanged; a broken file or broken
fields are refused with every problem named in Chinese and English, never a traceback."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import InvalidInput, assess
from core.demo.roster import demo_profile
from core.demo.scenario_data import SCENARIOS
from core.policy.data import POLICY
from core.selfcheck.profile_file import (
    FIELDS,
    MAX_BYTES,
    SPECIALTY_FIELDS,
    ProfileFileError,
    dump_profile,
    load_profile,
)

BOUNDS = {"birth_date": (date(1920, 1, 1), date(2030, 1, 1)),
          "*": (date(1990, 1, 1), date(2110, 12, 31))}


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=lambda s: s.id)
def test_every_scenario_survives_save_and_load(scenario):
    p = scenario.profile
    loaded = load_profile(dump_profile(p), date_bounds=BOUNDS)
    assert assess(loaded, scenario.as_of) == assess(p, scenario.as_of)


def test_the_file_is_contract_json_with_chinese_kept():
    p = demo_profile(date(2021, 7, 1))
    data = dump_profile(p)
    assert json.loads(data) == p
    assert p["name"].encode("utf-8") in data  # not \\u escapes: readable in any editor


dates = st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2110, 12, 31)).map(date.isoformat))
form_profiles = st.fixed_dictionaries({
    "name": st.one_of(st.none(), st.text(max_size=64)),
    "gender": st.sampled_from([None, "男", "女"]),
    "birth_date": st.one_of(st.none(),
                            st.dates(date(1920, 1, 1), date(2030, 1, 1)).map(date.isoformat)),
    "registration_number": st.one_of(st.none(), st.text(max_size=40)),
    "employer": st.one_of(st.none(), st.text(max_size=200)),
    "employer_province": st.sampled_from([None, *[p.short for p in POLICY.provinces]]),
    "continuing_education_done": st.booleans(),
    "certificate_downloaded_on": dates,
    "specialties": st.lists(st.fixed_dictionaries({
        "specialty": st.sampled_from([None, *POLICY.specialties]),
        "valid_from": dates, "valid_until": dates,
        "renewal_applied_on": dates, "renewal_approved_on": dates,
    }), max_size=POLICY.max_specialties),
})


@settings(max_examples=150, deadline=None)
@given(form_profiles)
def test_anything_the_form_can_hold_loads_back_identical(p):
    assert load_profile(dump_profile(p), date_bounds=BOUNDS) == p


def test_other_spellings_the_engine_accepts_are_normalised_for_the_form():
    p = demo_profile(date(2021, 7, 1))
    p.update(gender="female", employer_province="广东省", continuing_education_done="是")
    loaded = load_profile(json.dumps(p).encode("utf-8"))
    assert (loaded["gender"], loaded["employer_province"], loaded["continuing_education_done"]) \
        == ("女", "广东", True)
    # a UTF-8 BOM (Windows Notepad) is fine too
    assert load_profile(b"\xef\xbb\xbf" + dump_profile(p)) == loaded


@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (b" " * (MAX_BYTES + 1), "too_large"),
    ("{\"name\": \"张三\"}".encode("gb18030"), "invalid_encoding"),
    (b"{\"name\": ", "invalid_json"),
    (b"not json at all", "invalid_json"),
    (b"[1, 2]", "not_a_profile"),
    (b"\"a string\"", "not_a_profile"),
    (b"null", "not_a_profile"),
    (b"[" * 5000 + b"]" * 5000, "not_a_profile"),
])
def test_a_broken_file_is_refused_with_a_bilingual_reason(data, code):
    with pytest.raises(ProfileFileError) as info:
        load_profile(data)
    assert info.value.code == code
    assert info.value.message_zh and info.value.message_en
    assert info.value.message_zh != info.value.message_en


def test_every_broken_field_is_named_at_once():
    p = demo_profile(date(2021, 7, 1))
    p.update(gender="x", extra=1, birth_date="1970/1/1", name=["张三"],
             employer_province="火星", continuing_education_done="maybe",
             certificate_downloaded_on="1900-01-01", employer="某" * 201)
    p["specialties"] = [{"specialty": "木工", "valid_from": 5, "color": "red"}, "oops"]
    with pytest.raises(InvalidInput) as info:
        load_profile(json.dumps(p, ensure_ascii=False).encode("utf-8"), date_bounds=BOUNDS)
    found = {(e["field"], e["code"]) for e in info.value.errors}
    assert found == {
        ("extra", "unknown_field"), ("gender", "invalid_gender"),
        ("birth_date", "invalid_date"), ("name", "invalid_type"),
        ("employer_province", "unknown_province"),
        ("continuing_education_done", "invalid_flag"),
        ("certificate_downloaded_on", "date_outside_form"), ("employer", "too_long"),
        ("specialties[0].specialty", "unknown_specialty"),
        ("specialties[0].valid_from", "invalid_date"),
        ("specialties[0].color", "unknown_field"), ("specialties[1]", "invalid_type"),
    }
    for e in info.value.errors:
        assert e["message_zh"] and e["message_en"]
    [outside] = [e for e in info.value.errors if e["code"] == "date_outside_form"]
    assert "1900-01-01" in outside["message_en"] and "1990-01-01" in outside["message_en"]


def test_too_many_specialties():
    p = demo_profile(date(2021, 7, 1))
    p["specialties"] = [dict(p["specialties"][0])] * (POLICY.max_specialties + 1)
    with pytest.raises(InvalidInput) as info:
        load_profile(json.dumps(p).encode())
    assert [e["code"] for e in info.value.errors] == ["too_many_specialties"]


def test_a_half_filled_form_loads_and_the_engine_then_says_what_is_missing():
    half = {"name": "张三", "specialties": [{"specialty": "建筑工程"}]}
    loaded = load_profile(json.dumps(half, ensure_ascii=False).encode("utf-8"))
    assert loaded["name"] == "张三" and loaded["birth_date"] is None
    assert loaded["specialties"] == [{"specialty": "建筑工程", "valid_from": None,
                                      "valid_until": None, "renewal_applied_on": None,
                                      "renewal_approved_on": None}]
    with pytest.raises(InvalidInput) as info:
        assess(loaded, date(2021, 7, 1))
    assert "required" in {e["code"] for e in info.value.errors}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=4),
    max_leaves=12)
near_profiles = st.dictionaries(
    st.sampled_from([*FIELDS, "other"]),
    json_values | st.lists(st.dictionaries(st.sampled_from([*SPECIALTY_FIELDS, "x"]),
                                           json_values, max_size=6), max_size=3),
    max_size=10)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), near_profiles.map(
    lambda p: json.dumps(p, ensure_ascii=False).encode("utf-8"))))
def test_any_bytes_give_a_profile_or_a_coded_refusal_never_anything_else(data):
    try:
        loaded = load_profile(data, date_bounds=BOUNDS)
    except ProfileFileError as err:
        assert err.message_zh and err.message_en
    except InvalidInput as err:
        assert err.errors and all(e["message_zh"] and e["message_en"] for e in err.errors)
    else:  # what passed is something the form can hold
        assert set(loaded) == set(FIELDS)
        assert loaded["employer_province"] in (None, *[p.short for p in POLICY.provinces])
        assert loaded["gender"] in (None, "男", "女")
        assert isinstance(loaded["continuing_education_done"], bool)
        for s in loaded["specialties"]:
            assert s["specialty"] in (None, *POLICY.specialties)
