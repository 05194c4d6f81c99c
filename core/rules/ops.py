"""The few operations a rule needs beyond Python's operators, for both kinds of input.

Every rule and check is written once and runs on either kind: numpy arrays, one element per row
(a roster, or any batch), or plain Python scalars, one row at a time (the few specialties of one
profile). Comparisons and ``& | + -`` already work on both; these cover the rest (``~`` turns a
Python ``True`` into ``-2``, so the rules write ``not_``). Why two kinds: numpy's set-up per
call costs 0.3–1 µs, ten to fifty times what one Python operation on a scalar costs, and one
profile's answer is a few hundred such operations (measured: docs/BENCHMARKS.md, issue 9).

A scalar condition is a Python (or numpy) bool; anything else goes to numpy. The equivalence
tests (tests/test_rules_roster.py) pit a profile, run as scalars, against the same rows run
as a roster, as arrays.
"""

from __future__ import annotations

import numpy as np

_SCALAR_BOOLS = (bool, np.bool_)


def where(cond, a, b):
    """``np.where`` for arrays; ``a if cond else b`` for a scalar condition."""
    if cond.__class__ in _SCALAR_BOOLS:
        return a if cond else b
    return np.where(cond, a, b)


def not_(mask):
    """Logical not of a mask (``~`` for arrays, ``not`` for a scalar)."""
    if mask.__class__ in _SCALAR_BOOLS:
        return not mask
    return ~mask


def minimum(a, b):
    """Elementwise minimum (``np.minimum``; ``min`` for two scalars)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.minimum(a, b)
    return min(a, b)


def maximum(a, b):
    """Elementwise maximum (``np.maximum``; ``max`` for two scalars)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.maximum(a, b)
    return max(a, b)


def any_(mask) -> bool:
    """True when any element holds (a scalar: itself)."""
    if mask.__class__ in _SCALAR_BOOLS:
        return bool(mask)
    return bool(np.asarray(mask).any())


def first_match(conditions, choices, default):
    """``np.select``: the first condition that holds picks its choice, else ``default``.
    Written as nested ``where`` (np.select's own set-up costs more than the work on a few rows;
    on scalars it is a chain of ``if``)."""
    for c in conditions:
        if c.__class__ not in _SCALAR_BOOLS:
            break
    else:  # every condition a scalar
        for cond, choice in zip(conditions, choices, strict=True):
            if cond:
                return choice
        return default
    out = default
    for cond, choice in zip(reversed(conditions), reversed(choices), strict=True):
        out = np.where(cond, choice, out)
    return np.asarray(out)
