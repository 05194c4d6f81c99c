"""core/roster/headers.py: a header cell to its canonical column, whatever its case, spacing, hint
or mark of a required field; anything else is kept in ``raw`` only. (Headers found in whole
files, title rows and encodings: tests/test_roster_io.py.)"""

from __future__ import annotations

from core.roster.headers import canonical_header
from core.schema.roster import HEADER_ALIASES, ROSTER_COLUMNS
from tests.samples import ZH_HEADER


def test_header_aliases_cover_the_contract():
    for alias in [*ZH_HEADER, "省份"]:
        assert alias in HEADER_ALIASES
    assert canonical_header("省份") == "employer_province"
    assert canonical_header("出生日期*") == "birth_date"
    assert canonical_header("出生日期（YYYY-MM-DD）") == "birth_date"
    assert canonical_header("VALID_UNTIL") == "valid_until"
    assert canonical_header("备注") is None
    assert set(HEADER_ALIASES.values()) == set(ROSTER_COLUMNS)


def test_separators_case_and_width_do_not_matter():
    assert canonical_header(" Registration-Number ") == "registration_number"
    assert canonical_header("registration number") == "registration_number"
    assert canonical_header("注册编号 (如 京1112006200807445)") == "registration_number"
    assert canonical_header(None) is None and canonical_header("") is None
