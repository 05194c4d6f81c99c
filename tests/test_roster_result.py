"""core/roster/result.py: what reading a roster gives (``Roster``: its length, its rows with an
error) or raises (``RosterReadError``: a stable code and a message in Chinese and English, for
the size and count limits). The reader's own answers: tests/test_roster_io.py."""

from __future__ import annotations

import pandas as pd
import pytest

from core.messages.errors import CodedError
from core.roster.result import Roster, RosterReadError, _label, _limit_error, _too_large
from core.schema.roster import COLUMN_LABELS_ZH, ERROR_COLUMN, MAX_FILE_BYTES, ROSTER_COLUMNS


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def test_a_roster_counts_its_rows_and_its_rows_with_an_error():
    data = pd.DataFrame({"name": ["张三", "李四", "王五"],
                         ERROR_COLUMN: [None, "name: required (… / …)", pd.NA]})
    roster = Roster(raw=data[["name"]], data=data, source_format="csv", encoding="utf-8")
    assert len(roster) == 3 and roster.n_errors == 1
    assert roster.problems is None and roster.sha256 is None
    assert Roster(data.iloc[:0], data.iloc[:0], "frame").n_errors == 0


def test_a_read_error_is_a_coded_bilingual_error():
    err = _too_large(MAX_FILE_BYTES + 1)
    assert isinstance(err, RosterReadError) and isinstance(err, CodedError)
    assert err.code == "file_too_large"
    assert _has_chinese(err.message_zh) and not _has_chinese(err.message_en)
    assert str(MAX_FILE_BYTES // 1048576) in err.message_zh
    assert str(MAX_FILE_BYTES // 1048576) in err.message_en
    with pytest.raises(CodedError):
        raise err


def test_a_limit_error_keeps_its_code_and_names_what_was_found():
    err = _limit_error("too_many_rows", "rows", 3_000_000, 2_000_000)
    assert err.code == "too_many_rows"
    assert err.as_dict()["code"] == "too_many_rows"
    assert "行数" in err.message_zh and "rows" in err.message_en
    for message in (err.message_zh, err.message_en):
        assert "3,000,000" in message and "2,000,000" in message


@pytest.mark.parametrize("column", ROSTER_COLUMNS)
def test_a_column_label_names_the_column_in_both_languages(column):
    zh, en = _label(column)
    for text in (zh, en):
        assert column in text and COLUMN_LABELS_ZH[column] in text
