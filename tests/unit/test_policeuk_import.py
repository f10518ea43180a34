"""The police.uk importer on the real samples of the bundle (read in place):
the 2012-01 West Midlands street CSV (Wolverhampton rows) and the June 2018
API responses; idempotence, supersession, bad inputs (store unchanged), hostile
text and the command line. Broken inputs are derived from the real files by code.
"""

from __future__ import annotations

import collections
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
import numpy as np
import pytest
import shapely

from geo.boundaries import from_frame
from geo.spatial import AreaLocator
from swp_data import config, taxonomy
from swp_data.errors import InputError
from swp_data.sources.imports import ImportReport, import_paths
from swp_data.sources.policeuk import POLICE_COLUMNS, archive_members, force_slug

CSV_2012 = "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"
API_2018 = "police_uk/api/2018-06"
MEMBER = "2012-01/2012-01-west-midlands-street.csv"
TODAY = dt.date(2026, 11, 23)


# ----------------------------------------------------------------------------- helpers
@pytest.fixture
def csv2012(bundle_dir) -> Path:
    return bundle_dir / CSV_2012


@pytest.fixture
def api2018(bundle_dir) -> Path:
    return bundle_dir / API_2018


def raw_rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict] | list[list[str]], header=POLICE_COLUMNS) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r[c] for c in POLICE_COLUMNS] if isinstance(r, dict) else r)
    return path


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def query(store: Path, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def snapshot(store: Path) -> tuple[str, str]:
    """Checksums of the crime table and the provenance table."""
    out = []
    for sql in ("SELECT * FROM crime ORDER BY ALL", "SELECT * FROM dataset ORDER BY ALL"):
        out.append(hashlib.sha256(repr(query(store, sql)).encode()).hexdigest())
    return tuple(out)


def crime_count(store: Path) -> int:
    return query(store, "SELECT count(*) FROM crime")[0][0]


def check_balance(rep: ImportReport) -> None:
    """Every row read ends in exactly one bucket."""
    assert rep.rows_read == rep.rows_kept + rep.outside_city + rep.no_location + rep.duplicates_dropped


def expected_categories(rows: list[dict]) -> collections.Counter:
    out = collections.Counter()
    for r in rows:
        out[taxonomy.canonical(r["Crime type"]) or r["Crime type"]] += 1
    return out


# ----------------------------------------------------------------------------- 2012 CSV
def test_real_2012_csv(store_path, csv2012):
    rows = raw_rows(csv2012)
    assert len(rows) == 1793
    rep = import_paths([csv2012], today=TODAY)
    check_balance(rep)
    expected = expected_categories(rows)
    # Historic names are mapped; the historic category keeps its own name.
    assert expected["Violence and sexual offences"] == sum(r["Crime type"] == "Violent crime" for r in rows) == 228
    assert expected["Public disorder and weapons"] == 50
    assert rep.by_category == dict(expected)
    assert rep.rows_read == rep.rows_kept == 1793
    assert rep.outside_city == rep.no_location == rep.duplicates_dropped == 0
    assert rep.unknown_categories == {}
    assert rep.months == ["2012-01"]
    assert rep.files == 1
    assert rep.datasets == ["police_uk:west-midlands"]

    got = dict(query(store_path, "SELECT category, count(*) FROM crime GROUP BY 1"))
    assert got == dict(expected)
    assert "Violent crime" not in got
    # 369 ASB rows without Crime ID, all kept (identical rows are separate incidents).
    asb = query(store_path, "SELECT count(*) FROM crime WHERE category = 'Anti-social behaviour' AND crime_id IS NULL")
    assert asb[0][0] == 369 == sum(r["Crime type"] == "Anti-social behaviour" and not r["Crime ID"] for r in rows)
    key = lambda r: (r["Crime ID"] or None, r["Longitude"], r["Latitude"], r["Location"], r["Crime type"])  # noqa: E731
    raw_multiset = collections.Counter(key(r) for r in rows)
    assert max(raw_multiset.values()) > 1  # the file has identical rows
    stored = collections.Counter(
        (cid, f"{lon:.6f}", f"{lat:.6f}", loc, orig)
        for cid, lon, lat, loc, orig in query(
            store_path, "SELECT crime_id, lon, lat, location, category_original FROM crime"
        )
    )
    assert stored == raw_multiset
    # Every record is placed, by its coordinates, in a city LSOA and ward.
    assert query(store_path, "SELECT count(*) FROM crime WHERE lsoa21_code IS NULL OR ward_code IS NULL")[0][0] == 0
    assert query(store_path, "SELECT DISTINCT placed_by FROM crime") == [("coordinates",)]
    assert query(store_path, "SELECT DISTINCT force, month FROM crime") == [
        ("West Midlands Police", dt.date(2012, 1, 1))
    ]
    # Provenance.
    (ds,) = query(
        store_path,
        "SELECT dataset_id, kind, licence, is_demo, period_start, period_end, row_count, "
        "source, file_hash FROM dataset WHERE kind = 'police_uk'",
    )
    assert ds[:7] == (
        "police_uk:west-midlands",
        "police_uk",
        "Open Government Licence v3.0",
        False,
        dt.date(2012, 1, 1),
        dt.date(2012, 1, 31),
        1793,
    )
    assert csv2012.name in ds[7]
    assert len(ds[8]) == 64


def test_2012_disagreements_counted_independently(store_path, csv2012):
    """Rows whose 2011 LSOA code does not hold their point: computed here with
    shapely directly on the store's shapes and the crosswalk."""
    rep = import_paths([csv2012], today=TODAY)
    lsoa = from_frame(query_df(store_path, "SELECT lsoa21_code, geom FROM lsoa21"))
    children = collections.defaultdict(set)
    for c11, c21 in query(store_path, "SELECT lsoa11_code, lsoa21_code FROM lsoa_crosswalk"):
        children[c11].add(c21)
    rows = raw_rows(csv2012)
    x = np.array([float(r["Longitude"]) for r in rows])
    y = np.array([float(r["Latitude"]) for r in rows])
    n_dis = 0
    for r, xi, yi in zip(rows, x, y, strict=True):
        hits = {c for c, g in zip(lsoa["lsoa21_code"], lsoa.geometry, strict=True) if shapely.intersects_xy(g, xi, yi)}
        assert hits, "every 2012 point is inside the city"
        if not hits & children[r["LSOA code"]]:
            n_dis += 1
    assert rep.disagreements == n_dis
    assert rep.placed_by_code == 0


def query_df(store: Path, sql: str):
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


# ----------------------------------------------------------------------------- API JSON
def test_real_2018_api(store_path, api2018):
    records = []
    for f in sorted(api2018.glob("*.json")):
        records += json.loads(f.read_text())
    unique = {r["id"]: r for r in records}
    assert (len(records), len(unique)) == (2510, 2463)
    # Outside the city, computed independently: points not in the union of the LSOA shapes.
    city = shapely.union_all(from_frame(query_df(store_path, "SELECT geom FROM lsoa21")).geometry.to_numpy())
    x = np.array([float(r["location"]["longitude"]) for r in unique.values()])
    y = np.array([float(r["location"]["latitude"]) for r in unique.values()])
    outside = int((~shapely.intersects_xy(city, x, y)).sum())
    assert 0 < outside < 100

    rep = import_paths([api2018], today=TODAY)
    check_balance(rep)
    assert rep.files == 20
    assert rep.rows_read == 2510
    assert rep.duplicates_dropped == 47
    assert rep.outside_city == outside
    assert rep.rows_kept == 2463 - outside == crime_count(store_path)
    assert rep.months == ["2018-06"]
    kept = [r for r, inside in zip(unique.values(), shapely.intersects_xy(city, x, y), strict=True) if inside]
    assert rep.by_category == dict(collections.Counter(taxonomy.canonical(r["category"]) for r in kept))
    # persistent_id as crime_id when there is one, else the API id.
    ids = {r[0] for r in query(store_path, "SELECT crime_id FROM crime")}
    assert ids == {(r["persistent_id"] or str(r["id"])) for r in kept}
    # No force in the API: West Midlands Police, British Transport Police for location_type BTP.
    forces = dict(query(store_path, "SELECT force, count(*) FROM crime GROUP BY 1"))
    assert forces["British Transport Police"] == sum(r["location_type"] == "BTP" for r in kept)
    assert forces["West Midlands Police"] == sum(r["location_type"] != "BTP" for r in kept)
    # (since issue 19 each record's outcome_status also enters its crime's outcome history)
    assert set(rep.datasets) == {
        "police_uk:west-midlands",
        "police_uk:british-transport",
        "police_uk_outcomes:west-midlands",
        "police_uk_outcomes:british-transport",
    }
    assert query(store_path, "SELECT DISTINCT placed_by FROM crime") == [("coordinates",)]


def test_api_then_csv_same_force_month_replaces(store_path, api2018, tmp_path, csv2012):
    """A CSV of June 2018 (West Midlands) replaces the API records of that force and month."""
    import_paths([api2018], today=TODAY)
    rows = raw_rows(csv2012)[:10]
    for r in rows:
        r["Month"] = "2018-06"
    f = write_rows(tmp_path / "2018-06-west-midlands-street.csv", rows)
    # 10 records for ~2,400: refused unless confirmed (test_small_file_does_not_erase_a_month)
    rep = import_paths([f], today=TODAY, confirm_replace=True)
    assert rep.rows_kept == 10
    forces = dict(query(store_path, "SELECT force, count(*) FROM crime GROUP BY 1"))
    assert forces["West Midlands Police"] == 10
    assert forces["British Transport Police"] > 0  # another force: untouched
    assert any("replaced" in w for w in rep.warnings)


# ----------------------------------------------------------------------------- idempotence
def test_reimport_is_idempotent(store_path, csv2012):
    import_paths([csv2012], today=TODAY)
    first = query(store_path, "SELECT * FROM crime ORDER BY ALL")
    rep = import_paths([csv2012], today=TODAY)
    assert query(store_path, "SELECT * FROM crime ORDER BY ALL") == first
    assert len(first) == 1793 == rep.rows_kept
    assert query(store_path, "SELECT row_count FROM dataset WHERE dataset_id = 'police_uk:west-midlands'") == [(1793,)]


def test_zip_then_plain_csv_gives_same_rows(store_path, csv2012, tmp_path):
    z = zip_of(tmp_path / "archive.zip", {MEMBER: csv2012.read_bytes()})
    rep = import_paths([z], today=TODAY)
    assert rep.rows_kept == 1793 and rep.files == 1
    from_zip = query(store_path, "SELECT * FROM crime ORDER BY ALL")
    import_paths([csv2012], today=TODAY)
    assert query(store_path, "SELECT * FROM crime ORDER BY ALL") == from_zip


def test_month_in_two_archives_counts_once(store_path, csv2012, tmp_path):
    data = csv2012.read_bytes()
    # (outcomes members are read since issue 19: the skipped member here is another kind)
    a = zip_of(tmp_path / "a-2023.zip", {MEMBER: data, "2012-01/2012-01-west-midlands-stop-and-search.csv": b"x\n"})
    b = zip_of(tmp_path / "b-2024.zip", {MEMBER: data, "2012-01/2012-01-west-midlands-stop-and-search.csv": b"y\n"})
    rep = import_paths([b, a], today=TODAY)
    check_balance(rep)
    assert rep.rows_read == 2 * 1793
    assert rep.rows_kept == 1793 == crime_count(store_path)
    assert rep.duplicates_dropped == 1793
    assert rep.skipped_members == 2
    assert rep.by_category == dict(expected_categories(raw_rows(csv2012)))
    assert "2 file" not in rep.to_text() and "1,793" in rep.to_text()


def test_any_force_in_an_archive(store_path, csv2012, tmp_path):
    rows = raw_rows(csv2012)
    staffs = [
        dict(
            r,
            **{
                "Reported by": "Staffordshire Police",
                "Falls within": "Staffordshire Police",
                "Longitude": "-2.116000",
                "Latitude": "52.806000",
                "LSOA code": "E01029700",
            },
        )
        for r in rows[:50]
    ]
    btp = [
        dict(r, **{"Reported by": "British Transport Police", "Falls within": "British Transport Police"})
        for r in rows[50:60]
    ]
    buf = {}
    for name, rr in (("2012-01/2012-01-staffordshire-street.csv", staffs), ("2012-01/2012-01-btp-street.csv", btp)):
        f = write_rows(tmp_path / "m.csv", rr)
        buf[name] = f.read_bytes()
    z = zip_of(tmp_path / "forces.zip", buf)
    rep = import_paths([z], today=TODAY)
    check_balance(rep)
    assert (rep.rows_read, rep.rows_kept, rep.outside_city) == (60, 10, 50)
    assert rep.datasets == ["police_uk:british-transport"]
    assert any("Staffordshire Police" in w for w in rep.warnings)
    assert query(store_path, "SELECT dataset_id, row_count FROM dataset WHERE kind = 'police_uk'") == [
        ("police_uk:british-transport", 10)
    ]


def test_last_file_in_path_order_wins(store_path, csv2012, tmp_path):
    rows = raw_rows(csv2012)
    d = tmp_path / "dl"
    d.mkdir()
    write_rows(d / "a.csv", rows[:100])
    write_rows(d / "b.csv", rows[100:130])
    rep = import_paths([d], today=TODAY)
    assert rep.rows_kept == 30 == crime_count(store_path)
    assert rep.duplicates_dropped == 100


def test_demo_replaced_by_real(store_path, csv2012):
    rep = import_paths([csv2012], is_demo=True, today=TODAY)
    assert rep.datasets == ["demo:police_uk:west-midlands"]
    assert query(store_path, "SELECT is_demo, licence FROM dataset WHERE kind = 'police_uk'")[0][0] is True
    import_paths([csv2012], today=TODAY)
    assert query(store_path, "SELECT dataset_id FROM dataset WHERE kind = 'police_uk'") == [
        ("police_uk:west-midlands",)
    ]
    assert query(store_path, "SELECT DISTINCT dataset_id FROM crime") == [("police_uk:west-midlands",)]


# ----------------------------------------------------------------------------- placing and counting
def test_locations_codes_duplicates_and_unknown_categories(store_path, csv2012, tmp_path):
    rows = raw_rows(csv2012)
    base = rows[:200]
    crime = next(r for r in base if r["Crime ID"])
    asb = next(r for r in base if not r["Crime ID"])
    city = shapely.union_all(from_frame(query_df(store_path, "SELECT geom FROM lsoa21")).geometry.to_numpy())
    minx, miny, maxx, maxy = city.bounds
    extra = [
        # "No Location": neither coordinates nor LSOA code -> not kept.
        dict(
            crime,
            **{
                "Crime ID": "nl1",
                "Longitude": "",
                "Latitude": "",
                "LSOA code": "",
                "LSOA name": "",
                "Location": "No Location",
            },
        ),
        # Elsewhere in the force (Birmingham code, coordinates far east) -> outside.
        dict(
            crime,
            **{
                "Crime ID": "bham",
                "Longitude": "-1.890000",
                "Latitude": "52.480000",
                "LSOA code": "E01009000",
                "LSOA name": "Birmingham 001A",
            },
        ),
        # A split 2011 code and no coordinates -> placed by code, largest-weight child.
        dict(crime, **{"Crime ID": "code1", "Longitude": "", "Latitude": "", "LSOA code": "E01010435"}),
        # A city 2021 code with coordinates just outside the boundary -> kept, by code.
        dict(
            crime,
            **{
                "Crime ID": "edge",
                "Longitude": f"{minx - 0.001:.6f}",
                "Latitude": f"{(miny + maxy) / 2:.6f}",
                "LSOA code": "E01010410",
            },
        ),
        # Same Crime ID again in the month, identical or not -> duplicates.
        dict(crime),
        dict(crime, **{"Last outcome category": "Under investigation", "Location": "On or near Elsewhere"}),
        # An identical ASB row: another incident, kept.
        dict(asb),
        # A category police.uk never used -> kept under its own name and reported.
        dict(crime, **{"Crime ID": "fraud1", "Crime type": "Fraud"}),
    ]
    f = write_rows(tmp_path / "mixed.csv", base + extra)
    rep = import_paths([f], today=TODAY)
    check_balance(rep)
    assert rep.rows_read == 208
    assert rep.no_location == 1
    assert rep.outside_city == 1
    assert rep.duplicates_dropped == 2
    assert rep.placed_by_code == 2
    assert rep.rows_kept == 204 == crime_count(store_path)
    assert rep.unknown_categories == {"Fraud": 1}
    assert rep.by_category["Fraud"] == 1
    assert any("just outside the city boundary" in w for w in rep.warnings)
    best = query(
        store_path,
        "SELECT lsoa21_code FROM lsoa_crosswalk WHERE lsoa11_code = 'E01010435' ORDER BY weight DESC LIMIT 1",
    )[0][0]
    assert query(store_path, "SELECT lsoa21_code, placed_by FROM crime WHERE crime_id = 'code1'") == [(best, "code")]
    assert query(store_path, "SELECT lsoa21_code, placed_by FROM crime WHERE crime_id = 'edge'") == [
        ("E01010410", "code")
    ]
    assert query(store_path, "SELECT count(*) FROM crime WHERE crime_id = ?", [crime["Crime ID"]])[0][0] == 1
    assert query(store_path, "SELECT category, category_original FROM crime WHERE crime_id = 'fraud1'") == [
        ("Fraud", "Fraud")
    ]
    n_asb_raw = sum(1 for r in base if not r["Crime ID"] and r["Crime type"] == "Anti-social behaviour")
    assert query(store_path, "SELECT count(*) FROM crime WHERE crime_id IS NULL")[0][0] == n_asb_raw + 1
    # The file covers more than the city (a Birmingham row): its "No Location"
    # row cannot be known to be the city's, so no record is kept without a place.
    assert query(store_path, "SELECT count(*) FROM crime WHERE placed_by = 'none' OR lsoa21_code IS NULL")[0][0] == 0
    assert rep.kept_without_location == 0
    assert any("1 row(s) without a location were not kept" in w for w in rep.warnings)


def _no_location(row: dict, crime_id: str, crime_type: str = "Burglary") -> dict:
    return dict(
        row,
        **{
            "Crime ID": crime_id,
            "Longitude": "",
            "Latitude": "",
            "LSOA code": "",
            "LSOA name": "",
            "Location": "No Location",
            "Crime type": crime_type,
        },
    )


def test_rows_without_location_in_a_city_extract_are_kept_in_city_totals(store_path, csv2012, tmp_path):
    """The 2012 sample holds only Wolverhampton rows (a city extract): its rows
    without a location are the city's. Kept, flagged 'none', without LSOA or
    ward; in city totals, not in any area's."""
    from swp_data.analysis import crime

    rows = raw_rows(csv2012)
    asb = next(r for r in rows if not r["Crime ID"])
    extra = [
        _no_location(rows[0], "nl-a"),
        _no_location(rows[0], "nl-b", "Vehicle crime"),
        _no_location(rows[0], "nl-a"),  # the same Crime ID again: a duplicate
        _no_location(asb, ""),
        _no_location(asb, ""),
    ]  # two identical ASB rows: two incidents
    for r in extra[3:]:
        r["Crime type"] = asb["Crime type"]
    f = write_rows(tmp_path / "2012-01-city-extract.csv", rows + extra)
    rep = import_paths([f], today=TODAY)
    check_balance(rep)
    assert rep.rows_read == 1793 + 5
    assert rep.rows_kept == 1793 + 4 == crime_count(store_path)
    assert rep.kept_without_location == 4 and rep.no_location == 0 and rep.duplicates_dropped == 1
    assert any("4 row(s) without a location were kept" in w for w in rep.warnings)
    assert "Kept without a location (city totals only): 4" in rep.to_text()
    assert query(
        store_path,
        "SELECT crime_id, category, lsoa21_code, ward_code FROM crime WHERE placed_by = 'none' "
        "ORDER BY crime_id NULLS FIRST",
    ) == [
        (None, "Anti-social behaviour", None, None),
        (None, "Anti-social behaviour", None, None),
        ("nl-a", "Burglary", None, None),
        ("nl-b", "Vehicle crime", None, None),
    ]
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        city = crime.monthly_counts(con)["count"].sum()
        wards = crime.monthly_counts(
            con, lsoa_codes=tuple(r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21").fetchall())
        )["count"].sum()
    finally:
        con.close()
    assert (city, wards) == (1793 + 4, 1793)
    # Idempotent: the same file again changes nothing.
    import_paths([f], today=TODAY)
    assert crime_count(store_path) == 1793 + 4


def test_a_city_extract_with_a_row_outside_is_not_an_extract(store_path, csv2012, tmp_path):
    rows = raw_rows(csv2012)
    bham = dict(
        rows[0],
        **{
            "Crime ID": "bham",
            "Longitude": "-1.890000",
            "Latitude": "52.480000",
            "LSOA code": "E01009000",
            "LSOA name": "Birmingham 001A",
        },
    )
    f = write_rows(tmp_path / "mixed.csv", rows + [bham, _no_location(rows[0], "nl-a")])
    rep = import_paths([f], today=TODAY)
    check_balance(rep)
    assert (rep.rows_kept, rep.outside_city, rep.no_location, rep.kept_without_location) == (1793, 1, 1, 0)


def test_area_locator_matches_shapely(store_path):
    lsoa = from_frame(query_df(store_path, "SELECT lsoa21_code, geom FROM lsoa21 ORDER BY lsoa21_code"))
    loc = AreaLocator.from_frame(lsoa, "lsoa21_code")
    rng = np.random.default_rng(7)
    x0, y0, x1, y1 = loc.bbox
    x = rng.uniform(x0 - 0.02, x1 + 0.02, 3000)
    y = rng.uniform(y0 - 0.02, y1 + 0.02, 3000)
    x[:5] = np.nan
    got = loc.locate(x, y)
    pts = shapely.points(x, y)
    for i in range(5, 3000, 7):
        hits = [c for c, g in zip(lsoa["lsoa21_code"], lsoa.geometry, strict=True) if g.intersects(pts[i])]
        assert got[i] == (hits[0] if hits else None)
    assert all(v is None for v in got[:5])
    assert (loc.contains(x, y) == (got != None)).all()  # noqa: E711


# ----------------------------------------------------------------------------- mixes, dispatch, progress
def test_mixed_folder_zip_json_and_progress(store_path, csv2012, api2018, tmp_path):
    d = tmp_path / "downloads"
    (d / "api").mkdir(parents=True)
    for f in sorted(api2018.glob("*.json"))[:3]:
        (d / "api" / f.name).write_bytes(f.read_bytes())
    zip_of(d / "archive.zip", {MEMBER: csv2012.read_bytes()})
    (d / "notes.txt").write_text("ignored")
    calls = []
    rep = import_paths([d], progress=lambda f, m: calls.append((f, m)), today=TODAY)
    check_balance(rep)
    assert rep.months == ["2012-01", "2018-06"]
    assert rep.files == 4
    assert any("ignored" in w for w in rep.warnings)
    fr = [f for f, _ in calls]
    assert fr[0] == 0.0 and fr[-1] == 1.0 and fr == sorted(fr) and len(calls) >= 4
    assert all(isinstance(m, str) and m for _, m in calls)


def test_partner_and_engagement_dispatch_share_the_transaction(store_path, csv2012, tmp_path, monkeypatch):
    """Non-police CSVs go to partner / engagement by header, on the same
    connection: a later failure rolls their writes back too."""
    from swp_data import store
    from swp_data.sources import engagement, partner

    calls = []

    def fake_partner(con, path, *, is_demo, report):
        calls.append(("partner", path.name, is_demo))
        store.record_dataset(
            con,
            dataset_id="test:partner",
            name="t",
            kind="partner",
            source="t",
            licence="t",
            is_demo=is_demo,
            row_count=1,
        )
        report.files += 1

    def fake_engagement(con, path, kind, *, is_demo, report):
        calls.append(("engagement", path.name, kind))
        report.files += 1

    monkeypatch.setattr(partner, "is_partner_header", lambda cols: cols[:2] == ["period", "geography"])
    monkeypatch.setattr(partner, "import_partner_csv", fake_partner)
    monkeypatch.setattr(engagement, "detect_kind", lambda cols: "meetings" if cols[0] == "date" else None)
    monkeypatch.setattr(engagement, "import_engagement_csv", fake_engagement)
    (tmp_path / "p.csv").write_text("period,geography,measure\n2024-01,E08000031,x\n")
    (tmp_path / "q.csv").write_text("date,ward,attendees\n2024-01-02,Bilston North,5\n")
    rep = import_paths([tmp_path / "p.csv", tmp_path / "q.csv", csv2012], is_demo=True, today=TODAY)
    assert calls == [("partner", "p.csv", True), ("engagement", "q.csv", "meetings")]
    assert rep.files == 3 and rep.rows_kept == 1793
    assert query(store_path, "SELECT count(*) FROM dataset WHERE dataset_id = 'test:partner'")[0][0] == 1

    before = snapshot(store_path)
    calls.clear()
    bad = tmp_path / "z-future.csv"
    write_rows(bad, [dict(raw_rows(csv2012)[0], Month="2099-01")])
    (tmp_path / "p2.csv").write_text("period,geography,measure\n2024-01,E08000031,x\n")
    with pytest.raises(InputError):
        import_paths([tmp_path / "p2.csv", bad], today=TODAY)
    # The police.uk files are read and checked before the store is opened for
    # writing: the bad file is refused before the partner import runs.
    assert calls == []
    assert snapshot(store_path) == before

    def fail(con):
        raise InputError("later", "a failure after the partner import")

    with pytest.raises(InputError, match="a failure after"):
        import_paths([tmp_path / "p2.csv"], today=TODAY, also=fail)
    assert calls == [("partner", "p2.csv", False)]  # it ran, and was rolled back
    assert snapshot(store_path) == before


def test_unknown_csv_header_names_file_and_header(store_path, tmp_path):
    f = tmp_path / "mystery.csv"
    f.write_text("Date,Ward,Thing\n2024-01-01,Bilston North,3\n")
    with pytest.raises(InputError) as e:
        import_paths([f], today=TODAY)
    assert e.value.file == str(f) and e.value.row == 1
    assert "Date, Ward, Thing" in str(e.value)


# ----------------------------------------------------------------------------- bad inputs
def _wrong_header(tmp, src):
    text = src.read_text(encoding="utf-8").replace("Crime type", "Offence", 1)
    p = tmp / "wrong-header.csv"
    p.write_text(text, encoding="utf-8")
    return [p], p, 1, "Offence"


def _latin1(tmp, src):
    lines = src.read_bytes().split(b"\n")
    lines[40] = lines[40].replace(b"On or near ", "On or near £".encode("latin-1"), 1)
    p = tmp / "latin1.csv"
    p.write_bytes(b"\n".join(lines))
    return [p], p, 41, "UTF-8"


def _truncated(tmp, src):
    data = src.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 30  # 30 bytes into a row
    p = tmp / "truncated.csv"
    p.write_bytes(data[:cut])
    return [p], p, data[:cut].count(b"\n") + 1, "truncated"


def _zip_without_street(tmp, src):
    p = zip_of(
        tmp / "other.zip",
        {"2012-01/2012-01-west-midlands-stop-and-search.csv": src.read_bytes()[:500], "readme.txt": b"hello"},
    )
    return [p], p, None, "no police.uk street files"


def _zip_escape(tmp, src):
    p = zip_of(tmp / "evil.zip", {MEMBER: src.read_bytes(), "../evil.csv": src.read_bytes()})
    return [p], p, None, "path escapes the archive"


def _zip_absolute(tmp, src):
    p = zip_of(tmp / "abs.zip", {MEMBER: src.read_bytes(), "/tmp/evil-street.csv": b"x"})
    return [p], p, None, "path escapes the archive"


def _future_month(tmp, src):
    rows = raw_rows(src)
    rows[99]["Month"] = "2099-01"
    p = write_rows(tmp / "future.csv", rows)
    return [p], p, 101, "in the future"


def _bad_json(tmp, src):
    good = tmp / "good.json"
    good.write_text(json.dumps([]))
    p = tmp / "broken.json"
    p.write_text('[{"id": 1, "category": "burglary", ')
    return [good, p], p, None, "not valid JSON"


def _json_missing_key(tmp, src):
    p = tmp / "nokey.json"
    p.write_text(
        json.dumps(
            [
                {"id": 1, "category": "burglary", "month": "2018-06", "location": None},
                {"id": 2, "category": "burglary", "location": None},
            ]
        )
    )
    return [p], p, None, "record 2: missing key(s) month"


def _json_not_list(tmp, src):
    p = tmp / "dict.json"
    p.write_text(json.dumps({"crimes": []}))
    return [p], p, None, "expected a list"


def _zip_truncated_member(tmp, src):
    data = src.read_bytes()
    cut = data.index(b"\n", 20000) + 17
    p = zip_of(tmp / "cut.zip", {MEMBER: data[:cut]})
    return [p], p, data[:cut].count(b"\n") + 1, "truncated"


def _zip_damaged_member(tmp, src):
    """The second member's compressed bytes are damaged (a bad download):
    inflating it fails or its CRC-32 does not match."""
    second = "2012-02/2012-02-west-midlands-street.csv"
    p = zip_of(tmp / "damaged.zip", {MEMBER: src.read_bytes(), second: src.read_bytes()})
    with zipfile.ZipFile(p) as zf:
        info = zf.getinfo(second)
    data = bytearray(p.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + info.compress_size // 2, start + info.compress_size // 2 + 64):
        data[i] ^= 0x5A
    p.write_bytes(bytes(data))
    return [p], p, None, "cannot extract this member"


def _bad_coordinates(tmp, src):
    rows = raw_rows(src)
    rows[9]["Longitude"] = "-2.1x"
    p = write_rows(tmp / "coords.csv", rows)
    return [p], p, 11, "not a valid coordinate"


def _bad_month_text(tmp, src):
    rows = raw_rows(src)
    rows[4]["Month"] = "Jan 2012"
    p = write_rows(tmp / "month.csv", rows)
    return [p], p, 6, "not a month like"


def _member_with_wrong_header(tmp, src):
    text = src.read_text(encoding="utf-8").replace("LSOA code", "LSOA", 1)
    p = zip_of(tmp / "hdr.zip", {MEMBER: text.encode()})
    return [p], p, 1, "header"


def _good_then_bad(tmp, src):
    """A good file first: nothing of it may be committed."""
    good = tmp / "a-good.csv"
    good.write_bytes(src.read_bytes())
    paths, bad, row, text = _future_month(tmp, src)
    return [good] + paths, bad, row, text


BAD = [
    _wrong_header,
    _latin1,
    _truncated,
    _zip_without_street,
    _zip_escape,
    _zip_absolute,
    _future_month,
    _bad_json,
    _json_missing_key,
    _json_not_list,
    _zip_truncated_member,
    _zip_damaged_member,
    _bad_coordinates,
    _bad_month_text,
    _member_with_wrong_header,
    _good_then_bad,
]


@pytest.mark.parametrize("make", BAD, ids=[f.__name__.strip("_") for f in BAD])
def test_bad_input_names_file_row_and_leaves_store_unchanged(make, store_path, csv2012, tmp_path):
    # Some data first, so "unchanged" means something.
    import_paths([csv2012], today=TODAY)
    before = snapshot(store_path)
    paths, bad, row, text = make(tmp_path, csv2012)
    with pytest.raises(InputError) as e:
        import_paths(paths, today=TODAY)
    msg = str(e.value)
    assert e.value.file is not None and Path(e.value.file.split("!")[0]).name == bad.name
    if bad.suffix == ".zip" and row is not None:  # a member's problem names the archive and the member
        assert e.value.file.endswith("!" + MEMBER)
    assert bad.name in msg
    assert text in msg
    if row is not None:
        assert e.value.row == row, msg
    assert "\n" not in msg
    assert snapshot(store_path) == before


def test_future_month_uses_today(store_path, csv2012):
    with pytest.raises(InputError) as e:
        import_paths([csv2012], today=dt.date(2011, 12, 31))
    assert e.value.row == 2 and "2012-01 is in the future" in str(e.value)
    assert crime_count(store_path) == 0
    rep = import_paths([csv2012], today=dt.date(2012, 1, 1))  # the current month is not the future
    assert rep.rows_kept == 1793


def test_archive_member_checks(tmp_path, csv2012):
    z = zip_of(
        tmp_path / "x.zip",
        {
            "2012-02/2012-02-btp-street.csv": b"",
            MEMBER: b"",
            "2012-01/2012-01-west-midlands-outcomes.csv": b"",
            "__MACOSX/._x": b"",
        },
    )
    members, skipped = archive_members(z)
    assert [m.filename for m in members] == [MEMBER, "2012-02/2012-02-btp-street.csv"]
    assert skipped == 2
    assert force_slug("West Midlands Police") == "west-midlands"
    assert force_slug("British Transport Police") == "british-transport"


def test_crlf_bom_and_glob_characters_in_names(store_path, csv2012, tmp_path):
    d = tmp_path / "odd [names]"
    d.mkdir()
    (d / "crlf*.csv").write_bytes(b"\xef\xbb\xbf" + csv2012.read_bytes().replace(b"\n", b"\r\n"))
    rep = import_paths([d / "crlf*.csv"], today=TODAY)
    assert rep.rows_kept == 1793
    assert rep.by_category == dict(expected_categories(raw_rows(csv2012)))


def test_missing_and_unsupported_paths(store_path, tmp_path):
    with pytest.raises(InputError, match="not found"):
        import_paths([tmp_path / "nope.csv"], today=TODAY)
    (tmp_path / "x.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError, match=r"not a \.csv, \.json or \.zip"):
        import_paths([tmp_path / "x.xlsx"], today=TODAY)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no .csv, .json or .zip files"):
        import_paths([tmp_path / "empty"], today=TODAY)
    (tmp_path / "zero.csv").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        import_paths([tmp_path / "zero.csv"], today=TODAY)


# ----------------------------------------------------------------------------- hostile text
def test_hostile_text_stored_verbatim(store_path, csv2012, tmp_path):
    rows = raw_rows(csv2012)[:20]
    hostile = [
        '<script>alert("x")</script>',
        '=HYPERLINK("http://example.invalid","click, me")',
        "+SUM(1,2)",
        'On or near O\'Brien "Street"\nsecond line',
        "Ünïcödé ✓ ⚠",
    ]
    for r, h in zip(rows, hostile, strict=False):  # the first five rows get hostile text
        r["Location"] = h
    rows[5]["Context"] = "@cmd|' /C calc'!A0"
    f = write_rows(tmp_path / "hostile.csv", rows)
    rep = import_paths([f], today=TODAY)
    assert rep.rows_kept == 20
    stored = {r[0] for r in query(store_path, "SELECT location FROM crime")}
    assert set(hostile) <= stored
    assert query(store_path, "SELECT context FROM crime WHERE context IS NOT NULL") == [("@cmd|' /C calc'!A0",)]


# ----------------------------------------------------------------------------- report
def test_report_dict_and_text(store_path, csv2012):
    rep = import_paths([csv2012], today=TODAY)
    d = rep.to_dict()
    assert list(d) == [
        "files",
        "rows_read",
        "rows_kept",
        "outside_city",
        "no_location",
        "kept_without_location",
        "placed_by_code",
        "disagreements",
        "duplicates_dropped",
        "unknown_categories",
        "by_category",
        "months",
        "skipped_members",
        "datasets",
        "warnings",
        "outcomes_read",
        "outcomes_kept",
        "outcomes_not_in_store",
        "outcomes_duplicates",
        "unknown_outcomes",
        "outcome_months",
    ]
    assert json.loads(json.dumps(d)) == d
    text = rep.to_text()
    assert "Rows read: 1,793" in text and "Jan 2012" in text and "Violence and sexual offences" in text


# ----------------------------------------------------------------------------- command line
def _cli(args, store: Path):
    env = dict(os.environ, SWP_STORE=str(store), SWP_DATA_DIR=str(config.data_dir()))
    return subprocess.run(
        [sys.executable, "-m", "swp_data", "import", *args],
        capture_output=True,
        text=True,
        cwd=config.PROJECT_ROOT,
        env=env,
        timeout=300,
    )


def test_cli_json(store_path, csv2012, api2018):
    r = _cli([str(csv2012), str(api2018), "--json"], store_path)
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1
    d = json.loads(lines[0])
    for k in (
        "files",
        "rows_read",
        "rows_kept",
        "outside_city",
        "no_location",
        "duplicates_dropped",
        "unknown_categories",
        "by_category",
    ):
        assert k in d
    assert d["rows_read"] == 1793 + 2510
    assert d["duplicates_dropped"] == 47
    assert d["rows_kept"] == crime_count(store_path)
    assert sum(d["by_category"].values()) == d["rows_kept"]


def test_cli_bad_input(store_path, csv2012, tmp_path):
    bad = tmp_path / "cut.csv"
    bad.write_bytes(csv2012.read_bytes()[:5000])
    before = snapshot(store_path)
    r = _cli([str(bad), "--json"], store_path)
    assert r.returncode != 0
    assert r.stdout == ""
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "cut.csv" in err[0] and "row" in err[0]
    assert snapshot(store_path) == before
