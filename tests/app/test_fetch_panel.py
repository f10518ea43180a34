"""AppTest: the Data page's "Update from police.uk" block against the local
police.uk stand-in (tests/policeuk_standin.py)."""

from __future__ import annotations

import duckdb
import pytest

from swp_data.sources import fetch
from tests.app.conftest import no_errors, open_page
from tests.policeuk_standin import StandIn, synthetic_months

DA = "pages/data.py"


@pytest.fixture
def api(monkeypatch):
    with StandIn(synthetic_months(3, last="2026-09")) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        yield a


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _metric(at, label):
    return next(m for m in at.metric if m.label == label)


def test_update_fetches_the_missing_months_and_shows_the_report(demo_app, demo_store_path, api):
    at = open_page(DA)
    no_errors(at)
    assert "Update from police.uk" in _texts(at.subheader)
    at.button(key="fetch_run").click().run()
    no_errors(at)
    assert "Updated from police.uk: 3 month(s) fetched and imported." in _texts(at.success)
    assert _metric(at, "Months fetched").value == "3"
    assert _metric(at, "Requests").value == "5"
    report = _texts(at.code)
    assert "Months fetched: 3 (Jul 2026 to Sep 2026)" in report
    assert "Sep 2026 (not loaded from the API yet):" in report
    assert "Fetched from the API so far\\: 3 month\\(s\\), Jul 2026 to Sep 2026" in _texts(at.caption)
    con = duckdb.connect(str(demo_store_path), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM police_fetch").fetchone()[0] == 3
    finally:
        con.close()
    # Again: nothing to fetch.
    at.button(key="fetch_run").click().run()
    no_errors(at)
    assert "Already up to date: no month to fetch." in _texts(at.success)
    assert _metric(at, "Already up to date").value == "3"


def test_update_without_the_api_says_why_in_one_line(demo_app, monkeypatch):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SWP_POLICE_API", f"http://127.0.0.1:{port}/api")
    monkeypatch.setattr(fetch, "TRIES", 1)
    at = open_page(DA)
    at.button(key="fetch_run").click().run()
    assert not at.exception
    (err,) = at.error
    assert err.value.startswith("Update from police\\.uk stopped\\: police\\.uk API \\(crimes\\-street\\-dates\\)")
    assert "connection was refused" in err.value and "Traceback" not in err.value
