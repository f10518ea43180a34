"""Helpers shared by the Impact Area tests (test_places, test_area_files_hostile)."""

from __future__ import annotations

import duckdb

AREA_TABLES = (
    "SELECT * FROM impact_area ORDER BY area_id",
    "SELECT * FROM impact_area_lsoa ORDER BY ALL",
    "SELECT dataset_id, row_count FROM dataset ORDER BY 1",
)


def ro(path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def snapshot(path, *, audit: bool = False) -> tuple:
    """The Impact Areas, their LSOAs and the datasets (and, with ``audit``,
    the number of audit rows): equal before and after a change that did nothing."""
    con = ro(path)
    try:
        queries = AREA_TABLES + (("SELECT count(*) FROM audit",) if audit else ())
        return tuple(con.execute(q).fetchall() for q in queries)
    finally:
        con.close()
