"""The demo dataset generator: reproducible, calibrated on the real bundle, and
imported through the same path as real data, labelled demo.

The calibration checks recompute the real figures here, independently of
swp_data.demo: the June 2018 API records from the JSON files, the published
annual totals from the bundle CSV, the IoD2025 indicators from the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.stats import spearmanr

from swp_data import demo, taxonomy

POLICE_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,"
    "LSOA code,LSOA name,Crime type,Last outcome category,Context"
)
N_MONTHS = 69  # Jan 2021 to Sep 2026


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def ref(ref_store):
    return demo.load_reference(ref_store)


def _write(folder: Path, seed: int, ref) -> list[Path]:
    return (
        demo.write_police_uk(folder / "police_uk", seed, ref=ref)
        + demo.write_partner(folder / "partner", seed, ref=ref)
        + demo.write_engagement(folder / "engagement", seed, ref=ref)
    )


@pytest.fixture(scope="module")
def written(tmp_path_factory, ref):
    d = tmp_path_factory.mktemp("demo_files")
    return d, _write(d, demo.DEMO_CONFIG.seed, ref)


@pytest.fixture(scope="module")
def police(written) -> pd.DataFrame:
    d, _ = written
    files = sorted((d / "police_uk").glob("*/*.csv"))
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files], ignore_index=True)


@pytest.fixture(scope="module")
def real_june_2018(bundle_dir) -> Counter:
    """Unique real records of June 2018 by canonical category (read here, not by demo)."""
    seen = {}
    for f in sorted((bundle_dir / "police_uk" / "api" / "2018-06").glob("*.json")):
        for r in json.loads(f.read_text()):
            seen[r["id"]] = r
    return Counter(taxonomy.canonical(r["category"]) for r in seen.values()), seen


@pytest.fixture(scope="module")
def city(ref_store) -> pd.DataFrame:
    con = duckdb.connect(str(ref_store), read_only=True)
    try:
        return con.execute(
            "SELECT l.lsoa21_code, l.lsoa21_name, l.population, l.geom, i.*, m.crime_score "
            "FROM lsoa21 l JOIN imd2025_indicators i USING (lsoa21_code) "
            "JOIN imd2025 m USING (lsoa21_code) ORDER BY lsoa21_code"
        ).df()
    finally:
        con.close()


# ------------------------------------------------------------------ reproducible
def _digests(root: Path, paths: list[Path]) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_same_seed_same_bytes_other_seed_differs(written, tmp_path, ref):
    d, paths = written
    again = _write(tmp_path / "a", demo.DEMO_CONFIG.seed, ref)
    assert _digests(d, paths) == _digests(tmp_path / "a", again)
    other = _digests(tmp_path / "b", _write(tmp_path / "b", 7, ref))
    first = _digests(d, paths)
    assert set(other) == set(first)
    police = [k for k in first if k.startswith("police_uk")]
    assert all(other[k] != first[k] for k in police)
    assert other["partner/hate-crime.csv"] != first["partner/hate-crime.csv"]
    assert other["engagement/community-meetings.csv"] != first["engagement/community-meetings.csv"]


# ------------------------------------------------------------------ police.uk files
def test_police_files_are_police_uk_format(written, police, ref):
    d, _ = written
    files = sorted((d / "police_uk").glob("*/*.csv"))
    assert len(files) == N_MONTHS
    months = [str(p) for p in pd.period_range("2021-01", "2026-09", freq="M")]
    assert [f.name for f in files] == [f"{m}-west-midlands-street.csv" for m in months]
    assert [f.parent.name for f in files] == months
    for f in files[:3] + files[-3:]:
        text = f.read_text(encoding="utf-8")
        assert text.splitlines()[0] == POLICE_HEADER
        assert "\r" not in text and text.endswith("\n")
    assert list(police.columns) == POLICE_HEADER.split(",")
    assert sorted(police["Month"].unique()) == months
    assert set(police["Reported by"]) == {"West Midlands Police"}
    assert set(police["Falls within"]) == {"West Midlands Police"}
    assert police["Longitude"].str.fullmatch(r"-\d\.\d{6}").all()
    assert police["Latitude"].str.fullmatch(r"52\.\d{6}").all()
    assert police["Location"].str.startswith("On or near ").all()
    assert not police["Location"].str.contains(r"\d").any()  # no house numbers
    assert set(police["Crime type"]) == set(taxonomy.CATEGORIES)
    assert (police["Context"] == "").all()
    names = dict(zip(ref.lsoa["lsoa21_code"], ref.lsoa["lsoa21_name"], strict=True))
    assert set(police["LSOA code"]) <= set(names)
    assert (police["LSOA name"] == police["LSOA code"].map(names)).all()
    asb = police["Crime type"] == "Anti-social behaviour"
    assert (police.loc[asb, "Crime ID"] == "").all()
    assert (police.loc[asb, "Last outcome category"] == "").all()
    ids = police.loc[~asb, "Crime ID"]
    assert ids.str.fullmatch(r"[0-9a-f]{64}").all()
    assert ids.is_unique


def test_points_are_fixed_snap_points_inside_their_lsoa(police, ref, city):
    geoms = dict(zip(city["lsoa21_code"], shapely.from_wkb(city["geom"].map(bytes).to_numpy()), strict=True))
    pts = police.groupby(["LSOA code", "Longitude", "Latitude"]).size().reset_index()
    inside = [
        shapely.contains_xy(geoms[c], float(x), float(y))
        for c, x, y in zip(pts["LSOA code"], pts["Longitude"], pts["Latitude"], strict=True)
    ]
    assert all(inside)
    per_lsoa = pts.groupby("LSOA code").size()
    assert per_lsoa.max() <= 12 and len(per_lsoa) == 161
    # a point is shared by many records (anonymised locations), and one point
    # has one location text
    assert len(police) / len(pts) > 50
    assert police.groupby(["Longitude", "Latitude"])["Location"].nunique().max() == 1
    snaps = demo.snap_points(ref, np.random.default_rng(1))
    n = snaps.groupby("lsoa").size()
    assert len(n) == 161 and n.min() >= 6 and n.max() <= 12


# ------------------------------------------------------------------ calibration
def test_anchor_is_the_real_june_2018_month(real_june_2018):
    counts, seen = real_june_2018
    anc = demo.anchor()
    assert anc.total == len(seen) == 2463
    assert dict(anc.counts) == dict(counts)
    assert anc.records == 2510  # with the repeats across overlapping ward polygons


def _june_2018_equivalent(police: pd.DataFrame) -> pd.Series:
    """Each category's level, estimated from all demo months: sum(count) /
    sum(trend x season) x season(June) (Poisson MLE given the multipliers)."""
    per = demo.months()
    n = police.groupby(["Month", "Crime type"]).size().unstack(fill_value=0)
    n = n.reindex([str(p) for p in per], fill_value=0)
    out = {}
    for c in n.columns:
        f = demo.trend_factor(c, per) * demo.seasonal_factor(c, per.month)
        out[c] = n[c].sum() / f.sum() * demo.seasonal_factor(c, [6])[0]
    return pd.Series(out)


def test_level_and_mix_match_june_2018_within_tolerance(police, real_june_2018):
    real = pd.Series(dict(real_june_2018[0]))
    est = _june_2018_equivalent(police).reindex(real.index)
    assert abs(est.sum() / real.sum() - 1) < 0.02
    rel = (est / est.sum()) / (real / real.sum()) - 1
    big = real > 50
    assert big.sum() == 9
    assert (rel[big].abs() < 0.05).all(), rel[big]
    assert (rel[~big].abs() < 0.15).all(), rel[~big]
    # plain check, no model: the demo's June 2021 against the real June 2018
    june = (police["Month"] == "2021-06").sum()
    assert abs(june / real.sum() - 1) < 0.05


def test_trends_and_seasonality_show(police):
    n = police.groupby([police["Month"].str[:4], "Crime type"]).size().unstack()
    # ASB and vehicle crime fall, shoplifting rises strongly after 2022, violence rises slowly
    assert n.loc["2025", "Anti-social behaviour"] < 0.85 * n.loc["2021", "Anti-social behaviour"]
    assert n.loc["2025", "Vehicle crime"] < 0.9 * n.loc["2021", "Vehicle crime"]
    assert n.loc["2025", "Shoplifting"] > 1.5 * n.loc["2022", "Shoplifting"]
    assert 1.0 < n.loc["2025", "Violence and sexual offences"] / n.loc["2021", "Violence and sexual offences"] < 1.25
    m = police.groupby([police["Month"].str[5:], "Crime type"]).size().unstack()
    for c in ("Violence and sexual offences", "Anti-social behaviour"):
        summer = m.loc[["06", "07", "08"], c].sum()
        winter = m.loc[["12", "01", "02"], c].sum()
        assert summer > 1.1 * winter


def test_outcomes_in_real_proportions(police, real_june_2018):
    _, seen = real_june_2018
    real = pd.DataFrame(
        [(taxonomy.canonical(r["category"]), (r["outcome_status"] or {}).get("category") or "") for r in seen.values()],
        columns=["cat", "out"],
    )
    for cat, grp in real.groupby("cat"):
        if len(grp) <= 100 or cat == "Anti-social behaviour":
            continue
        want = grp["out"].value_counts(normalize=True)
        got = police.loc[police["Crime type"] == cat, "Last outcome category"].value_counts(normalize=True)
        assert set(got.index) <= set(want.index)
        diff = (got.reindex(want.index, fill_value=0) - want).abs()
        assert (diff < 0.03).all(), (cat, diff)


def test_lsoa_shares_follow_iod2025_indicators(police, city):
    pop = city["population"].astype(float)
    expect = {
        "Violence and sexual offences": (
            city["violence_with_injury_rate_per_1_000_at_risk_population"]
            + city["violence_without_injury_rate_per_1_000_at_risk_population"]
            + city["stalking_and_harassment_rate_per_1_000_at_risk_population"]
        )
        * pop,
        "Anti-social behaviour": city["anti_social_behaviour_rate_per_1_000_at_risk_population"] * pop,
        "Burglary": city["burglary_rate_per_1_000_at_risk_properties"] * pop,
        "Criminal damage and arson": city["criminal_damage_rate_per_1_000_at_risk_population"] * pop,
        "Shoplifting": city["theft_rate_per_1_000_at_risk_population"] * pop,
        "Robbery": (city["crime_score"] - city["crime_score"].min() + 0.25) * pop,
    }
    counts = police.groupby(["LSOA code", "Crime type"]).size().unstack(fill_value=0)
    counts = counts.reindex(city["lsoa21_code"], fill_value=0)
    for cat, e in expect.items():
        rho = spearmanr(counts[cat].to_numpy(), e.to_numpy()).statistic
        assert rho > 0.8, (cat, rho)
    # not just population: deprivation-driven categories are far from uniform per head
    per_head = counts["Violence and sexual offences"].to_numpy() / pop.to_numpy()
    assert np.quantile(per_head, 0.9) > 3 * np.quantile(per_head, 0.1)


# ------------------------------------------------------------------ partner series
def _fy(period: pd.Series) -> pd.Series:
    p = pd.PeriodIndex(period, freq="M")
    start = p.year - (p.month < 4)
    return pd.Series([f"{y}-{(y + 1) % 100:02d}" for y in start], index=period.index)


def test_partner_series_add_up_exactly_to_published_totals(written, bundle_dir, ref):
    d, _ = written
    pub = pd.read_csv(bundle_dir / "published" / "swp_strategy_figures.csv")
    da = pd.read_csv(d / "partner" / "domestic-abuse-incidents.csv", dtype={"period": str})
    hc = pd.read_csv(d / "partner" / "hate-crime.csv", dtype={"period": str})
    for df in (da, hc):
        assert list(df.columns) == ["period", "geography", "measure", "breakdown", "count"]
        assert (df["count"] >= 0).all()
        assert set(df["geography"]) == set(ref.wards["ward_code"])
        assert df["period"].min() == "2014-04" and df["period"].max() == "2026-09"
    checks = [
        (da[da["breakdown"] == "adults"], ("domestic_violence_reports", "adults")),
        (da[da["breakdown"] == "youth"], ("domestic_violence_reports", "youth")),
        (hc, ("hate_crime_reports", "all")),
    ]
    for df, (ind, br) in checks:
        want = pub[(pub["indicator"] == ind) & (pub["breakdown"] == br)].set_index("period")["value"]
        assert len(want) == 5
        got = df.groupby(_fy(df["period"]))["count"].sum()
        assert {k: int(got[k]) for k in want.index} == {k: int(v) for k, v in want.items()}
        assert got.index.max() == "2026-27"  # continued after the published years
    assert set(hc["breakdown"]) == {"race", "religion", "sexual orientation", "disability", "transgender"}
    share = hc[hc["period"] < "2019-04"].groupby("breakdown")["count"].sum()
    share = share / share.sum()
    assert abs(share["race"] - 70 / 106) < 0.04
    assert abs(share["transgender"] - 3 / 106) < 0.02


# ------------------------------------------------------------------ engagement
def test_survey_matches_published_figures(written, bundle_dir):
    d, _ = written
    pub = pd.read_csv(bundle_dir / "published" / "swp_strategy_figures.csv")
    n = int(pub.loc[pub["indicator"] == "safety_of_women_and_girls_survey_respondents", "value"].iloc[0])
    pct = float(pub.loc[pub["indicator"] == "safety_of_women_and_girls_not_safe_at_night", "value"].iloc[0])
    s = pd.read_csv(d / "engagement" / "safety-of-women-and-girls-survey.csv")
    assert list(s.columns) == ["survey", "period", "ward", "question", "answer", "responses"]
    assert s["responses"].sum() == n == 2216
    by = s.groupby("answer")["responses"].sum()
    assert by["No"] == round(pct / 100 * n) == 1064
    assert set(by.index) == {"Yes", "No", "Don't know"}
    assert s["ward"].nunique() == 20
    assert set(s["survey"]) == {"Safety of women and girls survey 2023"}
    assert set(s["period"].astype(str)) == {"2023"}


def test_meetings_by_ward_and_quarter(written, ref):
    d, _ = written
    m = pd.read_csv(d / "engagement" / "community-meetings.csv")
    assert list(m.columns) == ["date", "ward", "kind", "attendees"]
    dates = pd.to_datetime(m["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2021-01-01") and dates.max() <= pd.Timestamp("2026-09-30")
    assert dates.dt.to_period("Q").nunique() == 23
    assert set(m["ward"]) == set(ref.wards["ward_code"])
    assert set(m["kind"]) == {"PACT meeting", "Community walkabout", "Ward surgery"}
    assert (m["attendees"] >= 1).all()
    assert (dates.dt.dayofweek < 5).all()
    assert not m.duplicated(["date", "ward", "kind"]).any()


# ------------------------------------------------------------------ import
def test_crime_loaded_without_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SWP_STORE", str(tmp_path / "none.duckdb"))
    assert demo.crime_loaded() is False


def test_generate_and_import_labels_everything_demo(store_path, tmp_path):
    assert demo.crime_loaded() is False
    tables = ("crime", "partner_series", "engagement_meeting", "engagement_survey", "engagement_consultation")
    con = duckdb.connect(str(store_path), read_only=True)
    before = {r[0] for r in con.execute("SELECT dataset_id FROM dataset").fetchall()}
    rows_before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    con.close()

    seen = []
    report = demo.generate_and_import(workdir=tmp_path / "files", progress=lambda f, m: seen.append(f))
    assert demo.crime_loaded() is True
    assert report.rows_kept > 150_000
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)

    con = duckdb.connect(str(store_path), read_only=True)
    try:
        ds = con.execute("SELECT dataset_id, is_demo, kind FROM dataset").df()
        new = ds[~ds["dataset_id"].isin(before)]
        assert set(report.datasets) == set(new.loc[new["kind"] != "impact_area", "dataset_id"])
        # The six approximate 2011-12 priority areas come in the same transaction, labelled demo.
        areas = con.execute("SELECT count(*), bool_and(is_demo), bool_and(approximate) FROM impact_area").fetchone()
        assert areas == (6, True, True)
        assert (new["kind"] == "impact_area").sum() == 6
        assert new["is_demo"].all()
        assert new["dataset_id"].str.startswith("demo:").all()
        assert {"police_uk", "partner", "engagement"} <= set(new["kind"])
        assert not ds.loc[ds["dataset_id"].isin(before), "is_demo"].any()
        for table in tables:
            n_new, n_bad, n_old = con.execute(
                f"SELECT count(*) FILTER (WHERE t.dataset_id NOT IN (SELECT unnest(?))), "
                f"count(*) FILTER (WHERE t.dataset_id NOT IN (SELECT unnest(?)) "
                f"  AND (d.is_demo IS NOT TRUE OR t.dataset_id NOT LIKE 'demo:%')), "
                f"count(*) FILTER (WHERE t.dataset_id IN (SELECT unnest(?))) "
                f"FROM {table} t LEFT JOIN dataset d USING (dataset_id)",
                [sorted(before)] * 3,
            ).fetchone()
            assert n_bad == 0, table
            assert n_old == rows_before[table], table  # real rows (published figures) untouched
            if table != "engagement_consultation":
                assert n_new > 0, table
        lo, hi, months, n, outside = con.execute(
            "SELECT min(month), max(month), count(DISTINCT month), count(*), "
            "count(*) FILTER (WHERE lsoa21_code IS NULL OR lsoa21_code NOT IN (SELECT lsoa21_code FROM lsoa21)) "
            "FROM crime"
        ).fetchone()
        assert (lo, hi, months) == (dt.date(2021, 1, 1), dt.date(2026, 9, 1), N_MONTHS)
        assert outside == 0
        files_rows = sum(
            len(p.read_text().splitlines()) - 1 for p in (tmp_path / "files" / "police_uk").glob("*/*.csv")
        )
        assert n == files_rows  # every demo record kept (identical rows are distinct incidents)
        survey = con.execute(
            "SELECT sum(responses), sum(responses) FILTER (WHERE answer = 'No') FROM engagement_survey "
            "WHERE dataset_id LIKE 'demo:%'"
        ).fetchone()
        assert survey == (2216, 1064)
    finally:
        con.close()
