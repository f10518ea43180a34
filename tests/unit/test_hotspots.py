"""Getis-Ord Gi* hotspots on a synthetic grid and the real LSOA 2011 boundaries."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from geo.hotspots import COLUMNS, contiguity_weights, gi_star
from swp_data import config

LSOA11 = config.data_dir() / "boundaries" / "lsoa11_wolverhampton.geojson"  # the configured bundle (SWP_DATA_DIR)


def _grid(size: int = 7) -> gpd.GeoDataFrame:
    rows = [(f"c{col}_{row}", col, row, box(col, row, col + 1, row + 1)) for row in range(size) for col in range(size)]
    return gpd.GeoDataFrame(
        {"cell": [r[0] for r in rows], "col": [r[1] for r in rows], "row": [r[2] for r in rows]},
        geometry=[r[3] for r in rows],
    )


@pytest.fixture
def corner_grid() -> gpd.GeoDataFrame:
    grid = _grid()
    noise = np.random.default_rng(7).poisson(3, len(grid)).astype(float)
    block = (grid["col"] < 3) & (grid["row"] < 3)
    grid["value"] = noise + np.where(block, 20.0, 0.0)
    return grid


def test_corner_block_is_a_hot_spot(corner_grid: gpd.GeoDataFrame) -> None:
    out = gi_star(corner_grid, "value", "cell")
    assert list(out.columns) == COLUMNS
    assert out["id"].tolist() == corner_grid["cell"].tolist()
    labels = dict(zip(out["id"], out["hotspot"], strict=True))
    # cells whose whole neighbourhood lies in the block
    for cell in ("c0_0", "c1_0", "c0_1", "c1_1"):
        assert labels[cell] == "Hot spot", cell
    far = (corner_grid["col"] >= 4) | (corner_grid["row"] >= 4)
    assert (out.loc[far.to_numpy(), "hotspot"] != "Hot spot").all()
    assert (out.loc[far.to_numpy(), "z"] < out.loc[out["id"] == "c1_1", "z"].iloc[0]).all()
    assert out.attrs["weights"] == "queen contiguity"


def test_fdr_is_applied(corner_grid: gpd.GeoDataFrame) -> None:
    out = gi_star(corner_grid, "value", "cell")
    assert (out["p_fdr"] >= out["p_sim"] - 1e-12).all()
    significant = out["hotspot"] != "Not significant"
    assert (out.loc[significant, "p_fdr"] < 0.05).all()
    assert (out.loc[~significant, "p_fdr"] >= 0.05).all()


def test_fdr_keeps_noise_from_being_called_a_hot_spot() -> None:
    """Pure noise (no cluster): several areas have p_sim < 0.05 by chance, as
    81 tests will; after the Benjamini-Hochberg correction none is a hot or cold
    spot. Classifying on p_sim (no correction) fails this test."""
    grid = _grid(9)
    grid["value"] = np.random.default_rng(0).poisson(10, len(grid)).astype(float)
    out = gi_star(grid, "value", "cell", permutations=999)
    assert (out["p_sim"] < 0.05).sum() >= 3
    assert (out["hotspot"] == "Not significant").all()
    # the adjustment is Benjamini-Hochberg's: q(i) = min over j >= i of p(j) * n / j
    p = out["p_sim"].to_numpy()
    order = np.argsort(p)
    n = len(p)
    q = np.minimum.accumulate((p[order] * n / np.arange(1, n + 1))[::-1])[::-1]
    expected = np.empty(n)
    expected[order] = np.minimum(q, 1.0)
    np.testing.assert_allclose(out["p_fdr"].to_numpy(), expected)


def test_seed_makes_results_repeatable(corner_grid: gpd.GeoDataFrame) -> None:
    first = gi_star(corner_grid, "value", "cell", permutations=199, seed=1)
    second = gi_star(corner_grid, "value", "cell", permutations=199, seed=1)
    np.testing.assert_array_equal(first["p_sim"], second["p_sim"])


def test_cold_corner_is_a_cold_spot() -> None:
    grid = _grid()
    noise = np.random.default_rng(11).poisson(3, len(grid)).astype(float)
    block = (grid["col"] >= 4) & (grid["row"] >= 4)
    grid["value"] = 30.0 + noise - np.where(block, 25.0, 0.0)
    out = gi_star(grid, "value", "cell")
    labels = dict(zip(out["id"], out["hotspot"], strict=True))
    assert labels["c6_6"] == "Cold spot" and labels["c5_5"] == "Cold spot"
    assert "Hot spot" not in set(out["hotspot"])


def test_ties_at_minimum_are_not_called_cold() -> None:
    """A neighbourhood of zeros is common when most cells are zero: not significant."""
    grid = _grid()
    grid["value"] = 0.0
    grid.loc[[3, 24, 45], "value"] = 5.0  # scattered non-zero cells
    out = gi_star(grid, "value", "cell")
    assert "Cold spot" not in set(out["hotspot"])


def test_islands_missing_values_and_constant_values() -> None:
    grid = _grid(4)
    grid["value"] = np.arange(len(grid), dtype=float)
    island = gpd.GeoDataFrame(
        {"cell": ["far"], "col": [99], "row": [99], "value": [100.0]},
        geometry=[box(50, 50, 51, 51)],
    )
    frame = gpd.GeoDataFrame(__import__("pandas").concat([grid, island], ignore_index=True), geometry="geometry")
    frame.loc[2, "value"] = np.nan
    out = gi_star(frame, "value", "cell")
    assert len(out) == 17
    far = out[out["id"] == "far"].iloc[0]
    assert far["hotspot"] == "Not significant" and np.isnan(far["z"]) and far["neighbours"] == 0
    assert np.isnan(out.loc[2, "p_sim"]) and out.loc[2, "hotspot"] == "Not significant"
    assert out.drop(index=[2, 16])["p_sim"].notna().all()

    frame["value"] = 4.0
    flat = gi_star(frame, "value", "cell")
    assert (flat["hotspot"] == "Not significant").all()


def test_real_lsoa11_boundaries() -> None:
    lsoa = gpd.read_file(LSOA11)
    assert len(lsoa) == 158
    lsoa["value"] = np.random.default_rng(2024).poisson(25, len(lsoa)).astype(float)
    out = gi_star(lsoa, "value", "LSOA11CD", permutations=199)
    assert len(out) == 158
    assert out["id"].tolist() == lsoa["LSOA11CD"].tolist()
    assert set(out["hotspot"]) <= {"Hot spot", "Cold spot", "Not significant"}
    assert out["p_sim"].notna().all() and (out["neighbours"] > 0).all()


def test_generalised_boundaries_get_neighbours() -> None:
    """The generalised LSOA shapes share no vertices: strict queen finds only
    islands, so the 1 m snapped queen relation is used."""
    lsoa = gpd.read_file(LSOA11)
    w, description = contiguity_weights(lsoa)
    assert not w.islands
    assert "within 1 m" in description
    assert 4.5 < w.mean_neighbors < 6.5
