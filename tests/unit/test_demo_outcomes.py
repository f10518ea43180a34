"""The demo's outcomes files (swp_data/demo/outcomes.py) in the demo store:
labelled demo, consistent with the street records' last outcomes, nothing
after the demo's last month or before a crime's month, and delays that make
recent months of offence look young."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from swp_data.analysis import outcomes as oc
from swp_data.taxonomy import outcomes as ot


@pytest.fixture(scope="module")
def con(demo_store):
    c = duckdb.connect(str(demo_store), read_only=True)
    yield c
    c.close()


def test_demo_outcomes_are_labelled_demo(con):
    rows = con.execute("SELECT dataset_id, is_demo, licence FROM dataset WHERE kind = 'police_uk_outcomes'").fetchall()
    assert rows == [("demo:police_uk_outcomes:west-midlands", True, "Demo data (synthetic)")]
    assert con.execute("SELECT count(DISTINCT dataset_id) FROM crime_outcome").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM crime_outcome").fetchone()[0] > 50_000


def test_histories_end_in_the_street_records_last_outcome(con):
    bad = con.execute(
        """SELECT count(*) FROM crime c JOIN (
               SELECT crime_id, arg_max(outcome, epoch(month) * 100000 + seq) AS last FROM crime_outcome GROUP BY 1
           ) h USING (crime_id) WHERE c.outcome IS DISTINCT FROM h.last"""
    ).fetchone()[0]
    assert bad == 0
    lo, hi = con.execute(
        "SELECT min(o.month - c.month), max(o.month) FROM crime_outcome o JOIN crime c USING (crime_id)"
    ).fetchone()
    assert lo >= 0 and hi <= dt.date(2026, 9, 1)
    # anti-social behaviour never has an outcome
    asb = con.execute(
        "SELECT count(*) FROM crime WHERE category = 'Anti-social behaviour' AND coalesce(outcome, '') <> ''"
    )
    assert asb.fetchone()[0] == 0


def test_recent_months_of_offence_are_younger(con):
    cats = oc.measure_categories(oc.DEFAULT_MEASURE)
    df = oc.crimes(con, None, cats, "2025-09-01", "2026-09-01")
    cohorts = oc.by_cohort(df, oc.as_of(con)).set_index("month")
    assert cohorts.loc["2026-09-01", "age"] == 0 and cohorts.loc["2025-09-01", "age"] == 12
    # a year on, more crimes have reached a final outcome than in the offence month itself
    final = lambda m: cohorts.loc[m, list(ot.FINAL_GROUPS)].sum() / cohorts.loc[m, "crimes"]  # noqa: E731
    assert final("2025-09-01") > final("2026-09-01") + 0.1
    assert cohorts.loc["2025-09-01", "charged_share"] > 1.5 * cohorts.loc["2026-09-01", "charged_share"]
    # court results come months after the charge: "awaiting court" is mostly in young months
    d = oc.delays(df)
    assert d["months"].min() == 0 and d["months"].max() >= 6
