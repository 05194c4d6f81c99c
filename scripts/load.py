"""`make load`: simulated sessions speaking Streamlit's protocol against ONE server (issue 11).

No browsers: each session is a ``scripts/streamlit_client.StreamlitSession`` (websocket
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
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import assess  # noqa: E402
from core.demo.roster import demo_profile  # noqa: E402
from core.policy.data import POLICY  # noqa: E402
from core.policy.dates import today_shanghai  # noqa: E402
from scripts.processes import free_port, healthy, stop_group  # noqa: E402
from scripts.streamlit_client import ProtocolError, StreamlitSession  # noqa: E402
from ui.i18n import text  # noqa: E402

LANG = "zh"
STEPS = {
    "constructor": ("open", "example", "edit", "preview", "rerun", "as_of", "calendar"),
    "admin": ("open", "login", "filter", "as_of", "rerun"),
}
# Names for --distinct-profiles (common characters; 40^3 = 64,000 names).
GIVEN_NAME_CHARS = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
DEFAULT_SESSIONS = {"constructor": "25,50,100,200", "admin": "2,5,10"}
STARTUP_SECONDS = 120


class Stop(Exception):
    """The run's time is up: no new step."""


class StepFailed(Exception):
    """A step failed (already recorded): the session starts afresh."""


# --- what the journeys do --------------------------------------------------------------------


def as_of_dates(today: date) -> list[date]:
    """As-of dates for the date step: days of the last month on which the example profile (the
    demo profile of today) is assessable and printable."""
    out = []
    for k in range(1, 31):
        d = today - timedelta(days=k)
        try:
            a = assess(demo_profile(today), d)
        except Exception:  # noqa: BLE001 - e.g. a download date after d: not that date
            continue
        if (a.get("usage_window") or {}).get("status") == "in_use":
            out.append(d)
    if not out:
        raise SystemExit("load.py: no usable as-of date for the demo profile (see as_of_dates)")
    return out


def _expect(sim: StreamlitSession, what: str, ok: bool) -> None:
    if not ok:
        from scripts.streamlit_client import PageError

        raise PageError(f"the page lacks {what}")


def _has_text(sim: StreamlitSession, wanted: str) -> bool:
    return any(wanted in t for t in sim.texts())


def calendar_button(sim: StreamlitSession):
    """The page's calendar download (issue 11 item 1: optional until the page has one)."""
    for node in sim.widgets():
        if node.kind in ("download_button", "button") and (
                "calendar" in node.key or "ics" in node.key.split(".")):
            return node
    return None


@dataclass
class Ctx:
    """What a session needs besides its simulator: think time, dates, the clock."""

    deadline: float
    think: tuple[float, float]
    rng: random.Random
    record: Recorder
    cpu: CpuProbe | None = None  # set in calibration: CPU per step
    dates: list[date] = field(default_factory=list)
    password: str = ""
    distinct: bool = False  # each visitor edits the example's name: a certificate of its own

    async def pause(self) -> None:
        lo, hi = self.think
        wait = self.rng.uniform(lo, hi)
        if time.monotonic() + wait >= self.deadline:
            raise Stop
        await asyncio.sleep(wait)

    async def step(self, sim: StreamlitSession, name: str, action, check=None) -> None:
        if time.monotonic() >= self.deadline:
            raise Stop
        cpu0 = self.cpu.seconds() if self.cpu else 0.0
        t0 = time.perf_counter()
        try:
            await action()
            problems = sim.problems()
            if problems:
                from scripts.streamlit_client import PageError

                raise PageError("; ".join(problems[:3]))
            if check is not None:
                check()
        except ProtocolError as err:
            self.record.error(name, err.kind, str(err))
            raise StepFailed from err
        self.record.time(name, time.perf_counter() - t0)
        if self.cpu:
            self.record.cpu(name, self.cpu.seconds() - cpu0)


async def constructor_journey(sim: StreamlitSession, ctx: Ctx) -> None:
    today = today_shanghai()
    title = text("page.self_service.title", LANG)

    await ctx.step(sim, "open", sim.open, lambda: (
        _expect(sim, f"the title {title!r}", _has_text(sim, title)),
        _expect(sim, "the example button", sim.find("self_service.load_example") is not None)))
    await ctx.pause()
    heading = text("self_service.answer.heading", LANG, as_of=today.isoformat())
    await ctx.step(sim, "example", lambda: sim.click(sim.need("self_service.load_example")),
                   lambda: _expect(sim, f"the answer {heading!r}", _has_text(sim, heading)))
    await ctx.pause()
    if ctx.distinct:
        name = "".join(ctx.rng.choice(GIVEN_NAME_CHARS) for _ in range(3))
        await ctx.step(sim, "edit", lambda: sim.set(sim.need("self_service.f.name"), name),
                       lambda: _expect(sim, f"the answer {heading!r}", _has_text(sim, heading)))
        await ctx.pause()

    def preview_shown() -> None:
        _expect(sim, "the certificate image", bool(sim.elements("imgs")))
        _expect(sim, "the PDF download", sim.find("certificate.download") is not None)

    await ctx.step(sim, "preview", lambda: sim.click(sim.need("certificate.build")),
                   preview_shown)
    await ctx.pause()
    await ctx.step(sim, "rerun", sim.rerun, preview_shown)
    await ctx.pause()
    new_date = ctx.rng.choice(ctx.dates)
    new_heading = text("self_service.answer.heading", LANG, as_of=new_date.isoformat())
    await ctx.step(sim, "as_of", lambda: sim.set(sim.need("as_of", "date_input"), new_date),
                   lambda: _expect(sim, f"the answer {new_heading!r}",
                                   _has_text(sim, new_heading)))
    button = calendar_button(sim)
    if button is None:
        ctx.record.skipped["calendar"] = ctx.record.skipped.get("calendar", 0) + 1
        return
    await ctx.pause()
    await ctx.step(sim, "calendar", lambda: sim.click(button))


async def admin_journey(sim: StreamlitSession, ctx: Ctx) -> None:
    today = today_shanghai()
    await ctx.step(sim, "open", sim.open, lambda: _expect(
        sim, "the login form", sim.find("admin_password") is not None))
    await ctx.pause()

    async def login():
        await sim.set(sim.need("admin_password"), ctx.password)
        return await sim.submit("admin_login")

    def dashboard() -> None:
        _expect(sim, "the dashboard's figures", bool(sim.elements("metric")))

    await ctx.step(sim, "login", login, dashboard)
    await ctx.pause()
    province = ctx.rng.choice([p.short for p in POLICY.provinces])
    await ctx.step(sim, "filter", lambda: sim.set(sim.need("admin_f_province"), [province]),
                   dashboard)
    await ctx.pause()
    new_date = today + timedelta(days=30 * ctx.rng.randint(1, 3))
    await ctx.step(sim, "as_of", lambda: sim.set(sim.need("as_of", "date_input"), new_date),
                   dashboard)
    await ctx.pause()
    await ctx.step(sim, "rerun", sim.rerun, dashboard)


JOURNEYS = {"constructor": (constructor_journey, "/"), "admin": (admin_journey, "/admin")}


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Recorder:
    times: dict[str, list[float]] = field(default_factory=dict)
    cpu_s: dict[str, list[float]] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # step, kind, message
    skipped: dict[str, int] = field(default_factory=dict)
    journeys: int = 0

    def time(self, step: str, seconds: float) -> None:
        self.times.setdefault(step, []).append(seconds)

    def cpu(self, step: str, seconds: float) -> None:
        self.cpu_s.setdefault(step, []).append(seconds)

    def error(self, step: str, kind: str, message: str) -> None:
        self.errors.append((step, kind, message))

    @property
    def steps(self) -> int:
        return sum(len(v) for v in self.times.values())


class CpuProbe:
    """CPU seconds (user + system) and RSS of the server process(es) (psutil)."""

    def __init__(self, pids: list[int]):
        self.procs = [psutil.Process(p) for p in pids]
        self._waits: dict[tuple[int, int], int] = {}

    def waited(self) -> float:
        """Seconds the server's threads spent runnable but waiting for a CPU since the last
        call (Linux schedstat of each live thread): time other processes had the cores.
        Threads that ended between two calls lose their last part (an underestimate)."""
        total = 0
        for p in self.procs:
            for task in Path(f"/proc/{p.pid}/task").glob("*"):
                try:
                    wait_ns = int((task / "schedstat").read_text().split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                key = (p.pid, int(task.name))
                total += max(0, wait_ns - self._waits.get(key, wait_ns))
                self._waits[key] = wait_ns
        return total / 1e9

    def seconds(self) -> float:
        total = 0.0
        for p in self.procs:
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    def rss(self) -> int:
        total = 0
        for p in self.procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total


async def sample(probe: CpuProbe | None, out: dict, stop: asyncio.Event) -> None:
    """Once a second: the server's RSS (peak) and CPU (busiest second), and machine load."""
    psutil.cpu_percent(None)
    last = probe.seconds() if probe else 0.0
    if probe:
        probe.waited()
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            pass
        if probe:
            out["rss_peak"] = max(out.get("rss_peak", 0), probe.rss())
            now = probe.seconds()
            out.setdefault("cpu_per_second", []).append(now - last)
            out["waited_s"] = out.get("waited_s", 0.0) + probe.waited()
            last = now
        out.setdefault("machine_percent", []).append(psutil.cpu_percent(None))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


# --- the server ------------------------------------------------------------------------------


def start_server(work: Path, env: dict[str, str],
                 nice: int | None = None) -> tuple[subprocess.Popen, str, Path]:
    """``streamlit run serve.py`` with the project's configuration, on a free port.

    ``nice``: the server's CPU priority (``nice -n``, and its own scheduler autogroup's nice on
    Linux, since the server runs in a session of its own); negative values need root."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = work / f"streamlit-{port}.log"
    log = open(log_path, "wb")
    cmd = [sys.executable, "-m", "streamlit", "run", "serve.py",
           "--server.port", str(port), "--server.address", "127.0.0.1"]
    if nice is not None:
        cmd = ["nice", "-n", str(nice), *cmd]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    if nice is not None:
        try:
            Path(f"/proc/{proc.pid}/autogroup").write_text(str(nice))
        except OSError as exc:
            print(f"load.py: autogroup nice not set ({exc}); thread nice only", file=sys.stderr)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_group(proc, wait=15)
            raise RuntimeError(f"the server did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.25)
    return proc, url, log_path


def prepare_admin(data_dir: Path, rows: int) -> None:
    """A roster database with one ``rows``-row snapshot in ``data_dir`` (as bench_admin does)."""
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from core.demo.roster import DEMO_SEED, demo_roster\n"
        "from core.policy.dates import today_shanghai\n"
        "from core.roster.store import Store\n"
        "from core.runtime import config\n"
        "df = demo_roster(int(sys.argv[2]), seed=DEMO_SEED, as_of=today_shanghai())\n"
        "s = Store(config.db_url()); s.import_snapshot(df, 'load', '0' * 64, 0); s.close()\n"
    )
    env = {**os.environ, "ECERT_DATA_DIR": str(data_dir)}
    env.pop("ECERT_DB_URL", None)
    subprocess.run([sys.executable, "-c", code, str(ROOT), str(rows)], env=env, check=True)


# --- one level -------------------------------------------------------------------------------


@dataclass
class Level:
    sessions: int
    record: Recorder
    calibration: Recorder
    wall_s: float
    server_cpu_s: float | None
    rss_base: int | None
    rss_peak: int | None
    client_cpu_s: float
    samples: dict


async def visitor(n: int, base_url: str, journey: str, ctx: Ctx, step_timeout: float,
                  ramp: float) -> None:
    fn, path = JOURNEYS[journey]
    try:
        await asyncio.sleep(ctx.rng.uniform(0, ramp))
        while time.monotonic() < ctx.deadline:
            sim = StreamlitSession(base_url, path=path, timeout=step_timeout)
            try:
                await fn(sim, ctx)
                ctx.record.journeys += 1
            except StepFailed:
                await asyncio.sleep(ctx.rng.uniform(0.5, 2.0))  # then a fresh tab
            finally:
                await sim.close()
    except Stop:
        pass


async def calibrate(base_url: str, journey: str, probe: CpuProbe | None, times: int,
                    step_timeout: float, ctx_kw: dict) -> Recorder:
    """One session alone: one journey to warm the server up, then ``times`` measured ones."""
    record = Recorder()
    fn, path = JOURNEYS[journey]
    for i in range(times + 1):
        ctx = Ctx(deadline=time.monotonic() + 600, think=(0.3, 0.3), rng=random.Random(i),
                  record=record if i else Recorder(), cpu=probe, **ctx_kw)
        sim = StreamlitSession(base_url, path=path, timeout=step_timeout)
        try:
            await fn(sim, ctx)
        except (StepFailed, Stop):
            pass
        finally:
            await sim.close()
        await asyncio.sleep(0.5)
    return record


async def run_level(base_url: str, sessions: int, args, probe: CpuProbe | None,
                    ctx_kw: dict) -> Level:
    calibration = await calibrate(base_url, args.journey, probe, args.calibrate,
                                  args.step_timeout, ctx_kw)
    await asyncio.sleep(1.0)
    record = Recorder()
    rss_base = probe.rss() if probe else None
    me = psutil.Process()
    client0 = sum(me.cpu_times()[:2])
    cpu0 = probe.seconds() if probe else None
    samples: dict = {}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample(probe, samples, stop))
    t0 = time.monotonic()
    deadline = t0 + args.seconds
    rng = random.Random(args.seed * 1000 + sessions)
    tasks = [asyncio.create_task(visitor(
        i, base_url, args.journey,
        Ctx(deadline=deadline, think=args.think, rng=random.Random(rng.random()),
            record=record, **ctx_kw), args.step_timeout, ramp=args.think[1]))
        for i in range(sessions)]
    await asyncio.gather(*tasks)
    wall = time.monotonic() - t0
    stop.set()
    await sampler
    return Level(
        sessions=sessions, record=record, calibration=calibration, wall_s=wall,
        server_cpu_s=(probe.seconds() - cpu0) if probe else None,
        rss_base=rss_base, rss_peak=samples.get("rss_peak"),
        client_cpu_s=sum(me.cpu_times()[:2]) - client0, samples=samples)


# --- report ----------------------------------------------------------------------------------


def level_summary(lv: Level, steps: tuple[str, ...], target_p95: float,
                  think: tuple[float, float]) -> dict:
    rec = lv.record
    per_step = {}
    for s in steps:
        values = rec.times.get(s, [])
        errs = sum(1 for e in rec.errors if e[0] == s)
        cal = lv.calibration.cpu_s.get(s, [])
        per_step[s] = {
            "n": len(values), "errors": errs,
            "p50_s": pct(values, 50), "p95_s": pct(values, 95), "p99_s": pct(values, 99),
            "max_s": max(values) if values else float("nan"),
            "cpu_alone_ms": 1000 * statistics.mean(cal) if cal else None,
            "skipped": rec.skipped.get(s, 0),
        }
    kinds: dict[str, int] = {}
    for _step, kind, _msg in rec.errors:
        kinds[kind] = kinds.get(kind, 0) + 1
    cal_all = [v for vals in lv.calibration.cpu_s.values() for v in vals]
    out = {
        "sessions": lv.sessions, "wall_s": lv.wall_s, "steps": rec.steps,
        "journeys": rec.journeys, "errors": len(rec.errors), "errors_by_kind": kinds,
        "dropped": kinds.get("dropped", 0), "error_samples": rec.errors[:20],
        "per_step": per_step,
        "cpu_per_step_alone_median_ms": 1000 * statistics.median(cal_all) if cal_all else None,
        "client_cpu_s": lv.client_cpu_s,
        "machine_busy_percent_mean": (statistics.mean(lv.samples["machine_percent"])
                                      if lv.samples.get("machine_percent") else None),
    }
    if lv.server_cpu_s is not None:
        busiest = max(lv.samples.get("cpu_per_second") or [0.0])
        out.update({
            "server_cpu_s": lv.server_cpu_s,
            "server_cpu_per_step_ms": 1000 * lv.server_cpu_s / rec.steps if rec.steps else None,
            "server_core_share": lv.server_cpu_s / lv.wall_s,
            "server_core_share_busiest_second": busiest,
            "server_waited_for_cpu_s": lv.samples.get("waited_s"),
            # what the server needed: every session does one step per think time at most
            "server_core_needed": (lv.sessions / statistics.mean(think) * lv.server_cpu_s
                                   / rec.steps) if rec.steps else None,
            "rss_base_mib": lv.rss_base / 2**20,
            "rss_peak_mib": (lv.rss_peak or lv.rss_base) / 2**20,
            "mib_per_session": max(0, (lv.rss_peak or lv.rss_base) - lv.rss_base)
            / 2**20 / lv.sessions,
        })
    worst = max((v["p95_s"] for v in per_step.values() if v["n"]), default=float("nan"))
    missed = [s for s, v in per_step.items() if v["n"] and v["p95_s"] > target_p95]
    out["worst_p95_s"] = worst
    out["ok"] = not missed and not rec.errors and rec.steps > 0
    reasons = []
    if missed:
        reasons.append(f"p95 > {target_p95:g} s: {', '.join(missed)}")
    if rec.errors:
        by_kind = ", ".join(f"{k} {v}" for k, v in kinds.items())
        reasons.append(f"{len(rec.errors)} errors ({by_kind})")
    if not rec.steps:
        reasons.append("no step completed")
    out["reasons"] = reasons
    return out


def limit_words(summary: dict) -> str:
    """What held the server back at this level, from its CPU figures."""
    share = summary.get("server_core_share")
    if share is None:
        return "server CPU unknown (give --server-pid)"
    needed = summary.get("server_core_needed") or 0.0
    waited = summary.get("server_waited_for_cpu_s") or 0.0
    busy = summary.get("machine_busy_percent_mean") or 0.0
    if share >= 0.85:
        return (f"CPU: the server process used {share:.0%} of one core on average "
                f"(Streamlit runs every session's script in threads of one Python process; "
                f"the GIL lets them use about one core)")
    if busy >= 75 and waited > 0.1 * summary["wall_s"]:
        return (f"CPU starvation: the server got {share:.0%} of one core while its threads "
                f"waited {waited:.0f} s for a CPU; the machine was {busy:.0f}% busy with other "
                f"processes. Its own work at this rate needs about {needed:.0%} of one core "
                f"({fmt(summary.get('server_cpu_per_step_ms'), '.0f')} ms per step)")
    return (f"the server used {share:.0%} of one core (needs about {needed:.0%}); look at the "
            f"errors and the machine's load ({busy:.0f}% busy)")


def fmt(v, spec: str = ".2f") -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    return format(v, spec)


def report(result: dict) -> str:
    lines = [
        f"date:     {result['date']}",
        f"machine:  {result['machine']}",
        f"command:  {result['command']}",
        f"server:   {result['server']}",
        f"journey:  {result['journey']}"
        f"{' (distinct profiles)' if result.get('distinct_profiles') else ''}, "
        f"think {result['think'][0]:g}-{result['think'][1]:g} s, "
        f"{result['seconds']:g} s per level, step timeout {result['step_timeout']:g} s",
    ]
    for lv in result["levels"]:
        verdict = "OK" if lv["ok"] else "MISSED: " + "; ".join(lv["reasons"])
        lines += ["", f"== {lv['sessions']} sessions: {lv['steps']} steps, "
                      f"{lv['journeys']} journeys, {lv['errors']} errors "
                      f"({lv['dropped']} dropped) in {lv['wall_s']:.0f} s -- {verdict}",
                  f"{'step':10} {'n':>6} {'p50 s':>7} {'p95 s':>7} {'p99 s':>7} {'max s':>7} "
                  f"{'errors':>6} {'cpu alone ms':>12}"]
        for name, s in lv["per_step"].items():
            if not s["n"] and not s["errors"]:
                lines.append(f"{name:10} {'-':>6}  (not on the page: skipped "
                             f"{s['skipped']}x)" if s["skipped"] else f"{name:10} {0:6d}")
                continue
            lines.append(f"{name:10} {s['n']:6d} {fmt(s['p50_s']):>7} {fmt(s['p95_s']):>7} "
                         f"{fmt(s['p99_s']):>7} {fmt(s['max_s']):>7} {s['errors']:6d} "
                         f"{fmt(s['cpu_alone_ms'], '.0f'):>12}")
        if "server_cpu_s" in lv:
            lines.append(
                f"server:   CPU {lv['server_cpu_s']:.1f} s in {lv['wall_s']:.0f} s = "
                f"{lv['server_core_share']:.0%} of one core (busiest second "
                f"{lv['server_core_share_busiest_second']:.0%}); "
                f"{fmt(lv['server_cpu_per_step_ms'], '.0f')} ms per step under load, "
                f"{fmt(lv['cpu_per_step_alone_median_ms'], '.0f')} ms median alone; waited "
                f"{fmt(lv['server_waited_for_cpu_s'], '.0f')} s for a CPU; needs about "
                f"{fmt(lv['server_core_needed'], '.0%')} of one core at this rate; RSS "
                f"{lv['rss_base_mib']:.0f} -> {lv['rss_peak_mib']:.0f} MiB "
                f"({lv['mib_per_session']:.2f} MiB per session)")
        lines.append(f"client:   this script used {lv['client_cpu_s']:.1f} CPU-s; machine "
                     f"{fmt(lv['machine_busy_percent_mean'], '.0f')}% busy on average "
                     f"(all cores, all processes)")
        if lv.get("limit"):
            lines.append(f"limit:    {lv['limit']}")
        for step, kind, msg in lv["error_samples"][:5]:
            lines.append(f"  error: {step}: {kind}: {msg[:160]}")
    lines.append("")
    lines.append(f"breaks at: {result['breaks_at']}" if result["breaks_at"]
                 else "breaks at: not within the session counts tried")
    if result.get("limit"):
        lines.append(f"limit:     {result['limit']}")
    return "\n".join(lines)


def machine() -> str:
    try:
        mem_kib = next(int(line.split()[1]) for line in open("/proc/meminfo")
                       if line.startswith("MemTotal:"))
        ram = f"{mem_kib / 1024 / 1024:.1f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        ram = "RAM unknown"
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{platform.machine()}, {os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, {ram}, "
            f"Python {platform.python_version()}, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} at start")


# --- main ------------------------------------------------------------------------------------


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
