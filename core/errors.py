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
