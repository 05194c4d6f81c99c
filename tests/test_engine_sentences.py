"""Every sentence a user reads comes from a catalogue (issue 24): the modules of MODULES write
no Chinese text of their own (their sentences and printed labels are core/messages/messages.toml's
``[store.*]``, ``[roster.*]`` and ``[certificate.*]``), and every key they ask for is there in
both languages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.certificate import content
from core.messages.catalogue import catalogue, text
from core.roster.store import ImportSuperseded

ROOT = Path(__file__).resolve().parent.parent
# The modules that take every sentence from messages.toml. (core/selfcheck/summary.py and
# calendar.py take their sentences from it too, but keep Chinese punctuation between values.)
MODULES = sorted((ROOT / "core" / "roster" / "store").glob("*.py")) + [
    ROOT / "core" / "certificate" / "content.py",
    ROOT / "core" / "roster" / "cage.py",
    ROOT / "core" / "roster" / "io.py",
    ROOT / "core" / "roster" / "result.py",
    ROOT / "core" / "roster" / "decode.py",
    ROOT / "core" / "roster" / "packed.py",
    ROOT / "core" / "certificate" / "tokens.py",
    ROOT / "core" / "certificate" / "photo.py",
    ROOT / "core" / "admin" / "accounts.py",
    ROOT / "core" / "admin" / "audit.py",
    ROOT / "core" / "admin" / "auth.py",
    ROOT / "core" / "accounts_cli.py",
    ROOT / "core" / "runtime" / "config.py",
    ROOT / "core" / "cli.py",
    ROOT / "core" / "admin" / "scope.py",
    ROOT / "core" / "roster" / "export.py",
    ROOT / "core" / "roster" / "headers.py",
    ROOT / "core" / "certificate" / "fonts.py",
    ROOT / "core" / "certificate" / "layout.py",
]
# CJK ideographs, CJK punctuation (、。「」…) and full-width forms (：，（）…)
CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def cjk_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string literal (f-string parts included) that holds a CJK
    character, docstrings and comments aside."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skip and CJK.search(node.value)]


def test_the_check_finds_a_sentence_written_in_the_code():
    source = '''"""模块说明：文档字符串不算。"""
# 注释也不算
def f(x):
    """函数说明。"""
    raise ValueError(f"名单列 {x} 的值无法保存：", "Column {x}")
LABEL = "有效期："
'''
    assert sorted({line for line, _ in cjk_literals(source)}) == [5, 6]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_chinese_sentence_is_written_in_the_module(path):
    found = cjk_literals(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: put these in messages.toml: {found}"


# store_error("key", …), read_error("key", …), photo_error("key", …), account_error("key", …),
# password_error("key", …), config_error("key", …) and text("certificate" | "store" | "roster"
# | "cli", "key", …) with literal keys
KEY_USE = re.compile(
    r"""(?:(store)_error\(\s*|(read)_error\(\s*|(photo)_error\(\s*|(account)_error\(\s*"""
    r"""|(password)_error\(\s*|(config)_error\(\s*"""
    r"""|text\(\s*"(store|certificate|roster|cli)",\s*)"([\w.]+)\"""")
GROUPS = {"store": ("store", ""), "read": ("roster", ""), "photo": ("certificate", "photo."),
          "account": ("accounts", ""), "password": ("auth", ""),
          "config": ("config", "")}


def used_keys() -> set[tuple[str, str]]:
    keys = set()
    for path in MODULES:
        for *helpers, group, key in KEY_USE.findall(path.read_text(encoding="utf-8")):
            helper = next((h for h in helpers if h), None)
            if helper:
                group, prefix = GROUPS[helper]
                key = prefix + key
            keys.add((group, key))
    return keys


def test_every_key_the_modules_use_is_in_the_catalogue_in_both_languages():
    keys = used_keys()
    assert ("store", "db_locked") in keys and ("certificate", "not_covered") in keys
    assert ("roster", "file_too_large.limit") in keys
    assert ("certificate", "photo.too_small") in keys and ("accounts", "unknown_login") in keys
    assert ("auth", "password_mismatch") in keys and ("cli", "cannot_write") in keys
    assert ("config", "secret_key_unreadable") in keys
    missing = []
    for group, key in sorted(keys):
        entry = catalogue()[group]
        for part in key.split("."):
            entry = entry.get(part, {})
        if not (entry.get("zh", "").strip() and entry.get("en", "").strip()):
            missing.append(f"{group}.{key}")
    assert not missing


def test_a_store_message_is_the_catalogue_entry_with_its_values():
    err = ImportSuperseded(12, 11)
    zh, en = text("store", "import_superseded", other="#11", snapshot_id=12)
    assert (err.code, err.message_zh, err.message_en) == ("import_superseded", zh, en)
    assert "#11" in err.message_zh and "#12" in err.message_en


def test_the_printed_text_is_the_catalogue_s():
    printed = catalogue()["certificate"]["printed"]
    assert content.TITLE == printed["title"] == "中华人民共和国一级建造师注册证书"
    assert content.LABELS[0] == "姓 名：" and len(content.LABELS) == 6
    assert set(printed["date_glyphs"]) <= set(content.STATIC_TEXT)


@pytest.mark.parametrize("code", ["cage_memory", "cage_timeout", "cage_crashed", "cage_output",
                                  "cage_busy"])
def test_a_cage_failure_is_the_catalogue_entry(code):
    from core.roster.cage import Limits, _cage_error

    err = _cage_error(code)
    zh, en = text("roster", code, mb=Limits().memory_bytes // 1024**3)
    assert (err.code, err.message_zh, err.message_en) == (code, zh, en)


@pytest.mark.parametrize("what", ["rows", "columns", "cells", "declared_area", "used_area"])
def test_a_read_limit_message_names_what_was_counted(what):
    from core.roster.result import _limit_error

    err = _limit_error("too_many_cells", what, 1_000_001, 1_000_000)
    what_zh, what_en = text("roster", f"limit_what.{what}")
    assert err.code == "too_many_cells"
    assert err.message_zh.startswith(f"{what_zh}超出上限：1,000,001 > 1,000,000")
    assert err.message_en.startswith(f"{what_en} over the limit: 1,000,001 > 1,000,000")


def test_every_answer_of_the_token_check_is_in_the_catalogue():
    """tokens._answer(code, key) reads ``[certificate.verify.<key or code>]``."""
    import inspect

    from core.certificate import tokens

    source = inspect.getsource(tokens)
    keys = {key or code for code, key in re.findall(
        r"""_answer\(\s*"(\w+)"(?:,\s*"([\w.]+)")?""", source)}
    assert {"ok", "empty", "malformed.too_long", "expired_hidden"} <= keys
    for key in keys:
        entry = catalogue()["certificate"]["verify"]
        for part in key.split("."):
            entry = entry[part]
        assert entry["zh"].strip() and entry["en"].strip(), key
