"""Benchmark of the roster database: demo generation, import, load, size on disk.

    .venv/bin/python scripts/bench_store.py [N_ROWS]      (default 1,000,000)

Works in a fresh temporary folder (a new SQLite file) and removes it afterwards. Prints one
line per figure and returns them from ``run(n)`` as a dict.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import psutil  # noqa: E402

from core.demo.roster import demo_roster  # noqa: E402
from core.roster.store import Store  # noqa: E402

AS_OF = date(2026, 11, 27)  # fixed so that runs on different days compare


def _mb(n_bytes: int) -> float:
    return round(n_bytes / 1e6, 1)


def run(n: int = 1_000_000) -> dict:
    proc = psutil.Process()
    out: dict = {"rows": n}
    t = time.perf_counter()
    df = demo_roster(n, as_of=AS_OF)
    out["demo_seconds"] = round(time.perf_counter() - t, 2)

    with tempfile.TemporaryDirectory(prefix="ecert-bench-") as tmp:
        db = Path(tmp) / "ecert.db"
        store = Store(f"sqlite:///{db.as_posix()}")
        chunks = []
        t = time.perf_counter()
        sid = store.import_snapshot(df, "bench.csv", "0" * 64, 0,
                                    progress=lambda done, total: chunks.append(done))
        out["import_seconds"] = round(time.perf_counter() - t, 2)
        out["import_rows_per_second"] = int(n / max(out["import_seconds"], 1e-9))
        out["progress_calls"] = len(chunks)

        t = time.perf_counter()
        back = store.load(sid)
        out["load_seconds"] = round(time.perf_counter() - t, 2)
        out["round_trip_equal"] = bool(len(back) == n and back.equals(df))
        pd.testing.assert_frame_equal(back, df)

        t = time.perf_counter()
        out["integrity_ok"] = store.integrity_check()
        out["integrity_seconds"] = round(time.perf_counter() - t, 2)
        store.close()
        files = {p.name: p.stat().st_size for p in Path(tmp).iterdir()}
        out["db_mb"] = _mb(files.get("ecert.db", 0))
        out["wal_mb"] = _mb(files.get("ecert.db-wal", 0))
        out["bytes_per_row"] = int(files.get("ecert.db", 0) / max(n, 1))
    out["frame_mb"] = _mb(int(df.memory_usage(deep=True).sum()))
    out["peak_rss_mb"] = _mb(getattr(proc.memory_info(), "peak_wset", 0)
                             or _peak_rss_linux() or proc.memory_info().rss)
    return out


def _peak_rss_linux() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main(argv: list[str]) -> int:
    n = int(argv[1].replace("_", "")) if len(argv) > 1 else 1_000_000
    result = run(n)
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
