"""Crime against a chosen deprivation domain: fifths, the ratio of the most
to the least deprived fifth, Spearman, and the plain reading (issue #22,
finding 1). Known effects on built data; the store's figures against SQL."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from swp_data.analysis import crime_deprivation as cd


def _built(effect: float, n: int = 100, seed: int = 1) -> pd.DataFrame:
    """n LSOAs of 1,000 residents; rank 1..n (1 = most deprived); the most
    deprived fifth has ``effect`` times the rate of each other LSOA."""
    rng = np.random.default_rng(seed)
    rank = rng.permutation(np.arange(1, n + 1)) * 100  # national ranks, in a shuffled order
    count = np.where(rank <= (n // 5) * 100, 10 * effect, 10).astype(int)
    return pd.DataFrame({"code": [f"L{i:03d}" for i in range(n)], "population": 1000, "count": count, "rank": rank})


def test_a_known_effect_is_read_out_as_a_ratio_of_fifths():
    r = cd.summarise(_built(3.0), "income", "Income")
    assert r.ratio == pytest.approx(3.0)
    assert list(r.fifths["lsoas"]) == [20] * 5
    assert list(r.fifths["rate_per_1000"]) == pytest.approx([30.0, 10.0, 10.0, 10.0, 10.0])
    assert r.rho > 0 and r.p_value < 0.05
    assert r.reading.startswith("Crime rates rise with income deprivation: the most deprived fifth")
    assert "3.0 times the rate of the least deprived fifth (30.0 against 10.0 per 1,000 residents)" in r.reading
    assert "Spearman's rank correlation" in r.spearman_words and "1 is the same order" in r.spearman_words
    assert r.warning is None


def test_no_effect_says_no_clear_link():
    d = _built(1.0)
    d["count"] = np.random.default_rng(5).poisson(10, len(d))
    r = cd.summarise(d, "employment", "Employment")
    rho = spearmanr(-d["rank"], d["count"]).statistic
    assert r.rho == pytest.approx(rho)
    if r.p_value >= 0.05:
        assert r.reading.startswith("Crime rates show no clear link with employment deprivation")


def test_reverse_effect_and_circular_domains_warn():
    d = _built(1.0)
    d["count"] = (d["rank"] / 100).astype(int)  # more deprived, fewer records
    r = cd.summarise(d, "imd", "Index of Multiple Deprivation")
    assert r.reading.startswith("Crime rates fall as overall deprivation rises") and r.ratio < 1
    assert "partly circular" in (r.warning or "")
    assert "circular" in (cd.summarise(_built(2.0), "crime", "Crime").warning or "")


def test_relationship_on_the_store_uses_the_loaded_records(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    try:
        r = cd.relationship(con, "income", ("Burglary",))
        rows = con.execute(
            "SELECT l.lsoa21_code, l.population, count(c.month) AS n, i.income_rank FROM lsoa21 l "
            "LEFT JOIN crime c ON c.lsoa21_code = l.lsoa21_code AND c.category = 'Burglary' "
            "AND c.month BETWEEN '2025-10-01' AND '2026-09-01' JOIN imd2025 i ON i.lsoa21_code = l.lsoa21_code "
            "GROUP BY ALL"
        ).df()
    finally:
        con.close()
    assert r.lsoas["count"].sum() == rows["n"].sum()
    rows = rows.sort_values("income_rank")
    first = rows.head(len(rows) // 5 + (1 if len(rows) % 5 else 0))
    top = 1000 * first["n"].sum() / first["population"].sum()
    assert r.fifths["rate_per_1000"].iloc[0] == pytest.approx(top)
    rates = 1000 * rows["n"] / rows["population"]
    assert r.rho == pytest.approx(spearmanr(-rows["income_rank"], rates).statistic)
