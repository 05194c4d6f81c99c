"""Seeding a fresh installation: when the roster database has no snapshot at all, the fictional
demo roster (``core.demo.roster``) becomes its first, current snapshot, noted ``demo``.

The store knows nothing of the demo; this use case calls it (``Store.has_snapshots``,
``Store.import_first_snapshot``). Two servers opening the same empty database at once store it
once: the store checks again under its switch lock.
"""

from __future__ import annotations

import hashlib
from datetime import date

from core.demo.roster import DEMO_ROWS, DEMO_SEED, demo_roster
from core.policy.dates import today_shanghai
from core.roster.store import Store

__all__ = ["DEMO_FILE_NAME", "DEMO_NOTE", "ensure_demo"]

DEMO_FILE_NAME = "demo-roster"
DEMO_NOTE = "demo"  # the snapshot's note: the admin page labels it as fictional


def ensure_demo(store: Store, as_of: date | None = None) -> int | None:
    """When the database has no snapshot at all, import the fictional demo roster.

    Returns the new snapshot id, or None when the database already had a snapshot.
    """
    if store.has_snapshots():
        return None
    as_of = as_of or today_shanghai()
    description = (f"core.demo.roster.demo_roster(n_rows={DEMO_ROWS}, seed={DEMO_SEED}, "
                   f"as_of={as_of.isoformat()})")
    df = demo_roster(DEMO_ROWS, seed=DEMO_SEED, as_of=as_of)
    digest = hashlib.sha256(description.encode("utf-8")).hexdigest()
    return store.import_first_snapshot(df, DEMO_FILE_NAME, digest, note=DEMO_NOTE)
