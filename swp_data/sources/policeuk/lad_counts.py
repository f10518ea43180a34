"""Other places' monthly counts (issue 18): any imported police.uk file keeps, beside the city's
records, monthly counts by local authority district and category for every English district in it
(a force's archive gives its districts; the national archive every district), without keeping other
places' records.

A row is counted in the district of its ``LSOA code`` (police.uk's own assignment), through
``national_lsoa`` (LSOA 2021 -> district 2024); a code police.uk wrote in 2011 LSOAs that no longer
exists in 2021, or a row without a code, is not counted. The city's own figures come from its
records (the ``crime`` table), never from here. Only the winning copy of each (force, month) counts,
and a (force, month) imported again replaces its counts, as records are replaced. Crime IDs repeated
within a file are not de-duplicated here (rare; the city's records are).

Table ``crime_lad_month`` (store data table; survives rebuilds).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from swp_data import taxonomy
from swp_data.sources.policeuk.schema import CAND, OUTSIDE

LOOKUP_TABLE = "_lsoa_lad"  # lsoa21_code -> lad24_code, copied into the staging connection
COLUMNS = ["force", "month", "lad24_code", "category", "n", "is_demo"]


def count(con: duckdb.DuckDBPyConnection, exclude_lad: str) -> pd.DataFrame:
    """Counts by (force, month, district, canonical category) from the staging table ``_g`` (winning
    sources only), the city's district excluded. Empty when the lookup is not there (store not rebuilt)."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if LOOKUP_TABLE not in have:
        return pd.DataFrame(columns=COLUMNS[:-1])
    # Outside rows carry their district already (reading.scan_csv); candidates their LSOA code.
    df = con.execute(
        f"""SELECT force, month, lad24_code, crime_type, sum(n) AS n FROM (
                SELECT g.force, f.m AS month, g.crime_type, g.n,
                       CASE WHEN g.cls = {OUTSIDE} THEN g.code ELSE l.lad24_code END AS lad24_code
                FROM _g g JOIN _fm f ON f.force = g.force AND f.month = g.month AND f.win = g.src
                LEFT JOIN {LOOKUP_TABLE} l ON g.cls = {CAND} AND l.lsoa21_code = g.code
                WHERE g.cls IN ({CAND}, {OUTSIDE}))
            WHERE lad24_code IS NOT NULL AND lad24_code <> ?
            GROUP BY ALL""",
        [exclude_lad],
    ).df()
    if df.empty:
        return pd.DataFrame(columns=COLUMNS[:-1])
    cats = {t: taxonomy.canonical(t) or t for t in df["crime_type"].unique()}
    df["category"] = df["crime_type"].map(cats)
    return df.groupby(["force", "month", "lad24_code", "category"], as_index=False)["n"].sum()


def write(con: duckdb.DuckDBPyConnection, force_months: list, counts: pd.DataFrame | None, is_demo: bool) -> int:
    """Replace the counts of the imported (force, month)s on the store connection; returns rows written."""
    fm = pd.DataFrame(force_months, columns=["force", "m"])
    con.register("_lad_fm_df", fm)
    try:
        con.execute(
            "DELETE FROM crime_lad_month USING _lad_fm_df f "
            "WHERE crime_lad_month.force = f.force AND crime_lad_month.month = f.m"
        )
    finally:
        con.unregister("_lad_fm_df")
    if counts is None or counts.empty:
        return 0
    rows = counts.assign(is_demo=bool(is_demo))[COLUMNS]
    rows["month"] = pd.to_datetime(rows["month"]).dt.date
    con.register("_lad_rows_df", rows)
    try:
        con.execute("INSERT INTO crime_lad_month SELECT * FROM _lad_rows_df")
    finally:
        con.unregister("_lad_rows_df")
    return len(rows)
