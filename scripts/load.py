"""`make load`: concurrent browser sessions doing the self-service flow on one server (issue 6).

Starts ONE ``streamlit run streamlit_app.py`` on 127.0.0.1 (a free port, its own temporary
``ECERT_DATA_DIR``), then drives ``--sessions`` browser contexts of one headless Debian chromium
(Playwright's async API, ``asyncio.gather``) for ``--seconds``. Each session repeats, until the
time is up, one iteration of the self-service flow:

1. ``open``     go to ``/``                          -> the page title and "载入示例" are visible
2. ``example``  click "载入示例" (load the example)   -> "查询结果（基准日期 T）" and the engine's
                                                        apply_by dates are visible
3. ``as_of``    type another as-of date in the sidebar -> the heading shows the new date
4. ``preview``  click "生成证书预览" (build preview)   -> the PDF download button and the image

Each step's time runs from the input (navigation, click, date committed) to the updated result
being visible. A step counts as an error when it times out, or when the page shows a Streamlit
exception or an error box; the session then starts its next iteration afresh. The script prints
sessions, iterations, errors, p50/p95/max per step and per iteration, the machine and the date;
its exit status is 1 when there was any error. The server is always stopped (its whole process
group), also on Ctrl-C.

    .venv/bin/python scripts/load.py [--sessions 20] [--seconds 90] [--step-timeout 60]

Loopback only; nothing is asserted about speed (figures go to docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import assess  # noqa: E402
from core.demo.roster import demo_profile  # noqa: E402
from core.policy.dates import today_shanghai  # noqa: E402
from tests.browser.app_server import CHROMIUM, CHROMIUM_ARGS, start_app, stop_app  # noqa: E402
from ui.i18n import text  # noqa: E402

STEPS = ("open", "example", "as_of", "preview")
LANG = "zh"


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    iterations: list[float] = field(default_factory=list)  # complete iterations, seconds
    errors: list[str] = field(default_factory=list)
    started: int = 0


class StepError(Exception):
    pass


def as_of_dates(today: date) -> list[date]:
    """As-of dates to type: the 30 days before today (the demo profile of today, whose
    certificate was downloaded some weeks ago, is assessable and printable on each)."""
    out = []
    for k in range(1, 31):
        d = today - timedelta(days=k)
        try:
            a = assess(demo_profile(today), d)
        except Exception:  # noqa: BLE001 - e.g. a download date after d: skip that date
            continue
        if (a.get("usage_window") or {}).get("status") == "in_use":
            out.append(d)
    if not out:
        raise SystemExit("load.py: no usable as-of date for the demo profile (see as_of_dates)")
    return out


async def _check_page(page, step: str) -> None:
    """A Streamlit exception or an error box on the page is an error of this step."""
    for test_id in ("stException", "stAlertContentError"):
        n = await page.get_by_test_id(test_id).count()
        if n:
            body = (await page.get_by_test_id(test_id).first.inner_text())[:200]
            raise StepError(f"{step}: {test_id} on the page: {body!r}")


async def one_iteration(page, url: str, today: date, as_of: date, timeout_ms: int,
                        stats: Stats) -> None:
    from playwright.async_api import expect

    times: dict[str, float] = {}
    example = assess(demo_profile(today), today)  # what the server's default date shows

    async def timed(step: str, action, *visible) -> None:
        t0 = time.perf_counter()
        try:
            await action()
            for locator in visible:
                await expect(locator).to_be_visible(timeout=timeout_ms)
        except StepError:
            raise
        except Exception as exc:  # noqa: BLE001 - timeouts, navigation errors: all are errors
            raise StepError(
                f"{step}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}") from exc
        times[step] = time.perf_counter() - t0
        await _check_page(page, step)

    title = page.locator("h1").filter(has_text=text("page.self_service.title", LANG))
    load_button = page.get_by_role("button", name=text("self_service.form.load_example", LANG))
    await timed("open", lambda: page.goto(url + "/"), title, load_button)

    heading = page.get_by_text(text("self_service.answer.heading", LANG,
                                     as_of=today.isoformat()), exact=True)
    apply_by = [page.get_by_text(s["apply_by"], exact=True).first
                for s in example["specialties"] if s.get("apply_by")]
    await timed("example", load_button.click, heading, *apply_by)

    sidebar_date = page.get_by_test_id("stSidebar").get_by_test_id("stDateInput")

    async def type_date() -> None:
        await sidebar_date.locator('[data-type="year"]').click()
        await page.keyboard.type(as_of.strftime("%Y%m%d"))
        await expect(sidebar_date.locator("input")).to_have_value(as_of.isoformat(),
                                                                  timeout=timeout_ms)

    await type_date()  # typing is the user's time; the step starts when the date is committed
    new_heading = page.get_by_text(text("self_service.answer.heading", LANG,
                                         as_of=as_of.isoformat()), exact=True)
    await timed("as_of", lambda: title.click(), new_heading)  # leaving the field commits it

    build = page.get_by_role("button", name=text("certificate.build", LANG))
    download = page.get_by_role("button", name=text("certificate.download", LANG))
    await expect(build).to_be_visible(timeout=timeout_ms)
    await timed("preview", build.click, download, page.get_by_test_id("stImage"))

    for step, seconds in times.items():
        stats.times[step].append(seconds)
    stats.iterations.append(sum(times.values()))


async def session(n: int, browser, url: str, deadline: float, today: date, dates: list[date],
                  timeout_ms: int, stats: Stats) -> None:
    context = await browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                        viewport={"width": 1280, "height": 900})
    context.set_default_timeout(timeout_ms)
    page = await context.new_page()
    i = 0
    try:
        await asyncio.sleep(n * 0.25)  # a gentle ramp-up, not 20 navigations in one instant
        while time.monotonic() < deadline:
            as_of = dates[(n + i) % len(dates)]
            i += 1
            stats.started += 1
            try:
                await one_iteration(page, url, today, as_of, timeout_ms, stats)
            except StepError as err:
                stats.errors.append(f"session {n} iteration {i}: {err}")
    finally:
        await context.close()


async def drive(url: str, sessions: int, seconds: float, timeout_ms: int) -> Stats:
    from playwright.async_api import async_playwright

    stats = Stats()
    today = today_shanghai()  # the server's default as-of date
    dates = as_of_dates(today)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS)
        try:
            deadline = time.monotonic() + seconds
            await asyncio.gather(*(session(n, browser, url, deadline, today, dates, timeout_ms,
                                           stats) for n in range(sessions)))
        finally:
            await browser.close()
    return stats


class CpuSampler:
    """CPU seconds used during the run by the server and by everything else this script started
    (the Playwright driver and chromium), sampled once a second (psutil): where the time went."""

    def __init__(self, server_pid: int):
        import threading

        import psutil

        self.psutil, self.server_pid = psutil, server_pid
        self.used: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = self.psutil.Process()
        try:
            server = self.psutil.Process(self.server_pid)
            server_pids = {self.server_pid} | {c.pid for c in server.children(recursive=True)}
        except self.psutil.Error:
            server_pids = {self.server_pid}
        for p in me.children(recursive=True):
            try:
                t = p.cpu_times()
            except self.psutil.Error:
                continue
            kind = "server" if p.pid in server_pids else "browser"
            self.used[p.pid] = (kind, t.user + t.system)

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample()

    def __enter__(self):
        self._sample()
        self.start = dict(self.used)
        self.busy0 = self._busy()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.busy = self._busy() - self.busy0

    def _busy(self) -> float:
        """Busy CPU seconds of the whole machine (all processes, all cores)."""
        t = self.psutil.cpu_times()
        return sum(t) - t.idle - getattr(t, "iowait", 0.0)

    def seconds(self, kind: str) -> float:
        return sum(v - self.start.get(pid, (kind, 0.0))[1]
                   for pid, (k, v) in self.used.items() if k == kind)


def pct(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


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
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def report(stats: Stats, sessions: int, seconds: float, elapsed: float,
           cpu: CpuSampler | None = None) -> str:
    lines = [
        f"date:        {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"machine:     {machine()}",
        f"sessions:    {sessions} (one chromium, one context each), {seconds:g} s requested, "
        f"{elapsed:.0f} s run",
        f"iterations:  {len(stats.iterations)} complete, {stats.started} started",
        f"errors:      {len(stats.errors)}",
    ]
    if cpu is not None:
        cores = os.cpu_count() or 1
        server, browser = cpu.seconds("server"), cpu.seconds("browser")
        lines.append(
            f"cpu:         server {server:.0f} s, chromium + driver {browser:.0f} s, other "
            f"processes {max(0.0, cpu.busy - server - browser):.0f} s, of "
            f"{elapsed * cores:.0f} core-seconds ({cores} cores x {elapsed:.0f} s)")
    lines += [
        "",
        f"{'step (input -> result visible)':34} {'n':>5} {'p50 s':>7} {'p95 s':>7} {'max s':>7}",
    ]
    rows = [(s, stats.times[s]) for s in STEPS] + [("iteration (sum of the 4)", stats.iterations)]
    for name, values in rows:
        if values:
            lines.append(f"{name:34} {len(values):5d} {pct(values, 50):7.2f} "
                         f"{pct(values, 95):7.2f} {max(values):7.2f}")
        else:
            lines.append(f"{name:34} {0:5d} {'-':>7} {'-':>7} {'-':>7}")
    if stats.errors:
        lines += ["", "errors (first 20):", *stats.errors[:20]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=90.0)
    ap.add_argument("--step-timeout", type=float, default=60.0,
                    help="seconds a step may take before it counts as an error (default 60)")
    args = ap.parse_args(argv)
    if args.sessions < 1 or args.seconds <= 0 or args.step_timeout <= 0:
        ap.error("--sessions, --seconds and --step-timeout must be positive")
    if not os.access(CHROMIUM, os.X_OK):
        print(f"load.py: {CHROMIUM} is missing (make test installs Debian chromium)",
              file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="ecert-load-") as tmp:
        try:
            proc, url = start_app(Path(tmp))
        except BaseException as exc:  # start_app reports with pytest.fail  # noqa: BLE001
            print(f"load.py: the server did not start: {exc}", file=sys.stderr)
            return 2
        print(f"server: {url} (pid {proc.pid}); {args.sessions} sessions for "
              f"{args.seconds:g} s ...", flush=True)
        t0 = time.monotonic()
        cpu = CpuSampler(proc.pid)
        try:
            with cpu:
                stats = asyncio.run(drive(url, args.sessions, args.seconds,
                                          int(args.step_timeout * 1000)))
        finally:
            stop_app(proc)
        elapsed = time.monotonic() - t0
        log = (Path(tmp) / "streamlit.log").read_text(errors="replace")
    print(report(stats, args.sessions, args.seconds, elapsed, cpu))
    if "Traceback" in log:
        print("\nserver log holds a traceback:\n" + log[-3000:], file=sys.stderr)
        return 1
    return 1 if stats.errors or not stats.iterations else 0


if __name__ == "__main__":
    sys.exit(main())
