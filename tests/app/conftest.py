"""AppTest helpers: open a page of app.py against a private store copy.

Page tests set the shared filters through session state (keys ``level``,
``area``), the keys of the sidebar widgets, before the first
run; the sidebar widgets themselves are driven in the Overview tests and in
the browser tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str | None = None, timeout: float = 60, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.fixture(autouse=True)
def _no_navigation_rerun(monkeypatch):
    """AppTest resets Streamlit's legacy pages-folder flag before every run, so
    ``navigation.ensure_navigation`` would rerun every AppTest run, and a rerun
    drops a button click. In a real server it runs once per process; the
    browser tests cover it (tests/e2e/test_deep_link.py)."""
    from ui import navigation

    monkeypatch.setattr(navigation, "ensure_navigation", lambda: None)


@pytest.fixture
def ref_app(store_path):
    """Open pages against a store with the reference tables only."""
    return open_page


@pytest.fixture
def demo_app(demo_store_path):
    """Open pages against a store with the demo dataset loaded."""
    return open_page
