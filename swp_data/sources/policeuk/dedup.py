"""De-duplicating (docs/architecture.md, Crime taxonomy).

* Sources: a (force, month) arriving in several files of one import is taken
  from the last in sorted path order (:func:`winners`, table ``_fm``); the rows
  of the other copies count as duplicates.
* Records: a row is a duplicate only when its non-empty Crime ID repeats within
  the same force and month of one file (:func:`dedupe`); one copy stays, chosen
  by content (not by position, which the grouping scan does not keep) so that a
  re-import keeps the same one. Identical rows without a Crime ID (anti-social
  behaviour) are separate incidents and all kept. API records were already
  de-duplicated on their ``id`` while read (:func:`.reading.api_rows`).

:func:`dedupe` also decides which rows are kept: placed ones, and rows without
a location when their source is a city extract (no row outside the city, every
candidate placed).
"""

from __future__ import annotations

import duckdb

from swp_data.sources.policeuk.schema import CAND, NO_LOCATION, OUTSIDE


def winners(con: duckdb.DuckDBPyConnection) -> None:
    """``_fm``: each (force, month) of ``_g``, its first day and its winning source."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _fm AS
           SELECT force, month, CAST(month || '-01' AS DATE) AS m, max(src) AS win
           FROM _g GROUP BY force, month"""
    )


def dedupe(con: duckdb.DuckDBPyConnection) -> None:
    """``_k`` from ``_p`` (:func:`.placing.place`): for each row, how many of
    its ``n`` identical copies are written (``keep_n``) and how it was placed
    (``placed_by`` NULL: not kept). Narrow: the text columns are read from
    ``_g`` once, when written, rather than copied."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _k AS
        WITH x AS (
            SELECT src FROM _p WHERE cls = {CAND} GROUP BY src HAVING bool_and(lsoa21_code IS NOT NULL)
            EXCEPT
            SELECT src FROM _g WHERE cls = {OUTSIDE}),
        q AS (
            SELECT p.*, (p.lsoa21_code IS NOT NULL OR (p.cls = {NO_LOCATION} AND x.src IS NOT NULL)) AS kept
            FROM _p p LEFT JOIN x ON x.src = p.src),
        d AS (
            SELECT src, force, month, crime_id FROM q
            WHERE by_id AND crime_id IS NOT NULL AND kept
            GROUP BY ALL HAVING count(*) > 1 OR max(n) > 1),
        r AS (
            SELECT q.rid, row_number() OVER (
                PARTITION BY q.src, q.force, q.month, q.crime_id
                ORDER BY g.location, g.lon, g.lat, g.crime_type, g.outcome, g.context, g.code,
                         q.lsoa21_code) AS rn
            FROM q JOIN d ON d.src = q.src AND d.force = q.force AND d.month = q.month
                         AND d.crime_id = q.crime_id
                   JOIN _g g ON g.rowid = q.rid
            WHERE q.by_id AND q.kept)
        SELECT q.rid, q.src, q.force, q.month, q.cls, q.crime_type, q.has_xy, q.n,
               q.lsoa21_code, CASE WHEN q.kept THEN coalesce(q.placed_by, 'none') END AS placed_by,
               q.disagree,
               CASE WHEN NOT q.kept THEN 0
                    WHEN r.rid IS NULL THEN q.n
                    WHEN r.rn = 1 THEN 1 ELSE 0 END AS keep_n
        FROM q LEFT JOIN r ON r.rid = q.rid"""
    )
