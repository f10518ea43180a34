"""The hotspot map in plain words: guidance and the highest-rate areas when
nothing is significant (issue #22, finding 3)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from swp_data.analysis import hotspot_reading


@pytest.fixture(scope="module")
def con(ref_store):
    c = duckdb.connect(str(ref_store), read_only=True)
    yield c
    c.close()


def _hs(con, hot=()):
    df = con.execute("SELECT lsoa21_code AS code, lsoa21_name AS name, population FROM lsoa21 ORDER BY 1").df()
    df["count"] = 2
    df.loc[df.index[:3], "count"] = [40, 30, 20]  # three known high-rate LSOAs
    df["rate_per_1000"] = 1000 * df["count"] / df["population"]
    df["eb_rate"] = df["rate_per_1000"]
    df["hotspot"] = ["Hot spot" if c in hot else "Not significant" for c in df["code"]]
    return df


def test_nothing_significant_gives_guidance_and_the_highest_rates(con):
    hs = _hs(con)
    top = hotspot_reading.highest_rates(con, hs, n=3)
    assert list(top["code"]) == list(hs.sort_values("eb_rate", ascending=False)["code"].head(3))
    city = 1000 * hs["count"].sum() / hs["population"].sum()
    assert top["times_city"].iloc[0] == pytest.approx(top["eb_rate"].iloc[0] / city)
    assert top["ward_name"].notna().all()
    text = hotspot_reading.reading(hs, top, "Robbery", "Oct 2025 to Sep 2026")
    assert "no cluster of neighbourhoods stands out from chance" in text
    assert "Try a longer period" in text
    assert f"The highest rates are in {top['name'].iloc[0]} ({top['ward_name'].iloc[0]}, " in text
    # a name that already carries its ward does not repeat it
    named = top.assign(name=top["name"] + " (" + top["ward_name"] + ")")
    text2 = hotspot_reading.reading(hs, named, "Robbery", "Oct 2025 to Sep 2026")
    assert f"{named['name'].iloc[0]} ({top['times_city'].iloc[0]:.1f} times the city rate)" in text2
    assert f"{int(hs['count'].sum()):,} records" in text


def test_hot_spots_are_counted_in_words(con):
    hs = _hs(con, hot=("E01010410", "E01010411"))
    text = hotspot_reading.reading(hs, pd.DataFrame(), "Burglary", "Jan 2025")
    assert "2 neighbourhoods sit in clusters of high rates" in text and "highest rates" not in text
