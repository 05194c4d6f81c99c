"""Text helpers every page uses: outside text made inert for Markdown (``esc``), and a core
error's two messages in the session's language order (``bilingual``, escaped too).

``esc(value)``: values from the address (``?as_of=``, ``?scenario=``, ``?token=``), from a file
(sheet and file names, cells, a reader's message quoting them) or from a form reach
``st.markdown``, ``st.error`` … as text, never as markup (issue 12):

* ``<``, ``>``, ``&`` become HTML entities (no tag, no entity of the sender's choosing);
* every other ASCII punctuation character is backslash-escaped (no emphasis, heading, list,
  quote, table, code, link, image, directive ``:red[…]``, math ``$…$``);
* the patterns Streamlit's Markdown turns into links or emoji AFTER parsing (GFM autolink
  literals ``www.x``, ``http://x``, ``a@b.c``, and ``:shortcode:``) are broken with an
  invisible WORD JOINER (U+2060) after every ``:``, between ``www`` and its dot, and around
  ``@``; the text looks the same, but no link is made and the browser fetches nothing.

tests/security/test_markup_payloads.py renders a catalogue of payloads through every place that
shows such a value, in a real browser, and checks that no request left 127.0.0.1 and no link or
image was made.
"""

from __future__ import annotations

import html
import re

from ui import state

JOINER = "\u2060"
_PUNCTUATION = "\\!\"#$%'()*+,-./:<=>?@[]^_`{|}~"  # & and ; stay: they spell the entities
_ESCAPE = str.maketrans({c: "\\" + c for c in _PUNCTUATION if c not in "<>"})
_WWW = re.compile(r"(www)(?=\\\.)", re.IGNORECASE)


def esc(text: object) -> str:
    """Outside text, safe inside Markdown (see the module docstring)."""
    s = html.escape(str(text), quote=False)  # & < > first: entities are the only markup left
    s = s.translate(_ESCAPE)
    s = s.replace("\\:", "\\:" + JOINER)
    s = s.replace("\\@", JOINER + "\\@" + JOINER)
    return _WWW.sub(r"\1" + JOINER, s)


def bilingual(exc) -> str:
    """A core error's two messages, the session's language first, escaped (a message can quote
    a file's name or content)."""
    zh = esc(getattr(exc, "message_zh", str(exc)))
    en = esc(getattr(exc, "message_en", str(exc)))
    return f"{en}\n\n{zh}" if state.lang() == "en" else f"{zh}\n\n{en}"
