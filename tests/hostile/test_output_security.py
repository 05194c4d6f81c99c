"""User-controlled text stays inert on the way out (issue 6, "Security"): exports neutralise
spreadsheet formulas, the certificate PDF prints the text as text (no script, no action), the
engine's JSON carries values unchanged (escaping is the page's job), and QR tokens refuse
anything not signed with the project's key or past its usage window.

Already proven elsewhere, not repeated: tests/test_roster_export.py (neutralise_formulas on every
formula start, header cells, XLSX has no formula cells), tests/test_certificate_preview.py (a
``<script>`` name is printed), tests/test_certificate_tokens.py (foreign key, truncation, every
one-character change, window boundaries).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pypdf
import pytest

from core import InvalidInput, assess, assess_roster
from core.certificate import preview as cert
from core.certificate import tokens
from core.roster.io import read_roster, to_csv_bytes, to_xlsx_bytes
from tests.engine_helpers import profile
from tests.samples import (
    AS_OF,
    GOOD_ROW,
    OTHER_ROW,
    bilingual,
    csv_bytes,
    with_cell,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
DDE = "=cmd|' /C calc'!A0"
HOSTILE = [SCRIPT, DDE, "+1-2", "-SUM(A1)", "@HYPERLINK(\"http://evil\")", "\t=1+1",
           "<img src=x onerror=alert(1)>", "{{7*7}}", "'; DROP TABLE snapshots; --"]


def exported_roster() -> pd.DataFrame:
    rows = [with_cell(GOOD_ROW, "name", h) for h in HOSTILE]
    rows += [with_cell(OTHER_ROW, "employer", DDE)]
    roster = read_roster(csv_bytes(rows))
    out = assess_roster(roster.data, AS_OF)
    assert out["error"].isna().all()  # hostile names are still names: nothing to refuse
    return pd.concat([roster.raw, out[["status", "error"]]], axis=1)


def _starts_like_formula(value: object) -> bool:
    return isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_csv_export_of_hostile_names_is_neutralised_and_otherwise_unchanged():
    table = exported_roster()
    text = to_csv_bytes(table).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    names = back["name"].tolist()
    for original, written in zip(HOSTILE, names, strict=False):
        if _starts_like_formula(original):
            assert written == "'" + original
        else:
            assert written == original  # <script> is data, exported as it is
    assert back["employer"].iloc[-1] == "'" + DDE
    assert not any(_starts_like_formula(v) for v in back.to_numpy().ravel())


def test_xlsx_export_of_hostile_names_has_no_formula_cell():
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(exported_roster())))
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert SCRIPT in values and "'" + DDE in values
    assert not any(_starts_like_formula(v) for v in values)


def test_cli_roster_output_is_neutralised(tmp_path):
    src = tmp_path / "hostile.csv"
    src.write_bytes(csv_bytes([with_cell(GOOD_ROW, "name", DDE),
                               with_cell(GOOD_ROW, "employer", "=HYPERLINK(\"http://x\",\"y\")")]))
    out = tmp_path / "out.xlsx"
    p = subprocess.run([sys.executable, "-m", "core", "roster", str(src), "--as-of", "2021-09-20",
                        "--out", str(out)], capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 0, p.stderr
    ws = openpyxl.load_workbook(out).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'" + DDE in [c.value for c in cells]


# --------------------------------------------------------------------------------------------
# Certificate PDF: printed as text, nothing active in the file
# --------------------------------------------------------------------------------------------


def _content(**changes) -> cert.CertificateContent:
    fields = dict(name="张三", gender="男", birth_date=date(1970, 3, 15),
                  registration_number="京1112006200807445", employer="北京某建设集团有限公司",
                  specialties=[("建筑工程", date(2021, 5, 14), date(2024, 5, 13))],
                  usage_from=date(2021, 8, 12), usage_until=date(2022, 2, 8),
                  issued_on=date(2021, 8, 12))
    fields.update(changes)
    return cert.CertificateContent(**fields)


@pytest.mark.parametrize("name, employer",
                         [(DDE, SCRIPT), (SCRIPT, "<img src=x onerror=alert(1)>")])
def test_certificate_prints_hostile_text_as_text_and_has_no_active_content(name, employer):
    pdf = cert.render_pdf(_content(name=name, employer=employer),
                          "https://ecert.example.cn/verify?token=abc")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert name in text and employer in text
    for marker in (b"/JavaScript", b"/JS ", b"/JS(", b"/Launch", b"/AA ", b"/URI",
                   b"/EmbeddedFile", b"/SubmitForm", b"/AcroForm", b"/Annots"):
        assert marker not in pdf, marker
    root = reader.trailer["/Root"]
    assert root.get("/Names") is None
    # fpdf2 writes an OpenAction that is only a destination (page + zoom), never an action
    open_action = root.get("/OpenAction")
    assert open_action is None or isinstance(open_action.get_object(), pypdf.generic.ArrayObject)


def test_token_carries_hostile_text_unchanged_and_verifies():
    key = b"security-test-key-0123456789abcd"
    content = _content(name=DDE, employer=SCRIPT)
    token = tokens.sign(content.token_payload(), key)
    v = tokens.verify(token, key, date(2021, 9, 1))
    assert v.ok and v.payload["name"] == DDE and v.payload["employer"] == SCRIPT


# --------------------------------------------------------------------------------------------
# The engine's JSON: values are data, unchanged; never echoed where they do not belong
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [SCRIPT, DDE])
def test_assess_accepts_hostile_names_and_does_not_echo_them(name):
    result = assess(profile(name=name, employer=name), date(2021, 9, 1))
    assert result == assess(profile(), date(2021, 9, 1))  # a name changes nothing
    assert name not in json.dumps(result, ensure_ascii=False)


def test_assess_errors_quote_hostile_values_unchanged():
    with pytest.raises(InvalidInput) as err:
        assess(profile(employer_province=SCRIPT, gender=DDE[:8]), date(2021, 9, 1))
    by_field = {e["field"]: e for e in err.value.errors}
    assert SCRIPT in by_field["employer_province"]["message_en"]
    assert SCRIPT in by_field["employer_province"]["message_zh"]
    assert DDE[:8] in by_field["gender"]["message_en"]


def test_cli_assess_json_keeps_hostile_values_as_plain_strings():
    p = subprocess.run([sys.executable, "-m", "core", "assess", "--as-of", "2021-09-01"],
                       input=json.dumps(profile(employer_province=SCRIPT)).encode(),
                       capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2
    errors = json.loads(p.stdout)["errors"]
    assert any(SCRIPT in e["message_en"] for e in errors)


# --------------------------------------------------------------------------------------------
# Tokens: the cases tests/test_certificate_tokens.py does not already show
# --------------------------------------------------------------------------------------------

KEY = b"k" * 32
PAYLOAD = {"name": "张三", "gender": "男", "birth_date": "1970-03-15",
           "registration_number": "京1112006200807445", "employer": "某公司",
           "specialties": [("建筑工程", "2021-05-14", "2024-05-13")],
           "usage_from": "2021-08-12", "usage_until": "2022-02-08", "issued_on": "2021-08-12"}


def test_replayed_after_the_usage_window_is_refused_with_a_clear_message():
    token = tokens.sign(PAYLOAD, KEY)
    for today, code in ((date(2022, 2, 9), "expired_window"), (date(2030, 1, 1),
                                                                "expired_hidden")):
        v = tokens.verify(token, KEY, today)
        assert (v.ok, v.code, v.window_status) == (False, code, "expired")
        assert "重新下载" in v.message_zh and "downloaded again" in v.message_en
        assert "2022-02-08" in v.message_en and "2022年02月08日" in v.message_zh
        bilingual(v.message_zh, v.message_en)


def test_token_signed_with_another_key_is_never_shown_as_data():
    v = tokens.verify(tokens.sign({**PAYLOAD, "name": "伪造"}, b"attacker-key"), KEY,
                      date(2021, 9, 1))
    assert (v.ok, v.valid_signature, v.payload) == (False, False, None)
    assert "签名无效" in v.message_zh and "not valid" in v.message_en


def test_token_with_unsigned_payload_none_algorithm_trick_is_refused():
    body = tokens.sign(PAYLOAD, KEY)[:-22]  # the tag (16 bytes) cut off
    for forged in (body, body + ".", body + ".AAAA", "." + body, "2." + body[2:] + "A" * 22):
        v = tokens.verify(forged, KEY, date(2021, 9, 1))
        assert not v.valid_signature and v.payload is None
        bilingual(v.message_zh, v.message_en)
