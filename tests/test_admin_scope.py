"""core/admin/scope.py: what an admin account may see and do (issue 25): a province account its
provinces' rows (full names included), a viewer no personal column and no rows."""

from __future__ import annotations

from datetime import date

import pytest

from core.admin.scope import (
    PERSONAL_COLUMNS,
    Scope,
    ScopeRefused,
    require,
    require_rows,
    restrict,
    restrict_roster,
)
from core.demo.roster import demo_roster


def test_a_province_scope_keeps_its_provinces_full_names_included():
    roster = demo_roster(400, seed=3, as_of=date(2024, 1, 1))
    roster.loc[0, "employer_province"] = "广东省"  # a full name is an alias
    roster.loc[1, "employer_province"] = " 广东 "
    roster.loc[2, "employer_province"] = "火星"  # unknown: no province account sees it
    scope = Scope("province", ("广东",))
    mine = restrict_roster(roster, scope)
    folded = mine["employer_province"].str.strip().replace({"广东省": "广东"})
    assert set(folded) == {"广东"}
    assert len(mine) == int((roster["employer_province"].str.strip()
                             .replace({"广东省": "广东"}) == "广东").sum())
    assert restrict_roster(roster, Scope.national()) is roster


def test_a_viewer_gets_no_personal_column_and_no_rows():
    roster = demo_roster(20, seed=4, as_of=date(2024, 1, 1))
    seen = restrict(roster, Scope("viewer"))
    assert not set(PERSONAL_COLUMNS) & set(seen.columns) and len(seen) == 20
    with pytest.raises(ScopeRefused) as err:
        require_rows(Scope("viewer"))
    assert err.value.code == "rows_refused"
    require_rows(Scope("province", ("北京",)))
    for action in ("import", "snapshots", "accounts", "audit"):
        with pytest.raises(ScopeRefused):
            require(Scope("province", ("北京",)), action)
        require(Scope.national(), action)
