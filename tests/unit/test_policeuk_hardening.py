"""Hardening of the import path (issue 11) and its audit trail: the store's
write lock held only to write, one small file cannot erase a month, the
caller's source note, audit rows and authorisation. Hostile files are small
and written here."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import duckdb
import pytest

from swp_data import access, config, store
from swp_data.access import Actor, NotAuthorised
from swp_data.errors import InputError
from swp_data.sources import policeuk, uploads
from swp_data.sources.imports import import_paths
from swp_data.sources.policeuk import POLICE_COLUMNS
from swp_data.store import audit, datasets

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


def named(err: InputError, name: str) -> str:
    """The one-line message of ``err`` after its file part, checking the file is ``name``."""
    msg = str(err)
    assert "\n" not in msg and err.file is not None and Path(err.file.split("!")[0]).name == name.split("!")[0]
    shown = err.file if len(err.file) <= 80 else Path(err.file).name
    assert msg.startswith(shown + ": "), msg
    return msg[len(shown) + 2 :]


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
    assert named(e.value, one.name) == (
        "would remove the 1,793 records loaded for West Midlands Police, Jan 2012 and bring 0; "
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

    datasets.delete_dataset("police_uk:west-midlands")
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
            datasets.delete_dataset("police_uk:west-midlands")
    assert snapshot(store_path) == before


def test_authorisation_is_checked_before_any_work(store_path, tmp_path, monkeypatch):
    """A viewer's import of a file that does not exist is refused for the
    viewer, not for the file: nothing is read first."""
    with access.acting_as(Actor("v@x.gov.uk", "viewer", "oidc")), pytest.raises(NotAuthorised):
        import_paths([tmp_path / "nope.csv"], today=TODAY)
    monkeypatch.setenv("SWP_MODE", "partnership")
    with access.acting_as(None), pytest.raises(NotAuthorised, match="nobody is signed in"):
        datasets.delete_dataset("no-such-dataset")


# ----------------------------------------------------------------------------- archives
MEMBER = "2012-01/2012-01-west-midlands-street.csv"
HEADER = (",".join(POLICE_COLUMNS) + "\n").encode()


def _zip_of_zeros(path: Path, name: str, mib: int) -> Path:
    """A member of a street header and ``mib`` MiB of zeros: a few hundred KB zipped."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf, zf.open(name, "w") as fh:
        fh.write(HEADER)
        block = bytes(1 << 20)
        for _ in range(mib):
            fh.write(block)
    return path


def _no_extraction(monkeypatch) -> list:
    calls: list = []
    orig = policeuk.archives.copy_member
    monkeypatch.setattr(policeuk.archives, "copy_member", lambda *a, **k: calls.append(a[1]) or orig(*a, **k))
    return calls


def test_a_zip_bomb_is_refused_from_its_directory(store_path, tmp_path, monkeypatch):
    z = _zip_of_zeros(tmp_path / "bomb.zip", MEMBER, 300)
    assert z.stat().st_size < 2 * 1024 * 1024
    calls = _no_extraction(monkeypatch)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    assert str(e.value) == (
        f"bomb.zip!{MEMBER}: inflates to 300 MB, more than the 256 MB a police.uk street file can be"
    )
    assert calls == []  # nothing was extracted


def test_a_member_inflating_too_many_times_is_refused(store_path, tmp_path, monkeypatch):
    z = _zip_of_zeros(tmp_path / "ratio.zip", MEMBER, 20)
    calls = _no_extraction(monkeypatch)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    msg = str(e.value)
    assert msg.startswith(f"ratio.zip!{MEMBER}: inflates ") and "not a police.uk CSV; refusing to extract it" in msg
    assert "\n" not in msg and calls == []


def test_the_archive_total_is_capped(store_path, csv2012, tmp_path, monkeypatch):
    monkeypatch.setattr(policeuk.archives, "MAX_ARCHIVE_BYTES", 500_000)
    data = csv2012.read_bytes()  # 356 KB each
    z = tmp_path / "two.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, data)
        zf.writestr("2012-02/2012-02-west-midlands-street.csv", data)
    with pytest.raises(InputError, match=r"two\.zip!2012-02/2012-02-west-midlands-street\.csv: the archive's street"):
        import_paths([z], today=TODAY)


def test_a_header_that_lies_about_the_size_is_refused(store_path, csv2012, tmp_path):
    """The directory says 1,000 bytes; the member inflates to 356 KB."""
    z = tmp_path / "liar.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, csv2012.read_bytes())
    raw = bytearray(z.read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = raw.index(sig)
        raw[i + off : i + off + 4] = (1000).to_bytes(4, "little")
    z.write_bytes(bytes(raw))
    before = snapshot(store_path)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    msg = str(e.value)
    assert msg.startswith(f"liar.zip!{MEMBER}: ") and "\n" not in msg
    assert snapshot(store_path) == before


def test_the_header_is_checked_before_a_member_is_extracted(tmp_path):
    z = tmp_path / "h.zip"
    body = b"Date,Ward,Thing\n" + b"2024-01-01,Bilston North,3\n" * 200_000
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MEMBER, body)
    out = io.BytesIO()
    with zipfile.ZipFile(z) as zf, pytest.raises(InputError, match="header is: Date, Ward, Thing"):
        policeuk.archives.copy_member(zf, zf.getinfo(MEMBER), out, f"h.zip!{MEMBER}")
    assert out.getvalue() == b""  # nothing written


def test_a_zip_of_thousands_of_made_up_forces_is_refused_quickly(store_path, csv2012, tmp_path, monkeypatch):
    row = csv2012.read_bytes().split(b"\n")[1]
    z = tmp_path / "forces.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k in range(10_000):
            zf.writestr(f"2012-01/2012-01-force-{k:05d}-street.csv", HEADER + row + b"\n")
    calls = _no_extraction(monkeypatch)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    assert str(e.value) == (
        "forces.zip!2012-01/2012-01-force-00000-street.csv: 'force-00000' is not one of police.uk's forces "
        "(e.g. west-midlands)"
    )
    assert calls == []
    assert query(store_path, "SELECT count(*) FROM dataset WHERE kind = 'police_uk'") == [(0,)]


def test_reported_by_must_be_a_police_uk_force(store_path, csv2012, tmp_path):
    rows = rows_of(csv2012)
    rows[6]["Reported by"] = "Ministry of Silly Walks"
    f = write_rows(tmp_path / "force.csv", rows)
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    assert named(e.value, f.name) == (
        "row 8: 'Reported by' 'Ministry of Silly Walks' is not one of police.uk's forces (e.g. 'West Midlands Police')"
    )
    # every force of police.uk is accepted, by name, in any case and spacing
    assert policeuk.schema.is_force("devon &  cornwall police")
    assert len(policeuk.schema.FORCES) == 45


# ----------------------------------------------------------------------------- months
@pytest.mark.parametrize(
    ("month", "problem"),
    [
        ("0000-01", "Month 0000-01 is before Dec 2010, when police.uk street data starts"),
        ("1900-01", "Month 1900-01 is before Dec 2010, when police.uk street data starts"),
        ("2010-11", "Month 2010-11 is before Dec 2010, when police.uk street data starts"),
        ("2027-01", "Month 2027-01 is in the future (today is 23 Nov 2026)"),
        ("2012-00", "Month '2012-00' is not a month like 2024-01"),
    ],
)
def test_nonsense_months_are_refused_with_file_and_row(month, problem, store_path, csv2012, tmp_path):
    rows = rows_of(csv2012)[:20]
    rows[11]["Month"] = month
    f = write_rows(tmp_path / "m.csv", rows)
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    assert named(e.value, "m.csv") == f"row 13: {problem}"


def test_december_2010_is_the_first_month(store_path, csv2012, tmp_path):
    rows = [dict(r, Month="2010-12") for r in rows_of(csv2012)[:20]]
    assert import_paths([write_rows(tmp_path / "m.csv", rows)], today=TODAY).months == ["2010-12"]


def test_an_archive_member_of_a_nonsense_month_is_refused_unread(store_path, tmp_path, monkeypatch):
    z = tmp_path / "old.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("0000-01/0000-01-west-midlands-street.csv", HEADER)
    calls = _no_extraction(monkeypatch)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    assert str(e.value) == (
        "old.zip!0000-01/0000-01-west-midlands-street.csv: Month 0000-01 is before Dec 2010, "
        "when police.uk street data starts"
    )
    assert calls == []


# ----------------------------------------------------------------------------- API JSON
def test_deeply_nested_json_is_one_line(store_path, tmp_path):
    f = tmp_path / "deep.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    assert named(e.value, f.name) == "JSON nested too deeply: not a police.uk API crimes-street response"


def test_a_json_file_above_the_cap_is_refused_unread(store_path, tmp_path, monkeypatch):
    f = tmp_path / "big.json"
    with open(f, "wb") as fh:  # sparse: no disk or memory used
        fh.truncate(policeuk.reading.MAX_JSON_BYTES + 1)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    assert named(e.value, "big.json") == (
        "32 MB: larger than the 32 MB an API crimes-street response can be (at most 10,000 crimes); "
        "split it into one file per request"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("1" + "0" * 400, "record 1: latitude/longitude '1" + "0" * 29 + "', '-2.1' is not a coordinate"),
        ("9" * 5000, "not valid JSON (Exceeds the limit (4300 digits) for integer string conversion"),
    ],
)
def test_huge_numbers_in_json_are_one_line(value, problem, store_path, tmp_path):
    f = tmp_path / "n.json"
    f.write_text(
        '[{"id": 1, "category": "burglary", "month": "2018-06", '
        f'"location": {{"latitude": {value}, "longitude": -2.1}}}}]'
    )
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    msg = str(e.value)
    assert problem in msg and "\n" not in msg


# ----------------------------------------------------------------------------- unexpected failures
def test_an_unexpected_error_is_one_line_without_internals(store_path, csv2012, monkeypatch, caplog):
    def boom(*a, **k):
        raise RuntimeError(f"disk on fire at {store_path}")

    monkeypatch.setattr(policeuk.replacing, "write", boom)
    before = snapshot(store_path)
    with caplog.at_level("ERROR", logger="swp_data.sources.imports"), pytest.raises(InputError) as e:
        import_paths([csv2012], today=TODAY)
    assert str(e.value) == (
        "the import failed unexpectedly (RuntimeError); nothing was changed. The details are in the server log"
    )
    assert "disk on fire" in caplog.text
    assert snapshot(store_path) == before


# ----------------------------------------------------------------------------- uploads
class _Upload(io.BytesIO):
    """Like Streamlit's UploadedFile: a file object; records the reads and
    refuses to be copied whole."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, n: int | None = -1) -> bytes:
        self.reads.append(n)
        return super().read(n)

    def getvalue(self) -> bytes:  # the old page copied every upload whole
        raise AssertionError("an upload was copied whole into memory")


def test_uploads_are_spooled_to_disk_in_chunks(tmp_path):
    data = os.urandom(3 * uploads.UPLOAD_CHUNK + 123)
    up = _Upload(data)
    up.read(10)  # a position left anywhere by an earlier reader
    (p,) = uploads.save_uploads([("../x/2025-06-west-midlands-street.csv", up)], tmp_path)
    assert p == tmp_path / "2025-06-west-midlands-street.csv"
    assert p.read_bytes() == data
    assert all(0 < n <= uploads.UPLOAD_CHUNK for n in up.reads[1:])
    assert len(up.reads) == 1 + 5  # four chunks and the empty read at the end


def test_one_street_file_per_force_and_month_in_an_archive(store_path, csv2012, tmp_path, monkeypatch):
    """Thousands of copies of one force's month under different folders are
    refused from the directory, not extracted and read one by one."""
    z = tmp_path / "copies.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for k in range(3000):
            zf.writestr(f"d{k:04d}/{MEMBER.split('/')[1]}", HEADER)
    calls = _no_extraction(monkeypatch)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    assert named(e.value, "copies.zip!d0001/2012-01-west-midlands-street.csv") == (
        "a second street file for west-midlands, 2012-01 in this archive "
        "(the first: d0000/2012-01-west-midlands-street.csv)"
    )
    assert calls == []


def test_made_up_crime_types_are_refused(store_path, csv2012, tmp_path):
    """A city file whose every row has its own crime type would have listed them
    all in the report; police.uk uses 14."""
    rows = rows_of(csv2012)[:300]
    for k, r in enumerate(rows):
        r["Crime type"] = f"Made-up type {k}"
    f = write_rows(tmp_path / "types.csv", rows)
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    assert named(e.value, f.name) == (
        "300 different crime types that police.uk does not use (it uses 14): not a police.uk street file"
    )
    rows = rows_of(csv2012)[:300]
    for k, r in enumerate(rows[:21]):
        r["Crime type"] = f"Made-up type {k}"
    with pytest.raises(InputError, match="21 different crime types"):
        import_paths([write_rows(tmp_path / "t21.csv", rows)], today=TODAY)
    for r in rows[20:21]:
        r["Crime type"] = "Burglary"
    assert import_paths([write_rows(tmp_path / "t20.csv", rows)], today=TODAY).rows_kept == 300


def test_a_month_with_far_more_city_records_than_the_city_has_is_refused(store_path, csv2012, tmp_path, monkeypatch):
    monkeypatch.setattr(policeuk.classifying, "MAX_CANDIDATES_PER_MONTH", 1000)
    with pytest.raises(InputError) as e:
        import_paths([csv2012], today=TODAY)
    assert named(e.value, csv2012.name) == (
        "1,793 records of West Midlands Police, 2012-01 in or near Wolverhampton: more than the 1,000 "
        "a police.uk file can hold for the city (about 3,000 a month)"
    )
    monkeypatch.setattr(policeuk.classifying, "MAX_CANDIDATES_PER_MONTH", 1793)
    assert import_paths([csv2012], today=TODAY).rows_kept == 1793


def test_the_staging_connection_is_private_bounded_and_quiet(store_path, tmp_path):
    """In memory, with a memory limit (spilling to the import's folder), the
    reference tables copied in, and no DuckDB progress bar (it would be printed
    on stdout, where `import --json` prints its one line)."""
    from swp_data.sources import imports

    con = imports._staging_connection(tmp_path)
    try:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0] is False
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == "953.6 MiB"  # 1 GB
        assert con.execute("SELECT count(*) FROM lsoa21").fetchone()[0] == 161
        assert con.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal").fetchall() == [
            ("memory",)
        ]
    finally:
        con.close()


def test_an_archive_of_made_up_reported_by_texts_is_refused_at_its_first_member(
    store_path, csv2012, tmp_path, monkeypatch
):
    """Well-named members (every force, 40 months), each with its own 'Reported
    by' text: refused while the first member is extracted, not after all of
    them are extracted and read."""
    row = rows_of(csv2012)[0]
    z = tmp_path / "texts.zip"
    k = 0
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for slug in policeuk.schema.FORCES:
            for m in range(40):
                month = f"{2012 + m // 12}-{m % 12 + 1:02d}"
                r = dict(row, Month=month, **{"Reported by": f"Force number {k}"})
                buf = io.StringIO()
                w = csv.writer(buf, lineterminator="\n")
                w.writerow(POLICE_COLUMNS)
                w.writerow([r[c] for c in POLICE_COLUMNS])
                zf.writestr(f"{month}/{month}-{slug}-street.csv", buf.getvalue())
                k += 1
    calls = _no_extraction(monkeypatch)
    with pytest.raises(InputError) as e:
        import_paths([z], today=TODAY)
    assert named(e.value, "texts.zip!2012-01/2012-01-avon-and-somerset-street.csv") == (
        "row 2: 'Reported by' 'Force number 0' is not one of police.uk's forces (e.g. 'West Midlands Police')"
    )
    # of 1,800 members: the extracting threads may run a few hundred tiny members ahead of the check
    assert len(calls) < 900
    assert query(store_path, "SELECT count(*) FROM dataset WHERE kind = 'police_uk'") == [(0,)]
