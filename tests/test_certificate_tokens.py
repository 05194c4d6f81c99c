"""core.certificate.tokens: signed QR verification tokens (C-3.4); verify() never raises."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.certificate import tokens

KEY = b"k" * 32
OTHER_KEY = b"o" * 32

PAYLOAD = {
    "name": "张堃喆𠮷",
    "gender": "男",
    "birth_date": date(1970, 3, 15),
    "registration_number": "京1112006200807445",
    "employer": "北京某建设集团有限公司",
    "specialties": [
        ("建筑工程", date(2021, 5, 14), date(2024, 5, 13)),
        {"specialty": "市政公用工程", "valid_from": "2020-01-01", "valid_until": "2022-12-31"},
    ],
    "usage_from": date(2021, 8, 12),
    "usage_until": "2022-02-08",
    "issued_on": date(2021, 8, 12),
}
EXPANDED = {
    "name": "张堃喆𠮷",
    "gender": "男",
    "birth_date": "1970-03-15",
    "registration_number": "京1112006200807445",
    "employer": "北京某建设集团有限公司",
    "specialties": [
        {"specialty": "建筑工程", "valid_from": "2021-05-14", "valid_until": "2024-05-13"},
        {"specialty": "市政公用工程", "valid_from": "2020-01-01", "valid_until": "2022-12-31"},
    ],
    "usage_from": "2021-08-12",
    "usage_until": "2022-02-08",
    "issued_on": "2021-08-12",
}


def _bilingual(v: tokens.Verification):
    assert v.message_zh and v.message_en
    assert any("\u4e00" <= c <= "\u9fff" for c in v.message_zh)


def test_round_trip_inside_window():
    token = tokens.sign(PAYLOAD, KEY)
    v = tokens.verify(token, KEY, date(2021, 9, 1))
    assert (v.valid_signature, v.code, v.window_status, v.ok) == (True, "ok", "in_use", True)
    assert v.payload == EXPANDED
    assert "2021年08月12日-2022年02月08日" in v.message_zh
    _bilingual(v)


@pytest.mark.parametrize(
    ("today", "code", "window"),
    [
        (date(2021, 8, 11), "not_yet_window", "not_yet"),
        (date(2021, 8, 12), "ok", "in_use"),  # first day
        (date(2022, 2, 8), "ok", "in_use"),  # last day (C-3.2, I-4)
        (date(2022, 2, 9), "expired_window", "expired"),
    ],
)
def test_window_boundaries(today, code, window):
    v = tokens.verify(tokens.sign(PAYLOAD, KEY), KEY, today)
    assert (v.valid_signature, v.code, v.window_status) == (True, code, window)
    assert v.payload == EXPANDED
    _bilingual(v)


def test_token_is_url_safe_and_compact():
    token = tokens.sign(PAYLOAD, KEY)
    assert all(c.isalnum() or c in "-_." for c in token)
    assert len(token) < 400  # keeps the QR code at a scannable density


def test_foreign_key_is_bad_signature():
    v = tokens.verify(tokens.sign(PAYLOAD, OTHER_KEY), KEY, date(2021, 9, 1))
    assert (v.valid_signature, v.payload, v.code) == (False, None, "bad_signature")
    _bilingual(v)


def test_every_single_character_change_is_detected():
    token = tokens.sign(PAYLOAD, KEY)
    everything = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for i in range(len(token)):
        # all 65 characters at the signature's end (base64's spare bits live there)
        alphabet = everything if i >= len(token) - 3 else "AbZ09-_."
        for c in alphabet:
            if c == token[i]:
                continue
            tampered = token[:i] + c + token[i + 1 :]
            v = tokens.verify(tampered, KEY, date(2021, 9, 1))
            assert not v.valid_signature, (i, c)
            assert v.code in ("bad_signature", "malformed", "old_format")


def test_changed_payload_with_old_signature_is_rejected():
    """The ciphertext of one token with the nonce and tag of another: refused."""
    token = tokens.sign(PAYLOAD, KEY)
    forged = tokens.sign({**PAYLOAD, "name": "李四"}, KEY)
    a = tokens._unb64(token[2:])
    b = tokens._unb64(forged[2:])
    spliced = a[:12] + b[12:-16] + a[-16:]
    v = tokens.verify("2." + tokens._b64(spliced), KEY, date(2021, 9, 1))
    assert v.code == "bad_signature" and v.payload is None


def test_the_token_reveals_nothing_without_the_key():
    """Issue 12: the QR link used to carry name, birth date, number and employer readable by
    anyone (proxy logs, browser history). Now nothing of the payload is in the token, in any
    decoding an onlooker could try."""
    import base64
    import zlib

    token = tokens.sign(PAYLOAD, KEY)
    assert tokens.sign(PAYLOAD, KEY) != token  # a fresh nonce every time
    raw = base64.urlsafe_b64decode(token[2:] + "=" * (-len(token[2:]) % 4))
    secrets = [str(PAYLOAD[k]) for k in ("name", "registration_number", "employer",
                                         "birth_date")] + ["建筑"]
    for text in secrets:
        for blob in (token.encode(), raw):
            for enc in ("utf-8", "gb18030", "utf-16-le"):
                assert text.encode(enc) not in blob
    for start in range(len(raw)):
        try:
            plain = zlib.decompressobj().decompress(raw[start:])
        except zlib.error:
            continue
        assert not any(t.encode() in plain for t in secrets)


def test_old_readable_tokens_are_refused_as_old_format():
    from itsdangerous import URLSafeSerializer

    old = URLSafeSerializer(KEY, salt="ecert-desk.verify.v1").dumps(
        {"v": 1, "n": "张三", "g": "男", "b": "1970-03-15", "r": "京1112006200807445",
         "e": "x", "s": [], "f": "2021-08-12", "u": "2022-02-07", "i": "2021-08-12"})
    v = tokens.verify(old, KEY, date(2021, 9, 1))
    assert (v.code, v.valid_signature, v.payload) == ("old_format", False, None)
    _bilingual(v)


def test_a_token_of_another_key_or_context_does_not_verify():
    assert tokens.verify(tokens.sign(PAYLOAD, b"other key"), KEY, date(2021, 9, 1)).code == (
        "bad_signature")
    raw = tokens._unb64(tokens.sign(PAYLOAD, KEY)[2:])
    assert not tokens.verify("3." + tokens._b64(raw), KEY, date(2021, 9, 1)).valid_signature


@pytest.mark.parametrize("cut", [1, 5, 20])
def test_truncated(cut):
    token = tokens.sign(PAYLOAD, KEY)
    v = tokens.verify(token[:-cut], KEY, date(2021, 9, 1))
    assert not v.valid_signature and v.code in ("bad_signature", "malformed", "old_format")
    _bilingual(v)


@pytest.mark.parametrize("token", [None, "", "   "])
def test_empty(token):
    v = tokens.verify(token, KEY, date(2021, 9, 1))
    assert (v.valid_signature, v.code) == (False, "empty")
    _bilingual(v)


@pytest.mark.parametrize(
    "token",
    ["garbage", "<script>alert(1)</script>", "a.b", "....", "中文.核验", b"bytes.token", 42, "."],
)
def test_garbage(token):
    v = tokens.verify(token, KEY, date(2021, 9, 1))
    assert not v.valid_signature and v.payload is None
    assert v.code in ("malformed", "bad_signature", "old_format")
    _bilingual(v)


def test_huge_token_is_refused_unparsed():
    v = tokens.verify("A" * 5000 + ".sig", KEY, date(2021, 9, 1))
    assert v.code == "malformed" and "4096" in v.message_en
    _bilingual(v)


def test_signed_but_foreign_shape_is_malformed():
    import json
    import os
    import zlib

    nonce = os.urandom(12)
    plain = zlib.compress(json.dumps({"hello": "world"}).encode())
    token = "2." + tokens._b64(nonce + tokens._cipher(KEY).encrypt(nonce, plain, b"2."))
    v = tokens.verify(token, KEY, date(2021, 9, 1))
    assert (v.valid_signature, v.payload, v.code) == (True, None, "malformed")
    _bilingual(v)


def test_sign_refuses_empty_key_and_bad_dates():
    with pytest.raises(ValueError):
        tokens.sign(PAYLOAD, b"")
    with pytest.raises(ValueError):
        tokens.sign({**PAYLOAD, "usage_from": "2021/08/12"}, KEY)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=5000))
def test_verify_never_raises_on_any_text(text):
    v = tokens.verify(text, KEY, date(2021, 9, 1))
    assert isinstance(v, tokens.Verification)
    assert v.code in ("malformed", "bad_signature", "old_format", "empty")
    assert v.message_zh and v.message_en


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", max_size=600
    )
)
def test_verify_never_raises_on_token_like_text(text):
    v = tokens.verify(text, KEY, date(2021, 9, 1))
    assert v.code in ("malformed", "bad_signature", "old_format", "empty")


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.text(max_size=30))
def test_verify_never_raises_on_mutated_tokens(pos, insert):
    token = tokens.sign(PAYLOAD, KEY)
    pos %= len(token) + 1
    mutated = token[:pos] + insert + token[pos + len(insert) :]
    v = tokens.verify(mutated, KEY, date(2021, 9, 1))
    if mutated == token:
        assert v.ok
    else:
        refused = ("malformed", "bad_signature", "old_format", "empty")
        assert v.code in refused or v.payload == EXPANDED
