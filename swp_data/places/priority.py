"""Where partnership delivery should focus: a transparent priority score
(docs/architecture.md, page 6).

Each area (LSOA or ward) gets four components:

- ``harm``: harm-weighted crime per 1,000 residents (taxonomy.HARM_WEIGHTS);
- ``deprivation``: IMD score (higher = more deprived);
- ``engagement``: community engagement per 1,000 residents; *low* engagement
  means more need, so this component is reversed ("low_engagement");
- ``trend``: recent change ratio (e.g. last 12 months / the 12 before);
  higher = rising faster.

Each component becomes a percentile rank 0-100 within the city (0 = lowest
area, 100 = highest, ties share the average rank). Percentiles rather than raw
values or z-scores because:

- they put four measures with different units on the same 0-100 scale, so a
  weight means the same thing for each;
- they are robust to outliers: one city-centre LSOA with an enormous harm rate
  (few residents, many visitors) cannot swamp everything else;
- they are easy to explain: "harm in the top 10% of the city".

score = sum(weight x percentile) / sum(weights), over the components an area
has data for, so the score is also 0-100. The weights are shown to users and
adjustable; they need not sum to 1.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from swp_data.errors import InputError

# Default weights, as proposed to the partnership board: harm first (the
# strategy's priority is reducing serious harm, not volume), then
# deprivation (the strongest long-run driver of need), then low engagement
# (areas the partnership is not yet reaching), then the recent trend (a
# tie-breaker that flags areas getting worse; a single year's change is
# noisy, so it gets the least weight). They sum to 1, so each is a share.
DEFAULT_WEIGHTS: dict[str, float] = {
    "harm": 0.4,
    "deprivation": 0.3,
    "low_engagement": 0.2,
    "trend": 0.1,
}

# weight key -> column of `components` it is computed from
COMPONENT_COLUMNS: dict[str, str] = {
    "harm": "harm",
    "deprivation": "deprivation",
    "low_engagement": "engagement",
    "trend": "trend",
}

# weight key -> output column holding its percentile
PERCENTILE_COLUMNS: dict[str, str] = {key: f"{key}_percentile" for key in COMPONENT_COLUMNS}

# Plain-English names for each component (weights table, reasons).
COMPONENT_LABELS: dict[str, str] = {
    "harm": "Harm (harm-weighted crime per 1,000 residents)",
    "deprivation": "Deprivation (IMD score)",
    "low_engagement": "Low engagement (engagement per 1,000 residents, reversed)",
    "trend": "Trend (recent change in crime)",
}

# The noun used in reasons: the phrase describes the raw measure, so
# engagement is described by its own percentile ("engagement in the bottom
# 10%"), not the reversed one.
_REASON_NOUN: dict[str, str] = {
    "harm": "harm",
    "deprivation": "deprivation",
    "low_engagement": "engagement",
    "trend": "recent rise in crime",
}

_MISSING_NOUN: dict[str, str] = {
    "harm": "harm",
    "deprivation": "deprivation",
    "low_engagement": "engagement",
    "trend": "trend",
}

_MAX_REASONS = 3


class WeightsError(InputError, ValueError):
    """Bad weights (negative, all zero, unknown component): an InputError for
    the page and a ValueError for callers that expect one."""

    def __init__(self, problem: str):
        super().__init__(None, problem)


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Validated weights for the four components (missing keys -> 0).

    Raises :class:`WeightsError` (a ValueError) for an unknown component, a
    weight that is not a finite number, a negative weight, or all weights 0.
    """
    unknown = [k for k in weights if k not in COMPONENT_COLUMNS]
    if unknown:
        raise WeightsError(f"unknown priority component {unknown[0]!r}; use {', '.join(COMPONENT_COLUMNS)}")
    out: dict[str, float] = {}
    for key in COMPONENT_COLUMNS:
        try:
            v = float(weights.get(key, 0.0))
        except (TypeError, ValueError):
            raise WeightsError(f"the weight for {key} is not a number") from None
        if not np.isfinite(v):
            raise WeightsError(f"the weight for {key} is not a number")
        if v < 0:
            raise WeightsError(f"the weight for {key} is negative ({v:g}); weights must be 0 or more")
        out[key] = v
    if sum(out.values()) <= 0:
        raise WeightsError("all priority weights are 0; give at least one component a weight")
    return out


def weights_table(weights: Mapping[str, float]) -> pd.DataFrame:
    """The weights as shown to users: component, weight, and share of the
    score (weight / sum of weights, 0-1)."""
    w = check_weights(weights)
    total = sum(w.values())
    return pd.DataFrame(
        {
            "component": [COMPONENT_LABELS[k] for k in w],
            "weight": list(w.values()),
            "share": [v / total for v in w.values()],
        },
        index=pd.Index(list(w), name="key"),
    )


def percentile_rank(values: pd.Series) -> pd.Series:
    """Percentile rank 0-100 among the non-missing values: 100 x (rank - 1) /
    (n - 1) with average ranks for ties, so the lowest area is 0 and the
    highest 100. A single value gets 50. Missing or infinite values stay NaN."""
    v = pd.to_numeric(values, errors="coerce").astype("float64").replace([np.inf, -np.inf], np.nan)
    n = int(v.notna().sum())
    if n == 0:
        return pd.Series(np.nan, index=v.index, dtype="float64")
    if n == 1:
        return v.where(v.isna(), 50.0)
    r = v.rank(method="average", na_option="keep")
    return 100.0 * (r - 1.0) / (n - 1.0)


def _band(p: float, first: bool) -> str:
    """Where a percentile sits, in words."""
    city = " of the city" if first else ""
    if p >= 90:
        return f"in the top 10%{city}"
    if p >= 80:
        return f"in the top 20%{city}"
    if p <= 10:
        return f"in the bottom 10%{city}"
    if p <= 20:
        return f"in the bottom 20%{city}"
    if p > 50:
        return "above the city median"
    if p < 50:
        return "below the city median"
    return "at the city median"


def _phrase(key: str, pct: float, first: bool) -> str:
    # engagement is described by its own percentile, not the reversed one
    p = 100.0 - pct if key == "low_engagement" else pct
    return f"{_REASON_NOUN[key]} {_band(p, first)}"


def _reason(pcts: dict[str, float], w: dict[str, float]) -> str:
    used = [k for k in w if w[k] > 0 and not np.isnan(pcts[k])]
    missing = [k for k in w if w[k] > 0 and np.isnan(pcts[k])]
    if not used:
        return "No data for any weighted component, so no score"
    # biggest contribution (weight x percentile) first; ties in component order
    order = sorted(used, key=lambda k: -w[k] * pcts[k])[:_MAX_REASONS]
    text = "; ".join(_phrase(k, pcts[k], i == 0) for i, k in enumerate(order))
    text = text[0].upper() + text[1:]
    if missing:
        names = " or ".join(_MISSING_NOUN[k] for k in missing)
        text += f" (no {names} data: score uses the other components)"
    return text


def priority_scores(components: pd.DataFrame, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> pd.DataFrame:
    """Rank areas for partnership focus.

    ``components`` is indexed by area code with any of the columns ``harm``,
    ``deprivation``, ``engagement`` and ``trend`` (see the module docstring).
    ``weights`` has keys ``harm``, ``deprivation``, ``low_engagement`` and
    ``trend`` (missing keys count as 0); they need not sum to 1; a negative
    weight, or all zero, raises :class:`WeightsError` (a ValueError).

    Returns, indexed like ``components`` and sorted by rank:

    - ``harm_percentile``, ``deprivation_percentile``,
      ``low_engagement_percentile`` (100 = lowest engagement in the city) and
      ``trend_percentile``: 0-100 within the areas given;
    - ``score``: weighted mean of the percentiles, 0-100;
    - ``rank``: 1 = highest priority; equal scores (to 9 decimal places)
      share the best rank (method="min"); Int64, <NA> if no score;
    - ``reason``: plain English naming the (up to 3) components contributing
      most to the score, e.g. "Harm in the top 10% of the city; deprivation
      in the top 20%; engagement below the city median".

    Missing data: a component column that is absent, or NaN/infinite for an
    area, is left out *for that area* and the score is the weighted mean over
    the components it does have (the weights of the rest are redistributed
    in proportion); its reason says so. Percentiles are computed among the
    areas that have the component.
    """
    w = check_weights(weights)
    if not isinstance(components, pd.DataFrame):
        raise TypeError("components must be a pandas DataFrame")
    pct = pd.DataFrame(index=components.index)
    for key, col in COMPONENT_COLUMNS.items():
        if col in components.columns:
            p = percentile_rank(components[col])
            if key == "low_engagement":
                p = 100.0 - p
        else:
            p = pd.Series(np.nan, index=components.index, dtype="float64")
        pct[PERCENTILE_COLUMNS[key]] = p.astype("float64")

    keys = list(COMPONENT_COLUMNS)
    vals = pct[[PERCENTILE_COLUMNS[k] for k in keys]].to_numpy(dtype="float64")
    wv = np.array([w[k] for k in keys], dtype="float64")
    present = ~np.isnan(vals)
    wsum = (present * wv).sum(axis=1)
    num = (np.where(present, vals, 0.0) * wv).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(wsum > 0, num / np.where(wsum > 0, wsum, 1.0), np.nan)

    out = pct.copy()
    out["score"] = score
    out["rank"] = out["score"].round(9).rank(ascending=False, method="min", na_option="keep").astype("Int64")
    out["reason"] = [_reason(dict(zip(keys, row, strict=True)), w) for row in vals]
    out["reason"] = out["reason"].astype("string")
    order = np.lexsort((np.arange(len(out)), out["rank"].fillna(len(out) + 1).to_numpy()))
    return out.iloc[order]
