"""A roster's usage windows: each person's (one registration number) with a download, by the
one function of R-6 that also serves a profile (``core.rules.certificate.usage_window``):
``person_windows`` as arrays, ``usage_windows`` as the frame the monitor and the due list read.
tests/test_rules_roster.py proves each window equal to ``assess``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

from core.policy.dates import day_number
from core.rules import certificate as cert
from core.rules import specialty as rule
from core.rules.roster import PreparedRoster, _dates, problems_at, seen_at

__all__ = ["PersonWindows", "person_windows", "usage_windows"]


_NO_ROW = np.iinfo(np.int64).max


@dataclass
class PersonWindows:
    """A roster's usage windows per person with a download, as arrays (R-6 itself is
    ``core.rules.certificate.usage_window``; ``usage_windows`` makes the frame)."""

    t: int                      # the as-of date's day number
    first_rows: np.ndarray      # per person: the roster row its person fields come from
    rows: np.ndarray            # per specialty row: its row in the roster
    spec: cert.Specialties      # per specialty row (``person``: index into first_rows)
    window: cert.Windows

    def __len__(self) -> int:
        return len(self.first_rows)


def person_windows(prep: PreparedRoster, as_of: date) -> PersonWindows:
    """The usage window (R-6) of each person (registration number) whose first usable row has a
    download date, by the same rule function as one profile. Rows with input errors are left
    out; a person's regime, 65th birthday and download date come from their first row. A
    download dated after ``as_of`` is ignored (POLICY.md, Definitions: ``seen_at``), as for one
    profile."""
    prep = seen_at(prep, as_of)
    t, policy = day_number(as_of), prep.policy
    usable = ~(prep.bad | problems_at(prep, t).any_rows(len(prep)))
    D = prep.dates["certificate_downloaded_on"]
    person = prep.person
    rows = np.flatnonzero(usable)
    first_of = np.full(person.max() + 1 if len(prep) else 0, _NO_ROW)
    np.minimum.at(first_of, person[rows], rows)  # each person's first usable row
    persons = np.flatnonzero(first_of != _NO_ROW)
    first_rows = first_of[persons]
    has_d = D.present[first_rows] & (prep.regime[first_rows] != rule.NOT_COVERED)
    persons, first_rows = persons[has_d], first_rows[has_d]
    index = np.full(person.max() + 1 if len(prep) else 0, -1)
    index[persons] = np.arange(len(persons))
    rows = rows[index[person[rows]] >= 0]
    d = prep.dates
    A, P = d["renewal_applied_on"], d["renewal_approved_on"]
    spec = cert.Specialties(index[person[rows]], d["valid_from"].days[rows],
                            d["valid_until"].days[rows], A.days[rows], A.present[rows],
                            P.days[rows], P.present[rows])
    w = cert.usage_window(spec, prep.regime[first_rows], prep.age65[first_rows],
                          D.days[first_rows], t, policy)
    return PersonWindows(t, first_rows, rows, spec, w)


def usage_windows(prep: PreparedRoster, as_of: date, windows: PersonWindows | None = None,
                  only: np.ndarray | None = None) -> pd.DataFrame:
    """The usage window (R-6) per person with a download date (``person_windows``), as a frame:
    number, name, employer, province and download date from the person's first row;
    ``specialties`` names the printed ones in the policy's order. ``only``: a mask over the
    persons of ``windows``, to make the frame of those alone (the texts cost the most)."""
    pw = windows if windows is not None else person_windows(prep, as_of)
    w, spec, t = pw.window, pw.spec, pw.t
    keep = np.arange(len(pw)) if only is None else np.flatnonzero(only)
    first_rows = pw.first_rows[keep]
    outdated_on = np.full(len(pw), np.iinfo(np.int64).max)
    np.minimum.at(outdated_on, spec.person[w.outdated_rows], spec.approved_on[w.outdated_rows])
    # the printed specialties of each person as a bit set, named in the policy's order
    bits = np.zeros(len(pw), dtype=np.int64)
    np.bitwise_or.at(bits, spec.person[w.printed],
                     np.left_shift(1, prep.specialty[pw.rows][w.printed].astype(np.int64)))
    masks_of, masks = pd.factorize(bits[keep])
    all_names = prep.policy.specialties
    joined = np.array(["、".join(n for i, n in enumerate(all_names) if m >> i & 1)
                       for m in masks.tolist()], dtype=object)[masks_of]
    take = pa.array(first_rows)
    texts = {c: pd.arrays.ArrowStringArray(prep.texts[c].take(take).cast(pa.string()))
             for c in ("registration_number", "name", "employer")}
    status, until, capped_by = w.status[keep], w.until[keep], w.capped_by[keep]
    outdated = w.outdated[keep]
    available = status != cert.UNAVAILABLE
    downloaded = prep.dates["certificate_downloaded_on"].days[first_rows]
    return pd.DataFrame({
        "registration_number": texts["registration_number"],
        "name": texts["name"],
        "employer": texts["employer"],
        "employer_province": pd.array(prep.province[first_rows], dtype="str"),
        "downloaded_on": _dates(downloaded, np.ones(len(keep), bool)),
        "usage_until": _dates(until, available),
        "capped_by": pd.Categorical.from_codes(np.where(available, capped_by, -1),
                                               categories=list(cert.CAPPED_BY)),
        "status": pd.Categorical.from_codes(status, categories=list(cert.USAGE_STATUSES)),
        "outdated": outdated,
        "outdated_by": _dates(outdated_on[keep], outdated),
        "specialties": pd.array(joined, dtype="str"),
        # text columns are text whatever the rows hold (inferred, no rows or only missing
        # values would make them object)
        "reason": pd.array(np.array(cert.REASONS, dtype=object)[w.reason[keep]], dtype="str"),
        "days_left": pd.arrays.IntegerArray(np.where(available, until - t, 0), ~available),
    })
