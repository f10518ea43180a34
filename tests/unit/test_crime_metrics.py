"""Crime queries and metrics (swp_data/analysis/crime.py) against the real 2012-01
police.uk CSV of the bundle (imported into a private store copy) and against
small hand-made tables whose answers are known."""

from __future__ import annotations

import collections
import csv
import datetime as dt
import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from swp_data import taxonomy
from swp_data.analysis import crime, stats
from swp_data.sources import uploads
from swp_data.sources.imports import import_paths
from swp_data.store import datasets

CSV_2012 = "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"
# The names of the 2012 file that differ from today's (written out here, not taken from the app).
OLD_NAMES = {"Violent crime": "Violence and sexual offences"}


def _ro(path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


@pytest.fixture
def store2012(store_path, bundle_dir):
    """A private store with the real January 2012 CSV imported."""
    import_paths([bundle_dir / CSV_2012])
    return store_path


@pytest.fixture
def raw2012(bundle_dir) -> list[dict]:
    with open(bundle_dir / CSV_2012, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _insert_crime(
    con,
    rows: list[tuple[str, str, int]],
    dataset_id: str = "test:crime",
    is_demo: bool = False,
    lsoa: str | None = None,
    ward: str | None = None,
) -> None:
    """Insert ``n`` records per (month 'YYYY-MM', category, n) and a provenance row."""
    for month, cat, n in rows:
        con.execute(
            "INSERT INTO crime (dataset_id, force, month, crime_id, category, category_original, lon, lat, location, "
            "lsoa_code_source, lsoa21_code, ward_code, placed_by, outcome, context) "
            "SELECT ?, 'Test Police', ?, NULL, ?, ?, -2.12, 52.58, 'On or near Test Street', ?, ?, ?, 'code', "
            "NULL, NULL "
            "FROM range(?)",
            [dataset_id, dt.date(int(month[:4]), int(month[5:7]), 1), cat, cat, lsoa, lsoa, ward, n],
        )
    con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dataset_id])
    con.execute(
        "INSERT INTO dataset VALUES (?, 'test', 'police_uk', 'test', 'test', ?, NULL, NULL, 0, NULL, now()::TIMESTAMP)",
        [dataset_id, is_demo],
    )


def _months(start: str, n: int) -> list[str]:
    return [f"{m:%Y-%m}" for m in pd.date_range(start, periods=n, freq="MS")]


# --------------------------------------------------------------------------- counts on the real file
def test_monthly_counts_equal_the_raw_file(store2012, raw2012):
    want = collections.Counter(OLD_NAMES.get(r["Crime type"], r["Crime type"]) for r in raw2012)
    assert sum(want.values()) == 1793 and want["Public disorder and weapons"] == 50
    con = _ro(store2012)
    got = crime.monthly_counts(con)  # every category, the whole city
    assert set(got["month"]) == {pd.Timestamp("2012-01-01")}
    assert dict(zip(got["category"], got["count"], strict=True)) == dict(want)
    # a category set: only those, zeros included for a category absent that month
    some = crime.monthly_counts(con, ("Burglary", "Robbery", "Bicycle theft"))
    assert dict(zip(some["category"], some["count"], strict=True)) == {
        "Burglary": want["Burglary"],
        "Robbery": want["Robbery"],
        "Bicycle theft": 0,
    }
    # a grouping, through the taxonomy, adds up its categories
    neigh = crime.total_by_month(crime.monthly_counts(con, taxonomy.GROUPINGS["Neighbourhood crime"]))
    assert neigh["count"].tolist() == [
        want["Burglary"] + want["Robbery"] + want["Vehicle crime"] + want["Theft from the person"]
    ]


def test_counts_for_some_lsoas_equal_the_raw_file(store2012, raw2012):
    """Three LSOAs whose 2011 code is unchanged in 2021: counted by the raw file's
    LSOA code they agree with the store's placement, except rows whose
    coordinates put them elsewhere (the import report's disagreements)."""
    con = _ro(store2012)
    codes = ("E01010434", "E01010452", "E01010520")
    got = crime.monthly_counts(con, None, codes)
    got = got[got["count"] > 0]
    placed = con.execute(
        "SELECT category, count(*) FROM crime WHERE lsoa21_code IN (SELECT unnest(?)) GROUP BY 1", [list(codes)]
    ).fetchall()
    assert dict(zip(got["category"], got["count"], strict=True)) == dict(placed)
    by_code = collections.Counter(
        OLD_NAMES.get(r["Crime type"], r["Crime type"]) for r in raw2012 if r["LSOA code"] in codes
    )
    # coordinates win over the code for a handful of rows: the totals stay close
    assert abs(sum(by_code.values()) - int(got["count"].sum())) <= 10
    assert int(got["count"].sum()) > 30


def test_city_totals_include_records_without_an_lsoa(store2012):
    path = store2012
    con = duckdb.connect(str(path))
    _insert_crime(con, [("2012-01", "Burglary", 3)], dataset_id="test:nolocation")  # no LSOA, no ward
    con.close()
    con = _ro(path)
    city = crime.monthly_counts(con, ("Burglary",))
    every_lsoa = crime.monthly_counts(con, ("Burglary",), tuple(crime._areas(con, "lsoa")["code"]))
    assert int(city["count"].sum()) == int(every_lsoa["count"].sum()) + 3


def test_ward_rate_per_1000_equals_count_over_census_population(store2012, bundle_dir):
    con = _ro(store2012)
    ward, n = con.execute("SELECT ward_code, count(*) FROM crime GROUP BY 1 ORDER BY 2 DESC LIMIT 1").fetchone()
    # Census 2021 residents of the ward, from the bundle files themselves
    look = pd.read_csv(bundle_dir / "lookups/lsoa21_ward2023_wolverhampton.csv")
    ages = pd.read_csv(bundle_dir / "population/census2021_lsoa21_age_bands_wolverhampton.csv")
    lsoas = set(look.loc[look["ward24_code"] == ward, "lsoa21_code"])
    pop = ages.loc[ages["lsoa21_code"].isin(lsoas), "usual_residents"].sum()
    want = n / pop * 1000
    scope = tuple(sorted(lsoas))
    assert crime.population(con, scope) == pop
    series = crime.add_rates(
        crime.aggregate(crime.total_by_month(crime.monthly_counts(con, None, scope)), "month"),
        crime.population(con, scope),
    )
    assert series["count"].tolist() == [n]
    assert series["rate_per_1000"].iloc[0] == pytest.approx(want, rel=1e-12)
    by_ward = crime.area_counts(con, None, "2012-01-01", "2012-01-01", "ward").set_index("code")
    assert by_ward.loc[ward, "count"] == n
    assert by_ward.loc[ward, "rate_per_1000"] == pytest.approx(want, rel=1e-12)
    assert by_ward["count"].sum() == 1793 and len(by_ward) == 20


def test_area_counts_lsoa_cover_every_record(store2012):
    con = _ro(store2012)
    a = crime.area_counts(con, ("Anti-social behaviour",), "2012-01-01", "2012-01-01", "lsoa")
    assert len(a) == 161 and a["count"].sum() == 369
    assert a["count"].min() == 0  # LSOAs without ASB are listed with 0
    before = crime.area_counts(con, ("Anti-social behaviour",), "2011-01-01", "2011-12-01", "lsoa")
    assert before["count"].sum() == 0


# --------------------------------------------------------------------------- periods
def test_quarter_and_fy_aggregation_sums():
    months = pd.date_range("2024-01-01", periods=15, freq="MS")  # Jan 2024 .. Mar 2025
    monthly = pd.DataFrame({"month": months, "count": np.arange(1, 16)})
    q = crime.aggregate(monthly, "quarter")
    assert q["count"].tolist() == [6, 15, 24, 33, 42]
    assert q["period"].tolist()[0] == "Jan–Mar 2024" and q["complete"].all()
    fy = crime.aggregate(monthly, "fy")
    assert fy["count"].tolist() == [6, sum(range(4, 16))]
    assert fy["period"].tolist() == ["2023-24 (partial: 3 of 12 months)", "2024-25"]
    assert fy["complete"].tolist() == [False, True]
    assert fy["months"].tolist() == [3, 12]
    # by category: each category summed on its own
    two = pd.concat([monthly.assign(category="A"), monthly.assign(category="B", count=10)])
    fyc = crime.aggregate(two, "fy", by=["category"]).set_index(["period_start", "category"])["count"]
    assert fyc[(pd.Timestamp("2024-04-01"), "B")] == 120
    assert fyc[(pd.Timestamp("2024-04-01"), "A")] == sum(range(4, 16))
    # month is the identity
    assert crime.aggregate(monthly, "month")["count"].tolist() == list(range(1, 16))


def test_quarter_of_the_real_month_is_partial(store2012):
    con = _ro(store2012)
    q = crime.aggregate(crime.total_by_month(crime.monthly_counts(con)), "quarter")
    assert q["count"].tolist() == [1793]
    assert q["period"].tolist() == ["Jan–Mar 2012 (partial: 1 of 3 months)"]


def test_rolling_12_needs_twelve_loaded_months():
    months = pd.date_range("2023-01-01", periods=14, freq="MS")
    m = pd.DataFrame({"month": months, "count": np.arange(1, 15)})
    r = crime.rolling_12(m)
    assert r["rolling_12"].tolist() == [sum(range(1, 13)), sum(range(2, 14)), sum(range(3, 15))]
    gap = m.drop(index=5)  # Jun 2023 not loaded: no window spans it
    assert crime.rolling_12(gap).empty
    assert crime.stl(m) is None  # under 24 months


# --------------------------------------------------------------------------- change
@pytest.fixture
def tiny(store_path):
    """24 months of hand-made records, Jan 2024 to Dec 2025: burglary 3 a month
    in 2024 and 4 a month in 2025, robbery 1 a month throughout, ASB none."""
    con = duckdb.connect(str(store_path))
    rows = [(m, "Burglary", 3) for m in _months("2024-01", 12)] + [(m, "Burglary", 4) for m in _months("2025-01", 12)]
    rows += [(m, "Robbery", 1) for m in _months("2024-01", 24)]
    _insert_crime(con, rows, lsoa="E01010452", ward="E05014844")
    con.close()
    return store_path


def test_headline_matches_poisson_change(tiny):
    h = crime.headline(_ro(tiny))
    assert h["last_month"] == pd.Timestamp("2025-12-01") and h["first_month"] == pd.Timestamp("2024-01-01")
    assert h["months_loaded"] == 24 and h["is_demo"] is False
    assert h["current_label"] == "Jan 2025 to Dec 2025" and h["previous_label"] == "Jan 2024 to Dec 2024"
    rows = {r["grouping"]: r for r in h["rows"]}
    assert list(rows) == list(taxonomy.GROUPINGS)
    n = rows["Neighbourhood crime"]
    assert (n["current"], n["previous"]) == (48 + 12, 36 + 12)
    assert n["change"] == stats.poisson_change(60, 48)
    assert n["text"] == stats.describe_change(stats.poisson_change(60, 48))
    v = rows["Violence"]  # robbery only
    assert v["change"] == stats.poisson_change(12, 12) and not v["change"].significant
    asb = rows["Anti-social behaviour"]
    assert (asb["current"], asb["previous"]) == (0, 0) and math.isnan(asb["change"].ratio)


def test_headline_scales_for_a_missing_month_and_without_data(tiny, ref_store):
    con = duckdb.connect(str(tiny))
    con.execute("DELETE FROM crime WHERE month = DATE '2024-03-01'")  # one previous month not loaded
    con.close()
    rows = {r["grouping"]: r for r in crime.headline(_ro(tiny))["rows"]}
    n = rows["Neighbourhood crime"]
    assert n["months_previous"] == 11 and n["months_current"] == 12
    assert n["change"] == stats.poisson_change(60, 44, exposure_current=12, exposure_previous=11)
    empty = crime.headline(_ro(ref_store))
    assert empty["last_month"] is None and empty["rows"] == []


def test_same_period_change_month_quarter_fy(tiny):
    total = crime.total_by_month(crime.monthly_counts(_ro(tiny)))
    m = crime.same_period_change(total, "month")
    assert (m["current_label"], m["previous_label"]) == ("Dec 2025", "Dec 2024")
    assert m["result"] == stats.poisson_change(5, 4) and m["result"].unreliable
    q = crime.same_period_change(total, "quarter")
    assert q["current_label"] == "Oct–Dec 2025" and q["result"] == stats.poisson_change(15, 12)
    fy = crime.same_period_change(total, "fy")  # 2025-26 so far: Apr-Dec 2025 against Apr-Dec 2024
    assert fy["partial"] and fy["current_label"] == "Apr 2025 to Dec 2025 (2025-26 so far)"
    assert fy["previous_label"] == "Apr 2024 to Dec 2024"
    assert fy["result"] == stats.poisson_change(9 * 5, 9 * 4)
    short = total[total["month"] >= "2025-01-01"]
    assert crime.same_period_change(short, "month") is None  # Dec 2024 not loaded


def test_area_change_per_lsoa_is_the_poisson_test(tiny):
    d = crime.area_change(_ro(tiny), ("Burglary",), "2025-12-01", "lsoa").set_index("code")
    r = d.loc["E01010452"]
    assert (r["current"], r["previous"]) == (48, 36)
    want = stats.poisson_change(48, 36)
    assert r["pct_change"] == pytest.approx(want.pct_change) and r["p_value"] == pytest.approx(want.p_value)
    other = d.drop(index="E01010452")
    assert (other["current"] == 0).all() and other["pct_change"].isna().all()


def test_points_are_capped_and_counted(store2012):
    con = _ro(store2012)
    pts, total = crime.points(con, ("Burglary",), "2012-01-01", "2012-01-01", limit=100)
    assert total == 296 and len(pts) == 100
    assert set(pts["category"]) == {"Burglary"} and set(pts["month"]) == {"Jan 2012"}
    again, _ = crime.points(con, ("Burglary",), "2012-01-01", "2012-01-01", limit=100)
    pd.testing.assert_frame_equal(pts, again)  # the sample is reproducible
    allp, total2 = crime.points(con, ("Burglary",), "2012-01-01", "2012-01-01", limit=5000)
    assert len(allp) == total2 == 296


def test_hotspots_use_eb_rates(store2012):
    con = _ro(store2012)
    hs = crime.hotspots(con, None, "2012-01-01", "2012-01-01")
    assert len(hs) == 161
    want = stats.empirical_bayes_rates(hs["count"], hs["population"])
    np.testing.assert_allclose(hs["eb_rate"], want)
    assert set(hs["hotspot"]) <= {"Hot spot", "Cold spot", "Not significant"}
    assert (hs["hotspot"] == "Hot spot").sum() >= 1  # the city centre stands out in January 2012
    assert "contiguity" in hs.attrs["weights"]


def test_area_profile(store2012):
    con = _ro(store2012)
    code = con.execute("SELECT lsoa21_code FROM crime GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    p = crime.area_profile(con, code, None, "2012-01-01")
    n = con.execute("SELECT count(*) FROM crime WHERE lsoa21_code = ?", [code]).fetchone()[0]
    assert p["level"] == "lsoa" and p["monthly"]["count"].tolist() == [n]
    assert p["top"]["count"].sum() == n
    top = p["top"].iloc[0]
    assert top["rate_per_1000"] == pytest.approx(1000 * top["count"] / p["population"])
    with pytest.raises(KeyError):
        crime.area_profile(con, "E01999999", None, "2012-01-01")


# --------------------------------------------------------------------------- partner series
def _insert_partner(con, rows, dataset_id="test:partner", is_demo=False):
    """rows: (measure, breakdown, 'YYYY-MM', level, code, count), monthly."""
    for measure, b, month, level, code, n in rows:
        start = dt.date(int(month[:4]), int(month[5:7]), 1)
        end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
        con.execute(
            "INSERT INTO partner_series VALUES (?, ?, ?, 'month', ?, ?, ?, ?, ?)",
            [dataset_id, measure, b, start, end, level, code, n],
        )
    con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dataset_id])
    con.execute(
        "INSERT INTO dataset VALUES (?, 'test', 'partner', 'test', 'test', ?, NULL, NULL, 0, NULL, now()::TIMESTAMP)",
        [dataset_id, is_demo],
    )


def test_partner_suppression_in_public_mode(store_path):
    w1, w2 = "E05014844", "E05014845"
    con = duckdb.connect(str(store_path))
    _insert_partner(
        con,
        [
            ("da", "adults", "2024-05", "ward", w1, 3),
            ("da", "youth", "2024-05", "ward", w1, 12),
            ("da", "adults", "2024-05", "ward", w2, 20),
            ("da", "youth", "2024-05", "ward", w2, 7),
            ("da", "adults", "2024-06", "ward", w1, 0),
            ("da", "youth", "2024-06", "ward", w1, 9),
        ],
        is_demo=True,
    )
    con.close()
    con = _ro(store_path)
    ward = crime.partner_series(con, "da", "month", "ward", (w1,), public=True)
    may = ward[ward["period_start"] == "2024-05-01"].set_index("breakdown")
    assert may["suppressed"].all() and may["count"].isna().all()  # 3 (primary) and 12 (secondary)
    june = ward[ward["period_start"] == "2024-06-01"].set_index("breakdown")
    assert june["count"].tolist() == [0, 9] and not june["suppressed"].any()  # zeros are not suppressed
    # the same as the statistics module's rule applied to the unsuppressed table
    plain = crime.partner_series(con, "da", "month", "ward", (w1,), public=False)
    assert plain["count"].tolist() == [3, 12, 0, 9] and not plain["suppressed"].any()
    ref = stats.suppress_small(plain.drop(columns="suppressed"), "count", 5, ["period_start", "source"])
    assert ref["suppressed"].tolist() == ward["suppressed"].tolist()
    # city level: never suppressed, wards added up
    city = crime.partner_series(con, "da", "month", "city", None, public=True).set_index(["period_start", "breakdown"])
    assert city.loc[(pd.Timestamp("2024-05-01"), "adults"), "count"] == 23
    assert not city["suppressed"].any()
    assert set(city["source"]) == {"Partner data (DEMO)"}
    # quarter: May and June add up before suppression
    q = crime.partner_series(con, "da", "quarter", "ward", (w1,), public=True).set_index("breakdown")
    assert q.loc["youth", "months"] == 2 and not q.loc["youth", "complete"]
    assert q["suppressed"].all()  # adults 3 + 0 = 3 (primary), youth 12 + 9 = 21 (secondary)
    open_q = crime.partner_series(con, "da", "quarter", "ward", (w1,), public=False).set_index("breakdown")
    assert open_q["count"].to_dict() == {"adults": 3, "youth": 21}


def test_partner_city_rows_are_not_added_to_wards(store_path):
    con = duckdb.connect(str(store_path))
    _insert_partner(
        con,
        [
            ("hc", "race", "2024-05", "ward", "E05014844", 4),
            ("hc", "race", "2024-05", "ward", "E05014845", 6),
            ("hc", "race", "2024-05", "city", "E08000031", 30),
        ],
    )
    con.close()
    city = crime.partner_series(_ro(store_path), "hc", "month")
    assert city["count"].tolist() == [30] and city["source"].tolist() == ["Partner data (real)"]
    fy = crime.partner_series(_ro(store_path), "hc", "fy")
    assert fy["period"].tolist() == ["2024-25 (partial)"] and fy["months"].tolist() == [1]


def test_published_series_is_labelled_published(store_path):
    """The bundle's published figures (loaded by the build) by financial year."""
    pub = crime.partner_series(_ro(store_path), "domestic_violence_reports", "fy")
    adults = pub[pub["breakdown"] == "adults"]
    assert adults["count"].tolist() == [1360, 1618, 1838, 2141, 2839]
    assert set(pub["source"]) == {"Published (real)"} and pub["complete"].all()
    assert crime.partner_series(_ro(store_path), "domestic_violence_reports", "month").empty


# --------------------------------------------------------------------------- provenance, delete
def test_is_demo_selection(store2012):
    con = duckdb.connect(str(store2012))
    _insert_crime(con, [("2012-02", "Drugs", 2)], dataset_id="demo:test", is_demo=True)
    con.close()
    con = _ro(store2012)
    assert not crime.is_demo_selection(con, "crime", categories=("Burglary",))
    assert crime.is_demo_selection(con, "crime", categories=("Drugs",))
    assert not crime.is_demo_selection(con, "crime", categories=("Drugs",), end="2012-01-01")
    assert crime.is_demo_selection(con, "crime")
    assert not crime.is_demo_selection(con, "partner")  # only the real published figures


def _table_snapshot(con) -> dict[str, collections.Counter]:
    return {
        t: collections.Counter(dict(con.execute(f"SELECT dataset_id, count(*) FROM {t} GROUP BY 1").fetchall()))
        for t in datasets.DATA_TABLES
    }


def test_delete_dataset_removes_exactly_its_rows(store2012, tmp_path):
    part = tmp_path / "returns.csv"
    part.write_text(
        "period,geography,measure,breakdown,count\n2024-05,Bilston North,domestic_abuse_incidents,adults,37\n"
        "2024-05,Heath Town,domestic_abuse_incidents,adults,12\n",
        encoding="utf-8",
    )
    import_paths([part])
    con = duckdb.connect(str(store2012))
    _insert_crime(con, [("2012-01", "Drugs", 5)], dataset_id="test:other")
    before = _table_snapshot(con)
    datasets_before = {r[0] for r in con.execute("SELECT dataset_id FROM dataset").fetchall()}
    con.close()
    assert before["crime"]["police_uk:west-midlands"] == 1793
    removed = datasets.delete_dataset("police_uk:west-midlands")
    assert removed["crime"] == 1793 and removed["partner_series"] == 0
    con = _ro(store2012)
    after = _table_snapshot(con)
    expect = {t: c.copy() for t, c in before.items()}
    del expect["crime"]["police_uk:west-midlands"]
    assert after == expect
    datasets_after = {r[0] for r in con.execute("SELECT dataset_id FROM dataset").fetchall()}
    assert datasets_after == datasets_before - {"police_uk:west-midlands"}
    con.close()
    # partner dataset: its rows only
    pid = next(d for d in datasets_after if d.startswith("partner:"))
    assert datasets.delete_dataset(pid) == {**{t: 0 for t in datasets.DATA_TABLES}, "partner_series": 2}
    assert _table_snapshot(_ro(store2012))["crime"] == expect["crime"]


def test_reference_and_unknown_datasets_cannot_be_deleted(store2012):
    con = _ro(store2012)
    snap = _table_snapshot(con)
    n_ds = con.execute("SELECT count(*) FROM dataset").fetchone()[0]
    con.close()
    with pytest.raises(ValueError, match="reference"):
        datasets.delete_dataset("ref:boundaries")
    with pytest.raises(ValueError, match="published"):
        datasets.delete_dataset("published:swp_strategy_figures")
    with pytest.raises(KeyError):
        datasets.delete_dataset("no:such")
    con = _ro(store2012)
    assert _table_snapshot(con) == snap
    assert con.execute("SELECT count(*) FROM dataset").fetchone()[0] == n_ds
    table = datasets.dataset_table(con).set_index("dataset_id")
    assert not table.loc["ref:boundaries", "deletable"] and table.loc["police_uk:west-midlands", "deletable"]
    assert table.loc["police_uk:west-midlands", "rows_now"] == 1793


# --------------------------------------------------------------------------- uploads
@pytest.mark.parametrize(
    "name, want",
    [
        ("2012-01-west-midlands-street.csv", "2012-01-west-midlands-street.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\returns.csv", "returns.csv"),
        ("..", "upload"),
        (".hidden.json", "hidden.json"),
        ("bad<name>|.zip", "bad_name__.zip"),
    ],
)
def test_safe_upload_name(name, want):
    assert uploads.safe_upload_name(name) == want


def test_save_uploads_keeps_names_and_separates_repeats(tmp_path):
    paths = uploads.save_uploads([("a.csv", b"1"), ("dir/a.csv", b"2"), ("A.CSV", b"3"), ("b", b"4")], tmp_path)
    assert [p.name for p in paths] == ["a.csv", "a-2.csv", "A-3.CSV", "b"]
    assert [p.read_bytes() for p in paths] == [b"1", b"2", b"3", b"4"]
    assert all(p.parent == tmp_path for p in paths)


def test_trend_view_is_the_steps_the_trends_page_took(demo_store):
    """One cached call gives what the page computed step by step."""
    con = _ro(demo_store)
    try:
        cats = taxonomy.categories_for("Violence")
        scope = ("E01010410", "E01010411")
        v = crime.trend_view(con, cats, scope, "quarter", True)
        monthly = crime.monthly_counts(con, cats, scope)
        total = crime.total_by_month(monthly)
        pop = crime.population(con, scope)
        series = crime.aggregate(monthly, "quarter", by=["category"])
        series = crime.add_rates(series[series.groupby("category")["count"].transform("sum") > 0], pop)
        assert v["population"] == pop > 0
        pd.testing.assert_frame_equal(v["series"], series)
        assert v["same_period"]["result"].current == crime.same_period_change(total, "quarter")["result"].current
        assert v["last12"]["result"].previous == crime.last12_change(total)["result"].previous
        pd.testing.assert_frame_equal(v["rolling"], crime.rolling_12(total))
        pd.testing.assert_frame_equal(v["stl"], crime.stl(total))
        assert set(v) == {"population", "series", "same_period", "last12", "rolling", "stl"}
    finally:
        con.close()


def test_partner_panel_falls_back_to_the_city_and_adds_up_strands(demo_store):
    con = _ro(demo_store)
    try:
        city = crime.partner_panel(
            con, "domestic_abuse_incidents", "domestic_violence_reports", "month", "city", None, False
        )
        assert not city["fell_back"] and city["geography"] == "city"
        assert len(city["published"]) and set(city["published"]["source"]) == {"Published (real)"}
        years = city["years"]
        assert list(years["period_start"]) == sorted(years["period_start"])
        assert all(a.startswith("20") for a in years["axis"])
        one = crime.partner_panel(
            con, "domestic_abuse_incidents", "domestic_violence_reports", "month", "lsoa", ("E01010410",), False
        )
        # the demo partner data are held for the city and wards, not for LSOAs
        assert one["fell_back"] and one["geography"] == "city"
        pd.testing.assert_frame_equal(one["part"], city["part"])
        ward = crime.partner_panel(
            con, "domestic_abuse_incidents", "domestic_violence_reports", "month", "ward", ("E05014851",), False
        )
        assert not ward["fell_back"] and ward["geography"] == "ward" and len(ward["part"])
        assert ward["published"].empty  # published figures are whole-city only
    finally:
        con.close()


def test_anti_social_behaviour_is_listed_once_and_not_called_a_grouping(demo_store):
    import duckdb

    from swp_data.analysis import crime as crime_q

    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        options = crime_q.category_options(con)
    finally:
        con.close()
    labels = [crime_q.category_label(o) for o in options]
    assert len(labels) == len(set(labels))
    assert options.count("Anti-social behaviour") == 1
    assert "Anti-social behaviour (grouping)" not in labels and "Violence (grouping)" in labels
