"""/admin's login form prefetches the current snapshot, in AppTest: prepared and assessed for
today's as-of date; for another date only prepared (what every date shares)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from core.admin.auth import hash_password
from tests import app_helpers
from tests.app_helpers import APP, assert_clean, open_admin
from ui import admin_data

PASSWORD = "prefetch-口令-123"


@pytest.fixture(autouse=True)
def isolated(isolated_app, monkeypatch):
    monkeypatch.setenv("ECERT_ADMIN_PASSWORD_HASH", hash_password(PASSWORD))
    calls = []
    real = admin_data.prepare_roster

    def counting(df, policy):
        calls.append(threading.current_thread().name)
        return real(df, policy)

    monkeypatch.setattr(admin_data, "prepare_roster", counting)
    return calls


def wait_for_prefetch() -> None:
    for thread in threading.enumerate():
        if thread.name == "ecert-admin-prefetch":
            thread.join(timeout=120)


def test_the_login_form_prepares_the_snapshot_in_the_background(isolated):
    at = open_admin()  # today's date: the login form starts the prefetch
    assert at.text_input(key="admin_password") and not at.metric
    wait_for_prefetch()
    assert isolated == ["ecert-admin-prefetch"]
    app_helpers.login(at, PASSWORD)
    assert at.metric and at.get("plotly_chart")
    assert isolated == ["ecert-admin-prefetch"]  # the login found it ready: not prepared again
    open_admin()  # another login form the same day: no second prefetch
    wait_for_prefetch()
    assert isolated == ["ecert-admin-prefetch"]


def test_for_another_date_the_snapshot_is_only_prepared(isolated, monkeypatch):
    assessed = []
    real = admin_data.assess_with_problems

    def counting(prepared, as_of):
        assessed.append((threading.current_thread().name, as_of))
        return real(prepared, as_of)

    monkeypatch.setattr(admin_data, "assess_with_problems", counting)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.date_input(key="as_of").set_value(date(2022, 3, 1)).run()
    at.switch_page("pages/admin.py").run()  # the login form, at 2022-03-01
    assert_clean(at)
    assert at.text_input(key="admin_password")
    wait_for_prefetch()
    assert isolated == ["ecert-admin-prefetch"] and assessed == []  # no date's work
    app_helpers.login(at, PASSWORD)
    assert at.metric
    assert isolated == ["ecert-admin-prefetch"]  # the login found the snapshot prepared
    assert assessed and all(name != "ecert-admin-prefetch" for name, _ in assessed)
    at2 = AppTest.from_file(APP, default_timeout=120)
    at2.run()
    at2.date_input(key="as_of").set_value(date(2023, 5, 1)).run()
    at2.switch_page("pages/admin.py").run()  # yet another date: nothing more to prepare
    wait_for_prefetch()
    assert isolated == ["ecert-admin-prefetch"]


def test_the_snapshot_layer_is_the_same_on_two_threads(monkeypatch):
    """``_snapshot_of`` on a long roster (helper columns beside ``prepare_roster``, ``given``
    beside the person ids) equals the one-thread path, and works out ``given`` in both."""
    import numpy as np
    from pandas.testing import assert_frame_equal

    from core.admin import dashboard as dash
    from core.demo.roster import demo_roster

    roster = demo_roster(2000, seed=11, as_of=date(2026, 11, 27))
    made = {}
    for name, threshold in (("one", 10**9), ("two", 0)):
        monkeypatch.setattr(admin_data, "THREADED_ROWS", threshold)
        made[name] = admin_data._snapshot_of(roster)
        assert "given" in made[name].prepared._later
    one, two = made["one"], made["two"]
    assert_frame_equal(one.basis, two.basis)
    assert_frame_equal(two.basis, dash.basis(roster))
    assert list(two.basis.columns) == list(dash.basis(roster).columns)
    np.testing.assert_array_equal(one.prepared.person, two.prepared.person)
    for a, b in zip(one.prepared.given, two.prepared.given, strict=True):
        if isinstance(a, tuple):
            for x, y in zip(a, b, strict=True):
                np.testing.assert_array_equal(x, y)
        else:
            np.testing.assert_array_equal(a, b)
