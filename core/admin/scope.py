"""What an admin account may see: the :class:`Scope` every admin reader is restricted to.

CONTRACT.md "Admin accounts, scopes and audit". Three roles:

``national``
    every province; may import, switch and delete snapshots, manage accounts, read the audit.
``province``
    only rows whose ``employer_province`` (folded: full names are aliases of the short ones,
    as ``core.lapse_counts`` folds them) is one of its provinces, in every count, chart, table,
    monitor, due list, export and download. A row with an unknown or missing province belongs
    to no province account.
``viewer``
    counts and charts of every province, no row of personal data: :func:`restrict` drops
    :data:`PERSONAL_COLUMNS` and :func:`require_rows` refuses every row-level output.

The filter is applied by the data layer (ui/admin_data.py restricts the snapshot it loads with
:func:`restrict_roster` before anything is prepared, counted or drawn), not by which widgets a
page shows (Django admin / Superset row-level security, DESIGN.md). Never imports streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.messages.catalogue import text
from core.messages.errors import CodedError
from core.policy.data import POLICY, Policy
from core.rules.roster import fold_provinces

__all__ = ["PERSONAL_COLUMNS", "ROLES", "Scope", "ScopeRefused", "normalise_provinces",
           "province_mask", "require", "require_rows", "restrict", "restrict_roster"]

ROLES = ("national", "province", "viewer")
#: The columns that identify a person (CONTRACT.md: names, birth dates, registration numbers).
PERSONAL_COLUMNS = ("name", "gender", "birth_date", "registration_number")
#: What each role may do besides looking (``require``).
_MAY = {"national": {"rows", "import", "snapshots", "accounts", "audit"},
        "province": {"rows"}, "viewer": set()}


class ScopeRefused(CodedError, PermissionError):
    """An admin asked for something outside their account's scope (bilingual, with a code)."""


@dataclass(frozen=True)
class Scope:
    """A role and, for ``province``, its provinces (short names, sorted). Hashable: it is part
    of every cache key of the admin page's data."""

    role: str
    provinces: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}")
        if self.role == "province" and not self.provinces:
            raise ValueError("a province scope needs at least one province")
        if self.role != "province" and self.provinces:
            raise ValueError("only a province scope has provinces")

    @classmethod
    def national(cls) -> Scope:
        return cls("national")

    @property
    def everything(self) -> bool:
        """Every row of every province, personal columns included."""
        return self.role == "national"

    @property
    def rows_allowed(self) -> bool:
        """May see rows of personal data (tables, lists, exports)."""
        return "rows" in _MAY[self.role]

    def may(self, action: str) -> bool:
        return action in _MAY[self.role]


def normalise_provinces(names, policy: Policy = POLICY) -> tuple[str, ...]:
    """Short names (sorted, distinct) of ``names`` (short or full names, trimmed); raises
    :class:`ScopeRefused` ``unknown_province`` naming the first unknown one."""
    out = []
    for raw in names:
        name = str(raw).strip()
        province = policy.province_by_name.get(name)
        if province is None:
            raise ScopeRefused("unknown_province", *text("scope", "unknown_province", name=name))
        out.append(province.short)
    return tuple(sorted(set(out)))


def province_mask(provinces: pd.Series, scope: Scope, policy: Policy = POLICY) -> np.ndarray:
    """Which rows of an ``employer_province`` column (short or full names) ``scope`` sees."""
    if scope.role != "province":
        return np.ones(len(provinces), dtype=bool)
    wanted = set(scope.provinces)
    codes, names = fold_provinces(provinces, policy)
    return np.array([name in wanted for name in names] + [False], dtype=bool)[codes]


def restrict_roster(roster: pd.DataFrame, scope: Scope, policy: Policy = POLICY) -> pd.DataFrame:
    """The rows of ``roster`` that ``scope`` sees (a province account: its provinces only; all
    rows otherwise), index reset. The frame itself when nothing is dropped."""
    if scope.role != "province":
        return roster
    if "employer_province" not in roster.columns:
        return roster.iloc[0:0]
    mask = province_mask(roster["employer_province"], scope, policy)
    return roster[mask].reset_index(drop=True)


def restrict(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """``frame`` as ``scope`` may read it: for a viewer without :data:`PERSONAL_COLUMNS`
    (rows stay, so counts still add up); the frame itself otherwise. Province rows are chosen
    earlier (:func:`restrict_roster`, before anything is derived)."""
    if scope.rows_allowed:
        return frame
    return frame.drop(columns=[c for c in PERSONAL_COLUMNS if c in frame.columns])


def require_rows(scope: Scope) -> None:
    """Raise :class:`ScopeRefused` unless ``scope`` may see rows of personal data."""
    if not scope.rows_allowed:
        raise ScopeRefused("rows_refused", *text("scope", "rows_refused"))


def require(scope: Scope, action: str) -> None:
    """Raise :class:`ScopeRefused` unless ``scope`` may do ``action`` (``import``,
    ``snapshots``, ``accounts``, ``audit``, ``rows``)."""
    if action == "rows":
        require_rows(scope)
    elif not scope.may(action):
        raise ScopeRefused("not_national", *text("scope", "not_national"))
