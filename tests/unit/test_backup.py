"""Backups of the store while it is read, and restores (swp_data.store.backup)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import duckdb
import pytest

from swp_data import access, config, store
from swp_data.errors import InputError
from swp_data.store import audit, backup

ROOT = config.PROJECT_ROOT


def counts(path) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return backup.table_counts(con)
    finally:
        con.close()


class Reader:
    """A reader that keeps reading the store (as the app's sessions do) until stopped."""

    def __init__(self):
        self.stop = threading.Event()
        self.reads = 0
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self):
        while not self.stop.is_set():
            try:
                with store.reading() as con:
                    con.execute("SELECT category, count(*) FROM crime GROUP BY 1").fetchall()
                self.reads += 1
            except Exception as e:  # recorded: the test fails on it
                self.errors.append(repr(e))

    def __enter__(self):
        self.thread.start()
        while self.reads == 0 and not self.errors:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)


def delete_a_month(month: str = "2026-09-01") -> int:
    with store.transaction() as con:
        n = con.execute("SELECT count(*) FROM crime WHERE month = ?", [month]).fetchall()[0][0]
        con.execute("DELETE FROM crime WHERE month = ?", [month])
        audit.record(con, "delete", dataset_id="demo:police_uk:west-midlands", rows=n, detail="test: a month deleted")
    return n


def test_backup_and_restore_round_trip_while_a_reader_is_active(demo_store_path, tmp_path):
    original = counts(demo_store_path)
    assert original["crime"] > 100_000 and original["dataset"] > 5

    with Reader() as r:
        rep = backup.backup(tmp_path / "b.duckdb")
        assert rep.tables == original
        assert counts(tmp_path / "b.duckdb") == original  # the file on its own, no WAL beside it
        assert not (tmp_path / "b.duckdb.wal").exists()

        removed = delete_a_month()
        assert removed > 1000
        assert counts(demo_store_path)["crime"] == original["crime"] - removed

        res = backup.restore(tmp_path / "b.duckdb")
        reads_during = r.reads
    assert r.errors == [] and reads_during > 0

    now = counts(demo_store_path)
    # Every table as in the backup; the audit trail keeps the deletion made since, and the restore.
    assert {k: v for k, v in now.items() if k != "audit"} == {k: v for k, v in original.items() if k != "audit"}
    assert now["audit"] == original["audit"] + 2
    assert res.audit_carried == 1 and res.tables == now
    with store.reading() as con:
        trail = audit.entries(con)
    assert list(trail["action"][:2]) == ["restore", "delete"]
    assert trail["who"][0] == access.os_actor().who
    assert "b.duckdb" in trail["detail"][0]
    # The replaced store is kept beside it, as it was (the month deleted).
    assert res.kept.parent == demo_store_path.parent
    assert counts(res.kept)["crime"] == original["crime"] - removed


def test_another_process_reads_the_restored_store(demo_store_path, tmp_path):
    backup.backup(tmp_path / "b.duckdb")
    removed = delete_a_month()
    code = (
        "from swp_data import store\n"
        "with store.reading() as con: print(con.execute('SELECT count(*) FROM crime').fetchone()[0])\n"
    )

    def crime_seen_elsewhere() -> int:
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return int(out.stdout)

    before = crime_seen_elsewhere()
    backup.restore(tmp_path / "b.duckdb")
    assert crime_seen_elsewhere() == before + removed


def test_restore_waits_for_another_process_reading(demo_store_path, tmp_path):
    """Another process holding the store open (the app, a second instance)
    delays the swap until it lets go; it never reads a half-replaced file."""
    backup.backup(tmp_path / "b.duckdb")
    delete_a_month()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print(con.execute('SELECT count(*) FROM crime').fetchone()[0], flush=True)\n"
            "time.sleep(1.5)\n"
            "con.close()\n"
            "print(time.time(), flush=True)\n",
            str(demo_store_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()  # it has the store open
        backup.restore(tmp_path / "b.duckdb")
        restored_at = time.time()
        released_at = float(holder.stdout.readline())
    finally:
        holder.wait(30)
    assert restored_at >= released_at  # the swap waited for the other process to let go
    assert counts(demo_store_path)["crime"] == counts(tmp_path / "b.duckdb")["crime"]


def test_restore_needs_an_analyst(demo_store_path, tmp_path):
    backup.backup(tmp_path / "b.duckdb")
    before = counts(demo_store_path)
    viewer = access.Actor(who="viewer@wolverhampton.gov.uk", role="viewer", via="oidc")
    with access.acting_as(viewer), pytest.raises(access.NotAuthorised) as e:
        backup.restore(tmp_path / "b.duckdb")
    assert str(e.value) == (
        "restoring the store from a backup needs an analyst; viewer@wolverhampton.gov.uk is signed in as viewer"
    )
    assert counts(demo_store_path) == before
    assert sorted(p.name for p in demo_store_path.parent.iterdir()) == ["b.duckdb", "swp.duckdb"]


def test_restore_refuses_what_is_not_a_store_backup(demo_store_path, tmp_path):
    before = counts(demo_store_path)
    junk = tmp_path / "junk.duckdb"
    junk.write_text("Crime ID,Month\n")
    with pytest.raises(InputError, match=r"junk\.duckdb: not a DuckDB database, so not a store backup$"):
        backup.restore(junk)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE dataset (x INT)")
    con.close()
    with pytest.raises(InputError, match=r"other\.duckdb: not a store backup: no lsoa21, ward table$"):
        backup.restore(other)
    assert counts(demo_store_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.duckdb", "other.duckdb", "swp.duckdb"]


def test_backup_never_overwrites(demo_store_path, tmp_path):
    out = tmp_path / "b.duckdb"
    out.write_text("precious")
    with pytest.raises(InputError, match="already exists; choose a new name"):
        backup.backup(out)
    assert out.read_text() == "precious"
    folder = tmp_path / "nightly"
    folder.mkdir()
    rep = backup.backup(folder)
    assert rep.path.parent == folder and rep.path.name.startswith("swp-") and rep.path.suffix == ".duckdb"
    assert [p.name for p in folder.iterdir()] == [rep.path.name]  # no partial file left


def test_cli_backup_and_restore(demo_store_path, tmp_path):
    env_run = [sys.executable, "-m", "swp_data"]
    out = subprocess.run(
        [*env_run, "backup", str(tmp_path / "b.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Backed up the store to {tmp_path / 'b.duckdb'} (")
    again = subprocess.run(
        [*env_run, "backup", str(tmp_path / "b.duckdb")], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert again.returncode == 2
    assert (
        again.stderr
        == f"error: {tmp_path / 'b.duckdb'}: already exists; choose a new name (a backup never overwrites a file)\n"
    )
    res = subprocess.run(
        [*env_run, "restore", str(tmp_path / "b.duckdb"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    assert '"audit_carried": 0' in res.stdout


def crime_count(path) -> int:
    with store.reading(path) as con:
        return con.execute("SELECT count(*) FROM crime").fetchall()[0][0]


def test_a_published_store_is_read_at_the_next_open_while_older_reads_go_on(demo_store_path, tmp_path):
    """Several instances: the importing one publishes to a read-only
    instance's link; that instance (another process) opens the new file at its
    next read although a read on the old file is still open (DuckDB would
    otherwise hand out the database already open under the same path)."""
    folder = tmp_path / "reader"
    folder.mkdir()
    link = folder / "current.duckdb"
    first = backup.publish(link)
    assert link.is_symlink() and link.resolve() == first.file
    count = "SELECT count(*) FROM crime"
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from swp_data import store\n"
            "with store.reading(sys.argv[1]) as running:\n"
            f"    print(running.execute('{count}').fetchall()[0][0], flush=True)\n"
            "    sys.stdin.readline()\n"
            "    with store.reading(sys.argv[1]) as fresh:\n"
            f"        print(fresh.execute('{count}').fetchall()[0][0], flush=True)\n"
            f"    print(running.execute('{count}').fetchall()[0][0], flush=True)\n",
            str(link),
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        old = int(reader.stdout.readline())  # a page still running on the first file
        removed = delete_a_month()
        second = backup.publish(link)  # no wait for the reader
        assert second.file != first.file and link.resolve() == second.file
        reader.stdin.write("go\n")
        reader.stdin.flush()
        fresh, running = int(reader.stdout.readline()), int(reader.stdout.readline())
    finally:
        reader.wait(60)
    assert (fresh, running) == (old - removed, old)  # the next open: the new file; the old read: unchanged
    with store.reading(demo_store_path) as con:
        assert list(audit.entries(con)["action"][:3]) == ["publish", "delete", "publish"]


def test_publish_keeps_the_newest_files_and_refuses_a_regular_file(demo_store_path, tmp_path):
    folder = tmp_path / "reader"
    folder.mkdir()
    link = folder / "current.duckdb"
    reports = [backup.publish(link, keep=2) for _ in range(3)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["current.duckdb", reports[1].file.name, reports[2].file.name]
    )
    assert reports[2].removed == [reports[0].file]
    plain = folder / "plain.duckdb"
    plain.write_bytes(b"")
    with pytest.raises(InputError, match=r"plain\.duckdb: is a file, not a link to a published store"):
        backup.publish(plain)
