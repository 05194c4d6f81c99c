"""core/schema/cell_text.py: a roster's continuing-education flags from their text (every accepted
spelling, in Chinese and English); a flag in a whole file, blank or not understood, is
tests/test_roster_io.py's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.schema.cell_text import parse_flags


@pytest.mark.parametrize(
    ("text", "value"),
    [("是", True), ("否", False), ("TRUE", True), ("False", False), ("1", True), ("0", False),
     ("yes", True), ("No", False), ("Y", True), ("n", False), ("已完成", True), ("未完成", False),
     ("√", True), ("×", False), (" 是 ", True)],
)  # fmt: skip
def test_flags(text, value):
    values, invalid = parse_flags(pd.Series([text], dtype="string"))
    assert values[0] is (np.True_ if value else np.False_) or values[0] == value
    assert values.dtype == "boolean"
    assert not invalid[0]
