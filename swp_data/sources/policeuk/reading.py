"""Reading police.uk street files: the CSV header checks, one DuckDB scan of a
batch of CSVs into the staging table ``_g`` (rows grouped and classified on the
way, :mod:`.classifying`), and the API ``crimes-street`` JSON records.

``_g`` holds one row per group of identical rows of a file (``n`` counts
them): candidates and rows without a location keep their columns; rows that
cannot be in the city keep only their force, month and class.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb
import numpy as np

from swp_data.errors import InputError
from swp_data.sources.policeuk.classifying import cls_sql, month_problem
from swp_data.sources.policeuk.lad_counts import LOOKUP_TABLE
from swp_data.sources.policeuk.schema import (
    API_BTP_FORCE,
    API_DUPLICATE,
    API_FORCE,
    CAND,
    NO_LOCATION,
    OUTSIDE,
    POLICE_COLUMNS,
)

# The staging table every reader writes (one per import, on the staging connection).
STAGING_DDL = """CREATE OR REPLACE TEMP TABLE _g (
    src INTEGER, force VARCHAR, month VARCHAR, cls TINYINT, by_id BOOLEAN,
    crime_id VARCHAR, lon DOUBLE, lat DOUBLE, location VARCHAR, code VARCHAR,
    crime_type VARCHAR, outcome VARCHAR, context VARCHAR, n BIGINT)"""
STAGING_COLUMNS = [
    "src",
    "force",
    "month",
    "cls",
    "by_id",
    "crime_id",
    "lon",
    "lat",
    "location",
    "code",
    "crime_type",
    "outcome",
    "context",
    "n",
]


# ----------------------------------------------------------------------------- CSV headers
def read_csv_options(filename: bool = False) -> str:
    """DuckDB ``read_csv`` options for a street CSV: the 12 columns by name, all
    VARCHAR (codes and IDs stay text; numbers are cast and checked in SQL),
    strict quoting and field counts, UTF-8."""
    cols = ", ".join(f"'{c}': 'VARCHAR'" for c in POLICE_COLUMNS)
    opts = (
        f"columns = {{{cols}}}, header = true, auto_detect = false, delim = ',', "
        "quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
        "ignore_errors = false, encoding = 'utf-8'"
    )
    return opts + (", filename = true" if filename else "")


def normalise_header(columns: Iterable[str]) -> list[str]:
    return [str(c).strip().lstrip("\ufeff").strip().lower() for c in columns]


def is_street_header(columns: Iterable[str]) -> bool:
    """True for the 12-column police.uk street CSV header (case and spaces ignored)."""
    return normalise_header(columns) == [c.lower() for c in POLICE_COLUMNS]


def read_header(path: Path, label: str | None = None) -> list[str]:
    """The header row of a CSV file (UTF-8, BOM allowed)."""
    label = label or str(path)
    with open(path, "rb") as fh:
        head = fh.read(65536)
    return header_of(head, label)


def header_of(head: bytes, label: str) -> list[str]:
    """The header row of a CSV from its first bytes (UTF-8, BOM allowed)."""
    if not head.strip():
        raise InputError(label, "the file is empty")
    first = head.split(b"\n", 1)[0]
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(
            label,
            f"not UTF-8 text (byte 0x{first[e.start]:02x} in the header); save the file as UTF-8 CSV and try again",
            row=1,
        ) from None
    try:
        return next(csv.reader([text.rstrip("\r")]))
    except (csv.Error, StopIteration):
        raise InputError(label, "unreadable CSV header", row=1) from None


def header_problem(header: list[str]) -> str | None:
    """For a header with most (8+) of the police.uk columns, what differs; else None."""
    got = normalise_header(header)
    want = [c.lower() for c in POLICE_COLUMNS]
    if sum(c in got for c in want) < 8 or got == want:
        return None
    missing = [c for c in POLICE_COLUMNS if c.lower() not in got]
    extra = [h for h, g in zip(header, got, strict=True) if g not in want]
    parts = []
    if missing:
        parts.append("column(s) missing: " + ", ".join(missing))
    if extra:
        parts.append("unexpected column(s): " + show_header(extra, 120))
    if not parts:
        parts.append("its columns are not in the police.uk order: " + show_header(header))
    return "; ".join(parts)


def show_header(header: list[str], limit: int = 240) -> str:
    """A header for a one-line message: fields squeezed, the whole capped."""
    text = ", ".join(" ".join(str(h).split())[:60] for h in header)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ----------------------------------------------------------------------------- CSV scan
@dataclasses.dataclass
class CsvInput:
    """One street CSV on disk (a user file, or an archive member extracted to a
    temporary file) and how to name it in messages."""

    path: Path  # where DuckDB reads it
    label: str  # user-facing name: the file, or 'archive.zip!member'
    src: int  # position in sorted path order (last wins)
    name: str  # short name for provenance
    fingerprint: str | None = None  # content_fingerprint if known without reading (zip CRC)


def scan_csv(con: duckdb.DuckDBPyConnection, inputs: list[CsvInput], bbox: tuple[float, float, float, float]) -> None:
    """Read several street CSVs (header already checked) in one DuckDB scan
    into ``_g``: rows grouped by (file, force, month, class); rows that cannot
    be in the city are only counted; city candidates and rows without a
    location keep their columns, identical rows collapsing into one group with
    a count (restored when written: identical rows are separate incidents).
    A reader error becomes an InputError naming file and row."""
    paths = [str(i.path) for i in inputs]
    keep = f"cls IN ({CAND}, {NO_LOCATION})"
    # Rows outside the city keep only the district of their LSOA code and their crime type (grouped: a
    # few hundred groups per force file), for other places' monthly counts (lad_counts).
    has_lookup = bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [LOOKUP_TABLE]).fetchall()[0][0]
    )
    lad_col = "l.lad24_code" if has_lookup else "CAST(NULL AS VARCHAR)"
    lad_join = f'LEFT JOIN {LOOKUP_TABLE} l ON l.lsoa21_code = "LSOA code"' if has_lookup else ""
    try:
        con.execute(
            f"""
            INSERT INTO _g
            SELECT f.src, trim(a.force), trim(a.month), a.cls, true, a.crime_id, a.lon, a.lat,
                   a.location, a.code, a.crime_type, a.outcome, a.context, a.n
            FROM (
                SELECT file, force, month, cls,
                       CASE WHEN {keep} THEN crime_id END AS crime_id,
                       CASE WHEN cls = {CAND} THEN lon END AS lon,
                       CASE WHEN cls = {CAND} THEN lat END AS lat,
                       CASE WHEN {keep} THEN location END AS location,
                       -- outside the city: the district of the LSOA code (other places' counts, lad_counts)
                       CASE WHEN {keep} THEN code WHEN cls = {OUTSIDE} THEN lad END AS code,
                       CASE WHEN {keep} OR cls = {OUTSIDE} THEN crime_type END AS crime_type,
                       CASE WHEN {keep} THEN outcome END AS outcome,
                       CASE WHEN {keep} THEN context END AS context,
                       count(*) AS n
                FROM (
                    SELECT *, {cls_sql(bbox)} AS cls
                    FROM (
                        SELECT filename AS file, "Reported by" AS force, "Month" AS month,
                               "Crime ID" AS crime_id, "Longitude" AS lon_txt, "Latitude" AS lat_txt,
                               TRY_CAST("Longitude" AS DOUBLE) AS lon, TRY_CAST("Latitude" AS DOUBLE) AS lat,
                               "Location" AS location, "LSOA code" AS code, "Crime type" AS crime_type,
                               "Last outcome category" AS outcome, "Context" AS context, {lad_col} AS lad
                        FROM read_csv(?, {read_csv_options(filename=True)}) {lad_join}
                    )
                )
                GROUP BY ALL
            ) a
            JOIN (SELECT unnest(?::VARCHAR[]) AS file, unnest(?::INTEGER[]) AS src) f ON f.file = a.file
            """,
            [paths, paths, [i.src for i in inputs]],
        )
    except duckdb.Error as e:
        raise csv_error(e, inputs) from None


_DUCK_LINE = re.compile(r"CSV Error on Line:\s*(\d+)")
_DUCK_FILE = re.compile(r"^\s*file\s*=\s*(.+?)\s*$", re.MULTILINE)


def csv_error(e: duckdb.Error, inputs: list[CsvInput]) -> InputError:
    """An InputError (file, row, problem) from a DuckDB CSV reader error."""
    msg = str(e)
    by_path = {str(i.path): i for i in inputs}
    m = _DUCK_FILE.search(msg)
    inp = by_path.get(m.group(1)) if m else None
    if inp is None:
        inp = next((i for p, i in by_path.items() if p in msg), None)
    label = inp.label if inp else (inputs[0].label if len(inputs) == 1 else ", ".join(i.label for i in inputs))
    lm = _DUCK_LINE.search(msg)
    row = int(lm.group(1)) if lm else None
    if "unicode" in msg.lower() or "utf-8" in msg.lower() or "utf8" in msg.lower():
        problem = "not UTF-8 text; save the file as UTF-8 CSV and try again"
    else:
        cm = re.search(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)", msg)
        if cm:
            exp, got = int(cm.group(1)), int(cm.group(2))
            problem = f"expected {exp} fields, found {got}"
            if got < exp and inp is not None and row is not None and _is_last_line(inp.path, row):
                problem += ": the file looks truncated"
        elif "unterminated quote" in msg.lower():
            problem = "a quoted value is not closed: the file looks truncated or malformed"
        else:
            first = next((ln for ln in msg.splitlines() if ln.strip()), msg)
            problem = f"unreadable CSV ({first.strip()[:200]})"
    return InputError(label, problem, row=row)


def _is_last_line(path: Path, line: int) -> bool:
    try:
        with open(path, "rb") as fh:
            n = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
            fh.seek(max(0, fh.tell() - 1))
            ends_nl = fh.read(1) == b"\n"
    except OSError:
        return False
    last = n if ends_nl else n + 1
    return line >= last


# ----------------------------------------------------------------------------- API JSON
# The largest API crimes-street response file taken: the API returns at most
# 10,000 crimes per request (about 6-7 MB of JSON); a file is loaded whole, and
# Python objects take about 8 times the JSON's size, so this bounds memory
# (about 250 MB) whatever the file holds.
MAX_JSON_BYTES = 32 * 1024 * 1024


def load_json(path: Path, label: str) -> list:
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise InputError(
            label,
            f"{size / 1048576:,.0f} MB: larger than the {MAX_JSON_BYTES // 1048576} MB an API crimes-street "
            "response can be (at most 10,000 crimes); split it into one file per request",
        )
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise InputError(label, f"not UTF-8 text (byte at position {e.start})") from None
    except json.JSONDecodeError as e:
        raise InputError(label, f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise InputError(label, "JSON nested too deeply: not a police.uk API crimes-street response") from None
    except ValueError as e:  # e.g. an integer of more than 4,300 digits
        raise InputError(label, f"not valid JSON ({str(e)[:120]})") from None
    if not isinstance(data, list):
        raise InputError(label, "not a police.uk API crimes-street response: expected a list of crime records")
    return data


def api_record(label: str, k: int, rec) -> dict:
    """One API crime record, checked; ``k`` is its 1-based position in the file."""

    def bad(problem: str) -> InputError:
        return InputError(label, f"record {k}: {problem}")

    if not isinstance(rec, dict):
        raise bad("not an object")
    missing = [key for key in ("id", "category", "month", "location") if key not in rec]
    if missing:
        raise bad(f"missing key(s) {', '.join(missing)}")
    rid = rec["id"]
    if rid is None or isinstance(rid, (dict, list, bool)) or str(rid).strip() == "":
        raise bad("no id")
    if not isinstance(rec["category"], str) or not rec["category"].strip():
        raise bad("no category")
    month = rec["month"]
    if not isinstance(month, str):
        raise bad("month is not text like 2018-06")
    loc = rec["location"]
    lon = lat = None
    street = None
    if loc is not None:
        if not isinstance(loc, dict) or "latitude" not in loc or "longitude" not in loc:
            raise bad("location has no latitude/longitude")
        try:
            if loc["latitude"] not in (None, "") and loc["longitude"] not in (None, ""):
                lat, lon = float(loc["latitude"]), float(loc["longitude"])
                if not (np.isfinite(lat) and np.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
                    raise ValueError
        except (TypeError, ValueError, OverflowError):
            shown = f"{str(loc.get('latitude'))[:30]!r}, {str(loc.get('longitude'))[:30]!r}"
            raise bad(f"latitude/longitude {shown} is not a coordinate") from None
        st = loc.get("street")
        if isinstance(st, dict) and st.get("name") not in (None, ""):
            street = str(st["name"])
    pid = rec.get("persistent_id")
    crime_id = str(pid) if pid not in (None, "") else str(rid)
    outcome = rec.get("outcome_status")
    outcome = outcome.get("category") if isinstance(outcome, dict) else None
    ctx = rec.get("context")
    force = API_BTP_FORCE if str(rec.get("location_type") or "").upper() == "BTP" else API_FORCE
    return {
        "id": str(rid),
        "crime_id": crime_id,
        "month": month.strip(),
        "force": force,
        "category": rec["category"].strip(),
        "lon": lon,
        "lat": lat,
        "location": street,
        "outcome": outcome or None,
        "context": str(ctx) if ctx not in (None, "") else None,
    }


def api_rows(files: list[tuple[Path, str]], src: int, today: dt.date) -> list[tuple]:
    """Staging rows (:data:`STAGING_COLUMNS`) of API ``crimes-street``
    responses (``files``: (path, label) in sorted order) read as one source
    ``src``: records de-duplicated on ``id`` across the files (the first copy
    is kept; the others are counted, class API_DUPLICATE)."""
    seen: set = set()
    rows: list[tuple] = []
    dup: dict[tuple[str, str], int] = {}
    for path, label in files:
        records = load_json(path, label)
        for k, rec in enumerate(records, start=1):
            r = api_record(label, k, rec)
            problem = month_problem(r["month"], today)
            if problem:
                raise InputError(label, problem + f" (record {k})")
            if r["id"] in seen:
                dup[(r["force"], r["month"])] = dup.get((r["force"], r["month"]), 0) + 1
                continue
            seen.add(r["id"])
            has_xy = r["lon"] is not None
            rows.append(
                (
                    src,
                    r["force"],
                    r["month"],
                    CAND if has_xy else NO_LOCATION,
                    False,
                    r["crime_id"],
                    r["lon"],
                    r["lat"],
                    r["location"],
                    None,
                    r["category"],
                    r["outcome"],
                    r["context"],
                    1,
                )
            )
    for (force, month), n in dup.items():
        rows.append((src, force, month, API_DUPLICATE, False) + (None,) * 8 + (n,))
    return rows
