"""The policy data file drives the answers: change a date or a count there, the answers change.

No rule module holds a literal policy date (checked by scanning the source).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from core import assess, assess_roster
from core.policy.data import POLICY, POLICY_FILE, load_policy
from tests.engine_helpers import d, profile
from tests.test_bulk_equivalence import _frame

ROOT = Path(__file__).resolve().parents[1]


def _edited(tmp_path, old: str, new: str):
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert old in text
    f = tmp_path / "policy.toml"
    f.write_text(text.replace(old, new, 1), encoding="utf-8")
    return load_policy(f)


def test_shipped_file_loads_with_every_clause_and_reading():
    assert set(POLICY.clauses) >= {"C-1", "C-2.1.1", "C-2.1.2", "C-2.2.1", "C-2.2.2", "C-2.2.3",
                                   "C-2.2.4", "C-3.1", "C-3.2", "C-3.3", "C-3.4", "C-3.5",
                                   "C-A1", "C-A2"}
    assert set(POLICY.readings) == {f"I-{i}" for i in range(1, 9)}
    assert set(POLICY.rules) == {f"R-{i}" for i in range(1, 9)}
    assert len(POLICY.provinces) == 31
    assert [len(POLICY.regime_info(r)["provinces"]) for r in
            ("pilot", "batch2021", "not_covered")] == [4, 15, 12]
    for dated in POLICY.dates.values():
        assert dated.clause in POLICY.clauses


def test_changing_the_pilot_deadline_changes_the_answer(tmp_path):
    edited = _edited(tmp_path, "[dates.pilot_apply_by]\nvalue = 2021-07-31",
                     "[dates.pilot_apply_by]\nvalue = 2021-07-20")
    p = profile(province="北京", valid_until="2021-05-31")
    assert assess(p, d("2021-07-15"))["specialties"][0]["apply_by"] == "2021-07-31"
    assert assess(p, d("2021-07-15"), edited)["specialties"][0]["apply_by"] == "2021-07-20"
    df = _frame([{**{k: v for k, v in p.items() if k != "specialties"}, **p["specialties"][0]}])
    for c in ("birth_date", "valid_from", "valid_until"):
        df[c] = pd.to_datetime(df[c]).astype("datetime64[s]")
    assert str(assess_roster(df, d("2021-07-15"), edited)["apply_by"][0].date()) == "2021-07-20"


def test_changing_the_lead_days_and_window_changes_the_answer(tmp_path):
    edited = _edited(tmp_path, "[days.renewal_lead]\nvalue = 30", "[days.renewal_lead]\nvalue = 60")
    p = profile(province="广东", valid_until="2024-05-31")
    assert assess(p, d("2024-01-01"), edited)["specialties"][0]["apply_by"] == "2024-04-01"
    edited = _edited(tmp_path, "[days.usage_window]\nvalue = 180",
                     "[days.usage_window]\nvalue = 90")
    w = assess(profile(province="广东", valid_until="2026-05-31", downloaded="2024-01-01"),
               d("2024-01-02"), edited)["usage_window"]
    assert w["until"] == "2024-03-31"


def test_moving_a_province_changes_its_regime(tmp_path):
    text = POLICY_FILE.read_text(encoding="utf-8")
    text = text.replace('"天津", "山西"', '"山西"').replace('"海南"]', '"海南", "天津"]')
    f = tmp_path / "policy.toml"
    f.write_text(text, encoding="utf-8")
    assert assess(profile(province="天津"), d("2024-01-01"), load_policy(f))["regime"] == "pilot"


def test_rule_code_holds_no_literal_policy_date():
    pattern = re.compile(r"\b20[0-9]{2}-[01][0-9]-[0-3][0-9]\b")
    files = sorted((ROOT / "core" / "rules").glob("*.py"))
    assert len(files) >= 4
    for path in files:
        source = path.read_text(encoding="utf-8")
        assert not pattern.search(source), f"{path} has a literal date"
        assert "date(20" not in source, f"{path} has a literal date"
