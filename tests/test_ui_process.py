"""ui/process.py, once per process whatever the number of runs: the startup heap frozen, full
collections less often, numpy's large arrays on ordinary pages (unless the operator says)."""

from __future__ import annotations

from ui import process


def test_the_heap_is_frozen_once(monkeypatch):
    calls = []
    monkeypatch.setattr(process.gc, "freeze", lambda: calls.append(1))
    monkeypatch.setattr(process, "_frozen", False)
    assert process.freeze_startup_heap() is True
    assert process.freeze_startup_heap() is False
    assert process.freeze_startup_heap() is False
    assert calls == [1]


def test_huge_pages_are_switched_off_once(monkeypatch):
    from numpy._core import multiarray

    calls = []
    monkeypatch.setattr(multiarray, "_set_madvise_hugepage", lambda on: calls.append(on) or True)
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    monkeypatch.setattr(process, "_paged", False)
    assert process.small_pages() is True
    assert process.small_pages() is False
    assert calls == [False]


def test_an_operators_numpy_setting_stands(monkeypatch):
    from numpy._core import multiarray

    calls = []
    monkeypatch.setattr(multiarray, "_set_madvise_hugepage", lambda on: calls.append(on) or True)
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    monkeypatch.setattr(process, "_paged", False)
    assert process.small_pages() is False
    assert calls == []


def test_the_switch_is_numpys_own():
    """The private function numpy's import calls exists and answers (it returns the previous
    setting); put back as it was."""
    from numpy._core import multiarray

    before = multiarray._set_madvise_hugepage(False)
    assert isinstance(before, bool)
    multiarray._set_madvise_hugepage(before)


def test_full_collections_come_after_more_middle_ones(monkeypatch):
    import gc

    before = gc.get_threshold()
    try:
        assert process.fewer_full_collections() == before
        assert gc.get_threshold() == (before[0], before[1], process.FULL_AFTER)
        process.fewer_full_collections()  # again: the same
        assert gc.get_threshold() == (before[0], before[1], process.FULL_AFTER)
    finally:
        gc.set_threshold(*before)


def test_the_first_run_of_the_app_sets_them(isolated_app, monkeypatch):
    """The router freezes the startup heap and sets the thresholds on the process's first run."""
    import gc

    from streamlit.testing.v1 import AppTest

    from tests.app_helpers import APP

    before = gc.get_threshold()
    monkeypatch.setattr(process, "_frozen", False)
    monkeypatch.setattr(process.gc, "freeze", lambda: None)
    try:
        gc.set_threshold(before[0], before[1], 10)
        AppTest.from_file(APP, default_timeout=60).run()
        assert process._frozen
        assert gc.get_threshold() == (before[0], before[1], process.FULL_AFTER)
    finally:
        gc.set_threshold(*before)
