"""What the cage (core/roster/cage.py) costs: a roster read and checked in-process vs caged.

    .venv/bin/python scripts/bench_cage.py [N_ROWS] [REPEATS]     (default 1,000,000 and 3)

Writes ``core.demo.roster.demo_roster(N)`` as CSV (``core.roster.io.to_csv_bytes``) into a
temporary folder, then times ``read_roster`` + ``assess_roster`` in this process against
``core.admin.jobs.check_roster`` (a forkserver child with its limits; the result back as Arrow
IPC). The first caged call also starts the forkserver (shown apart). Prints the best of
``REPEATS`` for each and the overhead.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.admin.jobs import check_roster  # noqa: E402
from core.demo.roster import demo_roster  # noqa: E402
from core.roster.io import read_roster, to_csv_bytes  # noqa: E402
from core.rules.roster import assess_roster  # noqa: E402

AS_OF = date(2026, 11, 27)


def run(n: int = 1_000_000, repeats: int = 3) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.csv"
        path.write_bytes(to_csv_bytes(demo_roster(n)))
        size = path.stat().st_size
        t = time.perf_counter()
        try:
            check_roster(path.read_bytes()[:2000].rsplit(b"\n", 1)[0] + b"\n", "warm.csv")
        except Exception:  # noqa: BLE001 - only starts the forkserver
            pass
        start = time.perf_counter() - t
        direct, caged = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            roster = read_roster(path)
            assess_roster(roster.data, AS_OF)
            direct.append(time.perf_counter() - t)
            del roster
            t = time.perf_counter()
            check_roster(path, as_of=AS_OF)
            caged.append(time.perf_counter() - t)
    out = {"rows": n, "csv_mb": round(size / 1e6, 1), "forkserver_start_s": round(start, 2),
           "in_process_s": round(min(direct), 2), "caged_s": round(min(caged), 2)}
    out["overhead_s"] = round(out["caged_s"] - out["in_process_s"], 2)
    out["overhead_pct"] = round(100 * out["overhead_s"] / out["in_process_s"], 1)
    return out


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    for key, value in run(*args).items():
        print(f"{key}: {value}")
