"""What a certificate preview says (C-A1, C-A2): the printed text of 附件2 (labels, footer
with C-3.3 in full, basis), the content taken from a profile and its assessment (no preview
without gender and employer, none without a usage window), and the errors that say why not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from core.messages.errors import CodedError
from core.policy.data import POLICY
from core.policy.dates import parse_iso

# Static text of the layout (checked against the font like the user's text).
TITLE = "中华人民共和国一级建造师注册证书"
# 附件2 labels, with its colons
LABELS = ("姓 名：", "性 别：", "出生日期：", "注册编号：", "聘用企业：", "注册专业：")
USAGE_LABEL = "使用有效期："
VALIDITY_LABEL = "有效期："
QR_CAPTION = "扫码核验（ecert-desk）"
SIGNATURE_IMAGE = "签名图像"
SIGN_LABEL = "个人签名："
SIGN_DATE_LABEL = "签名日期："
MINISTRY = "中华人民共和国住房和城乡建设部"
SEAL_NOTE = "（发证机关印章位置 · 预览不加盖印章）"
ISSUED_LABEL = "签发日期："
PHOTO_PLACEHOLDER = "照片"
WATERMARK_ZH = "预览样张 非正式证书"
WATERMARK_EN = "PREVIEW – NOT AN OFFICIAL CERTIFICATE"
# The footer quotes C-3.3 in full, from the policy data (POLICY.md "Certificate layout").
FOOTER_C33 = f"{POLICY.clauses['C-3.3']['number']} {POLICY.clauses['C-3.3']['zh']}"
FOOTER = "本预览按附件2版式生成，仅供核对信息，不是电子注册证书，不具法律效力。"
BASIS_NOTE = "依据：{notice}（政策数据版本 {version}）。"
SCOPE_NOTE = "此后的通知可能有不同规定，以注册管理机关的记录和持证人证书上印载的日期为准。"
STATIC_TEXT = "".join(
    (TITLE, *LABELS, USAGE_LABEL, VALIDITY_LABEL, "至-0123456789年月日", QR_CAPTION)
    + (SIGNATURE_IMAGE, SIGN_LABEL, SIGN_DATE_LABEL, MINISTRY, SEAL_NOTE, ISSUED_LABEL)
    + (PHOTO_PLACEHOLDER, WATERMARK_ZH, WATERMARK_EN, FOOTER, FOOTER_C33, BASIS_NOTE, SCOPE_NOTE)
)


# ---------------------------------------------------------------------------------------------
# Errors


class CertificateUnavailable(CodedError):
    """No preview can be drawn: ``code`` says why, in both languages.

    Codes: ``unavailable`` (no usage window on the download date, R-6; ``reason`` carries the
    engine's reason), ``not_covered`` (the employer's province issues no electronic certificate,
    C-1), ``missing_glyph`` (``characters`` lists what the font cannot draw), ``text_too_long``,
    ``font_missing``.
    """

    def __init__(
        self,
        code: str,
        message_zh: str,
        message_en: str,
        *,
        reason: object = None,
        characters: list[str] | None = None,
    ):
        super().__init__(code, message_zh, message_en)
        self.reason = reason
        self.characters = characters or []


# ---------------------------------------------------------------------------------------------
# Content


@dataclass(frozen=True)
class CertificateContent:
    """What a certificate prints (C-A1).

    ``specialties``: ``(specialty, valid_from, valid_until)`` as on the download date.
    """

    name: str
    gender: str
    birth_date: date
    registration_number: str
    employer: str
    specialties: list[tuple[str, date, date]]
    usage_from: date
    usage_until: date
    issued_on: date
    photo: bytes | None = field(default=None, repr=False)
    basis: dict = field(default_factory=lambda: dict(POLICY.basis))
    out_of_scope: bool = False  # the assessment carried basis_scope

    def token_payload(self) -> dict:
        """The payload of the QR token (long names; ``core.tokens`` shortens them)."""
        return {
            "name": self.name,
            "gender": self.gender,
            "birth_date": self.birth_date,
            "registration_number": self.registration_number,
            "employer": self.employer,
            "specialties": [tuple(s) for s in self.specialties],
            "usage_from": self.usage_from,
            "usage_until": self.usage_until,
            "issued_on": self.issued_on,
        }

    def small_print(self) -> list[str]:
        """The footer lines: C-3.3 in full, what this preview is, its basis (and scope)."""
        basis = BASIS_NOTE.format(notice=self.basis["notice"],
                                  version=self.basis["policy_version"])
        return [FOOTER_C33, FOOTER + basis + (SCOPE_NOTE if self.out_of_scope else "")]

    def text(self) -> str:
        """Every piece of user text the certificate draws (for the glyph check)."""
        parts = [self.name, self.gender, self.registration_number, self.employer]
        parts += [s[0] for s in self.specialties]
        return "".join(_clean(p) for p in parts)


def _reason_messages(reason: object) -> tuple[str, str]:
    if isinstance(reason, dict):
        zh = reason.get("message_zh") or reason.get("code") or ""
        en = reason.get("message_en") or reason.get("code") or ""
        return str(zh), str(en)
    if reason:
        return str(reason), str(reason)
    return "", ""


def content_from(profile: dict, assessment: dict, photo: bytes | None = None) -> CertificateContent:
    """The content of the certificate downloaded on ``usage_window["from"]`` (R-6, C-3.2).

    Printed specialties are ``usage_window["printed"]`` (validity as on the download date). The
    personal fields are the validated ones (trimmed, gender aliases as 男/女). Raises
    ``CertificateUnavailable`` when the usage window is null (``not_covered``) or
    ``unavailable`` (with the engine's reason).
    """
    window = assessment.get("usage_window")
    if window is None:
        raise CertificateUnavailable(
            "not_covered",
            "该聘用企业所在地未启用电子注册证书（建办市〔2021〕25号 一），无法生成证书预览。",
            "The employer's province does not use electronic certificates (notice 25/2021, "
            "clause 1), so there is no certificate to preview.",
        )
    if window.get("status") == "unavailable":
        reason = window.get("reason")
        zh, en = _reason_messages(reason)
        raise CertificateUnavailable(
            "unavailable",
            "下载日没有可打印的注册专业，无法生成证书（三(二)）" + (f"：{zh}" if zh else "。"),
            "No registered specialty can be printed on the download date, so no certificate "
            "can be issued (C-3.2)" + (f": {en}" if en else "."),
            reason=reason,
        )
    usage_from = parse_iso(window["from"])
    usage_until = parse_iso(window["until"])
    printed = window["printed"]
    from core.rules.validate import validate  # the same normalisation the assessment used

    person = validate(profile, parse_iso(assessment["as_of"]))
    missing = [(zh, en) for value, zh, en in ((person.gender, "性别", "gender"),
                                                (person.employer, "聘用企业", "employer"))
               if not value]
    if missing:  # certificate fields of 附件1: no preview without them
        raise CertificateUnavailable(
            "missing_fields",
            f"证书须载明{'、'.join(z for z, _ in missing)}（附件1），请先填写后再生成预览。",
            f"A certificate shows the holder's {' and '.join(e for _, e in missing)} "
            "(annex 1): fill them in to draw the preview.")
    specialties = [
        (str(p["specialty"]), parse_iso(p["valid_from"]), parse_iso(p["valid_until"]))
        for p in printed
    ]
    return CertificateContent(
        name=person.name,
        gender=person.gender or "",
        birth_date=person.birth_date,
        registration_number=person.registration_number,
        employer=person.employer or "",
        specialties=specialties,
        usage_from=usage_from,
        usage_until=usage_until,
        issued_on=usage_from,
        photo=photo,
        basis=dict(assessment.get("basis") or POLICY.basis),
        out_of_scope="basis_scope" in [w.get("code") for w in assessment.get("warnings", [])],
    )


def zh_date(d: date) -> str:
    """``YYYY年MM月DD日``, zero-padded, as printed on the certificate."""
    return f"{d.year:04d}年{d.month:02d}月{d.day:02d}日"


def usage_window_text(content: CertificateContent) -> str:
    """The top-right line, e.g. ``使用有效期：2021年08月12日-2022年02月08日``."""
    return f"{USAGE_LABEL}{zh_date(content.usage_from)}-{zh_date(content.usage_until)}"


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    """Runs of white space (tabs, new lines) become one space; ends trimmed; nothing else."""
    return _SPACES.sub(" ", str(text)).strip()
