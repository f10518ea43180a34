"""The demo dataset: reproducible, seeded, calibrated on real data, always labelled demo.

``python -m swp_data demo`` (and ``make run`` on a store without crime data)
writes files in the same formats users import, then loads them through the
SAME import path as real data (:func:`swp_data.sources.imports.import_paths`) with
``is_demo=True``, in one call (one transaction), so provenance marks every
dataset as demo:

* police.uk street CSVs, one per month, Jan 2021 to Sep 2026
  (``YYYY-MM/YYYY-MM-west-midlands-street.csv``, the published 12 columns);
* partner CSVs (``period,geography,measure,breakdown,count``): monthly domestic
  abuse (adults, youth) and hate crime by strand, by May 2023 ward, Apr 2014 to
  Sep 2026;
* engagement CSVs: community meetings by ward and quarter and the safety of
  women and girls survey (the 2020 strategy consultation's published shares
  are real figures the build loads; the demo leaves them alone).

Same seed, same bytes: every random draw comes from ``numpy`` generators seeded
with ``[seed, stream]`` and nothing in the files depends on the clock.

Calibration (computed at run time from the bundle and the store, never typed in)
---------------------------------------------------------------------------------
* **Monthly level and category mix**: the real police.uk API records for June
  2018 (``police_uk/api/2018-06/*.json``), de-duplicated on ``id`` (2,463
  unique crimes; the ward polygons overlap), counted by category (API slug ->
  :func:`taxonomy.canonical`). June 2018 is the anchor: each category's
  de-seasonalised level in Jan 2021 is its June 2018 count divided by its June
  seasonal factor, and the configured annual trends run from Jan 2021. So the
  demo's expected June 2021 differs from the real June 2018 only by five
  months of trend.
* **Where**: each category's LSOA shares come from the IoD2025 police recorded
  crime indicators, rate per 1,000 at-risk population x Census 2021 usual
  residents (see :data:`CATEGORY_INDICATORS`): violence = with injury + without
  injury + stalking and harassment; the burglary rate is per 1,000 at-risk
  *properties* and is multiplied by residents all the same (households scale
  with residents closely enough for shares); theft drives Other theft, Theft
  from the person, Bicycle theft, Shoplifting and Vehicle crime; criminal
  damage; public order and weapons drives Public order and Possession of
  weapons; anti-social behaviour. Drugs, Robbery and Other crime have no
  indicator: they follow the IoD2025 crime domain score shifted to be positive
  (``score - city minimum + crime_score_floor``) x residents.
* **Points**: each LSOA gets 6-12 fixed "snap points" drawn uniformly inside
  its full (analysis) shape, kept a few metres inside its edge so that point in
  polygon always gives the same LSOA, like police.uk's anonymised map points;
  each carries a synthetic "On or near ..." street name (generated, no house
  numbers, never an address) or a police.uk-style place type ("On or near
  Supermarket"). Points have uneven (Dirichlet) weights, as real ones do.
* **Outcomes**: "Last outcome category" drawn per category in the proportions
  of the real June 2018 records (``outcome_status.category``; none -> empty;
  anti-social behaviour has none); :func:`write_all` adds each crime's
  outcome history as monthly outcomes files (:mod:`swp_data.demo.outcomes`). Crime IDs are 64 hex characters (seeded),
  empty for anti-social behaviour, as police.uk publishes them.
* **Partner series**: Apr 2014 to Mar 2019 add up exactly to the annual totals
  in the partnership's published figures (``published_figure``:
  ``domestic_violence_reports`` adults and youth -> measure
  ``domestic_abuse_incidents``; ``hate_crime_reports`` -> ``hate_crime`` split
  by strand) by a multinomial over month x ward (x strand) cells, so integers
  sum exactly. Month weights follow the series' own growth within the year
  and a mild summer peak; ward weights are population x IoD2025 IMD score of
  their LSOAs (more people and more deprivation, more reports). Hate crime
  strands use the Home Office national proportions (race 70%, sexual
  orientation 17%, religion 8%, disability 8%, transgender 3%: these overlap,
  one crime can have several strands, so they are normalised to 100% here and
  the strands add up to all hate crime). From Apr 2019 the series continue
  the published growth, damped each year (demo only), with Poisson counts.
* **Survey**: 2,216 respondents and 48% not feeling safe at night are read from
  ``published_figure``; "No" = round(48% x 2,216) = 1,064 exactly.

Tolerance of the calibration (tested in tests/unit/test_demo.py)
----------------------------------------------------------------
Single months are noisy (Poisson: a category of 58 a month varies by +-13%),
so the mix is checked on the whole period: each category's June 2018-equivalent
level is estimated from all 69 demo months as ``sum(count) / sum(trend x season)
x season(June)`` (the Poisson maximum likelihood estimate given the configured
multipliers). The estimated total is within 2% of the real 2,463 and each
category's share of the total within 5% (relative) of its real share for
categories with more than 50 records in June 2018, within 15% for the smaller
ones. As a plain check, the demo's June 2021 total is within 5% of the real
June 2018 total.
"""

from __future__ import annotations

import csv
import json
import math
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import shapely

from swp_data import config, store, taxonomy
from swp_data.errors import InputError
from swp_data.sources.policeuk.schema import POLICE_COLUMNS


def _ro(d: dict) -> Mapping:
    return MappingProxyType(dict(d))


# ------------------------------------------------------------------ configuration
@dataclass(frozen=True)
class DemoConfig:
    """Everything the demo generator can be told. Defaults are :data:`DEMO_CONFIG`."""

    #: default random seed (same seed, same files)
    seed: int = 2026
    #: police.uk months written (inclusive)
    start: str = "2021-01"
    end: str = "2026-09"
    #: anchor month: real police.uk API records, relative to the bundle (SWP_DATA_DIR)
    anchor_dir: str = "police_uk/api/2018-06"
    anchor_month: int = 6
    force: str = "West Midlands Police"
    force_slug: str = "west-midlands"
    #: annual % change per category, piecewise: ((from month, % a year), ...), from
    #: ``start``; a category not listed stays level. Factor 1 at ``start``.
    trends: Mapping[str, tuple[tuple[str, float], ...]] = field(
        default_factory=lambda: _ro(
            {
                "Anti-social behaviour": (("2021-01", -8.0),),  # falling
                "Violence and sexual offences": (("2021-01", 3.0),),  # slowly rising
                "Shoplifting": (("2021-01", 2.0), ("2023-01", 20.0)),  # rising strongly after 2022
                "Vehicle crime": (("2021-01", -6.0),),  # falling
                "Burglary": (("2021-01", -4.0),),
                "Robbery": (("2021-01", 2.0),),
                "Theft from the person": (("2021-01", 5.0),),
                "Possession of weapons": (("2021-01", 4.0),),
                "Public order": (("2021-01", 1.0),),
                "Criminal damage and arson": (("2021-01", -2.0),),
                "Bicycle theft": (("2021-01", -3.0),),
                "Other theft": (("2021-01", -1.0),),
            }
        )
    )
    #: seasonality: category -> (amplitude, peak month); factor
    #: ``1 + amplitude * cos(2 pi (month - peak) / 12)``, mean 1 over a year.
    seasonality: Mapping[str, tuple[float, int]] = field(
        default_factory=lambda: _ro(
            {
                "Violence and sexual offences": (0.10, 7),  # summer peak
                "Anti-social behaviour": (0.20, 7),  # summer peak
                "Public order": (0.06, 7),
                "Bicycle theft": (0.25, 7),
                "Burglary": (0.08, 12),  # dark evenings
            }
        )
    )
    #: snap points per LSOA (inclusive range) and the share of them that are
    #: police.uk place types ("On or near Supermarket") rather than streets
    snap_points: tuple[int, int] = (6, 12)
    place_share: float = 0.12
    #: inward buffer (degrees, ~7 m) keeping snap points clear of LSOA edges
    edge_margin_deg: float = 0.0001
    #: added to (crime domain score - city minimum) for categories without indicator
    crime_score_floor: float = 0.25
    # --- partner series
    #: last month written; the first is the start of the first published year
    partner_end: str = "2026-09"
    #: yearly damping of the published growth rate after the last published year
    partner_growth_damping: float = 0.7
    #: measure -> (amplitude, peak month)
    partner_seasonality: Mapping[str, tuple[float, int]] = field(
        default_factory=lambda: _ro(
            {
                "domestic_abuse_incidents": (0.08, 7),
                "hate_crime": (0.10, 7),
            }
        )
    )
    #: Home Office national strand proportions (%), normalised to 100% here
    hate_strands: Mapping[str, float] = field(
        default_factory=lambda: _ro(
            {
                "race": 70.0,
                "sexual orientation": 17.0,
                "religion": 8.0,
                "disability": 8.0,
                "transgender": 3.0,
            }
        )
    )
    # --- engagement
    #: meeting kind -> (meetings per ward per quarter, mean attendees)
    meeting_kinds: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: _ro(
            {
                "PACT meeting": (1.0, 18.0),
                "Community walkabout": (1.2, 9.0),
                "Ward surgery": (1.5, 6.0),
            }
        )
    )
    survey_name: str = "Safety of women and girls survey 2023"
    survey_period: str = "2023"
    survey_question: str = "Do you feel safe when out and about at night?"
    #: share answering "Don't know" (the rest of those not answering "No" say "Yes")
    survey_dont_know_share: float = 0.07


DEMO_CONFIG = DemoConfig()

# IoD2025 indicators (store column names) behind each category's LSOA shares;
# None: the crime domain score (see the module docstring).
_VIOLENCE = (
    "violence_with_injury_rate_per_1_000_at_risk_population",
    "violence_without_injury_rate_per_1_000_at_risk_population",
    "stalking_and_harassment_rate_per_1_000_at_risk_population",
)
_THEFT = ("theft_rate_per_1_000_at_risk_population",)
_POW = ("public_order_and_possession_of_weapons_rate_per_1_000_at_risk_population",)
CATEGORY_INDICATORS: Mapping[str, tuple[str, ...] | None] = _ro(
    {
        "Violence and sexual offences": _VIOLENCE,
        "Burglary": ("burglary_rate_per_1_000_at_risk_properties",),
        "Other theft": _THEFT,
        "Theft from the person": _THEFT,
        "Bicycle theft": _THEFT,
        "Shoplifting": _THEFT,
        "Vehicle crime": _THEFT,
        "Criminal damage and arson": ("criminal_damage_rate_per_1_000_at_risk_population",),
        "Public order": _POW,
        "Possession of weapons": _POW,
        "Anti-social behaviour": ("anti_social_behaviour_rate_per_1_000_at_risk_population",),
        "Drugs": None,
        "Robbery": None,
        "Other crime": None,
    }
)

ASB = "Anti-social behaviour"

# Synthetic street names: generated from these parts (no house numbers).
_NAME_A = (
    "Alder",
    "Ash",
    "Aspen",
    "Bracken",
    "Bramble",
    "Briar",
    "Cinder",
    "Clover",
    "Dove",
    "Elder",
    "Fern",
    "Finch",
    "Gorse",
    "Hazel",
    "Heather",
    "Heron",
    "Hornbeam",
    "Ivy",
    "Juniper",
    "Kestrel",
    "Larch",
    "Lark",
    "Linnet",
    "Mallow",
    "Maple",
    "Nettle",
    "Osier",
    "Plover",
    "Poplar",
    "Primrose",
    "Rowan",
    "Sedge",
    "Sloe",
    "Sorrel",
    "Tansy",
    "Teasel",
    "Thistle",
    "Vetch",
    "Willow",
    "Wren",
    "Yarrow",
    "Yew",
)
_NAME_B = ("", "", "", "field", "mere", "croft", "brook", "wood", "ley", "dale", "hurst", "gate", "bank")
_NAME_C = (
    "Road",
    "Street",
    "Close",
    "Avenue",
    "Lane",
    "Drive",
    "Grove",
    "Way",
    "Crescent",
    "Walk",
    "Court",
    "Gardens",
    "Place",
    "Rise",
)
# police.uk anonymised place types.
_PLACES = (
    "Parking Area",
    "Supermarket",
    "Petrol Station",
    "Shopping Area",
    "Sports/Recreation Area",
    "Nightclub",
    "Hospital",
    "Further/Higher Educational Building",
    "Theatre/Concert Hall",
    "Bus/Coach Station",
    "Pedestrian Subway",
    "Conference/Exhibition Centre",
)

# Independent random streams (same seed, same files whatever else changes).
_STREAM = {"police": 1, "partner": 2, "meetings": 3, "survey": 4}


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), _STREAM[stream]])


# ------------------------------------------------------------------ anchor month
@dataclass(frozen=True)
class Anchor:
    """The real anchor month: unique records by category and outcome."""

    month: str
    records: int  # records in the files (with repeats)
    counts: Mapping[str, int]  # canonical category -> unique records
    outcomes: Mapping[str, Mapping[str, int]]  # category -> outcome ("" = none) -> records

    @property
    def total(self) -> int:
        return int(sum(self.counts.values()))


def anchor(cfg: DemoConfig = DEMO_CONFIG) -> Anchor:
    """Read the real anchor month (police.uk API JSON), de-duplicated on ``id``."""
    folder = config.data_dir() / cfg.anchor_dir
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputError(folder, "no police.uk API JSON files here: the demo is calibrated on them")
    seen: dict[Any, dict] = {}
    n = 0
    for f in files:
        try:
            recs = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f, f"unreadable JSON ({e})") from None
        for i, r in enumerate(recs):
            n += 1
            try:
                seen.setdefault(r["id"], r)
            except (KeyError, TypeError):
                raise InputError(f, "record without an 'id'", row=i + 1) from None
    counts: dict[str, int] = {}
    outcomes: dict[str, dict[str, int]] = {}
    months = set()
    for r in seen.values():
        cat = taxonomy.canonical(r.get("category"))
        if cat is None:
            raise InputError(folder, f"unknown police.uk category {r.get('category')!r}")
        months.add(r.get("month"))
        counts[cat] = counts.get(cat, 0) + 1
        out = (r.get("outcome_status") or {}).get("category") or ""
        outcomes.setdefault(cat, {})
        outcomes[cat][out] = outcomes[cat].get(out, 0) + 1
    order = [c for c in taxonomy.CATEGORIES if c in counts] + sorted(set(counts) - set(taxonomy.CATEGORIES))
    return Anchor(
        month=",".join(sorted(m for m in months if m)),
        records=n,
        counts=_ro({c: counts[c] for c in order}),
        outcomes=_ro({c: _ro(dict(sorted(outcomes[c].items()))) for c in order}),
    )


# ------------------------------------------------------------------ level, trend, season
def months(cfg: DemoConfig = DEMO_CONFIG) -> pd.PeriodIndex:
    return pd.period_range(cfg.start, cfg.end, freq="M")


def seasonal_factor(
    category: str, month_numbers, cfg: DemoConfig = DEMO_CONFIG, table: Mapping[str, tuple[float, int]] | None = None
) -> np.ndarray:
    """``1 + amplitude cos(2 pi (month - peak) / 12)`` (1 for a category without seasonality)."""
    amp, peak = (table if table is not None else cfg.seasonality).get(category, (0.0, 1))
    m = np.asarray(month_numbers, dtype=float)
    return 1.0 + amp * np.cos(2 * np.pi * (m - peak) / 12.0)


def trend_factor(category: str, periods: pd.PeriodIndex, cfg: DemoConfig = DEMO_CONFIG) -> np.ndarray:
    """Cumulative trend multiplier per month: 1 at ``cfg.start``, compounding monthly."""
    segs = sorted(cfg.trends.get(category, ()), key=lambda s: s[0])
    start = pd.Period(cfg.start, "M")
    out = np.empty(len(periods))
    f = 1.0
    prev = start
    for i, p in enumerate(periods):
        # advance month by month from the previous period to p
        while prev < p:
            prev = prev + 1
            rate = 0.0
            for frm, pct in segs:
                if pd.Period(frm, "M") <= prev:
                    rate = pct
            f *= (1.0 + rate / 100.0) ** (1.0 / 12.0)
        out[i] = f
    return out


def expected_city(cfg: DemoConfig = DEMO_CONFIG, anc: Anchor | None = None) -> pd.DataFrame:
    """Expected city-wide records per month (rows) and category (columns)."""
    anc = anc or anchor(cfg)
    per = months(cfg)
    cols = {}
    for cat, n in anc.counts.items():
        base = n / float(seasonal_factor(cat, [cfg.anchor_month], cfg)[0])
        cols[cat] = base * trend_factor(cat, per, cfg) * seasonal_factor(cat, per.month, cfg)
    return pd.DataFrame(cols, index=per)


# ------------------------------------------------------------------ reference data
@dataclass
class Reference:
    lsoa: pd.DataFrame  # lsoa21_code, lsoa21_name, ward_code, population, imd_score, crime_score, indicators
    geoms: np.ndarray  # shapely polygons, aligned with lsoa
    wards: pd.DataFrame  # ward_code, ward_name, population
    published: pd.DataFrame  # published_figure


def load_reference(path: Path | None = None) -> Reference:
    """The reference tables the demo needs, from the store (``python -m swp_data build``)."""
    with store.reading(path) as con:
        for t in ("lsoa21", "ward", "imd2025", "imd2025_indicators", "published_figure"):
            if not store.table_exists(con, t):
                raise FileNotFoundError(
                    f"{path or config.store_path()}: table {t} missing; run `python -m swp_data build`"
                )
        ind_cols = sorted({c for v in CATEGORY_INDICATORS.values() if v for c in v})
        lsoa = con.execute(
            "SELECT l.lsoa21_code, l.lsoa21_name, l.ward_code, l.population, l.geom, "
            "i.imd_score, i.crime_score, " + ", ".join(f"x.{c}" for c in ind_cols) + " "
            "FROM lsoa21 l LEFT JOIN imd2025 i USING (lsoa21_code) "
            "LEFT JOIN imd2025_indicators x USING (lsoa21_code) ORDER BY l.lsoa21_code"
        ).df()
        wards = con.execute("SELECT ward_code, ward_name, population FROM ward ORDER BY ward_code").df()
        pub = con.execute("SELECT * FROM published_figure").df()
    geoms = shapely.from_wkb(lsoa["geom"].map(bytes).to_numpy())
    lsoa = lsoa.drop(columns="geom")
    for c in ["imd_score", "crime_score", *ind_cols]:
        if lsoa[c].isna().all():
            raise InputError(config.store_path(), f"no values of {c} for the city's LSOAs")
        lsoa[c] = lsoa[c].fillna(lsoa[c].median())
    return Reference(lsoa=lsoa, geoms=geoms, wards=wards, published=pub)


def lsoa_weights(ref: Reference, cfg: DemoConfig = DEMO_CONFIG, categories=taxonomy.CATEGORIES) -> pd.DataFrame:
    """Expected (unnormalised) weight of each LSOA (rows) per category (columns)."""
    lsoa = ref.lsoa
    pop = lsoa["population"].astype(float).to_numpy()
    score = lsoa["crime_score"].to_numpy()
    crime_domain = (score - score.min() + cfg.crime_score_floor) * pop
    out = {}
    for cat in categories:
        cols = CATEGORY_INDICATORS.get(cat)
        if cols is None:
            out[cat] = crime_domain
        else:
            out[cat] = lsoa[list(cols)].sum(axis=1).to_numpy() * pop / 1000.0
    return pd.DataFrame(out, index=pd.Index(lsoa["lsoa21_code"], name="lsoa21_code"))


def _published(ref: Reference, indicator: str, breakdown: str | None = None) -> pd.Series:
    p = ref.published
    m = p["indicator"] == indicator
    if breakdown is not None:
        m &= p["breakdown"] == breakdown
    m &= p["geography"] == config.CITY_NAME
    s = p[m].set_index("period")["value"].sort_index()
    if s.empty:
        raise InputError(config.store_path(), f"published figure {indicator} ({breakdown}) not found")
    return s


# ------------------------------------------------------------------ snap points
def _street_names(rng: np.random.Generator, n: int) -> list[str]:
    a = rng.integers(0, len(_NAME_A), n)
    b = rng.integers(0, len(_NAME_B), n)
    c = rng.integers(0, len(_NAME_C), n)
    return [f"{_NAME_A[i]}{_NAME_B[j]} {_NAME_C[k]}" for i, j, k in zip(a, b, c, strict=True)]


def snap_points(ref: Reference, rng: np.random.Generator, cfg: DemoConfig = DEMO_CONFIG) -> pd.DataFrame:
    """Fixed anonymised points per LSOA: lsoa index, lon, lat (6 decimals), location, weight."""
    geoms = ref.geoms
    tree = shapely.STRtree(geoms)
    lo, hi = cfg.snap_points
    rows = []
    for li, g in enumerate(geoms):
        k = int(rng.integers(lo, hi + 1))
        inner = g.buffer(-cfg.edge_margin_deg)
        if inner.is_empty or inner.area < 0.05 * g.area:
            inner = g
        x0, y0, x1, y1 = inner.bounds
        xs: list[float] = []
        ys: list[float] = []
        for _ in range(200):
            cx = np.round(rng.uniform(x0, x1, 64), 6)
            cy = np.round(rng.uniform(y0, y1, 64), 6)
            ok = shapely.contains_xy(inner, cx, cy)
            if ok.any():
                pts = shapely.points(cx[ok], cy[ok])
                # keep only points that fall in this LSOA and no other
                hits = tree.query(pts, predicate="within")
                n_hit = np.bincount(hits[0], minlength=len(pts))
                own = np.zeros(len(pts), bool)
                own[hits[0][hits[1] == li]] = True
                good = own & (n_hit == 1)
                xs.extend(cx[ok][good].tolist())
                ys.extend(cy[ok][good].tolist())
            if len(xs) >= k:
                break
        if len(xs) < k:  # pragma: no cover - degenerate shape
            raise InputError(config.store_path(), f"cannot place points inside LSOA {ref.lsoa['lsoa21_code'].iloc[li]}")
        w = rng.dirichlet(np.ones(k))
        for j in range(k):
            rows.append((li, xs[j], ys[j], w[j]))
    df = pd.DataFrame(rows, columns=["lsoa", "lon", "lat", "weight"])
    names = _street_names(rng, len(df))
    is_place = rng.random(len(df)) < cfg.place_share
    places = rng.integers(0, len(_PLACES), len(df))
    df["location"] = [
        "On or near " + (_PLACES[p] if isp else s) for s, isp, p in zip(names, is_place, places, strict=True)
    ]
    df["lon_s"] = [f"{v:.6f}" for v in df["lon"]]
    df["lat_s"] = [f"{v:.6f}" for v in df["lat"]]
    # cumulative weights within each LSOA, offset by the LSOA index: one sorted
    # key array lets searchsorted pick a point for many records at once.
    cum = df.groupby("lsoa")["weight"].cumsum() / df.groupby("lsoa")["weight"].transform("sum")
    last = df["lsoa"].ne(df["lsoa"].shift(-1))
    cum = cum.where(~last, 1.0)
    df["key"] = df["lsoa"] + cum
    return df


# ------------------------------------------------------------------ police.uk
def _outcome_table(anc: Anchor, cat: str) -> tuple[list[str], np.ndarray]:
    if cat == ASB:
        return [""], np.array([1.0])
    o = anc.outcomes.get(cat) or {"": 1}
    names = list(o)
    p = np.array([o[k] for k in names], float)
    return names, p / p.sum()


def write_police_uk(
    folder: str | Path, seed: int = DEMO_CONFIG.seed, *, cfg: DemoConfig = DEMO_CONFIG, ref: Reference | None = None
) -> list[Path]:
    """One police.uk street CSV per month in ``folder/YYYY-MM/``; returns the paths."""
    folder = Path(folder)
    ref = ref or load_reference()
    anc = anchor(cfg)
    lam_city = expected_city(cfg, anc)  # (T, C)
    cats = list(lam_city.columns)
    w = lsoa_weights(ref, cfg, cats)
    shares = (w / w.sum(axis=0)).to_numpy().T  # (C, L)
    rng = _rng(seed, "police")
    snaps = snap_points(ref, rng, cfg)
    keys = snaps["key"].to_numpy()
    codes = ref.lsoa["lsoa21_code"].to_numpy()
    names = ref.lsoa["lsoa21_name"].to_numpy()
    loc = snaps["location"].to_numpy()
    lon_s = snaps["lon_s"].to_numpy()
    lat_s = snaps["lat_s"].to_numpy()
    outcome_tables = [_outcome_table(anc, c) for c in cats]
    is_asb = np.array([c == ASB for c in cats])

    lam = lam_city.to_numpy()[:, :, None] * shares[None, :, :]  # (T, C, L)
    counts = rng.poisson(lam)
    paths = []
    for t, per in enumerate(lam_city.index):
        month = str(per)
        # records ordered by LSOA, then category (as the cells are laid out)
        l_idx, c_idx = np.nonzero(counts[t].T)
        n = counts[t].T[l_idx, c_idx]
        rec_l = np.repeat(l_idx, n)
        rec_c = np.repeat(c_idx, n)
        m = len(rec_l)
        pt = np.searchsorted(keys, rec_l + rng.random(m), side="right")
        outcome = np.empty(m, dtype=object)
        for ci, (onames, op) in enumerate(outcome_tables):
            sel = rec_c == ci
            k = int(sel.sum())
            if k:
                outcome[sel] = np.asarray(onames, dtype=object)[rng.choice(len(onames), size=k, p=op)]
        hexes = rng.bytes(32 * m).hex()
        asb = is_asb[rec_c]
        out = folder / month / f"{month}-{cfg.force_slug}-street.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", newline="", encoding="utf-8") as fh:
            wr = csv.writer(fh, lineterminator="\n")
            wr.writerow(POLICE_COLUMNS)
            wr.writerows(
                (
                    "" if asb[i] else hexes[64 * i : 64 * i + 64],
                    month,
                    cfg.force,
                    cfg.force,
                    lon_s[pt[i]],
                    lat_s[pt[i]],
                    loc[pt[i]],
                    codes[rec_l[i]],
                    names[rec_l[i]],
                    cats[rec_c[i]],
                    outcome[i],
                    "",
                )
                for i in range(m)
            )
        paths.append(out)
    return paths


# ------------------------------------------------------------------ partner series
def _fy_start(label: str) -> int:
    return int(str(label)[:4])


def ward_weights(ref: Reference) -> pd.Series:
    """Ward share of partner reports: sum over its LSOAs of population x IMD 2025 score."""
    lsoa = ref.lsoa
    w = (lsoa["population"].astype(float) * lsoa["imd_score"]).groupby(lsoa["ward_code"]).sum()
    w = w.reindex(ref.wards["ward_code"]).fillna(0.0)
    return w / w.sum()


def _series_specs(ref: Reference, cfg: DemoConfig) -> list[dict]:
    """Published annual totals behind each demo partner series."""
    strands = {k: v for k, v in cfg.hate_strands.items()}
    tot = sum(strands.values())
    return [
        {
            "measure": "domestic_abuse_incidents",
            "breakdowns": {"adults": 1.0},
            "totals": _published(ref, "domestic_violence_reports", "adults"),
        },
        {
            "measure": "domestic_abuse_incidents",
            "breakdowns": {"youth": 1.0},
            "totals": _published(ref, "domestic_violence_reports", "youth"),
        },
        {
            "measure": "hate_crime",
            "breakdowns": {k: v / tot for k, v in strands.items()},
            "totals": _published(ref, "hate_crime_reports", "all"),
        },
    ]


def write_partner(
    folder: str | Path, seed: int = DEMO_CONFIG.seed, *, cfg: DemoConfig = DEMO_CONFIG, ref: Reference | None = None
) -> list[Path]:
    """Monthly domestic abuse and hate crime by ward; returns the paths (one CSV per measure)."""
    folder = Path(folder)
    ref = ref or load_reference()
    rng = _rng(seed, "partner")
    wards = ref.wards["ward_code"].to_numpy()
    wp = ward_weights(ref).to_numpy()
    end = pd.Period(cfg.partner_end, "M")
    by_measure: dict[str, list[pd.DataFrame]] = {}
    for spec in _series_specs(ref, cfg):
        measure = spec["measure"]
        totals: pd.Series = spec["totals"]
        years = [_fy_start(p) for p in totals.index]
        if years != list(range(years[0], years[-1] + 1)):
            raise InputError(
                config.store_path(), f"published {measure} years are not consecutive: {list(totals.index)}"
            )
        bnames = list(spec["breakdowns"])
        bp = np.array([spec["breakdowns"][b] for b in bnames])
        vals = totals.to_numpy(float)
        g = (vals[-1] / vals[0]) ** (1.0 / max(len(vals) - 1, 1)) - 1.0  # published yearly growth
        amp, peak = cfg.partner_seasonality.get(measure, (0.0, 1))
        frames = []

        def cells(per: pd.PeriodIndex, counts: np.ndarray, measure=measure, bnames=bnames) -> pd.DataFrame:
            # counts: (months, wards, breakdowns)
            T, W, B = counts.shape
            return pd.DataFrame(
                {
                    "period": np.repeat([str(p) for p in per], W * B),
                    "geography": np.tile(np.repeat(wards, B), T),
                    "measure": measure,
                    "breakdown": np.tile(bnames, T * W),
                    "count": counts.reshape(-1).astype("int64"),
                }
            )

        # Published years: exact totals by a multinomial over month x ward x breakdown.
        for fy, total in zip(years, vals, strict=True):
            per = pd.period_range(f"{fy}-04", f"{fy + 1}-03", freq="M")
            mw = (1 + g) ** ((np.arange(12) - 5.5) / 12) * (
                1 + amp * np.cos(2 * np.pi * (np.asarray(per.month) - peak) / 12)
            )
            p = (mw / mw.sum())[:, None, None] * wp[None, :, None] * bp[None, None, :]
            c = rng.multinomial(int(round(total)), p.reshape(-1) / p.sum()).reshape(p.shape)
            frames.append(cells(per, c))
        # Later years: the published growth continued, damped each year (demo only).
        level = vals[-1]
        fy = years[-1] + 1
        while pd.Period(f"{fy}-04", "M") <= end:
            k = fy - years[-1]
            level *= 1 + g * cfg.partner_growth_damping**k
            per = pd.period_range(f"{fy}-04", min(pd.Period(f"{fy + 1}-03", "M"), end), freq="M")
            i = np.arange(len(per))
            mw = (1 + g * cfg.partner_growth_damping**k) ** ((i - 5.5) / 12) * (
                1 + amp * np.cos(2 * np.pi * (np.asarray(per.month) - peak) / 12)
            )
            lam = (level / 12.0) * mw[:, None, None] * wp[None, :, None] * bp[None, None, :]
            frames.append(cells(per, rng.poisson(lam)))
            fy += 1
        by_measure.setdefault(measure, []).extend(frames)

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for measure, frames in by_measure.items():
        df = pd.concat(frames, ignore_index=True)
        df = df.sort_values(["period", "geography", "breakdown"], kind="stable")
        out = folder / f"{measure.replace('_', '-')}.csv"
        df.to_csv(out, index=False, lineterminator="\n")
        paths.append(out)
    return paths


# ------------------------------------------------------------------ engagement
def _meetings(ref: Reference, cfg: DemoConfig, seed: int) -> pd.DataFrame:
    rng = _rng(seed, "meetings")
    wards = ref.wards["ward_code"].to_numpy()
    activity = rng.gamma(4.0, 0.25, len(wards))  # some wards hold more meetings than others
    q0 = pd.Period(cfg.start, "Q")
    q1 = pd.Period(cfg.end, "Q")
    rows: list[tuple[str, str, str, int]] = []
    for q in pd.period_range(q0, q1, freq="Q"):
        days = pd.bdate_range(q.start_time.normalize(), q.end_time.normalize())
        days = days[~((days.month == 1) & (days.day == 1)) & ~((days.month == 12) & days.day.isin([25, 26]))]
        for wi, wc in enumerate(wards):
            for kind, (rate, att) in cfg.meeting_kinds.items():
                n = int(rng.poisson(rate * activity[wi]))
                if not n:
                    continue
                d = np.sort(rng.choice(len(days), size=min(n, len(days)), replace=False))
                a = np.maximum(1, rng.poisson(att, n))
                rows.extend(
                    (days[j].strftime("%Y-%m-%d"), wc, kind, int(x)) for j, x in zip(d, a, strict=False)
                )  # d has at most len(days)
    df = pd.DataFrame(rows, columns=["date", "ward", "kind", "attendees"])
    return df.sort_values(["date", "ward", "kind"], kind="stable").reset_index(drop=True)


def survey_targets(ref: Reference, cfg: DemoConfig = DEMO_CONFIG) -> dict[str, int]:
    """Answer totals of the survey: respondents and "No" from the published figures."""
    total = int(round(float(_published(ref, "safety_of_women_and_girls_survey_respondents").iloc[-1])))
    pct_no = float(_published(ref, "safety_of_women_and_girls_not_safe_at_night").iloc[-1])
    no = int(math.floor(pct_no / 100.0 * total + 0.5))
    dk = int(math.floor(cfg.survey_dont_know_share * total + 0.5))
    return {"Yes": total - no - dk, "No": no, "Don't know": dk}


def _survey(ref: Reference, cfg: DemoConfig, seed: int) -> pd.DataFrame:
    rng = _rng(seed, "survey")
    targets = survey_targets(ref, cfg)
    total = sum(targets.values())
    wards = ref.wards["ward_code"].to_numpy()
    pop = ref.wards["population"].to_numpy(float)
    propensity = rng.gamma(6.0, 1 / 6.0, len(wards))
    n_w = rng.multinomial(total, pop * propensity / (pop * propensity).sum())
    who = np.repeat(np.arange(len(wards)), n_w)  # respondent -> ward
    # Deprivation of the ward raises the chance of not feeling safe; the exact
    # published number of "No" goes to the respondents with the highest scores.
    dep = (ref.lsoa["population"] * ref.lsoa["imd_score"]).groupby(ref.lsoa["ward_code"]).sum() / ref.lsoa.groupby(
        "ward_code"
    )["population"].sum()
    z = dep.reindex(wards).to_numpy()
    z = (z - z.mean()) / z.std()
    score = 0.5 * z[who] + rng.gumbel(size=total)
    order = np.argsort(-score, kind="stable")
    answer = np.empty(total, dtype=object)
    answer[order[: targets["No"]]] = "No"
    rest = order[targets["No"] :]
    rest = rest[rng.permutation(len(rest))]
    answer[rest[: targets["Don't know"]]] = "Don't know"
    answer[rest[targets["Don't know"] :]] = "Yes"
    rows = []
    for wi, wc in enumerate(wards):
        for a in ("Yes", "No", "Don't know"):
            rows.append(
                (
                    cfg.survey_name,
                    cfg.survey_period,
                    wc,
                    cfg.survey_question,
                    a,
                    int(((who == wi) & (answer == a)).sum()),
                )
            )
    return pd.DataFrame(rows, columns=["survey", "period", "ward", "question", "answer", "responses"])


def write_engagement(
    folder: str | Path, seed: int = DEMO_CONFIG.seed, *, cfg: DemoConfig = DEMO_CONFIG, ref: Reference | None = None
) -> list[Path]:
    """Community meetings and the safety of women and girls survey; returns the paths.

    The 2020 strategy consultation's published shares are real figures: the
    build loads them (``published:consultation_2020``), so the demo adds none."""
    folder = Path(folder)
    ref = ref or load_reference()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, df in (
        ("community-meetings.csv", _meetings(ref, cfg, seed)),
        ("safety-of-women-and-girls-survey.csv", _survey(ref, cfg, seed)),
    ):
        if df.empty:
            continue
        p = folder / name
        df.to_csv(p, index=False, lineterminator="\n")
        out.append(p)
    return out


# ------------------------------------------------------------------ write + import
def write_all(
    workdir: str | Path,
    seed: int = DEMO_CONFIG.seed,
    *,
    cfg: DemoConfig = DEMO_CONFIG,
    progress: Callable[[float, str], None] | None = None,
) -> list[Path]:
    """Write every demo file under ``workdir``; returns the paths."""
    say = progress or (lambda f, m: None)
    workdir = Path(workdir)
    say(0.0, "Writing the demo files: police.uk records")
    ref = load_reference()
    paths = write_police_uk(workdir / "police_uk", seed, cfg=cfg, ref=ref)
    from swp_data.demo.outcomes import write_outcomes  # their histories, with delays (issue 19)

    paths += write_outcomes(paths, workdir / "police_uk_outcomes", seed, cfg.end)
    say(0.8, "Writing the demo files: partner series and engagement")
    paths += write_partner(workdir / "partner", seed, cfg=cfg, ref=ref)
    paths += write_engagement(workdir / "engagement", seed, cfg=cfg, ref=ref)
    say(1.0, "Demo files written")
    return paths


#: share of the progress bar taken by writing the files (the import takes the rest)
_WRITE_SHARE = 0.2


def generate_and_import(
    seed: int | None = None,
    workdir: str | Path | None = None,
    progress: Callable[[float, str], None] | None = None,
    *,
    cfg: DemoConfig = DEMO_CONFIG,
    targets: bool = True,
):
    """Write the demo files (to ``workdir``, kept, or a temporary folder,
    removed) and import them, labelled demo, in ONE call of
    :func:`swp_data.sources.imports.import_paths` (one transaction: a failure leaves
    the store as it was). Returns its :class:`~swp_data.sources.imports.ImportReport`.

    ``progress(fraction, message)`` is called as the work advances (fraction
    0 to 1, never going back). Importing the demo again replaces the earlier
    demo rows (imports are idempotent). The demo Impact Areas (the six
    approximate 2011-12 priority areas) are added in the same transaction
    when the store has none, and so are the demo targets (``targets``,
    :mod:`swp_data.demo.targets`) when it has no target."""
    from swp_data.sources.imports import import_paths

    seed = cfg.seed if seed is None else int(seed)
    write_say = (lambda f, m: progress(_WRITE_SHARE * f, m)) if progress else None
    import_say = (lambda f, m: progress(_WRITE_SHARE + (1 - _WRITE_SHARE) * f, m)) if progress else None
    with tempfile.TemporaryDirectory(prefix="swp-demo-") as tmp:
        wd = Path(workdir) if workdir is not None else Path(tmp)
        wd.mkdir(parents=True, exist_ok=True)
        paths = write_all(wd, seed, cfg=cfg, progress=write_say)
        # The six approximate 2011-12 priority areas (only when no Impact Area exists).
        from swp_data.demo.areas import ensure_demo_impact_areas
        from swp_data.demo.targets import ensure_demo_targets

        def also(con):
            ensure_demo_impact_areas(con)
            if targets:
                ensure_demo_targets(con)

        return import_paths(paths, is_demo=True, progress=import_say, also=also)


def crime_loaded() -> bool:
    """Whether the store holds any crime records (False without a store or table)."""
    p = config.store_path()
    if not p.exists():
        return False
    with store.reading(p) as con:
        if not store.table_exists(con, "crime"):
            return False
        return bool(store.one(con, "SELECT EXISTS (SELECT 1 FROM crime)"))
