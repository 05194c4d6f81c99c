"""core/schema/cells.py: the typed cells' byte-level helpers: the ISO date reader agrees with the
regex it replaces, and ``take_rows`` chunk by chunk equals Arrow's ``take``. (Reading whole
rosters into typed cells: tests/test_roster_io.py.)"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from core.schema.cells import _DATE_ISO, _iso_cells, take_rows

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
