"""Hostile roster files (issue 6): every bad file gets a clear bilingual answer, never a
traceback, and the database never receives a partial import.

Two kinds of answer, both decided here:

* the file cannot be read at all -> ``RosterReadError`` with a stable ``code`` and a Chinese and
  an English message; the store's snapshots and rows stay exactly as they were;
* the file is read -> bad rows carry an ``error`` naming the column (``"<column>: <code> (…)"``)
  after ``assess_roster``; only the rows without an error are imported, in one transaction.

tests/test_roster_io.py already proves the reader's codes for most of these files; this catalogue
adds the end-to-end answer (reader -> assess_roster -> store) and the cases it does not cover.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from core import assess_roster
from core.roster.duplicates import PERSON_SPECIALTY, duplicate_rows
from core.roster.io import RosterReadError, read_roster
from core.schema.roster import ROSTER_COLUMNS
from tests.samples import (
    AS_OF,
    EN_HEADER,
    GOOD_ROW,
    OTHER_ROW,
    ZH_HEADER,
    bilingual,
    csv_bytes,
    db_state,
    import_file,
    row_errors,
    with_cell,
    xlsx_bytes,
)


def assessed(data: bytes) -> pd.DataFrame:
    return assess_roster(read_roster(data).data, AS_OF)


def _zip(parts: dict[str, bytes | str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return buf.getvalue()


def _patch_sheet(data: bytes, old: str, new: str) -> bytes:
    """Edit the first worksheet's XML of an XLSX (to add cached formula results, as Excel does)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    assert old in xml, old
    parts[sheet] = xml.replace(old, new).encode()
    return _zip(parts)


# --------------------------------------------------------------------------------------------
# Files that cannot be read: a code, two languages, and the store untouched
# --------------------------------------------------------------------------------------------

_VALID_XLSX = xlsx_bytes([EN_HEADER, GOOD_ROW, OTHER_ROW])
_RNG = np.random.default_rng(2021)

UNREADABLE = {
    "empty": (b"", "empty_file"),
    "only_blank_lines": (b" \r\n\t\n\n", "empty_file"),
    "only_a_bom": (b"\xef\xbb\xbf\r\n", "empty_file"),
    "only_nul_bytes": (b"\x00" * 64, "empty_file"),
    "binary_garbage_named_csv": (_RNG.bytes(20_000), "binary_file"),
    "png_named_csv": (b"\x89PNG\r\n\x1a\n" + _RNG.bytes(3000), "binary_file"),
    "mostly_nul_after_a_header": (csv_bytes([GOOD_ROW]) + b"\x00" * 2000, "binary_file"),
    "fake_xlsx_zip_magic": (b"PK\x03\x04" + _RNG.bytes(4000), "bad_xlsx"),
    "corrupt_truncated_xlsx": (_VALID_XLSX[: len(_VALID_XLSX) * 2 // 3], "bad_xlsx"),
    "xlsx_cut_before_central_directory": (_VALID_XLSX[:-22], "bad_xlsx"),
    "xlsx_with_garbage_sheet_xml": (
        _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<<<not xml",
              "xl/worksheets/sheet1.xml": b"\x00\xff" * 50}),
        "bad_xlsx",
    ),
    "docx_named_xlsx": (_zip({"word/document.xml": "<w:document/>"}), "unsupported_format"),
    "legacy_xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024, "xls_not_supported"),
    "html_page": (b"<html><body><script>alert(1)</script></body></html>", "no_header"),
    "json_document": (b'{"name": "\xe5\xbc\xa0\xe4\xb8\x89"}', "no_header"),
    "unknown_encoding": (b"name,birth_date\n" + bytes([0xFF, 0x80, 0xFF, 0x80, 0x41]) * 60,
                         "unknown_encoding"),
    "missing_required_columns_csv": (csv_bytes([["张三", "建筑工程"]], header=["姓名", "注册专业"]),
                                     "missing_columns"),
    "missing_required_columns_xlsx": (xlsx_bytes([["name", "specialty"], ["张三", "建筑工程"]]),
                                      "missing_columns"),
    "xlsx_first_sheet_empty": (xlsx_bytes([]), "empty_file"),
}


@pytest.mark.parametrize("name", list(UNREADABLE))
def test_unreadable_file_is_refused_clearly_and_imports_nothing(name, store, db):
    data, code = UNREADABLE[name]
    before = db_state(db)
    with pytest.raises(RosterReadError) as err:
        import_file(store, data, f"{name}.csv")
    e = err.value
    assert e.code == code, (e.code, e.message_en)
    bilingual(e.message_zh, e.message_en)
    assert e.as_dict() == {"code": code, "message_zh": e.message_zh, "message_en": e.message_en}
    assert db_state(db) == before
    assert len(store.load()) == 2  # the previous roster is still the current one


def test_missing_columns_message_names_each_missing_column_in_both_languages():
    with pytest.raises(RosterReadError) as err:
        read_roster(xlsx_bytes([["姓名", "注册专业", "有效期起"],
                                ["张三", "建筑工程", "2018-06-01"]]))
    e = err.value
    for en, zh in (("birth_date", "出生日期"), ("registration_number", "注册编号"),
                   ("employer_province", "注册单位所在地"), ("valid_until", "有效期止")):
        assert en in e.message_en and zh in e.message_zh
    assert "valid_from" not in e.message_en


def test_header_only_file_reads_as_zero_rows_and_assesses_as_zero_rows():
    for data in (csv_bytes([]), csv_bytes([], header=ZH_HEADER, encoding="gb18030"),
                 xlsx_bytes([EN_HEADER])):
        roster = read_roster(data)
        assert len(roster) == 0 and list(roster.data.columns) == [*ROSTER_COLUMNS, "error"]
        out = assess_roster(roster.data, AS_OF)
        assert len(out) == 0 and "status" in out.columns


# --------------------------------------------------------------------------------------------
# Files that are read: bad rows named, good rows imported, nothing half-done
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_or_tab_separated_reads_like_comma(sep):
    out = assessed(csv_bytes([GOOD_ROW, OTHER_ROW], sep=sep))
    expected = assessed(csv_bytes([GOOD_ROW, OTHER_ROW]))
    pd.testing.assert_frame_equal(out, expected)


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_as_text(encoding):
    """Was refused as ``binary_file`` (the NUL bytes of UTF-16); fixed in core/roster/io.py."""
    roster = read_roster(csv_bytes([GOOD_ROW, OTHER_ROW], header=ZH_HEADER, encoding=encoding))
    assert roster.encoding == encoding
    assert roster.data["name"].tolist() == ["张三", "李四"]
    assert roster.data["error"].isna().all()


def test_big5_file_is_decoded_wrongly_but_every_row_is_flagged_so_none_is_imported():
    """Documented behaviour: a Big5 (traditional Chinese) file has no marker of its encoding and
    decodes without error as GB18030, so the reader cannot refuse it; but then every Chinese
    province and specialty is mojibake, so ``assess_roster`` flags each row (unknown_province,
    unknown_specialty) and the import, which takes only rows without an error, takes none."""
    trad = [
        ["張三", "男", "1970-03-15", "京1112006200807445", "北京某建設集團", "北京", "建築工程",
         "2018-06-01", "2021-05-31", "", "", "是", ""],
        ["陳四", "女", "1975-08-01", "滬1312007200901234", "上海某工程公司", "上海", "市政公用工程",
         "2019-01-02", "2022-01-01", "", "", "否", ""],
    ]
    roster = read_roster(csv_bytes(trad, encoding="big5"))
    assert roster.encoding != "big5"  # documented: not detectable
    out = assess_roster(roster.data, AS_OF)
    assert len(out) == 2 and out["error"].notna().all()
    for text in out["error"]:
        codes = {code for _, code in row_errors(text)}
        assert {"unknown_province", "unknown_specialty"} <= codes


def test_gbk_with_chinese_header_is_read_exactly():
    data = csv_bytes([GOOD_ROW, OTHER_ROW], header=ZH_HEADER, encoding="gbk")
    out = assessed(data)
    assert out["error"].isna().all() and out["name"].tolist() == ["张三", "李四"]


def test_nul_bytes_flag_only_their_row_and_only_good_rows_are_imported(store):
    bad = with_cell(OTHER_ROW, "employer", "江苏\x00某公司")
    sid, out = import_file(store, csv_bytes([GOOD_ROW, bad, GOOD_ROW]), "nul.csv")
    assert row_errors(out["error"][1])[0] == ("employer", "control_character")
    assert out["error"][[0, 2]].isna().all()
    snap = store.snapshots().set_index("id").loc[sid]
    assert (snap["accepted_rows"], snap["rejected_rows"], bool(snap["is_current"])) == (2, 1, True)
    loaded = store.load(sid)
    assert loaded["name"].tolist() == ["张三", "张三"]
    assert not loaded["employer"].str.contains("\x00", regex=False).any()


def test_nul_byte_inside_a_required_cell_is_flagged_with_the_column_name():
    row = with_cell(GOOD_ROW, "registration_number", "京11120062\x0000807445")
    out = assessed(csv_bytes([row]))
    cols = dict(row_errors(out["error"][0]))
    assert cols.get("registration_number") in ("control_character", "invalid_characters")


@pytest.mark.parametrize("column, code", [
    ("name", "too_long"), ("employer", "too_long"), ("registration_number", "too_long"),
    ("specialty", "too_long"), ("valid_until", "invalid_date"),
])
def test_a_200000_character_cell_is_a_row_error_naming_its_column(column, code):
    huge = ("很" if column != "valid_until" else "9") * 200_000
    out = assessed(csv_bytes([OTHER_ROW, with_cell(GOOD_ROW, column, huge), GOOD_ROW]))
    assert (column, code) in row_errors(out["error"][1])
    assert out["error"][[0, 2]].isna().all()
    assert len(out["error"][1]) < 2_000  # the message quotes a shortened value, not 200,000 chars


def test_extra_unknown_columns_are_kept_in_raw_and_ignored():
    header = ["备注", *EN_HEADER, "=HYPERLINK(\"http://x\")", "password"]
    rows = [["VIP", *GOOD_ROW, "=1+1", "hunter2"], ["", *OTHER_ROW, "", ""]]
    roster = read_roster(csv_bytes(rows, header=header))
    assert list(roster.data.columns) == [*ROSTER_COLUMNS, "error"]
    assert roster.raw["备注"][0] == "VIP" and roster.raw["password"][0] == "hunter2"
    out = assess_roster(roster.data, AS_OF)
    pd.testing.assert_frame_equal(out, assessed(csv_bytes([GOOD_ROW, OTHER_ROW])))


def test_ragged_and_unterminated_quote_rows_are_flagged_not_crashing():
    data = csv_bytes([GOOD_ROW, [*OTHER_ROW, "extra", "fields"]]) + b'"unterminated,' + b"x" * 50
    out = assessed(data)
    assert out["error"][0] is pd.NA or pd.isna(out["error"][0])
    assert ("row", "too_many_fields") in row_errors(out["error"][1])
    assert len(out) == 3 and pd.notna(out["error"][2])


@pytest.mark.parametrize("first_blank", [False, True])
def test_extra_fields_on_the_first_data_row_are_flagged_not_silently_dropped(first_blank):
    """Was a silent data loss (pandas only warns for the first row); fixed in core/roster/io.py."""
    data = csv_bytes([[*GOOD_ROW, "lost?"], OTHER_ROW[:5]])
    if first_blank:
        data = data.replace(b"\n", b"\n\n", 1)
    out = assessed(data)
    assert ("row", "too_many_fields") in row_errors(out["error"][0])
    assert out["name"].tolist() == ["张三", "李四"]


def test_formula_like_text_cells_in_a_csv_are_data_never_evaluated():
    dde = "=cmd|' /C calc'!A0"
    out = assessed(csv_bytes([with_cell(GOOD_ROW, "employer", dde),
                              with_cell(GOOD_ROW, "name", "@SUM(1+1)")]))
    assert out["employer"][0] == dde and out["name"][1] == "@SUM(1+1)"
    assert out["error"].isna().all()  # not a validation problem: export neutralises it


# --------------------------------------------------------------------------------------------
# XLSX formulas: the cached value is read, never evaluated; formula text never taken as data
# --------------------------------------------------------------------------------------------


def test_xlsx_formulas_without_cached_values_are_empty_never_evaluated():
    rows = [EN_HEADER, with_cell(GOOD_ROW, "name", "=cmd|' /C calc'!A0"),
            with_cell(GOOD_ROW, "employer", "=1+1"),
            with_cell(GOOD_ROW, "valid_until", "=DATE(2024,5,31)")]
    roster = read_roster(xlsx_bytes(rows))
    d = roster.data
    assert pd.isna(d["name"][0]) and pd.isna(d["employer"][1]) and pd.isna(d["valid_until"][2])
    assert not roster.raw.astype(str).apply(lambda s: s.str.contains("cmd|1\\+1|DATE", regex=True)
                                            ).any().any()
    out = assess_roster(d, AS_OF)
    assert ("name", "required") in row_errors(out["error"][0])
    assert pd.isna(out["error"][1])  # employer is optional
    assert ("valid_until", "required") in row_errors(out["error"][2])


def test_xlsx_cached_formula_results_are_read_as_values():
    rows = [EN_HEADER, with_cell(GOOD_ROW, "name", "=CONCAT(\"张\",\"三\")"),
            with_cell(GOOD_ROW, "valid_until", "=DATE(2024,5,31)")]
    data = xlsx_bytes(rows)
    data = _patch_sheet(data, '<c r="A2"><f>CONCAT("张","三")</f><v /></c>',
                        '<c r="A2" t="str"><f>CONCAT("张","三")</f><v>张三</v></c>')
    data = _patch_sheet(data, "<f>DATE(2024,5,31)</f><v />", "<f>DATE(2024,5,31)</f><v>45443</v>")
    out = assessed(data)
    assert out["name"][0] == "张三"
    assert out["valid_until"][1] == pd.Timestamp("2024-05-31")
    assert out["error"].isna().all()


def test_xlsx_cached_error_values_are_flagged_not_crashing():
    data = _patch_sheet(xlsx_bytes([EN_HEADER, with_cell(GOOD_ROW, "valid_from", "=1/0")]),
                        '<c r="H2"><f>1/0</f><v /></c>',
                        '<c r="H2" t="e"><f>1/0</f><v>#DIV/0!</v></c>')
    out = assessed(data)
    cols = {c for c, _ in row_errors(out["error"][0])}
    assert "valid_from" in cols


# --------------------------------------------------------------------------------------------
# Dates: every accepted form, and a few refused ones with a row error naming the column
# --------------------------------------------------------------------------------------------

ACCEPTED = ["2021-08-01", "2021/8/1", "2021/08/01", "2021.8.1", "2021年8月1日", "20210801",
            " 2021-08-01 ", "2021-08-01 00:00:00"]


@pytest.mark.parametrize("text", ACCEPTED)
def test_every_accepted_date_text_through_the_whole_path(text):
    out = assessed(csv_bytes([with_cell(GOOD_ROW, "certificate_downloaded_on", text)]))
    assert out["certificate_downloaded_on"][0] == pd.Timestamp("2021-08-01")
    assert pd.isna(out["error"][0])


def test_xlsx_date_cells_and_serial_numbers():
    rows = [ZH_HEADER,
            [*GOOD_ROW[:2], date(1970, 3, 15), *GOOD_ROW[3:7], datetime(2018, 6, 1, 9, 30), 44347,
             None, None, "是", 44409.0],
            [*GOOD_ROW[:2], 25642, *GOOD_ROW[3:7], "2018/6/1", "2021年5月31日", None, None, True,
             datetime(2021, 8, 1)]]
    out = assessed(xlsx_bytes(rows, {"C2": "yyyy-mm-dd", "I2": "0"}))
    assert out["error"].isna().all(), out["error"].tolist()
    assert out["birth_date"].tolist() == [pd.Timestamp("1970-03-15")] * 2
    assert out["valid_from"].tolist() == [pd.Timestamp("2018-06-01")] * 2
    assert out["valid_until"].tolist() == [pd.Timestamp("2021-05-31")] * 2
    assert out["certificate_downloaded_on"].tolist() == [pd.Timestamp("2021-08-01")] * 2


@pytest.mark.parametrize("text", ["01/08/2021", "2021-02-30", "yesterday", "1899-12-31",
                                  "2021-13-01", "昨天", "2021-08", "0", "-1", "2021-08-01T25:00"])
def test_refused_date_text_is_a_row_error_naming_the_column(text):
    out = assessed(csv_bytes([GOOD_ROW, with_cell(GOOD_ROW, "valid_from", text)]))
    assert pd.isna(out["error"][0])
    errors = row_errors(out["error"][1])
    assert ("valid_from", "invalid_date") in errors
    assert ("valid_from", "required") not in errors  # said once, not twice
    assert pd.isna(out["status"][1])


@pytest.mark.parametrize("cell", [12, -5, 1e12, True, "=TODAY()"])
def test_refused_xlsx_date_cells(cell):
    out = assessed(xlsx_bytes([EN_HEADER, with_cell(GOOD_ROW, "valid_from", cell)]))
    errors = row_errors(out["error"][0])
    assert {"valid_from"} & {c for c, _ in errors}


def test_birth_after_valid_from_is_a_row_error():
    row = with_cell(with_cell(GOOD_ROW, "birth_date", "2000-01-01"), "valid_from", "1999-06-01")
    out = assessed(csv_bytes([GOOD_ROW, row]))
    assert ("valid_from", "before_age_18") in row_errors(out["error"][1])
    assert "2018-01-01" in out["error"][1]  # the day the holder turned 18


def test_birth_after_as_of_is_a_row_error():
    out = assessed(csv_bytes([with_cell(GOOD_ROW, "birth_date", "2100-01-01")]))
    assert ("birth_date", "birth_implausible") in row_errors(out["error"][0])


def test_far_off_dates_in_a_frame_are_row_errors_not_overflows():
    """A frame given to assess_roster directly (not through the reader's 1900..2199 filter)."""
    df = read_roster(csv_bytes([GOOD_ROW, GOOD_ROW])).data
    df["valid_until"] = pd.to_datetime(["9999-12-31", "1000-01-01"]).astype("datetime64[s]")
    out = assess_roster(df, AS_OF)
    assert row_errors(out["error"][0]) == [("valid_until", "date_out_of_range")]
    assert row_errors(out["error"][1]) == [("valid_until", "date_out_of_range")]


# --------------------------------------------------------------------------------------------
# Mixed file: the import takes exactly the good rows, in one transaction
# --------------------------------------------------------------------------------------------


def test_mixed_file_imports_exactly_the_valid_rows(store, db):
    rows = [GOOD_ROW, with_cell(GOOD_ROW, "valid_from", "yesterday"), OTHER_ROW,
            with_cell(OTHER_ROW, "employer_province", "火星"), with_cell(GOOD_ROW, "name", "")]
    before_snaps, _ = db_state(db)
    sid, out = import_file(store, csv_bytes(rows), "mixed.csv")
    assert out["error"].notna().tolist() == [False, True, False, True, True]
    assert [c for c, _ in row_errors(out["error"][3])] == ["employer_province"]
    snaps, _ = db_state(db)
    assert len(snaps) == len(before_snaps) + 1
    loaded = store.load(sid)
    assert loaded["name"].tolist() == ["张三", "李四"]
    assert store.current_id() == sid
    snap = store.snapshots().set_index("id").loc[sid]
    assert (snap["accepted_rows"], snap["rejected_rows"]) == (2, 3)


def test_an_import_that_fails_in_the_store_leaves_the_previous_snapshot(store, db):
    """A failure inside the store (here: the progress callback gives up half-way) rolls back the
    whole import, however many rows were already written."""
    before = db_state(db)
    roster = read_roster(csv_bytes([GOOD_ROW, OTHER_ROW] * 1500))

    def cancel(done, total):
        if done >= 2000:
            raise KeyboardInterrupt("closed the browser tab")

    with pytest.raises(KeyboardInterrupt):
        store.import_snapshot(roster.data[list(ROSTER_COLUMNS)], "big.csv", "0" * 64,
                              progress=cancel)
    assert db_state(db) == before
    assert store.integrity_check()


# --------------------------------------------------------------------------------------------
# Duplicate rows: kept and assessed each; core.roster_checks.duplicate_rows counts them
# --------------------------------------------------------------------------------------------


def test_duplicate_rows_are_both_kept_and_each_assessed(store):
    same_again = [c.replace("1970-03-15", "1970/3/15") for c in GOOD_ROW]  # same after parsing
    rows = [GOOD_ROW, OTHER_ROW, GOOD_ROW, same_again, with_cell(GOOD_ROW, "employer", "别家公司")]
    roster = read_roster(csv_bytes(rows))
    out = assess_roster(roster.data, AS_OF)
    assert len(out) == 5 and out["error"].isna().all()
    assert out["status"][0] == out["status"][2] == out["status"][3]
    dup = duplicate_rows(roster.data)
    assert dup.tolist() == [False, False, True, True, False]
    assert int(dup.sum()) == 2
    same_specialty = duplicate_rows(roster.data, PERSON_SPECIALTY)
    assert same_specialty.tolist() == [False, False, True, True, True]
    sid, _ = import_file(store, csv_bytes(rows), "dups.csv")
    assert len(store.load(sid)) == 5  # the decision: duplicates are imported, not dropped


def test_reading_the_columns_in_threads_changes_nothing(monkeypatch):
    """A long roster has its columns parsed by two threads; the frame, the error texts and
    their order included, is the one of parsing them one after the other."""
    import core.roster.io as io_module

    rows = [GOOD_ROW, OTHER_ROW, with_cell(GOOD_ROW, "valid_until", "2021/13/45"),
            with_cell(OTHER_ROW, "birth_date", "yesterday"),
            with_cell(GOOD_ROW, "employer", "某\x07公司"),
            with_cell(with_cell(OTHER_ROW, "valid_from", "x"), "name", "王\x01")]
    data = csv_bytes(rows * 3)
    monkeypatch.setattr(io_module, "THREADED_ROWS", 10**9)
    alone = read_roster(data).data
    assert alone["error"].notna().sum() == 12
    monkeypatch.setattr(io_module, "THREADED_ROWS", 1)
    pd.testing.assert_frame_equal(read_roster(data).data, alone)


# --------------------------------------------------------------------------------------------
# 1,000,000 rows, ~50 MB: read and assessed whole, bad rows still found (speed: make bench)
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_row_50_mb_csv_is_read_and_assessed(tmp_path):
    n = 1_000_000
    # a compact but complete row (every required column) in GB18030, 63 bytes: ~63 MB in all
    header = ("name,birth_date,registration_number,employer_province,specialty,valid_from,"
              "valid_until\n")
    row = "张,19700315,京1112006200807445,北京,建筑工程,20180601,20210531\n".encode("gb18030")
    bad = "李,19700315,京1112006200807445,北京,建筑工程,yesterday,20210531\n".encode("gb18030")
    path = tmp_path / "million.csv"
    with open(path, "wb") as fh:
        fh.write(header.encode("gb18030"))
        half = n // 2
        fh.write(row * half)
        fh.write(bad)
        fh.write(row * (n - half - 1))
    size = path.stat().st_size
    assert 50e6 < size < 65e6
    roster = read_roster(path)
    assert len(roster) == n and roster.encoding == "gb18030"
    out = assess_roster(roster.data, AS_OF)
    flagged = np.flatnonzero(out["error"].notna().to_numpy())
    assert flagged.tolist() == [n // 2]
    assert row_errors(out["error"][n // 2]) == [("valid_from", "invalid_date")]
    assert (out["status"].iloc[:3] == "lapsed").all()
    assert int(duplicate_rows(roster.data).sum()) == n - 2
