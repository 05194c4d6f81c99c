"""ecert-desk's engine: 建办市〔2021〕25号 as explainable rules. Never imports streamlit.

Public surface (CONTRACT.md, "Python"): ``assess``, ``assess_roster``, ``lapse_counts``,
``InvalidInput``.
"""

from core.messages.errors import InvalidInput

__all__ = ["InvalidInput", "assess", "assess_roster", "lapse_counts"]


def __getattr__(name):  # lazy: importing core stays cheap for pages that need only a part
    if name == "assess":
        from core.rules.assessment import assess

        return assess
    if name in ("assess_roster", "lapse_counts"):
        from core.rules import roster as bulk

        return getattr(bulk, name)
    raise AttributeError(name)
