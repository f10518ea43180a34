"""Short garbage collections in a long-running server process.

Every session of the app runs in one Python process. Its heap is mostly
objects that live as long as the process: the modules of streamlit, pandas,
plotly, geopandas and the rest, and the cached reference tables. CPython's
full (generation 2) collection walks all of them: 0.09-0.10 s here with the
demo data loaded, during which no session's page runs. A page run, or an
upload being parsed, that allocates enough triggers one at any moment: it
made another visitor's Overview render take 0.17 s instead of 0.06 s while a
hostile GeoJSON was read (issue 11, bench/bench_hostile.py).

:func:`settle` moves what is alive into CPython's permanent generation
(``gc.freeze``) after each run that loaded new modules, so later full
collections only walk what runs allocate (0.004 s). Frozen objects are still
freed by reference counting; only a reference cycle among them would stay,
and settle runs a full collection just before freezing so none is frozen. It
freezes a few times in a process's life (when pages first load their
modules), not on every run.
"""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_frozen = 0  # len(sys.modules) at the last freeze


def settle() -> bool:
    """Freeze the heap if modules were loaded since the last freeze; True if
    it froze. Cheap when nothing new was loaded (one comparison)."""
    global _modules_frozen
    if len(sys.modules) <= _modules_frozen:
        return False
    with _lock:
        n = len(sys.modules)
        if n <= _modules_frozen:
            return False
        gc.collect()
        gc.freeze()
        _modules_frozen = n
        return True
