"""core/schema/roster.py: the roster's columns (CONTRACT.md "Roster file") form one consistent
set: every column has one kind, a Chinese label, its aliases and, for text, a limit; the codes
follow the policy data and the status codes of the rules."""

from __future__ import annotations

from core.policy.data import POLICY
from core.rules.specialty import STATUSES
from core.schema import roster as schema


def test_every_column_is_a_date_a_text_or_the_flag_once():
    kinds = [*schema.DATE_COLUMNS, *schema.TEXT_COLUMNS, schema.FLAG_COLUMN]
    assert sorted(kinds) == sorted(schema.ROSTER_COLUMNS)
    assert len(set(schema.ROSTER_COLUMNS)) == len(schema.ROSTER_COLUMNS) == 13
    assert set(schema.REQUIRED_COLUMNS) <= set(schema.ROSTER_COLUMNS)
    assert schema.ERROR_COLUMN not in schema.ROSTER_COLUMNS
    assert schema.OUTPUT_COLUMNS[-1] == schema.ERROR_COLUMN


def test_labels_aliases_and_limits_cover_the_columns():
    assert set(schema.COLUMN_LABELS_ZH) == set(schema.ROSTER_COLUMNS)
    for column, zh in schema.COLUMN_LABELS_ZH.items():
        assert schema.HEADER_ALIASES[zh] == column and schema.HEADER_ALIASES[column] == column
    assert set(schema.TEXT_LIMITS) == set(schema.TEXT_COLUMNS)
    assert schema.TEXT_LIMITS["name"] == int(POLICY.validation["max_name_length"])
    assert all(limit > 0 for limit in schema.TEXT_LIMITS.values())


def test_spellings_of_gender_and_the_flag_are_lower_case_keys():
    assert set(schema.GENDERS.values()) == {"男", "女"}
    for words in (schema.GENDERS, schema.FLAG_WORDS):
        assert all(k == k.strip().lower() for k in words)
    assert {schema.FLAG_WORDS["是"], schema.FLAG_WORDS["否"]} == {True, False}


def test_codes_follow_the_policy_and_the_rules():
    assert schema.REGIMES == POLICY.regimes
    assert set(schema.REGIME_COLOURS) == {*schema.REGIMES, "unknown"}
    assert set(schema.STATUS_COLOURS) == {*STATUSES, "invalid"}


def test_file_limits_nest():
    assert schema.MAX_XLSX_ROWS < schema.MAX_ROWS
    assert schema.MAX_FILE_BYTES < schema.MAX_UNPACKED_BYTES < schema.CAGE_MEMORY_BYTES
    assert schema.MAX_CELL_CHARS < schema.MAX_FILE_BYTES
    assert schema.CAGE_CPU_SECONDS < schema.CAGE_WALL_SECONDS
