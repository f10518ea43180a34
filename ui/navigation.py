"""Every page runs through app.py's ``st.navigation`` (and so its sidebar and
its role check), including the first visit after a server start."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def ensure_navigation() -> None:
    """Run every page through app.py's st.navigation.

    Why this exists (Streamlit 1.67, ``streamlit/runtime/pages_manager.py``):
    the first ``PagesManager`` of a server process sets the class flag
    ``uses_pages_directory`` when a folder named ``pages/`` sits beside the
    main script, and until ``st.navigation`` has run once in the process the
    script runner serves that folder the legacy way: a first visit to
    ``/deprivation`` would run the page alone, without app.py's role check
    and sidebar, and list every file of the folder as a page. The design
    card keeps the page scripts in ``pages/`` (and only page scripts: the
    helpers are in ``ui/``), so the flag is switched off here, the one
    place that touches it, and the run starts again through app.py.
    AppTest resets the flag on every run, so the app tests stub this
    function (tests/app/conftest.py); tests/e2e/test_deep_link.py checks the
    first visit after a server start for real.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
