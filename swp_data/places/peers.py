"""Most similar places, by an open method.

For the city (or any English local authority district, or a community safety
partnership: a CSP spanning several districts is the sum of its districts),
its 15 nearest English districts by a weighted Euclidean distance over
context variables only (never crime: matching on crime would match on the
outcome compared), in the manner of CIPFA's nearest neighbours and NHS
England's peer finder:

1. each variable is computed for every English district (and for the place,
   from the same sums) and standardised (z-score across England's 296
   districts; population and density on a log scale);
2. the distance between two places is ``sqrt(sum_k w_k (z_ak - z_bk)^2)``
   with the weights ``w_k`` (published below; analysts may change them:
   stored in the ``setting`` table and audited);
3. the distance is rebased to 0-1 by dividing by the largest distance between
   any two English districts under the same weights; ``match = 1 - that``
   (1: identical on every variable);
4. each variable's contribution to a peer's distance is its share of the
   squared distance (shares add up to 100%).

Groups are not symmetric: B may be among A's 15 nearest while A is not among
B's. This is not the Home Office's most similar group (iQuanta), whose method
is not published.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from swp_data import access, config, store
from swp_data.errors import InputError
from swp_data.store import audit

N_PEERS = 15
WEIGHTS_KEY = "peer_weights"

# key -> (label, default weight, what it is)
VARIABLES: dict[str, tuple[str, float, str]] = {
    "income": ("Income deprivation", 1.0, "IoD2025 Income domain score (share of people income deprived)"),
    "employment": ("Employment deprivation", 1.0, "IoD2025 Employment domain score"),
    "education": ("Education, skills and training", 1.0, "IoD2025 Education domain score"),
    "barriers": ("Barriers to housing and services", 1.0, "IoD2025 Barriers domain score"),
    "spread": (
        "Spread of deprivation",
        1.0,
        "standard deviation of its LSOAs' IMD 2025 scores (population-weighted)",
    ),
    "terraced": ("% households in terraced houses", 0.5, "Census 2021 TS044"),
    "flats": ("% households in flats", 0.5, "Census 2021 TS044 (purpose-built, converted, commercial)"),
    "social_rented": ("% households social rented", 1.0, "Census 2021 TS054"),
    "aged_16_24": ("% residents aged 16-24", 1.0, "Census 2021 usual residents"),
    "hh_deprived": (
        "% households deprived in 2+ dimensions",
        1.0,
        "Census 2021 TS011 (employment, education, health, housing)",
    ),
    "population": ("Population (log scale)", 1.0, "Census 2021 usual residents"),
    "density": (
        "Residents per km² (log scale)",
        1.0,
        "Census 2021 residents over the area of the generalised district boundary",
    ),
}
DEFAULT_WEIGHTS = {k: v[1] for k, v in VARIABLES.items()}
LABELS = {k: v[0] for k, v in VARIABLES.items()}

_SUMS = [
    "residents",
    "aged_16_24",
    "households",
    "terraced",
    "flats",
    "tenure_households",
    "social_rented",
    "dep_households",
    "hh_deprived_2plus",
    "w_income",
    "w_employment",
    "w_education",
    "w_barriers",
    "w_imd",
    "w_imd2",
    "area_km2",
]


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    kind: str  # "district" | "csp"
    lads: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.name if self.kind == "district" else f"{self.name} (community safety partnership)"


def has_national(con: duckdb.DuckDBPyConnection) -> bool:
    return store.table_exists(con, "national_lad")


def _require_national(con: duckdb.DuckDBPyConnection) -> None:
    if not has_national(con):
        raise InputError(None, "the store has no national tables: run `python -m swp_data build`")


def resolve(con: duckdb.DuckDBPyConnection, code: str | None = None) -> Place:
    """The place of an English district (E06-E09) or CSP (E22) code; one clear line otherwise."""
    _require_national(con)
    code = (code or config.CITY_LAD).strip().upper()
    if not re.fullmatch(r"[A-Z]\d{8}", code):
        raise InputError(None, f"{code[:20]!r} is not a place code (an English district E06-E09 or CSP E22 code)")
    if not code.startswith("E"):
        raise InputError(None, f"{code} is not an English place: only England's districts and CSPs can be compared")
    if re.fullmatch(r"E0[6-9]\d{6}", code):
        r = con.execute("SELECT lad24_name FROM national_lad WHERE lad24_code = ?", [code]).fetchone()
        if r is None:
            raise InputError(None, f"{code} is not a current (2024) English local authority district")
        return Place(code, str(r[0]), "district", (code,))
    if code.startswith("E22"):
        rows = con.execute(
            "SELECT c.csp24_name, c.lad24_code, l.lad24_code IS NOT NULL FROM national_lad_csp c "
            "LEFT JOIN national_lad l USING (lad24_code) WHERE c.csp24_code = ? ORDER BY c.lad24_code",
            [code],
        ).fetchall()
        if not rows:
            raise InputError(None, f"{code} is not an English community safety partnership of the lookup")
        lads = tuple(r[1] for r in rows if r[2])
        if not lads:
            raise InputError(None, f"{code} ({rows[0][0]}): no district of this partnership has data")
        return Place(code, str(rows[0][0]), "csp", lads)
    raise InputError(None, f"{code} is not a district (E06-E09) or community safety partnership (E22) code")


def places(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every English district and CSP: code, name, kind (for pickers)."""
    _require_national(con)
    return con.execute(
        "SELECT lad24_code AS code, lad24_name AS name, 'district' AS kind FROM national_lad "
        "UNION ALL SELECT csp24_code, any_value(csp24_name), 'csp' FROM national_lad_csp "
        "WHERE lad24_code IN (SELECT lad24_code FROM national_lad) GROUP BY csp24_code "
        "HAVING count(*) > 1 ORDER BY name, code"
    ).df()


def _values(sums: pd.DataFrame) -> pd.DataFrame:
    """Context variables from the summed columns (one row per place)."""
    s = sums
    out = pd.DataFrame(index=s.index)
    out["income"] = s["w_income"] / s["residents"]
    out["employment"] = s["w_employment"] / s["residents"]
    out["education"] = s["w_education"] / s["residents"]
    out["barriers"] = s["w_barriers"] / s["residents"]
    mean = s["w_imd"] / s["residents"]
    out["spread"] = np.sqrt(np.maximum(s["w_imd2"] / s["residents"] - mean**2, 0))
    out["terraced"] = 100 * s["terraced"] / s["households"]
    out["flats"] = 100 * s["flats"] / s["households"]
    out["social_rented"] = 100 * s["social_rented"] / s["tenure_households"]
    out["aged_16_24"] = 100 * s["aged_16_24"] / s["residents"]
    out["hh_deprived"] = 100 * s["hh_deprived_2plus"] / s["dep_households"]
    out["population"] = s["residents"]
    out["density"] = s["residents"] / s["area_km2"]
    return out


def _log_scaled(v: pd.DataFrame) -> pd.DataFrame:
    v = v.copy()
    v["population"] = np.log10(v["population"])
    v["density"] = np.log10(v["density"])
    return v


def district_context(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every English district's context variables (natural units), indexed by code, with its name."""
    _require_national(con)
    lad = con.execute(f"SELECT lad24_code, lad24_name, {', '.join(_SUMS)} FROM national_lad").df()
    lad = lad.set_index("lad24_code")
    v = _values(lad)
    v.insert(0, "name", lad["lad24_name"])
    return v


def place_context(con: duckdb.DuckDBPyConnection, place: Place) -> pd.Series:
    """The place's context variables (a CSP: from the sums of its districts)."""
    q = f"SELECT {', '.join(f'sum({c}) AS {c}' for c in _SUMS)} FROM national_lad WHERE lad24_code IN ?"
    sums = con.execute(q, [list(place.lads)]).df()
    return _values(sums).iloc[0]


def check_weights(weights: dict) -> dict[str, float]:
    """Complete, finite, non-negative weights, not all zero; one clear line otherwise."""
    unknown = sorted(set(weights) - set(VARIABLES))
    if unknown:
        raise InputError(None, f"unknown context variable {unknown[0][:40]!r}; known: {', '.join(VARIABLES)}")
    out = dict(DEFAULT_WEIGHTS)
    for k, w in weights.items():
        try:
            f = float(w)
        except (TypeError, ValueError):
            raise InputError(None, f"the weight of {LABELS[k]} must be a number, not {str(w)[:40]!r}") from None
        if not math.isfinite(f) or f < 0 or f > 10:
            raise InputError(None, f"the weight of {LABELS[k]} must be from 0 to 10, not {f:g}")
        out[k] = f
    if not any(out.values()):
        raise InputError(None, "the weights are all zero: at least one context variable must count")
    return out


def weights(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """The weights in force: the analyst's stored ones, or the published defaults."""
    if not store.table_exists(con, "setting"):
        return dict(DEFAULT_WEIGHTS)
    r = con.execute("SELECT value FROM setting WHERE key = ?", [WEIGHTS_KEY]).fetchone()
    if r is None:
        return dict(DEFAULT_WEIGHTS)
    try:
        return check_weights(json.loads(r[0]))
    except (InputError, ValueError, TypeError, AttributeError):
        return dict(DEFAULT_WEIGHTS)


def set_weights(con: duckdb.DuckDBPyConnection, new: dict | None) -> dict[str, float]:
    """Store the weights (``None``: back to the defaults). Analyst only; audited.
    Call inside :func:`swp_data.store.transaction`."""
    actor = access.require_analyst("changing the most similar places' weights")
    w = dict(DEFAULT_WEIGHTS) if new is None else check_weights(new)
    old = weights(con)
    store.ensure_data_tables(con)
    con.execute("DELETE FROM setting WHERE key = ?", [WEIGHTS_KEY])
    if new is not None:
        con.execute(
            "INSERT INTO setting VALUES (?, ?, ?, ?)",
            [WEIGHTS_KEY, json.dumps(w), actor.who, dt.datetime.now().replace(microsecond=0)],
        )
    changed = [f"{k} {old[k]:g} -> {w[k]:g}" for k in VARIABLES if old[k] != w[k]]
    audit.record(
        con,
        "setting",
        dataset_id=f"setting:{WEIGHTS_KEY}",
        detail="most similar places' weights: " + ("; ".join(changed) if changed else "unchanged")
        if new is not None
        else "most similar places' weights back to the defaults",
    )
    return w


@dataclass
class PeerGroup:
    place: Place
    weights: dict[str, float]
    context: pd.Series  # the place's variables (natural units)
    peers: pd.DataFrame  # code, name, distance, match, rank, contribution per variable (%), variables
    max_distance: float
    candidates: int
    notes: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return list(self.peers["code"])


def _standardised(
    con: duckdb.DuckDBPyConnection, place: Place
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    """Districts' variables, the place's, districts' z-scores, the place's z-scores."""
    ctx = district_context(con)
    target = place_context(con, place)
    raw = ctx[list(VARIABLES)]
    lg = _log_scaled(raw)
    mu, sd = lg.mean(), lg.std(ddof=0).replace(0, 1.0)
    z = (lg - mu) / sd
    zt = (_log_scaled(target.to_frame().T)[list(VARIABLES)].iloc[0] - mu) / sd
    return ctx, target, z, zt


def nearest(
    con: duckdb.DuckDBPyConnection, code: str | None = None, w: dict | None = None, n: int = N_PEERS
) -> PeerGroup:
    """The ``n`` nearest English districts to the place (its own districts excluded)."""
    place = resolve(con, code)
    wts = check_weights(w) if w is not None else weights(con)
    return _nearest(place, wts, *_standardised(con, place), n=n)


def _nearest(
    place: Place, wts: dict[str, float], ctx: pd.DataFrame, target: pd.Series, z: pd.DataFrame, zt: pd.Series, n: int
) -> PeerGroup:
    keys = list(VARIABLES)
    wv = np.array([wts[k] for k in keys])
    zm = z[keys].to_numpy()
    diff2 = (zm - zt[keys].to_numpy()) ** 2 * wv
    dist = np.sqrt(diff2.sum(axis=1))
    # Rebase: the largest distance between two English districts under these weights.
    pair = np.sqrt((((zm[:, None, :] - zm[None, :, :]) ** 2) * wv).sum(axis=2))
    dmax = float(pair.max()) or 1.0
    cand = pd.DataFrame({"code": z.index, "distance": dist}, index=z.index)
    cand = cand[~cand["code"].isin(place.lads)]
    cand = cand.sort_values(["distance", "code"]).head(n)
    out = cand.assign(
        name=ctx.loc[cand.index, "name"].to_numpy(),
        match=np.clip(1 - cand["distance"].to_numpy() / dmax, 0, 1),
        rank=np.arange(1, len(cand) + 1),
    )
    contrib = diff2[[z.index.get_loc(c) for c in cand.index]]
    tot = contrib.sum(axis=1, keepdims=True)
    shares = np.divide(100 * contrib, tot, out=np.zeros_like(contrib), where=tot > 0)
    for i, k in enumerate(keys):
        out[f"contrib_{k}"] = shares[:, i]
    for k in keys:
        out[k] = ctx.loc[cand.index, k].to_numpy()
    out = out[["rank", "code", "name", "distance", "match", *[f"contrib_{k}" for k in keys], *keys]]
    return PeerGroup(
        place=place,
        weights=wts,
        context=target,
        peers=out.reset_index(drop=True),
        max_distance=dmax,
        candidates=int(len(z) - len(place.lads)),
    )


def sensitivity(con: duckdb.DuckDBPyConnection, code: str | None = None, w: dict | None = None) -> pd.DataFrame:
    """For each variable that counts, the peers that leave and join the group when it is left out."""
    place = resolve(con, code)
    wts = check_weights(w) if w is not None else weights(con)
    data = _standardised(con, place)
    base = _nearest(place, wts, *data, n=N_PEERS)
    rows = []
    names = dict(zip(base.peers["code"], base.peers["name"], strict=True))
    for k in VARIABLES:
        if base.weights[k] == 0:
            continue
        alt_w = {**base.weights, k: 0.0}
        if not any(alt_w.values()):
            continue
        alt = _nearest(place, alt_w, *data, n=N_PEERS)
        names.update(zip(alt.peers["code"], alt.peers["name"], strict=True))
        out_ = [c for c in base.codes if c not in alt.codes]
        in_ = [c for c in alt.codes if c not in base.codes]
        rows.append(
            {
                "left_out": LABELS[k],
                "variable": k,
                "peers_changed": len(out_),
                "leave": ", ".join(names[c] for c in out_),
                "join": ", ".join(names[c] for c in in_),
            }
        )
    return pd.DataFrame(rows, columns=["left_out", "variable", "peers_changed", "leave", "join"])


def peer_table(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """The peers with the place's weights in force (for the gateway: a DataFrame)."""
    return nearest(con, code).peers


def context_table(con: duckdb.DuckDBPyConnection, code: str | None = None) -> pd.DataFrame:
    """Each variable: label, weight, the place's value, the peers' median, England's median district."""
    g = nearest(con, code)
    ctx = district_context(con)
    rows = []
    for k, (label, _, what) in VARIABLES.items():
        rows.append(
            {
                "variable": k,
                "label": label,
                "weight": g.weights[k],
                "place": float(g.context[k]),
                "peers_median": float(g.peers[k].median()),
                "england_median": float(ctx[k].median()),
                "source": what,
            }
        )
    return pd.DataFrame(rows)
