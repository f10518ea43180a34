"""Benchmarks (swp_data.places.benchmarks): limits and verdicts on constructed counts, the city's
IoD2025 figures recomputed from the bundle's files, England percentiles, and `compare --json`."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from swp_data import cli, config
from swp_data.errors import InputError
from swp_data.places import benchmarks as b
from swp_data.places import peers

CITY = "E08000031"


@pytest.fixture(scope="module")
def con(ref_store):
    c = duckdb.connect(str(ref_store), read_only=True)
    yield c
    c.close()


# ----------------------------------------------------------------- limits and verdicts
def test_exact_limits_below_ten():
    # Published exact Poisson 95% limits (Garwood): 0 -> (0, 3.689); 3 -> (0.619, 8.767); 9 -> (4.115, 17.084).
    assert b.count_limits(0, b.Z95) == pytest.approx((0.0, 3.689), abs=1e-3)
    assert b.count_limits(3, b.Z95) == pytest.approx((0.619, 8.767), abs=1e-3)
    assert b.count_limits(9, b.Z95) == pytest.approx((4.115, 17.084), abs=1e-3)
    # 99.8%: wider.
    lo, hi = b.count_limits(3, b.Z998)
    assert lo < 0.619 and hi > 8.767


def test_byar_from_ten():
    # Byar's approximation at 100 events: (81.36, 121.63) at 95%, close to the exact (81.37, 121.63).
    lo, hi = b.count_limits(100, b.Z95)
    assert (lo, hi) == pytest.approx((81.362, 121.628), abs=1e-3)
    exact = (sps.chi2.ppf(0.025, 200) / 2, sps.chi2.ppf(0.975, 202) / 2)
    assert (lo, hi) == pytest.approx(exact, abs=0.05)
    with pytest.raises(InputError):
        b.count_limits(-1, b.Z95)


@pytest.mark.parametrize(
    ("benchmark", "expected"),
    [
        (10.0, "similar"),  # the rate itself
        (8.5, "similar"),  # inside the 95% interval (8.14, 12.16)
        (8.0, "higher"),  # below the 95% lower limit, above the 99.8% one (7.19)
        (7.0, "significantly higher"),
        (12.5, "lower"),  # above the 95% upper limit, below the 99.8% one (13.49)
        (14.0, "significantly lower"),
    ],
)
def test_five_level_verdict_on_constructed_counts(benchmark, expected):
    # 100 events among 10,000: 10 per 1,000.
    assert b.verdict(100, 10_000, benchmark) == expected


def test_verdict_small_counts_are_similar_unless_far():
    # 3 events among 1,000 (3 per 1,000; exact 95% 0.62-8.77 per 1,000, 99.8% 0.19-13.06).
    assert b.verdict(3, 1000, 8.0) == "similar"
    assert b.verdict(3, 1000, 10.0) == "lower"
    assert b.verdict(3, 1000, 14.0) == "significantly lower"
    assert b.verdict(3, 1000, float("nan")) == "not compared"


# ----------------------------------------------------------------- the city's figures
def _city_from_files() -> pd.DataFrame:
    """The city's pooled rates recomputed from the bundle's CSVs, independently of the store."""
    d = config.data_dir()
    ind = pd.read_csv(d / "deprivation/imd2025_lsoa21_indicators_england.csv")
    lk = pd.read_csv(d / "lookups/lsoa21_ward2024_lad2024_england_wales.csv")
    age = pd.read_csv(d / "population/census2021_lsoa21_age_bands_england_wales.csv")
    acc = pd.read_csv(d / "census2021/accommodation_type_lsoa21_england_wales.csv")
    city = lk.loc[lk["ltla24_code"] == CITY, "lsoa21_code"]
    res = age.set_index("lsoa21_code").sum(axis=1).reindex(city)
    hh = acc.set_index("lsoa21_code").sum(axis=1).reindex(city)
    ind = ind.set_index("lsoa21_code").reindex(city)
    out = {}
    for col, short in b.INDICATORS.items():
        den = hh if short == "burglary" else res
        out[short] = (ind[col] * den).sum() / den[ind[col].notna()].sum()
    return pd.Series(out)


def test_city_rates_equal_the_files(con):
    ind = b.indicators(con).set_index("indicator")
    expected = _city_from_files()
    assert np.allclose(ind["area_rate"], expected.reindex(ind.index), rtol=1e-9)
    # Known values (per 1,000 at risk; IoD2025, pooled by Census 2021 residents or households).
    assert ind.loc["violence_with_injury", "area_rate"] == pytest.approx(10.20, abs=0.01)
    assert ind.loc["burglary", "area_rate"] == pytest.approx(15.13, abs=0.01)
    assert ind.loc["anti_social_behaviour", "area_rate"] == pytest.approx(5.27, abs=0.01)


def test_england_and_peer_rates_are_pooled(con):
    ind = b.indicators(con).set_index("indicator")
    nat = con.execute("SELECT * FROM national_lsoa").df()
    v = nat.dropna(subset=["theft"])
    assert ind.loc["theft", "england_rate"] == pytest.approx((v["theft"] * v["residents"]).sum() / v["residents"].sum())
    g = peers.nearest(con)
    p = nat[nat["lad24_code"].isin(g.codes)].dropna(subset=["burglary"])
    pooled = (p["burglary"] * p["households"]).sum() / p["households"].sum()
    assert ind.loc["burglary", "peer_rate"] == pytest.approx(pooled)
    # Not a mean of the peers' rates.
    means = p.groupby("lad24_code").apply(lambda x: (x["burglary"] * x["households"]).sum() / x["households"].sum())
    assert ind.loc["burglary", "peer_rate"] != pytest.approx(means.mean(), rel=1e-6)


def test_city_verdicts_and_ranks(con):
    ind = b.indicators(con).set_index("indicator")
    assert set(ind["verdict"]) <= set(b.VERDICTS)
    assert (ind["group_size"] == 16).all()
    assert ind["rank_in_group"].between(1, 16).all()
    # Violence with injury: the highest of the group, well above the peers and England.
    assert ind.loc["violence_with_injury", "rank_in_group"] == 1
    assert ind.loc["violence_with_injury", "verdict"] == "significantly higher"
    assert ind.loc["violence_with_injury", "verdict_england"] == "significantly higher"
    # Anti-social behaviour as recorded in the IoD2025 is far below both.
    assert ind.loc["anti_social_behaviour", "verdict"] == "significantly lower"
    bars = b.group_bars(con, None, "violence_with_injury")
    assert bars.iloc[0]["code"] == CITY and bars["rate"].is_monotonic_decreasing and len(bars) == 16


def test_funnel_limits_narrow_towards_england(con):
    f = b.funnel(con, None, "theft")
    lim = f["limits"]
    width = lim["hi95"] - lim["lo95"]
    assert width.is_monotonic_decreasing
    assert (lim["lo998"] <= lim["lo95"]).all() and (lim["hi998"] >= lim["hi95"]).all()
    assert lim["lo95"].iloc[-1] < f["england_rate"] < lim["hi95"].iloc[-1]
    pts = f["points"]
    assert len(pts) == 296 and (pts["group"] == "place").sum() == 1 and (pts["group"] == "peer").sum() == 15


# ----------------------------------------------------------------- among England's LSOAs
def test_lsoa_percentiles_among_england(con):
    p = b.england_percentiles(con, None, "lsoa")
    assert len(p) == 161 * 8
    nat = con.execute("SELECT burglary FROM national_lsoa").df()["burglary"].dropna().to_numpy()
    row = p[(p["code"] == "E01034312") & (p["indicator"] == "burglary")].iloc[0]  # Heath Town: 65.1
    assert row["rate"] == pytest.approx(65.1)
    assert row["percentile"] == pytest.approx(sps.percentileofscore(nat, 65.1, kind="mean"))
    assert row["most_affected_10pct"]
    # Exactly the LSOAs above England's 90th percentile are flagged.
    cut = np.quantile(nat, 0.9)
    burg = p[p["indicator"] == "burglary"]
    assert (burg["most_affected_10pct"] == (burg["rate"] > cut)).all()


def test_wards_and_hidden_pockets(con):
    w = b.england_percentiles(con, None, "ward")
    assert len(w) == 20 * 8 and w["percentile"].between(0, 100).all()
    h = b.hidden_pockets(con)
    assert len(h) > 0
    assert h["most_affected_10pct"].all() and (h["ward_percentile"] <= 100).all()
    wf = w.set_index(["code", "indicator"])["most_affected_10pct"]
    assert not any(wf.loc[(r.ward24_code, r.indicator)] for r in h.itertuples())
    assert "E01034312" in set(h[h["indicator"] == "burglary"]["code"])  # Heath Town's pocket of burglary


# ----------------------------------------------------------------- `python -m swp_data compare`
def test_compare_json_fields(store_path, capsys):
    assert cli.main(["compare", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"area", "peers", "indicators"}
    assert out["area"]["code"] == CITY
    assert len(out["peers"]) == 15
    assert set(out["peers"][0]) == {"code", "name", "distance", "match", "rank"}
    assert out["peers"][0]["name"] == "Walsall" and out["peers"][0]["rank"] == 1
    assert len(out["indicators"]) == 8
    assert set(out["indicators"][0]) == {
        "indicator",
        "area_rate",
        "peer_rate",
        "england_rate",
        "rank_in_group",
        "verdict",
    }


def test_compare_other_area_and_refusals(store_path, capsys):
    assert cli.main(["compare", "--area", "E22000352"]) == 0
    assert "Dartford and Gravesham" in capsys.readouterr().out
    for code in ("W06000015", "E22999999", "zz"):
        assert cli.main(["compare", "--area", code, "--json"]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1 and captured.err.startswith("error: ")
