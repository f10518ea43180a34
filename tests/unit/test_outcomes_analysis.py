"""The outcomes analysis where the truth is known: crimes and outcome
histories built here with known shares, delays and ages (in memory, no
bundle), and the Wilson interval against its closed form."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest

from swp_data import store
from swp_data.analysis import outcomes as oc
from swp_data.taxonomy import outcomes as ot

BURGLARY = ("Burglary",)


def wilson_closed_form(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture
def con():
    """Two January cohorts of 100 burglaries in two LSOAs of two wards:

    * Jan 2024: 20 charged in Mar 2024 (2 months on), 10 more charged in Dec
      2024 (11 months on) after "Under investigation" in Feb 2024, 30 with no
      suspect in Feb 2024 (1 month on), 40 with no outcome;
    * Jan 2025: 40 charged in Mar 2025 (2 months on), 60 with no outcome;
    * 5 anti-social behaviour records (never counted).
    The last outcomes month is Mar 2025.
    """
    c = duckdb.connect()
    for name in ("crime", "crime_outcome", "impact_area", "impact_area_lsoa"):
        c.execute(store.DATA_TABLES_DDL[name])
    c.execute("CREATE TABLE lsoa21 (lsoa21_code VARCHAR, ward_code VARCHAR, ward_name VARCHAR)")
    c.execute("INSERT INTO lsoa21 VALUES ('L1', 'W1', 'Ward One'), ('L2', 'W2', 'Ward Two')")
    crimes, outs = [], []

    def crime(cid, month, lsoa, cat="Burglary"):
        crimes.append(
            (
                "t",
                "West Midlands Police",
                month,
                cid,
                cat,
                cat,
                None,
                None,
                None,
                None,
                lsoa,
                lsoa[0] + "W",
                "coordinates",
                None,
                None,
            )
        )

    def outcome(cid, month, name, seq=1):
        outs.append(("t", "West Midlands Police", cid, month, name, seq))

    for i in range(100):
        cid = f"a{i:03d}"
        crime(cid, "2024-01-01", "L1" if i < 50 else "L2")
        if i < 20:
            outcome(cid, "2024-03-01", "Suspect charged")
        elif i < 30:
            outcome(cid, "2024-02-01", "Under investigation")
            outcome(cid, "2024-12-01", "Offender fined")
        elif i < 60:
            outcome(cid, "2024-02-01", "Investigation complete; no suspect identified")
    for i in range(100):
        cid = f"b{i:03d}"
        crime(cid, "2025-01-01", "L1" if i < 50 else "L2")
        if i < 40:
            outcome(cid, "2025-03-01", "Suspect charged")
    for _i in range(5):
        crimes.append(
            (
                "t",
                "West Midlands Police",
                "2024-01-01",
                None,
                "Anti-social behaviour",
                "Anti-social behaviour",
                None,
                None,
                None,
                None,
                "L1",
                "W1",
                "coordinates",
                None,
                None,
            )
        )
    c.executemany("INSERT INTO crime VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", crimes)
    c.executemany("INSERT INTO crime_outcome VALUES (?, ?, ?, ?, ?, ?)", outs)
    yield c
    c.close()


def test_wilson_matches_closed_form():
    lo, hi = oc.wilson([20, 0, 7], [100, 12, 7])
    for (k, n), a, b in zip([(20, 100), (0, 12), (7, 7)], lo, hi, strict=True):
        want = wilson_closed_form(k, n)
        assert a == pytest.approx(want[0], abs=1e-9) and b == pytest.approx(want[1], abs=1e-9)
    assert lo[0] == pytest.approx(0.13337, abs=1e-4) and hi[0] == pytest.approx(0.28884, abs=1e-4)
    lo, hi = oc.wilson(0, 0)
    assert np.isnan(lo[0]) and np.isnan(hi[0])


def test_latest_outcome_groups_and_shares(con):
    df = oc.crimes(con, None, BURGLARY)
    assert len(df) == 200  # ASB never counted
    jan24 = df[df["month"] == "2024-01-01"]
    counts = jan24["group"].value_counts().to_dict()
    # the 10 "Under investigation" crimes were later fined: their latest outcome is charged
    assert counts == {ot.CHARGED: 30, ot.NO_OUTCOME: 40, ot.NO_SUSPECT: 30}
    s = oc.summarise(jan24)
    assert s["charged"] == 30 and s["charged_share"] == pytest.approx(0.30)
    assert (s["charged_low"], s["charged_high"]) == pytest.approx(wilson_closed_form(30, 100))
    assert s["suspect"] == 30 and not s["few"]
    assert oc.summarise(jan24.head(9))["few"]


def test_cohort_age_and_maturity(con):
    asof = oc.as_of(con)
    assert asof == pd.Timestamp("2025-03-01")
    cohorts = oc.by_cohort(oc.crimes(con, None, BURGLARY), asof).set_index("month")
    assert cohorts.loc["2024-01-01", "age"] == 14 and cohorts.loc["2024-01-01", "mature"]
    assert cohorts.loc["2025-01-01", "age"] == 2 and not cohorts.loc["2025-01-01", "mature"]
    assert cohorts.loc["2025-01-01", ot.CHARGED] == 40


def test_same_age_comparison_uses_the_history(con):
    # Jan 2025 two months on: 40 charged; Jan 2024 two months on: 20 (not the 30 it has now)
    sa = oc.same_age(con, None, BURGLARY, "2025-01", age=2)
    assert sa is not None
    assert sa.later_shares["charged"] == 40 and sa.earlier_shares["charged"] == 20
    assert sa.p_value < 0.01 and sa.verdict.startswith("higher")
    # one month on, neither cohort had a charge recorded yet
    sa1 = oc.same_age(con, None, BURGLARY, "2025-01", age=1)
    assert sa1.later_shares["charged"] == 0 and sa1.earlier_shares["charged"] == 0
    assert sa1.verdict.startswith("no real change")


def test_delays_from_offence_to_first_outcome(con):
    df = oc.crimes(con, None, BURGLARY, "2024-01", "2024-01")
    d = oc.delays(df).set_index("months")["crimes"].to_dict()
    assert d == {1: 40, 2: 20}  # the fined ten had their first outcome (under investigation) after 1 month
    s = oc.delay_summary(df)
    assert s["with_outcome"] == 60 and s["median"] == 1.0


def test_outcome_mix_and_group_mix(con):
    df = oc.crimes(con, None, BURGLARY)
    mix = oc.outcome_mix(df).set_index("outcome")
    assert mix.loc["Suspect charged", "count"] == 60 and mix.loc["Offender fined", "count"] == 10
    assert mix.loc["", "group"] == ot.NO_OUTCOME and mix["count"].sum() == 200
    g = oc.group_mix(df).set_index("group")
    assert list(g.index) == list(ot.GROUPS)
    assert g.loc[ot.CHARGED, "count"] == 70 and g.loc[ot.CHARGED, "share"] == pytest.approx(0.35)


def test_city_against_wards(con):
    df = oc.crimes(con, None, BURGLARY, "2024-01", "2024-01")
    t = oc.by_area(df, oc._areas(con)).set_index("code")
    assert t.loc["E08000031", "crimes"] == 100
    # Ward One holds crimes 0-49 of the cohort: all 30 charged ones
    assert t.loc["W1", "charged"] == 30 and t.loc["W1", "against_city"] == "higher"
    assert t.loc["W2", "charged"] == 0 and t.loc["W2", "against_city"] == "lower"


def test_area_and_measure_resolution(con):
    assert oc.resolve_area(con, None) == ("city", "Wolverhampton", None)
    assert oc.resolve_area(con, "ward two") == ("ward", "Ward Two (W2)", ("L2",))
    with pytest.raises(ValueError):
        oc.resolve_area(con, "Atlantis")
    assert oc.measure_categories("burglary") == ("Burglary",)
    assert "Anti-social behaviour" not in oc.measure_categories("All crime (excluding ASB)")
    with pytest.raises(ValueError):
        oc.measure_categories("Anti-social behaviour")


def test_priority_charged_takes_mature_cohorts(con):
    r = oc.priority_charged(con, BURGLARY)
    # mature cohorts: the 12 months of offences to Sep 2024 (as of Mar 2025, 6 months back)
    assert r["to"] == pd.Timestamp("2024-09-01") and r["crimes"] == 100 and r["charged"] == 30
