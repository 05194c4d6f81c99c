"""core.rules.ops: each operation gives on Python scalars what it gives on numpy arrays, so a
rule written once answers the same for one profile (scalars) and a roster (arrays)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from core.rules import ops

ints = st.integers(-100_000, 100_000)
rows = st.lists(st.tuples(st.booleans(), ints, ints), min_size=1, max_size=20)


@given(rows)
def test_elementwise_operations_agree_on_scalars_and_arrays(data):
    cond = np.array([c for c, _, _ in data])
    a = np.array([x for _, x, _ in data])
    b = np.array([y for _, _, y in data])
    assert ops.where(cond, a, b).tolist() == [ops.where(c, x, y) for c, x, y in data]
    assert ops.not_(cond).tolist() == [ops.not_(c) for c, _, _ in data]
    assert ops.minimum(a, b).tolist() == [ops.minimum(x, y) for _, x, y in data]
    assert ops.maximum(a, b).tolist() == [ops.maximum(x, y) for _, x, y in data]
    assert ops.any_(cond) == any(ops.any_(c) for c, _, _ in data)


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=20))
def test_first_match_picks_the_first_condition_that_holds(data):
    conds = [np.array(col) for col in zip(*data, strict=True)]
    whole = ops.first_match(conds, [10, 20, 30], 0)
    one = [ops.first_match(list(row), [10, 20, 30], 0) for row in data]
    assert whole.tolist() == one
    assert one == [next((c for h, c in zip(row, (10, 20, 30), strict=True) if h), 0)
                   for row in data]


def test_scalars_stay_python_scalars():
    """A profile's answers go to JSON: no numpy scalar may leak out of the scalar path."""
    assert type(ops.where(True, 1, 2)) is int
    assert type(ops.not_(False)) is bool
    assert type(ops.minimum(3, 4)) is int
    assert type(ops.first_match([False, True], [1, 2], 0)) is int
    assert ops.not_(np.bool_(True)) is False  # a numpy bool is a scalar too
