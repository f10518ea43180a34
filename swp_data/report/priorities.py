"""The strategy priorities the loaded data can measure (police.uk groupings,
partner measures, and an analyst's own priorities from police.uk categories),
and each priority's monthly series (no Streamlit here)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from swp_data import access, store, taxonomy
from swp_data.analysis import crime
from swp_data.errors import InputError
from swp_data.sources.tables import clean_text
from swp_data.store import audit


@dataclass(frozen=True)
class Priority:
    """A strategy priority the data can measure."""

    key: str  # stable id, e.g. "asb", "violence", "neighbourhood", "domestic_abuse", "hate_crime", "cat:<category>"
    label: str  # "Anti-social behaviour"
    source: str  # "police_uk" | "partner"
    categories: tuple[str, ...] = ()  # police.uk categories (source police_uk)
    measure: str | None = None  # partner measure name (source partner)
    custom: bool = False  # added by an analyst from the categories


# The strategy priorities (docs/architecture.md) that police.uk records measure, in strategy order.
_POLICE_PRIORITIES: tuple[Priority, ...] = (
    Priority("asb", "Anti-social behaviour", "police_uk", taxonomy.GROUPINGS["Anti-social behaviour"]),
    Priority("violence", "Violence", "police_uk", taxonomy.GROUPINGS["Violence"]),
    Priority("neighbourhood", "Neighbourhood crime", "police_uk", taxonomy.GROUPINGS["Neighbourhood crime"]),
)


# Partner measures that can stand for a priority, best first (only monthly rows are used).
_PARTNER_PRIORITIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "domestic_abuse",
        "Domestic abuse",
        ("domestic_abuse_incidents", "domestic_abuse_crimes", "domestic_violence_reports"),
    ),
    ("hate_crime", "Hate crime", ("hate_crime", "hate_crime_reports")),
)


# The strategy's priorities (seeds/003, docs/architecture.md) that no loaded data can measure yet, with what
# they would need; the Performance page and the exports list them so none goes missing without a word.
UNMEASURED: tuple[tuple[str, str, str], ...] = (
    (
        "Safety of women and girls",
        "police.uk records do not say who the victim was, and no partner return measures it",
        "a partner return (CSV, monthly, by ward) of violence against women and girls: e.g. a measure "
        "vawg_offences from West Midlands Police's flagged offences, or the survey question 'feel safe "
        "walking alone after dark' repeated each year",
    ),
    (
        "Alcohol and substance related crime",
        "police.uk has drugs offences but no flag for crimes where alcohol or drugs played a part",
        "a partner return (CSV, monthly, by ward) of alcohol- or drug-flagged offences from West Midlands "
        "Police, e.g. a measure alcohol_related_crime; drugs offences alone can be added now as a priority "
        "of your own from the category 'Drugs'",
    ),
)
BUILTIN_KEYS = tuple(p.key for p in _POLICE_PRIORITIES) + tuple(k for k, _, _ in _PARTNER_PRIORITIES)


# --------------------------------------------------------------------------- small helpers
def month_start(value) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def has_table(con, table: str) -> bool:
    return store.table_exists(con, table)


def _partner_measure(con, candidates: tuple[str, ...]) -> str | None:
    """The first candidate measure with monthly rows in the store."""
    if not has_table(con, "partner_series"):
        return None
    have = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT measure FROM partner_series WHERE period_type = 'month' AND list_contains(?, measure)",
            [list(candidates)],
        ).fetchall()
    }
    return next((m for m in candidates if m in have), None)


def _custom_priorities(con) -> list[Priority]:
    if not has_table(con, "custom_priority"):
        return []
    rows = con.execute("SELECT key, label, categories FROM custom_priority ORDER BY created_at, key").fetchall()
    return [Priority(k, lab, "police_uk", tuple(cats), custom=True) for k, lab, cats in rows]


# --------------------------------------------------------------------------- priorities
def priorities(con: duckdb.DuckDBPyConnection) -> list[Priority]:
    """The priorities the loaded data can measure, strategy order, then custom ones."""
    out: list[Priority] = []
    police = crime.crime_loaded(con)
    if police:
        out += list(_POLICE_PRIORITIES)
    for key, label, candidates in _PARTNER_PRIORITIES:
        measure = _partner_measure(con, candidates)
        if measure is not None:
            out.append(Priority(key, label, "partner", measure=measure))
    if police:
        out += _custom_priorities(con)
    return out


def priority_by_key(con, key: str) -> Priority:
    for p in priorities(con):
        if p.key == key:
            return p
    known = ", ".join(p.key for p in priorities(con)) or "none: no data loaded"
    raise InputError(None, f"no priority {str(key)[:60]!r} that the loaded data can measure (known: {known})")


# --------------------------------------------------------------------------- monthly series
def crime_counts(con, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """month, category, demo (from a demo dataset), n: the crime records of
    the months ``start`` to ``end``, in one query (every police.uk figure of
    the report is added up from it)."""
    if not has_table(con, "crime"):
        return pd.DataFrame({"month": pd.Series(dtype="datetime64[ns]"), "category": [], "demo": [], "n": []})
    df = con.execute(
        """SELECT c.month, c.category, coalesce(d.is_demo, false) AS demo, c.n
           FROM (SELECT month, category, dataset_id, count(*) AS n FROM crime
                 WHERE month BETWEEN ? AND ? GROUP BY ALL) c
           LEFT JOIN dataset d USING (dataset_id)""",
        [start.date(), end.date()],
    ).df()
    df["month"] = pd.to_datetime(df["month"])
    return df


def police_monthly(
    counts: pd.DataFrame, categories: tuple[str, ...], start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Series, bool]:
    """Counts per calendar month from ``start`` to ``end`` (0 in a loaded month
    without such a record; NaN: month not loaded) and whether a demo dataset
    contributes (as crime.is_demo_selection)."""
    months = pd.date_range(start, end, freq="MS")
    counts = counts[(counts["month"] >= start) & (counts["month"] <= end)]
    s = pd.Series(np.nan, index=months, dtype="float64")
    s[s.index.isin(counts["month"].unique())] = 0.0
    sub = counts[counts["category"].isin(categories)]
    got = sub.groupby("month")["n"].sum().astype("float64")
    s.loc[got.index] = got.to_numpy()
    return s, bool(sub["demo"].any())


def partner_monthly(con, measure: str, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.Series, bool]:
    """City counts of a partner measure per calendar month (all breakdowns
    added up; NaN: month not held) and whether any of them is demo. Where
    real and demo returns cover the same month, the real one is used."""
    months = pd.date_range(start, end, freq="MS")
    df = crime.partner_series(con, measure, "month", "city")
    s = pd.Series(np.nan, index=months, dtype="float64")
    if df.empty:
        return s, False
    df = df[(df["period_start"] >= start) & (df["period_start"] <= end)]
    g = df.groupby(["period_start", "source"], as_index=False).agg(count=("count", "sum"), is_demo=("is_demo", "any"))
    g = g.sort_values(["period_start", "is_demo"]).drop_duplicates("period_start")
    s.loc[pd.DatetimeIndex(g["period_start"])] = g["count"].to_numpy(dtype="float64")
    return s, bool(g["is_demo"].any())


def priority_series(
    con, p: Priority, start: pd.Timestamp, end: pd.Timestamp, counts: pd.DataFrame | None = None
) -> tuple[pd.Series, bool]:
    """A priority's monthly counts and whether any is demo (``counts``: the
    crime records of those months from :func:`_crime_counts`, if at hand)."""
    if p.source == "partner":
        return partner_monthly(con, p.measure or "", start, end)
    return police_monthly(crime_counts(con, start, end) if counts is None else counts, p.categories, start, end)


def add_priority(con: duckdb.DuckDBPyConnection, label: str, categories: tuple[str, ...]) -> Priority:
    """An analyst's own priority from police.uk categories (analyst only; audited)."""
    actor = access.require_analyst("adding a priority")
    name = clean_text(str(label or ""))
    if not name:
        raise InputError(None, "a priority needs a name")
    if len(name) > 80:
        raise InputError(None, f"the priority's name is {len(name)} characters long (at most 80)")
    cats = tuple(dict.fromkeys(categories or ()))
    if not cats:
        raise InputError(None, f"the priority {name!r} needs at least one police.uk category")
    allowed = set(taxonomy.CATEGORIES) | set(taxonomy.HISTORIC_CATEGORIES)
    bad = [c for c in cats if c not in allowed]
    if bad:
        raise InputError(None, f"{str(bad[0])[:60]!r} is not a police.uk category")
    key = "cat:" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "priority")
    taken = {p.label.casefold() for p in [*_POLICE_PRIORITIES, *_custom_priorities(con)]}
    taken |= {lab.casefold() for _, lab, _ in _PARTNER_PRIORITIES}
    if name.casefold() in taken or key in {p.key for p in _custom_priorities(con)}:
        raise InputError(None, f"a priority called {name!r} already exists: choose another name")
    store.ensure_data_tables(con)
    con.execute("INSERT INTO custom_priority VALUES (?, ?, ?, ?, ?)", [key, name, list(cats), actor.who, now()])
    audit.record(con, "setting", dataset_id=f"priority:{key}", detail=f"priority added: {name} ({', '.join(cats)})")
    return Priority(key, name, "police_uk", cats, custom=True)


def remove_priority(con: duckdb.DuckDBPyConnection, key: str) -> bool:
    """Remove an analyst's own priority and its target (analyst only; audited);
    False if there is none. The strategy priorities cannot be removed."""
    access.require_analyst("removing a priority")
    if key in BUILTIN_KEYS:
        raise InputError(None, f"{key!r} is a strategy priority: only priorities added by an analyst can be removed")
    found = next((p for p in _custom_priorities(con) if p.key == key), None)
    if found is None:
        return False
    con.execute("DELETE FROM custom_priority WHERE key = ?", [key])
    if has_table(con, "target"):
        con.execute("DELETE FROM target WHERE priority = ?", [key])
    audit.record(con, "setting", dataset_id=f"priority:{key}", detail=f"priority removed: {found.label}")
    return True


def unmeasured_priorities(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The strategy's priorities the loaded data cannot measure: columns
    Priority, Why it is not shown, What data it needs (a priority an analyst
    has added under the same name counts as measured)."""
    have = {p.label.casefold() for p in priorities(con)}
    rows = [
        {"Priority": label, "Why it is not shown": why, "What data it needs": needs}
        for label, why, needs in UNMEASURED
        if label.casefold() not in have
    ]
    return pd.DataFrame(rows, columns=["Priority", "Why it is not shown", "What data it needs"])
