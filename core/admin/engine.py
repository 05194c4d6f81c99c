"""The rule engine's whole-roster entry points the admin side uses (core/rules/roster.py).

TEMPORARY shim while the lead's ``prepare_roster`` / ``assess_prepared`` / ``usage_windows`` are
not on main yet: no rule is written here; without them the page assesses the whole roster at
each as-of date (``assess_roster``) and has no usage windows.
"""

from __future__ import annotations

try:
    from core.rules.roster import assess_prepared, prepare_roster, usage_windows
except ImportError:  # pragma: no cover - until core/rules/roster.py provides them
    from core.rules.roster import assess_roster

    def prepare_roster(df):
        return df

    def assess_prepared(prepared, as_of):
        return assess_roster(prepared, as_of)

    usage_windows = None

__all__ = ["assess_prepared", "prepare_roster", "usage_windows"]
