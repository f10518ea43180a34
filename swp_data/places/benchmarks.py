"""National benchmarks: the IoD2025 police recorded crime indicators of a
place against its most similar places (pooled) and England, OHID Fingertips
style; and every LSOA and ward of the place among England's LSOAs.

- A place's rate is the LSOA rates pooled, weighted by Census 2021 residents
  (households for burglary): the IoD2025 file gives rates per 1,000 at-risk
  population or properties, not the counts or the at-risk denominators, so
  ``events = sum(rate x residents) / 1,000`` is an estimate of the yearly
  count (the indicators are averages over the index's reference years).
- The peers' rate is pooled (sum of events over sum of denominators), never a
  mean of rates; England's likewise over its 33,755 LSOAs.
- Limits: Byar's method for 10 events or more, exact Poisson (chi-squared)
  below; 95% and 99.8%.
- Verdict (five levels, polarity: low is good for crime): the benchmark
  inside the place's 95% interval is "similar"; outside it "higher" or
  "lower"; outside the 99.8% interval "significantly higher" or
  "significantly lower".
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from scipy import stats as sps

from swp_data.errors import InputError
from swp_data.places import peers as peers_mod
from swp_data.sources.national import INDICATORS

Z95 = 1.959963984540054
Z998 = 3.090232306167813
EXACT_BELOW = 10

# short name -> (label, denominator column, unit)
INDICATOR_INFO: dict[str, tuple[str, str, str]] = {
    "violence_with_injury": ("Violence with injury", "residents", "per 1,000 residents"),
    "violence_without_injury": ("Violence without injury", "residents", "per 1,000 residents"),
    "stalking_and_harassment": ("Stalking and harassment", "residents", "per 1,000 residents"),
    "burglary": ("Burglary", "households", "per 1,000 households"),
    "theft": ("Theft", "residents", "per 1,000 residents"),
    "criminal_damage": ("Criminal damage", "residents", "per 1,000 residents"),
    "public_order_and_weapons": ("Public order and weapons", "residents", "per 1,000 residents"),
    "anti_social_behaviour": ("Anti-social behaviour", "residents", "per 1,000 residents"),
}
assert list(INDICATOR_INFO) == list(INDICATORS.values())
LABELS = {k: v[0] for k, v in INDICATOR_INFO.items()}
VERDICTS = ("significantly lower", "lower", "similar", "higher", "significantly higher")
TOP10 = 90.0  # percentile above which an LSOA is in England's most affected 10%


# ----------------------------------------------------------------- statistics
def count_limits(events: float, z: float) -> tuple[float, float]:
    """Limits of a Poisson count: Byar's approximation at 10 or more, exact below."""
    o = float(events)
    if not np.isfinite(o) or o < 0:
        raise InputError(None, f"a count must be a number at least 0, not {events!r}")
    if o < EXACT_BELOW:
        alpha = 2 * (1 - sps.norm.cdf(z))
        lo = 0.0 if o == 0 else float(sps.chi2.ppf(alpha / 2, 2 * o) / 2)
        hi = float(sps.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2)
        return lo, hi
    lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    o1 = o + 1
    hi = o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3
    return float(lo), float(hi)


def rate_limits(events: float, denominator: float, z: float, per: float = 1000.0) -> tuple[float, float]:
    if denominator <= 0:
        raise InputError(None, "a rate needs a denominator above 0")
    lo, hi = count_limits(events, z)
    return lo / denominator * per, hi / denominator * per


def verdict(events: float, denominator: float, benchmark_rate: float, per: float = 1000.0) -> str:
    """Five levels: where the benchmark lies against the rate's 95% and 99.8% limits."""
    if benchmark_rate is None or not np.isfinite(benchmark_rate) or denominator <= 0:
        return "not compared"
    lo998, hi998 = rate_limits(events, denominator, Z998, per)
    lo95, hi95 = rate_limits(events, denominator, Z95, per)
    if benchmark_rate < lo998:
        return "significantly higher"
    if benchmark_rate > hi998:
        return "significantly lower"
    if benchmark_rate < lo95:
        return "higher"
    if benchmark_rate > hi95:
        return "lower"
    return "similar"


# ----------------------------------------------------------------- pooled rates
def _events_sql() -> str:
    parts = []
    for k, (_, den, _) in INDICATOR_INFO.items():
        parts.append(f"sum({k} * {den}) / 1000.0 AS ev_{k}, sum(CASE WHEN {k} IS NOT NULL THEN {den} END) AS den_{k}")
    return ", ".join(parts)


def district_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every English district: events, denominator and rate per indicator (long)."""
    wide = con.execute(
        f"SELECT lad24_code AS code, any_value(lad24_name) AS name, {_events_sql()} "
        "FROM national_lsoa GROUP BY lad24_code ORDER BY lad24_code"
    ).df()
    return _long(wide)


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for k in INDICATOR_INFO:
        part = wide[[c for c in ("code", "name") if c in wide]].copy()
        part["indicator"] = k
        part["events"] = wide[f"ev_{k}"].astype(float)
        part["denominator"] = wide[f"den_{k}"].astype(float)
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out["rate"] = 1000 * out["events"] / out["denominator"]
    return out


def pooled(con: duckdb.DuckDBPyConnection, lads: list[str] | None) -> pd.DataFrame:
    """Pooled events, denominator and rate per indicator over these districts (None: England)."""
    where, params = ("", []) if lads is None else ("WHERE lad24_code IN ?", [list(lads)])
    wide = con.execute(f"SELECT {_events_sql()} FROM national_lsoa {where}", params).df()
    return _long(wide).drop(columns=[c for c in ("code", "name") if c in wide])


def indicators(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """One row per IoD2025 crime indicator: the place, its peers pooled, England, limits, rank and verdicts."""
    g = peers_mod.nearest(con, code)
    area = pooled(con, list(g.place.lads)).set_index("indicator")
    peer_lads = g.codes
    grp = pooled(con, peer_lads).set_index("indicator")
    eng = pooled(con, None).set_index("indicator")
    dist = district_rates(con)
    rows = []
    for k, (label, _den, unit) in INDICATOR_INFO.items():
        ev, dn = float(area.loc[k, "events"]), float(area.loc[k, "denominator"])
        rate = 1000 * ev / dn
        lo95, hi95 = rate_limits(ev, dn, Z95)
        lo998, hi998 = rate_limits(ev, dn, Z998)
        group_rates = dist[(dist["indicator"] == k) & dist["code"].isin(peer_lads)]["rate"].to_numpy()
        rank = int(1 + (group_rates > rate).sum())  # 1 = the highest rate of the group
        peer_rate = float(grp.loc[k, "rate"])
        eng_rate = float(eng.loc[k, "rate"])
        rows.append(
            {
                "indicator": k,
                "label": label,
                "unit": unit,
                "area_events": ev,
                "area_denominator": dn,
                "area_rate": rate,
                "lo95": lo95,
                "hi95": hi95,
                "lo998": lo998,
                "hi998": hi998,
                "peer_rate": peer_rate,
                "england_rate": eng_rate,
                "peer_q1": float(np.quantile(group_rates, 0.25)) if len(group_rates) else np.nan,
                "peer_q3": float(np.quantile(group_rates, 0.75)) if len(group_rates) else np.nan,
                "peer_min": float(group_rates.min()) if len(group_rates) else np.nan,
                "peer_max": float(group_rates.max()) if len(group_rates) else np.nan,
                "rank_in_group": rank,
                "group_size": int(len(group_rates) + 1),
                "verdict": verdict(ev, dn, peer_rate),
                "verdict_england": verdict(ev, dn, eng_rate),
            }
        )
    return pd.DataFrame(rows)


def group_bars(con: duckdb.DuckDBPyConnection, code: str | None, indicator: str) -> pd.DataFrame:
    """The place and each peer on one indicator, highest first (for the sorted bar chart)."""
    if indicator not in INDICATOR_INFO:
        raise InputError(None, f"unknown indicator {indicator[:40]!r}")
    g = peers_mod.nearest(con, code)
    dist = district_rates(con)
    d = dist[(dist["indicator"] == indicator) & dist["code"].isin(g.codes)][["code", "name", "rate"]]
    me = pooled(con, list(g.place.lads)).set_index("indicator").loc[indicator]
    row = pd.DataFrame([{"code": g.place.code, "name": g.place.name, "rate": float(me["rate"])}])
    out = pd.concat([row, d], ignore_index=True).assign(is_place=lambda x: x["code"] == g.place.code)
    return out.sort_values(["rate", "code"], ascending=[False, True]).reset_index(drop=True)


def funnel(con: duckdb.DuckDBPyConnection, code: str | None, indicator: str, points: int = 80) -> dict:
    """Funnel plot data: every English district's rate against its denominator, England's rate and the
    95% and 99.8% limits a district of each size would have around it."""
    if indicator not in INDICATOR_INFO:
        raise InputError(None, f"unknown indicator {indicator[:40]!r}")
    g = peers_mod.nearest(con, code)
    dist = district_rates(con)
    d = dist[dist["indicator"] == indicator][["code", "name", "denominator", "rate"]].copy()
    d["group"] = np.where(d["code"].isin(g.place.lads), "place", np.where(d["code"].isin(g.codes), "peer", "other"))
    eng = float(pooled(con, None).set_index("indicator").loc[indicator, "rate"])
    lo_n = max(1000.0, float(d["denominator"].min()) * 0.8)
    hi_n = float(d["denominator"].max()) * 1.2
    n = np.geomspace(lo_n, hi_n, points)
    lim = {"denominator": n}
    for name, z in (("95", Z95), ("998", Z998)):
        los, his = zip(*(count_limits(eng * x / 1000, z) for x in n), strict=True)
        lim[f"lo{name}"] = 1000 * np.array(los) / n
        lim[f"hi{name}"] = 1000 * np.array(his) / n
    return {"points": d.reset_index(drop=True), "limits": pd.DataFrame(lim), "england_rate": eng}


def funnel_points(con: duckdb.DuckDBPyConnection, code: str | None, indicator: str) -> pd.DataFrame:
    return funnel(con, code, indicator)["points"]


def funnel_limits(con: duckdb.DuckDBPyConnection, code: str | None, indicator: str) -> pd.DataFrame:
    f = funnel(con, code, indicator)
    return f["limits"].assign(england_rate=f["england_rate"])


# ----------------------------------------------------------------- LSOAs and wards among England's LSOAs
def _national(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute("SELECT * FROM national_lsoa").df()


def percentile_of(values: np.ndarray, sorted_ref: np.ndarray) -> np.ndarray:
    """Percent of England's LSOAs with a rate at or below each value (mid-rank for ties)."""
    below = np.searchsorted(sorted_ref, values, side="left")
    at_or_below = np.searchsorted(sorted_ref, values, side="right")
    out = 100 * (below + at_or_below) / 2 / len(sorted_ref)
    return np.where(np.isnan(values), np.nan, out)


def england_percentiles(con: duckdb.DuckDBPyConnection, code: str | None = None, level: str = "lsoa") -> pd.DataFrame:
    """Each LSOA (or ward, its rate pooled) of the place: rate and percentile among England's LSOAs per
    indicator, and whether it is in England's most affected 10% (long: one row per area and indicator)."""
    if level not in ("lsoa", "ward"):
        raise InputError(None, f"level must be lsoa or ward, not {level[:20]!r}")
    place = peers_mod.resolve(con, code)
    nat = _national(con)
    mine = nat[nat["lad24_code"].isin(place.lads)]
    rows = []
    for k, (_, den, _) in INDICATOR_INFO.items():
        ref = np.sort(nat[k].dropna().to_numpy())
        cut = float(np.quantile(ref, TOP10 / 100))
        if level == "lsoa":
            d = mine[["lsoa21_code", "lsoa21_name", "ward24_code", "ward24_name", den, k]].rename(
                columns={"lsoa21_code": "code", "lsoa21_name": "name", den: "denominator", k: "rate"}
            )
        else:
            m = mine.assign(_ev=mine[k] * mine[den], _dn=mine[den].where(mine[k].notna()))
            d = (
                m.groupby(["ward24_code", "ward24_name"], as_index=False)
                .agg(_ev=("_ev", "sum"), denominator=("_dn", "sum"))
                .assign(code=lambda x: x["ward24_code"], name=lambda x: x["ward24_name"])
            )
            d["rate"] = d["_ev"] / d["denominator"]
            d = d.drop(columns="_ev")
        d = d.assign(indicator=k)
        d["percentile"] = percentile_of(d["rate"].to_numpy(dtype=float), ref)
        d["most_affected_10pct"] = d["rate"] > cut
        rows.append(d)
    out = pd.concat(rows, ignore_index=True)
    return out[
        ["code", "name", "ward24_code", "ward24_name", "indicator", "denominator", "rate", "percentile"]
        + ["most_affected_10pct"]
    ]


def hidden_pockets(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """LSOAs in England's most affected 10% on an indicator whose ward (rate pooled) is not."""
    lsoa = england_percentiles(con, code, "lsoa")
    ward = england_percentiles(con, code, "ward")[["code", "indicator", "percentile", "most_affected_10pct"]]
    ward = ward.rename(columns={"code": "ward24_code", "percentile": "ward_percentile", "most_affected_10pct": "w10"})
    both = lsoa.merge(ward, on=["ward24_code", "indicator"], how="left")
    out = both[both["most_affected_10pct"] & ~both["w10"].fillna(False).astype(bool)].drop(columns="w10")
    out = out.assign(label=out["indicator"].map(LABELS))
    return out.sort_values(["indicator", "percentile"], ascending=[True, False]).reset_index(drop=True)


def summary_sentence(ind: pd.DataFrame, place_name: str) -> str:
    """The page's lead: how many indicators are above, similar to or below the peers."""
    n = len(ind)
    hi = int(ind["verdict"].isin(["higher", "significantly higher"]).sum())
    lo = int(ind["verdict"].isin(["lower", "significantly lower"]).sum())
    top = ind.sort_values("rank_in_group").iloc[0]
    return (
        f"On the {n} IoD2025 police recorded crime indicators, {place_name} is higher than its most similar "
        f"places on {hi}, similar on {n - hi - lo} and lower on {lo}; its highest rank in the group is "
        f"{int(top['rank_in_group'])} of {int(top['group_size'])} ({top['label'].lower()})."
    )


# ----------------------------------------------------------------- `python -m swp_data compare`
def report(con: duckdb.DuckDBPyConnection, code: str | None = None) -> dict:
    """The comparison as one object (the contract of ``compare --json``): ``area``, ``peers`` (code,
    name, distance, match, rank) and ``indicators`` (indicator, area_rate, peer_rate, england_rate,
    rank_in_group, verdict: against the peers' pooled rate)."""
    from swp_data import config
    from swp_data.places import peer_police

    g = peers_mod.nearest(con, code)
    ind = indicators(con, g.place.code)
    out: dict = {
        "area": {"code": g.place.code, "name": g.place.name, "kind": g.place.kind, "districts": list(g.place.lads)},
        "peers": [
            {
                "code": r.code,
                "name": r.name,
                "distance": round(float(r.distance), 4),
                "match": round(float(r.match), 4),
                "rank": int(r.rank),
            }
            for r in g.peers.itertuples()
        ],
        "indicators": [
            {
                "indicator": r.indicator,
                "area_rate": round(float(r.area_rate), 3),
                "peer_rate": round(float(r.peer_rate), 3),
                "england_rate": round(float(r.england_rate), 3),
                "rank_in_group": int(r.rank_in_group),
                "verdict": r.verdict,
            }
            for r in ind.itertuples()
        ],
    }
    if g.place.lads == (config.CITY_LAD,) and peer_police.loaded(con):
        pol = peer_police.comparison(con, g.place.code)
        out["police"] = [
            {
                "priority": r.priority,
                "from_month": f"{r.from_month:%Y-%m}",
                "to_month": f"{r.to_month:%Y-%m}",
                "area_count": int(r.city_count),
                "area_rate": round(float(r.city_rate), 3),
                "peer_rate": None if r.peer_rate != r.peer_rate else round(float(r.peer_rate), 3),
                "peers_with_data": int(r.peers_with_data),
                "rank_in_group": int(r.rank_in_group),
                "verdict": r.verdict,
                "is_demo": bool(r.is_demo),
            }
            for r in pol.itertuples()
        ]
    return out


def report_text(rep: dict) -> str:
    a = rep["area"]
    lines = [f"{a['name']} ({a['code']}): its {len(rep['peers'])} most similar English districts (open method)"]
    for p in rep["peers"]:
        lines.append(f"  {p['rank']:>2}. {p['name']} ({p['code']}): match {p['match']:.3f}")
    lines.append("IoD2025 police recorded crime indicators (per 1,000 at risk; rank 1 = highest of the group):")
    for r in rep["indicators"]:
        lines.append(
            f"  {LABELS[r['indicator']]}: {r['area_rate']:.2f} against peers {r['peer_rate']:.2f}, England "
            f"{r['england_rate']:.2f}; rank {r['rank_in_group']}; {r['verdict']} than the peers"
            if r["verdict"] != "similar"
            else f"  {LABELS[r['indicator']]}: {r['area_rate']:.2f} against peers {r['peer_rate']:.2f}, England "
            f"{r['england_rate']:.2f}; rank {r['rank_in_group']}; similar to the peers"
        )
    for r in rep.get("police", []):
        peer = "no peer data" if r["peer_rate"] is None else f"peers {r['peer_rate']:.2f}"
        lines.append(
            f"  police.uk {r['priority']} {r['from_month']} to {r['to_month']}: {r['area_rate']:.2f} per 1,000 "
            f"against {peer} ({r['peers_with_data']} peers with data); {r['verdict']}"
            + (" [DEMO]" if r["is_demo"] else "")
        )
    return "\n".join(lines)
