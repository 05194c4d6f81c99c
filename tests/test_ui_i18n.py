"""The UI string catalogue: every key the code uses exists, in both languages, with the same
placeholders; a missing key shows up as itself instead of crashing the page."""

from __future__ import annotations

import re
import string
from pathlib import Path

from ui import i18n

ROOT = Path(__file__).resolve().parent.parent
# t("key"), both("key"), text("key", …), i18n.t("key") with a literal key.
KEY_USE = re.compile(r"""(?<![\w.])(?:i18n\.)?(?:t|both|text)\(\s*f?["']([^"'{}]+)["']""")
# Keys built at run time, spelled out here so they are checked too.
DYNAMIC_KEYS = [f"lang.{code}" for code in i18n.LANGS]


def used_keys() -> set[str]:
    keys = set(DYNAMIC_KEYS)
    for folder in ("pages", "ui"):
        for path in (ROOT / folder).rglob("*.py"):
            keys.update(KEY_USE.findall(path.read_text(encoding="utf-8")))
    keys.update(KEY_USE.findall((ROOT / "streamlit_app.py").read_text(encoding="utf-8")))
    return keys


def placeholders(s: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}


def test_the_scan_finds_the_router_and_page_keys():
    keys = used_keys()
    assert {"nav.self_service", "page.admin.title", "sidebar.as_of_invalid_query"} <= keys


def test_every_used_key_exists_in_both_languages():
    catalogue = i18n.catalogue()
    missing = sorted(k for k in used_keys() if k not in catalogue)
    assert not missing, f"keys used in code but absent from assets/strings.toml: {missing}"


def entry_problems(key: str, entry) -> list[str]:
    """What is wrong with one catalogue entry (nothing when it is right)."""
    if not isinstance(entry, dict) or set(entry) != {"zh", "en"}:
        got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        return [f"{key}: expected exactly zh and en, got {got}"]
    out = [f"{key}.{lang} is empty" for lang in ("zh", "en")
           if not isinstance(entry[lang], str) or not entry[lang].strip()]
    if not out and placeholders(entry["zh"]) != placeholders(entry["en"]):
        out.append(f"{key}: placeholders differ, zh {sorted(placeholders(entry['zh']))} "
                   f"en {sorted(placeholders(entry['en']))}")
    return out


def test_every_entry_has_zh_and_en_with_the_same_placeholders():
    """One failure that names every bad key (not one test id per key)."""
    catalogue = i18n.catalogue()
    assert len(catalogue) > 100  # the whole catalogue was read
    bad = [p for key in sorted(catalogue) for p in entry_problems(key, catalogue[key])]
    assert not bad, f"{len(bad)} bad entries in assets/strings.toml:\n" + "\n".join(bad)


def test_the_entry_check_names_each_kind_of_problem():
    assert entry_problems("ok", {"zh": "{n} 个", "en": "{n} of them"}) == []
    assert entry_problems("a", {"zh": "只有中文"}) == ["a: expected exactly zh and en, got ['zh']"]
    assert entry_problems("b", {"zh": " ", "en": "x"}) == ["b.zh is empty"]
    assert entry_problems("c", {"zh": "{n} 个", "en": "{m}"}) == \
        ["c: placeholders differ, zh ['n'] en ['m']"]
    assert entry_problems("d", "text") == ["d: expected exactly zh and en, got str"]


def test_text_formats_and_a_missing_key_is_shown_as_itself():
    assert "2021-13-01" in i18n.text("sidebar.as_of_invalid_query", "en", value="2021-13-01")
    assert i18n.text("nav.admin", "zh") == "管理看板"
    assert i18n.text("no.such.key", "zh") == "no.such.key"


def test_both_gives_chinese_then_english():
    s = i18n.both("nav.admin")
    assert s.index("管理看板") < s.index("Admin dashboard")


def test_one_word_for_the_as_of_date():
    """Issue 15: the page called the same date 查询日期 and 基准日期; it is 基准日期 everywhere."""
    import tomllib

    from core.messages.catalogue import MESSAGES_FILE

    texts = [entry.get("zh", "") for entry in i18n.catalogue().values()]
    with open(MESSAGES_FILE, "rb") as f:
        texts += [str(v) for v in _leaves(tomllib.load(f))]
    assert not [x for x in texts if "查询日期" in x]
    assert "基准日期" in i18n.text("sidebar.as_of", "zh")


def _leaves(table):
    for value in table.values():
        if isinstance(value, dict):
            yield from _leaves(value)
        else:
            yield value
