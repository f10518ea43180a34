"""The query gateway: every query a page runs goes through :func:`q`, cached
on the store version this script run pinned (no SQL lives in the UI: the
functions ``q`` calls are swp_data's).

One script run shows one state of the store. Every query of a run is cached
under the store version pinned when the run began (pin_store_version(), from
the sidebar, which app.py runs first). A query that finds the store changed
since (an import committed during the run; or AppTest, which runs only the
page after its first run, so the sidebar did not pin) starts the run again,
pinned to the new version, so the page shows the new state throughout. A
query not cached yet reads the store only if it is still at the pinned
version, checked while the read connection is open, when no import can
commit (the in-process lock holds off this process's writers, DuckDB's file
lock another process's). So a page never mixes figures from before an
import with figures from after it.
"""

from __future__ import annotations

import importlib
import logging

import geopandas as gpd
import streamlit as st

from geo import boundaries as gb
from swp_data import store
from swp_data.analysis import reference

_log = logging.getLogger(__name__)

STORE_BUSY = (
    "The data store is busy with another program and stayed locked; the page will show again once it is "
    "free: reload it."
)


_PINNED = "_swp_store_version"
_RESTARTS = "_swp_store_restarts"
_MAX_RESTARTS = 3  # imports committing during every run: show the newest state


class _StoreChanged(Exception):
    """The store changed since this script run began (never cached)."""


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(fn_path: str, version: float, args: tuple, kwargs: tuple):
    mod, name = fn_path.rsplit(".", 1)
    fn = getattr(importlib.import_module(mod), name)
    with store.reading() as con:
        if store.store_version() != version:
            raise _StoreChanged
        return fn(con, *args, **dict(kwargs))


def pin_store_version() -> None:
    """Read the store as it is now for the rest of this script run."""
    st.session_state[_PINNED] = store.store_version()


def _store_changed() -> None:
    """Start the run again on the store as it is now: the version is taken
    under a read connection, so after any import in progress has committed
    (an import changes the file several times before it commits; pinning one
    of those would only restart again). At most _MAX_RESTARTS times in a row;
    then carry on with the newest state."""
    ss = st.session_state
    with store.reading():
        ss[_PINNED] = store.store_version()
    if ss.get(_RESTARTS, 0) < _MAX_RESTARTS:
        ss[_RESTARTS] = ss.get(_RESTARTS, 0) + 1
        st.rerun()


def q(fn, *args, **kwargs):
    """Call ``fn(con, *args, **kwargs)`` on the store, cached until the store
    changes, as the store was when this script run began (see above). Waits
    while an import writes; if another program keeps the store locked
    (store.StoreBusy), says so and stops the page."""
    ss = st.session_state
    name = f"{fn.__module__}.{fn.__qualname__}"
    kw = tuple(sorted(kwargs.items()))
    try:
        if ss.get(_PINNED) is None:
            pin_store_version()
        elif ss[_PINNED] != store.store_version():
            _store_changed()
        try:
            result = _cached(name, ss[_PINNED], args, kw)
        except _StoreChanged:
            _store_changed()
            result = _cached(name, ss[_PINNED], args, kw)
    except store.StoreBusy as e:
        _log.warning("%s", e)
        st.warning(STORE_BUSY)
        st.stop()
    except _StoreChanged:
        st.warning("The data changed while this page was shown: reload the page to see it.")
        st.stop()
    ss[_RESTARTS] = 0
    return result


@st.cache_resource(show_spinner=False, max_entries=8)
def _geo(level: str, version: float) -> gpd.GeoDataFrame:
    with store.reading() as con:
        df = reference.display_geometry(con, level)
    return gb.from_frame(df)


def geo_frame(level: str) -> gpd.GeoDataFrame:
    """Display geometry (simplified once at build time) with code and name."""
    return _geo(level, store.store_version())
