"""The admin password: argon2id hashes, verification that never raises, and a login throttle.

CONTRACT.md "Configuration": ``ECERT_ADMIN_PASSWORD_HASH`` holds the hash of the admin password;
``python -m core hash-password`` makes one (core/cli.py calls :func:`hash_password_cli`).
The hash is argon2id in the PHC string form (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) made by
argon2-cffi's ``PasswordHasher`` with its default (RFC 9106 low-memory) parameters; the library
compares in constant time. Nothing here logs or prints a password or a hash.

:class:`Throttle` slows down guessing: after ``free_failures`` failed logins from one client
each further failure doubles the wait, ``base`` seconds first, capped at ``cap`` (defaults: 3
free, then 1, 2, 4, 8 … 60 s); checking and counting are one atomic step (:meth:`Throttle.begin`).
A global counter over all clients does the same with a larger allowance, except for clients
that logged in successfully before, so rotating addresses neither resets the wait nor locks
the admin out. :func:`process_throttle` is the process's one instance (outside Streamlit's
caches); :class:`check_slot` caps concurrent argon2 checks. The clock is injected (``now``
arguments, default ``time.monotonic()``), so tests need no sleeping.

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

__all__ = ["GLOBAL_KEY", "MAX_CONCURRENT_CHECKS", "PasswordInputError", "Throttle", "attempt",
           "check_slot", "hash_password", "hash_password_cli", "process_throttle",
           "read_password_cli", "reset_process_throttle", "verify_password"]

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


def read_password_cli(stdin: TextIO | None = None, label: str = "管理员口令 / Admin password: ",
                      prompt: Callable[[str], str] | None = None) -> str:
    """A password for the command line: at a terminal asked twice without echo (``getpass``)
    and must match; from a pipe the first line (its line ending removed). Raises
    :class:`PasswordInputError` on an empty, over-long or mismatched password."""
    stdin = sys.stdin if stdin is None else stdin
    interactive = prompt is not None or (hasattr(stdin, "isatty") and stdin.isatty())
    if interactive:
        if prompt is None:
            import getpass

            prompt = getpass.getpass
        first = prompt(label)
        second = prompt("再次输入 / Repeat: ")
        if first != second:
            raise PasswordInputError("password_mismatch", "两次输入的口令不一致。",
                                     "The two passwords differ.")
        password = first
    else:
        password = stdin.readline().rstrip("\r\n")
    if password == "":
        raise PasswordInputError("empty_password", "口令不能为空。", "The password is empty.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise PasswordInputError(
            "password_too_long",
            f"口令过长（最多 {MAX_PASSWORD_CHARS} 个字符）。",
            f"The password is too long (at most {MAX_PASSWORD_CHARS} characters).",
        )
    return password


def hash_password_cli(stdin: TextIO | None = None,
                      prompt: Callable[[str], str] | None = None) -> str:
    """The hash for ``python -m core hash-password``: the caller prints it, nothing else does
    (the password as :func:`read_password_cli` reads it)."""
    return hash_password(read_password_cli(stdin, prompt=prompt))


# ------------------------------------------------------------------------------ throttle
@dataclass
class _Record:
    failures: int = 0
    last: float = 0.0


class Throttle:
    """Login throttle per client key (thread-safe), plus a global count that never applies to
    a client that has logged in successfully before.

    ``begin(key, now)`` is the atomic check-and-count a login uses: under the lock it either
    returns the seconds ``key`` must still wait (nothing counted), or 0.0 after counting the
    attempt as a failure in advance, so simultaneous submissions each see the others;
    ``record_success(key)`` then takes that count back. ``check``/``record_failure`` are the
    same steps apart. The wait after ``n`` failures is ``0`` for ``n <= free_failures``, else
    ``min(cap, base * 2 ** (n - free_failures - 1))``, counted from the last failure.

    The key is the client (its address, see ui/admin_auth.py), never the account: failures from
    one client never lock another out. The global count (over all keys, forgotten after
    ``global_window`` quiet seconds) slows an attacker who rotates addresses to one guess per
    ``global_cap`` seconds (5), but never more than that for anyone, and a key that logged in
    successfully within ``trusted_window`` is exempt from it: rotating addresses cannot lock
    the real admin out. Per-key records go after ``key_window``.
    """

    def __init__(self, *, free_failures: int = 3, base: float = 1.0, cap: float = 60.0,
                 global_free_failures: int = 20, global_cap: float = 5.0,
                 key_window: float = 3600.0, global_window: float = 900.0,
                 trusted_window: float = 30 * 86400.0,
                 clock: Callable[[], float] = time.monotonic, max_keys: int = 10_000):
        self.free_failures = int(free_failures)
        self.base = float(base)
        self.cap = float(cap)
        self.global_free_failures = int(global_free_failures)
        self.global_cap = float(global_cap)
        self.key_window = float(key_window)
        self.global_window = float(global_window)
        self.trusted_window = float(trusted_window)
        self.clock = clock
        self.max_keys = int(max_keys)
        self._keys: dict[str, _Record] = {}
        self._trusted: dict[str, float] = {}
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
        for table in (self._keys, self._trusted):
            if len(table) > self.max_keys:  # drop the stalest records first
                def stamp(kv):
                    return kv[1].last if isinstance(kv[1], _Record) else kv[1]
                for k, _ in sorted(table.items(), key=stamp)[: len(table) - self.max_keys]:
                    del table[k]
        for k in [k for k, r in self._keys.items() if now - r.last > self.key_window]:
            del self._keys[k]
        for k in [k for k, t in self._trusted.items() if now - t > self.trusted_window]:
            del self._trusted[k]

    def _wait(self, key: str, now: float) -> float:
        waits = [0.0]
        rec = self._keys.get(key)
        if rec is not None:
            waits.append(self.delay(rec.failures) - (now - rec.last))
        if key not in self._trusted:
            g = self._global
            gwait = min(self.global_cap, self.delay(g.failures, self.global_free_failures))
            waits.append(gwait - (now - g.last))
        return max(0.0, *waits)

    def _count(self, key: str, now: float) -> None:
        rec = self._keys.setdefault(key, _Record())
        rec.failures += 1
        rec.last = now
        self._global.failures += 1
        self._global.last = now

    def check(self, key: str, now: float | None = None) -> float:
        """Seconds to wait before ``key`` may try again (0.0 when it may try now)."""
        now = self._now(now)
        with self._lock:
            self._expire(now)
            return self._wait(key, now)

    def begin(self, key: str, now: float | None = None) -> float:
        """Atomic check-and-count: the wait (> 0, nothing counted), or 0.0 with this attempt
        already counted as a failure (take it back with :meth:`record_success`)."""
        now = self._now(now)
        with self._lock:
            self._expire(now)
            wait = self._wait(key, now)
            if wait > 0:
                return wait
            self._count(key, now)
            return 0.0

    def failed(self, key: str, now: float | None = None) -> float:
        """The attempt :meth:`begin` counted was wrong: its wait runs from now (the check
        itself took time); returns that wait."""
        now = self._now(now)
        with self._lock:
            rec = self._keys.setdefault(key, _Record(failures=1))
            rec.last = now
            self._global.last = now
            return self._wait(key, now)

    def record_failure(self, key: str, now: float | None = None) -> float:
        """Count a failed attempt of ``key``; returns the wait it now faces."""
        now = self._now(now)
        with self._lock:
            self._expire(now)
            self._count(key, now)
            return self._wait(key, now)

    def record_success(self, key: str, now: float | None = None, *,
                       counted: bool = False) -> None:
        """A right password from ``key``: its failures are forgotten and it is trusted (exempt
        from the global count). ``counted``: the attempt was counted by :meth:`begin`, so it is
        taken off the global count again."""
        now = self._now(now)
        with self._lock:
            self._keys.pop(key, None)
            self._trusted[key] = now
            if counted and self._global.failures:
                self._global.failures -= 1

    def failures(self, key: str) -> int:
        with self._lock:
            rec = self._keys.get(key)
            return rec.failures if rec else 0


# ------------------------------------------------------------------------------ process-wide
#: At most this many argon2 checks at once (each takes ~64 MiB and ~50 ms of a core); a login
#: that finds them all busy is told to try again instead of queueing.
MAX_CONCURRENT_CHECKS = 2
_CHECKS = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)
_process_lock = threading.Lock()
_process_throttle: Throttle | None = None


def process_throttle() -> Throttle:
    """The one login throttle of this process: a module global, so nothing a client can send
    (Streamlit's ``clear_cache`` empties only ``st.cache_*``) resets it."""
    global _process_throttle
    with _process_lock:
        if _process_throttle is None:
            _process_throttle = Throttle()
        return _process_throttle


def reset_process_throttle() -> None:
    """Forget every record (tests; a restart does the same)."""
    global _process_throttle
    with _process_lock:
        _process_throttle = None


#: One more check slot, only for a client that logged in to the account before (its known
#: address, core/admin/accounts.py): a flood of guesses from new addresses cannot keep the
#: real admin's usual address waiting for a slot.
_KNOWN_CHECKS = threading.BoundedSemaphore(1)


class check_slot:  # noqa: N801 - used as ``with check_slot() as free:``
    """One of the MAX_CONCURRENT_CHECKS password-check slots, taken without waiting:
    ``with check_slot() as free: if not free: <busy>``. ``known``: the client logged in to
    this account before, and may also take the one slot kept for such clients."""

    def __init__(self, known: bool = False) -> None:
        self.known = known

    def __enter__(self) -> bool:
        self._got = None
        if _CHECKS.acquire(blocking=False):
            self._got = _CHECKS
        elif self.known and _KNOWN_CHECKS.acquire(blocking=False):
            self._got = _KNOWN_CHECKS
        return self._got is not None

    def __exit__(self, *exc) -> None:
        if self._got is not None:
            self._got.release()


def attempt(key: str, password_hash: str | None, password: str | None,
            gate: Throttle | None = None,
            verify: Callable[[str | None, str | None], bool] | None = None) -> tuple[str, float]:
    """One login attempt of client ``key``: ``("ok", 0)``, ``("wrong", wait)``,
    ``("wait", wait)`` (refused unchecked) or ``("busy", 0)`` (all check slots taken: try again).
    Check-and-count is atomic (:meth:`Throttle.begin`) and at most MAX_CONCURRENT_CHECKS
    argon2 checks run at once, so 100 simultaneous submissions cost a handful of checks."""
    gate = gate or process_throttle()
    verify = verify or verify_password
    with check_slot() as free:
        if not free:
            return "busy", 0.0
        wait = gate.begin(key)
        if wait > 0:
            return "wait", wait
        if verify(password_hash, password):
            gate.record_success(key, counted=True)
            return "ok", 0.0
    return "wrong", gate.failed(key)
