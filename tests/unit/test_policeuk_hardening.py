"""Hardening of the import path (issue 11) and its audit trail: the store's
write lock held only to write, one small file cannot erase a month, the
caller's source note, audit rows and authorisation. Hostile files are small
and written here."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from swp_data import access, audit, config, crime, policeuk, store
from swp_data.access import Actor, NotAuthorised
from swp_data.errors import InputError
from swp_data.imports import import_paths
from swp_data.policeuk import POLICE_COLUMNS

CSV_2012 = "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def csv2012(bundle_dir) -> Path:
    return bundle_dir / CSV_2012


def rows_of(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(POLICE_COLUMNS)
        for r in rows:
            w.writerow([r[c] for c in POLICE_COLUMNS])
    return path


def query(store_file: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(store_file), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(store_file: Path) -> str:
    out = [query(store_file, f"SELECT * FROM {t} ORDER BY ALL") for t in ("crime", "dataset", "audit")]
    return hashlib.sha256(repr(out).encode()).hexdigest()


# ----------------------------------------------------------------------------- the store's lock
def test_the_store_can_be_read_while_an_import_reads_its_files(store_path, csv2012, monkeypatch):
    """Reading, classifying and placing run before the write lock is taken:
    another session's read goes through meanwhile (it used to wait for the
    whole import)."""
    started, release = threading.Event(), threading.Event()
    orig = policeuk.StreetImporter.stage

    def slow_stage(self):
        started.set()
        release.wait(30)
        return orig(self)

    monkeypatch.setattr(policeuk.StreetImporter, "stage", slow_stage)
    done: list = []
    t = threading.Thread(target=lambda: done.append(import_paths([csv2012], today=TODAY)))
    t.start()
    try:
        assert started.wait(60)
        got: list = []

        def read():
            with store.reading() as con:
                got.append(con.execute("SELECT count(*) FROM lsoa21").fetchone()[0])

        r = threading.Thread(target=read)
        r.start()
        r.join(5)
        read_during_import = not r.is_alive()
    finally:
        release.set()
        t.join(120)
    r.join(30)
    assert read_during_import, "a read waited for an import that was only reading its files"
    assert got == [161]
    assert done and done[0].rows_kept == 1793


# ----------------------------------------------------------------------------- one small file
def _one_row(tmp: Path, csv2012: Path, lon: str = "-1.890000", lat: str = "52.480000") -> Path:
    """A one-row West Midlands file for Jan 2012 (by default a point in Birmingham)."""
    r = dict(rows_of(csv2012)[0], Longitude=lon, Latitude=lat, **{"LSOA code": "E01009000"})
    return write_rows(tmp / "2012-01-west-midlands-street.csv", [r])


def test_a_one_row_file_does_not_erase_a_month(store_path, csv2012, tmp_path):
    import_paths([csv2012], today=TODAY)
    before = snapshot(store_path)
    one = _one_row(tmp_path, csv2012)
    with pytest.raises(InputError) as e:
        import_paths([one], today=TODAY)
    assert str(e.value) == (
        f"{one.name}: would remove the 1,793 records loaded for West Midlands Police, Jan 2012 and bring 0; "
        "nothing was changed. If the new file is right, confirm the replacement "
        "(--confirm-replace on the command line, or the checkbox on the Data page)"
    )
    assert snapshot(store_path) == before
    rep = import_paths([one], today=TODAY, confirm_replace=True)
    assert rep.rows_kept == 0
    assert query(store_path, "SELECT count(*) FROM crime")[0][0] == 0


def test_replacement_rule_thresholds(store_path, csv2012, tmp_path):
    """Refused only when the new files bring under half AND remove 100+ more."""
    rows = rows_of(csv2012)
    import_paths([csv2012], today=TODAY)
    half = write_rows(tmp_path / "half.csv", rows[:897])  # 897 >= 1793 / 2: fine
    assert import_paths([half], today=TODAY).rows_kept == 897
    with pytest.raises(InputError, match="would remove the 897 records"):
        import_paths([write_rows(tmp_path / "few.csv", rows[:300])], today=TODAY)
    small = write_rows(tmp_path / "small.csv", rows[:350])  # 897 - 350 = 547 lost, but 350 < 448.5
    with pytest.raises(InputError):
        import_paths([small], today=TODAY)
    ok = write_rows(tmp_path / "ok.csv", rows[:800])  # lost 97 < 100: fine
    assert import_paths([ok], today=TODAY).rows_kept == 800


def test_a_month_with_few_records_is_replaced_freely(store_path, csv2012, tmp_path):
    rows = rows_of(csv2012)
    import_paths([write_rows(tmp_path / "a.csv", rows[:90])], today=TODAY)
    assert import_paths([write_rows(tmp_path / "b.csv", rows[:1])], today=TODAY).rows_kept == 1


def test_cli_confirm_replace(store_path, csv2012, tmp_path):
    import_paths([csv2012], today=TODAY)
    one = _one_row(tmp_path, csv2012)
    env = dict(os.environ, SWP_STORE=str(store_path), SWP_DATA_DIR=str(config.data_dir()))
    cmd = [sys.executable, "-m", "swp_data", "import", str(one)]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=config.PROJECT_ROOT, env=env, timeout=300)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "would remove the 1,793 records" in lines[0]
    assert query(store_path, "SELECT count(*) FROM crime")[0][0] == 1793
    r = subprocess.run(
        [*cmd, "--confirm-replace"], capture_output=True, text=True, cwd=config.PROJECT_ROOT, env=env, timeout=300
    )
    assert r.returncode == 0, r.stderr
    assert query(store_path, "SELECT count(*) FROM crime")[0][0] == 0


# ----------------------------------------------------------------------------- source note (fetch helper contract)
def test_source_note_is_the_dataset_source(store_path, csv2012):
    note = "police.uk API (requested 2026-11-30; police.uk updated 2026-10-28)"
    rep = import_paths([csv2012], today=TODAY, source_note=note)
    assert query(store_path, "SELECT source FROM dataset WHERE dataset_id = ?", [rep.datasets[0]]) == [(note,)]
    rep = import_paths([csv2012], today=TODAY)  # without: the file names
    src = query(store_path, "SELECT source FROM dataset WHERE dataset_id = ?", [rep.datasets[0]])[0][0]
    assert src == f"data.police.uk street-level crime (West Midlands Police): {csv2012.name}"


def test_also_runs_in_the_same_transaction(store_path, csv2012):
    seen = []

    def also(con):
        seen.append(con.execute("SELECT count(*) FROM crime").fetchone()[0])
        raise InputError(None, "stop")

    with pytest.raises(InputError, match="stop"):
        import_paths([csv2012], today=TODAY, also=also)
    assert seen == [1793]  # it saw the import's rows
    assert query(store_path, "SELECT count(*) FROM crime")[0][0] == 0  # and its failure rolled them back


# ----------------------------------------------------------------------------- audit and authorisation
def test_import_and_delete_are_audited_with_the_os_user(store_path, csv2012):
    rep = import_paths([csv2012], today=TODAY)
    who = access.os_actor().who
    with store.reading() as con:
        a = audit.entries(con)
    assert len(a) == 1
    row = a.iloc[0]
    assert (row["who"], row["via"], row["action"], row["dataset_id"], row["rows"]) == (
        who,
        "os",
        "import",
        "police_uk:west-midlands",
        1793,
    )
    fp = query(store_path, "SELECT file_hash FROM dataset WHERE dataset_id = 'police_uk:west-midlands'")[0][0]
    assert row["fingerprint"] == fp and len(fp) == 64
    assert csv2012.name in row["detail"]
    assert rep.datasets == ["police_uk:west-midlands"]

    crime.delete_dataset("police_uk:west-midlands")
    with store.reading() as con:
        a = audit.entries(con)
    assert list(a["action"]) == ["delete", "import"]
    d = a.iloc[0]
    assert (d["who"], d["dataset_id"], d["rows"], d["fingerprint"]) == (who, "police_uk:west-midlands", 1793, fp)


def test_a_replaced_dataset_gets_its_own_audit_row(store_path, csv2012):
    import_paths([csv2012], is_demo=True, today=TODAY)
    import_paths([csv2012], today=TODAY)
    with store.reading() as con:
        a = audit.entries(con)
    rows = {r.dataset_id: (r.rows, r.detail) for r in a.iloc[:2].itertuples()}
    assert set(rows) == {"police_uk:west-midlands", "demo:police_uk:west-midlands"}
    assert rows["police_uk:west-midlands"][0] == 1793
    assert "1,793 row(s) replaced" in rows["demo:police_uk:west-midlands"][1]
    assert len(a) == 3  # the demo import, then one row per dataset touched


def test_a_viewer_can_neither_import_nor_delete(store_path, csv2012):
    import_paths([csv2012], today=TODAY)
    before = snapshot(store_path)
    viewer = Actor("v@x.gov.uk", "viewer", "oidc")
    with access.acting_as(viewer):
        with pytest.raises(NotAuthorised, match="importing data needs an analyst; v@x.gov.uk is signed in as viewer"):
            import_paths([csv2012], today=TODAY)
        with pytest.raises(NotAuthorised, match="deleting a dataset needs an analyst"):
            crime.delete_dataset("police_uk:west-midlands")
    assert snapshot(store_path) == before


def test_authorisation_is_checked_before_any_work(store_path, tmp_path, monkeypatch):
    """A viewer's import of a file that does not exist is refused for the
    viewer, not for the file: nothing is read first."""
    with access.acting_as(Actor("v@x.gov.uk", "viewer", "oidc")), pytest.raises(NotAuthorised):
        import_paths([tmp_path / "nope.csv"], today=TODAY)
    monkeypatch.setenv("SWP_MODE", "partnership")
    with access.acting_as(None), pytest.raises(NotAuthorised, match="nobody is signed in"):
        crime.delete_dataset("no-such-dataset")
