"""Impact Areas: the named sets of LSOAs 2021 (tables ``impact_area`` and
``impact_area_lsoa``) and their edits (docs/architecture.md, page 5).

An **Impact Area** is made from a list of LSOA codes (picked on the map or in
a list: :func:`save_area`) or from a file (:mod:`swp_data.places.area_files`), and
can be renamed (:func:`rename_area`) and deleted (:func:`delete_area`). Every
area has a provenance row in ``dataset`` (``impact_area:<area_id>``, kind
``impact_area``) that rename and delete keep in step. Names are stored
verbatim (control characters removed, as all free text) and escaped where
shown. The demo areas are in :mod:`swp_data.demo.areas`.

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import access, store
from swp_data.errors import InputError
from swp_data.sources.tables import clean_text
from swp_data.store import audit

NAME_MAX = 120
USER_LICENCE = "Defined by users of this app"
FILE_LICENCE = "As supplied with the imported file"
DEMO_LICENCE = "Demo data (approximate, for demonstration)"


def in_transaction(fn: Callable, *args, path: Path | None = None, **kwargs):
    """Run ``fn(con, *args, **kwargs)`` in one store transaction (committed on
    success, rolled back on any error) and return its result."""
    with store.transaction(path) as con:
        return fn(con, *args, **kwargs)


def unique_codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(dict.fromkeys(str(c) for c in codes)))


def clean_area_name(name, file=None, where: str = "") -> str:
    """The name as stored: verbatim apart from control characters and runs of
    spaces (like all free text); not empty, at most 120 characters."""
    text = clean_text("" if name is None else str(name))
    prefix = f"{where}: " if where else ""
    if not text:
        raise InputError(file, f"{prefix}the Impact Area needs a name")
    if len(text) > NAME_MAX:
        raise InputError(file, f"{prefix}the name is {len(text)} characters long; use at most {NAME_MAX}")
    return text


def city_lsoas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """code, name, ward_code, ward_name, population of the city's 161 LSOAs 2021."""
    return con.execute(
        "SELECT lsoa21_code AS code, lsoa21_name AS name, ward_code, ward_name, population "
        "FROM lsoa21 ORDER BY lsoa21_code"
    ).df()


def city_codes(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21").fetchall()}


# ----------------------------------------------------------------- areas: CRUD
def list_areas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every Impact Area: area_id, name, source, approximate, is_demo, note,
    created_at, n_lsoa, population, population_share (% of the city)."""
    return con.execute(
        """
        WITH city AS (SELECT sum(population) AS pop FROM lsoa21)
        SELECT a.area_id, a.name, a.source, a.approximate, a.is_demo, a.note, a.created_at,
               count(l.lsoa21_code) AS n_lsoa, coalesce(sum(l.population), 0) AS population,
               100.0 * coalesce(sum(l.population), 0) / any_value(city.pop) AS population_share
        FROM impact_area a
        LEFT JOIN impact_area_lsoa m USING (area_id)
        LEFT JOIN lsoa21 l USING (lsoa21_code)
        CROSS JOIN city
        GROUP BY a.area_id, a.name, a.source, a.approximate, a.is_demo, a.note, a.created_at
        ORDER BY a.name, a.area_id
        """
    ).df()


def area_codes(con: duckdb.DuckDBPyConnection, area_id: str) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "SELECT lsoa21_code FROM impact_area_lsoa WHERE area_id = ? ORDER BY 1", [area_id]
        ).fetchall()
    ]


def get_area(con: duckdb.DuckDBPyConnection, area_id: str) -> dict | None:
    row = con.execute("SELECT * FROM impact_area WHERE area_id = ?", [area_id]).df()
    if row.empty:
        return None
    out = row.iloc[0].to_dict()
    out["codes"] = area_codes(con, area_id)
    return out


def find_area(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """The area_id of the area with this (cleaned) name, or None."""
    r = con.execute(
        "SELECT area_id FROM impact_area WHERE name = ? ORDER BY area_id LIMIT 1", [clean_text(str(name))]
    ).fetchone()
    return r[0] if r else None


def dataset_id_of(area_id: str) -> str:
    """Provenance id of an area; the demo areas (ids ``demo-...``) are ``demo:``
    like every other demo dataset."""
    return f"demo:impact_area:{area_id}" if area_id.startswith("demo-") else f"impact_area:{area_id}"


def save_area(
    con: duckdb.DuckDBPyConnection,
    name: str,
    codes: Iterable[str],
    *,
    source: str,
    approximate: bool = False,
    is_demo: bool = False,
    note: str | None = None,
    replace: bool = False,
    file: str | Path | None = None,
    hash_: str | None = None,
    area_id: str | None = None,
) -> str:
    """Create (or, with ``replace``, replace the area of the same name) an
    Impact Area of the given LSOAs 2021; returns its area_id. Analysts only;
    audited (action ``impact_area``) in the caller's transaction.

    Every code must be one of the city's 161 LSOAs 2021 (InputError naming
    the first that is not); at least one is needed. A replaced area keeps its
    area_id, so links to it (the sidebar's choice) survive a re-import.
    """
    access.require_analyst("saving an Impact Area")
    replaced = find_area(con, clean_area_name(name, file)) is not None
    aid = write_area(
        con,
        name,
        codes,
        source=source,
        approximate=approximate,
        is_demo=is_demo,
        note=note,
        replace=replace,
        file=file,
        hash_=hash_,
        area_id=area_id,
    )
    n = len(area_codes(con, aid))
    audit.record(
        con,
        "impact_area",
        dataset_id=dataset_id_of(aid),
        rows=n,
        fingerprint=hash_,
        detail=f"{'replaced' if replaced else 'saved'} Impact Area {clean_area_name(name, file)!r} ({n} LSOAs)",
    )
    return aid


def write_area(
    con: duckdb.DuckDBPyConnection,
    name: str,
    codes: Iterable[str],
    *,
    source: str,
    approximate: bool = False,
    is_demo: bool = False,
    note: str | None = None,
    replace: bool = False,
    file: str | Path | None = None,
    hash_: str | None = None,
    area_id: str | None = None,
) -> str:
    """:func:`save_area` without its authorisation check and audit row, for
    the callers that check and audit a whole change once (file import, demo
    areas).

    Every code must be one of the city's 161 LSOAs 2021 (InputError naming
    the first that is not); at least one is needed. A replaced area keeps its
    area_id, so links to it (the sidebar's choice) survive a re-import.
    """
    name = clean_area_name(name, file)
    codes = unique_codes(c.strip().upper() for c in codes)
    if not codes:
        raise InputError(file, f"the Impact Area {name!r} has no LSOAs: pick at least one")
    city = city_codes(con)
    outside = [c for c in codes if c not in city]
    if outside:
        raise InputError(
            file,
            f"{outside[0]} is not one of Wolverhampton's 161 LSOAs (2021)"
            + (f" (and {len(outside) - 1} more)" if len(outside) > 1 else ""),
        )
    existing = find_area(con, name)
    if existing and not replace:
        raise InputError(file, f"an Impact Area called {name!r} already exists: choose another name, or replace it")
    if existing:
        area_id = existing
        con.execute("DELETE FROM impact_area_lsoa WHERE area_id = ?", [area_id])
        con.execute("DELETE FROM impact_area WHERE area_id = ?", [area_id])
    area_id = area_id or f"ia-{uuid.uuid4().hex[:12]}"
    now = dt.datetime.now().replace(microsecond=0)
    con.execute(
        "INSERT INTO impact_area VALUES (?, ?, ?, ?, ?, ?, ?)",
        [area_id, name, str(source), bool(approximate), bool(is_demo), note, now],
    )
    con.executemany("INSERT INTO impact_area_lsoa VALUES (?, ?)", [[area_id, c] for c in codes])
    store.record_dataset(
        con,
        dataset_id=dataset_id_of(area_id),
        name=f"Impact Area: {name}",
        kind="impact_area",
        source=str(source),
        licence=DEMO_LICENCE if is_demo else (FILE_LICENCE if file else USER_LICENCE),
        is_demo=is_demo,
        row_count=len(codes),
        file_hash=hash_,
    )
    return area_id


def rename_area(con: duckdb.DuckDBPyConnection, area_id: str, new_name: str) -> str:
    """Rename an area (InputError if the name is empty, too long or taken).
    Analysts only; audited."""
    access.require_analyst("renaming an Impact Area")
    name = clean_area_name(new_name)
    old = con.execute("SELECT name FROM impact_area WHERE area_id = ?", [area_id]).fetchone()
    if not old:
        raise InputError(None, f"there is no Impact Area {area_id!r} (deleted meanwhile?)")
    other = find_area(con, name)
    if other and other != area_id:
        raise InputError(None, f"an Impact Area called {name!r} already exists: choose another name")
    con.execute("UPDATE impact_area SET name = ? WHERE area_id = ?", [name, area_id])
    con.execute("UPDATE dataset SET name = ? WHERE dataset_id = ?", [f"Impact Area: {name}", dataset_id_of(area_id)])
    audit.record(
        con,
        "impact_area",
        dataset_id=dataset_id_of(area_id),
        rows=0,
        detail=f"renamed Impact Area {old[0]!r} to {name!r}",
    )
    return name


def delete_area(con: duckdb.DuckDBPyConnection, area_id: str) -> bool:
    """Delete an area, its LSOA list and its provenance row; False if absent.
    Analysts only; audited."""
    access.require_analyst("deleting an Impact Area")
    found = con.execute("SELECT name FROM impact_area WHERE area_id = ?", [area_id]).fetchone()
    n = len(area_codes(con, area_id))
    con.execute("DELETE FROM impact_area_lsoa WHERE area_id = ?", [area_id])
    con.execute("DELETE FROM impact_area WHERE area_id = ?", [area_id])
    con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dataset_id_of(area_id)])
    if found:
        audit.record(
            con,
            "impact_area",
            dataset_id=dataset_id_of(area_id),
            rows=n,
            detail=f"deleted Impact Area {found[0]!r} ({n} LSOAs)",
        )
    return bool(found)
