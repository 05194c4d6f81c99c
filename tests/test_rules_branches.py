"""core/rules/branches.py: the table of every branch a rule can take. Each branch names a rule,
a clause and readings that the policy data has, and a note the message catalogue has; ids are
positions, so an array of ids indexes ``BRANCHES``. (That every branch is reached by a demo
scenario is tests/test_demo_scenarios.py's.)"""

from __future__ import annotations

import numpy as np

from core.messages.catalogue import catalogue
from core.policy.data import POLICY
from core.rules import branches as B
from core.rules.specialty import STATUSES


def test_every_branch_cites_a_rule_clause_and_readings_the_policy_has():
    for name, branch in zip(B.ID, B.BRANCHES, strict=True):
        assert branch.rule in POLICY.rules, name
        assert branch.clause == "" or branch.clause in POLICY.clauses, name
        assert set(branch.readings) <= set(POLICY.readings), name
        assert branch.rule in {"R-1", "R-2", "R-3", "R-4", "R-5"}, name


def test_every_note_is_in_the_catalogue_once():
    notes = [b.note for b in B.BRANCHES]
    assert len(set(notes)) == len(notes)
    assert set(notes) <= set(catalogue()["notes"])


def test_ids_are_positions_and_index_the_table_as_arrays():
    assert list(B.ID.values()) == list(range(len(B.BRANCHES)))
    assert B.BRANCHES[B.NOT_COVERED].note == "not_covered"
    assert B.BRANCHES[B.R2_RENEWED_CAPPED] == B.Branch("R-2", "C-2.2.4", "r2_renewed_capped")
    ids = np.array([B.R1_BATCH_CURRENT, B.R5_REMIND, B.R4_AGE_LIMIT])
    assert [B.BRANCHES[i].rule for i in ids] == ["R-1", "R-5", "R-4"]
    assert B.BRANCHES[B.R1_PILOT_FLOOR].readings == ("I-3", "I-6")


def test_r4_status_maps_each_dated_status_to_its_own_r4_branch():
    # age_limit and not_covered have branches of their own (R4_AGE_LIMIT, NOT_COVERED)
    assert set(B.R4_STATUS) == set(STATUSES) - {"age_limit", "not_covered"}
    assert len(set(B.R4_STATUS.values())) == len(B.R4_STATUS)
    for status, i in B.R4_STATUS.items():
        assert B.BRANCHES[i].rule == "R-4" and B.BRANCHES[i].note == f"r4_{status}"
