"""core/rules/text_checks.py: the text checks, one code for a profile's few values (Python
scalars) and a roster's columns (Arrow): trimmed, present, no control or invisible format
character, within the limit, found in its table; R-8's number form; the continuing-education
flag."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.policy.data import POLICY
from core.rules.text_checks import (
    GENDER,
    NO_TABLE,
    NUMBER,
    PROVINCE,
    SPECIALTY,
    check_cell,
    check_text,
    flag_value,
    lookups,
    number_pattern,
)

_KEYS = ["男", "女", "Male", "FEMALE", "m", "北京", "北京市", "新疆维吾尔自治区", "建筑工程",
         "京1112006200807445", "军1992006200807445", "A1112006200807445", "京111200620080744"]
_CELL = st.one_of(
    st.none(), st.sampled_from(_KEYS),
    st.builds(lambda k, a, b: a + k + b, st.sampled_from(_KEYS),
              st.sampled_from(["", " ", "\u3000", "\t", "\n", "\x01"]),
              st.sampled_from(["", " ", "\u00a0", "\r\n", "\x7f"])),
    st.text(max_size=12), st.text(min_size=60, max_size=70))


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_CELL, min_size=1, max_size=12), data=st.data())
def test_the_profile_loop_and_the_roster_loop_agree(cells, data):
    n = len(cells)
    tables = data.draw(st.lists(st.sampled_from([NO_TABLE, GENDER, PROVINCE, SPECIALTY, NUMBER]),
                                min_size=n, max_size=n))
    limits = data.draw(st.lists(st.sampled_from([8, 40, 64]), min_size=n, max_size=n))
    a = check_text(list(cells), limits, tables, POLICY, small=True)
    b = check_text(list(cells), limits, tables, POLICY, small=False)
    for f in ("present", "ctrl", "too_long", "found", "pos"):
        assert (getattr(a, f) == getattr(b, f)).all(), (f, cells, tables)
    assert a.pylist() == b.pylist()


def test_number_pattern_is_one_province_or_army_character_then_16_digits():
    pattern = number_pattern(POLICY)
    assert pattern.match("京1112006200807445") and pattern.match("军1992006200807445")
    for bad in ("A1112006200807445", "京111200620080744", "京11120062008074450",
                " 京1112006200807445"):
        assert not pattern.match(bad), bad


@pytest.mark.parametrize(("value", "table", "expected"), [
    (None, GENDER, (None, False, False, False, False)),
    (" \u3000", GENDER, ("", False, False, False, False)),
    ("\u3000女 ", GENDER, ("女", True, False, False, True)),
    ("北京市", PROVINCE, ("北京市", True, False, False, True)),
    ("火星", PROVINCE, ("火星", True, False, False, False)),
    ("建筑工程", SPECIALTY, ("建筑工程", True, False, False, True)),
    ("京1112006200807445", NUMBER, ("京1112006200807445", True, False, False, True)),
    ("张\u200b三", NO_TABLE, ("张\u200b三", True, True, False, False)),  # a zero-width space
    ("张" * 9, NO_TABLE, ("张" * 9, True, False, True, False)),  # over the limit of 8
])
def test_check_cell_trims_and_checks_one_value(value, table, expected):
    got = check_cell(value, 8, table, lookups(POLICY))
    assert (got.values, got.present, got.ctrl, got.too_long, got.found) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("是", (True, True, False)), (" No ", (False, True, False)), ("1.0", (True, True, False)),
    (True, (True, True, False)), (np.bool_(False), (False, True, False)), (0, (False, True, False)),
    ("", (False, False, False)), (None, (False, False, False)),
    ("maybe", (False, False, True)), (2, (False, False, True)),
])
def test_flag_value_reads_yes_no_blank_or_not_understood(value, expected):
    assert flag_value(value) == expected
