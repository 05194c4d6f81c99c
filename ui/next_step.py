"""R-5's application action of one specialty of an assessment, for the page (issue 23).

The self-service card, the phone summary and the timeline show a valid specialty whose deadline
is within the reminder window as "deadline near", never as a plain "valid". The engine decides
it (``core.rules.specialty.application_action``, in ``assess``: each specialty's ``action``);
the page only reads it. No Streamlit here (the timeline is built outside a run).
"""

from __future__ import annotations

from collections.abc import Mapping

DEADLINE_NEAR = "renew_before_deadline"


def application_code(s: Mapping, as_of: str | None = None) -> str | None:
    """``renew_before_deadline``, ``apply_for_renewal``, ``re_register`` or None: the engine's
    application action of one specialty of an assessment (``as_of`` is kept for callers that
    pass it; the assessment was made at its own as-of date)."""
    return s.get("action")


def deadline_near(s: Mapping, as_of: str | None = None) -> bool:
    return application_code(s, as_of) == DEADLINE_NEAR
