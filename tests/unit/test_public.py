"""What the public site may show: partner figures only as published, and
survey answers by ward suppressed so that no shown total reveals a small count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from swp_data import store
from swp_data.analysis import crime, public, stats
from swp_data.places import engagement_analysis


def _survey(demo_store) -> pd.DataFrame:
    with store.reading(demo_store) as con:
        sv = engagement_analysis.survey_by_ward(con)
    return sv[sv["question"] == sv["question"].iloc[0]].reset_index(drop=True)


def test_one_dimension_is_not_enough_for_a_survey_by_ward(demo_store):
    """The bug the two-way suppression fixes: with the ward totals shown, a small
    "Don't know" hidden within its answer can be worked out from its ward's other answers."""
    sv = _survey(demo_store)
    dk = sv[sv["answer"] == "Don't know"]
    one_way = stats.suppress_small(dk, "responses")
    hidden = one_way[one_way["suppressed"]]
    assert len(hidden) >= 2
    ward = hidden.iloc[0]["ward_code"]
    others = sv[(sv["ward_code"] == ward) & (sv["answer"] != "Don't know")]["responses"].sum()
    recovered = hidden.iloc[0]["ward_responses"] - others
    assert recovered == sv[(sv["ward_code"] == ward) & (sv["answer"] == "Don't know")]["responses"].iloc[0]
    assert 0 < recovered < 5


def test_suppress_table_protects_every_ward_and_every_answer(demo_store):
    sv = _survey(demo_store)
    out = public.suppress_table(sv, "responses", [["ward_code"], ["answer"]])
    assert len(out) == len(sv)
    small = (sv["responses"] > 0) & (sv["responses"] < 5)
    assert small.sum() >= 3
    assert out.loc[small, "suppressed"].all() and out.loc[small, "responses"].isna().all()
    for dim in ("ward_code", "answer"):
        per_group = out.groupby(dim)["suppressed"].sum()
        assert not (per_group == 1).any(), f"a {dim} with one suppressed cell can be recovered from its total"
    # what stays shown is unchanged
    shown = ~out["suppressed"]
    assert (out.loc[shown, "responses"].to_numpy() == sv.loc[shown, "responses"].to_numpy()).all()
    # each hidden small count has at least one other hidden cell in its ward and in its answer
    for r in out[small].itertuples():
        assert out[(out["ward_code"] == r.ward_code)]["suppressed"].sum() >= 2
        assert out[(out["answer"] == r.answer)]["suppressed"].sum() >= 2


def test_suppress_table_on_a_small_grid():
    grid = pd.DataFrame(
        {
            "row": ["a", "a", "b", "b", "c", "c"],
            "col": ["x", "y", "x", "y", "x", "y"],
            "n": [3, 40, 20, 30, 50, 60],
        }
    )
    out = public.suppress_table(grid, "n", [["row"], ["col"]])
    # 3 (a,x) primary; row a -> 40 (a,y); column x -> 20 (b,x); then row b -> 30 (b,y); column y has 2: done
    assert out["suppressed"].tolist() == [True, True, True, True, False, False]
    assert np.isnan(out["n"].iloc[:4]).all() and out["n"].iloc[4:].tolist() == [50, 60]
    nothing = public.suppress_table(grid.assign(n=[0, 40, 20, 30, 50, 60]), "n", [["row"], ["col"]])
    assert not nothing["suppressed"].any()  # zeros are not suppressed


@pytest.mark.parametrize("measure", ["domestic_abuse_incidents", "hate_crime"])
def test_published_partner_keeps_only_the_published_rows(demo_store, measure):
    with store.reading(demo_store) as con:
        partner = crime.partner_series(con, measure, "fy", "city")
        published = crime.partner_series(
            con,
            {"domestic_abuse_incidents": "domestic_violence_reports"}.get(measure, "hate_crime_reports"),
            "fy",
            "city",
        )
    assert len(partner) and set(partner["source"]) == {"Partner data (DEMO)"}
    assert public.published_partner(partner).empty
    assert len(published) and public.published_partner(published).equals(published.reset_index(drop=True))
    assert public.published_partner(partner.iloc[0:0]).empty
