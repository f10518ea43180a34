"""AppTest: links to the Performance page (pages/performance.py, from the perf branch).

Skipped until that page is merged; checked on a merge of perf (8cf09b9) and
this branch, with `urlstate.page("performance")` after the page's
`sidebar.filters()`."""

from __future__ import annotations

from pathlib import Path

import pytest

from swp_data import store
from swp_data.analysis import crime
from tests.app.conftest import no_errors
from tests.app.test_urlstate import notes, open_link

PF = "pages/performance.py"
pytestmark = pytest.mark.skipif(
    not (Path(__file__).resolve().parents[2] / PF).exists(), reason="the Performance page comes with the perf branch"
)


@pytest.fixture(autouse=True)
def _no_navigation_rerun():
    """Keep the real ensure_navigation (pages run through app.py)."""


def test_performance_link(demo_app):
    with store.reading() as con:
        months = crime.months_loaded(con)
    to = months[-7]
    q = {"area": "city", "to": f"{to:%Y-%m}", "chart": "violence", "wards": "neighbourhood"}
    at = open_link(PF, q)
    no_errors(at)
    assert not notes(at)
    assert at.selectbox(key="perf_to").value == f"{to:%Y-%m}"
    assert at.selectbox(key="perf_chart_priority").value == "violence"
    assert at.selectbox(key="perf_ward_priority").value == "neighbourhood"
    assert at.query_params == q
    at = open_link(PF, {"area": "city", "to": "1999-01", "chart": "<b>x</b>"})
    no_errors(at)
    (note,) = notes(at)
    assert "**to**" in note and "**chart**" in note and "<b>" not in note
    assert at.selectbox(key="perf_to").value == f"{months[-1]:%Y-%m}"
