"""Once per server process (issue 11): the heap that every later collection would rescan.

Streamlit runs every session in one Python process. By the end of the first script run the
process has imported the app, Streamlit, pandas, plotly, fpdf2 and the policy: hundreds of
thousands of objects that live as long as the process. ``gc.freeze()`` moves them out of the
cyclic collector's generations, so its full collections, which stop every session while they
run, scan only what the sessions created since (objects are still freed by reference counting,
and anything created later is collected as before).
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_startup_heap() -> bool:
    """``gc.freeze()`` the first time it is called in this process; True when it froze."""
    global _frozen
    if _frozen:
        return False
    with _lock:
        if _frozen:
            return False
        gc.freeze()
        _frozen = True
        return True
