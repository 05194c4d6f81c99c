"""core/admin/auth.py: argon2id hashes, verification that never raises, the login throttle."""

from __future__ import annotations

import io

import pytest

from core.admin import auth
from core.admin.auth import (
    PasswordInputError,
    Throttle,
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
def test_delays_grow_0_0_0_1_2_4_8_and_stop_at_the_cap():
    th = Throttle()
    assert [th.delay(n) for n in range(1, 12)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_the_wait_counts_from_the_last_failure_with_an_injected_clock():
    th = Throttle()
    for _ in range(3):
        assert th.record_failure("s1", now=100.0) == 0.0
    assert th.check("s1", now=100.0) == 0.0
    assert th.record_failure("s1", now=100.0) == 1.0  # 4th failure
    assert th.check("s1", now=100.5) == pytest.approx(0.5)
    assert th.check("s1", now=101.0) == 0.0
    th.record_failure("s1", now=101.0)  # 5th: 2 s
    assert th.check("s1", now=102.0) == pytest.approx(1.0)
    assert th.check("other", now=102.0) == 0.0  # per key


def test_success_clears_the_key():
    th = Throttle()
    for i in range(6):
        th.record_failure("s1", now=float(i))
    assert th.check("s1", now=6.0) > 0
    th.record_success("s1")
    assert th.check("s1", now=6.0) == 0.0
    assert th.failures("s1") == 0


def test_the_global_counter_catches_many_keys():
    th = Throttle(global_free_failures=5)
    for i in range(6):  # one failure each from six "sessions"
        th.record_failure(f"session-{i}", now=10.0)
    assert th.check("fresh-session", now=10.0) == 1.0
    assert th.check("fresh-session", now=11.0) == 0.0


def test_records_expire_after_their_window():
    th = Throttle(key_window=100.0, global_window=50.0)
    for _ in range(8):
        th.record_failure("s1", now=0.0)
    assert th.check("s1", now=10.0) == 6.0  # 8 failures: 16 s from the last one
    assert th.check("s1", now=101.0) == 0.0
    assert th.failures("s1") == 0


def test_the_default_clock_is_used_without_now():
    t = [1000.0]
    th = Throttle(clock=lambda: t[0])
    for _ in range(4):
        th.record_failure("k")
    assert th.check("k") == 1.0
    t[0] += 1
    assert th.check("k") == 0.0
