"""The admin password: argon2id hashes, verification that never raises, and a login throttle.

CONTRACT.md "Configuration": ``ECERT_ADMIN_PASSWORD_HASH`` holds the hash of the admin password;
``python -m core hash-password`` makes one (core/cli.py calls :func:`hash_password_cli`).
The hash is argon2id in the PHC string form (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) made by
argon2-cffi's ``PasswordHasher`` with its default (RFC 9106 low-memory) parameters; the library
compares in constant time. Nothing here logs or prints a password or a hash.

:class:`Throttle` slows down guessing: after ``free_failures`` failed logins from one key (a
browser session or an address) each further failure doubles the wait, ``base`` seconds first,
capped at ``cap`` (defaults: 3 free, then 1, 2, 4, 8 … 60 s). A global counter over all keys
does the same with a larger allowance, so opening new sessions does not reset the wait. The
clock is injected (``now`` arguments, default ``time.monotonic()``), so tests need no sleeping.

Never imports streamlit.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError

from core.messages.errors import CodedError

__all__ = ["GLOBAL_KEY", "PasswordInputError", "Throttle", "hash_password", "hash_password_cli",
           "verify_password"]

_HASHER = PasswordHasher()
GLOBAL_KEY = "*"
MAX_PASSWORD_CHARS = 1024  # argon2 accepts more; a longer "password" is a mistake or an attack


class PasswordInputError(CodedError, ValueError):
    """The password given to :func:`hash_password_cli` cannot be used (bilingual, with a code)."""


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (a fresh random salt every call)."""
    if not isinstance(password, str) or password == "":
        raise PasswordInputError("empty_password", "口令不能为空。", "The password is empty.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordInputError(
            "password_too_long",
            f"口令过长（最多 {MAX_PASSWORD_CHARS} 个字符）。",
            f"The password is too long (at most {MAX_PASSWORD_CHARS} characters).",
        )
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str | None) -> bool:
    """True when ``password`` matches ``password_hash``; False otherwise, never an exception.

    A missing, empty or malformed hash (a configuration mistake) and a missing or over-long
    password are all False. The comparison inside argon2 is constant-time.
    """
    if not isinstance(password_hash, str) or not isinstance(password, str):
        return False
    if not password or len(password) > MAX_PASSWORD_CHARS:
        return False
    try:
        return _HASHER.verify(password_hash.strip(), password)
    except (Argon2Error, InvalidHashError, ValueError, TypeError):
        return False


def is_valid_hash(password_hash: str | None) -> bool:
    """Whether ``password_hash`` looks like an argon2 PHC string this module can verify."""
    if not isinstance(password_hash, str):
        return False
    try:
        from argon2 import extract_parameters

        extract_parameters(password_hash.strip())
        return True
    except (InvalidHashError, ValueError, TypeError):
        return False


def hash_password_cli(stdin: TextIO | None = None,
                      prompt: Callable[[str], str] | None = None) -> str:
    """The hash for ``python -m core hash-password``: the caller prints it, nothing else does.

    At a terminal the password is asked twice without echo (``getpass``) and must match; from a
    pipe (``echo -n secret | python -m core hash-password``) the first line is the password
    (its line ending removed). Raises :class:`PasswordInputError` on an empty or mismatched
    password.
    """
    stdin = sys.stdin if stdin is None else stdin
    interactive = prompt is not None or (hasattr(stdin, "isatty") and stdin.isatty())
    if interactive:
        if prompt is None:
            import getpass

            prompt = getpass.getpass
        first = prompt("管理员口令 / Admin password: ")
        second = prompt("再次输入 / Repeat: ")
        if first != second:
            raise PasswordInputError("password_mismatch", "两次输入的口令不一致。",
                                     "The two passwords differ.")
        password = first
    else:
        password = stdin.readline().rstrip("\r\n")
    return hash_password(password)


# ------------------------------------------------------------------------------ throttle
@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


class Throttle:
    """In-memory login throttle per key plus a global one (thread-safe).

    ``check(key, now)`` -> seconds still to wait before the next attempt from ``key`` (0.0: go
    ahead); ``record_failure(key, now)`` after a wrong password; ``record_success(key)`` after a
    right one (clears that key). The wait after ``n`` failures is
    ``0`` for ``n <= free_failures``, else ``min(cap, base * 2 ** (n - free_failures - 1))``,
    counted from the last failure. The global counter uses ``global_free_failures`` and is
    forgotten after ``global_window`` quiet seconds; per-key records after ``key_window``.
    """

    def __init__(self, *, free_failures: int = 3, base: float = 1.0, cap: float = 60.0,
                 global_free_failures: int = 20, key_window: float = 3600.0,
                 global_window: float = 900.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000):
        self.free_failures = int(free_failures)
        self.base = float(base)
        self.cap = float(cap)
        self.global_free_failures = int(global_free_failures)
        self.key_window = float(key_window)
        self.global_window = float(global_window)
        self.clock = clock
        self.max_keys = int(max_keys)
        self._keys: dict[str, _Record] = {}
        self._global = _Record()
        self._lock = threading.Lock()

    def delay(self, failures: int, free: int | None = None) -> float:
        """The wait after ``failures`` consecutive failures."""
        free = self.free_failures if free is None else free
        if failures <= free:
            return 0.0
        return min(self.cap, self.base * 2.0 ** min(failures - free - 1, 32))

    def _now(self, now: float | None) -> float:
        return self.clock() if now is None else float(now)

    def _expire(self, now: float) -> None:
        if self._global.failures and now - self._global.last > self.global_window:
            self._global = _Record()
        if len(self._keys) > self.max_keys:  # drop the stalest records first
            for k, _ in sorted(self._keys.items(), key=lambda kv: kv[1].last)[
                    : len(self._keys) - self.max_keys]:
                del self._keys[k]
        stale = [k for k, r in self._keys.items() if now - r.last > self.key_window]
        for k in stale:
            del self._keys[k]

    def check(self, key: str, now: float | None = None) -> float:
        """Seconds to wait before ``key`` may try again (0.0 when it may try now)."""
        now = self._now(now)
        with self._lock:
            self._expire(now)
            waits = [0.0]
            rec = self._keys.get(key)
            if rec is not None:
                waits.append(self.delay(rec.failures) - (now - rec.last))
            g = self._global
            waits.append(self.delay(g.failures, self.global_free_failures) - (now - g.last))
            return max(0.0, *waits)

    def record_failure(self, key: str, now: float | None = None) -> float:
        """Count a failed attempt of ``key``; returns the wait it now faces."""
        now = self._now(now)
        with self._lock:
            self._expire(now)
            rec = self._keys.setdefault(key, _Record())
            rec.failures += 1
            rec.last = now
            self._global.failures += 1
            self._global.last = now
        return self.check(key, now)

    def record_success(self, key: str) -> None:
        """A right password from ``key``: its failures are forgotten (the global count stays
        until it expires, so one known account cannot unlock guessing from elsewhere)."""
        with self._lock:
            self._keys.pop(key, None)

    def failures(self, key: str) -> int:
        with self._lock:
            rec = self._keys.get(key)
            return rec.failures if rec else 0
