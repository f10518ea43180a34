"""The datasets in the store: the provenance table with each dataset's rows
now, and deleting a dataset with all its rows (the Data page, analysts only).

Functions of an open DuckDB connection, or a path (deletion opens its own
transaction); no Streamlit.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from swp_data import access, store
from swp_data.store import audit

DATA_TABLES = (
    "crime",
    "partner_series",
    "engagement_meeting",
    "engagement_survey",
    "engagement_consultation",
    "crime_outcome",  # police.uk outcomes (sources.policeuk.outcomes)
)


PUBLISHED_PREFIX = "published:"


def dataset_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The provenance table with the rows each dataset has in the store now
    (a later import can replace some of an earlier dataset's rows) and whether
    it can be deleted."""
    ds = con.execute("SELECT * FROM dataset ORDER BY kind, dataset_id").df()
    parts = [f"SELECT dataset_id, count(*) AS n FROM {t} GROUP BY 1" for t in DATA_TABLES if store.table_exists(con, t)]
    if parts:
        n = con.execute(
            "SELECT dataset_id, sum(n) AS rows_now FROM (" + " UNION ALL ".join(parts) + ") GROUP BY 1"
        ).df()
        ds = ds.merge(n, on="dataset_id", how="left")
    else:
        ds["rows_now"] = np.nan
    ia = ds["kind"].eq("impact_area")
    ds.loc[ia, "rows_now"] = ds.loc[ia, "row_count"]
    ds["rows_now"] = ds["rows_now"].fillna(0).astype("int64")
    ds.loc[ds["kind"].eq("reference"), "rows_now"] = ds.loc[ds["kind"].eq("reference"), "row_count"]
    ds["deletable"] = [can_delete(k, i) is None for k, i in zip(ds["kind"], ds["dataset_id"], strict=True)]
    return ds


def can_delete(kind: str, dataset_id: str) -> str | None:
    """None when a dataset may be deleted, else why not."""
    if kind == "reference":
        return "reference data from the open-data bundle cannot be deleted (rebuild with `python -m swp_data build`)"
    if dataset_id.startswith(PUBLISHED_PREFIX):
        return "figures published by the partnership come with the open-data bundle and cannot be deleted"
    return None


def delete_dataset(dataset_id: str, path: Path | None = None) -> dict[str, int]:
    """Delete one dataset: its rows in crime, partner_series and the
    engagement tables (an Impact Area: the area and its LSOA list) and its
    provenance row, in one transaction. Returns rows deleted per table.

    Raises KeyError for an unknown id and ValueError for a dataset that
    cannot be deleted (reference data, published figures).
    """
    access.require_analyst("deleting a dataset")
    deleted: dict[str, int] = {}
    with store.transaction(path) as con:
        row = con.execute("SELECT kind, file_hash FROM dataset WHERE dataset_id = ?", [dataset_id]).fetchone()
        if row is None:
            raise KeyError(dataset_id)
        why = can_delete(row[0], dataset_id)
        if why:
            raise ValueError(why)
        for t in DATA_TABLES:
            if store.table_exists(con, t):
                n = store.one(con, f"SELECT count(*) FROM {t} WHERE dataset_id = ?", [dataset_id])
                if n:
                    con.execute(f"DELETE FROM {t} WHERE dataset_id = ?", [dataset_id])
                deleted[t] = int(n)
        if row[0] == "impact_area":
            area_id = dataset_id.split(":", 1)[1]
            deleted["impact_area_lsoa"] = int(
                store.one(con, "SELECT count(*) FROM impact_area_lsoa WHERE area_id = ?", [area_id])
            )
            con.execute("DELETE FROM impact_area_lsoa WHERE area_id = ?", [area_id])
            con.execute("DELETE FROM impact_area WHERE area_id = ?", [area_id])
        con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dataset_id])
        audit.record(
            con,
            "delete",
            dataset_id=dataset_id,
            rows=sum(deleted.values()),
            fingerprint=row[1],
            detail=f"deleted {dataset_id} ({row[0]}): "
            + (", ".join(f"{n:,} row(s) of {t}" for t, n in deleted.items() if n) or "no rows"),
        )
    return deleted


def provenance(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The provenance table as stored: one row per dataset, by kind and id."""
    return con.execute("SELECT * FROM dataset ORDER BY kind, dataset_id").df()
