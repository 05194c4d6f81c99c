"""Where the admin page's numbers come from: each piece of work done once, cached by its inputs.

Three layers, each cached by exactly what it depends on (issue 11 item 3):

1. **per snapshot** (``Source.key`` = ("db", database URL, snapshot id) or ("demo", day the demo
   was generated)): the roster, ``prepare_roster`` of it (text and number checks, province
   folding, person ids, day numbers, and the date-free part of R-1 to R-3,
   ``PreparedRoster.given``) and ``core.admin.dashboard.basis`` (the page's date-independent
   helper columns). The snapshot id is read from the database on every run
   (one small query), so an import made on another server shows up at the next run.
   ``prepare_roster`` takes the policy in force at the as-of date (``POLICY.in_force``): one
   preparation per snapshot and notice version.
2. **per as-of date**: ``assess_with_problems`` (only the date rules), the narrow frame the counts
   read (``dashboard.compact``) and ``usage_windows``: exactly ``assess_roster(roster, as_of)``
   and the windows of the same preparation, seen as the roster stood at that date
   (``core.rules.roster.seen_at``: downloads dated after it count as absent; a view over one
   column, so looking back in time costs no new preparation).
3. **per filter**: the selected rows of the narrow frame, and every count, chart frame and table
   order on them (ui/admin_dashboard.py caches those, keyed by the same tuple plus the filters).

All caches are ``st.cache_resource``: shared by every session of the server, never copied or
pickled. What they return must not be modified.

**Account scopes** (issue 25, core/admin/scope.py): a logged-in account's ``Scope`` is the
fourth element of a database source's key (``snapshot_source(id, scope)``; national keys have
none and share the caches above). Every layer starts from ``_base(key)``, which applies it:
a province account's snapshot holds only its provinces' rows (restricted before preparation,
cached per scope); a viewer's frames (assessment, usage windows) lose the personal columns
where layer 2 makes them (``_view``, ``_windows``). So no widget, chart, table or export reads
a row outside the account's scope, whatever it asks for; ``Source.rows_allowed`` tells the page
whether to draw row tables at all.

``prefetch(as_of)``: while the login form is on screen, a background thread loads, prepares and
assesses the current snapshot (layers 1 and 2; ui/admin_dashboard.py then adds the overview's
first view), so the dashboard is ready when the password has been typed. Layers 2 and 3 only
for today's as-of date and once per database and day, so a visitor cannot make the server work
by asking for other dates; for any other date only layer 1 (loading and preparing the snapshot,
the same for every date), once per database. Nothing is shown before the login succeeds.
Then it starts the upload check's cage (core.roster.cage.start_server), so a first upload does
not wait for its modules.

Opening the store (once per server) also starts a writer for any row table an earlier server
left pending (core/roster/store.py, "Row table later").
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from core.admin import dashboard as dash
from core.admin import monitor
from core.admin.importing import check_job, write_rows_later
from core.admin.scope import Scope, restrict, restrict_roster
from core.demo.roster import DEMO_ROWS, DEMO_SEED, demo_roster
from core.demo.seed import ensure_demo
from core.messages.problems import ProblemTable
from core.policy.data import POLICY
from core.policy.dates import today_shanghai
from core.roster.cage import start_server
from core.roster.store import Store, StoreError
from core.rules.roster import PreparedRoster, assess_with_problems, prepare_roster, seen_at
from core.rules.roster_windows import usage_windows
from core.runtime import config
from core.schema.roster import THREADED_ROWS

__all__ = ["DEMO_ROWS", "Filters", "Source", "View", "assessed", "demo_source", "prefetch",
           "snapshot_source", "store", "view", "window_index", "windows"]

log = logging.getLogger(__name__)

Key = tuple  # ("db", url, snapshot id[, Scope]) | ("demo", generated_on)


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, hashable (a cache key): empty = everything."""

    regimes: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    specialties: tuple[str, ...] = ()
    employer: str = ""


@dataclass(frozen=True)
class Source:
    """The roster the page shows: a database snapshot or the demo roster."""

    key: Key

    @property
    def snapshot_id(self) -> int | None:
        return self.key[2] if self.key[0] == "db" else None

    @property
    def scope(self) -> Scope:
        """The account scope the key was made for (core/admin/scope.py); national without."""
        return _scope_of(self.key)

    @property
    def rows_allowed(self) -> bool:
        """May this source's readers show rows of people (tables, lists, exports)?"""
        return self.scope.rows_allowed


def _scope_of(key: Key) -> Scope:
    return key[3] if key[0] == "db" and len(key) > 3 else Scope.national()


@dataclass(frozen=True)
class Snapshot:
    roster: pd.DataFrame
    prepared: PreparedRoster  # under POLICY (the base notice)
    basis: pd.DataFrame


@dataclass(frozen=True)
class View:
    """One snapshot at one as-of date: the full assessment, the narrow frame and the rows'
    problems as data (aligned with ``assessed``; none for a viewer, whose messages could quote
    a personal cell)."""

    assessed: pd.DataFrame
    compact: pd.DataFrame
    problems: ProblemTable


# ----------------------------------------------------------------------------- layer 1
def _close_store(store: Store) -> None:
    """A store dropped from the cache closes its connections (issue 27: each replaced store
    left an SQLite handle or a PostgreSQL pool open)."""
    store.close()


@st.cache_resource(show_spinner=False, max_entries=4, on_release=_close_store)
def _store(url: str) -> Store:
    store = Store(url)
    ensure_demo(store)
    try:  # row tables a writer left when its server stopped (core/roster/store.py)
        if store.rows_pending():
            write_rows_later(store)
    except StoreError as exc:
        log.warning("pending row tables not started: %s", exc.code)
    return store


def store() -> Store:
    """The configured store; raises StoreError (also for an unusable configuration)."""
    try:
        url = config.db_url()
    except config.ConfigError as exc:
        raise StoreError(exc.code, exc.message_zh, exc.message_en) from exc
    return _store(url)


def _snapshot_of(roster: pd.DataFrame) -> Snapshot:
    """Layer 1 of one roster. The date-free part of R-1 to R-3 (``PreparedRoster.given``) is
    worked out here too, so an as-of date runs only the rules that depend on it, and a prefetch
    for another date (layer 1 only) covers it. A long roster uses a second thread (Arrow, numpy
    and pandas' hashing let go of the GIL): the helper columns beside ``prepare_roster``, then
    ``given`` beside the person ids."""
    if len(roster) < THREADED_ROWS:
        prepared = prepare_roster(roster, POLICY)
        prepared.given  # noqa: B018 - worked out on first use and kept
        return Snapshot(roster, prepared, dash.basis(roster, person=prepared.person))
    with ThreadPoolExecutor(max_workers=1) as pool:
        texts = pool.submit(dash.text_basis, roster)
        prepared = prepare_roster(roster, POLICY)
        given = pool.submit(lambda: prepared.given)
        person = prepared.person
        given.result()
        return Snapshot(roster, prepared, dash.with_person(texts.result(), person))


@st.cache_resource(show_spinner=False, max_entries=2)
def _db_snapshot(url: str, snapshot_id: int) -> Snapshot:
    return _snapshot_of(_store(url).load(snapshot_id))


@st.cache_resource(show_spinner=False, max_entries=2)
def _demo_snapshot(generated_on: date) -> Snapshot:
    return _snapshot_of(demo_roster(DEMO_ROWS, seed=DEMO_SEED, as_of=generated_on))


@st.cache_resource(show_spinner=False, max_entries=4)
def _province_snapshot(url: str, snapshot_id: int, scope: Scope) -> Snapshot:
    """A province account's snapshot: only its provinces' rows, prepared on their own."""
    return _snapshot_of(restrict_roster(_db_snapshot(url, snapshot_id).roster, scope))


def _base(key: Key) -> Snapshot:
    """The rows ``key``'s scope may count (a province account: its provinces only)."""
    if key[0] != "db":
        return _demo_snapshot(key[1])
    scope = _scope_of(key)
    if scope.role == "province":
        return _province_snapshot(key[1], key[2], scope)
    return _db_snapshot(key[1], key[2])


def snapshot_source(snapshot_id: int, scope: Scope | None = None) -> Source:
    """The database snapshot ``snapshot_id`` of the configured store, as ``scope`` (an admin
    account's, core/admin/scope.py; default national) may see it."""
    url = config.db_url()
    _store(url)
    if scope is None or scope.everything:
        return Source(("db", url, int(snapshot_id)))
    return Source(("db", url, int(snapshot_id), scope))


def demo_source() -> Source:
    """The demo roster (the same rows ``core.demo.seed.ensure_demo`` imports today), in memory."""
    return Source(("demo", today_shanghai()))


# ----------------------------------------------------------------------------- layer 2
def _version(policy) -> str:
    return f"{policy.basis['notice']} {policy.basis['policy_version']}"


@st.cache_resource(show_spinner=False, max_entries=2)
def _prepared_other(key: Key, version: str) -> PreparedRoster:
    """``prepare_roster`` under another notice version (a later notice as data)."""
    policy = next(p for p in (POLICY, *POLICY.amendments) if _version(p) == version)
    return prepare_roster(_base(key).roster, policy)


def _prepared(key: Key, as_of: date) -> PreparedRoster:
    """The snapshot prepared once, seen as it stood at ``as_of`` (later downloads absent: a
    view over one column, no new preparation)."""
    snap = _base(key)
    policy = POLICY.in_force(as_of)
    prepared = snap.prepared if policy is POLICY else _prepared_other(key, _version(policy))
    return seen_at(prepared, as_of)


@st.cache_resource(show_spinner=False, max_entries=3)
def _view(key: Key, as_of: date) -> View:
    full, problems = assess_with_problems(_prepared(key, as_of), as_of)
    scope = _scope_of(key)
    if not scope.rows_allowed:
        problems = ProblemTable.none(len(full))
    return View(restrict(full, scope), dash.compact(full, _base(key).basis), problems)


def view(source: Source, as_of: date) -> View:
    return _view(source.key, as_of)


def assessed(snapshot_id: int, as_of: date) -> pd.DataFrame:
    """The assessment of snapshot ``snapshot_id`` at ``as_of`` (cached, read-only); also warms
    the page's cache after an import."""
    return view(snapshot_source(snapshot_id), as_of).assessed


@st.cache_resource(show_spinner=False, max_entries=3)
def _windows(key: Key, as_of: date) -> pd.DataFrame:
    return restrict(usage_windows(_prepared(key, as_of), as_of), _scope_of(key))


def windows(source: Source, as_of: date) -> pd.DataFrame:
    """``usage_windows`` of the roster at ``as_of``: one row per person with a download."""
    return _windows(source.key, as_of)


@st.cache_resource(show_spinner=False, max_entries=3)
def _window_index(key: Key, as_of: date) -> monitor.WindowIndex:
    return monitor.index(_windows(key, as_of))


def window_index(source: Source, as_of: date) -> monitor.WindowIndex:
    """The windows at ``as_of`` as codes (core.admin.monitor.index), once per as-of date."""
    return _window_index(source.key, as_of)


# ----------------------------------------------------------------------------- layer 3
@st.cache_resource(show_spinner=False, max_entries=6)
def _selection(key: Key, as_of: date, filters: Filters) -> pd.DataFrame:
    frame = _view(key, as_of).compact
    mask = dash.filter_mask(frame, filters.regimes, filters.provinces, filters.specialties,
                            filters.employer)
    return frame if mask is None else frame[mask]


def selection(source: Source, as_of: date, filters: Filters) -> pd.DataFrame:
    """The rows of the narrow frame that match ``filters``."""
    return _selection(source.key, as_of, filters)


# ----------------------------------------------------------------------------- prefetch
_started: set[tuple[str, date | None]] = set()
_started_lock = threading.Lock()


def _warm(url: str, as_of: date | None, then) -> None:
    try:
        snapshot_id = _store(url).current_id()
        if snapshot_id is not None:
            key = ("db", url, snapshot_id)
            if as_of is None:
                _base(key)  # layer 1 only: the same whatever the as-of date
            else:
                _view(key, as_of)
                if then is not None:
                    then(Source(key))
    except Exception as exc:  # noqa: BLE001 - the page reports store errors itself
        log.warning("admin prefetch failed: %s", type(exc).__name__)
    try:  # then the upload check's cage (its modules preloaded), ready before an upload
        start_server(check_job)
    except OSError as exc:
        log.warning("cage server not started: %s", type(exc).__name__)


def prefetch(as_of: date, then=None) -> None:
    """Warm the current snapshot's caches at ``as_of`` in the background (module doc); then
    call ``then(source)`` in that thread (the dashboard warms its first view). For another
    as-of date than today only the snapshot layer (layer 1), which every date shares."""
    if as_of != today_shanghai():
        as_of = then = None
    try:
        url = config.db_url()
    except config.ConfigError:
        return
    with _started_lock:
        if (url, as_of) in _started:
            return
        _started.add((url, as_of))
    thread = threading.Thread(target=_warm, args=(url, as_of, then),
                              name="ecert-admin-prefetch", daemon=True)
    add_script_run_ctx(thread, get_script_run_ctx())  # cache functions only: no element drawn
    thread.start()
