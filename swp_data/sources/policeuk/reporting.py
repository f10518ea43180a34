"""Reporting: what an import read and where each row went, from the staging
tables (``_g``, ``_fm``, ``_k``), in :class:`~swp_data.sources.imports.ImportReport`.

Counting: every row read ends in exactly one of rows_kept, outside_city,
no_location or duplicates_dropped.
"""

from __future__ import annotations

import duckdb

from swp_data.sources.policeuk.schema import API_DUPLICATE, CAND, NO_LOCATION, OUTSIDE


def fill_report(con: duckdb.DuckDBPyConnection, rep, categories: dict) -> None:
    """Add what the staged records say to the report (every row read ends in
    exactly one of rows_kept, outside_city, no_location or
    duplicates_dropped), with the warnings users need."""
    # Per (source, force, month): rows read and where each went.
    stats = con.execute(
        f"""
        WITH r AS (
            SELECT src, force, month,
                   sum(n) AS rows_read,
                   sum(n) FILTER (WHERE cls = {OUTSIDE}) AS outside,
                   sum(n) FILTER (WHERE cls = {API_DUPLICATE}) AS dup
            FROM _g GROUP BY ALL),
        k AS (
            SELECT src, force, month,
                   sum(keep_n) AS kept,
                   sum(n) FILTER (WHERE placed_by IS NULL AND cls = {CAND}) AS outside,
                   sum(n) FILTER (WHERE placed_by IS NULL AND cls = {NO_LOCATION}) AS no_location,
                   sum(n - keep_n) FILTER (WHERE placed_by IS NOT NULL) AS dup,
                   sum(keep_n) FILTER (WHERE placed_by = 'code') AS by_code,
                   sum(keep_n) FILTER (WHERE placed_by = 'code' AND has_xy) AS by_code_xy,
                   sum(keep_n) FILTER (WHERE placed_by = 'none') AS unlocated,
                   sum(keep_n) FILTER (WHERE disagree) AS disagree
            FROM _k GROUP BY ALL)
        SELECT r.force, r.month, f.win = r.src AS won,
               r.rows_read, coalesce(k.no_location, 0), coalesce(r.outside, 0) + coalesce(k.outside, 0),
               coalesce(r.dup, 0) + coalesce(k.dup, 0), coalesce(k.kept, 0), coalesce(k.by_code, 0),
               coalesce(k.by_code_xy, 0), coalesce(k.disagree, 0), coalesce(k.unlocated, 0)
        FROM r JOIN _fm f ON f.force = r.force AND f.month = r.month
        LEFT JOIN k ON k.src = r.src AND k.force = r.force AND k.month = r.month
        """
    ).fetchall()
    superseded = xy_outside = 0
    months = set(rep.months)
    kept_by_force: dict[str, int] = {}
    for force, month, won, read, noloc, outside, dup, kept, by_code, by_code_xy, dis, unlocated in stats:
        rep.rows_read += int(read)
        if not won:
            rep.duplicates_dropped += int(read)
            superseded += int(read)
            continue
        months.add(month)
        kept_by_force[force] = kept_by_force.get(force, 0) + int(kept)
        rep.no_location += int(noloc)
        rep.kept_without_location += int(unlocated)
        rep.outside_city += int(outside)
        rep.duplicates_dropped += int(dup)
        rep.rows_kept += int(kept)
        rep.placed_by_code += int(by_code)
        rep.disagreements += int(dis)
        xy_outside += int(by_code_xy)
    rep.months = sorted(months)
    for crime_type, n in con.execute(
        "SELECT crime_type, sum(keep_n) FROM _k WHERE keep_n > 0 GROUP BY 1 ORDER BY 2 DESC, 1"
    ).fetchall():
        canonical = categories.get(crime_type)
        key = canonical or crime_type
        rep.by_category[key] = rep.by_category.get(key, 0) + int(n)
        if canonical is None:
            rep.unknown_categories[crime_type] = rep.unknown_categories.get(crime_type, 0) + int(n)
    empty = sorted(f for f, n in kept_by_force.items() if n == 0)
    if empty:
        rep.warnings.append(
            "no Wolverhampton records in the files of "
            + ", ".join(empty)
            + " (their months were read, and replace what was loaded for them before)"
        )
    if superseded:
        rep.warnings.append(
            f"{superseded:,} row(s) of a force and month that came again in a later file of this import "
            "were dropped (the last file in path order was kept)"
        )
    if rep.kept_without_location:
        rep.warnings.append(
            f"{rep.kept_without_location:,} row(s) without a location were kept, from files holding only "
            "Wolverhampton records: they count in city totals, not on maps or in ward and LSOA figures"
        )
    if rep.no_location:
        rep.warnings.append(
            f"{rep.no_location:,} row(s) without a location were not kept: their files cover more than "
            "the city, so nothing says whether they happened in Wolverhampton"
        )
    if xy_outside:
        rep.warnings.append(
            f"{xy_outside:,} row(s) with a Wolverhampton LSOA code had coordinates just outside the city "
            "boundary: kept and placed by their LSOA code"
        )
    if rep.unknown_categories:
        rep.warnings.append(
            "unknown crime categories kept under their own name: "
            + ", ".join(f"{k!r} ({v:,})" for k, v in rep.unknown_categories.items())
        )


def replaced_warning(rep, replaced: list[tuple[str, int]]) -> None:
    """Say which datasets' records of the same force and month were replaced."""
    if replaced:
        rep.warnings.append(
            "replaced the records loaded before for the same force and month: "
            + ", ".join(f"{d} ({n:,} rows)" for d, n in replaced)
        )
