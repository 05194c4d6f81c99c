"""`make load`'s report: per level the figures and the verdict against the target, the table
printed on stdout, the machine it ran on."""

from __future__ import annotations

import os
import platform
import statistics

from scripts.load_runner import Level, pct

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
