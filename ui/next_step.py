"""R-5's application action of one specialty of an assessment, for the page (issue 23).

The self-service card, the phone summary and the timeline show a valid specialty whose deadline
is within the reminder window as "deadline near", never as a plain "valid": the state comes from
core's own rule (``core.rules.specialty.application_action``) applied to the assessment's dates,
not from a date computed here. No Streamlit here (the timeline is built outside a run).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from core.policy.data import POLICY
from core.policy.dates import day_number
from core.rules.specialty import APPLICATION_ACTIONS, application_action
from core.rules.specialty import STATUS as STATUS_CODE

DEADLINE_NEAR = "renew_before_deadline"


def application_code(s: Mapping, as_of: str) -> str | None:
    """``renew_before_deadline``, ``apply_for_renewal``, ``re_register`` or None for one
    specialty of an assessment as of ``as_of`` (ISO). A specialty without ``apply_by`` is not
    renewable (R-3)."""
    code = STATUS_CODE.get(s.get("status"))
    if code is None:
        return None
    apply_by = s.get("apply_by")
    n = application_action(code, apply_by is not None,
                           day_number(date.fromisoformat(apply_by)) if apply_by else 0,
                           day_number(date.fromisoformat(as_of)), POLICY)
    return APPLICATION_ACTIONS[int(n)]


def deadline_near(s: Mapping, as_of: str) -> bool:
    return application_code(s, as_of) == DEADLINE_NEAR
