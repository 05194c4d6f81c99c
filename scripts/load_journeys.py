"""`make load`'s journeys: what a simulated visitor does, step by step (``constructor`` on ``/``,
``admin`` on ``/admin``), each step timed and checked by ``Ctx.step`` (see scripts/load.py)."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from core import assess
from core.demo.roster import demo_profile
from core.policy.data import POLICY
from core.policy.dates import today_shanghai
from scripts.st_client.errors import PageError, ProtocolError
from scripts.st_client.session import StreamlitSession
from ui.i18n import text

if TYPE_CHECKING:
    from scripts.load_runner import CpuProbe, Recorder

LANG = "zh"
STEPS = {
    "constructor": ("open", "example", "edit", "preview", "rerun", "as_of", "calendar"),
    "admin": ("open", "login", "filter", "as_of", "rerun"),
}
# Names for --distinct-profiles (common characters; 40^3 = 64,000 names).
GIVEN_NAME_CHARS = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"


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

