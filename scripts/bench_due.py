"""``due`` on a 1,000,000-row roster (issue 14, target ≤ 1 s), timed where the command runs it.

``python -m core due FILE`` reads and assesses the file in a fresh child of the roster cage
(core/roster/cage.py), so the figure that matters is the first due list in a new process, after
the reading, with the cage's memory set-up. This script sends :func:`timed_due_job` through
``run_caged`` itself: the child reads the file as the command does, times a second read and
three due lists (the first is the command's), and hands the figures back. Also part of
``make bench``.
    .venv/bin/python scripts/bench_due.py [ROWS]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # the cage's child imports this module by name

AS_OF = date(2026, 11, 27)  # fixed, so that runs on different days compare
WITHIN = 30


def timed_due_job(roster, as_of: date, within: int, path: str) -> dict:
    """In the cage's child: the due list three times on the roster the cage read, and the
    reading once more (timed)."""
    from core.cli import due_table
    from core.roster.io import read_roster, to_csv_bytes

    runs, listed = [], 0
    for _ in range(3):
        t0 = time.perf_counter()
        table, _errors = due_table(roster.data, as_of, within)
        to_csv_bytes(table, encoding="utf-8")
        runs.append(time.perf_counter() - t0)
        listed = len(table)
    t0 = time.perf_counter()
    read_roster(path)
    return {"read_s": time.perf_counter() - t0, "runs": runs, "listed": listed}


def run(rows: int = 1_000_000) -> dict:
    from bench_due import timed_due_job as job  # by its module's name, not __main__'s

    from core.demo.roster import DEMO_SEED, demo_roster
    from core.roster.cage import run_caged
    from core.roster.io import to_csv_bytes

    with tempfile.TemporaryDirectory(prefix="ecert-bench-due-") as tmp:
        path = Path(tmp) / "roster.csv"
        path.write_bytes(to_csv_bytes(demo_roster(rows, seed=DEMO_SEED, as_of=AS_OF)))
        t0 = time.perf_counter()
        out = run_caged(job, path, as_of=AS_OF, within=WITHIN, path=str(path))
        cage_s = time.perf_counter() - t0
    runs = out["runs"]
    return {"rows": rows, "read_s (in the cage's child)": round(out["read_s"], 2),
            "due_s_first (the command's)": round(runs[0], 3), "due_s_best": round(min(runs), 3),
            "rows_listed (within 30 days)": out["listed"],
            "cage_s (start, read, 3 due lists, a 2nd read)": round(cage_s, 2),
            "target_due_s": 1.0}


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    for k, v in run(n).items():
        print(f"  {k:<46} {v}")
