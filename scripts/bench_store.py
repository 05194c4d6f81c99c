"""Benchmark of the roster database on SQLite and PostgreSQL: import, load, check, size.

    .venv/bin/python scripts/bench_store.py [N_ROWS] [--databases sqlite,postgresql]
                                           (default 1,000,000 rows, both databases)

SQLite: a fresh file in a temporary folder. PostgreSQL: a throwaway cluster
(scripts/pg_cluster.py, the one the tests use, but durable: fsync on, as in production) on a free
port of 127.0.0.1, connected over TCP. Both are removed afterwards. The same demo roster goes
into each: ``Store.import_snapshot`` (one transaction: SQLite chunked ``executemany``,
PostgreSQL ``COPY``, plus the Parquet frame), then ``Store.load`` (the frame) and the row-by-row
fallback load, ``integrity_check`` and the size on disk. Prints one line per figure and returns
them from ``run(n)`` as one flat dict (keys prefixed ``sqlite_`` / ``postgresql_``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402
import psutil  # noqa: E402

from core.demo.roster import demo_roster  # noqa: E402
from core.roster.store import Store  # noqa: E402
from scripts import pg_cluster  # noqa: E402

AS_OF = date(2026, 11, 27)  # fixed so that runs on different days compare
DATABASES = ("sqlite", "postgresql")


def _mb(n_bytes: int) -> float:
    return round(n_bytes / 1e6, 1)


def measure(store: Store, df: pd.DataFrame, db_bytes) -> dict:
    """Import, load (frame and rows), check, size of ``df`` in ``store``."""
    n = len(df)
    out: dict = {}
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
    del back

    # the rows themselves (what a snapshot without its frame, or SQL, reads)
    with store.engine.begin() as conn:
        frame = conn.exec_driver_sql(
            f"SELECT data FROM snapshot_frames WHERE snapshot_id = {int(sid)}").scalar()
        conn.exec_driver_sql(f"DELETE FROM snapshot_frames WHERE snapshot_id = {int(sid)}")
    t = time.perf_counter()
    rows = store.load(sid)
    out["load_rows_seconds"] = round(time.perf_counter() - t, 2)
    pd.testing.assert_frame_equal(rows, df)
    del rows
    from core.roster.store.tables import snapshot_frames_table

    with store.engine.begin() as conn:
        conn.execute(snapshot_frames_table.insert().values(snapshot_id=sid, format="parquet",
                                                           data=frame))
    out["frame_mb"] = _mb(len(frame))

    t = time.perf_counter()
    out["integrity_ok"] = store.integrity_check()
    out["integrity_seconds"] = round(time.perf_counter() - t, 2)
    out["db_mb"] = _mb(db_bytes())
    out["bytes_per_row"] = int(db_bytes() / max(n, 1))
    return out


def _sqlite(df: pd.DataFrame, chunk_rows: int | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="ecert-bench-") as tmp:
        db = Path(tmp) / "ecert.db"
        kwargs = {"chunk_rows": chunk_rows} if chunk_rows else {}
        store = Store(f"sqlite:///{db.as_posix()}", **kwargs)
        try:
            out = measure(store, df, lambda: db.stat().st_size)
        finally:
            store.close()
        wal = Path(tmp) / "ecert.db-wal"
        out["wal_mb"] = _mb(wal.stat().st_size if wal.exists() else 0)
        return out


def _postgresql(df: pd.DataFrame, chunk_rows: int | None) -> dict:
    why = pg_cluster.unavailable()
    if why:
        return {"unavailable": why}
    with pg_cluster.PostgresCluster(durable=True) as cluster:
        url = cluster.create_database("bench")
        kwargs = {"chunk_rows": chunk_rows} if chunk_rows else {}
        store = Store(url, **kwargs)
        try:
            return measure(store, df, lambda: cluster.execute(
                "SELECT pg_database_size('bench')")[0][0])
        finally:
            store.close()


def run(n: int = 1_000_000, databases: tuple[str, ...] = DATABASES,
        chunk_rows: int | None = None) -> dict:
    out: dict = {"rows": n}
    t = time.perf_counter()
    df = demo_roster(n, as_of=AS_OF)
    out["demo_seconds"] = round(time.perf_counter() - t, 2)
    out["frame_in_memory_mb"] = _mb(int(df.memory_usage(deep=True).sum()))
    for name in databases:
        figures = {"sqlite": _sqlite, "postgresql": _postgresql}[name](df, chunk_rows)
        out.update({f"{name}_{k}": v for k, v in figures.items()})
    out["peak_rss_mb"] = _mb(_peak_rss_linux() or psutil.Process().memory_info().rss)
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
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="?", default="1_000_000")
    ap.add_argument("--databases", default=",".join(DATABASES))
    ap.add_argument("--chunk-rows", type=int, default=None)
    args = ap.parse_args(argv[1:])
    result = run(int(args.rows.replace("_", "")), tuple(args.databases.split(",")),
                 args.chunk_rows)
    width = max(map(len, result))
    for key, value in result.items():
        print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
