"""Did it work? An area's change from before to after a start month, against
matched comparison LSOAs outside it (difference in differences).

Method (README, "Did it work?"; DESIGN.md, Statistics):

1. **Months.** Before: up to :data:`MAX_PRE` loaded months before the start
   (at least :data:`MIN_PRE`); after: the start month to ``end`` (default the
   last loaded month; at least :data:`MIN_POST`). Months with no records
   loaded at all are left out.
2. **Comparison LSOAs.** Candidates are the city's LSOAs outside the area and
   outside its ring of neighbours (queen contiguity): a ring can receive
   displaced crime or share the action's benefit, and would bias the
   comparison. For each LSOA inside, its nearest candidates on three
   standardised features (clustering.similar_areas, the Impact Areas
   page's similar-places machinery): the **level** of the measure before the
   start (log rate per 1,000 residents), its **trend** before the start (log
   ratio of the second half of the months before to the first half) and
   **deprivation** (mean of the standardised IMD 2025 domain scores other
   than crime: area_compare.similarity_features). The comparison is the
   distinct LSOAs so found (at least :data:`MIN_POOL`).
3. **Model.** Monthly counts of the area and of the comparison LSOAs (summed)
   in a Poisson GLM with a term per month (shared seasonality and city-wide
   change), a term for the area, and the area-after term whose exponential
   is the **rate ratio**: the area's change relative to the comparison's.
   Monthly crime counts are overdispersed, so the variance is scaled by the
   Pearson chi-square over the residual degrees of freedom when that is above
   1 (quasi-Poisson; never below Poisson), and the interval and p use Student's t with those degrees of freedom.
4. **Minimum detectable effect**: the smallest fall (as a rate ratio) that
   the data would detect at 5% two-sided with 80% power:
   exp(-(t.975 + t.80) x SE).
5. **Placebo**: the same analysis with the start a year earlier, on the
   months before the real start only (its interval should cover 1).
6. **Displacement**: the same analysis for the ring of LSOAs around the area
   (comparison drawn from outside both).

Caveats: the months are treated as independent given the month terms
(serial correlation would make the interval too narrow); the comparison is
matched, not randomised; records are placed by police.uk's anonymised points.

Too few months either side, too few records, a start outside the loaded
months, or too small a pool raise :class:`~swp_data.errors.InputError` (one
line saying what is needed); no figure is returned.

Pure functions of an open DuckDB connection (no Streamlit); :func:`did_model`
is a pure function of two count series.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps

from swp_data import store, taxonomy
from swp_data.actions import plan
from swp_data.analysis.crime_window import lsoa_population, measure_text
from swp_data.errors import InputError
from swp_data.places import area_compare, clustering
from swp_data.places.impact_areas import area_codes

MIN_PRE = 12  # months before the start (a level and a trend to match on; a year of seasons)
MAX_PRE = 24  # months before the start used at most
MIN_POST = 3  # months from the start
MIN_RECORDS = 30  # records of the measure in the area in the months before
MIN_POOL = 10  # comparison LSOAs at least
COMPARISON_TARGET = 20  # comparison LSOAs sought (k per LSOA inside = ceil(20 / LSOAs inside), at least 3)
PLACEBO_SHIFT = 12  # months earlier for the placebo start
DEFAULT_MEASURE = "All crime (excluding ASB)"
POWER = 0.80
COMPARISON_LABEL = "Similar places (comparison LSOAs)"


@dataclass
class Estimate:
    """A difference-in-differences estimate (rate ratio: area after/before
    over comparison after/before)."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p: float
    se: float  # of the log rate ratio
    df: int  # residual degrees of freedom
    dispersion: float  # Pearson chi-square / df (1 = Poisson)
    mde: float  # smallest detectable fall, as a rate ratio


@dataclass
class Evaluation:
    area: str
    measure: str
    start: pd.Timestamp
    end: pd.Timestamp
    codes: list[str]
    pre_months: int
    post_months: int
    pre_first: pd.Timestamp
    comparison: list[str]
    estimate: Estimate
    verdict: str
    series: pd.DataFrame  # month, where, count, population, rate_per_1000, period
    counts: dict  # area_pre, area_post, comparison_pre, comparison_post
    matching: pd.DataFrame  # the area's and comparison LSOAs' matching features
    placebo: Evaluation | None = None
    placebo_note: str = ""
    displacement: Evaluation | None = None
    displacement_note: str = ""
    ring: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The CLI's ``--json`` object (exact field names of issue #20), and a few more."""
        e = self.estimate
        pl = self.placebo.estimate if self.placebo else None
        out = {
            "area": self.area,
            "measure": self.measure,
            "start": f"{self.start:%Y-%m}",
            "pre_months": self.pre_months,
            "post_months": self.post_months,
            "comparison": list(self.comparison),
            "rate_ratio": _r(e.rate_ratio),
            "ci_low": _r(e.ci_low),
            "ci_high": _r(e.ci_high),
            "p": _r(e.p, 6),
            "mde": _r(e.mde),
            "placebo": {
                "rate_ratio": _r(pl.rate_ratio) if pl else None,
                "ci_low": _r(pl.ci_low) if pl else None,
                "ci_high": _r(pl.ci_high) if pl else None,
                "p": _r(pl.p, 6) if pl else None,
                "start": f"{self.placebo.start:%Y-%m}" if self.placebo else None,
                "note": self.placebo_note,
            },
            "verdict": self.verdict,
            "end": f"{self.end:%Y-%m}",
            "pre_first": f"{self.pre_first:%Y-%m}",
            "lsoas": list(self.codes),
            "counts": self.counts,
            "dispersion": _r(e.dispersion),
        }
        d = self.displacement
        out["displacement"] = {
            "ring": list(self.ring),
            "rate_ratio": _r(d.estimate.rate_ratio) if d else None,
            "ci_low": _r(d.estimate.ci_low) if d else None,
            "ci_high": _r(d.estimate.ci_high) if d else None,
            "p": _r(d.estimate.p, 6) if d else None,
            "verdict": d.verdict if d else None,
            "note": self.displacement_note,
        }
        return out


def _r(x: float, nd: int = 4) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), nd)


# ----------------------------------------------------------------- the model (pure)
def did_model(area: np.ndarray, comparison: np.ndarray, post: np.ndarray) -> Estimate:
    """Quasi-Poisson difference in differences of two monthly count series.

    ``area`` and ``comparison``: counts per month (same months), ``post``:
    True for the months from the start. log E[y] = month + area + area x post;
    the rate ratio is exp(area x post). Variance scaled by Pearson chi-square
    / df (at least 1); interval and p from Student's t on df = months - 2."""
    a = np.asarray(area, dtype="float64")
    c = np.asarray(comparison, dtype="float64")
    post = np.asarray(post, dtype=bool)
    t = len(a)
    if len(c) != t or len(post) != t:
        raise ValueError("the series differ in length")
    if post.sum() < 1 or (~post).sum() < 1:
        raise ValueError("need months before and after")
    y = np.concatenate([a, c])
    month = np.concatenate([np.eye(t), np.eye(t)])  # one column per month (no separate intercept)
    grp = np.concatenate([np.ones(t), np.zeros(t)])
    inter = np.concatenate([post.astype(float), np.zeros(t)])
    x = np.column_stack([month, grp, inter])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # perfect prediction (an exact fit) is not a problem here
        res = sm.GLM(y, x, family=sm.families.Poisson()).fit()
    df = int(res.df_resid)
    if df < 1:
        raise ValueError("too few months for the model")
    # Quasi-Poisson: the Pearson dispersion, never below 1 (counts are at least as variable as Poisson).
    phi = max(1.0, float(res.pearson_chi2) / df)
    beta = float(res.params[-1])
    se = float(res.bse[-1]) * math.sqrt(phi)
    if not np.isfinite(se) or se <= 0:
        raise ValueError("the model could not be estimated")
    q = float(sps.t.ppf(0.975, df))
    p = float(2 * sps.t.sf(abs(beta / se), df))
    mde = math.exp(-(q + float(sps.t.ppf(POWER, df))) * se)
    return Estimate(
        rate_ratio=math.exp(beta),
        ci_low=math.exp(beta - q * se),
        ci_high=math.exp(beta + q * se),
        p=p,
        se=se,
        df=df,
        dispersion=phi,
        mde=mde,
    )


def verdict(e: Estimate) -> str:
    """In words: "fell 18% more than in similar places (95% interval 6% to
    29%)", "rose ...", or "no change that the data can distinguish from chance"."""
    if e.p < 0.05 and e.rate_ratio < 1:
        return (
            f"fell {100 * (1 - e.rate_ratio):.0f}% more than in similar places "
            f"(95% interval {100 * (1 - e.ci_high):.0f}% to {100 * (1 - e.ci_low):.0f}%)"
        )
    if e.p < 0.05 and e.rate_ratio > 1:
        return (
            f"rose {100 * (e.rate_ratio - 1):.0f}% more than in similar places "
            f"(95% interval {100 * (e.ci_low - 1):.0f}% to {100 * (e.ci_high - 1):.0f}%)"
        )
    return "no change that the data can distinguish from chance"


def mde_text(e: Estimate) -> str:
    return (
        f"the data could detect a fall of {100 * (1 - e.mde):.0f}% or more relative to similar places "
        f"(rate ratio {e.mde:.2f}; 5% significance, 80% power)"
    )


# ----------------------------------------------------------------- places and measures
def lsoas_of(con: duckdb.DuckDBPyConnection, kind: str, code: str | None) -> list[str]:
    """The LSOA 2021 codes of a place of the action plan (plan.PLACE_KINDS)."""
    if kind == "ward":
        rows = con.execute("SELECT lsoa21_code FROM lsoa21 WHERE ward_code = ? ORDER BY 1", [code]).fetchall()
        return [r[0] for r in rows]
    if kind == "impact_area":
        return area_codes(con, str(code))
    if kind == "lsoas":
        return sorted(c for c in str(code or "").split(";") if c)
    raise InputError(None, "a place for the whole city has no comparison areas in the city: choose a smaller place")


def resolve_area(con: duckdb.DuckDBPyConnection, text: str) -> tuple[str, list[str]]:
    """An area named on the command line: an Impact Area (id or name), a
    ward (code or name), or LSOA 2021 codes (one, or several separated by
    commas or semicolons). Returns (label, codes)."""
    t = " ".join(str(text or "").split())
    if not t:
        raise InputError(None, "--area needs an Impact Area, a ward or LSOA codes")
    if t.lower() in ("city", "wolverhampton", "e08000031"):
        raise InputError(None, "the whole city has no comparison areas in the city: choose an area inside it")
    if store.table_exists(con, "impact_area"):
        r = con.execute(
            "SELECT area_id, name FROM impact_area WHERE area_id = ? OR lower(name) = lower(?) "
            "ORDER BY area_id LIMIT 1",
            [t, t],
        ).fetchone()
        if r:
            return str(r[1]), area_codes(con, str(r[0]))
    r = con.execute(
        "SELECT ward_code, ward_name FROM ward WHERE ward_code = ? OR lower(ward_name) = lower(?) LIMIT 1", [t, t]
    ).fetchone()
    if r:
        return f"{r[1]} ward", lsoas_of(con, "ward", str(r[0]))
    codes = [c for c in re.split(r"[;,\s]+", t.upper()) if c]
    known = {r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21").fetchall()}
    if codes and all(c in known for c in codes):
        codes = sorted(set(codes))
        if len(codes) == 1:
            name = con.execute("SELECT lsoa21_name FROM lsoa21 WHERE lsoa21_code = ?", codes).fetchone()
            return f"{name[0] if name else codes[0]} ({codes[0]})", codes
        return f"{len(codes)} LSOAs", codes
    raise InputError(None, f"--area {t[:60]!r} is not an Impact Area, a ward or LSOA 2021 codes of the city")


def check_measure(measure: str | None) -> str:
    m = (measure or DEFAULT_MEASURE).strip()
    if m in taxonomy.PARTNER_MEASURES or m.lower() in {v.lower() for v in taxonomy.PARTNER_MEASURES.values()}:
        raise InputError(
            None,
            f"{m}: partner measures are recorded by ward, not by LSOA, so there are no matched comparison "
            "LSOAs; choose a police.uk grouping or category",
        )
    known = {x.lower(): x for x in list(taxonomy.GROUPINGS) + list(taxonomy.CATEGORIES)}
    if m.lower() not in known:
        raise InputError(None, f"measure {m[:60]!r} is not a police.uk grouping or category (e.g. 'Burglary')")
    return known[m.lower()]


def _month(value, name: str) -> pd.Timestamp:
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "year"):
        return pd.Timestamp(value).to_period("M").to_timestamp()
    text = str(value or "").strip()
    m = re.match(r"^(\d{4})-(\d{1,2})(?:-\d{1,2})?$", text)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(None, f"{name} {text[:20]!r} is not a month: write YYYY-MM")
    return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)


def ring_of(con: duckdb.DuckDBPyConnection, codes: list[str]) -> list[str]:
    """The LSOAs touching the area (queen contiguity of the analysis shapes,
    place_clusters.contiguity) that are not in it."""
    from swp_data.places.place_clusters import contiguity

    all_codes, m, _ = contiguity(con, "lsoa")
    pos = {c: i for i, c in enumerate(all_codes)}
    inside = {c for c in codes if c in pos}
    idx = [pos[c] for c in inside]
    if not idx:
        return []
    nb = set(np.flatnonzero(np.asarray(m[idx].sum(axis=0)).ravel() > 0).tolist())
    return sorted(all_codes[i] for i in nb if all_codes[i] not in inside)


# ----------------------------------------------------------------- data
def _loaded_months(con) -> list[pd.Timestamp]:
    return [pd.Timestamp(r[0]) for r in con.execute("SELECT DISTINCT month FROM crime ORDER BY 1").fetchall()]


def panel(con: duckdb.DuckDBPyConnection, measure: str, first: pd.Timestamp, last: pd.Timestamp) -> pd.DataFrame:
    """Records of the measure by loaded month (rows) and LSOA (columns: all
    the city's LSOAs, 0 where none) from ``first`` to ``last``."""
    cats = list(taxonomy.categories_for(measure))
    df = con.execute(
        "SELECT month, lsoa21_code, count(*) AS n FROM crime WHERE list_contains(?, category) "
        "AND lsoa21_code IS NOT NULL AND month BETWEEN ? AND ? GROUP BY ALL",
        [cats, first.date(), last.date()],
    ).df()
    months = [m for m in _loaded_months(con) if first <= m <= last]
    codes = [r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21 ORDER BY 1").fetchall()]
    df["month"] = pd.to_datetime(df["month"])
    wide = df.pivot_table(index="month", columns="lsoa21_code", values="n", aggfunc="sum", fill_value=0)
    return wide.reindex(index=pd.DatetimeIndex(months), columns=codes, fill_value=0).fillna(0).astype("int64")


def deprivation(con: duckdb.DuckDBPyConnection) -> pd.Series:
    """Mean of the standardised IMD 2025 domain scores other than crime
    (area_compare.similarity_features without population), by LSOA."""
    f = area_compare.similarity_features(con).drop(columns=["population"])
    return clustering.standardise(f).mean(axis=1)


@dataclass
class _Context:
    label: str
    measure: str
    panel: pd.DataFrame
    population: pd.Series
    deprivation: pd.Series
    loaded: list[pd.Timestamp]


def _window(ctx: _Context, start: pd.Timestamp, end: pd.Timestamp) -> tuple[list, list]:
    loaded = ctx.loaded
    if not loaded:
        raise InputError(None, "no crime records are loaded")
    first, last = loaded[0], loaded[-1]
    span = f"{first:%b %Y} to {last:%b %Y}"
    if start < first or start > last:
        raise InputError(None, f"the start {start:%b %Y} is outside the loaded months ({span})")
    if end < start:
        raise InputError(None, f"the end {end:%b %Y} is before the start {start:%b %Y}")
    if end > last:
        raise InputError(None, f"the end {end:%b %Y} is after the last loaded month ({last:%b %Y})")
    pre = [m for m in loaded if m < start][-MAX_PRE:]
    post = [m for m in loaded if start <= m <= end]
    if len(pre) < MIN_PRE:
        raise InputError(
            None,
            f"only {len(pre)} month(s) are loaded before {start:%b %Y}; at least {MIN_PRE} are needed (loaded: {span})",
        )
    if len(post) < MIN_POST:
        raise InputError(
            None,
            f"only {len(post)} month(s) are loaded from {start:%b %Y} to {end:%b %Y}; at least {MIN_POST} are "
            f"needed after the start (loaded: {span})",
        )
    return pre, post


def _features(ctx: _Context, pre: list) -> pd.DataFrame:
    """Level, trend and deprivation of every LSOA over the months before."""
    p = ctx.panel.loc[pre]
    pop = ctx.population.reindex(p.columns).clip(lower=1.0)
    total = p.sum(axis=0)
    level = np.log((total + 0.5) / pop * 1000.0 / len(pre))
    h = len(pre) // 2
    first, second = p.iloc[:h].sum(axis=0), p.iloc[len(pre) - h :].sum(axis=0)
    trend = np.log((second + 0.5) / (first + 0.5))
    return pd.DataFrame({"level": level, "trend": trend, "deprivation": ctx.deprivation.reindex(p.columns)}).dropna()


def _evaluate(
    ctx: _Context, codes: list[str], start: pd.Timestamp, end: pd.Timestamp, exclude: set[str], label: str
) -> Evaluation:
    pre, post = _window(ctx, start, end)
    codes = [c for c in dict.fromkeys(codes) if c in ctx.panel.columns]
    if not codes:
        raise InputError(None, f"{label} has no LSOAs in the city")
    feats = _features(ctx, pre)
    cset = set(codes)
    candidates = [c for c in feats.index if c not in cset and c not in exclude]
    if len(candidates) < MIN_POOL:
        raise InputError(
            None,
            f"only {len(candidates)} LSOA(s) outside {label} and its neighbours to compare with; "
            f"at least {MIN_POOL} are needed",
        )
    inside = [c for c in codes if c in feats.index]
    k = max(3, math.ceil(COMPARISON_TARGET / max(1, len(inside))))
    pairs = clustering.similar_areas(feats, inside, candidates=candidates, k=k)
    comparison = sorted(dict.fromkeys(pairs["neighbour"]))
    if len(comparison) < MIN_POOL:
        raise InputError(None, f"only {len(comparison)} comparison LSOA(s) were found; at least {MIN_POOL} are needed")
    months = pre + post
    p = ctx.panel.loc[months]
    a = p[codes].sum(axis=1).to_numpy()
    c = p[comparison].sum(axis=1).to_numpy()
    a_pre = int(a[: len(pre)].sum())
    c_pre = int(c[: len(pre)].sum())
    what = measure_text(ctx.measure)
    if a_pre < MIN_RECORDS:
        raise InputError(
            None,
            f"{label} has {a_pre} record(s) of {what} in the {len(pre)} months before {start:%b %Y}; "
            f"at least {MIN_RECORDS} are needed to say anything",
        )
    if c_pre < MIN_RECORDS:
        raise InputError(None, f"the comparison LSOAs have too few records of {what} before {start:%b %Y}")
    postmask = np.array([m >= start for m in months])
    try:
        est = did_model(a, c, postmask)
    except ValueError as e:
        raise InputError(None, f"the comparison could not be estimated for {label}: {e}") from None
    pop_a = float(ctx.population.reindex(codes).sum())
    pop_c = float(ctx.population.reindex(comparison).sum())
    series = pd.concat(
        [
            pd.DataFrame({"month": months, "where": label, "count": a, "population": pop_a}),
            pd.DataFrame({"month": months, "where": COMPARISON_LABEL, "count": c, "population": pop_c}),
        ],
        ignore_index=True,
    )
    series["rate_per_1000"] = 1000.0 * series["count"] / series["population"]
    series["period"] = np.where(series["month"] >= start, "after", "before")
    matching = feats.loc[inside + comparison].assign(group=[label] * len(inside) + ["comparison"] * len(comparison))
    return Evaluation(
        area=label,
        measure=ctx.measure,
        start=start,
        end=end,
        codes=codes,
        pre_months=len(pre),
        post_months=len(post),
        pre_first=pre[0],
        comparison=comparison,
        estimate=est,
        verdict=verdict(est),
        series=series,
        counts={
            "area_pre": a_pre,
            "area_post": int(a[len(pre) :].sum()),
            "comparison_pre": c_pre,
            "comparison_post": int(c[len(pre) :].sum()),
        },
        matching=matching.reset_index(names="lsoa21_code"),
    )


def evaluate_codes(
    con: duckdb.DuckDBPyConnection,
    codes: list[str] | tuple[str, ...],
    start,
    end=None,
    measure: str | None = None,
    *,
    label: str = "the area",
    placebo: bool = True,
    displacement: bool = True,
) -> Evaluation:
    """Did it work? for an area given by its LSOA codes (see the module
    notes). ``start``/``end``: "YYYY-MM" or dates; ``end`` defaults to the
    last loaded month. InputError (one line) when it cannot be answered."""
    m = check_measure(measure)
    loaded = _loaded_months(con)
    if not loaded:
        raise InputError(None, "no crime records are loaded")
    s = _month(start, "the start")
    e = _month(end, "the end") if end not in (None, "") else loaded[-1]
    codes = list(dict.fromkeys(codes))
    first = min(loaded[0], s - pd.DateOffset(months=MAX_PRE + PLACEBO_SHIFT))
    ctx = _Context(
        label=label,
        measure=m,
        panel=panel(con, m, max(first, loaded[0]), loaded[-1]),
        population=lsoa_population(con),
        deprivation=deprivation(con),
        loaded=loaded,
    )
    ring = ring_of(con, codes) if codes else []
    main = _evaluate(ctx, codes, s, e, set(ring), label)
    main.ring = ring
    if placebo:
        ps = s - pd.DateOffset(months=PLACEBO_SHIFT)
        try:
            main.placebo = _evaluate(ctx, codes, ps, s - pd.DateOffset(months=1), set(ring), label)
            main.placebo_note = f"start moved a year earlier, to {ps:%b %Y}, on the months before {s:%b %Y}"
        except InputError as err:
            main.placebo_note = f"no placebo: {err}"
    if displacement:
        if not ring:
            main.displacement_note = "no ring: the area has no neighbouring LSOAs in the city"
        else:
            try:
                d = _evaluate(ctx, ring, s, e, set(codes), f"the ring around {label}")
                main.displacement = d
                main.displacement_note = f"{len(ring)} LSOAs touching {label}"
            except InputError as err:
                main.displacement_note = f"no displacement check: {err}"
    return main


def evaluate_area(con: duckdb.DuckDBPyConnection, area: str, start, end=None, measure: str | None = None) -> Evaluation:
    """The command line's ``evaluate``: an area by name or id (resolve_area)."""
    label, codes = resolve_area(con, area)
    return evaluate_codes(con, codes, start, end, measure, label=label)


def evaluate_action(con: duckdb.DuckDBPyConnection, action_id: int, end=None) -> Evaluation:
    """Did it work? for an action of the plan: its place, start and measure."""
    a = plan.get_action(con, int(action_id))
    if a is None:
        raise InputError(None, f"there is no action {action_id}")
    if a["start_date"] is None or pd.isna(a["start_date"]):
        raise InputError(None, f"action {action_id} has no start date")
    if not a["measure"]:
        raise InputError(None, f"action {action_id} has no measure (a police.uk grouping or category)")
    codes = lsoas_of(con, a["place_kind"], a["place_code"])
    label = plan._place_labels(con, pd.DataFrame([a]))[0]
    return evaluate_codes(con, codes, a["start_date"], end, a["measure"], label=label)


def evaluable(actions: pd.DataFrame) -> pd.DataFrame:
    """The actions "did it work?" can be asked of: a place smaller than the
    city, a start date and a police.uk measure (plan.list_actions rows)."""
    police = set(taxonomy.GROUPINGS) | set(taxonomy.CATEGORIES)
    ok = (actions["place_kind"] != "city") & actions["start_date"].notna() & actions["measure"].isin(police)
    return actions[ok]


def to_text(ev: Evaluation) -> str:
    e = ev.estimate
    lines = [
        f"{ev.measure} in {ev.area}, from {ev.start:%b %Y}: {ev.verdict}.",
        f"Rate ratio {e.rate_ratio:.2f} (95% interval {e.ci_low:.2f} to {e.ci_high:.2f}), p = {e.p:.3f}; "
        f"{ev.pre_months} months before ({ev.pre_first:%b %Y} on), {ev.post_months} after (to {ev.end:%b %Y}).",
        f"Compared with {len(ev.comparison)} similar LSOAs outside the area and its ring: {', '.join(ev.comparison)}.",
        f"Minimum detectable effect: {mde_text(e)}.",
    ]
    if ev.placebo:
        pe = ev.placebo.estimate
        lines.append(
            f"Placebo (start {ev.placebo.start:%b %Y}): rate ratio {pe.rate_ratio:.2f} "
            f"({pe.ci_low:.2f} to {pe.ci_high:.2f}): {ev.placebo.verdict}."
        )
    else:
        lines.append(f"Placebo: {ev.placebo_note}.")
    if ev.displacement:
        de = ev.displacement.estimate
        lines.append(
            f"Displacement (the ring of {len(ev.ring)} LSOAs around it): rate ratio {de.rate_ratio:.2f} "
            f"({de.ci_low:.2f} to {de.ci_high:.2f}): {ev.displacement.verdict}."
        )
    else:
        lines.append(f"Displacement: {ev.displacement_note}.")
    return "\n".join(lines)
