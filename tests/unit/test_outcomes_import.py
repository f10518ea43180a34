"""police.uk outcomes files imported beside the real 2012-01 street records of
the bundle: a small outcomes file is built here from that file's real Crime
IDs (TEST DATA: the outcomes are made up, the IDs are real), plus a few IDs
of crimes that are not in the store. Idempotence, archives, a street file
imported after its outcomes, refusals (store unchanged) and the command line.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

from swp_data import config
from swp_data.errors import InputError
from swp_data.sources.imports import import_paths
from swp_data.sources.policeuk.outcomes import OUTCOME_COLUMNS
from swp_data.taxonomy import outcomes as ot

CSV_2012 = "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"
TODAY = dt.date(2026, 11, 23)
# Made-up outcomes cycled over the real Crime IDs (TEST DATA)
CYCLE = (
    "Suspect charged",
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Offender given a caution",
    "A name police.uk never wrote",
)
N_KNOWN = 60  # outcome rows for crimes of the street file
N_UNKNOWN = 3  # outcome rows for crimes not in the store


@pytest.fixture
def csv2012(bundle_dir) -> Path:
    return bundle_dir / CSV_2012


def street_crimes(path: Path) -> list[dict]:
    """The real 2012-01 rows with a Crime ID (not ASB), first copy of each ID."""
    seen, out = set(), []
    with open(path, encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["Crime ID"] and r["Crime ID"] not in seen:
                seen.add(r["Crime ID"])
                out.append(r)
    return out


def outcome_rows(crimes: list[dict], month: str = "2012-03", n: int = N_KNOWN, force: str | None = None) -> list[list]:
    rows = []
    for i, r in enumerate(crimes[:n]):
        rows.append(
            [
                r["Crime ID"],
                month,
                force or r["Reported by"],
                force or r["Falls within"],
                r["Longitude"],
                r["Latitude"],
                "TEST DATA " + r["Location"],
                r["LSOA code"],
                r["LSOA name"],
                CYCLE[i % len(CYCLE)],
            ]
        )
    return rows


def not_in_store_rows(month: str = "2012-03") -> list[list]:
    return [
        [hashlib.sha256(f"not-in-store-{i}".encode()).hexdigest(), month, "West Midlands Police"]
        + ["West Midlands Police", "", "", "TEST DATA", "", "", "Suspect charged"]
        for i in range(N_UNKNOWN)
    ]


def write_outcomes(path: Path, rows: list[list], header=OUTCOME_COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def query(store: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(store: Path) -> tuple:
    """The outcome history, crime table and provenance row counts (loaded_at aside)."""
    return (
        query(store, "SELECT * FROM crime_outcome ORDER BY ALL"),
        query(store, "SELECT count(*), count(DISTINCT crime_id) FROM crime"),
        query(store, "SELECT dataset_id, row_count, file_hash FROM dataset ORDER BY 1"),
    )


@pytest.fixture
def with_street(store_path, csv2012) -> Path:
    import_paths([csv2012], today=TODAY)
    return store_path


@pytest.fixture
def outcomes_file(tmp_path, csv2012) -> Path:
    crimes = street_crimes(csv2012)
    return write_outcomes(tmp_path / "2012-03-west-midlands-outcomes.csv", outcome_rows(crimes) + not_in_store_rows())


# ----------------------------------------------------------------------------- taxonomy
def test_every_mapped_name_has_a_group_and_unknown_is_other():
    assert set(ot.OUTCOMES.values()) <= set(ot.GROUPS)
    assert ot.group_of("  suspect   CHARGED ") == ot.CHARGED
    assert ot.group_of("Awaiting court outcome") == ot.CHARGED
    assert ot.group_of("Offender given a drugs possession warning") == ot.OUT_OF_COURT
    assert ot.group_of("Unable to prosecute suspect") == ot.SUSPECT_NFA
    assert ot.group_of("Investigation complete; no suspect identified") == ot.NO_SUSPECT
    assert ot.group_of("Under investigation") == ot.UNDER_INVESTIGATION
    assert ot.group_of("unable-to-prosecute") == ot.SUSPECT_NFA  # API code
    assert ot.group_of("") == ot.NO_OUTCOME and ot.group_of(None) == ot.NO_OUTCOME
    assert ot.group_of("Something new") == ot.OTHER and not ot.is_known("Something new")
    # every outcome name of the bundle's real files is known
    assert ot.is_known("Offender deprived of property") and ot.is_known("Formal action is not in the public interest")


def test_group_sql_agrees_with_group_of():
    names = [*ot.OUTCOMES, "", "Something new", "CHARGED", "it's odd"]
    con = duckdb.connect()
    got = con.execute(
        f"SELECT n, {ot.group_sql('n')} FROM (SELECT unnest(?) AS n)",
        [names],
    ).fetchall()
    assert dict(got) == {n: ot.group_of(n) for n in names}


# ----------------------------------------------------------------------------- import
def test_outcomes_kept_for_crimes_in_store(with_street, outcomes_file):
    rep = import_paths([outcomes_file], today=TODAY)
    assert rep.outcomes_read == N_KNOWN + N_UNKNOWN
    assert rep.outcomes_kept == N_KNOWN
    assert rep.outcomes_not_in_store == N_UNKNOWN
    assert rep.unknown_outcomes == {"A name police.uk never wrote": N_KNOWN // len(CYCLE)}
    assert rep.outcome_months == ["2012-03"]
    assert "police_uk_outcomes:west-midlands" in rep.datasets
    assert "Unknown outcome names (counted as other)" in rep.to_text()
    rows = query(with_street, "SELECT count(*), count(DISTINCT crime_id), min(month), max(month) FROM crime_outcome")
    assert rows == [(N_KNOWN, N_KNOWN, dt.date(2012, 3, 1), dt.date(2012, 3, 1))]
    # the crimes are untouched; the provenance row says real, OGL
    assert query(with_street, "SELECT count(*) FROM crime") == [(1793,)]
    ds = query(
        with_street,
        "SELECT is_demo, row_count, kind FROM dataset WHERE dataset_id = 'police_uk_outcomes:west-midlands'",
    )
    assert ds == [(False, N_KNOWN, "police_uk_outcomes")]
    assert query(with_street, "SELECT count(*) FROM audit WHERE dataset_id = 'police_uk_outcomes:west-midlands'") == [
        (1,)
    ]


def test_importing_twice_changes_nothing(with_street, outcomes_file):
    import_paths([outcomes_file], today=TODAY)
    before = snapshot(with_street)
    rep = import_paths([outcomes_file], today=TODAY)
    assert rep.outcomes_kept == N_KNOWN
    assert snapshot(with_street) == before


def test_a_later_month_adds_to_the_history_and_a_street_file_after_keeps_it(
    with_street, outcomes_file, csv2012, tmp_path
):
    import_paths([outcomes_file], today=TODAY)
    crimes = street_crimes(csv2012)
    later = write_outcomes(
        tmp_path / "2012-05-west-midlands-outcomes.csv",
        [r[:9] + ["Offender sent to prison"] for r in outcome_rows(crimes, "2012-05", n=10)],
    )
    import_paths([later], today=TODAY)
    hist = query(with_street, "SELECT month, count(*) FROM crime_outcome GROUP BY 1 ORDER BY 1")
    assert hist == [(dt.date(2012, 3, 1), N_KNOWN), (dt.date(2012, 5, 1), 10)]
    before = query(with_street, "SELECT * FROM crime_outcome ORDER BY ALL")
    # the street month arrives again (a later archive republishes it): outcomes kept
    import_paths([csv2012], today=TODAY)
    assert query(with_street, "SELECT * FROM crime_outcome ORDER BY ALL") == before


def test_outcomes_before_their_street_file_in_one_archive(store_path, csv2012, tmp_path):
    crimes = street_crimes(csv2012)
    outcomes = tmp_path / "o.csv"
    write_outcomes(outcomes, outcome_rows(crimes, "2012-02"))
    z = tmp_path / "archive.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2012-02/2012-02-west-midlands-outcomes.csv", outcomes.read_bytes())
        zf.writestr("2012-01/2012-01-west-midlands-street.csv", csv2012.read_bytes())
    rep = import_paths([z], today=TODAY)
    assert rep.rows_kept == 1793 and rep.outcomes_kept == N_KNOWN and rep.skipped_members == 0
    assert query(store_path, "SELECT count(*) FROM crime_outcome") == [(N_KNOWN,)]


def test_an_archive_of_outcomes_only(with_street, outcomes_file, tmp_path):
    z = tmp_path / "outcomes.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2012-03/2012-03-west-midlands-outcomes.csv", outcomes_file.read_bytes())
    rep = import_paths([z], today=TODAY)
    assert rep.outcomes_kept == N_KNOWN and rep.rows_read == 0


def test_outcomes_without_their_crimes_are_counted_not_kept(store_path, outcomes_file):
    rep = import_paths([outcomes_file], today=TODAY)
    assert rep.outcomes_kept == 0 and rep.outcomes_not_in_store == N_KNOWN + N_UNKNOWN
    assert query(store_path, "SELECT count(*) FROM crime_outcome") == [(0,)]


def _refused(store: Path, path: Path, *needles: str) -> None:
    before = snapshot(store)
    with pytest.raises(InputError) as e:
        import_paths([path], today=TODAY)
    msg = str(e.value)
    assert path.name in msg, msg
    for n in needles:
        assert n in msg, msg
    assert "\n" not in msg
    assert snapshot(store) == before


def test_outcome_before_its_crime_is_refused(with_street, csv2012, tmp_path):
    crimes = street_crimes(csv2012)
    rows = outcome_rows(crimes, "2012-03", n=5)
    rows[3][1] = "2011-12"  # row 5 of the file (header is row 1)
    p = write_outcomes(tmp_path / "early.csv", rows)
    _refused(with_street, p, "row 5", "before its crime's month", "Jan 2012")


def test_another_force_is_refused(with_street, csv2012, tmp_path):
    crimes = street_crimes(csv2012)
    # a file named for Staffordshire carrying West Midlands rows
    p = write_outcomes(tmp_path / "2012-03-staffordshire-outcomes.csv", outcome_rows(crimes, n=4))
    _refused(with_street, p, "row 2", "another force")
    # West Midlands crimes reported by another force
    q = write_outcomes(tmp_path / "others.csv", outcome_rows(crimes, n=4, force="Staffordshire Police"))
    _refused(with_street, q, "row 2", "another force's crime")


@pytest.mark.parametrize(
    "change, needle",
    [
        (lambda r: r.__setitem__(0, ""), "no Crime ID"),
        (lambda r: r.__setitem__(1, "2012-13"), "not a month"),
        (lambda r: r.__setitem__(9, " "), "no Outcome type"),
        (lambda r: r.__setitem__(2, "Gotham City Police"), "not one of police.uk's forces"),
        (lambda r: r.pop(), "9 fields"),
    ],
)
def test_malformed_rows_are_refused(with_street, csv2012, tmp_path, change, needle):
    crimes = street_crimes(csv2012)
    rows = outcome_rows(crimes, n=6)
    change(rows[4])  # row 6
    p = write_outcomes(tmp_path / "bad-outcomes.csv", rows)
    _refused(with_street, p, "row 6", needle)


def test_command_line(with_street, outcomes_file):
    env = dict(os.environ, SWP_STORE=str(with_street), SWP_DATA_DIR=str(config.data_dir()))

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "swp_data", *args],
            capture_output=True,
            text=True,
            cwd=config.PROJECT_ROOT,
            env=env,
            timeout=300,
        )

    r = run("import", str(outcomes_file), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["outcomes_kept"] == N_KNOWN
    r = run("outcomes", "--json", "--from", "2012-01", "--to", "2012-01")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert list(d) == ["area", "from", "to", "crimes", "outcomes", "groups"]
    assert d["area"] == "Wolverhampton" and d["from"] == "2012-01" and d["to"] == "2012-01"
    assert d["crimes"] == 1793 - 369  # anti-social behaviour excluded
    assert sum(o["count"] for o in d["outcomes"]) == d["crimes"]
    assert sum(g["count"] for g in d["groups"]) == d["crimes"]
    assert {g["group"] for g in d["groups"]} == set(ot.GROUPS)
    by = {o["outcome"]: o for o in d["outcomes"]}
    assert by["A name police.uk never wrote"]["group"] == ot.OTHER
    assert by[""]["group"] == ot.NO_OUTCOME
    for g in d["groups"]:
        assert set(g) == {"group", "count", "share", "ci_low", "ci_high"}
        assert g["ci_low"] <= g["share"] <= g["ci_high"]
    r = run("outcomes", "--area", "nowhere at all")
    assert r.returncode == 2 and "nowhere at all" in r.stderr and r.stderr.count("\n") == 1
    r = run("outcomes", "--measure", "Burglary", "--area", "E05014838")
    assert r.returncode == 0 and "Burglary" in r.stdout


def test_an_archive_member_named_outcomes_with_another_header_is_refused(with_street, csv2012, tmp_path):
    z = tmp_path / "mixed.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2012-03/2012-03-west-midlands-outcomes.csv", csv2012.read_bytes()[:800])
    _refused(with_street, z, "2012-03-west-midlands-outcomes.csv", "row 1", "header")


# ----------------------------------------------------------------------------- API
def test_api_outcome_status_enters_the_history(store_path, bundle_dir):
    """The real June 2018 API responses: each kept crime's outcome_status
    (category, month) becomes a history entry; importing again changes nothing."""
    api = bundle_dir / "police_uk" / "api" / "2018-06"
    rep = import_paths([api], today=TODAY)
    want = {}
    for f in sorted(api.glob("*.json")):
        for r in json.loads(f.read_text()):
            s = r.get("outcome_status")
            if s and s.get("category"):
                want[r["persistent_id"] or str(r["id"])] = (s["date"], s["category"])
    kept = dict(
        (cid, (f"{m:%Y-%m}", o))
        for cid, m, o in query(store_path, "SELECT crime_id, month, outcome FROM crime_outcome")
    )
    in_city = {r[0] for r in query(store_path, "SELECT crime_id FROM crime")}
    assert kept == {k: v for k, v in want.items() if k in in_city}
    assert rep.outcomes_kept == len(kept) > 1500
    assert rep.outcomes_not_in_store == len({k for k in want if k not in in_city})
    before = snapshot(store_path)
    import_paths([api], today=TODAY)
    assert snapshot(store_path) == before


def test_fetch_brings_outcomes_without_more_requests(store_path, ref_store, bundle_dir, tmp_path, monkeypatch):
    """``python -m swp_data fetch`` (against the loopback stand-in of the API):
    the month's records' outcome_status gives the same history as the
    bundle's files, and no request beyond the crimes' (no outcomes-for-crime)."""
    from swp_data.sources import fetch
    from tests.policeuk_standin import StandIn

    api = bundle_dir / "police_uk" / "api" / "2018-06"
    other = tmp_path / "files.duckdb"
    other.write_bytes(ref_store.read_bytes())
    monkeypatch.setenv("SWP_STORE", str(other))
    import_paths([api], today=TODAY)
    from_files = query(other, "SELECT crime_id, month, outcome FROM crime_outcome ORDER BY ALL")
    monkeypatch.setenv("SWP_STORE", str(store_path))
    with StandIn() as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        result = fetch.fetch(client=fetch.Client(a.url, backoff=0.01, max_wait=0.05, timeout=(2.0, 1.0)))
        paths = [e["path"] for e in a.log]
    assert result.months_fetched == ["2018-06"]
    assert not [p for p in paths if "outcome" in p]
    assert query(store_path, "SELECT crime_id, month, outcome FROM crime_outcome ORDER BY ALL") == from_files
    assert len(from_files) > 1500
