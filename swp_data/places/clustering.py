"""Neighbourhood clusters (docs/architecture.md, page 6) and similar areas (page 5).

Pure functions on a pandas DataFrame ``features``: one row per area (LSOA or
ward code as the index), one numeric column per indicator the user chose
(crime rates by grouping, harm-weighted crime, IoD2025 crime indicators, IMD
domain scores, engagement per 1,000 residents...).

Typical use::

    z = standardise(features)
    sil = silhouette_by_k(z, method="kmeans")          # k = 2..10
    k = choose_k(sil)                                  # sensible default
    labels = cluster(z, k, method="kmeans")            # 1..k, stable
    agreement = stability(z, k, method="kmeans")       # one number, 0..1
    prof = profiles(z, labels)                         # z-score heatmap
    names = describe_clusters(prof, {"Crime_score": "crime"})

Methods:

- ``"kmeans"``: scikit-learn KMeans (n_init=10, random_state=seed).
- ``"ward"``: agglomerative clustering with Ward linkage.
- ``"ward_contiguous"``: Ward linkage constrained by a spatial weights object
  ``w`` (libpysal ``W``, e.g. queen contiguity), so every cluster is a
  connected set of neighbouring areas: a *place*. This is exactly what
  ``spopt.region.WardSpatial`` does (it calls AgglomerativeClustering with
  ``connectivity=w.sparse``); we call scikit-learn directly so that the rows
  of ``w`` are aligned to the rows of ``features`` by area code, whatever
  order either comes in.

No Streamlit here; pages cache the results.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.cluster import AgglomerativeClustering, KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score
from sklearn.neighbors import NearestNeighbors

METHODS: tuple[str, ...] = ("kmeans", "ward", "ward_contiguous")

METHOD_LABELS: dict[str, str] = {
    "kmeans": "k-means",
    "ward": "Agglomerative (Ward)",
    "ward_contiguous": "Agglomerative (Ward), neighbouring areas only",
}

# Threshold (in standard deviations from the city mean) above which a cluster
# is called "high" or "low" on an indicator in its plain-language label.
LABEL_THRESHOLD = 0.5

# Standard deviation (in z units) of the jitter added to every value in each
# resample of the stability check for ward_contiguous (see stability()).
CONTIGUOUS_JITTER = 0.25


# --------------------------------------------------------------------------
# Standardising
# --------------------------------------------------------------------------
def standardise(features: pd.DataFrame) -> pd.DataFrame:
    """z-scores of every column: (x - mean) / sd, with the population sd (ddof=0).

    - Missing values (NaN) are filled with the column's median *before*
      scaling, so an area with no value for an indicator sits at a typical
      value rather than being dropped (every area keeps a cluster).
    - A column whose values are all missing, or all equal, carries no
      information: it becomes 0 everywhere (no division by zero).
    - Index and column order are kept; values are float64.
    """
    if not isinstance(features, pd.DataFrame):
        raise TypeError("features must be a pandas DataFrame")
    try:
        x = features.apply(pd.to_numeric, errors="raise").astype("float64")
    except (TypeError, ValueError) as err:
        raise ValueError(f"features must be numeric: {err}") from None
    x = x.replace([np.inf, -np.inf], np.nan)
    x = x.fillna(x.median())
    mean = x.mean()
    sd = x.std(ddof=0)
    z = (x - mean) / sd.where(sd > 0)
    # constant or all-missing columns -> 0
    return z.fillna(0.0)


# --------------------------------------------------------------------------
# Clustering
# --------------------------------------------------------------------------
def _check(z: pd.DataFrame, k: int, method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if z.shape[1] == 0:
        raise ValueError("choose at least one indicator")
    n = len(z)
    if not 2 <= int(k) <= n:
        raise ValueError(f"k must be between 2 and the number of areas ({n}); got {k}")
    if not np.isfinite(z.to_numpy(dtype="float64")).all():
        raise ValueError("standardised features contain missing values: use standardise() first")


def _connectivity(w, index: pd.Index) -> sparse.csr_matrix:
    """The n x n connectivity matrix of ``w`` in the row order of ``index``.

    ``w`` is a libpysal ``W`` whose ids include every code in ``index`` (extra
    ids are ignored), or an n x n matrix (scipy sparse or array) already in the
    order of ``index``.
    """
    if w is None:
        raise ValueError("ward_contiguous needs spatial weights w (e.g. libpysal Queen contiguity)")
    if hasattr(w, "sparse") and hasattr(w, "id_order"):
        pos = {a: i for i, a in enumerate(w.id_order)}
        missing = [a for a in index if a not in pos]
        if missing:
            raise ValueError(f"{len(missing)} area(s) are not in the spatial weights, e.g. {missing[0]}")
        order = np.fromiter((pos[a] for a in index), dtype=np.int64, count=len(index))
        m = sparse.csr_matrix(w.sparse)[order][:, order]
    else:
        m = sparse.csr_matrix(w)
        if m.shape != (len(index), len(index)):
            raise ValueError(f"connectivity matrix is {m.shape[0]}x{m.shape[1]}, expected {len(index)}x{len(index)}")
    return m


def _raw_labels(x: np.ndarray, k: int, method: str, seed: int, conn) -> np.ndarray:
    if method == "kmeans":
        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    if method == "ward":
        return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
    # ward_contiguous. If the weights graph is not connected (islands),
    # scikit-learn links the separate pieces to their nearest areas in
    # feature space and warns; those links are not contiguity.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*connected components.*")
        return AgglomerativeClustering(n_clusters=k, linkage="ward", connectivity=conn).fit_predict(x)


def _relabel(x: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """Labels 1..k in a fixed order, whatever numbers the algorithm used.

    Cluster 1 has the highest mean z-score (averaged over all indicators and
    all its areas), then 2, and so on; ties go to the larger cluster, then to
    the cluster whose first area comes first. The same partition therefore
    always gets the same labels.
    """
    keys = []
    for lab in np.unique(raw):
        members = raw == lab
        keys.append((-float(x[members].mean()), -int(members.sum()), int(np.argmax(members)), lab))
    keys.sort()
    mapping = {lab: i + 1 for i, (*_, lab) in enumerate(keys)}
    return np.array([mapping[v] for v in raw], dtype=np.int64)


def cluster(z: pd.DataFrame, k: int, method: str = "kmeans", seed: int = 0, w=None) -> pd.Series:
    """Cluster labels 1..k (int64) indexed like ``z``, named ``"cluster"``.

    ``z`` is the output of :func:`standardise`. Labels are renumbered so that
    cluster 1 has the highest mean z across the chosen indicators (see
    ``_relabel``): with a fixed ``seed`` the result is identical run to run.
    ``w`` (libpysal weights keyed by area code) is needed for
    ``"ward_contiguous"`` only.
    """
    _check(z, k, method)
    x = z.to_numpy(dtype="float64")
    conn = _connectivity(w, z.index) if method == "ward_contiguous" else None
    raw = _raw_labels(x, int(k), method, seed, conn)
    return pd.Series(_relabel(x, raw), index=z.index, name="cluster")


def silhouette_by_k(
    z: pd.DataFrame,
    method: str = "kmeans",
    ks: Iterable[int] = range(2, 11),
    seed: int = 0,
    w=None,
) -> pd.DataFrame:
    """Mean silhouette (scikit-learn ``silhouette_score``, Euclidean on ``z``)
    for each k: columns ``k`` (int) and ``silhouette`` (float, -1..1; higher
    means tighter, better separated clusters).

    k values outside 2..n-1 (n = number of areas) are left out, since the
    silhouette is undefined there. If a clustering happens to give fewer than
    two distinct clusters (many identical areas), its silhouette is NaN.
    """
    n = len(z)
    conn = _connectivity(w, z.index) if method == "ward_contiguous" else None
    x = z.to_numpy(dtype="float64")
    rows = []
    for k in ks:
        k = int(k)
        if not 2 <= k <= n - 1:
            continue
        _check(z, k, method)
        labels = _raw_labels(x, k, method, seed, conn)
        s = np.nan if len(np.unique(labels)) < 2 else float(silhouette_score(x, labels))
        rows.append((k, s))
    out = pd.DataFrame(rows, columns=["k", "silhouette"])
    return out.astype({"k": "int64", "silhouette": "float64"})


MIN_USEFUL_K = 3  # k = 2 is a high/low split, which guides nobody's delivery


def choose_k(sil_table: pd.DataFrame, min_k: int = MIN_USEFUL_K) -> int:
    """The suggested number of clusters: the k with the highest silhouette
    among k >= ``min_k`` (3: two clusters only split the city into "more" and
    "less", which says nothing about what kind of place needs what); all k
    when none is that large.

    Ties (equal to 1e-12) go to the smaller k: fewer clusters are easier to
    describe and act on. Rows with a missing silhouette are ignored.
    """
    t = sil_table.dropna(subset=["silhouette"])
    if t.empty:
        raise ValueError("no silhouette values to choose k from")
    if (t["k"] >= min_k).any():
        t = t[t["k"] >= min_k]
    best = t["silhouette"].max()
    return int(t.loc[t["silhouette"] >= best - 1e-12, "k"].min())


def stability(
    z: pd.DataFrame,
    k: int,
    method: str = "kmeans",
    n_resamples: int = 20,
    frac: float = 0.8,
    seed: int = 0,
    w=None,
) -> float:
    """How reproducible the clusters are: mean adjusted Rand index (ARI) over
    ``n_resamples`` perturbed runs, each compared with the clustering of all
    the data. 1 = the same clusters every time; around 0 = no better than
    chance.

    - ``kmeans`` and ``ward``: each resample keeps a random ``frac`` of the
      areas (without replacement), clusters them again and compares the labels
      with the full-data labels *of the same areas*.
    - ``ward_contiguous``: dropping areas would cut holes in the map and break
      the contiguity graph, so instead every resample keeps all areas and adds
      Gaussian jitter (sd ``CONTIGUOUS_JITTER`` = 0.25 of a standard deviation)
      to every standardised value; ``frac`` is not used.

    Resamples are drawn from ``numpy.random.default_rng(seed)``: the same seed
    gives the same number.
    """
    _check(z, k, method)
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    if not 0 < frac <= 1:
        raise ValueError("frac must be in (0, 1]")
    k = int(k)
    x = z.to_numpy(dtype="float64")
    n = len(x)
    conn = _connectivity(w, z.index) if method == "ward_contiguous" else None
    full = _raw_labels(x, k, method, seed, conn)
    rng = np.random.default_rng(seed)
    scores = []
    if method == "ward_contiguous":
        for _ in range(n_resamples):
            xj = x + rng.normal(0.0, CONTIGUOUS_JITTER, size=x.shape)
            scores.append(adjusted_rand_score(full, _raw_labels(xj, k, method, seed, conn)))
    else:
        m = max(int(round(frac * n)), k + 1)
        m = min(m, n)
        for _ in range(n_resamples):
            idx = np.sort(rng.choice(n, size=m, replace=False))
            sub = _raw_labels(x[idx], k, method, seed, None)
            scores.append(adjusted_rand_score(full[idx], sub))
    return float(np.mean(scores))


# --------------------------------------------------------------------------
# Describing clusters
# --------------------------------------------------------------------------
def profiles(z: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Mean z-score of each indicator in each cluster (rows: cluster 1..k,
    columns: indicators), plus nothing else: the heatmap's values. Positive =
    above the city average (in standard deviations), negative = below."""
    lab = labels.reindex(z.index)
    if lab.isna().any():
        raise ValueError("every area in z needs a cluster label")
    prof = z.groupby(lab.astype("int64").to_numpy()).mean()
    prof.index.name = "cluster"
    return prof


def cluster_sizes(labels: pd.Series) -> pd.Series:
    """Number of areas per cluster, indexed 1..k."""
    s = labels.value_counts().sort_index()
    s.index.name = "cluster"
    return s.rename("areas")


def _nice(col, nice_names: Mapping | None) -> str:
    if nice_names and col in nice_names:
        return str(nice_names[col])
    return str(col).replace("_", " ").strip().lower()


def describe_clusters(profile: pd.DataFrame, nice_names: Mapping | None = None) -> dict[int, str]:
    """A plain-language label per cluster, from its most extreme indicators.

    The one or two indicators furthest from the city average (largest |mean
    z|) name the cluster, each "high" (z >= 0.5) or "low" (z <= -0.5), e.g.
    "High crime, high deprivation". A cluster with no indicator that far from
    average is "Close to the city average". ``nice_names`` maps column names
    to words for people ("Crime_score" -> "crime"); otherwise the column name
    is lower-cased with underscores as spaces.

    If two clusters would get the same label, the next most extreme indicator
    (still |z| >= 0.5) is added to each; if they still match, "(cluster N)" is
    appended so every label is unique.
    """

    def parts(row: pd.Series, n: int) -> list[str]:
        order = row.abs().sort_values(ascending=False, kind="mergesort")
        out: list[str] = []
        for col in order.index:
            v = float(row[col])
            if abs(v) < LABEL_THRESHOLD or len(out) >= n:
                break
            out.append(f"{'high' if v > 0 else 'low'} {_nice(col, nice_names)}")
        return out

    def text(p: list[str]) -> str:
        if not p:
            return "Close to the city average"
        s = ", ".join(p)
        return s[0].upper() + s[1:]

    labels = {int(c): text(parts(profile.loc[c], 2)) for c in profile.index}
    counts = pd.Series(labels).value_counts()
    dupes = set(counts[counts > 1].index)
    if dupes:
        for c in profile.index:
            if labels[int(c)] in dupes:
                labels[int(c)] = text(parts(profile.loc[c], 3))
        counts = pd.Series(labels).value_counts()
        dupes = set(counts[counts > 1].index)
        for c in profile.index:
            if labels[int(c)] in dupes:
                labels[int(c)] = f"{labels[int(c)]} (cluster {int(c)})"
    return labels


# --------------------------------------------------------------------------
# Similar areas (Impact Areas page)
# --------------------------------------------------------------------------
def similar_areas(
    features: pd.DataFrame,
    targets: list[str],
    candidates: list[str] | None = None,
    k: int = 5,
) -> pd.DataFrame:
    """The ``k`` most similar candidate areas to each target area.

    Similarity = Euclidean distance on the standardised features (e.g. the 7
    IMD domain scores and population), standardised over every area in
    ``features`` (the whole city), with scikit-learn ``NearestNeighbors``.
    Candidates default to every area not in ``targets``; targets are never
    returned as neighbours even if listed as candidates. If there are fewer
    than ``k`` candidates, all of them are returned.

    Returns columns ``target``, ``neighbour``, ``distance`` (in standard
    deviations) and ``rank`` (1 = most similar), ordered by target (in the
    order given) then rank. A neighbour may appear for several targets.
    """
    targets = list(dict.fromkeys(targets))
    missing = [t for t in targets if t not in features.index]
    if missing:
        raise ValueError(f"{len(missing)} target area(s) not in the features, e.g. {missing[0]}")
    tset = set(targets)
    if candidates is None:
        cand = [a for a in features.index if a not in tset]
    else:
        unknown = [c for c in candidates if c not in features.index]
        if unknown:
            raise ValueError(f"{len(unknown)} candidate area(s) not in the features, e.g. {unknown[0]}")
        cand = [a for a in dict.fromkeys(candidates) if a not in tset]
    cols = ["target", "neighbour", "distance", "rank"]
    if not targets or not cand:
        return pd.DataFrame(
            {"target": [], "neighbour": [], "distance": pd.Series(dtype="float64"), "rank": pd.Series(dtype="int64")}
        )[cols]
    z = standardise(features)
    n_nb = min(int(k), len(cand))
    if n_nb < 1:
        raise ValueError("k must be at least 1")
    nn = NearestNeighbors(n_neighbors=n_nb, metric="euclidean").fit(z.loc[cand].to_numpy())
    dist, idx = nn.kneighbors(z.loc[targets].to_numpy())
    cand_arr = np.asarray(cand, dtype=object)
    out = pd.DataFrame(
        {
            "target": np.repeat(np.asarray(targets, dtype=object), n_nb),
            "neighbour": cand_arr[idx.ravel()],
            "distance": dist.ravel().astype("float64"),
            "rank": np.tile(np.arange(1, n_nb + 1, dtype=np.int64), len(targets)),
        }
    )
    return out[cols]
