"""core/admin/auth.py: argon2id hashes, verification that never raises, the login throttle."""

from __future__ import annotations

import io

import pytest

from core.admin import auth
from core.admin.auth import (
    PasswordInputError,
    hash_password,
    hash_password_cli,
    verify_password,
)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse 电池 staple")


def test_hash_is_argon2id_salted_and_not_the_password(stored):
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert hash_password("correct horse 电池 staple") != stored  # fresh salt every time
    assert auth.is_valid_hash(stored)


def test_right_password_verifies_and_wrong_ones_do_not(stored):
    assert verify_password(stored, "correct horse 电池 staple") is True
    for wrong in ("correct horse 电池 staplE", "correct horse 电池 staple ", "x", "电池"):
        assert verify_password(stored, wrong) is False


def test_surrounding_whitespace_of_the_configured_hash_is_ignored(stored):
    assert verify_password(f"  {stored}\n", "correct horse 电池 staple") is True


@pytest.mark.parametrize("bad_hash", [None, "", "   ", "plaintext", "$argon2id$v=19$garbage",
                                      "$2b$12$abcdefghijklmnopqrstuv", 42, b"bytes"])
def test_a_malformed_hash_is_false_never_an_exception(bad_hash):
    assert verify_password(bad_hash, "anything") is False
    assert auth.is_valid_hash(bad_hash) is False


@pytest.mark.parametrize("bad_password", [None, "", 5, "x" * (auth.MAX_PASSWORD_CHARS + 1)])
def test_a_missing_or_absurd_password_is_false(stored, bad_password):
    assert verify_password(stored, bad_password) is False


def test_hash_password_refuses_an_empty_password():
    with pytest.raises(PasswordInputError) as e:
        hash_password("")
    assert e.value.code == "empty_password" and e.value.message_zh and e.value.message_en


def test_cli_reads_the_first_line_of_a_pipe():
    h = hash_password_cli(io.StringIO("s3cret 口令\nignored\n"))
    assert verify_password(h, "s3cret 口令")
    assert not verify_password(h, "s3cret 口令\n")


def test_cli_asks_twice_at_a_terminal_and_refuses_a_mismatch():
    answers = iter(["pw-1", "pw-1"])
    h = hash_password_cli(io.StringIO(""), prompt=lambda _msg: next(answers))
    assert verify_password(h, "pw-1")
    answers = iter(["pw-1", "pw-2"])
    with pytest.raises(PasswordInputError) as e:
        hash_password_cli(io.StringIO(""), prompt=lambda _msg: next(answers))
    assert e.value.code == "password_mismatch"


def test_cli_refuses_an_empty_pipe():
    with pytest.raises(PasswordInputError):
        hash_password_cli(io.StringIO("\n"))


def test_cli_prints_nothing(capsys):
    hash_password_cli(io.StringIO("pw\n"))
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


# -- throttle ----------------------------------------------------------------------------------


def test_a_known_client_gets_the_one_spare_check_slot():
    taken = [auth.check_slot() for _ in range(auth.MAX_CONCURRENT_CHECKS)]
    try:
        assert all(slot.__enter__() for slot in taken)
        with auth.check_slot() as free:
            assert not free  # a new client: busy, try again
        with auth.check_slot(known=True) as free:
            assert free  # the address the account logged in from before
            with auth.check_slot(known=True) as second:
                assert not second  # one spare slot only
    finally:
        for slot in taken:
            slot.__exit__(None, None, None)
