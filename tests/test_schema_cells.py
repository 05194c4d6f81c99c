"""core/schema/cells.py: ``parse_dates`` reads every accepted date form (and refuses the rest;
missing is no error); the byte-level ISO reader agrees with the regex it replaces; ``take_rows``
chunk by chunk equals Arrow's ``take``. (Whole rosters: tests/test_roster_io.py.)"""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.schema.cells import _DATE_ISO, _iso_cells, parse_dates, take_rows
from tests.roster_helpers import ts

_ISO_LIKE = st.one_of(
    st.dates(date(1000, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.text(alphabet="0123456789-/ 年月日２０\u3000\x00x", min_size=0, max_size=12),
    st.text(max_size=11),
    st.none())


@settings(max_examples=300, deadline=None)
@given(cells=st.lists(_ISO_LIKE, max_size=40), large=st.booleans(), cut=st.integers(0, 3))
def test_iso_bytes_agree_with_the_iso_regex(cells, large, cut):
    arr = pa.array(cells, pa.large_string() if large else pa.string()).slice(cut)
    want = pc.fill_null(pc.match_substring_regex(arr, _DATE_ISO), False).to_numpy(
        zero_copy_only=False)
    rows, y, m, d = _iso_cells(arr)
    assert rows.tolist() == np.flatnonzero(want).tolist()
    texts = arr.to_pylist()
    assert [(int(t[:4]), int(t[5:7]), int(t[8:])) for t in (texts[i] for i in rows)] == list(
        zip(y.tolist(), m.tolist(), d.tolist(), strict=True))


@settings(max_examples=200, deadline=None)
@given(chunks=st.lists(st.lists(st.one_of(st.text(max_size=6), st.none()), max_size=8),
                       min_size=1, max_size=6),
       pick=st.lists(st.booleans(), max_size=48), large=st.booleans())
def test_take_rows_chunk_by_chunk_equals_a_take(chunks, pick, large):
    kind = pa.large_string() if large else pa.string()
    arr = pa.chunked_array([pa.array(c, kind) for c in chunks], kind)
    rows = np.flatnonzero(np.resize(np.array(pick or [False], dtype=bool), len(arr)))
    got = take_rows(arr, rows)
    assert got.type == kind
    assert got.to_pylist() == arr.combine_chunks().take(pa.array(rows, pa.int64())).to_pylist()
    assert take_rows(arr.combine_chunks(), rows).to_pylist() == got.to_pylist()


# -- parse_dates: every accepted date form, the invalid ones, missing is not an error -----------
@pytest.mark.parametrize(
    "text",
    [
        "2021-08-01", "2021/8/1", "2021/08/01", "2021.8.1", "2021年8月1日", "2021年08月01日",
        "20210801", "2021-08-01 00:00:00", "2021/8/1 0:00", "2021-08-01T00:00:00",
        " 2021-08-01 ", "２０２１－０８－０１", "2021 年 8 月 1 日",
    ],
)  # fmt: skip
def test_every_date_format(text):
    values, invalid = parse_dates(pd.Series([text]))
    assert values[0] == ts("2021-08-01")
    assert not invalid[0]
    assert values.dtype == np.dtype("datetime64[s]")


@pytest.mark.parametrize(
    "text",
    ["2021-02-30", "2021-13-01", "2021-00-10", "2021-04-31", "2021-8", "01/08/2021", "明天",
     "2021-08-01 25:00", "1899-12-31", "2200-01-01", "202108011", "2021-08-01x"],
)  # fmt: skip
def test_invalid_dates(text):
    values, invalid = parse_dates(pd.Series([text]))
    assert pd.isna(values[0])
    assert invalid[0]


def test_leap_day():
    values, invalid = parse_dates(pd.Series(["2020-02-29", "2021-02-29", "2000/2/29", "1900/2/29"]))
    assert values.tolist()[:1] == [ts("2020-02-29")]
    assert values[2] == ts("2000-02-29")
    assert invalid.tolist() == [False, True, False, True]


def test_missing_dates_are_not_errors():
    values, invalid = parse_dates(pd.Series(["", "  ", None, pd.NA], dtype=object))
    assert values.isna().all()
    assert not invalid.any()


def test_parse_dates_keeps_index_and_accepts_typed_values():
    s = pd.Series(["2021-08-01", "bad"], index=[10, 20])
    values, invalid = parse_dates(s)
    assert list(values.index) == [10, 20] and list(invalid.index) == [10, 20]
    mixed = pd.Series(
        [date(2021, 8, 1), datetime(2021, 8, 1, 13, 5), pd.Timestamp("2021-08-01"), 44409,
         44409.75, "2021/8/1", None, np.nan, True, 12.0],
    )  # fmt: skip
    values, invalid = parse_dates(mixed)
    assert values[:6].tolist() == [ts("2021-08-01")] * 6
    assert values[6:].isna().all()
    assert invalid.tolist() == [False] * 8 + [True, True]  # a bool, serial 12 out of range
    dt = pd.Series(pd.to_datetime(["2021-08-01 10:00", None]))
    values, invalid = parse_dates(dt)
    assert values[0] == ts("2021-08-01") and pd.isna(values[1]) and not invalid.any()
    serial, invalid = parse_dates(pd.Series([44409, 1, None], dtype="Int64"))
    assert serial[0] == ts("2021-08-01") and invalid.tolist() == [False, True, False]
