"""Statistics: exact Poisson change, rates, STL, empirical Bayes, suppression."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from swp_data.analysis.stats import (
    describe_change,
    empirical_bayes_rates,
    poisson_change,
    rate_per_1000,
    stl_decompose,
    suppress_small,
)


# ---------------------------------------------------------------- poisson
def _odds(p: float, scale: float = 1.0) -> float:
    return p / (1 - p) * scale


def test_poisson_matches_binomial_worked_example() -> None:
    """150 vs 100, equal exposure: exact conditional test = binomial(250, 0.5)."""
    res = poisson_change(150, 100)
    ref = binomtest(150, 250, 0.5)
    assert res.p_value == pytest.approx(ref.pvalue, abs=1e-6)
    assert res.p_value == pytest.approx(0.0018833, abs=1e-6)
    ci = ref.proportion_ci(confidence_level=0.95, method="exact")  # Clopper-Pearson
    assert res.ci_low == pytest.approx(_odds(ci.low), rel=1e-6)
    assert res.ci_high == pytest.approx(_odds(ci.high), rel=1e-6)
    assert res.ci_low == pytest.approx(1.1572, abs=1e-3)
    assert res.ratio == pytest.approx(1.5)
    assert res.pct_change == pytest.approx(50.0)
    assert res.significant and not res.unreliable


def test_poisson_unequal_exposure() -> None:
    """150 over 2 months vs 100 over 1: binomial p0 = 2/3; ratio 0.75."""
    res = poisson_change(150, 100, exposure_current=2.0, exposure_previous=1.0)
    ref = binomtest(150, 250, 2 / 3)
    assert res.p_value == pytest.approx(ref.pvalue, abs=1e-6)
    ci = ref.proportion_ci(method="exact")
    assert res.ci_low == pytest.approx(_odds(ci.low, 0.5), rel=1e-6)
    assert res.ci_high == pytest.approx(_odds(ci.high, 0.5), rel=1e-6)
    assert res.ratio == pytest.approx(0.75)
    assert res.significant


def test_poisson_equal_large_counts_not_significant() -> None:
    res = poisson_change(1000, 1000)
    assert not res.significant
    assert res.p_value == pytest.approx(1.0)
    assert res.ci_low < 1 < res.ci_high
    assert not res.unreliable


def test_poisson_small_counts_unreliable() -> None:
    assert poisson_change(9, 30).unreliable
    assert poisson_change(30, 9).unreliable
    assert not poisson_change(10, 10).unreliable


def test_poisson_alpha_controls_significance() -> None:
    # 1,100 vs 1,000: p about 0.03
    assert poisson_change(1100, 1000).significant
    assert not poisson_change(1100, 1000, alpha=0.01).significant


def test_poisson_zeros_do_not_raise() -> None:
    both = poisson_change(0, 0)
    assert math.isnan(both.ratio) and math.isnan(both.p_value) and math.isnan(both.pct_change)
    assert (both.ci_low, both.ci_high) == (0.0, math.inf)
    assert not both.significant and both.unreliable

    up = poisson_change(5, 0)
    assert math.isinf(up.ratio) and math.isinf(up.ci_high) and up.ci_low > 0
    assert up.p_value == pytest.approx(binomtest(5, 5, 0.5).pvalue)

    down = poisson_change(0, 5)
    assert down.ratio == 0.0 and down.ci_low == 0.0 and down.pct_change == -100.0


def test_poisson_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        poisson_change(-1, 5)
    with pytest.raises(ValueError):
        poisson_change(2.5, 5)
    with pytest.raises(ValueError):
        poisson_change(5, 5, exposure_current=0)


def test_poisson_accepts_numpy_counts() -> None:
    res = poisson_change(np.int64(150), np.float64(100.0))
    assert (res.current, res.previous) == (150, 100)


@pytest.mark.parametrize(
    ("current", "previous", "text"),
    [
        (1234, 1100, "Up 12% (1,234 vs 1,100): a real change (95% confidence, p = 0.006)"),
        (900, 1000, "Down 10% (900 vs 1,000): a real change (95% confidence, p = 0.02)"),
        (1000, 1000, "No change (1,000 vs 1,000): within normal variation (p = 1.00)"),
        (1004, 1000, "Up 0.4% (1,004 vs 1,000): within normal variation (p = 0.95)"),
        (6, 4, "Up 50% (6 vs 4): too few to judge"),
        (5, 0, "Up from 0 (5 vs 0): too few to judge"),
        (0, 0, "No change (0 vs 0): too few to judge"),
        (3000, 2000, "Up 50% (3,000 vs 2,000): a real change (95% confidence, p < 0.001)"),
    ],
)
def test_describe_change(current: int, previous: int, text: str) -> None:
    assert describe_change(poisson_change(current, previous)) == text


# ---------------------------------------------------------------- rates
def test_rate_per_1000_series_and_missing_population() -> None:
    counts = pd.Series([5, 6, 7, 8], index=["a", "b", "c", "d"])
    got = rate_per_1000(counts, pd.Series([2000, 0, None, 1600], dtype="Int64"))
    assert list(got.index) == ["a", "b", "c", "d"]
    assert got["a"] == pytest.approx(2.5) and got["d"] == pytest.approx(5.0)
    assert got[["b", "c"]].isna().all()


def test_rate_per_1000_scalars_and_arrays() -> None:
    assert rate_per_1000(3, 1500) == pytest.approx(2.0)
    assert math.isnan(rate_per_1000(3, 0))
    np.testing.assert_allclose(rate_per_1000(np.array([1, 2]), np.array([100, 400])), [10.0, 5.0])


# ---------------------------------------------------------------- empirical Bayes
def _marshall(e: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Marshall (1991) global EB, written out independently of the module."""
    m = e.sum() / b.sum()
    r = e / b
    a = max((b * (r - m) ** 2).sum() / b.sum() - m / b.mean(), 0.0)
    w = a / (a + m / b)
    return 1000 * (w * r + (1 - w) * m)


def test_empirical_bayes_matches_marshall() -> None:
    e = np.array([2, 40, 15, 0, 90, 7], dtype=float)
    b = np.array([150, 1800, 1500, 120, 2500, 400], dtype=float)
    got = empirical_bayes_rates(e, b)
    np.testing.assert_allclose(got, _marshall(e, b), rtol=1e-10)
    raw = 1000 * e / b
    overall = 1000 * e.sum() / b.sum()
    # every smoothed rate lies between its raw rate and the overall rate
    assert np.all((got - raw) * (got - overall) <= 1e-12)
    # the small areas (150 and 120 people) move further than the largest one
    shrink = np.abs(got - raw) / np.abs(raw - overall)
    assert shrink[0] > shrink[4] and shrink[3] > shrink[4]


def test_empirical_bayes_no_extra_spread_gives_overall_rate() -> None:
    e = np.array([10, 10, 10, 11], dtype=float)
    b = np.array([1000, 1000, 1000, 1000], dtype=float)
    np.testing.assert_allclose(empirical_bayes_rates(e, b), np.full(4, 10.25))


def test_empirical_bayes_missing_population_and_all_zero() -> None:
    got = empirical_bayes_rates(pd.Series([1, 2, 30, 4]), pd.Series([100, 200, 1000, 0]))
    assert math.isnan(got[3]) and np.isfinite(got[:3]).all()
    np.testing.assert_allclose(empirical_bayes_rates([0, 0], [100, 200]), [0.0, 0.0])
    assert np.isnan(empirical_bayes_rates([1], [0])).all()


# ---------------------------------------------------------------- STL
def _synthetic(months: int, seed: int = 3) -> tuple[pd.Series, np.ndarray]:
    idx = pd.date_range("2019-01-01", periods=months, freq="MS")
    season = 30 * np.sin(2 * np.pi * np.arange(months) / 12)
    trend = 500 + 2 * np.arange(months)
    noise = np.random.default_rng(seed).normal(0, 5, months)
    return pd.Series(trend + season + noise, index=idx), season


def test_stl_needs_24_months() -> None:
    series, _ = _synthetic(23)
    assert stl_decompose(series) is None
    assert stl_decompose(pd.Series(dtype="float64", index=pd.DatetimeIndex([]))) is None
    assert stl_decompose(_synthetic(24)[0]) is not None


def test_stl_recovers_seasonal_pattern() -> None:
    series, season = _synthetic(60)
    got = stl_decompose(series)
    assert list(got.columns) == ["observed", "trend", "seasonal", "resid"]
    assert got.index[0] == pd.Timestamp("2019-01-01") and len(got) == 60
    assert np.corrcoef(got["seasonal"], season)[0, 1] > 0.9
    # the seasonal amplitude is recovered (true peak-to-trough 60)
    assert 45 < got["seasonal"].max() - got["seasonal"].min() < 75
    np.testing.assert_allclose(got["trend"] + got["seasonal"] + got["resid"], got["observed"])


def test_stl_fills_missing_months_with_zero_and_groups_dates() -> None:
    series, _ = _synthetic(36)
    series.index = series.index + pd.Timedelta(days=14)  # mid-month dates
    gappy = series.drop(series.index[10])
    got = stl_decompose(gappy)
    assert len(got) == 36
    assert got.index[10] == pd.Timestamp("2019-11-01")
    assert got["observed"].iloc[10] == 0.0


# ---------------------------------------------------------------- suppression
def test_suppress_small_cell_by_cell() -> None:
    table = pd.DataFrame(
        {
            "period": ["P1"] * 4 + ["P2"] * 3 + ["P3"] * 3 + ["P4"] * 3 + ["P5"] * 3,
            "area": list("ABCD") + list("ABC") * 4,
            "count": [
                3,
                10,
                20,
                0,  # one small: A primary, B (next smallest non-zero) secondary
                2,
                1,
                30,  # two small: both primary, no secondary
                0,
                4,
                0,  # one small, no other non-zero: first zero (A) secondary
                5,
                6,
                7,  # nothing under 5
                8,
                4,
                8,
            ],  # tie for next smallest: first row (A) secondary
        }
    )
    out = suppress_small(table, "count", group_cols="period")
    expected = [True, True, False, False, True, True, False, True, True, False, False, False, False, True, True, False]
    assert out["suppressed"].tolist() == expected
    shown = [None, None, 20, 0, None, None, 30, None, None, 0, 5, 6, 7, None, None, 8]
    for got, want in zip(out["count"].tolist(), shown, strict=True):
        assert math.isnan(got) if want is None else got == want
    # input untouched
    assert table["count"].tolist()[0] == 3 and "suppressed" not in table


def test_suppress_small_whole_table_and_threshold() -> None:
    table = pd.DataFrame({"count": [12, 2, 0, 9, 40]})
    out = suppress_small(table, "count")
    assert out["suppressed"].tolist() == [False, True, False, True, False]
    out = suppress_small(table, "count", threshold=10)
    assert out["suppressed"].tolist() == [False, True, False, True, False]  # two primaries
    out = suppress_small(table, "count", threshold=3)
    assert out["suppressed"].tolist() == [False, True, False, True, False]  # 2 primary, 9 secondary


def test_suppress_small_multiple_group_columns_and_missing() -> None:
    table = pd.DataFrame(
        {
            "period": ["P1", "P1", "P1", "P1"],
            "category": ["Burglary", "Burglary", "Drugs", "Drugs"],
            "count": [1, 50, None, 6],
        }
    )
    out = suppress_small(table, "count", group_cols=["period", "category"])
    assert out["suppressed"].tolist() == [True, True, False, False]
    assert math.isnan(out["count"].iloc[2]) and out["count"].iloc[3] == 6


# --------------------------------------------------------------------------- area against the rest
def test_change_difference_finds_a_known_effect_and_its_size():
    from swp_data.analysis.stats import change_difference

    # the rest is flat (1,000 -> 1,000); the area falls from 400 to 300: ratio of rate ratios 0.75
    r = change_difference(300, 400, 1000, 1000)
    assert r.rrr == pytest.approx(0.75)
    assert r.significant and r.ci_low < 0.75 < r.ci_high < 1
    assert r.text.startswith("The area's change differs from the rest of the city's (95% confidence")
    assert "25% lower than if it had changed like the rest (better than the rest)" in r.text
    # the same change inside and outside: no difference
    same = change_difference(300, 400, 750, 1000)
    assert same.rrr == pytest.approx(1.0) and not same.significant and same.p_value > 0.9
    assert same.text.startswith("The area's change is in line with the rest of the city's")
    assert change_difference(5, 3, 1000, 900).unreliable


def test_change_difference_holds_its_false_alarm_rate_and_has_power():
    from swp_data.analysis.stats import change_difference

    rng = np.random.default_rng(22)
    n = 200
    # no true difference: both fall 10%; about 5% (at most) false alarms
    null = [change_difference(*rng.poisson([180, 200, 1800, 2000])).significant for _ in range(n)]
    assert np.mean(null) <= 0.08
    # a true difference (the area falls 40%, the rest 0%): found almost every time
    alt = [change_difference(*rng.poisson([120, 200, 2000, 2000])).significant for _ in range(n)]
    assert np.mean(alt) >= 0.9
