"""Hotspots: Getis-Ord Gi* with queen contiguity and a false discovery rate
correction (docs/architecture.md, Statistics that users can trust). No Streamlit here.

Contiguity note: the bundled generalised boundaries (LSOA 2011, and LSOA 2021
built from them) were simplified polygon by polygon, so neighbours overlap or
leave slivers but share no vertices: strict queen contiguity
(``Queen.from_dataframe``) finds every LSOA an island. When strict queen
contiguity leaves islands, :func:`contiguity_weights` rebuilds the queen
relation by intersection after a 1 m buffer in metres (libpysal
``fuzzy_contiguity``), and keeps whichever leaves fewer islands. On the
Wolverhampton LSOA 2011 boundaries that gives 424 neighbour pairs (5.4 per
area, no islands), the same from 0.1 m to 2 m.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
from libpysal.weights import Queen, W, fuzzy_contiguity, w_subset
from statsmodels.stats.multitest import multipletests

SNAP_METRES = 1.0
HOT, COLD, NOT_SIG = "Hot spot", "Cold spot", "Not significant"
COLUMNS = ["id", "value", "z", "p_sim", "p_fdr", "hotspot", "neighbours"]


def _metric_frame(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, float]:
    """The frame in a metric CRS (when it has a CRS) and the snapping distance."""
    frame = gpd.GeoDataFrame(geometry=gdf.geometry.reset_index(drop=True), crs=gdf.crs)
    if frame.crs is not None and frame.crs.is_geographic:
        frame = frame.to_crs(frame.estimate_utm_crs())
    units = frame.crs.axis_info[0].unit_name if frame.crs is not None else ""
    if units in ("metre", "meter"):
        return frame, SNAP_METRES
    minx, miny, maxx, maxy = frame.total_bounds
    return frame, 1e-6 * max(maxx - minx, maxy - miny, 1e-12)


def contiguity_weights(gdf: gpd.GeoDataFrame) -> tuple[W, str]:
    """Queen contiguity weights (ids 0..n-1 in row order) and a description.

    Strict queen first; if it leaves islands, queen by intersection after
    snapping gaps of up to 1 m (see module notes), kept if it leaves fewer.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not fully connected"
        w = Queen.from_dataframe(gdf, use_index=False)
        if not w.islands:
            return w, "queen contiguity"
        frame, snap = _metric_frame(gdf)
        fuzzy = fuzzy_contiguity(frame, buffering=True, buffer=snap)
    if len(fuzzy.islands) < len(w.islands):
        return fuzzy, "queen contiguity (shared boundaries within 1 m, as the shapes are generalised)"
    return w, "queen contiguity"


def _empty_result(ids: pd.Series, values: np.ndarray) -> pd.DataFrame:
    n = len(ids)
    return pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "value": values,
            "z": np.full(n, np.nan),
            "p_sim": np.full(n, np.nan),
            "p_fdr": np.full(n, np.nan),
            "hotspot": np.full(n, NOT_SIG, dtype=object),
            "neighbours": np.zeros(n, dtype="int64"),
        }
    )[COLUMNS]


def _pseudo_p(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """One-sided (folded) permutation pseudo p-value that counts ties on both sides.

    esda's ``p_sim`` counts ties only as "larger", so an area whose
    neighbourhood equals the minimum possible value (e.g. all zero counts)
    gets p = 1/(permutations+1) however common that minimum is. Here
    p = (min(#sim >= obs, #sim <= obs) + 1) / (permutations + 1), with a small
    tolerance for floating-point ties.
    """
    tol = 1e-9 * np.maximum(np.abs(observed), 1e-12)[:, None]
    above = (simulated >= observed[:, None] - tol).sum(axis=1)
    below = (simulated <= observed[:, None] + tol).sum(axis=1)
    return (np.minimum(above, below) + 1.0) / (simulated.shape[1] + 1.0)


def _classify(z: np.ndarray, p_fdr: np.ndarray, alpha: float) -> np.ndarray:
    labels = np.full(z.shape, NOT_SIG, dtype=object)
    significant = np.nan_to_num(p_fdr, nan=1.0) < alpha
    labels[significant & (z > 0)] = HOT
    labels[significant & (z < 0)] = COLD
    return labels


def gi_star(
    gdf: gpd.GeoDataFrame,
    value_col: str,
    id_col: str,
    alpha: float = 0.05,
    permutations: int = 999,
    seed: int = 12345,
) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots, one row per row of ``gdf`` (same order).

    Columns: id, value, z (Gi* z-score, analytical), p_sim (one-sided
    permutation pseudo p-value, conditional randomisation, ties counted on
    both sides: see :func:`_pseudo_p`), p_fdr
    (Benjamini-Hochberg adjusted p_sim across the areas tested), hotspot
    ("Hot spot" / "Cold spot" / "Not significant": p_fdr < alpha and the sign of
    z), neighbours (count in the weights).

    Weights: queen contiguity (:func:`contiguity_weights`), row-standardised,
    with the area itself included (star). Areas with a missing value or no
    neighbours (islands) are not tested: NaN statistics, "Not significant".
    A constant value everywhere gives no hotspots. ``df.attrs["weights"]``
    describes the contiguity used.
    """
    from esda.getisord import G_Local

    values = pd.to_numeric(gdf[value_col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    result = _empty_result(gdf[id_col], values)
    result.attrs["weights"] = "none"
    valid = np.flatnonzero(np.isfinite(values) & ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy())
    if valid.size < 3:
        return result
    w, description = contiguity_weights(gdf.iloc[valid])
    result.attrs["weights"] = description
    result.loc[valid, "neighbours"] = [w.cardinalities[i] for i in range(valid.size)]
    connected = [i for i in range(valid.size) if w.cardinalities[i] > 0]
    y = values[valid][connected]
    if len(connected) < 3 or np.ptp(y) == 0:
        return result
    if len(connected) < valid.size:
        w = w_subset(w, connected, silence_warnings=True)
    w.transform = "b"  # G_Local adds self-weight 1, then row-standardises: 1/(k+1) each
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gi = G_Local(
            y, w, transform="R", permutations=permutations, star=True, keep_simulations=True, n_jobs=1, seed=seed
        )
    z = np.asarray(gi.Zs, dtype="float64")
    p_sim = _pseudo_p(np.asarray(gi.Gs, dtype="float64"), np.asarray(gi.rGs, dtype="float64"))
    p_fdr = multipletests(p_sim, alpha=alpha, method="fdr_bh")[1]
    rows = valid[connected]
    result.loc[rows, "z"] = z
    result.loc[rows, "p_sim"] = p_sim
    result.loc[rows, "p_fdr"] = p_fdr
    result.loc[rows, "hotspot"] = _classify(z, p_fdr, alpha)
    return result
