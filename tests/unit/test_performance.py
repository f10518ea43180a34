"""Performance figures, targets and RAG (swp_data.report.performance) against
independent SQL on the demo store."""

from __future__ import annotations

import datetime as dt
import getpass

import duckdb
import pandas as pd
import pytest
from scipy.stats import binomtest

from swp_data import access, store
from swp_data.errors import InputError
from swp_data.report import performance, priorities, targets, wording
from swp_data.report.performance import Target
from swp_data.store import audit

VIEWER = access.Actor(who="viewer@example.org", role="viewer", via="oidc")
ASB = ("Anti-social behaviour",)
VIOLENCE = ("Violence and sexual offences", "Possession of weapons", "Robbery")


@pytest.fixture(scope="module")
def con(demo_store):
    c = duckdb.connect(str(demo_store), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def rep(con):
    return performance.report(con)


def _count(con, cats, start, end, ward=None) -> int:
    sql = "SELECT count(*) FROM crime WHERE list_contains(?, category) AND month BETWEEN ? AND ?"
    params = [list(cats), start, end]
    if ward:
        sql += " AND ward_code = ?"
        params.append(ward)
    return con.execute(sql, params).fetchone()[0]


def _row(rep, key):
    return next(r for r in rep.rows if r.priority.key == key)


# --------------------------------------------------------------------------- figures
def test_priorities_the_demo_can_measure(con):
    keys = [p.key for p in priorities.priorities(con)]
    assert keys == ["asb", "violence", "neighbourhood", "domestic_abuse", "hate_crime"]
    da = next(p for p in priorities.priorities(con) if p.key == "domestic_abuse")
    assert (da.source, da.measure) == ("partner", "domestic_abuse_incidents")


def test_reference_only_store_has_no_priorities_and_report_says_why(ref_store):
    c = duckdb.connect(str(ref_store), read_only=True)
    try:
        assert priorities.priorities(c) == []
        with pytest.raises(InputError) as e:
            performance.report(c)
        assert str(e.value) == "no figures to report: load police.uk records or partner data first"
    finally:
        c.close()


def test_police_priority_figures_match_sql(con, rep):
    assert rep.to_month == pd.Timestamp("2026-09-01")
    assert (rep.window, rep.previous_window) == ("Oct 2025 to Sep 2026", "Oct 2024 to Sep 2025")
    pop = con.execute("SELECT sum(population) FROM lsoa21").fetchone()[0]
    for key, cats in (("asb", ASB), ("violence", VIOLENCE)):
        r = _row(rep, key)
        cur = _count(con, cats, "2025-10-01", "2026-09-01")
        prev = _count(con, cats, "2024-10-01", "2025-09-01")
        assert (r.last12, r.prev12) == (cur, prev)
        assert r.rate_per_1000 == pytest.approx(1000 * cur / pop)
        assert r.change_pct == pytest.approx(100 * (cur / prev - 1))
        # exact conditional test with equal exposures = two-sided binomial test of cur out of cur + prev
        assert r.p_value == pytest.approx(binomtest(cur, cur + prev, 0.5).pvalue, rel=1e-6)
        assert r.significant == (r.p_value < 0.05)
        assert r.is_demo and r.rag == "grey" and r.target is None
        assert r.verdict.startswith(("Up", "Down", "No change"))


def test_monthly_series_is_36_months_of_sql_counts(con, rep):
    r = _row(rep, "violence")
    m = r.monthly
    assert len(m) == 36
    assert m["month"].iloc[0] == pd.Timestamp("2023-10-01") and m["month"].iloc[-1] == pd.Timestamp("2026-09-01")
    sql = con.execute(
        "SELECT month, count(*) FROM crime WHERE list_contains(?, category) AND month >= '2023-10-01' GROUP BY 1",
        [list(VIOLENCE)],
    ).fetchall()
    expected = {pd.Timestamp(a): b for a, b in sql}
    assert dict(zip(m["month"], m["count"].astype(int), strict=True)) == expected


def test_direction_of_travel_is_the_direction_of_the_change_shown(con, rep):
    for key, cats in (("asb", ASB), ("violence", VIOLENCE)):
        now = _count(con, cats, "2025-10-01", "2026-09-01")
        before = _count(con, cats, "2024-10-01", "2025-09-01")
        ratio = now / before - 1
        expected = "up" if ratio > 0.01 else "down" if ratio < -0.01 else "flat"
        assert _row(rep, key).direction == expected
    # never "-0.1%" beside "Up": the arrow agrees with the change's sign, level within 1%
    for r in rep.rows:
        if r.change_pct is not None:
            assert r.direction == ("up" if r.change_pct > 1 else "down" if r.change_pct < -1 else "flat")


def test_direction_is_level_within_one_percent():
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    to = months[-1]
    for last, expected in ((999, "flat"), (1000, "flat"), (1011, "up"), (989, "down")):
        s = pd.Series([1000.0] * 12 + [last] * 12, index=months)
        assert performance._direction(s, to) == expected


def test_unmeasured_priorities_say_what_data_they_need(con):
    un = priorities.unmeasured_priorities(con)
    assert list(un["Priority"]) == ["Safety of women and girls", "Alcohol and substance related crime"]
    assert un["What data it needs"].str.contains("partner return").all()


def test_partner_priority_is_the_city_sum_of_the_partner_rows(con, rep):
    r = _row(rep, "hate_crime")
    cur, prev = (
        con.execute(
            "SELECT sum(count) FROM partner_series WHERE measure = 'hate_crime' AND period_type = 'month' "
            "AND period_start BETWEEN ? AND ?",
            [a, b],
        ).fetchone()[0]
        for a, b in (("2025-10-01", "2026-09-01"), ("2024-10-01", "2025-09-01"))
    )
    assert (r.last12, r.prev12) == (cur, prev)
    assert r.is_demo and r.priority.source == "partner"


def test_ward_appendix_matches_sql(con, rep):
    w = rep.wards
    assert len(w) == 20 * 5
    assert set(w["priority"]) == {"asb", "violence", "neighbourhood", "domestic_abuse", "hate_crime"}
    park = con.execute("SELECT ward_code, population FROM ward WHERE ward_name = 'Park'").fetchone()
    row = w[(w["ward_code"] == park[0]) & (w["priority"] == "violence")].iloc[0]
    cur = _count(con, VIOLENCE, "2025-10-01", "2026-09-01", park[0])
    prev = _count(con, VIOLENCE, "2024-10-01", "2025-09-01", park[0])
    assert (row["count"], row["prev_count"]) == (cur, prev)
    assert row["rate_per_1000"] == pytest.approx(1000 * cur / park[1])
    assert row["p_value"] == pytest.approx(binomtest(cur, cur + prev, 0.5).pvalue, rel=1e-6)
    # the wards add up to the city's records that have a ward
    total = con.execute(
        "SELECT count(*) FROM crime WHERE category = 'Anti-social behaviour' AND ward_code IS NOT NULL "
        "AND month BETWEEN '2025-10-01' AND '2026-09-01'"
    ).fetchone()[0]
    assert w.loc[w["priority"] == "asb", "count"].sum() == total
    hc = con.execute(
        "SELECT geography_code, sum(count) FROM partner_series WHERE measure = 'hate_crime' "
        "AND geography_level = 'ward' AND period_start BETWEEN '2025-10-01' AND '2026-09-01' GROUP BY 1"
    ).fetchall()
    got = w[w["priority"] == "hate_crime"].set_index("ward_code")["count"]
    assert {k: int(v) for k, v in hc} == {k: int(v) for k, v in got.items() if v > 0}
    small = w[w["small"]]
    assert len(small) and ((small["count"] < 10) | (small["prev_count"] < 10)).all()
    assert not w[~w["small"]][["count", "prev_count"]].lt(10).any(axis=None)
    assert not w["suppressed"].any()


def test_public_report_shows_partner_data_only_as_published(con):
    """One public policy for partner data: no monthly partner counts, at any level, in the public report
    (the public site shows them only as published, by financial year: the Trends page)."""
    full = performance.report(con)
    pub = performance.report(con, public=True)
    partner = {"domestic_abuse", "hate_crime"}
    assert partner <= {r.priority.key for r in full.rows}
    assert not partner & {r.priority.key for r in pub.rows}
    assert not partner & set(pub.wards["priority"])
    police = pub.wards
    assert not police["suppressed"].any() and police["count"].notna().all()
    assert {r.priority.key for r in pub.rows} == {r.priority.key for r in full.rows} - partner
    assert pub.public and f"Public version: {performance.PUBLIC_PARTNER_NOTE}" in pub.methods
    assert not any("partner" in str(s).lower() for s in pub.sources)


def test_impact_area_shares_match_sql(con, rep):
    ia = rep.impact_areas
    assert list(ia["name"])[-1] == "All Impact Areas together"
    cc = ia[ia["name"] == "City Centre"].iloc[0]
    codes = [
        r[0]
        for r in con.execute(
            "SELECT lsoa21_code FROM impact_area_lsoa JOIN impact_area USING (area_id) WHERE name = 'City Centre'"
        ).fetchall()
    ]
    pop_in, pop_all = con.execute(
        "SELECT sum(population) FILTER (WHERE list_contains(?, lsoa21_code)), sum(population) FROM lsoa21", [codes]
    ).fetchone()
    n_in, n_all = con.execute(
        "SELECT count(*) FILTER (WHERE list_contains(?, lsoa21_code)), count(*) FROM crime "
        "WHERE category <> 'Anti-social behaviour' AND lsoa21_code IS NOT NULL "
        "AND month BETWEEN '2025-10-01' AND '2026-09-01'",
        [codes],
    ).fetchone()
    assert cc["population_share"] == pytest.approx(100 * pop_in / pop_all)
    assert cc["crime_share"] == pytest.approx(100 * n_in / n_all)
    assert cc["crime"] == n_in and bool(cc["is_demo"]) and bool(cc["approximate"])


def test_report_to_an_earlier_month_and_bad_periods(con):
    r = performance.report(con, "2025-03")
    assert r.window == "Apr 2024 to Mar 2025"
    assert _row(r, "asb").last12 == _count(con, ASB, "2024-04-01", "2025-03-01")
    first = performance.report(con, "2021-06")
    asb = _row(first, "asb")
    assert asb.prev12 is None and asb.verdict == "No earlier year loaded to compare with"
    with pytest.raises(InputError) as e:
        performance.report(con, "2030-01")
    assert str(e.value) == "no data loaded for Jan 2030: records run from Jan 2021 to Sep 2026"
    with pytest.raises(InputError) as e:
        performance.report(con, "2026-Q1")
    assert str(e.value) == "period '2026-Q1': give a month, e.g. 2026-09"
    with pytest.raises(InputError):
        performance.report(con, "<script>")


def test_report_states_demo_sources_and_thresholds(rep):
    assert rep.is_demo and "DEMO" in rep.data_status
    assert any("police.uk" in s and "DEMO" in s for s in rep.sources)
    assert "Open Government Licence" in rep.attribution
    assert any("Amber: above the target by up to 5%" in m for m in rep.methods)


# --------------------------------------------------------------------------- RAG
def _t(kind="count", value=1000.0, baseline=None):
    label = "2025-26" if kind == "reduction_pct" else None
    return Target(
        "asb", kind, value, label, baseline, dt.date(2026, 4, 1), dt.date(2027, 3, 31), "a", dt.datetime.now()
    )


@pytest.mark.parametrize(
    ("actual", "colour"),
    [(999, "green"), (1000, "green"), (1001, "amber"), (1050, "amber"), (1051, "red"), (None, "grey")],
)
def test_rag_at_the_edges_of_a_count_target(actual, colour):
    assert targets.rag_status(actual, _t(), 0.05)[0] == colour


@pytest.mark.parametrize(("actual", "colour"), [(950, "green"), (951, "amber"), (997, "amber"), (998, "red")])
def test_rag_at_the_edges_of_a_reduction_target(actual, colour):
    # 5% fewer than 1,000: at most 950; amber up to 950 x 1.05 = 997.5
    assert targets.rag_status(actual, _t("reduction_pct", 5.0, 1000), 0.05)[0] == colour


def test_rag_margin_zero_and_reasons():
    assert targets.rag_status(1001, _t(), 0.0)[0] == "red"
    assert targets.rag_status(1000, _t(), 0.0)[0] == "green"
    assert targets.rag_status(500, None) == ("grey", "No target set")
    colour, reason = targets.rag_status(1030, _t(), 0.05)
    assert (colour, reason) == ("amber", "1,030 against a target of at most 1,000: above it, within the 5% margin")
    assert targets.rag_status(900, _t("reduction_pct", 5.0, None))[0] == "grey"


# --------------------------------------------------------------------------- targets (writes)
def _write(fn, *args, **kwargs):
    with store.transaction() as c:
        return fn(c, *args, **kwargs)


def _read(fn, *args, **kwargs):
    with store.reading() as c:
        return fn(c, *args, **kwargs)


def test_set_change_remove_target_with_who_when_and_audit(demo_store_path):
    before = dt.datetime.now().replace(microsecond=0)
    t = _write(targets.set_target, "asb", "reduction_pct", 5, dt.date(2026, 4, 1), dt.date(2027, 3, 31), "2025/26")
    with store.reading() as c:
        base = _count(c, ASB, "2025-04-01", "2026-03-01")
    assert (t.baseline_label, t.baseline_count) == ("2025-26", base)
    stored = _read(targets.targets)["asb"]
    assert stored == t
    assert stored.set_by == getpass.getuser() and before <= stored.set_at <= dt.datetime.now()
    rep = _read(performance.report)
    asb = _row(rep, "asb")
    expected = targets.rag_status(asb.last12, t, 0.05)
    assert (asb.rag, asb.rag_reason) == expected and asb.rag != "grey"
    assert asb.target == t
    # change: a count target replaces it
    t2 = _write(targets.set_target, "asb", "count", 2000, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert _read(targets.targets) == {"asb": t2}
    assert _row(_read(performance.report), "asb").rag == ("green" if asb.last12 <= 2000 else "red")
    # remove
    assert _write(targets.remove_target, "asb") is True
    assert _write(targets.remove_target, "asb") is False
    assert _read(targets.targets) == {}
    trail = _read(audit.entries)
    tg = trail[trail["action"] == "target"]
    assert len(tg) == 3 and set(tg["who"]) == {getpass.getuser()}
    details = " | ".join(tg["detail"])
    assert "target set to 5% fewer than in 2025-26" in details
    assert "target changed to at most 2,000" in details and "target removed" in details


def test_target_outside_its_dates_is_grey(demo_store_path):
    _write(targets.set_target, "violence", "count", 1, dt.date(2027, 4, 1), dt.date(2028, 3, 31))
    v = _row(_read(performance.report), "violence")
    assert v.rag == "grey" and v.rag_reason.startswith("Target not in force in Sep 2026")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "count", 10), "no priority 'nope' that the loaded data can measure"),
        (("asb", "double", 10), "unknown kind of target 'double': use reduction_pct or count"),
        (("asb", "count", -1), "a count target must be a whole number of 0 or more, not -1"),
        (("asb", "count", 10.5), "a count target must be a whole number of 0 or more, not 10.5"),
        (("asb", "reduction_pct", 150, "2025/26"), "a reduction must be between -100% and 100%, not 150%"),
        (("asb", "reduction_pct", 5), "a reduction target needs a baseline period, e.g. 2025/26"),
        (("asb", "reduction_pct", 5, "2019/20"), "the baseline 2019-20 is not fully loaded for Anti-social behaviour"),
        (("asb", "reduction_pct", 5, "2025-Q1"), "baseline '2025-Q1': use a financial year"),
        (("asb", "reduction_pct", 5, "2025-01 to 2025-06"), "covers 6 months; a baseline must cover 12 months"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_stored(demo_store_path, args, message):
    key, kind, value, *baseline = args
    with pytest.raises(InputError) as e:
        _write(targets.set_target, key, kind, value, dt.date(2026, 4, 1), dt.date(2027, 3, 31), *baseline)
    assert message in str(e.value) and "\n" not in str(e.value)
    assert _read(targets.targets) == {}


def test_end_before_start_is_refused(demo_store_path):
    with pytest.raises(InputError) as e:
        _write(targets.set_target, "asb", "count", 5, dt.date(2027, 4, 1), dt.date(2026, 3, 31))
    assert str(e.value) == "the target's end (31 Mar 2026) must not be before its start (1 Apr 2027)"


def test_a_viewer_is_refused_by_the_function_itself(demo_store_path):
    c = duckdb.connect(str(demo_store_path))  # not through store.transaction: the function must check
    try:
        with access.acting_as(VIEWER):
            for call in (
                lambda: targets.set_target(c, "asb", "count", 10, dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
                lambda: targets.remove_target(c, "asb"),
                lambda: targets.set_amber_margin(c, 0.1),
                lambda: priorities.add_priority(c, "Drugs", ("Drugs",)),
                lambda: priorities.remove_priority(c, "cat:drugs"),
            ):
                with pytest.raises(access.NotAuthorised) as e:
                    call()
                assert "needs an analyst; viewer@example.org is signed in as viewer" in str(e.value)
        assert targets.targets(c) == {} and targets.amber_margin(c) == 0.05
    finally:
        c.close()


def test_amber_margin_setting(demo_store_path):
    assert _read(targets.amber_margin) == 0.05
    _write(targets.set_amber_margin, 0.1)
    assert _read(targets.amber_margin) == 0.1
    assert _read(performance.report).amber_margin == 0.1
    for bad in (1.0, -0.01, float("nan"), "x"):
        with pytest.raises(InputError, match="amber margin"):
            _write(targets.set_amber_margin, bad)
    assert _read(targets.amber_margin) == 0.1
    trail = _read(audit.entries)
    assert trail[trail["action"] == "setting"]["detail"].tolist() == ["RAG amber margin 5% -> 10%"]


def test_own_priority_added_reported_and_removed(demo_store_path):
    p = _write(priorities.add_priority, "Drugs and <b>weapons</b>", ("Drugs", "Possession of weapons"))
    assert p.key == "cat:drugs-and-b-weapons-b" and p.custom
    assert [x.key for x in _read(priorities.priorities)][-1] == p.key
    with store.reading() as c:
        r = _row(performance.report(c), p.key)
        assert r.last12 == _count(c, ("Drugs", "Possession of weapons"), "2025-10-01", "2026-09-01")
        assert len(performance.report(c).wards) == 20 * 6
    _write(targets.set_target, p.key, "count", 100, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with pytest.raises(InputError, match="already exists"):
        _write(priorities.add_priority, "drugs and <b>weapons</b>", ("Drugs",))
    # a historic category with no records in these years: 0 against 0, too few to judge
    old = _write(priorities.add_priority, "Old disorder", ("Public disorder and weapons",))
    with store.reading() as c:
        o = _row(performance.report(c), old.key)
    assert (o.last12, o.prev12, o.change_pct, o.p_value) == (0, 0, None, None) and o.small_numbers
    assert wording.short_verdict(o) == "Too few to judge"
    _write(priorities.remove_priority, old.key)
    with pytest.raises(InputError, match="'Shoplifting!' is not a police.uk category"):
        _write(priorities.add_priority, "Retail", ("Shoplifting!",))
    with pytest.raises(InputError, match="is a strategy priority"):
        _write(priorities.remove_priority, "asb")
    assert _write(priorities.remove_priority, p.key) is True
    assert _write(priorities.remove_priority, p.key) is False
    assert p.key not in {x.key for x in _read(priorities.priorities)}
    assert _read(targets.targets) == {}


def test_rebuild_keeps_targets_settings_and_own_priorities(demo_store_path):
    from swp_data.sources.build import build

    _write(targets.set_target, "asb", "count", 2000, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    _write(targets.set_amber_margin, 0.08)
    _write(priorities.add_priority, "Drugs", ("Drugs",))
    build(target=demo_store_path)
    assert _read(targets.targets)["asb"].value == 2000
    assert _read(targets.amber_margin) == 0.08
    assert "cat:drugs" in {p.key for p in _read(priorities.priorities)}


# --------------------------------------------------------------------------- tables for people
def test_summary_table_says_the_status_in_words(rep):
    t = wording.summary_table(rep)
    assert list(t["key"]) == [r.priority.key for r in rep.rows]
    assert (t["Status"] == "⚪ – Grey: no target").all()
    asb = t[t["key"] == "asb"].iloc[0]
    r = _row(rep, "asb")
    assert (asb["Last 12 months"], asb["Previous 12 months"]) == (r.last12, r.prev12)
    assert asb["Change"] == f"{r.change_pct:+.1f}%" and asb["Verdict"] == r.verdict
    p = "p < 0.001" if r.p_value < 0.001 else f"p = {r.p_value:.2f}"
    assert asb["Is the change real?"] == (f"Yes ({p})" if r.significant else f"No: normal variation ({p})")
    short = dict(zip(t["key"], t["Is the change real?"], strict=True))
    assert short["neighbourhood"] == "No: normal variation (p = 0.96)"  # 5,140 vs 5,146
    assert asb["Direction of travel"] in {"▲ Up", "▼ Down", "► Flat"}
    assert asb["trend"] == [float(v) for v in r.monthly["count"]]
    assert asb["Priority"] == "Anti-social behaviour (DEMO)" and asb["Target"] == "No target"


def test_last_complete_financial_year(con):
    assert performance.last_complete_fy(con) == "2025-26"
    assert performance.last_complete_fy(con, "2026-02") == "2024-25"
    assert performance.last_complete_fy(con, "2022-03") == "2021-22"
    assert performance.last_complete_fy(con, "2022-02") is None  # records start in Jan 2021


def test_describe_target():
    assert targets.describe_target(_t("reduction_pct", 5.0, 1000)) == (
        "5% fewer than in 2025-26 (at most 950 in 12 months), Apr 2026 to Mar 2027"
    )
    assert targets.describe_target(_t("count", 1200.0)) == "at most 1,200 in 12 months, Apr 2026 to Mar 2027"
    assert targets.describe_target(_t("reduction_pct", -2.0, 1000)).startswith("at most 2% more than in 2025-26")


def test_partner_reduction_target_uses_the_partner_baseline(demo_store_path):
    t = _write(
        targets.set_target, "hate_crime", "reduction_pct", 10, dt.date(2026, 4, 1), dt.date(2027, 3, 31), "2025-26"
    )
    with store.reading() as c:
        base = c.execute(
            "SELECT sum(count) FROM partner_series WHERE measure = 'hate_crime' AND period_type = 'month' "
            "AND period_start BETWEEN '2025-04-01' AND '2026-03-01'"
        ).fetchone()[0]
        hc = _row(performance.report(c), "hate_crime")
    assert t.baseline_count == base
    assert (hc.rag, hc.rag_reason) == targets.rag_status(hc.last12, t, 0.05)


def test_a_month_not_loaded_is_a_gap_not_a_zero(demo_store_path):
    with store.transaction() as c:
        c.execute("DELETE FROM crime WHERE month = '2026-03-01'")
    _write(targets.set_target, "asb", "count", 100000, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with store.reading() as c:
        rep = performance.report(c)
        cur = _count(c, ASB, "2025-10-01", "2026-09-01")
        prev = _count(c, ASB, "2024-10-01", "2025-09-01")
    asb = _row(rep, "asb")
    m = asb.monthly.set_index("month")["count"]
    assert pd.isna(m[pd.Timestamp("2026-03-01")]) and m.notna().sum() == 35
    assert (asb.last12, asb.prev12) == (cur, prev)
    # the comparison is scaled by the months loaded: 11 against 12
    assert asb.change_pct == pytest.approx(100 * ((cur / 11) / (prev / 12) - 1))
    assert asb.verdict.endswith("(11 and 12 of 12 months loaded)")
    assert asb.rag == "grey" and asb.rag_reason.startswith("Only 11 of the last 12 months are loaded")
    with pytest.raises(InputError, match="no data loaded for Mar 2026"), store.reading() as c:
        performance.report(c, "2026-03")


def test_rolling_12_months_match_sql(con, rep):
    r = _row(rep, "asb")
    roll = wording.rolling12(r)
    assert len(roll) == 25  # 36 months of series: 25 complete 12-month windows
    assert roll["rolling_12"].iloc[-1] == r.last12
    assert roll["rolling_12"].iloc[0] == _count(con, ASB, "2023-10-01", "2024-09-01")
    assert roll["rolling_12"].iloc[-4] == _count(con, ASB, "2025-07-01", "2026-06-01")  # 12 months to Jun 2026


def test_public_report_names_no_analyst(demo_store_path):
    _write(targets.set_target, "asb", "count", 3000, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    with store.reading() as c:
        full, pub = performance.report(c), performance.report(c, public=True)
    assert _row(full, "asb").target.set_by == getpass.getuser()
    assert _row(pub, "asb").target.set_by == "an analyst"
    assert _row(pub, "asb").rag == _row(full, "asb").rag
    assert getpass.getuser() not in wording.summary_table(pub).to_csv()


def test_no_target_says_so_even_with_a_gap(demo_store_path):
    with store.transaction() as c:
        c.execute("DELETE FROM crime WHERE month = '2026-03-01'")
    asb = _row(_read(performance.report), "asb")
    assert (asb.rag, asb.rag_reason) == ("grey", "No target set")
