"""store.store_version while imports commit and checkpoints remove the write-ahead log."""

from __future__ import annotations

import threading
from pathlib import Path

from swp_data import store


def test_a_log_that_vanishes_between_looking_and_reading_is_absent(store_path, monkeypatch):
    """The race, made certain: the log is seen to exist, then gone when read."""
    wal = store_path.with_name(store_path.name + ".wal")
    assert not wal.exists()
    real_exists = Path.exists
    monkeypatch.setattr(Path, "exists", lambda self: True if self == wal else real_exists(self))
    v = store.store_version()
    assert v > 0
    wal.write_bytes(b"x")
    assert store.store_version() != v  # a log that is there counts


def test_store_version_never_fails_while_commits_and_checkpoints_run(store_path):
    errors: list[str] = []
    stop = threading.Event()

    def commits():
        try:
            for i in range(40):
                with store.transaction() as con:
                    con.execute("CREATE TABLE IF NOT EXISTS race_t (i INT)")
                    con.execute("INSERT INTO race_t VALUES (?)", [i])
                c = store.connect(read_only=False)
                try:
                    c.execute("CHECKPOINT")  # removes the log
                finally:
                    c.close()
        except Exception as e:  # recorded: the test fails on it
            errors.append(repr(e))
        finally:
            stop.set()

    def versions():
        n = 0
        while not stop.is_set():
            try:
                store.store_version()
                n += 1
            except Exception as e:
                errors.append(repr(e))
                return
        errors.append(f"ok {n}")

    threads = [threading.Thread(target=commits), threading.Thread(target=versions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors and errors[-1].startswith("ok "), errors
    assert int(errors[-1].split()[1]) > 100
