"""/verify (issue 3) in Streamlit's AppTest: good, tampered, garbage, missing and expired tokens,
and a signing key that cannot be read. Never a traceback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import assess
from core.certificate import tokens
from core.certificate.preview import content_from
from core.demo.roster import demo_profile
from core.policy.dates import today_shanghai
from core.runtime import config
from ui.i18n import text

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def open_verify(token: str | None = None, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if token is not None:
        at.query_params["token"] = token
    at.run()
    if lang != "zh":
        at.radio(key="lang").set_value(lang).run()
    at.switch_page("pages/verify.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    parts = [el.value for el in at.markdown] + [el.value for el in at.caption]
    parts += [el.value for el in at.success] + [el.value for el in at.error]
    parts += [el.value for el in at.warning] + [el.value for el in at.info]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts).replace("\\", "").replace("\u2060", "")


def good_token(today=None) -> tuple[str, dict]:
    """The token the self-service page puts into the example's QR code (same key, same path)."""
    today = today or today_shanghai()
    profile = demo_profile(today)
    content = content_from(profile, assess(profile, today))
    return tokens.sign(content.token_payload(), config.secret_key()), profile


def test_a_good_token_shows_the_registration_and_valid():
    token, profile = good_token()
    at = open_verify(token)
    assert not at.success, "never green: this is not an official check"
    [ok] = [i for i in at.info if text("verify.headline.ok", "zh") in i.value]
    # issue 12: plain words on what the signature proves, never "有效 · 核验通过"
    assert "核验通过" not in ok.value and "有效 ·" not in ok.value
    assert "本工具" in ok.value and "不是主管部门的核验" in ok.value.replace("\\", "")
    assert "中国建造师网" in ok.value
    page = page_text(at)
    for field in ("name", "registration_number", "employer"):
        assert profile[field] in page
    for s in profile["specialties"]:
        assert s["specialty"] in page and s["valid_until"] in page
    assert f"{text('verify.signature', 'zh')}: {text('verify.signature_valid', 'zh')}" in page
    assert f"{text('verify.window_today', 'zh')}: {text('verify.window.in_use', 'zh')}" in page
    assert not at.error


def test_a_good_token_in_english():
    token, profile = good_token()
    at = open_verify(token, lang="en")
    [ok] = [i for i in at.info if text("verify.headline.ok", "en") in i.value]
    assert "NOT the ministry" in ok.value.replace("\\", "") and "Valid" not in ok.value
    assert profile["name"] in page_text(at)


def test_a_token_past_its_usage_window_says_so():
    token, _ = good_token(today_shanghai() - timedelta(days=400))
    at = open_verify(token)
    [warning] = at.warning
    assert text("verify.headline.expired_window", "zh") in warning.value
    expired = text("verify.window.expired", "zh")
    assert f"{text('verify.window_today', 'zh')}: {expired}" in page_text(at)


def _tamper(token: str) -> str:
    i = len(token) // 2
    swapped = "A" if token[i] != "A" else "B"
    return f"{token[:i]}{swapped}{token[i + 1:]}"


@pytest.mark.parametrize("make", [
    lambda t: _tamper(t),
    lambda t: t[:-3],
    lambda t: t[: len(t) // 2],
    lambda t: "garbage",
    lambda t: "<script>alert(1)</script>",
    lambda t: "x" * 5000,
    lambda t: tokens.sign({**content_from(*_example()).token_payload()}, b"another key"),
])
def test_a_tampered_truncated_foreign_or_garbage_token_is_invalid(make):
    token, _ = good_token()
    at = open_verify(make(token))
    [error] = at.error
    assert "无效" in error.value
    assert not at.success
    assert demo_profile(today_shanghai())["name"] not in page_text(at)


def _example():
    today = today_shanghai()
    profile = demo_profile(today)
    return profile, assess(profile, today)


def test_no_token_explains_how_to_verify():
    at = open_verify()
    assert not at.error
    assert text("verify.how_to", "zh") in page_text(at)


def test_an_unreadable_signing_key_is_a_clear_message(monkeypatch):
    def broken():
        raise config.ConfigError("secret_key_unreadable", "签名密钥文件无法使用",
                                 "The key file cannot be used")

    token, _ = good_token()
    monkeypatch.setattr(config, "secret_key", broken)
    at = open_verify(token)
    [error] = at.error
    assert "签名密钥文件无法使用" in error.value
