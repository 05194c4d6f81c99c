"""Signed verification tokens for the certificate's QR code (C-3.4). Never imports streamlit.

The notice's QR code is for looking up the registration (C-3.4). A preview cannot look anything
up in the ministry's system, so its QR code opens the project's own ``/verify?token=…`` page, and
the token carries the printed data, signed with the project's key (``core.config.secret_key``)
by ``itsdangerous.URLSafeSerializer`` (HMAC-SHA1 of the payload, salt ``ecert-desk.verify.v1``;
the payload is zlib-compressed when that makes it shorter). The page shows what was printed and
whether it is still inside its usage window (C-3.2); a token that was changed by one character
does not verify.

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

import re
from dataclasses import dataclass
from datetime import date

from itsdangerous import BadData, URLSafeSerializer
from itsdangerous.encoding import base64_decode, base64_encode

SALT = "ecert-desk.verify.v1"
VERSION = 1
MAX_TOKEN_CHARS = 4096

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
    code: (
        str  # "ok" | "expired_window" | "not_yet_window" | "bad_signature" | "malformed" | "empty"
    )
    message_zh: str
    message_en: str

    @property
    def ok(self) -> bool:
        return self.code == "ok"


def _serializer(key: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=SALT)


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
    return _serializer(key).dumps(_compact(payload))


def _zh_date(iso: str) -> str:
    d = date.fromisoformat(iso)
    return f"{d.year:04d}年{d.month:02d}月{d.day:02d}日"


def _answer(code: str, *, payload=None, window=None, signed=False, zh="", en="") -> Verification:
    return Verification(signed, payload, window, code, zh, en)


def verify(token: object, key: bytes, today: date) -> Verification:
    """Check a token from a QR code at ``today`` (Asia/Shanghai). Never raises.

    Codes: ``ok`` (signature good, ``today`` inside the usage window), ``expired_window``
    (signature good, the usage window is over: download again, C-3.2), ``not_yet_window``
    (signature good, the window has not begun), ``bad_signature`` (changed, truncated, or made
    with another key), ``malformed`` (not a token of this project at all, or longer than
    4096 characters), ``empty`` (no token).
    """
    try:
        return _verify(token, key, today)
    except Exception:  # noqa: BLE001 - the promise is "never raises"; say so plainly instead
        return _answer(
            "malformed",
            zh="无法识别的核验码。请重新扫描证书上的二维码。",
            en="This verification code cannot be read. Scan the certificate's QR code again.",
        )


def _verify(token: object, key: bytes, today: date) -> Verification:
    if token is None or (isinstance(token, str) and token.strip() == ""):
        return _answer(
            "empty",
            zh="没有核验码。请扫描证书上的二维码打开本页。",
            en="No verification code. Open this page by scanning the certificate's QR code.",
        )
    if not isinstance(token, str):
        return _answer(
            "malformed",
            zh="核验码格式不正确。",
            en="The verification code is not in the expected format.",
        )
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        return _answer(
            "malformed",
            zh=f"核验码过长（超过 {MAX_TOKEN_CHARS} 个字符），不是本系统生成的核验码。",
            en=f"The verification code is too long (over {MAX_TOKEN_CHARS} characters); "
            "it was not made by this system.",
        )
    if not _TOKEN_CHARS.match(token) or "." not in token.lstrip("."):
        return _answer(
            "malformed",
            zh="核验码格式不正确，可能复制不完整。请重新扫描证书上的二维码。",
            en="The verification code is not in the expected format; it may have been copied "
            "incompletely. Scan the certificate's QR code again.",
        )
    try:
        signature = token.rsplit(".", 1)[1]
        # base64 ignores the spare low bits of the last character, so several spellings of one
        # signature would verify; accept only the one this module writes.
        if base64_encode(base64_decode(signature)).decode("ascii") != signature:
            raise BadData("non-canonical signature")
        wire = _serializer(key).loads(token)
    except BadData:
        return _answer(
            "bad_signature",
            zh="核验失败：核验码签名无效。该证书信息可能被篡改、核验码不完整，或并非由本系统签发。",
            en="Verification failed: the signature is not valid. The certificate data may have "
            "been altered, the code is incomplete, or it was not issued by this system.",
        )
    payload = _expand(wire)
    if payload is None:
        return _answer(
            "malformed",
            signed=True,
            zh="核验码签名有效，但内容格式无法识别（可能来自其他版本）。",
            en="The signature is valid but the content is in a format this version cannot read.",
        )
    start = date.fromisoformat(payload["usage_from"])
    end = date.fromisoformat(payload["usage_until"])
    window_zh = f"{_zh_date(payload['usage_from'])}-{_zh_date(payload['usage_until'])}"
    window_en = f"{payload['usage_from']} to {payload['usage_until']}"
    if today < start:
        return _answer(
            "not_yet_window",
            payload=payload,
            window="not_yet",
            signed=True,
            zh=f"签名有效，但证书使用有效期（{window_zh}）尚未开始。",
            en=f"The signature is valid, but the usage window ({window_en}) has not begun.",
        )
    if today > end:
        return _answer(
            "expired_window",
            payload=payload,
            window="expired",
            signed=True,
            zh=f"签名有效，但证书已超出使用有效期（{window_zh}），该证书已失效，需重新下载（三(二)）。",
            en=f"The signature is valid, but the certificate is past its usage window "
            f"({window_en}) and no longer valid; it must be downloaded again (C-3.2).",
        )
    return _answer(
        "ok",
        payload=payload,
        window="in_use",
        signed=True,
        zh=f"核验通过：签名有效，证书在使用有效期内（{window_zh}）。本系统生成的为预览样张，"
        "不是正式证书。",
        en=f"Verified: the signature is valid and the certificate is within its usage window "
        f"({window_en}). This system makes previews, not official certificates.",
    )
