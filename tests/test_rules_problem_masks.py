"""core/rules/problem_masks.py: the checks' problems as boolean masks. A check with no row keeps
nothing; ``render`` writes each distinct message once and gives every row its code; a profile's
``RowProblems`` (one specialty at a time, Python scalars) ends in the order of the array checks.
(Both loops against each other over whole profiles: tests/test_rules_validate.py.)"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from core.messages.catalogue import problem
from core.rules.problem_masks import Problems, RowProblems


def test_a_check_that_found_nothing_is_not_kept_and_any_rows_joins_the_masks():
    p = Problems()
    p.add("name", "required", np.zeros(4, dtype=bool))
    p.add("gender", "invalid_gender", [False, True, False, False])  # a list is made a mask
    p.add("specialty", "unknown_specialty", np.array([True, False, False, True]))
    assert [(f, c) for f, c, _, _ in p.items] == [("gender", "invalid_gender"),
                                                    ("specialty", "unknown_specialty")]
    assert p.any_rows(4).tolist() == [True, True, False, True]
    assert Problems().any_rows(3).tolist() == [False, False, False]


def test_render_writes_each_distinct_message_once():
    p = Problems()
    p.add("specialty", "unknown_specialty", np.array([True, False, True, True]),
          "value:specialty")
    texts = {"specialty": pa.array(["建筑", "建筑工程", "水利", "建筑"])}
    [(field, rows, codes, table)] = list(p.render(texts, {}, {}))
    assert field == "specialty" and rows.tolist() == [0, 2, 3]
    assert len(table) == 2  # "建筑" twice, "水利" once
    assert [table[c] for c in codes] == [
        problem("specialty", "unknown_specialty", value="建筑"),
        problem("specialty", "unknown_specialty", value="水利"),
        problem("specialty", "unknown_specialty", value="建筑")]


def test_row_problems_keep_a_person_problem_once_and_order_by_the_check():
    p = RowProblems(k=2)
    for row in (0, 1):  # the same checks, one specialty after the other
        p.begin(phase=0, row=row)
        p.add("name", "required", True)  # a person field: one element, kept once
        p.add("specialty", "unknown_specialty", row == 1)
        p.add("valid_from", "required", True)
    p.begin(phase=0, row=2)  # no third specialty: its specialty problems are dropped
    p.add("name", "required", False)
    p.add("specialty", "unknown_specialty", True)
    p.finish()
    got = [(f, c, m.tolist()) for f, c, m, _ in p.items]
    assert got == [("name", "required", [True]),
                   ("specialty", "unknown_specialty", [False, True]),
                   ("valid_from", "required", [True, True])]
    assert p.any_rows(2).tolist() == [True, True]
