"""Every branch a rule can take, and what the trace says when it is taken.

A rule function returns, beside its values, an array of branch ids (one per row): which case of
the rule decided that row. This table maps each id to the rule, the clause of the notice, the
readings (POLICY.md I-…) it relied on and the note of ``core/messages/messages.toml`` that
explains it. ``core/rules/trace.py`` turns a row's branch ids into CONTRACT.md's ``trace``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Branch:
    rule: str
    clause: str
    note: str
    readings: tuple[str, ...] = ()


_TABLE: dict[str, Branch] = {
    # R-1, original cycle (C-2.2.1 / C-2.2.2)
    "NOT_COVERED": Branch("R-1", "C-1", "not_covered", ("I-1",)),
    "R1_PILOT_EXPIRED": Branch("R-1", "C-2.2.2", "r1_pilot_expired"),
    "R1_PILOT_CURRENT": Branch("R-1", "C-2.2.2", "r1_pilot_current", ("I-3", "I-6")),
    "R1_PILOT_FLOOR": Branch("R-1", "C-2.2.2", "r1_pilot_floor", ("I-3", "I-6")),
    "R1_BATCH_EXPIRED": Branch("R-1", "C-2.2.1", "r1_batch_expired", ("I-2",)),
    "R1_BATCH_TRANSITION": Branch("R-1", "C-2.2.1", "r1_batch_transition"),
    "R1_BATCH_CURRENT": Branch("R-1", "C-2.2.1", "r1_batch_current", ("I-6",)),
    # R-2, renewal approved (C-2.2.4)
    "R2_RENEWED": Branch("R-2", "C-2.2.4", "r2_renewed", ("I-8",)),
    "R2_RENEWED_CAPPED": Branch("R-2", "C-2.2.4", "r2_renewed_capped"),  # ends at 65: no I-8
    # the renewed cycle's deadlines: the clause of the regime (trace.py), C-2.2.1 for 2021 batch,
    # C-2.2.2 with the 30-day rule by analogy (I-3) for a pilot
    "R2_DEADLINES": Branch("R-2", "C-2.2.1", "r2_deadlines", ("I-6",)),
    "R2_DEADLINES_FINAL": Branch("R-2", "C-2.2.4", "r2_deadlines_final"),
    # R-3, renewable (C-2.2.4)
    "R3_RENEWABLE": Branch("R-3", "C-2.2.4", "r3_renewable"),
    "R3_NOT_RENEWABLE": Branch("R-3", "C-2.2.4", "r3_not_renewable", ("I-6",)),
    # R-4, status at T (the clause is the one of the cycle's first step; an application after
    # the lapse date: the clause of the original cycle's lapse)
    "R4_NOT_YET_VALID": Branch("R-4", "", "r4_not_yet_valid"),
    "R4_RENEWAL_PENDING": Branch("R-4", "", "r4_renewal_pending"),
    "R4_RENEWAL_PENDING_LATE": Branch("R-4", "", "r4_renewal_pending_late"),
    "R4_LAPSED": Branch("R-4", "", "r4_lapsed"),
    "R4_EXPIRED_NOT_LAPSED": Branch("R-4", "", "r4_expired_not_lapsed"),
    "R4_APPLY_NOW": Branch("R-4", "", "r4_apply_now"),
    "R4_VALID": Branch("R-4", "", "r4_valid"),
    "R4_AGE_LIMIT": Branch("R-4", "C-2.2.4", "r4_age_limit"),
    "R4_APPLICATION_AFTER_LAPSE": Branch("R-4", "", "r4_application_after_lapse"),
    # R-5, continuing education (C-2.2.3)
    "R5_REMIND": Branch("R-5", "C-2.2.3", "r5_continuing_education"),
}

#: id -> Branch; ids are positions, so numpy arrays of ids index it directly.
BRANCHES: tuple[Branch, ...] = tuple(_TABLE.values())
ID: dict[str, int] = {name: i for i, name in enumerate(_TABLE)}

NOT_COVERED = ID["NOT_COVERED"]
R1_PILOT_EXPIRED, R1_PILOT_CURRENT, R1_PILOT_FLOOR = (
    ID["R1_PILOT_EXPIRED"], ID["R1_PILOT_CURRENT"], ID["R1_PILOT_FLOOR"])
R1_BATCH_EXPIRED, R1_BATCH_TRANSITION, R1_BATCH_CURRENT = (
    ID["R1_BATCH_EXPIRED"], ID["R1_BATCH_TRANSITION"], ID["R1_BATCH_CURRENT"])
R2_RENEWED, R2_RENEWED_CAPPED, R2_DEADLINES, R2_DEADLINES_FINAL = (
    ID["R2_RENEWED"], ID["R2_RENEWED_CAPPED"], ID["R2_DEADLINES"], ID["R2_DEADLINES_FINAL"])
R3_RENEWABLE, R3_NOT_RENEWABLE = ID["R3_RENEWABLE"], ID["R3_NOT_RENEWABLE"]
R4_STATUS = {  # status code (core.rules.specialty.STATUSES) -> R-4 branch
    "not_yet_valid": ID["R4_NOT_YET_VALID"],
    "renewal_pending": ID["R4_RENEWAL_PENDING"],
    "lapsed": ID["R4_LAPSED"],
    "expired_not_lapsed": ID["R4_EXPIRED_NOT_LAPSED"],
    "apply_now": ID["R4_APPLY_NOW"],
    "valid": ID["R4_VALID"],
}
R4_RENEWAL_PENDING_LATE = ID["R4_RENEWAL_PENDING_LATE"]
R4_AGE_LIMIT = ID["R4_AGE_LIMIT"]
R4_APPLICATION_AFTER_LAPSE = ID["R4_APPLICATION_AFTER_LAPSE"]
R5_REMIND = ID["R5_REMIND"]
