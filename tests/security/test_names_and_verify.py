"""Issue 27: /verify after the usage window, and names with invisible format characters.

* a token whose usage window ended more than the grace (``tokens.GRACE_DAYS``, 30 days) ago
  shows only that it expired: no name, birth date, number or employer; within the grace it
  still shows them;
* a bidirectional override or a zero-width character in a name or an employer is refused
  (``invalid_characters``, bilingual) by the engine's text check, which the form, the profile
  file and the roster all go through (the profile's scalar path and the roster's Arrow path).
"""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pytest

from core import InvalidInput, assess
from core.certificate import tokens
from core.demo.roster import demo_profile
from core.policy.data import POLICY
from core.policy.dates import today_shanghai
from core.rules.text_checks import NO_TABLE, check_text
from core.runtime import config
from tests.pages.test_verify import good_token, open_verify, page_text
from ui.i18n import text

INVISIBLE = ["\u202e", "\u202d", "\u2066", "\u200b", "\u200d", "\u200f", "\ufeff", "\u061c",
             "\u2060"]


def test_an_old_token_shows_only_that_it_expired(isolated_app):
    token, profile = good_token(today_shanghai() - timedelta(days=400))
    at = open_verify(token)
    page = page_text(at)
    [warning] = at.warning
    assert text("verify.headline.expired_window", "zh") in warning.value
    assert "不再显示" in warning.value
    for field in ("name", "birth_date", "registration_number", "employer"):
        assert profile[field] not in page, field
    assert not at.exception


def test_within_the_grace_the_token_still_shows_its_content(isolated_app):
    today = today_shanghai()
    probe, _ = good_token(today)  # the demo's window is placed relative to its date
    end = tokens.date.fromisoformat(tokens.verify(
        probe, config.secret_key(), today, grace_days=10**6).payload["usage_until"])
    shift = (end - today).days + 5  # signed so that the window ended 5 days ago
    token, profile = good_token(today - timedelta(days=shift))
    at = open_verify(token)
    page = page_text(at)
    assert text("verify.headline.expired_window", "zh") in at.warning[0].value
    for field in ("name", "registration_number", "employer"):
        assert profile[field] in page, field


def test_the_grace_boundary_in_core():
    key = b"k" * 32
    payload = {"name": "张三", "gender": "男", "birth_date": "1980-01-01",
               "registration_number": "京1112006200807445", "employer": "某公司",
               "specialties": [("建筑工程", "2021-05-14", "2024-05-13")],
               "usage_from": "2021-08-12", "usage_until": "2022-02-08",
               "issued_on": "2021-08-12"}
    token = tokens.sign(payload, key)
    end = tokens.date(2022, 2, 8)
    last = tokens.verify(token, key, end + timedelta(days=tokens.GRACE_DAYS))
    assert last.code == "expired_window" and last.payload["name"] == "张三"
    after = tokens.verify(token, key, end + timedelta(days=tokens.GRACE_DAYS + 1))
    assert (after.code, after.payload, after.valid_signature) == ("expired_hidden", None, True)
    assert "张三" not in after.message_zh + after.message_en
    assert after.message_zh and after.message_en


@pytest.mark.parametrize("ch", INVISIBLE, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("field", ["name", "employer"])
def test_a_profile_with_an_invisible_format_character_is_refused(field, ch):
    today = today_shanghai()
    p = demo_profile(today)
    p[field] = p[field][:1] + ch + p[field][1:]
    with pytest.raises(InvalidInput) as err:
        assess(p, today)
    [e] = [e for e in err.value.errors if e["field"] == field]
    assert e["code"] == "invalid_characters"
    assert "方向控制符" in e["message_zh"] and "direction overrides" in e["message_en"]


@pytest.mark.parametrize("n", [3, 40])  # a profile's few values (Python), a roster's (Arrow)
def test_the_roster_check_finds_them_too(n):
    clean = ["张三", "“某”公司—分部", "李四…", "Ōno Tarō"]
    dirty = [f"张{ch}三" for ch in INVISIBLE]
    values = (clean + dirty) * (n // 10 + 1)
    checked = check_text(pa.array(values, pa.large_string()), POLICY.validation[
        "max_name_length"], NO_TABLE, POLICY)
    assert list(checked.ctrl) == [v not in clean for v in values]
