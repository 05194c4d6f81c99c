"""The roster database: imported rosters kept as snapshots, one of them current.

SQLAlchemy 2 Core (no ORM) over any URL; SQLite by default (CONTRACT.md "Configuration":
``ECERT_DB_URL``, default a file under ``data/``). Four tables:

``snapshots``
    ``id`` (primary key, never reused), ``created_at`` (UTC, ISO 8601 text), ``file_name``,
    ``sha256``, ``accepted_rows``, ``rejected_rows``, ``is_current`` (at most one true),
    ``note``.
``snapshot_frames``
    ``snapshot_id`` (primary key, foreign key to ``snapshots.id``), ``format`` (``parquet``)
    and ``data``: the snapshot's rows as one compressed Parquet blob, written in the
    transaction that creates the snapshot. ``load`` reads it (a 1,000,000-row roster in well
    under a second) and falls back to ``roster_rows`` for a snapshot without one.
``snapshot_problems``
    ``snapshot_id`` (primary key, foreign key to ``snapshots.id``), ``format`` (``parquet``)
    and ``data``: the rows the snapshot's import rejected, one line per problem (``row`` in
    the file, ``column``, ``header``, ``code``, ``problem_zh``, ``problem_en`` and the row's
    ``name``, ``registration_number``, ``employer``, ``specialty`` as read), written in the
    transaction that creates the snapshot; none for a snapshot without rejected rows (and for
    one made before this table). ``problems`` reads it. A database made before it gets the
    table when a store opens it.
``roster_rows``
    ``snapshot_id`` (foreign key to ``snapshots.id``) and ``row_no`` (0-based position in the
    imported frame) form the primary key, which is also the index on ``snapshot_id``; then the 13
    canonical roster columns (CONTRACT.md "Roster file"). Dates are ISO ``YYYY-MM-DD`` text
    (portable across dialects, sorts and compares as dates, and converts fastest in both
    directions); ``continuing_education_done`` is a nullable boolean. On SQLite the table is
    ``WITHOUT ROWID``: rows are stored in key order, so an import appends and a load reads
    sequentially without a second index.

Databases
    SQLite (the embedded default) and PostgreSQL (``postgresql+psycopg://…``, psycopg 3) are
    both tested (tests/test_roster_store.py runs every test on each). The rows go in by each
    database's bulk path: PostgreSQL ``COPY … FROM STDIN`` (CSV written by Arrow, one chunk of
    ``chunk_rows`` rows at a time), SQLite ``executemany`` per chunk.

Guarantees
    ``import_snapshot`` writes the snapshot record, all its rows and the switch of the current
    snapshot in ONE transaction: when it fails, is cancelled (the ``progress`` callback raises),
    loses its connection or the process is killed, the database and the current snapshot are
    exactly as before. A unique partial index allows at most one current snapshot. On SQLite
    the database runs in WAL mode (readers keep reading the current snapshot during an import)
    and write transactions start with ``BEGIN IMMEDIATE`` (two writers queue instead of failing
    half-way). On PostgreSQL two imports write their rows side by side and queue only for the
    switch (a transaction-scoped advisory lock); waiting for a lock is bounded by ``timeout``
    (``lock_timeout``).

Row table later
    ``import_snapshot(..., rows_later=True)`` (the admin page's import) commits the snapshot
    record, its Parquet frame and the switch in one transaction and leaves ``roster_rows``
    for ``write_pending_rows``, which the page runs in a background process
    (``core.admin.importing.write_rows_later``): a 1M-row import is current in about a second
    instead of after the 6-7 s the SQLite row table takes. Until then the snapshot is listed
    by ``rows_pending``; it is complete (``load`` reads the frame) and ``integrity_check``
    accepts it. Writing the rows is one transaction per snapshot and checks again under the
    lock that they are still missing, so a killed writer leaves them pending (the admin page
    starts a writer for whatever is pending when a server opens the store) and two writers
    never both write them. Each snapshot's rows are, at every moment, none or all.

Concurrent imports
    ``import_snapshot(..., expect_current=ID)`` makes the import optimistic: inside the
    transaction, under the lock, the current snapshot is compared with ``ID`` (what the admin
    saw when checking the file). When another import (or a switch) became current in between,
    the new snapshot is still stored complete, but NOT made current, and
    :class:`ImportSuperseded` (``import_superseded``) says which snapshot is current and which
    one holds these rows. Nothing is lost, nothing is mixed, and exactly one is current.

Errors
    Every database problem reaches the caller as :class:`StoreError` with a code, and a Chinese
    and an English message naming the problem and the fix: ``db_locked``, ``disk_full``,
    ``db_unwritable``, ``db_corrupt``, ``db_unreachable``, ``db_timeout``, ``db_error``,
    ``bad_url``, ``no_snapshot``, ``snapshot_unknown``, ``snapshot_current``,
    ``invalid_roster``, ``import_superseded``.

Modules
    ``tables`` (the four tables), ``codecs`` (frames to and from Parquet, rows and CSV),
    ``errors`` (``StoreError`` and the translation of database errors; the texts are
    messages.toml ``[store.*]``), ``database`` (opening, transactions, locks), ``imports``
    (storing a snapshot and its row table later), ``snapshots`` (the list, the switch, deleting,
    the rejected rows' problems), ``reading`` (``load`` and the integrity checks). Other code
    imports the names below from ``core.roster.store`` only.

Never imports streamlit.
"""

from __future__ import annotations

from core.roster.store.codecs import empty_roster
from core.roster.store.database import CHUNK_ROWS
from core.roster.store.errors import ImportSuperseded, StoreError
from core.roster.store.imports import UNCHECKED, Imports, Progress
from core.roster.store.reading import Reading
from core.roster.store.snapshots import Snapshots
from core.roster.store.tables import COLUMNS, PROBLEM_COLUMNS

__all__ = ["CHUNK_ROWS", "COLUMNS", "PROBLEM_COLUMNS", "UNCHECKED", "ImportSuperseded", "Progress",
           "Store", "StoreError", "empty_roster"]


class Store(Imports, Snapshots, Reading):
    """Snapshots of rosters in a database; see the package doc for the guarantees."""
