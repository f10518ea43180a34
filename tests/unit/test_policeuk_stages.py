"""The stages of the police.uk importer, each on its own (swp_data.sources.policeuk.*):
classifying, placing, de-duplicating and reporting on small staging tables
written here, on a private in-memory DuckDB connection."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from swp_data.sources.imports import ImportReport
from swp_data.sources.policeuk import classifying, dedup, placing, reading, reporting
from swp_data.sources.policeuk.schema import BAD_COORDS, CAND, NO_LOCATION, NO_TYPE, OUTSIDE

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def geo_con(ref_store):
    """A private connection with the store's lsoa21 and crosswalk tables copied in."""
    con = duckdb.connect()
    src = duckdb.connect(str(ref_store), read_only=True)
    try:
        for t in ("lsoa21", "lsoa_crosswalk"):
            df = src.execute(f"SELECT * FROM {t}").df()
            con.register("_df", df)
            con.execute(f"CREATE TABLE {t} AS SELECT * FROM _df")
            con.unregister("_df")
    finally:
        src.close()
    loc = placing.load_geography(con)
    con.execute(reading.STAGING_DDL)
    yield con, loc
    con.close()


def test_classifying_rows(geo_con):
    con, loc = geo_con
    x0, y0, x1, y1 = loc.bbox
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    code = con.execute("SELECT min(code) FROM _city_code").fetchone()[0]
    rows = [
        ("Burglary", f"{cx}", f"{cy}", None),  # in the box
        ("Burglary", None, None, code),  # a city code, no coordinates
        ("Burglary", None, None, None),  # no location
        ("Burglary", "-1.0", "53.5", "E01000001"),  # elsewhere
        ("Burglary", "-2.1x", "52.6", None),  # unreadable
        ("Burglary", "200", "52.6", None),  # out of range
        (None, f"{cx}", f"{cy}", None),  # no type
    ]
    con.execute("CREATE TEMP TABLE t (crime_type VARCHAR, lon_txt VARCHAR, lat_txt VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", rows)
    got = [
        r[0]
        for r in con.execute(
            f"SELECT {classifying.cls_sql(loc.bbox)} FROM (SELECT *, TRY_CAST(lon_txt AS DOUBLE) AS lon, "
            "TRY_CAST(lat_txt AS DOUBLE) AS lat, rowid AS r FROM t) ORDER BY r"
        ).fetchall()
    ]
    assert got == [CAND, CAND, NO_LOCATION, OUTSIDE, BAD_COORDS, BAD_COORDS, NO_TYPE]


@pytest.mark.parametrize(
    ("month", "problem"),
    [
        ("2024-01", None),
        ("2026-11", None),
        ("2026-12", "Month 2026-12 is in the future (today is 23 Nov 2026)"),
        ("2024-13", "Month '2024-13' is not a month like 2024-01"),
        ("Jan 2024", "Month 'Jan 2024' is not a month like 2024-01"),
    ],
)
def test_month_problem(month, problem):
    assert classifying.month_problem(month, TODAY) == problem


def _stage(con, rows):
    """rows: (src, force, month, cls, by_id, crime_id, lon, lat, code, crime_type, n)."""
    for src, force, month, cls, by_id, cid, lon, lat, code, ctype, n in rows:
        con.execute(
            "INSERT INTO _g VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?)",
            [src, force, month, cls, by_id, cid, lon, lat, code, ctype, n],
        )


def test_placing_dedup_and_report(geo_con):
    con, loc = geo_con
    # A point inside a city LSOA: the representative point of the first shape.
    lsoa, lon, lat = con.execute(
        "SELECT lsoa21_code, x, y FROM (SELECT lsoa21_code FROM lsoa21 ORDER BY 1 LIMIT 1) a, (SELECT ? AS x, ? AS y)",
        list(_inside_point(con)),
    ).fetchone()
    wm = "West Midlands Police"
    _stage(
        con,
        [
            # file 0: June, superseded by file 1
            (0, wm, "2025-06", CAND, True, "A", lon, lat, None, "Burglary", 1),
            # file 1: June: a repeated Crime ID (two groups), two identical ASB rows, one placed by code
            (1, wm, "2025-06", CAND, True, "B", lon, lat, None, "Burglary", 1),
            (1, wm, "2025-06", CAND, True, "B", lon, lat, None, "Robbery", 1),
            (1, wm, "2025-06", CAND, True, None, lon, lat, None, "Anti-social behaviour", 2),
            (1, wm, "2025-06", CAND, True, "C", None, None, lsoa, "Burglary", 1),
            (1, wm, "2025-06", OUTSIDE, True, None, None, None, None, None, 5),
        ],
    )
    dedup.winners(con)
    assert con.execute("SELECT force, month, win FROM _fm").fetchall() == [(wm, "2025-06", 1)]
    placing.place(con, loc)
    placed = con.execute("SELECT crime_id, lsoa21_code, placed_by FROM _p ORDER BY rid").fetchall()
    assert placed == [
        ("B", _lsoa_at(loc, lon, lat), "coordinates"),
        ("B", _lsoa_at(loc, lon, lat), "coordinates"),
        (None, _lsoa_at(loc, lon, lat), "coordinates"),
        ("C", lsoa, "code"),
    ]
    dedup.dedupe(con)
    keep = dict(
        con.execute(
            "SELECT coalesce(g.crime_id, g.crime_type), sum(k.keep_n) FROM _k k JOIN _g g ON g.rowid = k.rid GROUP BY 1"
        ).fetchall()
    )
    assert keep == {"B": 1, "Anti-social behaviour": 2, "C": 1}
    rep = ImportReport()
    reporting.fill_report(con, rep, {"Burglary": "Burglary", "Robbery": "Robbery", "Anti-social behaviour": None})
    assert (rep.rows_read, rep.rows_kept, rep.outside_city, rep.duplicates_dropped) == (11, 4, 5, 2)
    assert rep.rows_read == rep.rows_kept + rep.outside_city + rep.no_location + rep.duplicates_dropped
    assert rep.placed_by_code == 1
    assert rep.months == ["2025-06"]


def _inside_point(con) -> tuple[float, float]:
    import shapely

    wkb = con.execute("SELECT geom FROM lsoa21 ORDER BY lsoa21_code LIMIT 1").fetchone()[0]
    p = shapely.from_wkb(bytes(wkb)).representative_point()
    return p.x, p.y


def _lsoa_at(loc, lon, lat):
    import numpy as np

    return loc.locate(np.array([lon]), np.array([lat]))[0]
