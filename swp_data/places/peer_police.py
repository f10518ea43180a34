"""Peers' current police.uk figures: per priority, the city's last 12 months per 1,000 residents against
its most similar places' pooled rate, with exact Poisson limits and the five-level verdict, the group's
ranking, and the city's trend against the group's.

The city's counts are its records (``crime``); the other districts' come from the monthly counts every
police.uk import keeps (``crime_lad_month``, :mod:`swp_data.sources.policeuk.lad_counts`). A peer takes
part only when all 12 months of the window are loaded for it. Rates per 1,000 Census 2021 residents.
police.uk figures are recorded crime, moved to anonymised map points; a district's count is the records
police.uk placed in its LSOAs.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from swp_data import config, store, taxonomy
from swp_data.places import benchmarks, peers
from swp_data.sources import peer_fetch

PRIORITIES = ("Neighbourhood crime", "Violence", "Anti-social behaviour", "All crime (excluding ASB)")


def loaded(con: duckdb.DuckDBPyConnection) -> bool:
    return store.table_exists(con, "crime_lad_month") and bool(
        store.one(con, "SELECT count(*) > 0 FROM crime_lad_month")
    )


def _months(end: dt.date, n: int) -> list[dt.date]:
    out = []
    y, m = end.year, end.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def monthly(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """Monthly counts per priority for the city and each peer with counts loaded (long: code, month,
    priority, n), and whether the city's records are demo."""
    g = peers.nearest(con, code)
    if g.place.lads != (config.CITY_LAD,):
        raise_for_place(g.place)
    rows = []
    for pr in PRIORITIES:
        cats = list(taxonomy.GROUPINGS[pr])
        city = con.execute(
            "SELECT month, count(*) AS n, bool_or(d.is_demo) AS demo FROM crime c "
            "JOIN dataset d USING (dataset_id) WHERE list_contains(?, category) GROUP BY month",
            [cats],
        ).df()
        city["code"], city["priority"], city["approximate"] = config.CITY_LAD, pr, False
        rows.append(city)
        # Counts from imported files win over the API's approximate ones for the same district and month.
        other = con.execute(
            """WITH t AS (SELECT *, force = ? AS api FROM crime_lad_month
                          WHERE list_contains(?, category) AND list_contains(?, lad24_code)),
                    f AS (SELECT DISTINCT lad24_code, month FROM t WHERE NOT api)
               SELECT t.lad24_code AS code, t.month, sum(t.n) AS n, bool_or(t.is_demo) AS demo,
                      bool_or(t.api) AS approximate
               FROM t LEFT JOIN f ON f.lad24_code = t.lad24_code AND f.month = t.month
               WHERE NOT t.api OR f.lad24_code IS NULL GROUP BY ALL""",
            [peer_fetch.API_FORCE_LABEL, cats, g.codes],
        ).df()
        other["priority"] = pr
        rows.append(other)
    out = pd.concat(rows, ignore_index=True)
    out["month"] = pd.to_datetime(out["month"]).dt.date
    out["approximate"] = out["approximate"].fillna(False).astype(bool)
    return out[["code", "month", "priority", "n", "demo", "approximate"]]


def raise_for_place(place: peers.Place) -> None:
    from swp_data.errors import InputError

    raise InputError(None, f"{place.name}: peers' police.uk figures are compared for {config.CITY_NAME} only")


def comparison(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """One row per priority: the city's last 12 months against the peers with all 12 months loaded."""
    cols = [
        "priority",
        "from_month",
        "to_month",
        "city_count",
        "city_rate",
        "lo95",
        "hi95",
        "peer_count",
        "peer_rate",
        "peers_with_data",
        "rank_in_group",
        "group_size",
        "verdict",
        "city_change_pct",
        "group_change_pct",
        "is_demo",
        "approximate",
    ]
    if not loaded(con):
        return pd.DataFrame(columns=cols)
    g = peers.nearest(con, code)
    m = monthly(con, code)
    if m.empty:
        return pd.DataFrame(columns=cols)
    pop = dict(
        con.execute(
            "SELECT lad24_code, residents FROM national_lad WHERE list_contains(?, lad24_code)",
            [[config.CITY_LAD, *g.codes]],
        ).fetchall()
    )
    city_months = set(m.loc[m["code"] == config.CITY_LAD, "month"])
    peer_months = set(m.loc[m["code"] != config.CITY_LAD, "month"])
    common_months = sorted(city_months & peer_months)
    if not common_months:
        return pd.DataFrame(columns=cols)
    window = _months(common_months[-1], 12)
    before = _months(window[0] - dt.timedelta(days=1), 12)
    rows = []
    for pr in PRIORITIES:
        d = m[m["priority"] == pr]
        have = d.groupby("code")["month"].apply(set)
        complete = [c for c in g.codes if c in have and set(window) <= have[c]]
        in_w = d[d["month"].isin(window)]
        by = in_w.groupby("code")["n"].sum()
        city_n = int(by.get(config.CITY_LAD, 0))
        city_rate = 1000 * city_n / pop[config.CITY_LAD]
        peer_n = int(by.reindex(complete).fillna(0).sum())
        peer_pop = sum(pop[c] for c in complete)
        peer_rate = 1000 * peer_n / peer_pop if peer_pop else float("nan")
        lo, hi = benchmarks.rate_limits(city_n, pop[config.CITY_LAD], benchmarks.Z95)
        rates = [1000 * float(by.get(c, 0)) / pop[c] for c in complete]
        prev = d[d["month"].isin(before)]
        prev_complete = [c for c in complete if set(before) <= have[c]]

        def change(now: float, then: float) -> float:
            return 100 * (now / then - 1) if then else float("nan")

        city_prev = int(prev.loc[prev["code"] == config.CITY_LAD, "n"].sum())
        city_full_prev = set(before) <= have.get(config.CITY_LAD, set())
        grp_now = float(by.reindex(prev_complete).fillna(0).sum())
        grp_prev = float(prev[prev["code"].isin(prev_complete)]["n"].sum())
        rows.append(
            {
                "priority": pr,
                "from_month": window[0],
                "to_month": window[-1],
                "city_count": city_n,
                "city_rate": city_rate,
                "lo95": lo,
                "hi95": hi,
                "peer_count": peer_n,
                "peer_rate": peer_rate,
                "peers_with_data": len(complete),
                "rank_in_group": int(1 + sum(r > city_rate for r in rates)),
                "group_size": len(complete) + 1,
                "verdict": benchmarks.verdict(city_n, pop[config.CITY_LAD], peer_rate) if complete else "not compared",
                "city_change_pct": change(city_n, city_prev) if city_full_prev else float("nan"),
                "group_change_pct": change(grp_now, grp_prev) if prev_complete else float("nan"),
                "is_demo": bool(in_w.loc[in_w["code"] == config.CITY_LAD, "demo"].any()),
                "approximate": bool(in_w.loc[in_w["code"].isin(complete), "approximate"].any()),
            }
        )
    return pd.DataFrame(rows, columns=cols)


def trend(con: duckdb.DuckDBPyConnection, priority: str, code: str | None = None) -> pd.DataFrame:
    """Monthly rate per 1,000 residents: the city and the peers pooled (peers with that month loaded)."""
    g = peers.nearest(con, code)
    m = monthly(con, code)
    m = m[m["priority"] == priority]
    pop = dict(con.execute("SELECT lad24_code, residents FROM national_lad").fetchall())
    m = m.assign(pop=m["code"].map(pop))
    city = m[m["code"] == config.CITY_LAD].groupby("month")[["n", "pop"]].sum()
    grp = m[m["code"].isin(g.codes)].groupby("month").agg(n=("n", "sum"), pop=("pop", "sum"), peers=("code", "size"))
    out = pd.DataFrame(
        {"city_rate": 1000 * city["n"] / city["pop"], "peer_rate": 1000 * grp["n"] / grp["pop"], "peers": grp["peers"]}
    )
    return out.dropna(subset=["peer_rate"]).reset_index().rename(columns={"index": "month"})
