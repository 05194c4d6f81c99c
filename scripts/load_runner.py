"""`make load`'s runner: the measurements (``Recorder``, the server's CPU and memory
``CpuProbe``), the server it starts, and one level of N sessions (calibration, then the load)."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from scripts.load_journeys import JOURNEYS, Ctx, StepFailed, Stop
from scripts.processes import free_port, healthy, stop_group
from scripts.st_client.session import StreamlitSession

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 120

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

