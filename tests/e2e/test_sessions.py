"""Several people at once while the month's data is imported (issue 10): 8
sessions over Streamlit's websocket (bench/stclient.py) on the Overview,
Trends and Crime map; another process imports a new Sep 2026 month in the
middle. No session errors; every run shows the page wholly as it was before
the import or wholly as it is after it; afterwards every session shows the new
figures. (The timings are the bench's business: bench/bench_sessions.py.)"""

from __future__ import annotations

import shutil

import pytest

from bench.bench_sessions import month_file, run_load
from bench.stclient import Session, start_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def load_server(demo_store, tmp_path_factory):
    d = tmp_path_factory.mktemp("sessions")
    store = d / "swp.duckdb"
    shutil.copy(demo_store, store)
    srv = start_server(store)
    yield srv, store, d
    srv.stop()


def test_eight_sessions_with_an_import_in_the_middle(load_server):
    srv, store, d = load_server
    month = month_file(d / "month", store)
    o = run_load(srv.url, month, store, sessions=8, rounds=3, single_runs=1, timeout=120)

    assert o.errors() == []
    # The import changed what every page shows (else the checks below prove nothing).
    assert o.changed_pages() == ["", "trends", "crime_map"]
    assert o.import_end > o.import_start > 0
    # Runs went on while the import ran, and none showed a mix of old and new figures.
    assert len(o.records) == 8 * 3 * 3
    assert [o.explain(r) for r in o.mixed()] == []
    # Once committed, the new figures everywhere: runs begun after the import and every session's last runs.
    assert [(r.session, r.page) for r in o.stale_after()] == []
    assert any(r.start > o.import_end for r in o.records)


def test_the_overview_headline_shows_the_imported_month(load_server):
    """The observable itself: the Overview's 12-month total is the store's own count."""
    import duckdb

    srv, store, _ = load_server
    with Session(srv.url) as s:
        run = s.run("", timeout=120)
    assert run.errors == []
    con = duckdb.connect(str(store), read_only=True)
    try:
        last = con.execute("SELECT max(month) FROM crime").fetchone()[0]
        n = con.execute(
            "SELECT count(*) FROM crime WHERE month > ? - INTERVAL 12 MONTH AND month <= ?", [last, last]
        ).fetchone()[0]
    finally:
        con.close()
    assert run.metrics()["All crime and ASB (DEMO)"] == f"{n:,}"
