"""Issue 27: a store dropped from Streamlit's cache (cleared, or pushed out by another URL)
closes its connections instead of leaving an SQLite handle or a PostgreSQL pool open."""

from __future__ import annotations

import streamlit as st

from core.roster.store import Store
from ui import admin_data


def test_a_replaced_store_is_closed(tmp_path, monkeypatch):
    st.cache_resource.clear()  # what earlier tests cached, released before counting
    closed: list[Store] = []
    original = Store.close
    monkeypatch.setattr(Store, "close", lambda self: (closed.append(self), original(self)))
    url = f"sqlite:///{(tmp_path / 'a.db').as_posix()}"
    store = admin_data._store(url)
    assert admin_data._store(url) is store  # cached
    st.cache_resource.clear()  # what clear_cache did for any client
    assert closed == [store]
    for i in range(5):  # more URLs than the cache keeps (max_entries=4): the oldest is closed
        admin_data._store(f"sqlite:///{(tmp_path / f'{i}.db').as_posix()}")
    assert len(closed) == 2
    st.cache_resource.clear()
    assert len(closed) == 6
