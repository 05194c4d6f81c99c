"""core.roster.importing: the admin import use case without Streamlit (read -> check -> store)."""

from __future__ import annotations

from core.demo.roster import demo_roster
from core.policy.dates import today_shanghai
from core.roster import importing
from core.roster.io import to_csv_bytes
from core.roster.store import Store


def roster_csv(n: int = 60, seed: int = 5, bad: bool = False) -> bytes:
    df = demo_roster(n, seed=seed, as_of=today_shanghai())
    out = df.astype(object)
    if bad:
        out.loc[1, "birth_date"] = "2021/13/45"
        out.loc[2, "employer_province"] = "火星"
        out.loc[3, "specialty"] = "=HYPERLINK(\"x\")"
    return to_csv_bytes(out)


def test_prepare_and_accept_import_directly(tmp_path):
    today = today_shanghai()
    pending = importing.prepare_import(roster_csv(25, bad=True), "x.csv", today)
    assert (pending.n_rows, pending.accepted, pending.rejected) == (25, 22, 3)
    assert len(pending.preview) == importing.PREVIEW_ROWS
    store = Store(f"sqlite:///{tmp_path / 'direct.db'}")
    calls = []
    sid = importing.accept_import(store, pending, lambda d, t: calls.append((d, t)))
    assert store.current_id() == sid and calls[0] == (0, 22) and calls[-1] == (22, 22)
    assert len(store.load()) == 22
