"""The engine's sentences (core/messages/messages.toml), formatted in Chinese and English."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import TypeVar

from core.messages.errors import CodedError, Problem
from core.policy.data import POLICY

E = TypeVar("E", bound=CodedError)

MESSAGES_FILE = Path(__file__).with_name("messages.toml")


@cache
def catalogue() -> dict:
    with open(MESSAGES_FILE, "rb") as fh:
        return tomllib.load(fh)


def label(field: str) -> tuple[str, str]:
    zh, en = catalogue()["labels"].get(field, (field, field))
    return zh, en


def _fill(values: dict) -> dict:
    """English twins of names that have them: specialty, province, labels."""
    out = dict(values)
    if "specialty" in out and "specialty_en" not in out:
        out["specialty_en"] = POLICY.specialty_en.get(out["specialty"], out["specialty"])
    for key in ("province", "number_province"):
        if key in out and f"{key}_en" not in out:
            p = POLICY.province_by_name.get(out[key]) if out[key] else None
            out[f"{key}_en"] = p.en if p else (out[key] or "the military")
    for key in ("label", "other_label"):
        if key in out and f"{key}_en" not in out:
            out[key], out[f"{key}_en"] = label(out[key])
    return out


def text(group: str, code: str, /, **values) -> tuple[str, str]:
    """(Chinese, English) of ``[group.code]``; ``code`` may be dotted (``status.valid``)."""
    entry = catalogue()[group]
    for part in code.split("."):
        entry = entry[part]
    v = _fill(values)
    return entry["zh"].format(**v), entry["en"].format(**v)


def problem(field: str, code: str, /, **values) -> Problem:
    """An input error: ``field`` is the JSON path, ``label`` defaults to its last part."""
    base = field.rsplit(".", 1)[-1].split("[", 1)[0]
    values.setdefault("label", base)
    zh, en = text("errors", code, **values)
    return Problem(field=field, code=code, message_zh=zh, message_en=en)


def coded_error(cls: type[E], group: str, key: str, /, *extra, **values) -> E:
    """The :class:`~core.messages.errors.CodedError` ``cls`` of ``[group.key]``: its code is
    the key's first part (``bad_zip.encrypted`` is ``bad_zip``), its messages the entry's
    texts; ``extra`` goes to ``cls`` after them."""
    zh, en = text(group, key, **values)
    return cls(key.split(".", 1)[0], zh, en, *extra)


def coded(group: str, code: str, /, **values) -> dict:
    """A warning, an action or a reason as CONTRACT.md shapes it: code + message_zh + message_en."""
    zh, en = text(group, code, **values)
    out = {"code": code, "message_zh": zh, "message_en": en}
    if "specialty" in values:
        out["specialty"] = values["specialty"]
    return out
