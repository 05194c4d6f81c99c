"""Signed verification tokens for the certificate's QR code (C-3.4). Never imports streamlit.

The notice's QR code is for looking up the registration (C-3.4). A preview cannot look anything
up in the ministry's system, so its QR code opens the project's own ``/verify?token=…`` page, and
the token carries the printed data, ENCRYPTED and authenticated (issue 12): AES-256-GCM with a
key derived by HKDF-SHA256 from the project's key (``core.config.secret_key``, info
``ecert-desk.verify.v2``), a random 96-bit nonce, the zlib-compressed JSON payload, and the
version prefix as associated data. The token is ``2.`` + unpadded base64url(nonce | ciphertext
| tag): without the key it reveals nothing (no name, birth date, number or employer in proxy
logs or browser history); a token changed by one character does not verify. Version-1 tokens
(signed with itsdangerous, readable by anyone) are refused as ``old_format``. The page shows
what was printed and whether it is still inside its usage window (C-3.2); what the signature
proves is only that this tool drew that preview from the data someone entered.

Wire payload (short keys keep the QR code small and scannable):

===  ==========================================================================
key  meaning
===  ==========================================================================
v    payload version, 1
n    name (姓名)
g    gender (性别)
b    birth_date (出生日期), ISO ``YYYY-MM-DD``
r    registration_number (注册编号)
e    employer (聘用企业)
s    specialties (注册专业): ``[[specialty, valid_from, valid_until], …]`` (ISO dates)
f    usage_from (使用有效期起), ISO
u    usage_until (使用有效期止), ISO
i    issued_on (签发日期), ISO
===  ==========================================================================

``sign`` takes and ``verify`` returns the long names: ``name, gender, birth_date,
registration_number, employer, specialties`` (a list of ``{"specialty", "valid_from",
"valid_until"}``), ``usage_from, usage_until, issued_on``; dates as ISO strings.
"""

from __future__ import annotations

import base64
import json
import os
import re
import zlib
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.certificate.content import zh_date
from core.messages.catalogue import text

PREFIX = "2."
INFO = b"ecert-desk.verify.v2"
VERSION = 1  # the payload's shape (wire keys below)
MAX_TOKEN_CHARS = 4096
# Issue 27: how long after its usage window a token still shows what it carries. A QR code is
# scanned while the certificate is in use, and an expired one may still be checked (a
# contractor reviewing last month's papers): 30 days covers that. Later the token proves
# nothing anyone needs, and whoever holds an old printout or photo of it (a bin, a forwarded
# chat) should not learn the holder's name, birth date, number and employer from our page.
# ECERT_VERIFY_GRACE_DAYS (core.runtime.config.verify_grace_days) changes it.
GRACE_DAYS = 30
_NONCE = 12

_FIELDS = (  # (long name, wire key)
    ("name", "n"),
    ("gender", "g"),
    ("birth_date", "b"),
    ("registration_number", "r"),
    ("employer", "e"),
    ("usage_from", "f"),
    ("usage_until", "u"),
    ("issued_on", "i"),
)
_DATE_FIELDS = ("birth_date", "usage_from", "usage_until", "issued_on")
_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9_\-.]+$")


@dataclass(frozen=True)
class Verification:
    """The answer for one scanned token; never raised, always returned."""

    valid_signature: bool
    payload: dict | None
    window_status: str | None  # "in_use" | "expired" | "not_yet" | None
    # ok, expired_window, expired_hidden, not_yet_window, bad_signature, old_format, malformed,
    # empty
    code: str
    message_zh: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def _cipher(key: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(key)
    return AESGCM(derived)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:  # spare low bits of the last character: one spelling only
        raise ValueError("non-canonical base64")
    return raw


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value)).isoformat()  # ValueError on anything else


def _compact(payload: dict) -> dict:
    wire: dict = {"v": VERSION}
    for long, short in _FIELDS:
        value = payload[long]
        wire[short] = _iso(value) if long in _DATE_FIELDS else str(value)
    specialties = []
    for item in payload["specialties"]:
        if isinstance(item, dict):
            item = (item["specialty"], item["valid_from"], item["valid_until"])
        specialty, valid_from, valid_until = item
        specialties.append([str(specialty), _iso(valid_from), _iso(valid_until)])
    wire["s"] = specialties
    return wire


def _expand(wire: object) -> dict | None:
    """The long-name payload from a wire payload; None when its shape is not version 1's."""
    if not isinstance(wire, dict) or wire.get("v") != VERSION:
        return None
    out: dict = {}
    try:
        for long, short in _FIELDS:
            value = wire[short]
            if not isinstance(value, str):
                return None
            out[long] = _iso(value) if long in _DATE_FIELDS else value
        specialties = wire["s"]
        if not isinstance(specialties, list):
            return None
        out["specialties"] = []
        for item in specialties:
            if not (isinstance(item, list) and len(item) == 3):
                return None
            if not all(isinstance(x, str) for x in item):
                return None
            out["specialties"].append(
                {"specialty": item[0], "valid_from": _iso(item[1]), "valid_until": _iso(item[2])}
            )
    except (KeyError, ValueError, TypeError):
        return None
    return out


def sign(payload: dict, key: bytes) -> str:
    """A URL-safe token for ``payload`` (long names, see the module docstring), signed with ``key``.

    Raises ``ValueError``/``KeyError`` when the payload lacks a field or has a bad date: that is a
    programming error, not a user's.
    """
    if not key:
        raise ValueError("empty signing key")
    plain = zlib.compress(json.dumps(_compact(payload), ensure_ascii=False,
                                     separators=(",", ":")).encode("utf-8"), 9)
    nonce = os.urandom(_NONCE)
    return PREFIX + _b64(nonce + _cipher(key).encrypt(nonce, plain, PREFIX.encode("ascii")))


def _zh_date(iso: str) -> str:
    return zh_date(date.fromisoformat(iso))


def _answer(code: str, key: str | None = None, /, *, payload=None, window=None, signed=False,
            **values) -> Verification:
    """The Verification of ``code``; its message is messages.toml's
    ``[certificate.verify.<key or code>]`` filled with ``values``."""
    zh, en = text("certificate", f"verify.{key or code}", **values)
    return Verification(signed, payload, window, code, zh, en)


def verify(token: object, key: bytes, today: date, grace_days: int = GRACE_DAYS) -> Verification:
    """Check a token from a QR code at ``today`` (Asia/Shanghai). Never raises.

    Codes: ``ok`` (signature good, ``today`` inside the usage window), ``expired_window``
    (signature good, the usage window is over: download again, C-3.2), ``expired_hidden``
    (the window ended more than ``grace_days`` ago: only that is said, no payload: the
    holder's data is not shown for an old token, see GRACE_DAYS), ``not_yet_window``
    (signature good, the window has not begun), ``bad_signature`` (changed, truncated, or made
    with another key), ``malformed`` (not a token of this project at all, or longer than
    4096 characters), ``empty`` (no token).
    """
    try:
        return _verify(token, key, today, grace_days)
    except Exception:  # noqa: BLE001 - the promise is "never raises"; say so plainly instead
        return _answer("malformed", "malformed.unreadable")


def _verify(token: object, key: bytes, today: date, grace_days: int) -> Verification:
    if token is None or (isinstance(token, str) and token.strip() == ""):
        return _answer("empty")
    if not isinstance(token, str):
        return _answer("malformed", "malformed.not_text")
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        return _answer("malformed", "malformed.too_long", max_chars=MAX_TOKEN_CHARS)
    if not _TOKEN_CHARS.match(token):
        return _answer("malformed", "malformed.incomplete")
    if not token.startswith(PREFIX):
        if "." in token.lstrip("."):  # a version-1 token: signed, but readable by anyone
            return _answer("old_format")
        return _answer("malformed", "malformed.incomplete")
    try:
        raw = _unb64(token[len(PREFIX):])
        if len(raw) < _NONCE + 16:
            raise ValueError("too short")
        plain = _cipher(key).decrypt(raw[:_NONCE], raw[_NONCE:], PREFIX.encode("ascii"))
    except (ValueError, InvalidTag, TypeError):
        return _answer("bad_signature")
    try:
        wire = json.loads(zlib.decompressobj().decompress(plain, 1 << 20).decode("utf-8"))
    except (ValueError, zlib.error, UnicodeDecodeError):
        wire = None
    payload = _expand(wire)
    if payload is None:
        return _answer("malformed", "malformed.unknown_content", signed=True)
    start = date.fromisoformat(payload["usage_from"])
    end = date.fromisoformat(payload["usage_until"])
    window_zh = text("certificate", "verify.window", start=_zh_date(payload["usage_from"]),
                     end=_zh_date(payload["usage_until"]))[0]
    window_en = text("certificate", "verify.window", start=payload["usage_from"],
                     end=payload["usage_until"])[1]
    windows = {"window_zh": window_zh, "window_en": window_en}
    if today < start:
        return _answer("not_yet_window", payload=payload, window="not_yet", signed=True,
                       **windows)
    if (today - end).days > grace_days:
        return _answer("expired_hidden", window="expired", signed=True,
                       until_zh=_zh_date(payload["usage_until"]), until=payload["usage_until"],
                       grace_days=grace_days)
    if today > end:
        return _answer("expired_window", payload=payload, window="expired", signed=True,
                       **windows)
    return _answer("ok", payload=payload, window="in_use", signed=True, **windows)
