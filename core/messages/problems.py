"""A roster's problems as data, from the checks to the report: each row's problems are
:class:`~core.messages.errors.Problem` records (field, code, message in Chinese and English),
kept as a code per row into a table of the distinct problem lists (:class:`ProblemTable`), so a
million bad rows cost what their distinct problems cost.

The text of a roster's ``error`` column (CONTRACT.md: ``"field: code (中文 / English)"``, joined
by ``"; "``) is rendered from them only at the edge (:meth:`ProblemTable.texts`); the import's
validation report reads the records (:meth:`ProblemTable.records`), never the text. An ``error``
column given as text (a frame from outside, ``assess_roster(df)``) is kept as it is: its text is
one opaque entry of its row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from core.messages.errors import Problem

#: What a row's problem list holds: a Problem, or a text given from outside (kept as it is).
Entry = Problem | str


@dataclass(frozen=True)
class RowProblem:
    """One problem of one roster row: ``row`` is its position in the roster (0 = the first data
    row under the header), the rest is the check's Problem."""

    row: int
    field: str
    code: str
    message_zh: str
    message_en: str


def entry_text(entry: Entry) -> str:
    """One problem as the ``error`` column writes it (a text from outside as it is)."""
    return entry if isinstance(entry, str) else entry.as_text()


class ProblemTable:
    """Each row's problems: ``codes[i]`` indexes ``table`` (a tuple of entries, in the order the
    checks found them), -1 where the row has none."""

    def __init__(self, codes: np.ndarray, table: list[tuple[Entry, ...]]) -> None:
        self.codes, self.table = codes, table
        self._arrow: pa.Array | None = None

    @classmethod
    def none(cls, n: int) -> ProblemTable:
        return cls(np.full(n, -1, dtype=np.int64), [])

    @classmethod
    def of_texts(cls, texts: np.ndarray, present: np.ndarray) -> ProblemTable:
        """From one ``error`` text (or None) per row, given from outside: kept as text."""
        codes = np.full(len(texts), -1, dtype=np.int64)
        rows = np.flatnonzero(present)
        codes[rows], uniques = pd.factorize(texts[rows])
        return cls(codes, [(str(u),) for u in uniques])

    def __len__(self) -> int:
        return len(self.codes)

    def append(self, rows: np.ndarray, new: np.ndarray, parts: Sequence[Entry]) -> ProblemTable:
        """A new table with ``parts[new[i]]`` added after the problems of row ``rows[i]``."""
        codes, table = self.codes, self.table
        if not len(rows):
            return self
        k = len(parts)
        pair, pairs = pd.factorize((codes[rows] + 1) * k + np.asarray(new, dtype=np.int64))
        joined = []
        for u in pairs.tolist():
            so_far, j = divmod(u, k)
            joined.append((parts[j],) if so_far == 0 else (*table[so_far - 1], parts[j]))
        codes = codes.copy()
        codes[rows] = len(table) + pair
        return ProblemTable(codes, table + joined)

    @property
    def bad(self) -> np.ndarray:
        """The rows with a problem."""
        return self.codes >= 0

    def rows_with(self, field: str, code: str) -> np.ndarray:
        """The rows with a problem of ``code`` in ``field`` (a text from outside: by its
        ``"field: code"`` tag)."""
        tag = f"{field}: {code}"
        hit = np.array([any(e.field == field and e.code == code if isinstance(e, Problem)
                            else tag in e for e in entries) for entries in self.table] + [False],
                       dtype=bool)
        return hit[self.codes]  # -1: the last, False

    def take(self, rows) -> ProblemTable:
        """The problems of rows ``rows`` (positions), in that order."""
        return ProblemTable(self.codes[np.asarray(rows, dtype=np.int64)], self.table)

    def rendered(self, render: Callable[[Entry], str], sep: str) -> np.ndarray:
        """Each row's problems, each through ``render``, joined by ``sep`` (object array, None
        where none): once per distinct problem list, not per row."""
        table = np.array([*self._joined(render, sep), None], dtype=object)
        return table[self.codes]  # -1: the last, None

    def _joined(self, render: Callable[[Entry], str], sep: str) -> list[str]:
        """Each distinct problem list of ``table``, rendered and joined."""
        return [sep.join(map(render, entries)) for entries in self.table]

    def texts(self) -> np.ndarray:
        """Each row's ``error`` text (object array, None where none): the edge's rendering."""
        return self.rendered(entry_text, "; ")

    def arrow(self) -> pa.Array:
        """The ``error`` texts as one Arrow string array (null where none), made once."""
        if self._arrow is None:
            self._arrow = pa.array(self._joined(entry_text, "; "), type=pa.string()).take(
                pa.array(self.codes, mask=self.codes < 0))
        return self._arrow

    def records(self) -> list[RowProblem]:
        """Every problem of every row, in row order then in the order found (a text from
        outside: field and code empty, the text as both messages)."""
        out = []
        for row in np.flatnonzero(self.codes >= 0).tolist():
            for e in self.table[self.codes[row]]:
                if isinstance(e, str):
                    out.append(RowProblem(row, "", "", e, e))
                else:
                    out.append(RowProblem(row, e.field, e.code, e.message_zh, e.message_en))
        return out
