"""Clusters of LSOAs or wards on the place indicators and the ranked list of
where delivery should focus (docs/architecture.md, page 6): glue between
:mod:`swp_data.places.indicators` and the pure :mod:`swp_data.places.clustering` and
:mod:`swp_data.places.priority`.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from swp_data.places import clustering, priority
from swp_data.places.indicators import indicators, nice_names


def contiguity(con: duckdb.DuckDBPyConnection, level: str = "lsoa"):
    """Queen contiguity of the full (analysis) shapes as a sparse matrix in
    code order, with its description (geo.hotspots.contiguity_weights,
    which falls back to fuzzy contiguity on these generalised shapes)."""
    from geo import boundaries as gb
    from geo import hotspots

    if level == "ward":
        df = con.execute("SELECT ward_code AS code, geom FROM ward ORDER BY 1").df()
    else:
        df = con.execute("SELECT lsoa21_code AS code, geom FROM lsoa21 ORDER BY 1").df()
    g = gb.from_frame(df)
    w, desc = hotspots.contiguity_weights(g)
    m = w.sparse.tocsr()
    return list(g["code"]), m, desc


def silhouettes(con: duckdb.DuckDBPyConnection, level: str, columns: tuple[str, ...], method: str) -> pd.DataFrame:
    """clustering.silhouette_by_k (k = 2..10) on the chosen indicators."""
    z = clustering.standardise(indicators(con, level)[list(columns)])
    w = _weights_for(con, level, z.index) if method == "ward_contiguous" else None
    return clustering.silhouette_by_k(z, method=method, w=w)


def _weights_for(con, level, index):
    codes, m, _ = contiguity(con, level)
    pos = {c: i for i, c in enumerate(codes)}
    order = np.array([pos[c] for c in index])
    return m[order][:, order]


def cluster_analysis(
    con: duckdb.DuckDBPyConnection, level: str, columns: tuple[str, ...], method: str, k: int, seed: int = 0
) -> dict:
    """Clusters of the areas on the chosen indicators: z (standardised
    indicators), labels (1..k), stability (mean adjusted Rand index over 20
    resamples), profile (mean z per cluster), names (plain-language label per
    cluster), sizes."""
    ind = indicators(con, level)
    z = clustering.standardise(ind[list(columns)])
    w = _weights_for(con, level, z.index) if method == "ward_contiguous" else None
    labels_ = clustering.cluster(z, k, method=method, seed=seed, w=w)
    stab = clustering.stability(z, k, method=method, seed=seed, w=w)
    prof = clustering.profiles(z, labels_)
    names = clustering.describe_clusters(prof, nice_names())
    return {
        "z": z,
        "labels": labels_,
        "stability": stab,
        "profile": prof,
        "names": names,
        "sizes": clustering.cluster_sizes(labels_),
    }


def stability_reading(ari: float) -> str:
    """Plain-language reading of the adjusted Rand index of the stability check."""
    if not np.isfinite(ari):
        return "could not be measured"
    if ari >= 0.9:
        return "very stable: the same clusters come back almost every time"
    if ari >= 0.75:
        return "stable: the clusters are broadly the same when the data are resampled"
    if ari >= 0.5:
        return "moderately stable: the broad pattern holds but areas near the edges of clusters move"
    return "unstable: treat these clusters as a rough sketch, not a firm grouping"


# ----------------------------------------------------------------- priority
def priority_components(con: duckdb.DuckDBPyConnection, level: str = "lsoa") -> pd.DataFrame:
    """The four components of priority.priority_scores per area: harm (per
    1,000), deprivation (IMD 2025 score), engagement (attendees per 1,000) and
    trend (latest 12 months / the 12 before), with name and ward_name."""
    ind = indicators(con, level)
    return pd.DataFrame(
        {
            "name": ind["name"],
            "ward_name": ind["ward_name"],
            "population": ind["population"],
            "harm": ind["harm"],
            "deprivation": ind["imd_imd"],
            "engagement": ind["engagement"],
            "trend": ind["trend"],
        },
        index=ind.index,
    )


def priority_list(
    con: duckdb.DuckDBPyConnection, level: str = "lsoa", weights: tuple[tuple[str, float], ...] | None = None
) -> pd.DataFrame:
    """priority.priority_scores on :func:`priority_components` with the given
    weights (a tuple of (component, weight) pairs, for caching; default
    priority.DEFAULT_WEIGHTS): rank, name, ward, score, reason, the
    components and their percentiles. Same inputs, same list."""
    comp = priority_components(con, level)
    w = dict(weights) if weights else dict(priority.DEFAULT_WEIGHTS)
    scores = priority.priority_scores(comp[["harm", "deprivation", "engagement", "trend"]], w)
    out = scores.join(comp)
    out.index.name = "code"
    first = ["rank", "name", "ward_name", "score", "reason", "harm", "deprivation", "engagement", "trend"]
    return out[first + [c for c in out.columns if c not in first]]
