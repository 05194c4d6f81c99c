"""Text helpers every page uses: user text made inert for Markdown, and a core error's two
messages in the session's language order."""

from __future__ import annotations

import html

from ui import state


def esc(text: object) -> str:
    """User-influenced text, safe inside Markdown (no markup, no HTML)."""
    s = html.escape(str(text), quote=False)
    for ch in "\\`*_[]{}()#+-.!|~>$:":
        s = s.replace(ch, "\\" + ch)
    return s


def bilingual(exc) -> str:
    """A core error's two messages, the session's language first."""
    zh, en = getattr(exc, "message_zh", str(exc)), getattr(exc, "message_en", str(exc))
    return f"{en}\n\n{zh}" if state.lang() == "en" else f"{zh}\n\n{en}"
