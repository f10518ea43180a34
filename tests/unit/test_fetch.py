"""The police.uk API update (swp_data.sources.fetch) against the local stand-in
(tests/policeuk_standin.py) serving the bundle's real June 2018 records."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import shapely

from swp_data import access, cli, store
from swp_data.errors import InputError
from swp_data.sources import fetch, imports
from tests.policeuk_standin import JUNE_2018, StandIn, june_2018_records, synthetic_months

ROOT = Path(__file__).resolve().parents[2]
CRIME_COLUMNS = (
    "dataset_id, force, month, crime_id, category, category_original, lon, lat, location, "
    "lsoa_code_source, lsoa21_code, ward_code, placed_by, outcome, context"
)


@pytest.fixture
def api(monkeypatch):
    with StandIn() as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        yield a


def quick(api: StandIn, **kw) -> fetch.Client:
    """A client with short pauses and time limits (the politeness rules are the same)."""
    opts = {"backoff": 0.01, "max_wait": 0.05, "timeout": (2.0, 1.0)}
    opts.update(kw)
    return fetch.Client(api.url, **opts)


def crime_rows(path: Path) -> list[tuple]:
    with store.reading(path) as con:
        return con.execute(f"SELECT {CRIME_COLUMNS} FROM crime ORDER BY ALL").fetchall()


def crime_fingerprint(path: Path) -> tuple:
    """Row count and an order-free hash of every crime row (cheap on the demo store)."""
    with store.reading(path) as con:
        return con.execute(f"SELECT count(*), sum(hash({CRIME_COLUMNS})) FROM crime").fetchone()


def months_loaded(path: Path) -> dict[str, int]:
    with store.reading(path) as con:
        return dict(
            con.execute("SELECT strftime(month, '%Y-%m'), count(*) FROM crime GROUP BY 1 ORDER BY 1").fetchall()
        )


def fetch_rows(path: Path) -> list[tuple]:
    with store.reading(path) as con:
        return con.execute(
            "SELECT strftime(month, '%Y-%m'), api_last_update, records, rows_kept FROM police_fetch ORDER BY 1"
        ).fetchall()


# ----------------------------------------------------------------------------- the same records
def test_june_2018_from_the_api_equals_the_import_of_the_bundle_files(store_path, ref_store, bundle_dir, api, tmp_path):
    # The bundle's files imported as they are...
    other = tmp_path / "files.duckdb"
    other.write_bytes(ref_store.read_bytes())
    os.environ["SWP_STORE"] = str(other)
    try:
        from_files = imports.import_paths([bundle_dir / "police_uk" / "api" / JUNE_2018])
    finally:
        os.environ["SWP_STORE"] = str(store_path)
    # ...and the same month through the API, split (limit 700) with records
    # near the split lines returned by both halves.
    api.record_limit = 700
    api.edge_margin = 0.002
    client = quick(api)
    result = fetch.fetch(client=client)
    assert result.months_fetched == [JUNE_2018]
    assert client.splits >= 3
    served = sum(e.get("records", 0) for e in api.street_requests() if e["status"] == 200)
    assert served > result.records  # some records came back twice and were kept once
    assert crime_rows(store_path) == crime_rows(other)
    assert result.rows_kept == from_files.rows_kept == 2458
    assert len(crime_rows(store_path)) == 2458
    assert result.reports[JUNE_2018]["by_category"] == from_files.by_category


def test_each_request_is_polite_and_the_area_goes_by_post(store_path, api):
    fetch.fetch(client=quick(api))
    assert {e["ua"] for e in api.log} == {fetch.USER_AGENT}
    street = api.street_requests()
    assert len(street) == 1 and 100 <= street[0]["points"] <= 200
    assert street[0]["method"] == "POST" and street[0]["query"] == ""  # the polygon is in the body, not the URL


def test_provenance_names_the_api_the_request_date_and_the_release(store_path, api):
    fetch.fetch(client=quick(api))
    with store.reading() as con:
        src = con.execute("SELECT source FROM dataset WHERE dataset_id = 'police_uk:west-midlands'").fetchone()[0]
        trail = con.execute("SELECT action, rows, detail FROM audit WHERE action = 'fetch'").fetchall()
    today = dt.date.today().isoformat()
    assert src == f"police.uk API (requested {today}; police.uk updated 2026-10-01)"
    assert trail == [("fetch", 2458, trail[0][2])] and trail[0][2].startswith("Jun 2018 from http://127.0.0.1:")


# ----------------------------------------------------------------------------- what to fetch
def test_a_second_run_skips_and_a_new_release_fetches_again(store_path, api):
    first = fetch.fetch(client=quick(api))
    again = fetch.fetch(client=quick(api))
    assert again.months_fetched == [] and again.months_skipped == [JUNE_2018]
    assert again.requests == 2  # dates and last-updated only
    api.last_updated = "2026-11-01"
    third = fetch.fetch(client=quick(api))
    assert third.months_fetched == [JUNE_2018]
    assert third.reasons[JUNE_2018] == "republished: police.uk updated 2026-11-01 (loaded from 2026-10-01)"
    assert fetch_rows(store_path) == [(JUNE_2018, dt.date(2026, 11, 1), 2462, 2458)]
    assert first.rows_kept == third.rows_kept == len(crime_rows(store_path))


def test_a_month_whose_records_were_deleted_is_fetched_again(store_path, api):
    fetch.fetch(client=quick(api))
    with store.transaction() as con:
        con.execute("DELETE FROM crime")
    assert fetch.fetch(client=quick(api)).months_fetched == [JUNE_2018]
    assert len(crime_rows(store_path)) == 2458


def test_plan_months():
    offered = ["2024-01", "2024-02", "2024-03"]
    upd = dt.date(2024, 5, 1)
    state = {"2024-01": (upd, 10), "2024-02": (dt.date(2024, 4, 1), 10)}
    plans = fetch.plan_months(offered, state, upd)
    assert [(p.month, p.fetch) for p in plans] == [("2024-01", False), ("2024-02", True), ("2024-03", True)]
    assert [p.month for p in fetch.plan_months(offered, state, upd, since="2024-02", until="2024-02")] == ["2024-02"]
    with pytest.raises(InputError, match=r"^Dec 2023: older than the API keeps: the police.uk API offers Jan 2024"):
        fetch.plan_months(offered, state, upd, since="2023-12")
    with pytest.raises(InputError, match=r"^Apr 2024: not published yet: the police.uk API offers Jan 2024 to Mar"):
        fetch.plan_months(offered, state, upd, until="2024-04")
    with pytest.raises(InputError, match=r"^Feb 2024: the API does not offer this month$"):
        fetch.plan_months(["2024-01", "2024-03"], {}, upd, since="2024-01")
    # by default, what the API offers (a gap is not asked for)
    assert [p.month for p in fetch.plan_months(["2024-01", "2024-03"], {}, upd)] == ["2024-01", "2024-03"]
    with pytest.raises(InputError, match=r"--since 2024-03 is after --until 2024-01"):
        fetch.plan_months(offered, {}, upd, since="2024-03", until="2024-01")


def test_a_month_the_api_does_not_have_changes_nothing(store_path, api, capsys):
    assert cli.main(["fetch", "--since", "2018-05"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: May 2018: older than the API keeps: the police.uk API offers Jun 2018; "
        "load older months from a data.police.uk archive"
    )
    assert crime_rows(store_path) == []
    assert cli.main(["fetch", "--since", "2018-6"]) == 2
    assert capsys.readouterr().err.strip() == "error: --since must be a month like 2024-01, not '2018-6'"


# ----------------------------------------------------------------------------- splitting
def test_split_area_covers_the_area_and_the_city_area_holds_the_city(ref_store):
    with store.reading(ref_store) as con:
        rings = fetch.city_area(con)
        from geo.boundaries import from_frame

        city = from_frame(con.execute("SELECT lsoa21_code, geom FROM lsoa21").df()).union_all()
    assert len(rings) == 1 and 100 <= len(rings[0]) <= 200
    area = shapely.Polygon(rings[0])
    assert area.contains(city)
    halves = fetch.split_area(area)
    assert len(halves) == 2
    assert abs(sum(h.area for h in halves) - area.area) < 1e-9 * area.area + 1e-12
    assert shapely.union_all(halves).buffer(1e-9).contains(area)


def test_an_area_too_large_even_when_split_is_refused_cleanly(store_path, api):
    api.record_limit = 5
    with pytest.raises(fetch.FetchError) as e:
        fetch.fetch(client=quick(api, max_split_depth=2))
    assert str(e.value) == (
        "Jun 2018: police.uk answered HTTP 503 even for the area split into 4 parts (too many records, or the "
        "service is unavailable: try again later); nothing was changed for it"
    )
    assert len(api.street_requests()) == 1 + 2 + 1  # whole, two halves, the first quarter: then it stops
    assert crime_rows(store_path) == []


# ----------------------------------------------------------------------------- politeness
def test_token_bucket_keeps_to_the_rate_after_the_burst():
    now = [0.0]
    bucket = fetch.TokenBucket(15, 30, clock=lambda: now[0], sleep=lambda s: now.__setitem__(0, now[0] + s))
    for _ in range(30):
        bucket.take()
    assert now[0] == 0.0  # the burst goes at once
    for _ in range(150):
        bucket.take()
    assert now[0] == pytest.approx(10.0)  # then 15 a second
    now[0] += 100  # a long pause refills the bucket to the burst, not more
    t = now[0]
    for _ in range(31):
        bucket.take()
    assert now[0] - t == pytest.approx(1 / 15)


def test_429_and_500_answers_are_tried_again(store_path, api):
    api.faults = ["429", "429", "500", "503-busy"]
    client = quick(api)
    result = fetch.fetch(client=client)
    assert result.months_fetched == [JUNE_2018] and result.rows_kept == 2458
    assert result.retries == 4 and result.requests == 2 + 5
    assert [e["status"] for e in api.street_requests()] == [429, 429, 500, 503, 200]


def test_retry_after_is_honoured_within_bounds(api):
    waits: list[float] = []
    client = quick(api, sleep=waits.append, max_wait=7.0, tries=4)
    # Retry-After: 0 means no pause; 3600 is capped at max_wait; without it, the backoff doubles.
    api.faults = ["429", "429-long", "500"]
    records, repeated, n = client.street_month(JUNE_2018, [_big_ring()])
    assert (len(records), repeated, n) == (2463, 0, 4)
    assert waits == [0.0, 7.0, 0.04]
    assert client.requests == 4
    assert fetch._retry_after("3600") == 3600.0 and fetch._retry_after("soon") is None


def _big_ring() -> list[tuple[float, float]]:
    return [(-2.4, 52.4), (-1.8, 52.4), (-1.8, 52.8), (-2.4, 52.8)]


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("500", "Jun 2018: police.uk answered HTTP 500, 3 tries; nothing was changed for it"),
        ("malformed", "Jun 2018: the answer was not valid JSON"),
        ("drop", "Jun 2018: the connection was dropped before the answer was complete, 3 tries; nothing was changed"),
        ("slow", "Jun 2018: no answer within the time limit, 3 tries; nothing was changed for it"),
        (
            "html",
            "Jun 2018: 127.0.0.1:{port} answered with a web page, not police.uk data: is a proxy or login page "
            "in the way? (check SWP_POLICE_API and the proxy settings)",
        ),
    ],
)
def test_a_failing_month_is_one_line_and_changes_nothing(demo_store_path, api, fault, message, capsys, monkeypatch):
    before = crime_fingerprint(demo_store_path)
    api.month_faults[JUNE_2018] = (fault, 1)
    api.slow_seconds = 1.5
    monkeypatch.setattr(fetch, "TRIES", 3)
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)
    monkeypatch.setattr(fetch, "TIMEOUT", (2.0, 0.5))
    assert cli.main(["fetch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.strip().startswith("error: " + message.format(port=api.url.split(":")[2].split("/")[0]))
    if fault == "html":
        assert len(api.street_requests()) == 1  # a web page is not worth asking again
    else:
        assert len(api.street_requests()) == 3
    assert crime_fingerprint(demo_store_path) == before
    with store.reading() as con:
        assert con.execute("SELECT count(*) FROM police_fetch").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM audit WHERE action = 'fetch'").fetchone()[0] == 0


@pytest.mark.parametrize("fault", ["malformed", "drop", "slow", "500"])
def test_one_bad_answer_is_survived(store_path, api, fault):
    api.faults = [fault]
    api.slow_seconds = 1.5
    result = fetch.fetch(client=quick(api, timeout=(2.0, 0.5)))
    assert result.rows_kept == 2458 and result.retries == 1


def test_no_network_and_dns_failure_are_one_line(store_path, monkeypatch, capsys):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("SWP_POLICE_API", f"http://127.0.0.1:{port}/api")
    monkeypatch.setattr(fetch, "TRIES", 2)
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)
    assert cli.main(["fetch"]) == 2
    assert capsys.readouterr().err == (
        "error: police.uk API (crimes-street-dates): the connection was refused (is the address right?), 2 tries; "
        "nothing was changed for it\n"
    )
    monkeypatch.setenv("SWP_POLICE_API", "http://no-such-host.invalid/api")
    t = time.perf_counter()
    assert cli.main(["fetch"]) == 2
    assert capsys.readouterr().err == (
        "error: police.uk API (crimes-street-dates): cannot reach no-such-host.invalid: the server's name could not "
        "be found (no network, or DNS failure)\n"
    )
    assert time.perf_counter() - t < 10  # not tried again: a name that does not resolve will not resolve
    assert crime_rows(store_path) == []


def test_fetching_needs_an_analyst(store_path, api, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "partnership")
    with pytest.raises(access.NotAuthorised, match="^fetching police.uk records needs an analyst's sign-in"):
        fetch.fetch(client=quick(api))
    assert api.log == []
    viewer = access.Actor("v@example.org", "viewer", "oidc")
    with access.acting_as(viewer), pytest.raises(access.NotAuthorised, match="v@example.org is signed in as viewer"):
        fetch.fetch(client=quick(api))


# ----------------------------------------------------------------------------- demo months, JSON
def test_fetched_months_replace_demo_months(demo_store_path, monkeypatch, capsys):
    months = synthetic_months(3, last="2026-09")
    with StandIn(months) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        before = months_loaded(demo_store_path)
        assert cli.main(["fetch", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["months_fetched"] == ["2026-07", "2026-08", "2026-09"] and out["months_skipped"] == []
    assert out["requests"] == 5 and out["rows_kept"] == sum(r["rows_kept"] for r in out["reports"].values())
    assert set(out["reports"]) == set(out["months_fetched"]) and "texts" not in out
    assert "replaced the records loaded before" in " ".join(out["reports"]["2026-08"]["warnings"])
    after = months_loaded(demo_store_path)
    assert {m: after[m] for m in before if m < "2026-07"} == {m: before[m] for m in before if m < "2026-07"}
    with store.reading() as con:
        real = dict(
            con.execute(
                "SELECT strftime(month, '%Y-%m'), count(*) FROM crime WHERE NOT starts_with(dataset_id, 'demo:') "
                "GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        demo_end = con.execute(
            "SELECT period_end FROM dataset WHERE dataset_id = 'demo:police_uk:west-midlands'"
        ).fetchone()[0]
    assert real == {m: after[m] for m in ("2026-07", "2026-08", "2026-09")}
    assert demo_end == dt.date(2026, 6, 30)


# ----------------------------------------------------------------------------- interruptions
def test_a_connection_dropped_mid_month_keeps_committed_months_and_a_rerun_completes(store_path, monkeypatch):
    months = synthetic_months(2, last="2018-07")  # Jun and Jul 2018, city-sized
    with StandIn(months) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        a.record_limit = 1500  # each month needs 3 requests (whole city refused, then two halves)
        a.month_faults["2018-07"] = ("drop", 3)  # July's first half answers; the second is dropped
        with pytest.raises(fetch.FetchError, match="^Jul 2018: the connection was dropped"):
            fetch.fetch(client=quick(a, tries=2))
        assert [e["status"] for e in a.street_requests("2018-07")] == [503, 200, "dropped", "dropped"]
        assert set(months_loaded(store_path)) == {"2018-06"}
        assert [r[0] for r in fetch_rows(store_path)] == ["2018-06"]
        a.month_faults.clear()
        again = fetch.fetch(client=quick(a))
    assert again.months_fetched == ["2018-07"] and again.months_skipped == ["2018-06"]
    assert [r[0] for r in fetch_rows(store_path)] == ["2018-06", "2018-07"]
    loaded = months_loaded(store_path)
    assert loaded["2018-07"] == again.rows_kept and loaded["2018-06"] > 2000


def test_a_killed_fetch_keeps_committed_months_and_a_rerun_completes(store_path):
    months = synthetic_months(3, last="2018-08")
    with StandIn(months) as a:
        a.month_faults["2018-07"] = ("slow", 1)
        a.slow_seconds = 60
        env = {**os.environ, "SWP_POLICE_API": a.url, "SWP_STORE": str(store_path)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "swp_data", "fetch"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.time() + 120
            while not _committed(store_path) and time.time() < deadline and proc.poll() is None:
                time.sleep(0.1)
            assert a.street_requests("2018-07"), proc.stderr.read() if proc.poll() is not None else "no request"
            os.kill(proc.pid, signal.SIGKILL)  # June committed, July being asked for (slowly)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.stderr.close()
        assert set(months_loaded(store_path)) == {"2018-06"}
        assert [r[0] for r in fetch_rows(store_path)] == ["2018-06"]
        a.month_faults.clear()
        again = fetch.fetch(client=quick(a))
    assert again.months_fetched == ["2018-07", "2018-08"] and again.months_skipped == ["2018-06"]
    assert set(months_loaded(store_path)) == {"2018-06", "2018-07", "2018-08"}


def _committed(path: Path) -> list[str]:
    """Months in police_fetch, read while another process may be writing (its lock: try later)."""
    import duckdb

    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return []
    try:
        return [r[0] for r in con.execute("SELECT strftime(month, '%Y-%m') FROM police_fetch").fetchall()]
    except duckdb.Error:
        return []
    finally:
        con.close()


def test_ctrl_c_during_an_import_undoes_that_month_only(store_path, monkeypatch, capsys):
    months = synthetic_months(2, last="2018-07")
    real_import = imports.import_paths
    calls = []

    def interrupted(paths, **kw):
        calls.append(paths)
        if len(calls) == 2:

            def also(con):
                kw["also"](con)  # July's rows and state are written, then Ctrl-C before the commit
                raise KeyboardInterrupt

            return real_import(paths, **{**kw, "also": also})
        return real_import(paths, **kw)

    monkeypatch.setattr(imports, "import_paths", interrupted)
    with StandIn(months) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        assert cli.main(["fetch"]) == 130
    assert capsys.readouterr().err.endswith(
        "error: interrupted; the step in progress was undone (run it again to continue)\n"
    )
    assert set(months_loaded(store_path)) == {"2018-06"}
    assert [r[0] for r in fetch_rows(store_path)] == ["2018-06"]


def test_june_records_of_the_standin_are_the_bundle_records():
    recs = june_2018_records()
    assert len(recs) == 2463 and len({r["id"] for r in recs}) == 2463


def test_proxies_from_the_environment_are_honoured(store_path, api, monkeypatch):
    # The stand-in also answers as an HTTP proxy would (absolute URLs in the request line).
    monkeypatch.setenv("SWP_POLICE_API", "http://police-uk.example/api")
    monkeypatch.setenv("HTTP_PROXY", api.url.removesuffix("/api"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    result = fetch.fetch()
    assert result.rows_kept == 2458
    assert [e["path"] for e in api.log] == ["/crimes-street-dates", "/crime-last-updated", "/crimes-street/all-crime"]


def test_json_after_a_failure_says_what_was_committed(store_path, monkeypatch, capsys):
    with StandIn(synthetic_months(2, last="2018-07")) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        monkeypatch.setattr(fetch, "TRIES", 1)
        a.month_faults["2018-07"] = ("500", 1)
        assert cli.main(["fetch", "--json"]) == 2
    out, err = capsys.readouterr()
    got = json.loads(out)
    assert got["months_fetched"] == ["2018-06"] and got["rows_kept"] == months_loaded(store_path)["2018-06"]
    assert got["error"] == "Jul 2018: police.uk answered HTTP 500, 1 try; nothing was changed for it"
    assert err == f"error: {got['error']}\n"


def test_one_update_at_a_time(store_path, api):
    assert fetch._RUNNING.acquire(blocking=False)  # as if another user's update were running
    try:
        with pytest.raises(InputError, match="^an update from police.uk is already running; try again when"):
            fetch.fetch(client=quick(api))
    finally:
        fetch._RUNNING.release()
    assert api.log == []


def test_answers_that_are_not_the_months_records_are_refused(store_path, monkeypatch):
    wrong = [{**r, "month": "2018-05"} if k == 7 else r for k, r in enumerate(june_2018_records())]
    with StandIn({JUNE_2018: wrong}) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        with pytest.raises(fetch.FetchError) as e:
            fetch.fetch(client=quick(a))
        assert str(e.value) == "Jun 2018: record 8 is for month '2018-05'; nothing was changed for it"
        a.months[JUNE_2018] = StandIn({JUNE_2018: june_2018_records()}).months[JUNE_2018]
        a.faults = ["object"]
        with pytest.raises(fetch.FetchError) as e:
            fetch.fetch(client=quick(a))
        assert str(e.value) == ("Jun 2018: unexpected answer: not a list of crime records; nothing was changed for it")
    assert crime_rows(store_path) == []


def test_bad_records_are_named_and_change_nothing(store_path, monkeypatch):
    with StandIn() as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        recs = a.months[JUNE_2018].records  # the stand-in finds it by its (good) coordinates, sends the bad one
        recs[3] = {**recs[3], "location": {**recs[3]["location"], "latitude": "north"}}
        with pytest.raises(fetch.FetchError) as e:
            fetch.fetch(client=quick(a))
    assert str(e.value).startswith("Jun 2018: record ")
    assert "latitude/longitude 'north', " in str(e.value) and str(e.value).endswith("nothing was changed for it")
    assert "/tmp" not in str(e.value)
    assert crime_rows(store_path) == []


def test_a_rebuild_keeps_what_was_fetched(store_path, api):
    from swp_data.sources.build import build

    fetch.fetch(client=quick(api))
    build(target=store_path)
    assert fetch_rows(store_path) == [(JUNE_2018, dt.date(2026, 10, 1), 2462, 2458)]
    assert fetch.fetch(client=quick(api)).months_skipped == [JUNE_2018]


def test_no_store_means_no_request(tmp_path, api, monkeypatch, capsys):
    monkeypatch.setenv("SWP_STORE", str(tmp_path / "missing.duckdb"))
    assert cli.main(["fetch"]) == 2
    assert "the store is not built" in capsys.readouterr().err
    assert api.log == []


def test_an_answer_far_too_large_is_refused(store_path, api, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_ANSWER_BYTES", 100_000)  # June 2018 for the city is about 1.3 MB
    with pytest.raises(fetch.FetchError) as e:
        fetch.fetch(client=quick(api))
    assert str(e.value).startswith("Jun 2018: the answer from 127.0.0.1:")
    assert str(e.value).endswith("is larger than 0 MB: not police.uk data?")
    assert crime_rows(store_path) == []


def test_messages_never_show_a_password_in_the_address(store_path, monkeypatch, capsys):
    monkeypatch.setenv("SWP_POLICE_API", "http://alice:s3cret@no-such-host.invalid:8080/api")
    assert cli.main(["fetch"]) == 2
    err = capsys.readouterr().err
    assert "s3cret" not in err and "alice" not in err
    assert err.startswith("error: police.uk API (crimes-street-dates): cannot reach no-such-host.invalid:8080: ")


def test_unexpected_dates_and_update_answers_are_one_line(store_path, api):
    api.last_updated = "soon"
    with pytest.raises(fetch.FetchError) as e:
        fetch.fetch(client=quick(api))
    assert str(e.value) == "police.uk API (crime-last-updated): unexpected answer: no date like 2024-01-01"
    api.last_updated = "2026-10-01"
    api.months["June 2018"] = api.months[JUNE_2018]
    with pytest.raises(fetch.FetchError) as e:
        fetch.fetch(client=quick(api))
    assert str(e.value) == "police.uk API (crimes-street-dates): unexpected answer: not a list of {date: YYYY-MM}"
    assert crime_rows(store_path) == []
