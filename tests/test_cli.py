"""The command line of CONTRACT.md: outputs, exit codes, and no traceback on broken input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core import assess
from tests.engine_helpers import d, profile

ROOT = Path(__file__).resolve().parents[1]


def run(*args, stdin: str | bytes | None = None, env=None):
    data = stdin.encode() if isinstance(stdin, str) else stdin
    p = subprocess.run([sys.executable, "-m", "core", *args], input=data, capture_output=True,
                       cwd=ROOT, env=env, timeout=120)
    assert b"Traceback" not in p.stderr and b"Traceback" not in p.stdout
    return p


def test_assess_stdin_equals_python_api():
    p = profile(province="广东", valid_until="2021-10-15")
    out = run("assess", "--as-of", "2021-09-20", stdin=json.dumps(p))
    assert out.returncode == 0
    assert json.loads(out.stdout) == assess(p, d("2021-09-20"))


def test_assess_input_file(tmp_path):
    f = tmp_path / "p.json"
    f.write_text(json.dumps(profile()), encoding="utf-8")
    out = run("assess", "--as-of", "2024-01-01", "--input", str(f))
    assert out.returncode == 0 and json.loads(out.stdout)["regime"] == "pilot"


@pytest.mark.parametrize("stdin, code", [
    ("not json", "invalid_json"),
    ('{"specialties": []}', "required"),
    ("[1]", "invalid_type"),
])
def test_assess_invalid_input_exit_2_with_errors(stdin, code):
    out = run("assess", "--as-of", "2024-01-01", stdin=stdin)
    assert out.returncode == 2
    errors = json.loads(out.stdout)["errors"]
    assert code in [e["code"] for e in errors]
    assert all(e["message_zh"] and e["message_en"] and e["field"] for e in errors)


def test_bad_as_of_exit_2():
    out = run("assess", "--as-of", "2021-02-30", stdin="{}")
    assert out.returncode == 2 and "YYYY-MM-DD" in out.stderr.decode()


def _roster_file(tmp_path) -> Path:
    rows = [
        {"姓名": "张三", "性别": "男", "出生日期": "1970/3/15", "注册编号": "京1112006200807445",
         "聘用企业": "=HYPERLINK(\"x\")", "注册单位所在地": "北京市", "注册专业": "建筑工程",
         "有效期起": "2018.6.1", "有效期止": "2021年5月31日", "继续教育": "是"},
        {"姓名": "李四", "性别": "女", "出生日期": "19800229", "注册编号": "粤1442010201100001",
         "聘用企业": "乙公司", "注册单位所在地": "广东", "注册专业": "公路工程",
         "有效期起": "2021-01-01", "有效期止": "2023-12-31", "继续教育": "否"},
        {"姓名": "王五", "性别": "男", "出生日期": "1975-01-01", "注册编号": "bad",
         "聘用企业": "丙公司", "注册单位所在地": "湖北", "注册专业": "机电工程",
         "有效期起": "2021-01-01", "有效期止": "2020-12-31", "继续教育": "1"},
    ]
    f = tmp_path / "roster.csv"
    pd.DataFrame(rows).to_csv(f, index=False, encoding="gb18030")
    return f


def test_roster_csv_output_rows_and_columns(tmp_path):
    f = _roster_file(tmp_path)
    out = run("roster", str(f), "--as-of", "2024-06-01")
    assert out.returncode == 0
    table = pd.read_csv(__import__("io").BytesIO(out.stdout), dtype=str, keep_default_na=False)
    assert len(table) == 3
    assert list(table.columns[:3]) == ["姓名", "性别", "出生日期"]  # the input columns first
    assert list(table.columns[-10:]) == ["regime", "status", "renewed", "current_valid_from",
                                         "current_valid_until", "apply_by", "lapses_on",
                                         "capped_at_65", "late_application", "error"]
    assert table["status"].tolist()[:2] == ["lapsed", "lapsed"]
    assert table["apply_by"][0] == "2021-07-31" and table["lapses_on"][1] == "2024-01-01"
    assert table["error"][2].startswith("registration_number: invalid_number")
    assert table["聘用企业"][0].startswith("'=")  # formula neutralised


def test_roster_out_xlsx_and_lapse_counts(tmp_path):
    f = _roster_file(tmp_path)
    out = run("roster", str(f), "--as-of", "2024-06-01", "--out", str(tmp_path / "o.xlsx"))
    assert out.returncode == 0
    assert len(pd.read_excel(tmp_path / "o.xlsx", engine="calamine")) == 3
    counts = json.loads(run("lapse-counts", str(f), "--as-of", "2024-06-01").stdout)
    assert counts == {"北京": 1, "广东": 1, "湖北": 0}


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02binary" * 50, b"just,some\n1,2\n"])
def test_unreadable_roster_exit_2(tmp_path, content):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    for cmd in ("roster", "lapse-counts"):
        out = run(cmd, str(f))
        assert out.returncode == 2 and out.stderr.strip()
    assert run("roster", str(tmp_path / "missing.csv")).returncode == 2


def test_certificate_pdf_and_png(tmp_path):
    p = profile(province="广东", valid_until="2024-12-31", downloaded="2024-09-01")
    f = tmp_path / "p.json"
    f.write_text(json.dumps(p), encoding="utf-8")
    env = {"ECERT_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin",
           "ECERT_SECRET_KEY": "test-key"}
    out = run("certificate", "--as-of", "2024-10-01", "--input", str(f), "--out",
              str(tmp_path / "c.pdf"), "--png", str(tmp_path / "c.png"), env=env)
    assert out.returncode == 0, out.stdout
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    assert "/verify?token=" in json.loads(out.stdout)["verify_url"]


def test_certificate_unavailable_exit_2(tmp_path):
    p = profile(province="广东", valid_until="2021-05-31")
    out = run("certificate", "--as-of", "2024-10-01", "--out", str(tmp_path / "c.pdf"),
              stdin=json.dumps(p), env={"ECERT_DATA_DIR": str(tmp_path), "PATH": "/usr/bin"})
    assert out.returncode == 2 and not (tmp_path / "c.pdf").exists()
    assert json.loads(out.stdout)["errors"][0]["message_en"]


def test_hash_password_from_stdin():
    from core.admin.auth import verify_password

    out = run("hash-password", stdin="correct horse battery\n")
    assert out.returncode == 0
    digest = out.stdout.decode().strip()
    assert verify_password(digest, "correct horse battery")
    assert "correct horse" not in out.stderr.decode() + digest
    assert run("hash-password", stdin="short\n").returncode == 2


def test_hash_password_help_says_it_reads_standard_input():
    out = run("hash-password", "--help")
    assert out.returncode == 0
    words = " ".join(out.stdout.decode().split())
    assert "standard input" in words and "ECERT_ADMIN_PASSWORD_HASH" in words
    assert "标准输入" in words
