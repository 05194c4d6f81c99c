"""Issue 27: hostile profile JSON files, on the self-service page and through the CLI.

A 5,000-digit number (``int()`` raised an uncaught ValueError), an unpaired surrogate
(``"\\ud800"`` passed the loader and broke the page, the CLI exited 1) and 6,500 unknown keys
in 64 KB (a 719 KB reply): each is a coded, bilingual refusal with a short reply."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.selfcheck.profile_file import MAX_BYTES, ProfileFileError, load_profile
from tests.app_helpers import APP, assert_clean, plain

ROOT = Path(__file__).resolve().parents[2]

HOSTILE = {
    "long_number": (b'{"name": "x", "registration_number": ' + b"7" * 5000 + b"}",
                    "number_too_long"),
    "surrogate": (b'{"name": "\\ud800", "gender": "\\udfff"}', "invalid_unicode"),
    "unknown_keys": (("{" + ",".join(f'"k{i}":0' for i in range(6500)) + "}").encode(),
                     "too_many_fields"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_loader_refuses_each_with_a_code(name):
    data, code = HOSTILE[name]
    assert len(data) <= MAX_BYTES
    with pytest.raises(ProfileFileError) as err:
        load_profile(data)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en
    assert len(err.value.message_zh) + len(err.value.message_en) < 400


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_page_says_why_and_keeps_the_form(name, isolated_app):
    data, code = HOSTILE[name]
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert_clean(at)
    uploader = next((u for u in at.file_uploader
                     if u.key.startswith("profile_file.upload")), None)
    assert uploader is not None, [e.value for e in at.error]
    uploader.set_value(("p.json", data, "application/json")).run()
    assert_clean(at)
    shown = "\n".join(e.value for e in at.error)
    assert shown, "no refusal shown"
    assert len(shown) < 2000, f"a {len(shown)}-character reply"
    with pytest.raises(ProfileFileError) as err:
        load_profile(data)
    assert err.value.message_zh in plain(shown)
    assert err.value.message_en in plain(shown)
    assert at.text_input(key="self_service.f.name").value in ("", None)


@pytest.mark.parametrize("name", ["long_number", "surrogate"])
def test_the_cli_exits_2_with_the_errors_json(name):
    data, code = HOSTILE[name]
    p = subprocess.run([sys.executable, "-m", "core", "assess", "--as-of", "2024-01-01"],
                       input=data, capture_output=True, cwd=ROOT, timeout=120)
    assert p.returncode == 2, (p.returncode, p.stdout[-500:], p.stderr[-500:])
    errors = json.loads(p.stdout)["errors"]
    assert [e["code"] for e in errors] == [code]
    assert errors[0]["message_zh"] and errors[0]["message_en"]
    assert len(p.stdout) < 2000
