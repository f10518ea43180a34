"""swp_data.places.priority: percentile components, weighted score, rank, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from swp_data.config import data_dir
from swp_data.errors import InputError
from swp_data.places import priority as pr


def four_areas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "harm": [10.0, 20.0, 30.0, 40.0],
            "deprivation": [40.0, 30.0, 20.0, 10.0],
            "engagement": [5.0, 1.0, 3.0, 7.0],
            "trend": [1.0, 1.0, 0.5, 2.0],
        },
        index=["A", "B", "C", "D"],
    )


def test_hand_checked_four_areas():
    # Percentiles = 100 * (rank - 1) / (n - 1), average ranks for ties, n = 4:
    #   harm        10,20,30,40      -> A 0,    B 33.3, C 66.7, D 100
    #   deprivation 40,30,20,10      -> A 100,  B 66.7, C 33.3, D 0
    #   engagement  5,1,3,7          -> A 66.7, B 0,    C 33.3, D 100
    #     low engagement = 100 - that -> A 33.3, B 100,  C 66.7, D 0
    #   trend       1,1,0.5,2        -> ranks A 2.5, B 2.5, C 1, D 4 -> A 50, B 50, C 0, D 100
    # Default weights 0.4/0.3/0.2/0.1 (sum 1):
    #   A = 0.4*0    + 0.3*100  + 0.2*33.3 + 0.1*50  = 0     + 30 + 6.67 + 5  = 41.67
    #   B = 0.4*33.3 + 0.3*66.7 + 0.2*100  + 0.1*50  = 13.33 + 20 + 20   + 5  = 58.33
    #   C = 0.4*66.7 + 0.3*33.3 + 0.2*66.7 + 0.1*0   = 26.67 + 10 + 13.33 + 0 = 50
    #   D = 0.4*100  + 0.3*0    + 0.2*0    + 0.1*100 = 40    + 0  + 0    + 10 = 50
    # Ranks (1 = highest, ties share the best rank): B 1, C 2, D 2, A 4.
    out = pr.priority_scores(four_areas(), pr.DEFAULT_WEIGHTS)
    assert out.index.tolist() == ["B", "C", "D", "A"]  # sorted by rank
    assert out.loc["A", "low_engagement_percentile"] == pytest.approx(100 / 3)
    assert out.loc["A", "trend_percentile"] == pytest.approx(50.0)
    assert out.loc[["A", "B", "C", "D"], "score"].tolist() == pytest.approx([125 / 3, 175 / 3, 50.0, 50.0])
    assert out.loc[["A", "B", "C", "D"], "rank"].tolist() == [4, 1, 2, 2]
    assert out.columns.tolist() == [
        "harm_percentile",
        "deprivation_percentile",
        "low_engagement_percentile",
        "trend_percentile",
        "score",
        "rank",
        "reason",
    ]
    # B's largest contributions: deprivation 20, low engagement 20, harm 13.3
    assert out.loc["B", "reason"] == (
        "Deprivation above the city median; engagement in the bottom 10%; harm below the city median"
    )
    # D: harm 40, trend 10
    assert out.loc["D", "reason"].startswith("Harm in the top 10% of the city; recent rise in crime in the top 10%")


def test_weights_need_not_sum_to_one():
    a = pr.priority_scores(four_areas(), pr.DEFAULT_WEIGHTS)
    b = pr.priority_scores(four_areas(), {k: 10 * v for k, v in pr.DEFAULT_WEIGHTS.items()})
    pd.testing.assert_series_equal(a["score"], b["score"])


def test_changing_weights_changes_ranks():
    harm_only = pr.priority_scores(four_areas(), {"harm": 1})
    assert harm_only["rank"].loc[["D", "C", "B", "A"]].tolist() == [1, 2, 3, 4]
    dep_only = pr.priority_scores(four_areas(), {"deprivation": 1})
    assert dep_only.index[0] == "A"
    eng_only = pr.priority_scores(four_areas(), {"low_engagement": 1})
    assert eng_only.index[0] == "B"  # least engagement
    # more weight on harm moves D (highest harm) from joint 2nd to 1st
    heavier = pr.priority_scores(four_areas(), {**pr.DEFAULT_WEIGHTS, "harm": 0.8})
    # D = (0.8*100 + 0.1*100) / 1.4 = 64.3; B = (0.8*33.3 + 20 + 20 + 5) / 1.4 = 51.2
    assert heavier.loc["D", "rank"] == 1
    assert heavier.loc["D", "score"] == pytest.approx(90 / 1.4)


@pytest.mark.parametrize(
    "weights,match",
    [
        ({"harm": -0.1, "deprivation": 1}, "negative"),
        ({"harm": 0, "deprivation": 0, "low_engagement": 0, "trend": 0}, "all priority weights are 0"),
        ({"harm": 1, "crime": 1}, "unknown"),
        ({"harm": float("nan")}, "not a number"),
    ],
)
def test_bad_weights_raise(weights, match):
    with pytest.raises(ValueError, match=match) as err:
        pr.priority_scores(four_areas(), weights)
    assert isinstance(err.value, InputError)  # pages show it like any input error


def test_missing_components_reweighted_and_said_in_reason():
    c = four_areas().drop(columns="engagement")
    c.loc["A", "trend"] = np.nan
    out = pr.priority_scores(c, pr.DEFAULT_WEIGHTS)
    assert out["low_engagement_percentile"].isna().all()
    # trend among B, C, D only: 1, 0.5, 2 -> B 50, C 0, D 100
    assert out.loc["B", "trend_percentile"] == pytest.approx(50.0)
    # A: harm 0, deprivation 100 over weights 0.4 + 0.3
    assert out.loc["A", "score"] == pytest.approx(0.3 * 100 / 0.7)
    # B: (0.4*33.3 + 0.3*66.7 + 0.1*50) / 0.8
    assert out.loc["B", "score"] == pytest.approx((0.4 * 100 / 3 + 0.3 * 200 / 3 + 5) / 0.8)
    assert "no engagement or trend data" in out.loc["A", "reason"]
    assert "no engagement data" in out.loc["B", "reason"]
    # an area with nothing for any weighted component has no score and no rank
    c2 = four_areas()
    c2.loc["C", "harm"] = np.nan
    only_harm = pr.priority_scores(c2, {"harm": 1})
    assert np.isnan(only_harm.loc["C", "score"]) and pd.isna(only_harm.loc["C", "rank"])
    assert only_harm.index[-1] == "C"
    assert only_harm["rank"].dropna().tolist() == [1, 2, 3]


def test_real_imd2025_wolverhampton_priority():
    d = data_dir()
    codes = pd.read_csv(d / "lookups" / "lsoa21_ward2023_wolverhampton.csv")["lsoa21_code"]
    imd = pd.read_csv(d / "deprivation" / "imd2025_lsoa21_england.csv")
    w = imd[imd["lsoa21_code"].isin(codes)].set_index("lsoa21_code")
    comp = pd.DataFrame({"harm": w["Crime_score"], "deprivation": w["IMD_score"]})
    out = pr.priority_scores(comp, {"harm": 1, "deprivation": 1})
    assert len(out) == 161
    assert out["rank"].min() == 1 and out["score"].between(0, 100).all()
    top = out.index[0]
    # the top-ranked LSOA is in the top 10% of the city for at least one component
    assert max(out.loc[top, "harm_percentile"], out.loc[top, "deprivation_percentile"]) >= 90
    assert "top 10% of the city" in out.loc[top, "reason"]
    # the most deprived LSOA in the city has deprivation percentile 100
    assert out.loc[w["IMD_score"].idxmax(), "deprivation_percentile"] == 100.0
