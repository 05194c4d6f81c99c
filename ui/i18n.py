"""The UI string catalogue ``assets/strings.toml``: ``t(key, **fmt)`` in the current language.

    from ui.i18n import t
    st.title(t("page.admin.title"))
    st.write(t("sidebar.as_of_invalid_query", value="2021-13-01"))   # str.format placeholders

Keys are the dotted TOML table names of the catalogue (see the comment at its top). A key that is
missing comes back as the key itself, so the gap is visible on the page; tests/test_ui_i18n.py
checks that every literal key used in ``pages/`` and ``ui/`` exists in both languages.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from ui import state

CATALOGUE = Path(__file__).resolve().parent.parent / "assets" / "strings.toml"
LANGS = state.LANGS

log = logging.getLogger(__name__)


def load_catalogue(path: Path = CATALOGUE) -> dict[str, dict[str, str]]:
    """Flatten the TOML file into ``{"dotted.key": {"zh": …, "en": …}}``.

    A table whose entries are all plain values (``zh``, ``en``) is a string; a table holding
    tables only groups keys.
    """
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, table: Mapping) -> None:
        if not any(isinstance(value, Mapping) for value in table.values()):
            flat[prefix] = dict(table)
            return
        for name, value in table.items():
            if isinstance(value, Mapping):
                walk(f"{prefix}.{name}" if prefix else name, value)

    walk("", raw)
    return flat


@cache
def catalogue(path: Path = CATALOGUE) -> dict[str, dict[str, str]]:
    """The catalogue, read once per process: an edited catalogue takes a restart, like edited
    code (the server watches no files). Checking the file's time on every string cost 12 % of
    the server's CPU under load (py-spy, docs/BENCHMARKS.md)."""
    return load_catalogue(path)


def text(key: str, lang: str, **fmt: object) -> str:
    """The string ``key`` in ``lang`` (no Streamlit needed); the key itself when missing."""
    entry = catalogue().get(key)
    value = entry.get(lang) if entry else None
    if not isinstance(value, str):
        log.warning("missing UI string %r (%s)", key, lang)
        return key
    return value.format(**fmt) if fmt else value


def t(key: str, **fmt: object) -> str:
    """The string ``key`` in the session's language (``ui.state.lang()``)."""
    return text(key, state.lang(), **fmt)


def both(key: str, **fmt: object) -> str:
    """Chinese, then English, as two Markdown paragraphs (for messages shown before a language
    was chosen, such as a bad link)."""
    return "\n\n".join(text(key, lang, **fmt) for lang in LANGS)


def pick(obj: Mapping, stem: str) -> str | None:
    """``obj[stem + "_zh"]`` or ``obj[stem + "_en"]`` by the session's language, for core's
    bilingual fields (``message_zh``/``message_en``, ``note_zh``/``note_en``)."""
    return obj.get(f"{stem}_{state.lang()}")
