"""Did it work? (swp_data.actions.evaluate), tested where the truth is known:
a fall of a known size removed from one area's records in a copy of the demo
store is recovered by the interval; on simulated areas with nothing done the
interval covers no change in about 95% of runs; and every question the data
cannot answer gets one line, no figure."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from swp_data import store
from swp_data.actions import evaluate
from swp_data.errors import InputError
from swp_data.places.impact_areas import area_codes, find_area

TRUE_EFFECT = 0.70  # 30% of the area's records removed from the start month on
START = "2025-01"


def _area(con, name: str = "Whitmore Reans") -> list[str]:
    aid = find_area(con, name)
    assert aid is not None
    return area_codes(con, aid)


def test_a_known_fall_is_recovered(demo_store_path):
    with store.reading() as con:
        codes = _area(con)
        before = evaluate.evaluate_codes(con, codes, START, label="Whitmore Reans")
    # Nothing was done in the demo data: the area moves with similar places.
    assert before.estimate.ci_low <= 1.0 <= before.estimate.ci_high, before.verdict
    # Remove 30% of the area's records (every record whose hash falls in the lowest 30%) from START on.
    con = duckdb.connect(str(demo_store_path))
    n0 = con.execute("SELECT count(*) FROM crime WHERE list_contains(?, lsoa21_code)", [codes]).fetchone()[0]
    con.execute(
        "DELETE FROM crime WHERE list_contains(?, lsoa21_code) AND month >= DATE '2025-01-01' "
        "AND hash(rowid, lon, lat, category) % 100 < 30",
        [codes],
    )
    n1 = con.execute("SELECT count(*) FROM crime WHERE list_contains(?, lsoa21_code)", [codes]).fetchone()[0]
    con.close()
    assert n1 < n0
    with store.reading() as con:
        ev = evaluate.evaluate_codes(con, codes, START, label="Whitmore Reans")
    e = ev.estimate
    assert e.ci_low <= TRUE_EFFECT <= e.ci_high, (e.rate_ratio, e.ci_low, e.ci_high)
    assert e.ci_high < 1.0 and e.p < 0.05
    assert ev.verdict.startswith("fell ") and "more than in similar places (95% interval" in ev.verdict
    assert e.mde < 1.0
    # The placebo (a year earlier, before any change) sees nothing.
    assert ev.placebo is not None
    assert ev.placebo.estimate.ci_low <= 1.0 <= ev.placebo.estimate.ci_high
    assert f"{ev.placebo.start:%Y-%m}" == "2024-01"
    # Months used and the comparison: outside the area and its ring.
    assert (ev.pre_months, ev.post_months) == (24, 21)
    assert len(ev.comparison) >= evaluate.MIN_POOL
    assert not set(ev.comparison) & (set(codes) | set(ev.ring))
    assert ev.ring and not set(ev.ring) & set(codes)
    assert ev.displacement is not None  # the ring's own comparison
    s = ev.series
    assert set(s["period"]) == {"before", "after"} and len(s) == 2 * (24 + 21)


def test_json_has_the_issue_fields(demo_store_path):
    with store.reading() as con:
        d = evaluate.evaluate_area(con, "Whitmore Reans", START, measure="Violence").to_dict()
    for key in (
        "area",
        "measure",
        "start",
        "pre_months",
        "post_months",
        "comparison",
        "rate_ratio",
        "ci_low",
        "ci_high",
        "p",
        "mde",
        "placebo",
        "verdict",
    ):
        assert key in d
    assert set(d["placebo"]) >= {"rate_ratio", "ci_low", "ci_high"}
    assert d["start"] == START and d["measure"] == "Violence" and d["area"] == "Whitmore Reans"
    assert d["ci_low"] <= d["rate_ratio"] <= d["ci_high"]


def _simulate(runs: int, effect: float, seed: int, alpha: float = 0.05) -> tuple[float, float]:
    """Share of intervals covering 1 and covering the true effect: negative
    binomial monthly counts (variance mu + alpha mu^2), shared seasonality
    and trend, 24 months before and 12 after."""
    rng = np.random.default_rng(seed)
    t = np.arange(36)
    shape = (1 + 0.15 * np.sin(2 * np.pi * t / 12)) * np.exp(-0.01 * t)
    post = t >= 24
    cover_none = cover_true = 0
    for _ in range(runs):
        mu_a = 40 * shape * np.where(post, effect, 1.0)
        mu_c = 320 * shape
        a = rng.poisson(rng.gamma(1 / alpha, alpha * mu_a))
        c = rng.poisson(rng.gamma(1 / alpha, alpha * mu_c))
        e = evaluate.did_model(a, c, post)
        cover_none += e.ci_low <= 1.0 <= e.ci_high
        cover_true += e.ci_low <= effect <= e.ci_high
    return cover_none / runs, cover_true / runs


def test_nothing_done_the_interval_covers_no_change_in_most_runs():
    none, _ = _simulate(400, 1.0, seed=20)
    # Nominal 95%; 400 runs: a binomial standard error of about 1.1 points.
    assert 0.92 <= none <= 0.985, none


def test_a_real_effect_is_covered_and_usually_detected():
    none, true = _simulate(300, 0.6, seed=21)
    assert 0.92 <= true <= 0.99, true
    assert none < 0.2, none  # a 40% fall in an area of ~40 a month is found in most runs


def test_did_model_recovers_an_exact_effect_and_the_mde_shrinks_with_more_records():
    t = np.arange(30)
    base = 100 * (1 + 0.2 * np.sin(t))
    post = t >= 18
    e = evaluate.did_model(base * np.where(post, 0.8, 1.0), base * 5, post)
    assert e.rate_ratio == pytest.approx(0.8, rel=1e-6)
    small = evaluate.did_model(np.full(30, 10), np.full(30, 100), post)
    large = evaluate.did_model(np.full(30, 1000), np.full(30, 10000), post)
    assert small.rate_ratio == pytest.approx(1.0) and large.rate_ratio == pytest.approx(1.0)
    assert small.mde < large.mde < 1.0  # more records: a smaller fall is detectable
    assert evaluate.verdict(small) == "no change that the data can distinguish from chance"


@pytest.mark.parametrize(
    ("area", "start", "end", "measure", "problem"),
    [
        ("Whitmore Reans", "2019-01", None, None, "outside the loaded months"),
        ("Whitmore Reans", "2021-06", None, None, "only 5 month(s) are loaded before Jun 2021; at least 12"),
        ("Whitmore Reans", "2026-08", None, None, "at least 3 are needed after the start"),
        ("Whitmore Reans", "2025-01", "2024-06", None, "before the start"),
        ("Whitmore Reans", "2025-13", None, None, "is not a month"),
        ("E01010520", "2025-06", None, "Bicycle theft", "at least 30 are needed to say anything"),
        ("Whitmore Reans", "2025-01", None, "domestic_abuse_incidents", "partner measures are recorded by ward"),
        ("Whitmore Reans", "2025-01", None, "Jaywalking", "not a police.uk grouping"),
        ("city", "2025-01", None, None, "no comparison areas"),
        ("Atlantis", "2025-01", None, None, "is not an Impact Area, a ward or LSOA"),
    ],
)
def test_questions_the_data_cannot_answer_get_one_line(demo_store_path, area, start, end, measure, problem):
    with store.reading() as con, pytest.raises(InputError) as e:
        evaluate.evaluate_area(con, area, start, end, measure)
    assert problem in str(e.value) and "\n" not in str(e.value)


def test_a_comparison_pool_too_small_is_refused(demo_store_path):
    with store.reading() as con:
        codes = [r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21 ORDER BY 1").fetchall()]
        with pytest.raises(InputError, match=r"to compare with; at least 10 are needed"):
            evaluate.evaluate_codes(con, codes[:-8], START, label="most of the city")


def test_the_command_line_prints_one_json_object_or_one_line(demo_store_path, capsys):
    from swp_data import cli

    argv = ["evaluate", "--area", "Whitmore Reans", "--start", START, "--measure", "Burglary", "--json"]
    assert cli.main(argv) == 0
    import json

    out = json.loads(capsys.readouterr().out)
    assert out["area"] == "Whitmore Reans" and out["measure"] == "Burglary" and out["start"] == START
    assert out["pre_months"] == 24 and out["post_months"] == 21
    assert out["verdict"] and 0 < out["mde"] < 1
    assert cli.main(["evaluate", "--area", "Whitmore Reans", "--start", START, "--end", "2025-12"]) == 0
    text = capsys.readouterr().out
    assert "in Whitmore Reans, from Jan 2025" in text and "12 months before" not in text
    assert cli.main(["evaluate", "--area", "Whitmore Reans", "--start", "2026-09"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: only 1 month(s) are loaded from Sep 2026") and err.count("\n") == 1
