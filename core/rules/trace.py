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
                    aged: bool, r5: bool, values: dict, r1_values: dict, r2_i7: bool,
                    r2_i9: bool, age65_i7: bool) -> list[dict]:
    """The steps of one covered specialty, in the order the rules were applied:
    R-1 (the given cycle) or R-2 (a renewal) with its deadlines, R-3, R-4 (with the application
    that came too late, and the age limit), R-5. Each step cites its own clause and only the
    readings it used (POLICY.md "What an answer says"):

    - deadlines and lapse dates cite the regime's clause, C-2.2.2 for a pilot (with I-3 where
      the 30-day rule applies by analogy) and C-2.2.1 for the 2021 batch, in R-1 and R-2 alike;
      an application after the lapse date cites the same clause, and so does R-4's status of
      the given cycle (of a renewed cycle: C-2.2.4, the renewal's);
    - a renewal cites C-2.2.4; I-8 (and I-7 for a 29 February approval, ``r2_i7``) only when the
      three years decide the end, not for a cycle capped at the 65th birthday; I-9 only for an
      approval after the lapse date (``r2_i9``);
    - ``age65_i7``: the 65th birthday needed I-7, so every step that compares against it
      cites I-7.
    """
    i7 = ("I-7",) if age65_i7 else ()
    regime_clause = B.BRANCHES[r1].clause
    pilot = regime_clause == B.BRANCHES[B.R1_PILOT_EXPIRED].clause
    steps = []
    if r2 is None:
        steps.append(step(r1, r1_values))
    else:
        capped = r2 == B.R2_RENEWED_CAPPED
        readings = (i7 if capped else (("I-7",) if r2_i7 else ())) + (("I-9",) if r2_i9 else ())
        steps.append(step(r2, values, readings))
        if capped:
            steps.append(step(B.R2_DEADLINES_FINAL, values, i7))
        else:
            steps.append(step(B.R2_DEADLINES, values, ("I-3",) if pilot else (),
                              clause=regime_clause))
    steps.append(step(r3, values, i7))
    if r4_after_lapse:
        steps.append(step(B.R4_APPLICATION_AFTER_LAPSE, values, i7, clause=regime_clause))
    # the status of the given cycle: the regime's clause; of a renewed one: C-2.2.4's cycle
    steps.append(step(r4, values, i7,
                      clause=regime_clause if r2 is None else B.BRANCHES[r2].clause))
    if aged:
        steps.append(step(B.R4_AGE_LIMIT, values, i7))
    if r5:
        steps.append(step(B.R5_REMIND, values))
    return steps


def not_covered_trace(province: str) -> list[dict]:
    """The one step of a specialty outside the notice (I-1)."""
    return [step(B.NOT_COVERED, {"province": province})]
