"""`make load`: simulated sessions speaking Streamlit's protocol against ONE server (issue 11).

No browsers: each session is a ``scripts/st_client`` ``StreamlitSession`` (websocket
``/_stcore/stream``, BackMsg out, ForwardMsg in, widget states kept as a browser keeps them;
``tests/browser/test_load_protocol.py`` checks the messages against Chromium's). asyncio runs
all sessions in this one process.

Journeys (``--journey``), each step timed from the user's input to the page complete (all
ForwardMsgs of the run read up to ``script_finished``, its images and download links fetched):

* ``constructor`` (default), on ``/``: ``open`` (HTML, health, host config, websocket, first
  run), ``example`` (the "载入示例" button), ``preview`` ("生成证书预览": certificate image and PDF
  link), ``rerun`` (the same page again, as the R key does), ``as_of`` (another as-of date in
  the sidebar), and ``calendar`` when the page has a calendar download button (not before it
  exists: the step is skipped then). Everyone loading the same example shares one certificate
  (it is built once per content); ``--distinct-profiles`` adds the step ``edit`` after
  ``example`` (the visitor types a name of its own), so each visitor's certificate is new.
* ``admin``, on ``/admin`` with ``--admin-rows`` rows (default 1,000,000) in the database:
  ``open`` (login form), ``login`` (password submitted: the dashboard), ``filter`` (a
  province filter), ``as_of`` (another as-of date), ``rerun``.

Each session waits a think time (``--think 5-10`` s, uniform) before each step, starts at a
random moment of the first think window, and when its journey is done it leaves (websocket
closed) and comes back as a new visitor. No step starts after ``--seconds`` (default 120);
steps under way finish, each bounded by ``--step-timeout``. A step fails (an error) on a
timeout, a websocket closed by the server (a dropped session), an exception or error box on the
page, a media URL that is not 200, or the page lacking what the step produced; the session then
starts afresh.

Unless ``--url`` is given the script starts ONE server per session count: ``streamlit run
serve.py`` with the project's ``.streamlit/config.toml`` (only the port and address on the
command line; ``ECERT_WS_PER_CLIENT`` raised to the session count, since every simulated
session comes from 127.0.0.1), on a free port of 127.0.0.1, with its own ``ECERT_DATA_DIR``; it is
stopped at the end of the level. Before the load, one session runs the journey
``--calibrate`` times alone (warms the server up; gives each step's server CPU without
contention). Figures per session count (``--sessions 25,50,100,200``): p50/p95/p99/max per
step, errors by kind (dropped sessions apart), server CPU (psutil: CPU-time delta of the server
process during the load / steps done, and the share of one core it used), memory (peak RSS
during the load minus RSS before it, per session), and this script's own CPU. With ``--url``
(an already running server, or a proxy in front of replicas) the server figures need
``--server-pid`` (comma-separated pids; their sum is reported). On a machine shared with other
work the server gets only a share of a core (the output gives its CPU share and the seconds its
threads waited for a CPU); ``--server-nice -10`` (root) gives the started server the core it
needs, to measure one server rather than the neighbours, and the output says so.

The verdict per level is the issue's target: every step's p95 <= ``--target-p95`` (1 s) and no
error; "breaks at" names the first session count that misses it and what limited the server.
Output: a table on stdout, everything as JSON with ``--json FILE``. Exit status 0 (also when a
level misses the target: that is a measurement, not a failure), 2 when the server could not
start.

    .venv/bin/python scripts/load.py [--sessions 25,50,100,200] [--seconds 120] [--think 5-10]
        [--journey constructor|admin] [--url http://127.0.0.1:PORT [--server-pid PID]]
        [--json out.json]

This file is the command line; the journeys are in ``scripts/load_journeys.py``, the runner and
its measurements in ``scripts/load_runner.py``, the figures and table in
``scripts/load_report.py``, the protocol client in ``scripts/st_client/``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.policy.dates import today_shanghai  # noqa: E402
from scripts.load_journeys import JOURNEYS, STEPS, as_of_dates  # noqa: E402
from scripts.load_report import fmt, level_summary, limit_words, machine, report  # noqa: E402
from scripts.load_runner import CpuProbe, prepare_admin, run_level, start_server  # noqa: E402
from scripts.processes import stop_group  # noqa: E402

DEFAULT_SESSIONS = {"constructor": "25,50,100,200", "admin": "2,5,10"}


def parse_think(raw: str) -> tuple[float, float]:
    lo, _, hi = raw.partition("-")
    a, b = float(lo), float(hi or lo)
    if a < 0 or b < a:
        raise argparse.ArgumentTypeError("--think: LO-HI seconds, 0 <= LO <= HI")
    return a, b


def parse_sessions(raw: str) -> list[int]:
    try:
        out = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError("--sessions: comma-separated counts") from exc
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError("--sessions: positive counts")
    return out


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--journey", choices=sorted(JOURNEYS), default="constructor")
    ap.add_argument("--sessions", type=parse_sessions, default=None,
                    help="comma-separated session counts (default 25,50,100,200; admin 2,5,10)")
    ap.add_argument("--seconds", type=float, default=120.0, help="per level (default 120)")
    ap.add_argument("--think", type=parse_think, default=(5.0, 10.0),
                    help="think time before each step, LO-HI seconds (default 5-10)")
    ap.add_argument("--step-timeout", type=float, default=30.0)
    ap.add_argument("--calibrate", type=int, default=3,
                    help="journeys of one session alone before the load (server CPU per step)")
    ap.add_argument("--url", help="an already running server or proxy: http://127.0.0.1:PORT")
    ap.add_argument("--server-pid", default="",
                    help="with --url: pid(s) of the server process(es) for the CPU/RSS figures")
    ap.add_argument("--admin-rows", type=int, default=1_000_000)
    ap.add_argument("--admin-password", default=None,
                    help="with --url --journey admin: the configured admin password")
    ap.add_argument("--server-nice", type=int, default=None,
                    help="the started server's CPU priority (e.g. -10 as root): on a machine "
                         "shared with other work, gives the one server the core it needs; "
                         "the output says so")
    ap.add_argument("--distinct-profiles", action="store_true",
                    help="constructor: each visitor changes the example's name (step 'edit'), "
                         "so every certificate is a new one (no cache hit across visitors)")
    ap.add_argument("--target-p95", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", type=Path, help="write every figure to this file")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    sessions = args.sessions or parse_sessions(DEFAULT_SESSIONS[args.journey])
    if args.seconds <= 0 or args.step_timeout <= 0:
        ap.error("--seconds and --step-timeout must be positive")
    if args.url and args.journey == "admin" and not args.admin_password:
        ap.error("--journey admin with --url needs --admin-password")
    today = today_shanghai()
    ctx_kw: dict = {"dates": as_of_dates(today) if args.journey == "constructor" else [],
                    "distinct": args.distinct_profiles}
    result: dict = {
        "date": f"{datetime.now().astimezone():%Y-%m-%d %H:%M %Z}", "machine": machine(),
        "command": " ".join(["scripts/load.py", *(argv if argv is not None else sys.argv[1:])]),
        "journey": args.journey, "think": list(args.think), "seconds": args.seconds,
        "step_timeout": args.step_timeout, "target_p95_s": args.target_p95,
        "distinct_profiles": args.distinct_profiles, "levels": [],
    }
    work = Path(tempfile.mkdtemp(prefix="ecert-load-"))
    tracebacks = []
    try:
        env = {"ECERT_DATA_DIR": str(work / "data")}
        if args.journey == "admin":
            if args.url:
                ctx_kw["password"] = args.admin_password
            else:
                from core.admin.auth import hash_password

                ctx_kw["password"] = secrets.token_urlsafe(12)
                env["ECERT_ADMIN_PASSWORD_HASH"] = hash_password(ctx_kw["password"])
                (work / "data").mkdir(parents=True)
                print(f"preparing a {args.admin_rows:,}-row roster database ...", flush=True)
                prepare_admin(work / "data", args.admin_rows)
        for n in sessions:
            proc = None
            if args.url:
                base_url = args.url.rstrip("/")
                pids = [int(p) for p in args.server_pid.split(",") if p.strip()]
                result["server"] = f"{base_url} (given; pids {pids or 'unknown'})"
            else:
                try:
                    # every simulated session comes from 127.0.0.1: the server's cap of
                    # websockets per client address (ui/server_guard.py) must let them all in
                    level_env = {**env, "ECERT_WS_PER_CLIENT": str(n + 16)}
                    proc, base_url, log_path = start_server(work, level_env, args.server_nice)
                except RuntimeError as exc:
                    print(f"load.py: {exc}", file=sys.stderr)
                    return 2
                pids = [proc.pid]
                result["server"] = ("streamlit run serve.py (project config), one "
                                    "process per level, 127.0.0.1, own ECERT_DATA_DIR"
                                    + (f"; CPU priority nice {args.server_nice} (its autogroup "
                                       "too)" if args.server_nice is not None else ""))
            probe = CpuProbe(pids) if pids else None
            print(f"{n} sessions against {base_url} for {args.seconds:g} s ...", flush=True)
            died = None
            try:
                level = asyncio.run(run_level(base_url, n, args, probe, ctx_kw))
            finally:
                if proc is not None:
                    died = proc.poll()  # an exit code here: the server ended under the load
                    stop_group(proc, wait=15)
                    log = log_path.read_text(errors="replace")
                    if "Traceback" in log:
                        tracebacks.append(log[-3000:])
            steps = tuple(s for s in STEPS[args.journey]
                          if s != "edit" or args.distinct_profiles)
            summary = level_summary(level, steps, args.target_p95, args.think)
            summary["limit"] = None if summary["ok"] else limit_words(summary)
            if died is not None:
                summary["ok"] = False
                summary["server_exit_code"] = died
                summary["reasons"].append(f"the server process ended (exit code {died})")
                summary["limit"] = (f"the server process ended during the load (exit code "
                                    f"{died}{', a segfault' if died == -11 else ''})")
            result["levels"].append(summary)
            print(f"  {summary['steps']} steps, {summary['errors']} errors, worst p95 "
                  f"{fmt(summary['worst_p95_s'])} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    broken = next((lv for lv in result["levels"] if not lv["ok"]), None)
    result["breaks_at"] = (f"{broken['sessions']} sessions ({'; '.join(broken['reasons'])})"
                           if broken else None)
    result["limit"] = broken.get("limit") if broken else None
    print()
    print(report(result))
    if tracebacks:
        result["server_tracebacks"] = tracebacks
        print("\nserver log holds a traceback:\n" + tracebacks[0], file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
