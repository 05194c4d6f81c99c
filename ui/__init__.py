"""Streamlit-aware helpers shared by the pages (``core/`` never imports streamlit; ``ui/`` may).

- ``ui.state``   the two session-wide choices: ``lang()`` ("zh" | "en") and ``as_of()`` (a date)
- ``ui.i18n``    ``t(key, **fmt)``: a string of ``assets/strings.toml`` in the current language
- ``ui.sidebar`` the router's sidebar controls that set those two choices
- ``ui.routing`` keeps page runs behind the router (Streamlit's legacy ``pages/`` mode)
- ``ui.messages`` ``show_errors(errors)``: CONTRACT.md's invalid-input list, in the current language
"""

from ui import i18n, state

__all__ = ["i18n", "state"]
