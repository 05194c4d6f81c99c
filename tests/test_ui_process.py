"""ui/process.py: the startup heap is frozen once per process, whatever the number of runs."""

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
