"""A small PerformanceReport built straight from a store, for the pack's tests
until (and besides) swp_data.performance.report(): the pack renders whatever
report it is given, so its tests can pin the figures they check."""

from __future__ import annotations

import pandas as pd

from swp_data import config, crime, performance, periods, stats, taxonomy


def fixture_report(con, to_month: str | None = None, *, public: bool = False) -> performance.PerformanceReport:
    end = pd.Timestamp(to_month) if to_month else crime.last_month(con)
    start = end - pd.DateOffset(months=23)
    pop = crime.population(con)
    is_demo = crime.is_demo_selection(con, "crime")
    rows = []
    wards = []
    for key, label in (("asb", "Anti-social behaviour"), ("neighbourhood", "Neighbourhood crime")):
        cats = taxonomy.GROUPINGS[label]
        pr = performance.Priority(key=key, label=label, source="police_uk", categories=cats)
        m = crime.total_by_month(crime.monthly_counts(con, cats))
        m = m[(m["month"] >= start) & (m["month"] <= end)].reset_index(drop=True)
        cur = int(m["count"].iloc[-12:].sum())
        prev = int(m["count"].iloc[:12].sum())
        res = stats.poisson_change(cur, prev)
        last3, before3 = int(m["count"].iloc[-3:].sum()), int(m["count"].iloc[-6:-3].sum())
        rows.append(
            performance.PriorityFigures(
                priority=pr,
                last12=cur,
                prev12=prev,
                rate_per_1000=cur / pop * 1000,
                change_pct=res.pct_change,
                p_value=res.p_value,
                significant=res.significant,
                ci=(res.ci_low, res.ci_high),
                verdict=stats.describe_change(res),
                direction="up" if last3 > before3 else "down" if last3 < before3 else "flat",
                monthly=m,
                target=None,
                rag="grey",
                rag_reason="No target set",
                small_numbers=False,
                is_demo=is_demo,
            )
        )
        a = crime.area_change(con, cats, end, level="ward")
        wards.append(
            pd.DataFrame(
                {
                    "ward_code": a["code"],
                    "ward_name": a["name"],
                    "priority": key,
                    "count": a["current"],
                    "prev_count": a["previous"],
                    "rate_per_1000": a["current"] / a["population"] * 1000,
                    "change_pct": a["pct_change"],
                    "p_value": a["p_value"],
                    "significant": a["significant"],
                    "small": a["unreliable"],
                    "suppressed": False,
                }
            )
        )
    ia = con.execute(
        """SELECT a.area_id, a.name, sum(l.population) / (SELECT sum(population) FROM lsoa21) AS population_share,
                  0.0 AS crime_share, a.is_demo
           FROM impact_area a JOIN impact_area_lsoa i USING (area_id) JOIN lsoa21 l USING (lsoa21_code)
           GROUP BY ALL ORDER BY a.name"""
    ).df()
    return performance.PerformanceReport(
        to_month=end,
        window=f"{periods.fmt_month(end - pd.DateOffset(months=11))} to {periods.fmt_month(end)}",
        previous_window=f"{periods.fmt_month(start)} to {periods.fmt_month(end - pd.DateOffset(months=12))}",
        public=public,
        amber_margin=performance.DEFAULT_AMBER_MARGIN,
        rows=rows,
        wards=pd.concat(wards, ignore_index=True),
        impact_areas=ia,
        data_status=f"{len(crime.months_loaded(con))} months loaded; " + ("DEMO data" if is_demo else "real data"),
        is_demo=is_demo,
        sources=["police.uk street records (fixture)"],
        attribution=config.ATTRIBUTION,
        methods=["Exact Poisson test (fixture)"],
    )
