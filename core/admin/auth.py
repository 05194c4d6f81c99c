"""The admin password: argon2id hashes, verification that never raises, and a login throttle.

CONTRACT.md "Configuration": ``ECERT_ADMIN_PASSWORD_HASH`` holds the hash of the admin password;
``python -m core hash-password`` makes one (core/cli.py calls :func:`hash_password_cli`).
The hash is argon2id in the PHC string form (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) made by
argon2-cffi's ``PasswordHasher`` with its default (RFC 9106 low-memory) parameters; the library
compares in constant time. Nothing here logs or prints a password or a hash.

:class:`check_slot` caps concurrent argon2 checks (each takes ~64 MiB and a good part of a
core), process-wide. The login throttle itself counts failures in the roster database, shared by
every replica (core/admin/accounts.py ``LoginThrottle``).

Never imports streamlit.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TextIO

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError

from core.messages.catalogue import catalogue, coded_error
from core.messages.errors import CodedError

__all__ = ["MAX_CONCURRENT_CHECKS", "PasswordInputError", "check_slot", "hash_password",
           "hash_password_cli", "read_password_cli", "verify_password"]

_HASHER = PasswordHasher()
MAX_PASSWORD_CHARS = 1024  # argon2 accepts more; a longer "password" is a mistake or an attack
PROMPTS = catalogue()["auth"]["prompt"]  # what the command line asks


class PasswordInputError(CodedError, ValueError):
    """The password given to :func:`hash_password_cli` cannot be used (bilingual, with a code)."""


def password_error(key: str, /, **values) -> PasswordInputError:
    """The PasswordInputError of messages.toml ``[auth.<key>]``."""
    return coded_error(PasswordInputError, "auth", key, **values)


def _checked(password: str) -> str:
    """``password`` when it may be hashed: not empty, at most MAX_PASSWORD_CHARS characters."""
    if password == "":
        raise password_error("empty_password")
    if len(password) > MAX_PASSWORD_CHARS:
        raise password_error("password_too_long", max_chars=MAX_PASSWORD_CHARS)
    return password


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (a fresh random salt every call)."""
    return _HASHER.hash(_checked(password if isinstance(password, str) else ""))


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


def read_password_cli(stdin: TextIO | None = None, label: str = PROMPTS["password"],
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
        second = prompt(PROMPTS["repeat"])
        if first != second:
            raise password_error("password_mismatch")
        password = first
    else:
        password = stdin.readline().rstrip("\r\n")
    return _checked(password)


def hash_password_cli(stdin: TextIO | None = None,
                      prompt: Callable[[str], str] | None = None) -> str:
    """The hash for ``python -m core hash-password``: the caller prints it, nothing else does
    (the password as :func:`read_password_cli` reads it)."""
    return hash_password(read_password_cli(stdin, prompt=prompt))


# ------------------------------------------------------------------------------ process-wide
#: At most this many argon2 checks at once (each takes ~64 MiB and ~50 ms of a core); a login
#: that finds them all busy is told to try again instead of queueing.
MAX_CONCURRENT_CHECKS = 2
_CHECKS = threading.BoundedSemaphore(MAX_CONCURRENT_CHECKS)
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
