"""`make bench`: the speed figures of docs/BENCHMARKS.md, printed from one process.

Engine (issue 2): rows per second of ``assess_roster`` on a 1,000,000-row roster, the scalar
engine's time per row, their ratio, peak memory. ``due`` (issue 14): the due list of the same
roster written as a CSV, timed inside a child of the roster cage, where ``python -m core due``
runs it (scripts/bench_due.py). Then, when their scripts are present, the certificate preview
(issue 3), the roster store on SQLite and PostgreSQL (issues 4, 13) and the admin page (issues 4
and 11).

Figures are printed, never asserted: targets are in docs/BENCHMARKS.md.
    .venv/bin/python scripts/bench.py [--rows N] [--skip certificate,store,admin]
"""

from __future__ import annotations

import argparse
import importlib
import platform
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

AS_OF = date(2026, 11, 27)  # fixed, so that runs on different days compare


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class RssSampler:
    """Samples this process's resident memory every 5 ms while in the with-block (psutil)."""

    def __init__(self):
        import threading

        import psutil

        self.proc, self.peak, self._stop = psutil.Process(), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(0.005)

    def __enter__(self):
        self.start = self.proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def bench_engine(rows: int) -> dict:
    import pandas as pd

    from core import assess, assess_roster
    from core.demo.roster import DEMO_SEED, demo_roster

    t0 = time.perf_counter()
    roster = demo_roster(rows, seed=DEMO_SEED, as_of=AS_OF)
    generated = time.perf_counter() - t0
    import gc

    gc.collect()
    runs = []
    with RssSampler() as rss:
        t0 = time.perf_counter()
        out = assess_roster(roster, AS_OF)
        runs.append(time.perf_counter() - t0)
    del out
    gc.collect()
    for _ in range(2):
        t0 = time.perf_counter()
        out = assess_roster(roster, AS_OF)
        runs.append(time.perf_counter() - t0)
    assert out["error"].isna().all(), "the demo roster should be valid input"

    # the scalar engine, one one-specialty profile per row, on a sample of rows
    sample = roster.sample(n=min(2000, rows), random_state=1)
    profiles = []
    for r in sample.to_dict("records"):
        iso = lambda v: None if v is None or pd.isna(v) else (  # noqa: E731
            v.date().isoformat() if hasattr(v, "date") else v)
        profiles.append({
            "name": r["name"], "gender": r["gender"], "birth_date": iso(r["birth_date"]),
            "registration_number": r["registration_number"], "employer": r["employer"],
            "employer_province": r["employer_province"],
            "continuing_education_done": bool(r["continuing_education_done"]),
            "certificate_downloaded_on": iso(r["certificate_downloaded_on"]),
            "specialties": [{k: iso(r[k]) for k in ("valid_from", "valid_until",
                                                    "renewal_applied_on",
                                                    "renewal_approved_on")}
                            | {"specialty": r["specialty"]}],
        })
    t0 = time.perf_counter()
    for p in profiles:
        assess(p, AS_OF)
    scalar_per_row = (time.perf_counter() - t0) / len(profiles)
    best = min(runs)

    # the admin page's split: checks once per roster, then only the date rules per as-of date
    from core.demo.roster import demo_profile
    from core.rules.roster import assess_prepared, prepare_roster
    from core.rules.roster_windows import usage_windows

    t0 = time.perf_counter()
    prepared = prepare_roster(roster)
    prepare_s = time.perf_counter() - t0
    new_dates = [date(2025, 3, 1), date(2026, 6, 30), date(2027, 1, 1)]
    as_of_runs = []
    for d in new_dates:
        t0 = time.perf_counter()
        assess_prepared(prepared, d)
        as_of_runs.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    windows = usage_windows(prepared, AS_OF)
    windows_s = time.perf_counter() - t0
    # one profile (the demo profile: two specialties and a download date), many times
    demo = demo_profile(AS_OF)
    for _ in range(50):
        assess(demo, AS_OF)
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        assess(demo, AS_OF)
    profile_us = (time.perf_counter() - t0) / n * 1e6
    return {
        "rows": rows,
        "generate_s": round(generated, 2),
        "assess_roster_s_first": round(runs[0], 3),
        "assess_roster_s_best": round(best, 3),
        "assess_roster_s_median": round(statistics.median(runs), 3),
        "rows_per_s_best": round(rows / best),
        "bulk_us_per_row": round(best / rows * 1e6, 3),
        "scalar_us_per_row": round(scalar_per_row * 1e6, 1),
        "ratio_scalar_over_bulk": round(scalar_per_row / (best / rows)),
        "rss_mib_before_assess (roster loaded)": round(rss.start / 2**20),
        "peak_rss_mib_during_assess": round(rss.peak / 2**20),
        "assess_added_mib": round((rss.peak - rss.start) / 2**20),
        "prepare_roster_s (once per roster)": round(prepare_s, 3),
        "assess_prepared_s_best (new as-of date)": round(min(as_of_runs), 3),
        "assess_prepared_s_median": round(statistics.median(as_of_runs), 3),
        "usage_windows_s": round(windows_s, 3),
        "usage_windows_people": len(windows),
        "assess_one_profile_us (demo profile, 2 specialties)": round(profile_us, 1),
    }


def section(title: str, figures: dict) -> None:
    print(f"\n## {title}")
    for k, v in figures.items():
        print(f"  {k:<34} {v}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--skip", default="",
                    help="comma-separated: due,certificate,store,admin")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    print(f"ecert-desk benchmarks — {time.strftime('%Y-%m-%d %H:%M')} — {machine()}")
    section(f"engine: assess_roster on {args.rows:,} rows (as of {AS_OF})",
            bench_engine(args.rows))
    if "due" not in skip:
        try:
            figures = importlib.import_module("bench_due").run(args.rows)
        except Exception as e:  # a failing sub-benchmark is reported, not hidden
            figures = {"failed": f"{type(e).__name__}: {e}"}
        section(f"due: python -m core due on {args.rows:,} rows (as of {AS_OF}, within 30)",
                figures)
    for name, module in (("certificate", "bench_certificate"), ("store", "bench_store"),
                         ("admin", "bench_admin")):
        if name in skip or not (ROOT / "scripts" / f"{module}.py").exists():
            continue
        try:
            figures = importlib.import_module(module).run()
        except Exception as e:  # a failing sub-benchmark is reported, not hidden
            figures = {"failed": f"{type(e).__name__}: {e}"}
        section(name, figures)
    print(f"\npeak RSS of this process: {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
