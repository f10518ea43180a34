"""The hotspot map read out in plain words (issue #22, finding 3): how many
neighbourhoods stand out, and when none does, what that means, what to try
and where the rates are highest anyway.

Pure functions of the frame :func:`swp_data.analysis.crime.hotspots` returns
and of the store's LSOA table (for ward names); no Streamlit.
"""

from __future__ import annotations

import duckdb
import pandas as pd

HOT, COLD = "Hot spot", "Cold spot"  # the classes of geo.hotspots
TOP_N = 5


def highest_rates(con: duckdb.DuckDBPyConnection, hs: pd.DataFrame, n: int = TOP_N) -> pd.DataFrame:
    """The ``n`` LSOAs with the highest smoothed rate (so a tiny population
    cannot top the list): code, name, ward_name, count, rate_per_1000,
    eb_rate, times_city (smoothed rate against the city rate), highest first."""
    if hs.empty:
        return pd.DataFrame(columns=["code", "name", "ward_name", "count", "rate_per_1000", "eb_rate", "times_city"])
    pop = float(hs["population"].sum())
    city = 1000.0 * float(hs["count"].sum()) / pop if pop else float("nan")
    top = hs[hs["count"] > 0].sort_values(["eb_rate", "code"], ascending=[False, True]).head(n).copy()
    wards = con.execute("SELECT lsoa21_code AS code, ward_name FROM lsoa21").df()
    top = top.merge(wards, on="code", how="left")
    top["times_city"] = top["eb_rate"] / city if city else float("nan")
    return top[["code", "name", "ward_name", "count", "rate_per_1000", "eb_rate", "times_city"]].reset_index(drop=True)


def reading(hs: pd.DataFrame, top: pd.DataFrame, what: str, span: str) -> str:
    """One or two plain sentences: the answer the hotspot map gives.

    ``what``: the crime type in words; ``span``: the months in words."""
    n_hot = int((hs["hotspot"] == HOT).sum())
    n_cold = int((hs["hotspot"] == COLD).sum())
    records = int(hs["count"].sum())
    if n_hot or n_cold:
        parts = []
        if n_hot:
            parts.append(f"{n_hot} neighbourhood{'s' if n_hot != 1 else ''} sit in clusters of high rates")
        if n_cold:
            parts.append(f"{n_cold} in clusters of low rates")
        return (
            f"{what}, {span} ({records:,} records): {' and '.join(parts)}, more than chance would give "
            "(orange and purple on the map)."
        )
    if records == 0:
        return f"{what}, {span}: no records with a location, so there is nothing to map. Choose a longer period."
    text = (
        f"{what}, {span} ({records:,} records): no cluster of neighbourhoods stands out from chance. This does "
        "not mean the crime is spread evenly: it means the pattern could arise by chance, often because there "
        "are too few records per neighbourhood. Try a longer period or a broader crime type, or show rates "
        "on the Areas map."
    )
    if len(top):
        names = "; ".join(
            f"{r.name} ({r.ward_name}, {r.times_city:.1f} times the city rate)"
            if pd.notna(r.ward_name) and str(r.ward_name) not in str(r.name)
            else f"{r.name} ({r.times_city:.1f} times the city rate)"
            for r in top.itertuples()
        )
        text += f" The highest rates are in {names}."
    return text
