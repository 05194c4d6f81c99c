"""core/messages/errors.py: a user's problem as data (``Problem``), an error that is not one
field (``CodedError``) and every problem of a profile at once (``InvalidInput``, CONTRACT.md's
"Invalid input")."""

from __future__ import annotations

import json

import pytest

from core.messages.errors import CodedError, InvalidInput, Problem

P1 = Problem("specialties[0].valid_until", "invalid_date", "日期无效", "Not a date")
P2 = Problem("name", "required", "姓名为必填项", "Name is required")


def test_problem_as_dict_and_as_text():
    assert P1.as_dict() == {"field": "specialties[0].valid_until", "code": "invalid_date",
                            "message_zh": "日期无效", "message_en": "Not a date"}
    assert P1.as_text() == "specialties[0].valid_until: invalid_date (日期无效 / Not a date)"
    with pytest.raises(AttributeError):
        P1.code = "other"  # frozen: a problem is a value


def test_coded_error_keeps_code_and_both_messages():
    err = CodedError("bad_file", "文件无法读取", "The file cannot be read")
    assert err.as_dict() == {"code": "bad_file", "message_zh": "文件无法读取",
                             "message_en": "The file cannot be read"}
    assert str(err) == "文件无法读取 / The file cannot be read"

    class RosterLike(CodedError):
        pass

    with pytest.raises(CodedError) as caught:
        raise RosterLike("x", "甲", "A")
    assert caught.value.code == "x"


def test_invalid_input_holds_every_problem_in_order():
    err = InvalidInput([P1, P2])
    assert isinstance(err, ValueError)
    assert err.problems == [P1, P2]
    assert err.errors == [P1.as_dict(), P2.as_dict()]
    assert str(err) == "specialties[0].valid_until: invalid_date; name: required"
    assert json.loads(json.dumps(err.as_json())) == {"errors": [P1.as_dict(), P2.as_dict()]}


def test_invalid_input_copies_the_list_it_is_given():
    given = [P1]
    err = InvalidInput(given)
    given.append(P2)
    assert err.problems == [P1] and len(err.errors) == 1
