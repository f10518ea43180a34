"""Classifying street rows while they are read (one DuckDB scan): which rows
can be in the city (candidates for placing), which are only counted, and which
are refused (no crime type, unreadable coordinates, no force, a bad month).

The class of a row (``cls``, :mod:`.schema`) is decided in SQL by
:func:`cls_sql`; :func:`check_batch` turns the refused classes into a one-line
:class:`~swp_data.errors.InputError` naming the file and the first such row.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np

from swp_data.errors import InputError
from swp_data.sources.policeuk.schema import (
    BAD_COORDS,
    CAND,
    FIRST_MONTH,
    MONTH,
    NO_LOCATION,
    NO_TYPE,
    OUTSIDE,
    POLICE_COLUMNS,
    is_force,
)

# A tiny margin around the city's bounding box (degrees): points on its edge are candidates.
BBOX_EPS = 1e-6


def cls_sql(bbox: tuple[float, float, float, float], city_codes: str = "_city_code") -> str:
    """The SQL CASE giving a row's class from the columns ``crime_type``,
    ``lon_txt``/``lat_txt`` (as written), ``lon``/``lat`` (TRY_CAST) and
    ``code``: a city LSOA code (2011 or 2021, table ``city_codes``) or a point
    in the city's bounding box makes a candidate."""
    x0, y0, x1, y1 = bbox
    eps = BBOX_EPS
    return f"""CASE
        WHEN crime_type IS NULL THEN {NO_TYPE}
        WHEN (lon_txt IS NOT NULL AND (lon IS NULL OR NOT isfinite(lon) OR abs(lon) > 180))
          OR (lat_txt IS NOT NULL AND (lat IS NULL OR NOT isfinite(lat) OR abs(lat) > 90))
            THEN {BAD_COORDS}
        WHEN code IN (SELECT code FROM {city_codes})
          OR (lon BETWEEN {x0 - eps} AND {x1 + eps} AND lat BETWEEN {y0 - eps} AND {y1 + eps})
            THEN {CAND}
        WHEN code IS NULL AND (lon IS NULL OR lat IS NULL) THEN {NO_LOCATION}
        ELSE {OUTSIDE}
    END"""


def month_problem(month: str | None, today: dt.date) -> str | None:
    """Why a police.uk month is refused (malformed, before police.uk street
    data starts in Dec 2010, or in the future), or None."""
    m = MONTH.match(month or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        return f"Month {str(month)[:40]!r} is not a month like 2024-01"
    year, mon = int(m.group(1)), int(m.group(2))
    if (year, mon) < FIRST_MONTH:
        return f"Month {month} is before Dec 2010, when police.uk street data starts"
    first = dt.date(year, mon, 1)
    if first > today:
        return f"Month {month} is in the future (today is {today:%d %b %Y})"
    return None


def first_row(path: Path, pred: Callable[[list[str]], bool]) -> int | None:
    """Spreadsheet row number (1 = header) of the first data row matching
    ``pred``; a slow path used only to point at a problem found in SQL."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        rd = csv.reader(fh)
        next(rd, None)
        for rec in rd:
            if len(rec) == len(POLICE_COLUMNS) and pred(rec):
                return rd.line_num
    return None


def _bad_number(s: str) -> bool:
    if s == "":
        return False
    try:
        v = float(s)
    except ValueError:
        return True
    return not np.isfinite(v)


def _no_type(r: list[str]) -> bool:
    return r[9] == ""


def _bad_coords(r: list[str]) -> bool:
    return (
        _bad_number(r[4])
        or _bad_number(r[5])
        or (r[4] != "" and abs(float(r[4])) > 180)
        or (r[5] != "" and abs(float(r[5])) > 90)
    )


def _no_force(r: list[str]) -> bool:
    return r[2].strip() == ""


def row_problem(force: str | None, month: str | None, cls: int, today: dt.date):
    """(problem, predicate finding the first such row) for one (force, month,
    class) group of a file, or (None, None) when the group is fine."""
    if cls == NO_TYPE:
        return "no Crime type", _no_type
    if cls == BAD_COORDS:
        return "Longitude/Latitude is not a valid coordinate", _bad_coords
    if not force:
        return "no 'Reported by' (force)", _no_force
    if not is_force(force):
        shown = " ".join(force.split())[:60]
        return (
            f"'Reported by' {shown!r} is not one of police.uk's forces (e.g. 'West Midlands Police')",
            lambda r: r[2].strip() == force,
        )
    problem = month_problem(month or "", today)
    if problem:
        want = month or ""
        return problem, lambda r: r[1].strip() == want
    return None, None


# Records of one force and month in or near the city (the city's bounding box
# or a city LSOA code) in one file: Wolverhampton has about 2,500-3,500 a month,
# the box about twice that; a file with more is not police.uk's, and refusing
# it after its first batch keeps a hostile archive from costing minutes.
MAX_CANDIDATES_PER_MONTH = 50_000


def check_batch(con: duckdb.DuckDBPyConnection, inputs: dict, srcs: list[int], today: dt.date) -> None:
    """Problems found in SQL (table ``_g``), pointed at their first row by a slow re-read."""
    big = con.execute(
        f"""SELECT src, force, month, sum(n) FROM _g WHERE list_contains(?, src) AND cls = {CAND}
            GROUP BY ALL HAVING sum(n) > ? ORDER BY src, force, month LIMIT 1""",
        [srcs, MAX_CANDIDATES_PER_MONTH],
    ).fetchall()
    if big:
        src, force, month, n = big[0]
        raise InputError(
            inputs[src].label,
            f"{n:,} records of {force}, {month} in or near Wolverhampton: more than the "
            f"{MAX_CANDIDATES_PER_MONTH:,} a police.uk file can hold for the city (about 3,000 a month)",
        )
    keys = con.execute(
        "SELECT src, force, month, cls, sum(n) FROM _g WHERE list_contains(?, src) GROUP BY ALL ORDER BY ALL",
        [srcs],
    ).fetchall()
    for src, force, month, cls, _n in keys:
        problem, pred = row_problem(force, month, cls, today)
        if problem:
            inp = inputs[src]
            raise InputError(inp.label, problem, row=first_row(inp.path, pred))


# police.uk uses 14 crime types, and a few older names (taxonomy); a file with
# more unknown ones than this is not a police.uk street file (and would make
# the import report, which lists them, as long as the file).
MAX_UNKNOWN_TYPES = 20


def check_crime_types(con: duckdb.DuckDBPyConnection, inputs: dict) -> None:
    """Refuse files whose city candidates carry more than MAX_UNKNOWN_TYPES
    crime types police.uk does not use (counted in SQL first, so a file of a
    million made-up types is not pulled into Python)."""
    from swp_data import taxonomy

    rows = con.execute(
        f"""SELECT src, count(DISTINCT crime_type) AS n FROM _g WHERE cls = {CAND}
            GROUP BY src ORDER BY n DESC, src LIMIT 1"""
    ).fetchall()
    if not rows:
        return
    src, n = rows[0]
    if n > 10 * MAX_UNKNOWN_TYPES:
        unknown = n
    else:
        types = [r[0] for r in con.execute(f"SELECT DISTINCT crime_type FROM _g WHERE cls = {CAND}").fetchall()]
        bad = [t for t in types if taxonomy.canonical(t) is None]
        if len(bad) <= MAX_UNKNOWN_TYPES:
            return
        unknown = len(bad)
        src = con.execute(
            f"SELECT src FROM _g WHERE cls = {CAND} AND list_contains(?, crime_type) GROUP BY src "
            "ORDER BY count(DISTINCT crime_type) DESC, src LIMIT 1",
            [bad],
        ).fetchall()[0][0]
    raise InputError(
        inputs[src].label,
        f"{unknown:,} different crime types that police.uk does not use (it uses 14): not a police.uk street file",
    )
