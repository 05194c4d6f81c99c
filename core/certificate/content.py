"""What a certificate preview says (C-A1, C-A2): the printed text of 附件2 (labels, footer
with C-3.3 in full, basis), the content taken from a profile and its assessment (no preview
without gender and employer, none without a usage window), and the errors that say why not."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from core.messages.catalogue import catalogue, label, text
from core.messages.errors import CodedError
from core.policy.data import POLICY
from core.policy.dates import parse_iso

# The printed text of the layout (messages.toml [certificate.printed]; checked against the font
# like the user's text).
_PRINTED = catalogue()["certificate"]["printed"]
TITLE = _PRINTED["title"]
# 附件2 labels, with its colons
LABELS = tuple(_PRINTED["labels"])
LABEL_COLON = _PRINTED["colon"]
USAGE_LABEL = _PRINTED["usage_label"]
VALIDITY_LABEL = _PRINTED["validity_label"]
VALIDITY_RANGE = _PRINTED["validity_range"]
NAME_WIDTH_SAMPLE = _PRINTED["name_width_sample"]
PDF_TITLE = _PRINTED["pdf_title"]
PDF_SUBJECT = _PRINTED["pdf_subject"]
QR_CAPTION = _PRINTED["qr_caption"]
SIGNATURE_IMAGE = _PRINTED["signature_image"]
SIGN_LABEL = _PRINTED["sign_label"]
SIGN_DATE_LABEL = _PRINTED["sign_date_label"]
MINISTRY = _PRINTED["ministry"]
SEAL_NOTE = _PRINTED["seal_note"]
ISSUED_LABEL = _PRINTED["issued_label"]
PHOTO_PLACEHOLDER = _PRINTED["photo_placeholder"]
WATERMARK_ZH = _PRINTED["watermark_zh"]
WATERMARK_EN = _PRINTED["watermark_en"]
# The footer quotes C-3.3 in full, from the policy data (POLICY.md "Certificate layout").
FOOTER_C33 = f"{POLICY.clauses['C-3.3']['number']} {POLICY.clauses['C-3.3']['zh']}"
FOOTER = _PRINTED["footer"]
BASIS_NOTE = _PRINTED["basis_note"]
SCOPE_NOTE = _PRINTED["scope_note"]
STATIC_TEXT = "".join(
    (TITLE, *LABELS, USAGE_LABEL, VALIDITY_LABEL, _PRINTED["date_glyphs"], QR_CAPTION)
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
        raise CertificateUnavailable("not_covered", *text("certificate", "not_covered"))
    if window.get("status") == "unavailable":
        reason = window.get("reason")
        zh, en = _reason_messages(reason)
        message_zh = text("certificate", "unavailable.reason" if zh else "unavailable.no_reason",
                          reason=zh, reason_en=en)[0]
        message_en = text("certificate", "unavailable.reason" if en else "unavailable.no_reason",
                          reason=zh, reason_en=en)[1]
        raise CertificateUnavailable("unavailable", message_zh, message_en, reason=reason)
    usage_from = parse_iso(window["from"])
    usage_until = parse_iso(window["until"])
    printed = window["printed"]
    from core.rules.validate import validate  # the same normalisation the assessment used

    person = validate(profile, parse_iso(assessment["as_of"]))
    missing = [label(f) for f, value in (("gender", person.gender),
                                         ("employer", person.employer)) if not value]
    if missing:  # certificate fields of 附件1: no preview without them
        joins = catalogue()["certificate"]["missing_fields"]
        raise CertificateUnavailable("missing_fields", *text(
            "certificate", "missing_fields",
            fields=joins["join_zh"].join(z for z, _ in missing),
            fields_en=joins["join_en"].join(e.lower() for _, e in missing)))
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
    return _PRINTED["date"].format(year=d.year, month=d.month, day=d.day)


def usage_window_text(content: CertificateContent) -> str:
    """The top-right line, e.g. ``使用有效期：2021年08月12日-2022年02月08日``."""
    return f"{USAGE_LABEL}{zh_date(content.usage_from)}-{zh_date(content.usage_until)}"


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    """Runs of white space (tabs, new lines) become one space; ends trimmed; nothing else."""
    return _SPACES.sub(" ", str(text)).strip()
