"""Finding and naming a roster's header: a header cell to its canonical column (aliases of the
schema, case, width, spaces and hints ignored), the best header row among the first rows, and
the errors for a missing header or missing required columns."""

from __future__ import annotations

import re
import unicodedata

import numpy as np

from core.messages.catalogue import text
from core.roster.result import RosterReadError, _label
from core.schema.cell_text import _cell_text
from core.schema.cells import _element_kind
from core.schema.roster import (
    HEADER_ALIASES,
)

_HINT_RE = re.compile(r"\s*\([^()]*\)\s*$")
_SEPARATORS_RE = re.compile(r"[\s_\-]+")


def _header_key(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header)).replace("\ufeff", "").strip().casefold()
    text = text.rstrip("*").strip()
    stripped = _HINT_RE.sub("", text)
    if stripped:
        text = stripped
    return _SEPARATORS_RE.sub("", text.rstrip("*"))


_ALIAS_KEYS: dict[str, str] = {_header_key(k): v for k, v in HEADER_ALIASES.items()}


def canonical_header(header: object) -> str | None:
    """The canonical column a header names (``"出生日期 *"`` -> ``"birth_date"``), else None."""
    if header is None or (isinstance(header, float) and np.isnan(header)):
        return None
    return _ALIAS_KEYS.get(_header_key(header))


def _column_map(columns: list[str]) -> dict[str, str]:
    """canonical -> the first raw column naming it."""
    found: dict[str, str] = {}
    for col in columns:
        canon = canonical_header(col)
        if canon is not None and canon not in found:
            found[canon] = col
    return found


def _missing_columns_error(missing: list[str]) -> RosterReadError:
    sep_zh, sep_en = text("roster", "list_separator")
    zh, en = text("roster", "missing_columns",
                  columns=sep_zh.join(_label(c)[0] for c in missing),
                  columns_en=sep_en.join(_label(c)[1] for c in missing))
    return RosterReadError("missing_columns", zh, en)


def _header_names(cells: list[object]) -> list[str]:
    """Header cells -> unique column names (blank -> 'Unnamed: i', repeats -> 'x.1')."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, cell in enumerate(cells):
        text = "" if cell is None or _element_kind(cell) == 0 else str(_cell_text(cell))
        text = text.replace("\ufeff", "").strip() or f"Unnamed: {i}"
        base = text
        while text in seen:
            seen[base] += 1
            text = f"{base}.{seen[base]}"
        seen.setdefault(base, 0)
        seen[text] = 0
        names.append(text)
    return names


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------

_HEADER_SCAN_ROWS = 20
_HEADER_SCAN_CHARS = 256 * 1024


def _header_score(cells: list[object]) -> int:
    return len({c for c in (canonical_header(x) for x in cells) if c is not None})


def _best_header(rows: list[list[object]]) -> tuple[int, int]:
    """(row index, score) of the best-recognised header row among ``rows``."""
    best, best_score = 0, 0
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        score = _header_score(row)
        if score > best_score:
            best, best_score = i, score
    return best, best_score


def _no_header_error() -> RosterReadError:
    return RosterReadError("no_header", *text("roster", "no_header"))
