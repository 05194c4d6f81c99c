"""The policy data file drives the answers: change a date or a count there, the answers change.

No rule module holds a literal policy date (checked by scanning the source).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from core import assess, assess_roster
from core.demo.roster import demo_roster
from core.policy.data import POLICY, POLICY_FILE, load_policy
from tests.engine_helpers import d, profile
from tests.test_rules_roster import _frame

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
    assert set(POLICY.readings) == {f"I-{i}" for i in range(1, 10)}  # I-9 too (issue 23)
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


def test_each_rule_id_has_exactly_one_function_whose_docstring_starts_with_it():
    """Issue 9: one function per rule of POLICY.md (R-1 … R-8), found by its id; a helper that
    does part of a rule names its clause, not the rule."""
    import ast
    rules = re.findall(r"^### (R-[0-9]+)", (ROOT.parent / "shared" / "POLICY.md").read_text(
        encoding="utf-8"), flags=re.M) if (ROOT.parent / "shared" / "POLICY.md").exists() else [
        f"R-{i}" for i in range(1, 9)]
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "core").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                doc = ast.get_docstring(node) or ""
                m = re.match(r"(R-[0-9]+)\b", doc)
                if m:
                    found.setdefault(m.group(1), []).append(f"{path.name}:{node.name}")
    assert {r: len(found.get(r, [])) for r in rules} == {r: 1 for r in rules}, found


# ------------------------------------------------------------------ basis and a later notice
FICTIONAL = ROOT / "tests" / "fixtures" / "fictional_notice_2099.toml"


@pytest.mark.parametrize("as_of, in_scope", [
    ("2021-12-31", True),   # the day before the scope ends
    ("2022-01-01", False),  # on it: basis_scope
    ("2022-01-02", False),
])
def test_basis_and_its_scope(as_of, in_scope):
    a = assess(profile(province="广东", valid_until="2023-05-31"), d(as_of))
    assert a["basis"] == {"notice": "建办市〔2021〕25号", "policy_version": POLICY.basis[
        "policy_version"]}
    assert ("basis_scope" in [w["code"] for w in a["warnings"]]) is not in_scope


def test_a_region_outside_the_notice_is_always_out_of_scope():
    a = assess(profile(province="湖北", valid_until="2023-05-31"), d("2021-09-01"))
    assert a["regime"] == "not_covered"
    assert "basis_scope" in [w["code"] for w in a["warnings"]]


def test_a_later_notice_is_data_not_code():
    """The fictional notice covers 湖北 from 2030-01-01: the same code gives other answers."""
    policy = load_policy(POLICY_FILE, amendments=(FICTIONAL,))
    p = profile(province="湖北", valid_until="2031-06-30")
    before = assess(p, d("2029-12-31"), policy)
    after = assess(p, d("2030-01-01"), policy)
    assert before["regime"] == "not_covered" and before["usage_window"] is None
    assert before["basis"]["notice"] == "建办市〔2021〕25号"
    assert after["regime"] == "batch2021"
    assert after["basis"] == {"notice": "虚构〔2099〕1号（测试用）",
                              "policy_version": "fictional-2099.1"}
    s = after["specialties"][0]
    assert (s["status"], s["apply_by"], s["lapses_on"]) == ("valid", "2031-05-31", "2031-07-01")
    assert "basis_scope" not in [w["code"] for w in after["warnings"]]  # in scope until 2035
    # the roster path reads the same data

    roster = demo_roster(200, seed=7, as_of=d("2030-06-01"))
    out = assess_roster(roster, d("2030-06-01"), policy)
    assert "not_covered" not in set(out["status"].dropna().astype(str))
    # and the shipped policy alone still says not_covered
    assert assess(p, d("2030-01-01"))["regime"] == "not_covered"


def test_an_amendment_must_name_the_notice_it_amends(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(FICTIONAL.read_text(encoding="utf-8").replace(
        'amends = "建办市〔2021〕25号"', 'amends = "另一个通知"'), encoding="utf-8")
    with pytest.raises(ValueError):
        load_policy(POLICY_FILE, amendments=(bad,))


def test_day_numbers_are_the_dates_as_the_rules_count_them():
    from core.policy.dates import day_number
    assert set(POLICY.day_numbers) == set(POLICY.raw["dates"])
    assert all(POLICY.day_numbers[k] == day_number(POLICY.date(k)) for k in POLICY.raw["dates"])
