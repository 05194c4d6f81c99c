"""The command line's roster jobs, run in the cage (core.roster.cage: a child process with
memory, CPU and output limits): reading a roster file, reading and assessing it, and its
monthly lapse counts. Each job is a module-level function (the cage sends it by module and
name) and gets the roster as read. The admin import's job is ``core.admin.importing.check_job``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core.roster.cage import Limits, run_caged
from core.roster.io import Roster
from core.rules.roster import assess_roster, lapse_counts

__all__ = ["Checked", "assess_job", "check_roster", "lapse_job", "read_job"]


@dataclass
class Checked:
    """A roster read (and, with an as-of date, assessed) in the cage."""

    roster: Roster
    assessed: pd.DataFrame | None


def read_job(roster: Roster) -> dict:
    """Only the reading."""
    return {"raw": roster.raw, "data": roster.data, "meta": _meta(roster)}


def assess_job(roster: Roster, as_of: date) -> dict:
    """Reading and checking: ``assess_roster`` at ``as_of``."""
    return {**read_job(roster),
            "assessed": assess_roster(roster.data, as_of, prior=roster.problems)}


def lapse_job(roster: Roster, as_of: date) -> dict:
    """``lapse_counts`` at ``as_of`` (the CLI's ``lapse-counts``)."""
    return {"counts": lapse_counts(roster.data, as_of)}


def _meta(roster: Roster) -> dict:
    return {"source_format": roster.source_format, "encoding": roster.encoding,
            "file_name": roster.file_name, "sha256": roster.sha256}


def check_roster(source: bytes | str | os.PathLike, file_name: str | None = None,
                 as_of: date | None = None, *, limits: Limits | None = None) -> Checked:
    """Read ``source`` in the cage, and with ``as_of`` also assess it there. The same frames
    ``read_roster`` / ``assess_roster`` give in-process. (The admin import has its own job,
    core.admin.importing.check_job, which sends back only what the page uses.)"""
    if as_of is None:
        out = run_caged(read_job, source, file_name, limits=limits)
    else:
        out = run_caged(assess_job, source, file_name, limits=limits, as_of=as_of)
    meta = out["meta"]
    roster = Roster(out["raw"], out["data"], meta["source_format"], meta["encoding"],
                    meta["file_name"], meta["sha256"])
    return Checked(roster, out.get("assessed"))
