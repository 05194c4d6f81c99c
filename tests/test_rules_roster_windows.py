"""core/rules/roster_windows.py: R-6's certificate usage window per person over a prepared roster
(``person_windows``, ``usage_windows``). That it equals the window of ``assess`` on each
person's profile, and the due list's choice of people, are hypothesis proofs in
tests/test_rules_roster.py."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.demo.roster import demo_roster
from core.rules.roster import prepare_roster
from core.rules.roster_windows import person_windows, usage_windows


def test_the_windows_frame_has_the_same_dtypes_whoever_is_chosen():
    """The ``reason`` column is text for any selection: none chosen, only people whose window
    has no reason, or all (found by hypothesis: an all-missing column was inferred as object)."""
    prep = prepare_roster(demo_roster(2000, seed=3, as_of=date(2026, 11, 27)))
    as_of = date(2026, 11, 27)
    windows = person_windows(prep, as_of)
    every = usage_windows(prep, as_of, windows)
    no_reason = (windows.window.reason == 0)
    assert no_reason.any() and not no_reason.all()
    for only in (np.zeros(len(windows), bool), no_reason, np.ones(len(windows), bool)):
        some = usage_windows(prep, as_of, windows, only=only)
        pd.testing.assert_series_equal(some.dtypes, every.dtypes)
