"""Replacing: the staged records of each (force, month) replace whatever was
loaded for that force and month before, from any file, archive or dataset
(demo included), and the provenance rows are brought up to date.

:func:`stage_rows` prepares, on the staging connection, the rows to write
(``_out``, the columns of the store's ``crime`` table) and what provenance
needs (:class:`Staged`); :func:`write` does the only work that needs the
store's write lock: count and delete the replaced records, insert, update the
``dataset`` rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import duckdb
import pandas as pd

from swp_data import store, taxonomy
from swp_data.sources.policeuk.placing import unregister
from swp_data.sources.policeuk.schema import CAND, DEMO_LICENCE, KIND, OGL, dataset_id

OUT_TABLE = "_out"


@dataclasses.dataclass
class Staged:
    """What an import of police.uk records will write."""

    force_months: list[tuple[str, dt.date]]  # every (force, month) read: replaced in the store
    forces: dict[str, str]  # dataset_id -> force
    new_rows: dict[str, int]  # dataset_id -> rows written by this import
    sources: dict[str, tuple[list[str], str]]  # dataset_id -> (names of the winning files, combined fingerprint)
    categories: dict[str, str | None]  # crime type as written -> canonical category
    new_by_force_month: dict[tuple[str, dt.date], int]  # rows this import brings per (force, month)
    labels: dict[tuple[str, dt.date], str] = dataclasses.field(default_factory=dict)  # winning file's label
    is_demo: bool = False
    source_note: str | None = None


def categories(con: duckdb.DuckDBPyConnection) -> dict[str, str | None]:
    """Crime type as written -> canonical category (None: unknown) for the candidates of ``_g``."""
    types = [r[0] for r in con.execute(f"SELECT DISTINCT crime_type FROM _g WHERE cls = {CAND}").fetchall()]
    return {t: taxonomy.canonical(t) for t in types}


def stage_rows(
    con: duckdb.DuckDBPyConnection, *, is_demo: bool, names, fingerprint, labels=None, source_note=None
) -> Staged:
    """``_out`` on the staging connection (which also sees ``lsoa21`` for
    ward codes); ``names``/``fingerprint`` give a source's provenance name and
    content fingerprint."""
    cats = categories(con)
    cat = pd.DataFrame(
        {
            "crime_type": pd.Series(list(cats), dtype=object),
            "category": pd.Series(list(cats.values()), dtype=object),
        }
    )
    forces = [r[0] for r in con.execute("SELECT DISTINCT force FROM _fm ORDER BY 1").fetchall()]
    ds = pd.DataFrame({"force": forces, "dataset_id": [dataset_id(f, is_demo) for f in forces]})
    # Small tables rather than registered DataFrames: _out is a view, read once
    # by whoever writes the rows (the Parquet file of the import, or INSERT).
    for name, df in (("_cat", cat), ("_ds", ds)):
        con.register(f"{name}_df", df)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_df")
        finally:
            unregister(con, f"{name}_df")
    # Identical rows (keep_n > 1) are separate incidents: written keep_n times.
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW {OUT_TABLE} AS
           SELECT d.dataset_id, g.force, CAST(g.month || '-01' AS DATE) AS month, g.crime_id,
                  coalesce(c.category, g.crime_type) AS category, g.crime_type AS category_original,
                  g.lon, g.lat, g.location, g.code AS lsoa_code_source, k.lsoa21_code, l.ward_code,
                  k.placed_by, g.outcome, g.context
           FROM (SELECT rid, lsoa21_code, placed_by FROM _k WHERE keep_n = 1
                 UNION ALL
                 SELECT rid, lsoa21_code, placed_by
                 FROM (SELECT *, unnest(range(keep_n)) AS _i FROM _k WHERE keep_n > 1)) k
           JOIN _g g ON g.rowid = k.rid
           JOIN _ds d ON d.force = g.force
           LEFT JOIN _cat c ON c.crime_type = g.crime_type
           LEFT JOIN lsoa21 l ON l.lsoa21_code = k.lsoa21_code"""
    )
    new_rows = {
        r[0]: int(r[1] or 0)
        for r in con.execute(
            "SELECT d.dataset_id, sum(k.keep_n) FROM _k k JOIN _ds d ON d.force = k.force GROUP BY 1"
        ).fetchall()
    }
    fm_rows = con.execute("SELECT force, m, win FROM _fm ORDER BY 1, 2").fetchall()
    force_months = [(f, m) for f, m, _ in fm_rows]
    win_labels = {(f, m): labels(w) for f, m, w in fm_rows} if labels else {}
    new_fm = {
        (f, m): int(n or 0)
        for f, m, n in con.execute(
            "SELECT f.force, f.m, sum(k.keep_n) FROM _fm f LEFT JOIN _k k ON k.force = f.force AND k.month = f.month "
            "GROUP BY 1, 2"
        ).fetchall()
    }
    sources = {}
    by_force = dict(zip(ds["force"], ds["dataset_id"], strict=True))
    for force, dsid in by_force.items():
        q = "SELECT DISTINCT win FROM _fm WHERE force = ? ORDER BY 1"
        srcs = [r[0] for r in con.execute(q, [force]).fetchall()]
        h = hashlib.sha256()
        for s in srcs:
            h.update(f"{names(s)}:{fingerprint(s)}\n".encode())
        sources[dsid] = ([names(s) for s in srcs], h.hexdigest())
    return Staged(
        force_months=force_months,
        forces={v: k for k, v in by_force.items()},
        new_rows=new_rows,
        sources=sources,
        categories=cats,
        new_by_force_month=new_fm,
        labels=win_labels,
        is_demo=bool(is_demo),
        source_note=source_note,
    )


def write(con: duckdb.DuckDBPyConnection, staged: Staged, rows_sql: str, report) -> list[tuple[str, int]]:
    """Replace the (force, month) records in the store's ``crime`` table by
    the staged rows (``rows_sql``: a SELECT of them, as ``con`` sees them) and
    update provenance; returns the replaced (dataset_id, rows) pairs."""
    fm = pd.DataFrame(staged.force_months, columns=["force", "m"])
    con.register("_fm_df", fm)
    try:
        replaced = [
            (d, int(n))
            for d, n in con.execute(
                """SELECT c.dataset_id, count(*) FROM crime c JOIN _fm_df f ON c.force = f.force AND c.month = f.m
                   GROUP BY 1 ORDER BY 1"""
            ).fetchall()
        ]
        if replaced:
            con.execute("DELETE FROM crime USING _fm_df f WHERE crime.force = f.force AND crime.month = f.m")
    finally:
        unregister(con, "_fm_df")
    con.execute(f"INSERT INTO crime {rows_sql}")
    provenance(con, staged, replaced, report)
    return replaced


def provenance(con: duckdb.DuckDBPyConnection, staged: Staged, replaced: list[tuple[str, int]], report) -> None:
    """One dataset row per force (``police_uk:<force>``): period and row
    count recomputed from ``crime``; other datasets whose months were
    replaced are brought up to date, and deleted when left empty."""
    ours = staged.forces
    touched = sorted(set(ours) | {d for d, _ in replaced})
    counts = {
        r[0]: r[1:]
        for r in con.execute(
            "SELECT dataset_id, count(*), min(month), max(month) FROM crime "
            "WHERE list_contains(?, dataset_id) GROUP BY 1",
            [touched],
        ).fetchall()
    }
    for dsid in touched:
        n, start, end = counts.get(dsid, (0, None, None))
        if n == 0:
            con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dsid])
            continue
        if dsid not in ours:
            con.execute(
                "UPDATE dataset SET row_count = ?, period_start = ?, period_end = ? WHERE dataset_id = ?",
                [n, start, month_end(end), dsid],
            )
            continue
        force = ours[dsid]
        names, file_hash = staged.sources[dsid]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6:,} more" if len(names) > 6 else "")
        source = staged.source_note or f"data.police.uk street-level crime ({force}): {shown}"
        if n > int(staged.new_rows.get(dsid) or 0):
            source += "; and earlier imports"
        store.record_dataset(
            con,
            dataset_id=dsid,
            name=f"police.uk street-level crime: {force}" + (" (demo)" if staged.is_demo else ""),
            kind=KIND,
            source=source,
            licence=DEMO_LICENCE if staged.is_demo else OGL,
            is_demo=staged.is_demo,
            row_count=n,
            period_start=start,
            period_end=month_end(end),
            file_hash=file_hash,
        )
        if dsid not in report.datasets:
            report.datasets.append(dsid)


def month_end(d: dt.date | None) -> dt.date | None:
    if d is None:
        return None
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)
