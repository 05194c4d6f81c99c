"""Once per server process (issue 11): how the process holds its memory.

Streamlit runs every session in one Python process.

``freeze_startup_heap()``: by the end of the first script run the process has imported the app,
Streamlit, pandas, plotly, fpdf2 and the policy: hundreds of thousands of objects that live as
long as the process. ``gc.freeze()`` moves them out of the cyclic collector's generations, so
its full collections, which stop every session while they run, scan only what the sessions
created since (objects are still freed by reference counting, and anything created later is
collected as before).

``fewer_full_collections()``: Python starts a full collection (generation 2) after every
:data:`FULL_AFTER` collections of generation 1 (default 10) while enough objects have piled up
there. A full collection scans every object the sessions keep and stops all of them while it
runs: with 100 simulated constructors each took 110-180 ms, and there were 26 in 2 minutes. After
100 collections of generation 1 there were 3-5 in the same load, each as long, and no more memory
(RSS 345-349 MiB either way; scripts/load.py --sessions 100, docs/BENCHMARKS.md, "The 100
constructors' pauses"). Generations 0 and 1 are unchanged.

``small_pages()``: numpy asks the kernel for transparent huge pages (``madvise``) for every
array of 4 MiB or more. The admin page's first render at 1,000,000 rows makes a few hundred MB
of such arrays, and on the virtual machine it was measured on a fresh 2 MiB page cost far more
than the 4 KiB pages the same array touches: with huge pages that render took 2.0-2.6 s, 1.1-1.8
s of it system time varying run to run, without them 1.5-1.8 s with 0.4-0.8 s (three runs each,
alternating; docs/BENCHMARKS.md, "The admin page's first render"). Arrays under 4 MiB
(everything a constructor's session makes) are not affected.
numpy's own switch, the ``NUMPY_MADVISE_HUGEPAGE`` environment variable, is read once, when
numpy is imported; when an operator has set it, that choice stands.
"""

from __future__ import annotations

import gc
import os
import threading

FULL_AFTER = 100  #: generation-1 collections before Python may start a full one (default 10)

_lock = threading.Lock()
_frozen = False
_paged = False


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


def fewer_full_collections() -> tuple[int, int, int]:
    """``gc.set_threshold`` with :data:`FULL_AFTER` as the third threshold (idempotent);
    returns the thresholds before."""
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], FULL_AFTER)
    return before


def small_pages() -> bool:
    """numpy's large arrays on ordinary pages from now on, unless ``NUMPY_MADVISE_HUGEPAGE`` is
    set; once per process. True when this call switched huge pages off."""
    global _paged
    if _paged:
        return False
    with _lock:
        if _paged:
            return False
        _paged = True
        if os.environ.get("NUMPY_MADVISE_HUGEPAGE") is not None:
            return False
        from numpy._core import multiarray  # numpy's own switch (numpy/__init__.py uses it)

        multiarray._set_madvise_hugepage(False)
        return True
