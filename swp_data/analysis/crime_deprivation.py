"""Crime against a chosen deprivation domain (issue #22, finding 1): the
loaded police.uk records as a rate per 1,000 residents by LSOA, overlaid on
one IoD domain (Income by default), read out in plain words.

- Fifths: the city's LSOAs put in order of the domain's national rank and cut
  into five groups of (nearly) equal numbers of LSOAs; each fifth's rate is
  its records over its residents (pooled, so small LSOAs do not swing it).
  The headline is the most deprived fifth's rate against the least
  deprived's.
- Spearman's rank correlation between deprivation (national rank reversed:
  higher = more deprived) and the LSOA rate, with its p-value, explained in
  a sentence.
- Overall IMD contains the Crime domain, and the Crime domain is itself
  built from police recorded crime: both are partly circular against crime
  rates, and say so (:data:`CIRCULAR`).

Pure functions of an open DuckDB connection and of frames; no Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats as sps

from swp_data.analysis import crime, reference

DEFAULT_DOMAIN = "income"
FIFTHS = ("Most deprived fifth", "Second", "Middle", "Fourth", "Least deprived fifth")
CIRCULAR = {
    "imd": "The overall IMD includes the Crime domain (police recorded crime), so it is partly circular "
    "against crime rates: a link here is partly crime measured twice. Income (the default) or Employment "
    "avoid that.",
    "crime": "The Crime domain is built from police recorded crime, so comparing it with crime rates is "
    "circular: it measures the same thing twice. Choose Income or another domain to ask whether crime "
    "follows deprivation.",
}


@dataclass
class Relationship:
    domain: str  # domain key, e.g. "income"
    domain_label: str  # "Income"
    lsoas: pd.DataFrame  # code, name, ward_name, population, count, rate_per_1000, rank, fifth (1..5)
    fifths: pd.DataFrame  # fifth, label, lsoas, population, count, rate_per_1000
    ratio: float  # most deprived fifth's rate / least deprived fifth's (nan if that is 0)
    rho: float  # Spearman's rank correlation, deprivation (higher = more) against the rate
    p_value: float
    reading: str  # the answer in one or two plain sentences
    spearman_words: str  # Spearman explained in words
    warning: str | None  # partly circular domains (CIRCULAR)


def _lower_first(text: str) -> str:
    """ "All crime and ASB" -> "all crime and ASB"; an acronym ("ASB ...") stays."""
    return text if text[:2].isupper() else text[:1].lower() + text[1:]


def _strength(rho: float) -> str:
    a = abs(rho)
    return (
        "hardly at all"
        if a < 0.1
        else "weakly"
        if a < 0.3
        else "moderately"
        if a < 0.5
        else "strongly"
        if a < 0.7
        else "very strongly"
    )


def summarise(lsoas: pd.DataFrame, domain: str, domain_label: str, what: str = "Crime") -> Relationship:
    """The relationship from a frame of LSOAs with columns code, population,
    count and rank (the domain's national rank: 1 = most deprived in England).
    ``what``: the crime type in words, for the sentences."""
    d = lsoas.dropna(subset=["rank"]).copy()
    d = d[d["population"] > 0]
    d["rate_per_1000"] = 1000.0 * d["count"] / d["population"]
    order = d["rank"].rank(method="first")  # 1 = the city's most deprived LSOA on this domain
    d["fifth"] = pd.qcut(order, 5, labels=False).astype(int) + 1
    g = d.groupby("fifth").agg(lsoas=("code", "size"), population=("population", "sum"), count=("count", "sum"))
    g["rate_per_1000"] = 1000.0 * g["count"] / g["population"]
    g = g.reset_index()
    g.insert(1, "label", [FIFTHS[i - 1] for i in g["fifth"]])
    top, bottom = float(g["rate_per_1000"].iloc[0]), float(g["rate_per_1000"].iloc[-1])
    ratio = top / bottom if bottom > 0 else float("nan")
    if d["rate_per_1000"].nunique() > 1 and len(d) > 2:
        res = sps.spearmanr(-d["rank"], d["rate_per_1000"])
        rho, p = float(res.statistic), float(res.pvalue)
    else:
        rho, p = float("nan"), float("nan")
    dom = domain_label.lower() if domain != "imd" else "overall"
    if np.isnan(rho) or p >= 0.05 or abs(rho) < 0.1:
        head = f"{what} rates show no clear link with {dom} deprivation across the city's {len(d)} neighbourhoods"
    elif rho > 0:
        head = f"{what} rates rise with {dom} deprivation"
    else:
        head = f"{what} rates fall as {dom} deprivation rises"
    if np.isfinite(ratio):
        times = f"{ratio:.1f} times" if ratio >= 1 else f"{ratio:.2f} times (less than)"
        head += (
            f": the most deprived fifth of neighbourhoods have {times} the rate of the least deprived fifth "
            f"({top:,.1f} against {bottom:,.1f} per 1,000 residents)."
        )
    else:
        head += f": the most deprived fifth have {top:,.1f} per 1,000 residents; the least deprived fifth none."
    if np.isnan(rho):
        words = "Too few records to compare the order of neighbourhoods."
    else:
        words = (
            f"Put the city's {len(d)} neighbourhoods in order of {dom} deprivation and in order of their "
            f"{_lower_first(what)} rate: the two orders agree {_strength(rho)} (Spearman's rank correlation "
            f"{rho:.2f}, where 1 is the same order, 0 no relation and -1 the opposite order"
            + ("; more than chance would give" if p < 0.05 else "; within what chance could give")
            + "). A link is not a cause: deprived areas may also be more densely populated, or more policed."
        )
    return Relationship(
        domain=domain,
        domain_label=domain_label,
        lsoas=d.reset_index(drop=True),
        fifths=g,
        ratio=ratio,
        rho=rho,
        p_value=p,
        reading=head,
        spearman_words=words,
        warning=CIRCULAR.get(domain),
    )


def relationship(
    con: duckdb.DuckDBPyConnection,
    domain: str = DEFAULT_DOMAIN,
    categories: tuple[str, ...] | None = None,
    start=None,
    end=None,
    edition: str = "2025",
    what: str = "Crime",
) -> Relationship:
    """The loaded police.uk records (``categories``, months ``start`` to
    ``end``; default the last 12 months loaded) per 1,000 residents by LSOA,
    against the IoD ``domain`` of ``edition``."""
    labels = reference.DOMAINS[edition]
    if domain not in labels:
        raise ValueError(f"unknown domain {domain!r} for IMD {edition}")
    months = crime.months_loaded(con)
    if end is None:
        end = months[-1] if months else None
    if start is None and end is not None:
        start = pd.Timestamp(end) - pd.DateOffset(months=11)
    counts = crime.area_counts(con, categories, start, end, "lsoa")
    dep = reference.imd_measure(con, edition, domain, "lsoa")[["code", "ward_name", "rank"]]
    lsoas = counts[["code", "name", "population", "count"]].merge(dep, on="code", how="left")
    return summarise(lsoas, domain, labels[domain], what)
