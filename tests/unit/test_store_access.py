"""Concurrent use of the store: several app sessions in one process, and the
command line importing while the app runs in another process.

DuckDB refuses a read-only and a read-write connection to the same file at the
same time in one process, and across processes holds a file lock; these tests
fail (ConnectionException / IOException) without store.reading's lock and
retry."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

from swp_data import store
from swp_data.errors import InputError
from swp_data.sources.imports import import_paths


def _dataset_ids(path) -> set[str]:
    with store.reading(path) as con:
        return {r[0] for r in con.execute("SELECT dataset_id FROM dataset").fetchall()}


def _record(con, dsid: str) -> None:
    store.record_dataset(
        con, dataset_id=dsid, name=dsid, kind="test", source="test", licence="test", is_demo=False, row_count=0
    )


def test_read_waits_for_an_import_in_another_session_and_sees_its_result(store_path):
    in_tx, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def writer():
        try:
            with store.transaction() as con:
                _record(con, "test:written")
                in_tx.set()
                release.wait(10)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
            in_tx.set()

    seen: list[set[str]] = []

    def reader():
        try:
            seen.append(_dataset_ids(store_path))
        except BaseException as e:
            errors.append(e)

    w = threading.Thread(target=writer)
    w.start()
    assert in_tx.wait(10)
    r = threading.Thread(target=reader)
    r.start()
    time.sleep(0.3)
    assert r.is_alive(), "the read should wait while the import's transaction is open"
    release.set()
    w.join(10)
    r.join(10)
    assert not errors, errors
    assert "test:written" in seen[0]


def test_import_waits_for_reads_in_progress(store_path, tmp_path):
    reading, release = threading.Event(), threading.Event()

    def reader():
        with store.reading() as con:
            con.execute("SELECT count(*) FROM lsoa21").fetchone()
            reading.set()
            release.wait(10)

    r = threading.Thread(target=reader)
    r.start()
    assert reading.wait(10)
    csv = tmp_path / "series.csv"
    csv.write_text("period,geography,measure,breakdown,count\n2024-01,E08000031,hate_crime,all,12\n", encoding="utf-8")
    done: list = []
    w = threading.Thread(target=lambda: done.append(import_paths([csv], today=None)))
    w.start()
    time.sleep(0.3)
    assert w.is_alive() and not done, "the import should wait for the read to finish"
    release.set()
    r.join(10)
    w.join(30)
    assert done and done[0].rows_kept == 1


def test_nested_read_does_not_deadlock_behind_a_waiting_writer(store_path):
    outer, release = threading.Event(), threading.Event()
    results: list = []

    def reader():
        with store.reading() as con:
            outer.set()
            release.wait(10)
            with store.reading() as con2:  # e.g. a cached query called inside another
                results.append(con2.execute("SELECT count(*) FROM ward").fetchone()[0])
            results.append(con.execute("SELECT count(*) FROM lsoa21").fetchone()[0])

    r = threading.Thread(target=reader)
    r.start()
    assert outer.wait(10)
    # A writer comes and waits; the reader's nested read must still go through.
    wt = threading.Thread(target=_write_once)
    wt.start()
    time.sleep(0.2)
    release.set()
    r.join(10)
    wt.join(10)
    assert not r.is_alive() and not wt.is_alive()
    assert results == [20, 161]
    assert "test:after-nested-read" in _dataset_ids(store_path)


def _write_once() -> None:
    with store.transaction() as con:
        _record(con, "test:after-nested-read")


def test_write_inside_a_read_of_the_same_thread_is_refused(store_path):
    with store.reading(), pytest.raises(RuntimeError, match="inside a read"), store.transaction():
        pass


HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("BEGIN")
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    con.execute("COMMIT")
    con.close()
""")


def _hold_lock(path, seconds: float) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def test_read_waits_while_another_process_writes(store_path, monkeypatch):
    monkeypatch.setenv("SWP_STORE_WAIT", "20")
    p = _hold_lock(store_path, 1.0)
    try:
        t = time.monotonic()
        ids = _dataset_ids(store_path)
        waited = time.monotonic() - t
    finally:
        p.wait(20)
    assert "reference:lsoa21" in ids or len(ids) > 5
    assert waited > 0.5, "the read should have waited for the other process's lock"


def test_store_busy_keeps_the_store_and_the_other_process_in_the_log(store_path, monkeypatch, caplog):
    """Users see that the store is busy; the path and the other process's id
    (internals) go to the server log only."""
    monkeypatch.setenv("SWP_STORE_WAIT", "0.3")
    p = _hold_lock(store_path, 3.0)
    try:
        with (
            caplog.at_level("WARNING", logger="swp_data.store"),
            pytest.raises(store.StoreBusy) as e,
            store.transaction(),
        ):
            pass
    finally:
        p.kill()
        p.wait(10)
    msg = str(e.value)
    assert isinstance(e.value, InputError)
    assert store_path.name not in msg and str(p.pid) not in msg and "\n" not in msg
    assert "in use by another program" in msg and "0.3 s" in msg
    assert str(store_path) in caplog.text and f"process {p.pid}" in caplog.text


def test_a_read_waits_for_an_import_at_most_swp_store_wait(store_path, monkeypatch, caplog):
    """A page's read no longer waits without limit behind a write of this process."""
    monkeypatch.setenv("SWP_STORE_WAIT", "0.3")
    inside, release = threading.Event(), threading.Event()

    def writer():
        with store.transaction():
            inside.set()
            release.wait(20)

    w = threading.Thread(target=writer)
    w.start()
    try:
        assert inside.wait(20)
        t = time.monotonic()
        with pytest.raises(store.StoreBusy) as e, store.reading():
            pass
        waited = time.monotonic() - t
    finally:
        release.set()
        w.join(20)
    assert 0.25 < waited < 5
    assert str(e.value) == (
        "the store is busy: an import has been writing to it for more than 0.3 s; try again when it has finished"
    )
