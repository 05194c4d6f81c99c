"""What reading a roster file gives or raises: the :class:`Roster` as read (its raw text, its
typed columns and its cell problems as data), and :class:`RosterReadError` for a file that
cannot be read as a roster at all, with the errors of the read limits (``_too_large``,
``_limit_error``) and the column labels their messages use (``_label``)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.messages.catalogue import coded_error, text
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
    return coded_error(RosterReadError, "roster", key, **values)


def _label(col: str) -> tuple[str, str]:
    """(Chinese, English) label of a canonical column for messages."""
    return text("roster", "column_label", zh=COLUMN_LABELS_ZH[col], col=col)


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
    return read_error("file_too_large.size", size_mb=size / 1048576,
                      limit_mb=MAX_FILE_BYTES // 1048576)


def _limit_error(code: str, what: str, found: int, limit: int) -> RosterReadError:
    """``found`` over ``limit``; ``what``: what was counted, a key of ``[roster.limit_what]``
    (rows, columns, cells, declared_area, used_area)."""
    what_zh, what_en = text("roster", f"limit_what.{what}")
    zh, en = text("roster", "over_limit", what=what_zh, what_en=what_en, found=found,
                  limit=limit, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS)
    return RosterReadError(code, zh, en)
