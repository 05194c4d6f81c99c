"""Problems a user can cause: each with a field, a code and a message in Chinese and English."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict:
        return asdict(self)

    def as_text(self) -> str:
        """One line, as a roster's ``error`` column writes it: ``field: code (中文 / English)``."""
        return f"{self.field}: {self.code} ({self.message_zh} / {self.message_en})"


class CodedError(Exception):
    """A problem that is not one field of a profile (a file, a setting, the database, a photo…):
    a stable ``code`` and the message in Chinese and English, naming the problem and the fix.

    The modules raise their own subclasses (``RosterReadError``, ``StoreError``, ``ConfigError``,
    ``CertificateUnavailable``, ``PhotoError``, ``PasswordInputError``) so callers can catch
    what they can handle; pages show any of them the same way.
    """

    def __init__(self, code: str, message_zh: str, message_en: str):
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")

    def as_dict(self) -> dict:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


class InvalidInput(ValueError):
    """Raised by ``assess`` (and friends) with every problem found, not only the first.

    ``.errors`` is the list of CONTRACT.md's "Invalid input": ``[{"field", "code", "message_zh",
    "message_en"}, …]``.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        self.errors = [p.as_dict() for p in self.problems]
        super().__init__("; ".join(f"{p.field}: {p.code}" for p in self.problems))

    def as_json(self) -> dict:
        return {"errors": self.errors}
