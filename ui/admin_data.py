"""Where the admin page's roster comes from, cached so that a rerun on 1M rows stays quick.

* ``store()``: the configured roster database (``core.config.db_url()``), opened once per URL;
  opening it runs ``Store.ensure_demo()``, so a fresh installation (``make run``) shows the
  demo roster as its first snapshot.
* a snapshot's rows are loaded once per (URL, snapshot id).
* ``assessed(sid, as_of)``: ``core.assess_roster`` of that snapshot at ``as_of``, with the
  helper columns of ``core.dashboard.prepare``; one entry per (URL, snapshot id, as-of date).
* ``demo_assessed(as_of)``: the demo roster in memory (demo mode never reads the database).

The cached frames are shared between sessions and must not be modified (st.cache_resource
hands out the object itself: no copy, no pickling of a million rows).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import assess_roster
from core.admin import dashboard as dash
from core.demo.roster import DEMO_ROWS, DEMO_SEED, demo_roster
from core.policy.dates import today_shanghai
from core.roster.store import Store, StoreError
from core.runtime import config


@st.cache_resource(show_spinner=False, max_entries=4)
def _store(url: str) -> Store:
    store = Store(url)
    store.ensure_demo()
    return store


def store() -> Store:
    """The configured store; raises StoreError (also for an unusable configuration)."""
    try:
        url = config.db_url()
    except config.ConfigError as exc:
        raise StoreError(exc.code, exc.message_zh, exc.message_en) from exc
    return _store(url)


@st.cache_resource(show_spinner=False, max_entries=2)
def _snapshot(url: str, snapshot_id: int) -> pd.DataFrame:
    # the helper columns do not depend on the as-of date: fold them once per snapshot
    return dash.prepare(_store(url).load(snapshot_id))


@st.cache_resource(show_spinner=False, max_entries=3)
def _assessed(url: str, snapshot_id: int, as_of: date) -> pd.DataFrame:
    return dash.prepare(assess_roster(dash.roster_at(_snapshot(url, snapshot_id), as_of), as_of))


def assessed(snapshot_id: int, as_of: date) -> pd.DataFrame:
    """The prepared assessment of snapshot ``snapshot_id`` at ``as_of`` (cached, read-only)."""
    url = config.db_url()
    _store(url)
    return _assessed(url, int(snapshot_id), as_of)


@st.cache_resource(show_spinner=False, max_entries=2)
def _demo(generated_on: date) -> pd.DataFrame:
    return dash.prepare(demo_roster(DEMO_ROWS, seed=DEMO_SEED, as_of=generated_on))


@st.cache_resource(show_spinner=False, max_entries=4)
def _demo_assessed(generated_on: date, as_of: date) -> pd.DataFrame:
    return dash.prepare(assess_roster(dash.roster_at(_demo(generated_on), as_of), as_of))


def demo_assessed(as_of: date) -> pd.DataFrame:
    """The demo roster (the same rows ``Store.ensure_demo`` imports today), assessed."""
    return _demo_assessed(today_shanghai(), as_of)
