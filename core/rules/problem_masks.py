"""The problems the input checks find, as boolean masks (:class:`Problems`; a profile's, checked
one specialty at a time with Python scalars: :class:`RowProblems`): a check adds
``(field, code, mask, values)``, and ``Problems.render`` makes each distinct message once (the
catalogue's Problem records, core/messages), so a million bad rows cost what their distinct
values cost. The checks themselves: ``text_checks`` (text, R-8's form, flags), ``date_checks``;
the profile's adapter: ``validate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from core.messages.catalogue import problem
from core.policy.dates import iso_day

if TYPE_CHECKING:
    from core.rules.date_checks import DateField

PERSON_FIELDS = ("name", "gender", "registration_number", "employer", "employer_province",
                 "continuing_education_done", "birth_date", "certificate_downloaded_on")
SPECIALTY_FIELDS = ("specialty", "valid_from", "valid_until", "renewal_applied_on",
                    "renewal_approved_on")


class Problems:
    """Boolean masks of (field, code) problems; messages are written only for rows that have one.

    ``values`` says what the message needs: None; a dict whose entries are constants, or
    ``"date:<field>"`` (that field's day number), or a name of ``derived`` (a day-number array);
    ``"value:<field>"`` (the field's text); or a pair ``(field, other)`` for ``date_order``.
    """

    def __init__(self) -> None:
        self.items: list[tuple[str, str, np.ndarray, object]] = []

    def add(self, field_: str, code: str, mask, values=None) -> None:
        if not (isinstance(mask, np.ndarray) and mask.dtype == bool):
            mask = np.asarray(mask, dtype=bool)
        if b"\x01" in mask.tobytes():  # any(): a byte search costs less than ndarray.any's set-up
            self.items.append((field_, code, mask, values))

    def any_rows(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for _, _, mask, _ in self.items:
            out |= np.broadcast_to(mask, (n,)) if mask.shape != (n,) else mask
        return out

    def render(self, texts: Mapping[str, pa.Array], dates: Mapping[str, DateField],
               derived: Mapping[str, np.ndarray]):
        """Yield (field, rows, codes, table): ``table[codes[i]]`` is the Problem of row
        ``rows[i]``; each problem is formatted once per distinct set of values, so a million bad
        rows cost what their distinct values cost."""
        for field_, code, mask, values in self.items:
            idx = np.flatnonzero(mask)
            names, keys, is_date = _value_keys(values, idx, texts, dates, derived)
            if keys:
                codes, first = _factorize_rows(keys)
                uniques = [tuple(k[i] for k in keys) for i in first.tolist()]
            else:
                codes, uniques = np.zeros(len(idx), dtype=np.intp), [()]
            table = [problem(field_, code, **{k: (iso_day(v) if d else v)
                                              for k, v, d in zip(names, key, is_date,
                                                                 strict=True)})
                     for key in uniques]
            yield field_, idx, codes, table


class RowProblems(Problems):
    """:class:`Problems` of one profile checked one specialty at a time, with Python scalars as
    masks. ``begin(phase, row)`` says which specialty row the next checks are about; a problem
    of a person field belongs to the person (one element) and is kept once. ``finish()`` orders
    the problems as the array checks would have added them (by the check that found them), so
    ``render`` and the messages are the same either way."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k, self.phase, self.row, self.calls = k, 0, 0, 0
        self._sites: dict[tuple[int, int], tuple] = {}

    def begin(self, phase: int, row: int = 0) -> None:
        self.phase, self.row, self.calls = phase, row, 0

    def add(self, field_: str, code: str, mask, values=None) -> None:
        self.calls += 1
        if not mask:
            return
        person = field_ in PERSON_FIELDS
        if not person and self.row >= self.k:
            return  # no such specialty (a profile without any): nothing to report
        site = (self.phase, self.calls)  # the same check for every row
        item = self._sites.get(site)
        if item is None:
            item = self._sites[site] = (field_, code, np.zeros(1 if person else self.k, bool),
                                        values)
        item[2][0 if person else self.row] = True

    def finish(self) -> RowProblems:
        self.items = [self._sites[site] for site in sorted(self._sites)]
        return self


def _factorize_rows(keys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of several equally long key arrays as codes of their distinct combinations, and the
    first row of each combination: each key factorized alone (a constant costs nothing more),
    the codes combined into one int64, that factorized."""
    n = len(keys[0])
    combined, size = np.zeros(n, dtype=np.int64), 1
    for k in keys:
        c, u = pd.factorize(k)
        if len(u) <= 1 and not (c < 0).any():
            continue  # one value throughout
        combined = combined * (len(u) + 1) + (c + 1)  # + 1: a missing value (-1) is a value
        size *= len(u) + 1
        if size > 2**40:  # keep the product of the sizes within an int64
            combined, u = pd.factorize(combined)
            size = len(u)
    codes, u = pd.factorize(combined)
    first = np.full(len(u), n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    return codes, first


def _value_keys(values, idx, texts, dates, derived):
    if values is None:
        return [], [], []
    if isinstance(values, str):  # "value:<field>": the cell as text
        column = values.split(":", 1)[1]
        arr = texts[column]
        cells = np.array(arr.take(pa.array(idx % len(arr))).to_pylist(), dtype=object)
        return ["value"], [cells], [False]
    if isinstance(values, tuple):  # a date-order pair
        fld, other = values
        return (["label", "value", "other_label", "other"],
                [np.full(len(idx), fld, dtype=object), dates[fld].at(idx),
                 np.full(len(idx), other, dtype=object), dates[other].at(idx)],
                [False, True, False, True])
    names, keys, is_date = [], [], []
    for k, v in values.items():
        names.append(k)
        if isinstance(v, str) and v.startswith("date:"):
            keys.append(dates[v[5:]].at(idx))
            is_date.append(True)
        elif isinstance(v, str) and v in derived:
            d = derived[v]
            keys.append(np.broadcast_to(d, (max(len(d), int(idx.max()) + 1),))[idx])
            is_date.append(True)
        else:
            keys.append(np.full(len(idx), v, dtype=object))
            is_date.append(False)
    return names, keys, is_date
