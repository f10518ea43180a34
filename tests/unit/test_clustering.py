"""swp_data.places.clustering: standardising, clustering, silhouettes, stability,
profiles, labels and similar areas."""

from __future__ import annotations

import time

import libpysal
import numpy as np
import pandas as pd
import pytest
from scipy.sparse.csgraph import connected_components
from sklearn.metrics import adjusted_rand_score, silhouette_score

from swp_data.config import data_dir
from swp_data.places import clustering as cl

DOMAINS = [
    "Income_score",
    "Employment_score",
    "Education_score",
    "Health_score",
    "Crime_score",
    "Housing_and_Services_score",
    "Environment_score",
]


def blobs(n_per: int = 20, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Three tight, well-separated blobs in 3 dimensions; the true partition."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 0.0], [0.0, 10.0, 10.0]])
    x = np.vstack([c + rng.normal(0, 0.3, size=(n_per, 3)) for c in centres])
    truth = np.repeat([0, 1, 2], n_per)
    idx = [f"E0100{i:04d}" for i in range(len(x))]
    return pd.DataFrame(x, index=idx, columns=["a", "b", "c"]), truth


def uniform_noise(n: int = 90, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(size=(n, 3)), index=[f"A{i}" for i in range(n)], columns=["a", "b", "c"])


# ---------------------------------------------------------------- standardise
def test_standardise_population_sd_median_fill_and_constant_columns():
    f = pd.DataFrame(
        {"x": [1.0, 2.0, np.nan, 5.0], "const": [3.0, 3.0, 3.0, 3.0], "empty": [np.nan] * 4},
        index=["a", "b", "c", "d"],
    )
    z = cl.standardise(f)
    # NaN in x -> median of 1, 2, 5 = 2, so x = 1, 2, 2, 5: mean 2.5, population sd 1.5
    assert z["x"].tolist() == pytest.approx([-1.0, -1 / 3, -1 / 3, 5 / 3])
    assert (z["const"] == 0).all() and (z["empty"] == 0).all()
    assert z.index.tolist() == ["a", "b", "c", "d"]
    assert z["x"].std(ddof=0) == pytest.approx(1.0)


# ---------------------------------------------------------------- clustering
@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_blobs_choose_k3_and_recover_true_partition(method):
    f, truth = blobs()
    z = cl.standardise(f)
    sil = cl.silhouette_by_k(z, method=method)
    assert sil["k"].tolist() == list(range(2, 11))
    assert cl.choose_k(sil) == 3
    labels = cl.cluster(z, 3, method)
    assert sorted(labels.unique().tolist()) == [1, 2, 3]
    assert adjusted_rand_score(truth, labels.to_numpy()) == 1.0
    assert labels.index.equals(z.index)


def test_kmeans_reproducible_with_seed_and_labels_ordered_by_mean_z():
    f = uniform_noise()
    z = cl.standardise(f)
    a = cl.cluster(z, 4, "kmeans", seed=7)
    b = cl.cluster(z, 4, "kmeans", seed=7)
    pd.testing.assert_series_equal(a, b)
    # cluster 1 has the highest mean z across indicators, then 2, 3, 4
    means = [z[a == c].to_numpy().mean() for c in (1, 2, 3, 4)]
    assert means == sorted(means, reverse=True)


def test_silhouette_equals_sklearn_on_same_labels():
    z = cl.standardise(uniform_noise())
    sil = cl.silhouette_by_k(z, method="ward", ks=[3, 5])
    for k, s in zip(sil["k"], sil["silhouette"], strict=True):
        labels = cl.cluster(z, k, "ward")  # relabelling does not change the silhouette
        assert s == pytest.approx(silhouette_score(z.to_numpy(), labels.to_numpy()), abs=1e-12)


def test_choose_k_ties_go_to_smaller_k_and_nan_ignored():
    t = pd.DataFrame({"k": [2, 3, 4, 5], "silhouette": [0.3, 0.5, 0.5, np.nan]})
    assert cl.choose_k(t) == 3
    with pytest.raises(ValueError):
        cl.choose_k(pd.DataFrame({"k": [2], "silhouette": [np.nan]}))


def test_choose_k_never_suggests_a_high_low_split_when_more_clusters_are_possible():
    # k = 2 has the best silhouette (a high/low split): the suggestion is the best from 3 up
    t = pd.DataFrame({"k": [2, 3, 4, 5], "silhouette": [0.6, 0.35, 0.4, 0.2]})
    assert cl.choose_k(t) == 4
    assert cl.choose_k(t, min_k=2) == 2
    assert cl.choose_k(pd.DataFrame({"k": [2], "silhouette": [0.5]})) == 2  # nothing else to choose


def test_ward_contiguous_clusters_are_connected_on_a_grid():
    w = libpysal.weights.lat2W(10, 10)  # rook contiguity on a 10x10 grid, ids 0..99
    rng = np.random.default_rng(3)
    rows, cols = np.divmod(np.arange(100), 10)
    # a diagonal gradient plus noise, so unconstrained Ward would scatter clusters
    f = pd.DataFrame(
        {"a": rows + cols + rng.normal(0, 3, 100), "b": rng.normal(0, 1, 100)},
        index=list(w.id_order),
    )
    # shuffle the rows: weights are matched to areas by id, not position
    f = f.sample(frac=1.0, random_state=0)
    z = cl.standardise(f)
    labels = cl.cluster(z, 5, "ward_contiguous", w=w)
    assert sorted(labels.unique().tolist()) == [1, 2, 3, 4, 5]
    adj = w.sparse.tocsr()
    pos = {a: i for i, a in enumerate(w.id_order)}
    for c in range(1, 6):
        members = [pos[a] for a in labels.index[labels == c]]
        n_comp, _ = connected_components(adj[members][:, members], directed=False)
        assert n_comp == 1, f"cluster {c} is split into {n_comp} pieces"
    # the same data without the constraint does give a disconnected cluster
    free = cl.cluster(z, 5, "ward")
    pieces = [
        connected_components(
            adj[[pos[a] for a in free.index[free == c]]][:, [pos[a] for a in free.index[free == c]]],
            directed=False,
        )[0]
        for c in range(1, 6)
    ]
    assert max(pieces) > 1
    # silhouettes and stability work with the weights too
    sil = cl.silhouette_by_k(z, "ward_contiguous", ks=[2, 3], w=w)
    assert len(sil) == 2 and sil["silhouette"].between(-1, 1).all()
    assert 0 < cl.stability(z, 5, "ward_contiguous", n_resamples=5, w=w) <= 1


def test_ward_contiguous_needs_weights_covering_all_areas():
    w = libpysal.weights.lat2W(3, 3)
    z = cl.standardise(pd.DataFrame({"a": range(9)}, index=list(w.id_order)))
    with pytest.raises(ValueError, match="spatial weights"):
        cl.cluster(z, 2, "ward_contiguous")
    z2 = z.rename(index={0: "X"})
    with pytest.raises(ValueError, match="not in the spatial weights"):
        cl.cluster(z2, 2, "ward_contiguous", w=w)


def test_stability_one_for_blobs_lower_for_noise():
    zb = cl.standardise(blobs()[0])
    zn = cl.standardise(uniform_noise())
    for method in ("kmeans", "ward"):
        assert cl.stability(zb, 3, method) == pytest.approx(1.0)
        s_noise = cl.stability(zn, 3, method)
        assert s_noise < 0.9
    # same seed, same number
    assert cl.stability(zn, 3, "kmeans", seed=4) == cl.stability(zn, 3, "kmeans", seed=4)


# ---------------------------------------------------------------- profiles
def test_profiles_and_plain_language_labels():
    z = pd.DataFrame(
        {
            "crime": [1.0, 1.2, -0.1, 0.1, -1.0, -1.2],
            "imd": [0.8, 0.6, 0.2, -0.2, -0.3, -0.1],
            "engagement": [0.0, 0.2, 0.1, 0.1, 0.9, 0.7],
        },
        index=list("abcdef"),
    )
    labels = pd.Series([1, 1, 2, 2, 3, 3], index=list("abcdef"))
    prof = cl.profiles(z, labels)
    assert prof.index.tolist() == [1, 2, 3]
    assert prof.loc[1, "crime"] == pytest.approx(1.1)
    assert prof.loc[3, "engagement"] == pytest.approx(0.8)
    names = cl.describe_clusters(prof, {"crime": "crime", "imd": "deprivation"})
    assert names == {
        1: "High crime, high deprivation",
        2: "Close to the city average",
        3: "Low crime, high engagement",
    }


def test_describe_clusters_makes_duplicate_labels_unique():
    prof = pd.DataFrame(
        {"crime": [2.0, 1.5, 0.0], "imd": [1.0, 1.0, 0.0], "eng": [0.9, -0.8, 0.0]},
        index=[1, 2, 3],
    )
    names = cl.describe_clusters(prof)
    assert names[1] == "High crime, high imd, high eng"
    assert names[2] == "High crime, high imd, low eng"
    assert len(set(names.values())) == 3


# ---------------------------------------------------------------- similar areas
def test_similar_areas_obvious_neighbours_and_targets_excluded():
    f = pd.DataFrame(
        {
            "income": [0.0, 0.1, 5.0, 5.1, 10.0, 0.2],
            "population": [1500, 1510, 1600, 1590, 2000, 1490],
        },
        index=["T1", "N1", "T2", "N2", "FAR", "N1b"],
    )
    out = cl.similar_areas(f, ["T1", "T2"], k=2)
    assert out.columns.tolist() == ["target", "neighbour", "distance", "rank"]
    t1 = out[out["target"] == "T1"]
    assert t1["neighbour"].tolist() == ["N1", "N1b"]
    assert t1["rank"].tolist() == [1, 2]
    t2 = out[out["target"] == "T2"]
    assert t2["neighbour"].iloc[0] == "N2"
    assert not set(out["neighbour"]) & {"T1", "T2"}
    assert (out["distance"].diff().fillna(0)[out["rank"] > 1] >= 0).all()
    # candidates restrict the pool; a target listed as a candidate is still excluded
    out2 = cl.similar_areas(f, ["T1"], candidates=["T1", "T2", "FAR"], k=5)
    assert out2["neighbour"].tolist() == ["T2", "FAR"]  # only 2 candidates left, nearest first
    with pytest.raises(ValueError):
        cl.similar_areas(f, ["NOPE"])


# ---------------------------------------------------------------- real data
def test_real_imd2025_domains_for_wolverhampton():
    d = data_dir()
    codes = pd.read_csv(d / "lookups" / "lsoa21_ward2023_wolverhampton.csv")["lsoa21_code"]
    imd = pd.read_csv(d / "deprivation" / "imd2025_lsoa21_england.csv")
    f = imd[imd["lsoa21_code"].isin(codes)].set_index("lsoa21_code")[DOMAINS]
    assert len(f) == 161

    t0 = time.perf_counter()
    z = cl.standardise(f)
    sil = cl.silhouette_by_k(z, "kmeans")
    labels = cl.cluster(z, 4, "kmeans")
    stab = cl.stability(z, 4, "kmeans", n_resamples=20)
    elapsed = time.perf_counter() - t0
    print(f"161 LSOAs, kmeans silhouettes k=2..10 + k=4 + stability(20): {elapsed:.2f} s")

    assert len(labels) == 161 and labels.index.equals(f.index)
    assert sorted(labels.unique().tolist()) == [1, 2, 3, 4]
    assert len(sil) == 9 and sil["silhouette"].between(-1, 1).all()
    assert 0 < stab <= 1
    assert elapsed < 30  # generous: a shared 2-core machine; typically well under 1 s
    prof = cl.profiles(z, labels)
    assert prof.shape == (4, 7)
    # cluster 1 has the highest mean z: the most deprived overall
    assert prof.mean(axis=1).idxmax() == 1
