"""Statistics that users can trust (docs/architecture.md): change between periods, rates,
seasonality, smoothed rates and small-number suppression.

Pure functions: no streamlit, no store access.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.rates import test_poisson_2indep

from swp_data.fmt import fmt_int, fmt_p

UNRELIABLE_BELOW = 10  # counts under this are flagged "too few to judge"
STL_MIN_MONTHS = 24


# --------------------------------------------------------------------------
# Change between two periods
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ChangeResult:
    """Comparison of two counts (current against previous).

    ratio       rate ratio (current/exposure_current) / (previous/exposure_previous);
                ``inf`` when previous is 0 and current > 0, ``nan`` when both are 0.
    ci_low/high confidence interval of the ratio (level 1 - alpha); (0, inf)
                when both counts are 0 (no information).
    p_value     two-sided exact conditional p-value; ``nan`` when both are 0.
    significant p_value < alpha. Check ``unreliable`` first: a change between
                small counts can be significant yet still be flagged unreliable.
    unreliable  either count is under 10.
    pct_change  percentage change of the rate, ``100 * (ratio - 1)``
                (``inf``/``nan`` as for ratio).
    alpha       the significance level used (0.05: 95% confidence).
    """

    current: int
    previous: int
    ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    unreliable: bool
    pct_change: float
    alpha: float = 0.05


def _as_count(value: float | int, name: str) -> int:
    if value is None or pd.isna(value):
        raise ValueError(f"{name} count is missing.")
    number = float(value)
    if number < 0 or not number.is_integer():
        raise ValueError(f"{name} count must be a whole number of 0 or more, got {value!r}.")
    return int(number)


def _ratio_interval(
    current: int, previous: int, exposure_current: float, exposure_previous: float, alpha: float
) -> tuple[float, float]:
    """Exact conditional (Clopper-Pearson) interval of the rate ratio.

    Given the total n = current + previous, current ~ Binomial(n, p) with
    p = R*e1 / (R*e1 + e2), so R = p/(1-p) * e2/e1. The Clopper-Pearson interval
    of p (statsmodels ``proportion_confint(method="beta")``) is mapped through
    that monotone transformation. This is the interval that matches the
    ``exact-cond`` test; statsmodels' ``confint_poisson_2indep`` has no exact
    conditional method (its methods are score/Wald/MOVER approximations).
    """
    total = current + previous
    if total == 0:
        return 0.0, math.inf
    p_low, p_high = proportion_confint(current, total, alpha=alpha, method="beta")
    scale = exposure_previous / exposure_current

    def odds(p: float) -> float:
        return math.inf if p >= 1.0 else float(p / (1.0 - p) * scale)

    return odds(float(p_low)), odds(float(p_high))


def poisson_change(
    current: int,
    previous: int,
    exposure_current: float = 1.0,
    exposure_previous: float = 1.0,
    alpha: float = 0.05,
) -> ChangeResult:
    """Is the change from ``previous`` to ``current`` more than chance?

    Test: statsmodels ``test_poisson_2indep(method="exact-cond")``, the exact
    conditional test: given the total, the current count is binomial, so the
    two-sided p-value is the binomial test's (minimum-likelihood two-sided).
    Exact at any count, unlike the score/Wald tests. Interval: see
    :func:`_ratio_interval`. Exposures scale for unequal periods (e.g. days or
    months covered) or populations. Never raises on zero counts.
    """
    cur = _as_count(current, "Current")
    prev = _as_count(previous, "Previous")
    if not (exposure_current > 0 and exposure_previous > 0):
        raise ValueError("Exposures must be greater than 0.")
    unreliable = cur < UNRELIABLE_BELOW or prev < UNRELIABLE_BELOW
    rate_cur, rate_prev = cur / exposure_current, prev / exposure_previous
    if cur + prev == 0:
        ratio, p_value = math.nan, math.nan
    else:
        ratio = math.inf if prev == 0 else rate_cur / rate_prev
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # division by a zero count
            test = test_poisson_2indep(cur, exposure_current, prev, exposure_previous, method="exact-cond")
        p_value = float(min(1.0, test.pvalue))
    ci_low, ci_high = _ratio_interval(cur, prev, exposure_current, exposure_previous, alpha)
    return ChangeResult(
        current=cur,
        previous=prev,
        ratio=ratio,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        significant=bool(p_value < alpha),  # False for nan
        unreliable=unreliable,
        pct_change=100.0 * (ratio - 1.0),
        alpha=alpha,
    )


def _fmt_direction(result: ChangeResult) -> str:
    pct = result.pct_change
    if math.isnan(pct) or pct == 0:
        return "No change"
    if math.isinf(pct):
        return "Up from 0"
    word = "Up" if pct > 0 else "Down"
    size = abs(pct)
    return f"{word} {size:.1f}%" if size < 1 else f"{word} {size:.0f}%"


def describe_change(result: ChangeResult) -> str:
    """One plain-English line for a meeting room, e.g.

    ``"Up 12% (1,234 vs 1,100): a real change (95% confidence, p = 0.01)"``,
    ``"Down 3% (970 vs 1,000): within normal variation (p = 0.50)"``,
    ``"Up 50% (6 vs 4): too few to judge"`` (either count under 10).
    """
    head = f"{_fmt_direction(result)} ({fmt_int(result.current)} vs {fmt_int(result.previous)})"
    if result.unreliable:
        return f"{head}: too few to judge"
    confidence = f"{(1 - result.alpha) * 100:g}%"
    if result.significant:
        return f"{head}: a real change ({confidence} confidence, {fmt_p(result.p_value)})"
    return f"{head}: within normal variation ({fmt_p(result.p_value)})"


@dataclass(frozen=True)
class DifferenceResult:
    """Whether an area's change differs from the rest of the city's.

    rrr         ratio of rate ratios: (area now / area before) / (rest now /
                rest before); 1 = the area changed like the rest; 0.8 = the
                area fell 20% more (relatively) than the rest. ``nan`` when it
                cannot be formed (a zero count).
    ci_low/high 95% interval of it (log scale: the standard error is
                sqrt(1/a1 + 1/a0 + 1/b1 + 1/b0)).
    p_value     two-sided Fisher exact test of the 2x2 table.
    significant p_value < alpha. unreliable: any count under 10.
    text        one plain sentence.
    """

    rrr: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    unreliable: bool
    text: str
    alpha: float = 0.05


def change_difference(
    area_current: int, area_previous: int, rest_current: int, rest_previous: int, alpha: float = 0.05
) -> DifferenceResult:
    """Test whether the area's change between two periods differs from the
    rest of the city's (the inspector's question: "is my area doing better or
    worse than the rest, beyond chance?"). Exact conditional test of the 2x2
    table [[area now, area before], [rest now, rest before]]: Fisher's exact
    p-value (the ratio of rate ratios equals the table's odds ratio for
    counts over equal periods of a fixed population) and the log-scale
    interval of the ratio of rate ratios."""
    from scipy.stats import fisher_exact, norm

    a1, a0 = _as_count(area_current, "area_current"), _as_count(area_previous, "area_previous")
    b1, b0 = _as_count(rest_current, "rest_current"), _as_count(rest_previous, "rest_previous")
    table = [[a1, a0], [b1, b0]]
    unreliable = min(a1, a0, b1, b0) < UNRELIABLE_BELOW
    if min(a1, a0, b1, b0) == 0:
        rrr, lo, hi = float("nan"), 0.0, float("inf")
        p = float(fisher_exact(table)[1]) if (a1 + a0) and (b1 + b0) and (a1 + b1) and (a0 + b0) else float("nan")
    else:
        rrr = (a1 / a0) / (b1 / b0)
        half = float(norm.ppf(1 - alpha / 2)) * math.sqrt(1 / a1 + 1 / a0 + 1 / b1 + 1 / b0)
        lo, hi = rrr * math.exp(-half), rrr * math.exp(half)
        p = float(fisher_exact(table)[1])
    sig = bool(p < alpha) if not math.isnan(p) else False
    if unreliable:
        text = "Too few records to tell whether the area's change differs from the rest of the city's"
    elif not sig:
        text = (
            "The area's change is in line with the rest of the city's: the difference is within normal "
            f"variation ({fmt_p(p)})"
        )
    else:
        better = rrr < 1
        size = abs(rrr - 1) * 100
        text = (
            f"The area's change differs from the rest of the city's ({(1 - alpha) * 100:g}% confidence, "
            f"{fmt_p(p)}): its count is {size:.0f}% {'lower' if better else 'higher'} than if it had changed "
            f"like the rest ({'better' if better else 'worse'} than the rest)"
        )
    return DifferenceResult(rrr, lo, hi, p, sig, unreliable, text, alpha)


# --------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------
def _to_float_array(values: object) -> np.ndarray:
    if isinstance(values, (pd.Series, pd.Index)):
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.asarray(pd.to_numeric(np.atleast_1d(np.asarray(values, dtype=object)), errors="coerce"), dtype="float64")


def rate_per_1000(count: object, population: object) -> Any:
    """``1000 * count / population``; NaN where the population is 0 or missing.

    Vectorised and positional (no index alignment): a Series in gives a Series
    (index of ``count``, else of ``population``); arrays give an array; two
    scalars give a float.
    """
    counts = _to_float_array(count)
    pops = _to_float_array(population)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = np.where((pops > 0) & np.isfinite(pops), 1000.0 * counts / pops, np.nan)
    for source in (count, population):
        if isinstance(source, pd.Series):
            values = np.broadcast_to(rates, len(source)).copy()
            return pd.Series(values, index=source.index, name="rate_per_1000")
    if np.ndim(count) == 0 and np.ndim(population) == 0:  # type: ignore[arg-type]  # scalars of any numeric type
        return float(rates[0])
    return rates


def empirical_bayes_rates(
    counts: Sequence[float] | np.ndarray | pd.Series, populations: Sequence[float] | np.ndarray | pd.Series
) -> np.ndarray:
    """Global empirical Bayes smoothed rates per 1,000 (Marshall 1991).

    Each area's rate is shrunk toward the overall rate, more so where the
    population is small: ``w*r_i + (1-w)*r_mean`` with ``w = A / (A + r_mean/b_i)``.
    Uses ``esda.smoothing.Empirical_Bayes``; when the between-area variance
    estimate ``A`` is not positive (no more spread than chance) Marshall sets it
    to 0, so every area gets the overall rate (esda would shrink past the
    mean). Areas with population 0/missing or a missing count get NaN and are
    left out of the overall rate.
    """
    from esda.smoothing import Empirical_Bayes

    e = _to_float_array(counts)
    b = _to_float_array(populations)
    if e.shape != b.shape:
        raise ValueError("counts and populations must have the same length.")
    out = np.full(e.shape, np.nan)
    ok = np.isfinite(e) & np.isfinite(b) & (b > 0)
    if not ok.any():
        return out
    e_ok, b_ok = e[ok], b[ok]
    r_mean = e_ok.sum() / b_ok.sum()
    rates = e_ok / b_ok
    between_var = (b_ok * (rates - r_mean) ** 2).sum() / b_ok.sum() - r_mean / b_ok.mean()
    if r_mean == 0 or between_var <= 0:
        out[ok] = 1000.0 * r_mean
    else:
        out[ok] = 1000.0 * Empirical_Bayes(e_ok, b_ok).r.ravel()
    return out


# --------------------------------------------------------------------------
# Seasonality
# --------------------------------------------------------------------------
def monthly_complete(monthly: pd.Series) -> pd.Series:
    """Counts on every month from first to last (month starts), missing months 0."""
    values = pd.to_numeric(pd.Series(monthly), errors="coerce").astype("float64").fillna(0.0)
    months = pd.DatetimeIndex(pd.to_datetime(values.index)).to_period("M").to_timestamp()
    values = values.groupby(months).sum().sort_index()
    if values.empty:
        return values
    full = pd.date_range(values.index.min(), values.index.max(), freq="MS")
    return values.reindex(full, fill_value=0.0).rename_axis("month")


def stl_decompose(monthly: pd.Series) -> pd.DataFrame | None:
    """STL decomposition (period 12, robust) of a monthly series.

    The index may hold any dates: they are grouped to month starts and missing
    months are filled with 0 first. Returns columns observed, trend, seasonal,
    resid indexed by month start, or None with fewer than 24 months.
    """
    from statsmodels.tsa.seasonal import STL

    series = monthly_complete(monthly)
    if len(series) < STL_MIN_MONTHS:
        return None
    series.index.freq = "MS"
    fit = STL(series, period=12, robust=True).fit()
    return pd.DataFrame(
        {"observed": series, "trend": fit.trend, "seasonal": fit.seasonal, "resid": fit.resid},
        index=series.index,
    )


# --------------------------------------------------------------------------
# Small-number suppression (public mode)
# --------------------------------------------------------------------------
def _secondary_position(counts: np.ndarray, primary: np.ndarray) -> int | None:
    """Position of the cell to suppress alongside a single primary cell."""
    open_cells = ~primary & np.isfinite(counts)
    for candidates in (open_cells & (counts > 0), open_cells & (counts == 0)):
        positions = np.flatnonzero(candidates)
        if positions.size:
            return int(positions[np.argmin(counts[positions])])
    return None


def suppress_small(
    df: pd.DataFrame,
    count_col: str,
    threshold: int = 5,
    group_cols: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Suppress small counts for public display (returns a copy).

    Primary: a cell with 0 < count < ``threshold`` (1-4 by default) becomes NaN.
    Zeros are not suppressed.
    Secondary: within each group (``group_cols``, e.g. the period, whose total
    is shown elsewhere; None = the whole table is one group) with exactly one
    primary cell, the smallest other non-zero cell is suppressed too, so the
    group total minus the shown cells cannot reveal the small count. If the
    group has no other non-zero cell, a zero cell is suppressed instead (the
    reader then cannot tell which suppressed cell holds the count). A group
    of a single cell cannot be protected: do not show its total.
    Ties go to the first row (argmin). A boolean column ``suppressed`` marks both kinds.
    Missing counts are left as they are.
    """
    out = df.copy()
    counts = pd.to_numeric(out[count_col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    primary = (counts > 0) & (counts < threshold)
    suppressed = primary.copy()
    if group_cols is None:
        groups = [np.arange(len(out))]
    else:
        keys = [group_cols] if isinstance(group_cols, str) else list(group_cols)
        groups = list(out.groupby(keys, dropna=False, sort=False).indices.values())
    for positions in groups:
        positions = np.asarray(positions)
        if primary[positions].sum() != 1:
            continue
        extra = _secondary_position(counts[positions], primary[positions])
        if extra is not None:
            suppressed[positions[extra]] = True
    out[count_col] = np.where(suppressed, np.nan, counts)
    out["suppressed"] = suppressed
    return out
