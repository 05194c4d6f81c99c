"""The trace of CONTRACT.md, built from the branches the rules took.

Each rule returns, per row, the id of the branch that decided it (``core.rules.branches``).
:func:`specialty_trace` turns one row's ids and values into the list of steps a person reads:
rule, clause, readings (I-…) and a note in Chinese and English from the message catalogue.
"""

from __future__ import annotations

from core.messages.catalogue import text
from core.rules import branches as B


def step(branch_id: int, values: dict, readings: tuple[str, ...] = (),
         clause: str | None = None) -> dict:
    """One trace entry: the branch's rule, clause and readings (plus ``readings``), its note
    formatted with ``values`` (ISO dates)."""
    b = B.BRANCHES[branch_id]
    zh, en = text("notes", b.note, **values)
    return {"rule": b.rule, "clause": clause or b.clause,
            "readings": list(dict.fromkeys((*b.readings, *readings))),
            "note_zh": zh, "note_en": en}


def specialty_trace(*, r1: int | None, r2: int | None, r3: int, r4: int, r4_after_lapse: bool,
                    aged: bool, r5: bool, values: dict, r1_values: dict, r2_readings: tuple,
                    age65_i7: bool) -> list[dict]:
    """The steps of one covered specialty, in the order the rules were applied:
    R-1 (the given cycle) or R-2 (a renewal) with its deadlines, R-3, R-4 (with the application
    that came too late, and the age limit), R-5. ``age65_i7``: the 65th birthday needed I-7,
    so every step that compares against it cites I-7."""
    i7 = ("I-7",) if age65_i7 else ()
    steps = []
    if r2 is None:
        steps.append(step(r1, r1_values))
        first_clause = B.BRANCHES[r1].clause
    else:
        steps.append(step(r2, values, r2_readings))
        steps.append(step(B.R2_DEADLINES, values))
        first_clause = B.BRANCHES[r2].clause
    steps.append(step(r3, values, i7))
    if r4_after_lapse:
        steps.append(step(B.R4_APPLICATION_AFTER_LAPSE, values, i7))
    steps.append(step(r4, values, i7, clause=first_clause))
    if aged:
        steps.append(step(B.R4_AGE_LIMIT, values, i7))
    if r5:
        steps.append(step(B.R5_REMIND, values))
    return steps


def not_covered_trace(province: str) -> list[dict]:
    """The one step of a specialty outside the notice (I-1)."""
    return [step(B.NOT_COVERED, {"province": province})]
