"""What reading a roster file gives or raises: the :class:`Roster` as read (its raw text, its
typed columns and its cell problems as data), and :class:`RosterReadError` for a file that
cannot be read as a roster at all, with the errors of the read limits (``_too_large``,
``_limit_error``) and the column labels their messages use (``_label``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.messages.catalogue import text
from core.messages.errors import CodedError
from core.messages.problems import ProblemTable
from core.schema.roster import (
    COLUMN_LABELS_ZH,
    ERROR_COLUMN,
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
)


class RosterReadError(CodedError):
    """The file cannot be read as a roster at all (CLI exit 2). Bilingual, with a code."""


def read_error(key: str, /, **values) -> RosterReadError:
    """The RosterReadError of messages.toml ``[roster.<key>]``: its code is the key's first
    part."""
    zh, en = text("roster", key, **values)
    return RosterReadError(key.split(".", 1)[0], zh, en)


def _label(col: str) -> tuple[str, str]:
    """(Chinese, English) label of a canonical column for messages."""
    return f"{COLUMN_LABELS_ZH[col]}（{col}）", f"{col} ({COLUMN_LABELS_ZH[col]})"


@dataclass(eq=False)
class Roster:
    """A roster as read. ``raw`` and ``data`` share the index 0..n-1 (core/roster/io.py).

    ``source_format`` is ``"csv"``, ``"xlsx"`` or ``"frame"`` (from ``roster_from_frame``);
    ``encoding`` is the CSV's encoding (None otherwise); ``sha256`` is the hex digest of the
    bytes read (None for a frame). ``problems``: the cell problems found while reading, as data
    (``data``'s ``error`` column is their text); None for a roster put back together from its
    frames (the cage's answer), whose ``error`` column is then read as text.
    """

    raw: pd.DataFrame
    data: pd.DataFrame
    source_format: str
    encoding: str | None = None
    file_name: str | None = None
    sha256: str | None = None
    problems: ProblemTable | None = None

    def __len__(self) -> int:
        return len(self.data)

    @property
    def n_errors(self) -> int:
        return int(self.data[ERROR_COLUMN].notna().sum())


def _too_large(size: int) -> RosterReadError:
    return RosterReadError(
        "file_too_large",
        f"文件过大（{size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB）",
        f"the file is too large ({size / 1048576:.0f} MB, the limit is "
        f"{MAX_FILE_BYTES // 1048576} MB)",
    )


def _limit_error(code: str, what_zh: str, what_en: str, found: int, limit: int):
    return RosterReadError(
        code,
        f"{what_zh}超出上限：{found:,} > {limit:,}（本系统一次最多读取 {MAX_ROWS:,} 行、"
        f"{MAX_COLUMNS} 列）",
        f"{what_en} over the limit: {found:,} > {limit:,} (this system reads at most "
        f"{MAX_ROWS:,} rows and {MAX_COLUMNS} columns per file)",
    )
