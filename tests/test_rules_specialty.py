"""R-5, C-2.2.1 / C-2.2.2: the application action per specialty, at its boundaries
(apply_by − 91, − 90, apply_by, + 1), over arrays and scalars alike."""

from __future__ import annotations

import numpy as np
import pytest

from core.policy.data import POLICY
from core.rules import specialty as S

APPLY_BY = 20_000  # a day number; only differences matter here
V, NOW, EXP, LAP, PEND, AGE, NYV = (S.STATUS[s] for s in (
    "valid", "apply_now", "expired_not_lapsed", "lapsed", "renewal_pending", "age_limit",
    "not_yet_valid"))


def action(status, t, renewable=True):
    return S.APPLICATION_ACTIONS[int(S.application_action(status, renewable, APPLY_BY, t, POLICY))]


@pytest.mark.parametrize(("offset", "expected"), [
    (-91, None), (-90, "renew_before_deadline"), (0, "renew_before_deadline"), (1, None)])
def test_renew_before_deadline_window(offset, expected):
    # T = apply_by + 1 on a valid cycle cannot happen (R-4 says apply_now); the rule still
    # gives no "before the deadline" advice past the deadline.
    assert action(V, APPLY_BY + offset) == expected


def test_the_window_is_the_policy_data():
    assert POLICY.days("renewal_reminder") == 90


@pytest.mark.parametrize(("status", "expected"), [
    (NOW, "apply_for_renewal"), (EXP, "apply_for_renewal"), (LAP, "re_register"),
    (PEND, None), (AGE, None), (NYV, None)])
def test_other_statuses(status, expected):
    assert action(status, APPLY_BY) == expected


def test_not_renewable_has_no_deadline_action():
    assert action(V, APPLY_BY - 10, renewable=False) is None


def test_arrays_agree_with_scalars():
    statuses = np.array([V, V, V, V, NOW, EXP, LAP, PEND, AGE])
    days = np.array([-91, -90, 0, 1, 5, 40, 100, 0, 0]) + APPLY_BY
    arr = S.application_action(statuses, np.ones(9, bool), np.full(9, APPLY_BY), days, POLICY)
    assert [S.APPLICATION_ACTIONS[c] for c in arr] == [
        action(int(s), int(d)) for s, d in zip(statuses, days, strict=True)]
