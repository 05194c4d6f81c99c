"""core/roster/duplicates.py: which rows repeat an earlier row (issue 6's decision: duplicates
are kept and assessed each; the end-to-end case, reader -> assess_roster -> store, is in
tests/hostile/test_roster_files.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.roster.duplicates import duplicate_rows
from core.roster.io import read_roster
from tests.samples import GOOD_ROW, csv_bytes, with_cell


def test_duplicate_rows_edge_cases():
    empty = read_roster(csv_bytes([])).data
    assert duplicate_rows(empty).dtype == bool and len(duplicate_rows(empty)) == 0
    data = read_roster(csv_bytes([GOOD_ROW, with_cell(GOOD_ROW, "gender", ""),
                                  with_cell(GOOD_ROW, "gender", "")])).data
    data.index = [10, 20, 30]
    dup = duplicate_rows(data)
    assert list(dup.index) == [10, 20, 30] and dup.tolist() == [False, False, True]  # NA == NA
    # the error column does not make two rows different
    data.loc[30, "error"] = "x: y (z / w)"
    assert duplicate_rows(data).tolist() == [False, False, True]
    with pytest.raises(KeyError, match="nope"):
        duplicate_rows(data, ["nope"])


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["京1", "京2", None]),
                               st.sampled_from(["建筑", None]),
                               st.sampled_from(["张三", "李四", None]),
                               st.sampled_from([date(2021, 1, 1), None])), max_size=25))
def test_duplicate_rows_equal_comparing_whole_rows(rows):
    """duplicate_rows compares whole rows only among rows whose (number, specialty) repeats:
    the same answer as comparing every whole row (missing equals missing)."""
    data = pd.DataFrame(rows, columns=["registration_number", "specialty", "name", "valid_from"])
    data = data.astype({"registration_number": "string", "specialty": "string", "name": "string",
                        "valid_from": "datetime64[s]"})
    data.index = np.arange(len(data)) * 3
    cols = ["registration_number", "specialty", "name", "valid_from"]
    expected = data[cols].duplicated(keep="first")
    got = duplicate_rows(data, cols)
    assert got.dtype == bool and got.index.equals(data.index)
    assert got.tolist() == expected.tolist()
