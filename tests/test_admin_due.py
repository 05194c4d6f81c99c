"""core/admin/due.py and ``python -m core due``: what falls due within N days.

The specialty rows come from the engine's own assessment of small rosters built around the
boundaries (T + N included, T + N + 1 excluded, 0 days left on the day); the certificate rows
from the engine's usage windows.
"""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from core import assess_roster
from core.admin import due
from core.roster.io import to_csv_bytes
from core.rules.roster import assess_prepared, prepare_roster
from core.rules.roster_windows import usage_windows

ROOT = Path(__file__).resolve().parents[1]
T = date(2024, 6, 15)
N = 30


NUMBERS: dict[str, str] = {}


def row(name: str, valid_until: date, **kw) -> dict:
    number = NUMBERS.setdefault(name, f"粤14420062008{len(NUMBERS) + 1:05d}")
    base = {"name": name, "gender": "男", "birth_date": pd.Timestamp("1975-05-05"),
            "registration_number": number,
            "employer": "某建设集团有限公司", "employer_province": "广东", "specialty": "建筑工程",
            "valid_from": pd.Timestamp(valid_until - timedelta(days=3 * 365)),
            "valid_until": pd.Timestamp(valid_until), "renewal_applied_on": pd.NaT,
            "renewal_approved_on": pd.NaT, "continuing_education_done": True,
            "certificate_downloaded_on": pd.NaT}
    base.update(kw)
    return base


def roster(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in ("birth_date", "valid_from", "valid_until", "renewal_applied_on",
              "renewal_approved_on", "certificate_downloaded_on"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[s]")
    for c in ("name", "gender", "registration_number", "employer", "employer_province",
              "specialty"):
        df[c] = df[c].astype("string")
    df["continuing_education_done"] = df["continuing_education_done"].astype("boolean")
    return df


def no_windows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (
        "registration_number", "name", "employer", "employer_province", "downloaded_on",
        "usage_until", "capped_by", "status", "outdated", "outdated_by", "specialties",
        "reason", "days_left")})


def listed(df: pd.DataFrame, kind: str) -> dict[str, int]:
    part = df[df["due_kind"] == kind]
    return dict(zip(part["name"], part["days_left"], strict=True))


def test_specialty_deadlines_at_the_boundaries():
    # Guangdong (2021 batch), current cycle: apply_by = valid_until - 30, lapses_on = +1 day
    rows = [row("on_the_day", T + timedelta(days=30)),   # apply_by = T; lapses_on T + N + 1
            row("last_day", T + timedelta(days=60)),         # apply_by = T + N
            row("one_too_far", T + timedelta(days=61)),      # apply_by = T + N + 1
            row("lapse_last", T + timedelta(days=29)),       # lapses_on = T + N (apply_now)
            row("lapsed_today", T - timedelta(days=1)),      # lapses_on = T: lapsed, not due
            row("pending", T + timedelta(days=40), renewal_applied_on=pd.Timestamp(T)),
            row("broken", T + timedelta(days=40), birth_date=pd.NaT)]
    assessed = assess_roster(roster(rows), T)
    out = due.due_list(assessed, no_windows(), T, N)
    assert list(out.columns) == list(due.DUE_COLUMNS)
    assert listed(out, "apply_by") == {"on_the_day": 0, "last_day": 30}
    assert listed(out, "lapses_on") == {"lapse_last": 30}
    assert due.count_errors(assessed) == 1
    assert (out["due_on"] == pd.Timestamp(T) + pd.to_timedelta(out["days_left"], "D")).all()
    assert out["due_on"].is_monotonic_increasing
    assert set(out["specialty"]) == {"建筑工程"}


def test_within_zero_lists_only_today():
    rows = [row("on_the_day", T + timedelta(days=30)), row("tomorrow", T + timedelta(days=31))]
    out = due.due_list(assess_roster(roster(rows), T), no_windows(), T, 0)
    assert listed(out, "apply_by") == {"on_the_day": 0}
    with pytest.raises(ValueError):
        due.due_list(assess_roster(roster(rows), T), no_windows(), T, -1)


def test_windows_rows_from_the_engine():
    """Usage windows (R-6) of persons downloaded at chosen days, through the engine."""
    far = T + timedelta(days=900)  # a specialty valid long after: the 180 days decide
    d_last = T + timedelta(days=N) - timedelta(days=180)      # usage_until = T + N
    d_over = d_last + timedelta(days=1)                        # usage_until = T + N + 1
    d_today = T - timedelta(days=180)                          # usage_until = T
    d_gone = T - timedelta(days=181)                           # ended yesterday
    approved = T - timedelta(days=10)
    rows = [row("w_last", far, certificate_downloaded_on=pd.Timestamp(d_last)),
            row("w_over", far, certificate_downloaded_on=pd.Timestamp(d_over)),
            row("w_today", far, certificate_downloaded_on=pd.Timestamp(d_today)),
            row("w_gone", far, certificate_downloaded_on=pd.Timestamp(d_gone)),
            # renewed after a download 20 days ago: outdated, due since the approval
            row("w_outdated", T + timedelta(days=400),
                certificate_downloaded_on=pd.Timestamp(T - timedelta(days=20)),
                renewal_applied_on=pd.Timestamp(T - timedelta(days=40)),
                renewal_approved_on=pd.Timestamp(approved))]
    prepared = prepare_roster(roster(rows))
    windows = usage_windows(prepared, T)
    out = due.due_list(assess_prepared(prepared, T), windows, T, N)
    assert listed(out, "usage_until") == {"w_last": 30, "w_today": 0}
    assert listed(out, "outdated") == {"w_outdated": -10}
    outdated = out[out["due_kind"] == "outdated"].iloc[0]
    assert outdated["due_on"] == pd.Timestamp(approved)
    assert outdated["specialty"] == "建筑工程"


# -- command line ------------------------------------------------------------------------------
def run(*args):
    p = subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, cwd=ROOT,
                       timeout=120)
    assert b"Traceback" not in p.stderr and b"Traceback" not in p.stdout
    return p


def test_cli_due_writes_the_contract_columns(tmp_path):
    rows = [row("last_day", T + timedelta(days=60)), row("one_too_far", T + timedelta(days=61)),
            row("broken", T + timedelta(days=40), birth_date=pd.NaT)]
    f = tmp_path / "roster.csv"
    f.write_bytes(to_csv_bytes(roster(rows)))
    p = run("due", str(f), "--as-of", T.isoformat(), "--within", str(N))
    assert p.returncode == 0, p.stderr.decode()
    out = pd.read_csv(io.BytesIO(p.stdout), dtype=str)
    assert list(out.columns) == ["name", "registration_number", "employer", "employer_province",
                                 "specialty", "due_kind", "due_on", "days_left"]
    assert out[["name", "due_kind", "due_on", "days_left"]].values.tolist() == [
        ["last_day", "apply_by", (T + timedelta(days=30)).isoformat(), "30"]]
    assert "1" in p.stderr.decode()  # the broken row is counted on stderr
    default = run("due", str(f), "--as-of", T.isoformat())
    assert default.returncode == 0 and default.stdout == p.stdout  # N defaults to 30


@pytest.mark.parametrize("args", [
    ["no-such-file.csv"],
    ["README.md"],                      # not a roster: no recognisable header
    ["{f}", "--within", "-1"],
    ["{f}", "--within", "soon"],
    ["{f}", "--as-of", "2024-02-30"],
])
def test_cli_due_exit_2_when_it_cannot_run(tmp_path, args):
    f = tmp_path / "roster.csv"
    f.write_bytes(to_csv_bytes(roster([row("x", T)])))
    p = run("due", *[a.format(f=f) for a in args])
    assert p.returncode == 2
    assert p.stdout == b""
    assert p.stderr.strip()


def test_the_due_list_reads_arrow_columns_in_chunks_as_any_text():
    """A roster read from a file has Arrow text columns in the reader's chunks; the due list
    takes their cells chunk by chunk and lists what it lists from plain text columns."""
    far = T + timedelta(days=900)
    rows = [row(f"p{i}", T + timedelta(days=10 + 5 * i),
                certificate_downloaded_on=pd.Timestamp(T - timedelta(days=170 + i)))
            for i in range(12)] + [row("far", far, employer=None)]
    plain = roster(rows)
    chunked = plain.copy()
    for c in ("name", "registration_number", "employer", "employer_province", "specialty"):
        values = plain[c].astype(object).where(plain[c].notna(), None).tolist()
        arr = pa.chunked_array([pa.array(values[i:i + 5], pa.large_string())
                                for i in range(0, len(values), 5)])
        chunked[c] = pd.Series(pd.arrays.ArrowStringArray(arr), index=plain.index)
    outs = []
    for frame in (plain, chunked):
        prepared = prepare_roster(frame)
        outs.append(due.due_list(assess_prepared(prepared, T), usage_windows(prepared, T), T, N))
    assert len(outs[0]) > 12
    assert set(outs[0]["due_kind"]) == {"apply_by", "lapses_on", "usage_until"}
    pd.testing.assert_frame_equal(outs[0], outs[1])


# -- age65: the 65th birthday within N days (issue 23) -----------------------------------------
def born(days_to_65: int) -> pd.Timestamp:
    """The birth date whose 65th birthday is T + days_to_65."""
    b = T + timedelta(days=days_to_65)
    return pd.Timestamp(b.replace(year=b.year - 65))


def test_age65_at_the_boundaries_once_per_person():
    far = T + timedelta(days=500)
    rows = [row("a_today", far, birth_date=born(0)),            # 65 on T: 0 days left
            row("a_last", far, birth_date=born(N)),             # T + N: listed
            row("a_over", far, birth_date=born(N + 1)),         # T + N + 1: not yet
            row("a_past", far, birth_date=born(-1)),            # T − 1: over, not due
            row("a_two", far, birth_date=born(10)),             # two rows, one person
            row("a_two", far + timedelta(days=30), birth_date=born(10), specialty="公路工程"),
            row("a_lapsed", T - timedelta(days=40), birth_date=born(5)),  # lapsed: not listed
            row("a_broken", far, birth_date=born(5), employer_province="火星")]
    prepared = prepare_roster(roster(rows))
    out = due.due_list(assess_prepared(prepared, T), usage_windows(prepared, T), T, N,
                       age65=prepared.age65)
    assert listed(out, "age65") == {"a_today": 0, "a_last": N, "a_two": 10}
    part = out[out["due_kind"] == "age65"]
    assert part["specialty"].isna().all()
    assert (part["due_on"] == [pd.Timestamp(T + timedelta(days=k)) for k in (0, 10, N)]).all()
    # without the birthdays (age65=None) the list is as before
    assert "age65" not in set(due.due_list(assess_prepared(prepared, T),
                                           usage_windows(prepared, T), T, N)["due_kind"])


def test_age65_of_a_29_february_birth_is_28_february():
    t = date(2025, 2, 20)
    rows = [row("leap", date(2026, 12, 31), birth_date=pd.Timestamp("1960-02-29"))]
    prepared = prepare_roster(roster(rows))
    out = due.due_list(assess_prepared(prepared, t), usage_windows(prepared, t), t, 8,
                       age65=prepared.age65)
    assert listed(out, "age65") == {"leap": 8}  # 2025-02-28 (I-7)


def test_cli_due_lists_age65_with_an_empty_specialty(tmp_path):
    rows = [row("sixty_five", T + timedelta(days=500), birth_date=born(12))]
    f = tmp_path / "roster.csv"
    f.write_bytes(to_csv_bytes(roster(rows)))
    p = run("due", str(f), "--as-of", T.isoformat(), "--within", str(N))
    assert p.returncode == 0, p.stderr.decode()
    out = pd.read_csv(io.BytesIO(p.stdout), dtype=str, keep_default_na=False)
    assert out[["name", "specialty", "due_kind", "due_on", "days_left"]].values.tolist() == [
        ["sixty_five", "", "age65", (T + timedelta(days=12)).isoformat(), "12"]]
