"""core/messages/catalogue.py: the engine's sentences from core/messages/messages.toml, in
Chinese and English, with the English twins of names (labels, specialties, provinces) filled in.
The sentences themselves are checked by subject (tests/test_answer_texts.py,
tests/test_engine_sentences.py); these tests hold the lookup and the filling."""

from __future__ import annotations

import pytest

from core.messages.catalogue import catalogue, coded, label, problem, text
from core.messages.errors import Problem


def _entry(group: str, *path: str) -> dict:
    entry = catalogue()[group]
    for part in path:
        entry = entry[part]
    return entry


def test_text_formats_both_languages_of_the_entry():
    entry = _entry("errors", "date_order")
    zh, en = text("errors", "date_order", label="valid_until", other_label="valid_from",
                  value="2020-01-01", other="2021-01-01")
    assert zh == entry["zh"].format(label=label("valid_until")[0],
                                    other_label=label("valid_from")[0], value="2020-01-01",
                                    other="2021-01-01")
    assert en == entry["en"].format(label_en=label("valid_until")[1],
                                    other_label_en=label("valid_from")[1],
                                    value="2020-01-01", other="2021-01-01")
    assert "2020-01-01" in zh and "2021-01-01" in en


def test_a_dotted_code_reaches_a_nested_entry():
    assert text("summary", "status.valid") == (_entry("summary", "status", "valid")["zh"],
                                               _entry("summary", "status", "valid")["en"])


def test_an_unknown_code_is_a_key_error_and_a_missing_value_too():
    with pytest.raises(KeyError):
        text("errors", "no_such_code")
    with pytest.raises(KeyError):
        text("errors", "date_order", label="name")  # other_label, value, other missing


def test_label_gives_both_names_and_an_unknown_field_itself():
    assert label("name") == tuple(catalogue()["labels"]["name"])
    zh, en = label("birth_date")
    assert zh != en and any("\u4e00" <= c <= "\u9fff" for c in zh)
    assert label("no_such_field") == ("no_such_field", "no_such_field")


def test_specialty_and_province_get_their_english_names():
    zh, en = text("warnings", "number_province_mismatch", char="京", number_province="北京",
                  province="广东")
    assert "北京" in zh and "广东" in zh
    assert "Beijing" in en and "Guangdong" in en and "北京" not in en
    # no province (the military's numbers) reads as "the military"; an unknown name stays
    _, en = text("warnings", "number_province_mismatch", char="X", number_province=None,
                 province="某省")
    assert "the military" in en and "某省" in en
    values = {"downloaded_on": "2024-01-01", "approved_on": "2024-02-01"}
    _, en = text("warnings", "certificate_outdated", specialty="建筑工程", **values)
    assert "Building construction" in en and "建筑工程" not in en
    # a twin given by the caller is kept
    _, en = text("warnings", "certificate_outdated", specialty="建筑工程",
                 specialty_en="Given", **values)
    assert "Given" in en


def test_problem_takes_its_label_from_the_json_path():
    p = problem("specialties[0].valid_until", "required")
    assert isinstance(p, Problem)
    assert (p.field, p.code) == ("specialties[0].valid_until", "required")
    assert (p.message_zh, p.message_en) == text("errors", "required", label="valid_until")
    p = problem("specialties[2]", "required")  # the index is not part of the label
    assert (p.message_zh, p.message_en) == text("errors", "required", label="specialties")
    p = problem("x", "required", label="name")  # a label given wins
    assert p.message_en == text("errors", "required", label="name")[1]


def test_coded_has_the_contract_shape_and_names_the_specialty():
    values = {"downloaded_on": "2024-01-01", "approved_on": "2024-02-01"}
    out = coded("warnings", "certificate_outdated", specialty="建筑工程", **values)
    zh, en = text("warnings", "certificate_outdated", specialty="建筑工程", **values)
    assert out == {"code": "certificate_outdated", "message_zh": zh, "message_en": en,
                   "specialty": "建筑工程"}
    assert set(coded("summary", "status.valid")) == {"code", "message_zh", "message_en"}
