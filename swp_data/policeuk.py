"""police.uk street-level crime: street CSVs (single monthly files, folders of
them, data.police.uk archive zips) and API ``crimes-street`` JSON responses.

:mod:`swp_data.imports` finds and dispatches the files; this module reads them
into the ``crime`` table through :class:`StreetImporter`, inside the caller's
transaction.

Facts of police.uk that drive the decisions below (DESIGN.md, Crime taxonomy):

* Street CSVs have 12 columns (:data:`POLICE_COLUMNS`). The force key is
  "Reported by" (British Transport Police reports its own records). A force's
  monthly file covers the whole force area, so only about a tenth of a West
  Midlands file is in Wolverhampton: rows are filtered inside DuckDB (city LSOA
  codes, or coordinates in the city's bounding box) and only those candidates
  reach Python for point in polygon.
* Anti-social behaviour rows have no Crime ID, and two identical rows are two
  incidents at the same anonymised map point: identical rows are never
  dropped. A row is a duplicate only when its non-empty Crime ID repeats within
  the same force and month of one file.
* Every archive republishes earlier months with updated outcomes, so a (force,
  month) arriving again replaces what was loaded for it before, from any file,
  archive or dataset (demo included). Within one import the last copy in
  sorted path order wins; the rows of the other copies count as duplicates.
* "No Location" rows have neither coordinates nor LSOA code. In a force's
  file nothing says whether they are in the city: they are not kept (counted
  as ``no_location``). In a city extract (a file, archive member or set of API
  responses whose located records are all in the city: none outside, every
  candidate placed, at least one) they are the city's: kept, flagged
  ``placed_by = 'none'`` with no LSOA or ward, so they count in city totals
  but not on maps or in ward and LSOA figures (``kept_without_location``).
* The API returns the same crime once per overlapping query polygon: records
  are de-duplicated on ``id`` across all the JSON files of an import. The API
  has no force column; records are West Midlands Police (the city lies wholly
  inside that force area) except those with ``location_type`` "BTP", which are
  British Transport Police's, as in the CSVs.

Placing (DESIGN.md, Geography): a kept record goes to the LSOA 2021 its
coordinates fall in (point in polygon on the full shapes); without coordinates,
or with coordinates just outside the city boundary but a city LSOA code, it is
placed by its code (a 2011 code goes to the 2021 LSOA with the largest share of
its population in the crosswalk). A code that disagrees with the coordinates is
counted; the coordinates win.

Counting: every row read ends in exactly one of rows_kept, outside_city,
no_location or duplicates_dropped.

Provenance: each force's dataset row records the files it came from and a
fingerprint of their content (CRC-32 and size, the zip format's own checksum:
see :func:`content_fingerprint`).
"""

from __future__ import annotations

import concurrent.futures
import csv
import dataclasses
import datetime as dt
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath

import duckdb
import numpy as np
import pandas as pd

from geo.boundaries import from_frame
from geo.spatial import AreaLocator

from . import store, taxonomy
from .errors import InputError

# The published header of data.police.uk street CSVs (2010 onwards).
POLICE_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
KIND = "police_uk"
OGL = "Open Government Licence v3.0"
DEMO_LICENCE = "Demo data (synthetic)"
# The API has no force column (see the module docstring).
API_FORCE = "West Midlands Police"
API_BTP_FORCE = "British Transport Police"
# Archive members that are street files: ``YYYY-MM/YYYY-MM-<force>-street.csv``
# (matched on the file name, so an extra top folder is fine). Outcomes and
# stop-and-search members are skipped.
STREET_MEMBER = re.compile(r"^(\d{4})-(\d{2})-[a-z0-9][a-z0-9-]*-street\.csv$", re.IGNORECASE)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")

# Row classes while reading (``_g.cls``).
CAND, NO_LOCATION, OUTSIDE, BAD_COORDS, NO_TYPE, API_DUPLICATE = 0, 1, 2, 3, 4, 5


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
    extra = [h for h, g in zip(header, got) if g not in want]
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


def force_slug(force: str) -> str:
    """'West Midlands Police' -> 'west-midlands' (the data.police.uk style)."""
    s = re.sub(r"[^a-z0-9]+", "-", force.strip().lower()).strip("-")
    s = re.sub(r"-police$", "", s)
    return s or "unknown"


def dataset_id(force: str, is_demo: bool) -> str:
    return ("demo:" if is_demo else "") + f"{KIND}:{force_slug(force)}"


# ----------------------------------------------------------------------------- archives
def check_member_name(archive: str, name: str) -> None:
    """Reject member names that would land outside the archive's folder."""
    p = name.replace("\\", "/")
    parts = PurePosixPath(p).parts
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p) or ".." in parts or "\x00" in p:
        raise InputError(archive, f"member {name!r}: path escapes the archive; refusing to read it")


def archive_members(path: Path, label: str | None = None) -> tuple[list[zipfile.ZipInfo], int]:
    """The street-CSV members of a police.uk archive (sorted by name) and the
    number of other members skipped. Every member name is checked first."""
    label = label or str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(label, f"not a readable zip archive ({e})") from None
    for info in infos:
        check_member_name(label, info.filename)
    files = [i for i in infos if not i.is_dir()]
    street = [i for i in files if STREET_MEMBER.match(PurePosixPath(i.filename).name)]
    if not street:
        raise InputError(
            label,
            "no police.uk street files in this archive (expected members like "
            "2024-01/2024-01-west-midlands-street.csv)",
        )
    for info in street:
        if info.flag_bits & 0x1:
            raise InputError(label, f"member {info.filename}: encrypted; cannot read it")
    return sorted(street, key=lambda i: i.filename), len(files) - len(street)


# ----------------------------------------------------------------------------- sources
@dataclasses.dataclass
class CsvInput:
    """One street CSV on disk (a user file, or an archive member extracted to a
    temporary file) and how to name it in messages."""

    path: Path  # where DuckDB reads it
    label: str  # user-facing name: the file, or 'archive.zip!member'
    src: int  # position in sorted path order (last wins)
    name: str  # short name for provenance
    fingerprint: str | None = None  # content_fingerprint if known without reading (zip CRC)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def content_fingerprint(crc: int, size: int) -> str:
    """A street file's fingerprint for provenance (``dataset.file_hash``): from
    the CRC-32 and size of its content, the checksum a zip archive already
    records for each member. Files on disk get theirs from
    :func:`_file_fingerprint`, so a file has the same fingerprint loose or in
    an archive.

    CRC-32 is not a cryptographic hash: it tells which content was loaded and
    that it changed (any edit of a published file changes it, barring a
    deliberate forgery), which is what provenance needs, at half the CPU of
    sha256 (0.10 s for 231 MB here, reading included, against 0.19 s; on two
    cores that CPU is taken from DuckDB). Reading the content, rather than
    trusting size and modification time, keeps the fingerprint the same for the
    same file wherever and whenever it was copied."""
    return hashlib.sha256(f"{crc & 0xFFFFFFFF:08x}:{size}".encode()).hexdigest()


def _file_fingerprint(path: Path) -> str:
    """:func:`content_fingerprint` of a file on disk (file reads and zlib
    release the GIL, so this runs in a background thread)."""
    crc = size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
    return content_fingerprint(crc, size)


def _first_row(path: Path, pred: Callable[[list[str]], bool]) -> int | None:
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


_DUCK_LINE = re.compile(r"CSV Error on Line:\s*(\d+)")
_DUCK_FILE = re.compile(r"^\s*file\s*=\s*(.+?)\s*$", re.MULTILINE)


def _csv_error(e: duckdb.Error, inputs: list[CsvInput]) -> InputError:
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


# ----------------------------------------------------------------------------- importer
class StreetImporter:
    """Reads police.uk street records into temporary tables of ``con`` (inside
    the caller's transaction), then :meth:`finish` replaces the (force, month)
    records in ``crime`` and brings the provenance rows up to date."""

    def __init__(self, con: duckdb.DuckDBPyConnection, report, *, is_demo: bool, today: dt.date):
        self.con = con
        self.report = report
        self.is_demo = bool(is_demo)
        self.today = today
        self.source_note: str | None = None  # the dataset rows' source when set (the API fetch)
        self.inputs: dict[int, CsvInput] = {}
        self.api_files: dict[int, list[Path]] = {}
        self._hashes: dict[int, str] = {}
        # Content fingerprints of user files for provenance, computed in a
        # background thread after each batch's scan (see read_csv_batch and
        # content_fingerprint).
        self._hashing = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="swp-hash")
        self._futures: dict[int, concurrent.futures.Future] = {}
        self._geography()
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _g (
                src INTEGER, force VARCHAR, month VARCHAR, cls TINYINT, by_id BOOLEAN,
                crime_id VARCHAR, lon DOUBLE, lat DOUBLE, location VARCHAR, code VARCHAR,
                crime_type VARCHAR, outcome VARCHAR, context VARCHAR, n BIGINT)"""
        )

    # -- reference geography ------------------------------------------------------------
    def _geography(self) -> None:
        con = self.con
        # One catalog query (duckdb_tables() is much cheaper to bind than
        # information_schema, which store.table_exists uses).
        found = {
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE table_name IN ('lsoa21', 'lsoa_crosswalk')"
            ).fetchall()
        }
        for t in ("lsoa21", "lsoa_crosswalk"):
            if t not in found:
                raise InputError(None, f"the store has no {t} table; run `python -m swp_data build` first")
        lsoa = con.execute("SELECT lsoa21_code, ward_code, geom FROM lsoa21 ORDER BY lsoa21_code").df()
        if lsoa.empty:
            raise InputError(None, "the store has no LSOA shapes; run `python -m swp_data build` first")
        self.locator = _locator(lsoa)
        # A 2021 code maps to itself; a 2011 code to each 2021 LSOA it became,
        # 'best' marking the one with the largest share of its population.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _code_map AS
               SELECT code, lsoa21_code, bool_or(best) AS best FROM (
                   SELECT lsoa21_code AS code, lsoa21_code, true AS best FROM lsoa21
                   UNION ALL
                   SELECT lsoa11_code, lsoa21_code,
                          row_number() OVER (PARTITION BY lsoa11_code ORDER BY weight DESC, lsoa21_code) = 1
                   FROM lsoa_crosswalk)
               GROUP BY ALL"""
        )
        con.execute("CREATE OR REPLACE TEMP TABLE _city_code AS SELECT DISTINCT code FROM _code_map")
        # Position of each LSOA in the locator (what locate_index returns).
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _lsoa_idx AS
               SELECT CAST(unnest(range(len(c))) AS BIGINT) AS idx, unnest(c) AS lsoa21_code
               FROM (SELECT ?::VARCHAR[] AS c)""",
            [[str(c) for c in self.locator.codes]],
        )

    # -- street CSVs ---------------------------------------------------------------------
    def read_csv_batch(self, inputs: list[CsvInput]) -> None:
        """Read several street CSVs in one DuckDB scan (header already checked).

        One pass over the files groups the rows by (file, force, month, class):
        rows that cannot be in the city are only counted; city candidates (a
        city LSOA code, or coordinates in the city's bounding box) and rows
        without a location (kept when the file turns out to be a city extract)
        keep their columns, identical rows collapsing into one group with a
        count (restored when written: identical rows are separate incidents)."""
        if not inputs:
            return
        con = self.con
        for i in inputs:
            self.inputs[i.src] = i
        paths = [str(i.path) for i in inputs]
        x0, y0, x1, y1 = self.locator.bbox
        eps = 1e-6
        try:
            con.execute(
                f"""
                INSERT INTO _g
                SELECT f.src, trim(a.force), trim(a.month), a.cls, true, a.crime_id, a.lon, a.lat,
                       a.location, a.code, a.crime_type, a.outcome, a.context, a.n
                FROM (
                    SELECT file, force, month, cls,
                           CASE WHEN cls IN ({CAND}, {NO_LOCATION}) THEN crime_id END AS crime_id,
                           CASE WHEN cls = {CAND} THEN lon END AS lon,
                           CASE WHEN cls = {CAND} THEN lat END AS lat,
                           CASE WHEN cls IN ({CAND}, {NO_LOCATION}) THEN location END AS location,
                           CASE WHEN cls IN ({CAND}, {NO_LOCATION}) THEN code END AS code,
                           CASE WHEN cls IN ({CAND}, {NO_LOCATION}) THEN crime_type END AS crime_type,
                           CASE WHEN cls IN ({CAND}, {NO_LOCATION}) THEN outcome END AS outcome,
                           CASE WHEN cls IN ({CAND}, {NO_LOCATION}) THEN context END AS context,
                           count(*) AS n
                    FROM (
                        SELECT *,
                            CASE
                                WHEN crime_type IS NULL THEN {NO_TYPE}
                                WHEN (lon_txt IS NOT NULL AND (lon IS NULL OR NOT isfinite(lon) OR abs(lon) > 180))
                                  OR (lat_txt IS NOT NULL AND (lat IS NULL OR NOT isfinite(lat) OR abs(lat) > 90))
                                    THEN {BAD_COORDS}
                                WHEN code IN (SELECT code FROM _city_code)
                                  OR (lon BETWEEN {x0 - eps} AND {x1 + eps} AND lat BETWEEN {y0 - eps} AND {y1 + eps})
                                    THEN {CAND}
                                WHEN code IS NULL AND (lon IS NULL OR lat IS NULL) THEN {NO_LOCATION}
                                ELSE {OUTSIDE}
                            END AS cls
                        FROM (
                            SELECT filename AS file, "Reported by" AS force, "Month" AS month,
                                   "Crime ID" AS crime_id, "Longitude" AS lon_txt, "Latitude" AS lat_txt,
                                   TRY_CAST("Longitude" AS DOUBLE) AS lon, TRY_CAST("Latitude" AS DOUBLE) AS lat,
                                   "Location" AS location, "LSOA code" AS code, "Crime type" AS crime_type,
                                   "Last outcome category" AS outcome, "Context" AS context
                            FROM read_csv(?, {read_csv_options(filename=True)})
                        )
                    )
                    GROUP BY ALL
                ) a
                JOIN (SELECT unnest(?::VARCHAR[]) AS file, unnest(?::INTEGER[]) AS src) f ON f.file = a.file
                """,
                [paths, paths, [i.src for i in inputs]],
            )
        except duckdb.Error as e:
            raise _csv_error(e, inputs) from None
        # Fingerprint the files (provenance) only now, in the background: the
        # scan keeps both cores busy, whereas finish() (or the next batch's
        # extraction) mostly uses one, so reading the files again costs no
        # wall time there (the files are in the page cache after the scan).
        for i in inputs:
            if i.fingerprint is None:
                self._futures[i.src] = self._hashing.submit(_file_fingerprint, i.path)
        self._check_batch([i.src for i in inputs])
        self.report.files += len(inputs)

    def _check_batch(self, srcs: list[int]) -> None:
        """Problems found in SQL, pointed at their first row by a slow re-read."""
        keys = self.con.execute(
            "SELECT src, force, month, cls, sum(n) FROM _g WHERE list_contains(?, src) GROUP BY ALL ORDER BY ALL",
            [srcs],
        ).fetchall()
        for src, force, month, cls, _n in keys:
            inp = self.inputs[src]
            problem = None
            pred = None
            if cls == NO_TYPE:
                problem, pred = "no Crime type", (lambda r: r[9] == "")
            elif cls == BAD_COORDS:
                problem = "Longitude/Latitude is not a valid coordinate"
                pred = lambda r: (
                    _bad_number(r[4])
                    or _bad_number(r[5])
                    or (r[4] != "" and abs(float(r[4])) > 180)
                    or (r[5] != "" and abs(float(r[5])) > 90)
                )
            elif not force:
                problem, pred = "no 'Reported by' (force)", (lambda r: r[2].strip() == "")
            else:
                problem = self._month_problem(month or "")
                pred = lambda r, m=month: r[1].strip() == (m or "")
            if problem:
                raise InputError(inp.label, problem, row=_first_row(inp.path, pred))

    def _month_problem(self, month: str | None) -> str | None:
        m = MONTH.match(month or "")
        if not m or not 1 <= int(m.group(2)) <= 12:
            return f"Month {month!r} is not a month like 2024-01"
        first = dt.date(int(m.group(1)), int(m.group(2)), 1)
        if first > self.today:
            return f"Month {month} is in the future (today is {self.today:%d %b %Y})"
        return None

    # -- API JSON ------------------------------------------------------------------------
    def read_api(self, files: list[tuple[Path, str]], src: int) -> None:
        """API ``crimes-street`` responses (``files``: (path, label) in sorted
        order), read as one source ``src``; records de-duplicated on ``id``
        across the files (the first copy is kept)."""
        seen: set = set()
        rows: list[tuple] = []
        dup: dict[tuple[str, str], int] = {}
        for path, label in files:
            records = _load_json(path, label)
            for k, rec in enumerate(records, start=1):
                r = _api_record(label, k, rec)
                problem = self._month_problem(r["month"])
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
            self.report.files += 1
        for (force, month), n in dup.items():
            rows.append((src, force, month, API_DUPLICATE, False) + (None,) * 8 + (n,))
        self.api_files[src] = [p for p, _ in files]
        names = [Path(lb).name for _, lb in files]
        shown = names[0] if len(names) == 1 else f"{len(names)} API responses ({names[0]} to {names[-1]})"
        self.inputs[src] = CsvInput(path=files[-1][0], label=files[-1][1], src=src, name=shown)
        if not rows:
            return
        cols = [
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
        df = pd.DataFrame.from_records(rows, columns=cols)
        df["lon"] = df["lon"].astype("float64")
        df["lat"] = df["lat"].astype("float64")
        self.con.register("_api_df", df)
        try:
            self.con.execute(f"INSERT INTO _g SELECT {', '.join(cols)} FROM _api_df")
        finally:
            _unregister(self.con, "_api_df")

    # -- hashing (provenance) ------------------------------------------------------------
    def fingerprint(self, src: int) -> str:
        if src not in self._hashes:
            inp = self.inputs[src]
            if src in self.api_files:
                h = hashlib.sha256()
                for p in self.api_files[src]:
                    h.update(_sha256_file(p).encode())
                self._hashes[src] = h.hexdigest()
            elif src in self._futures:
                self._hashes[src] = self._futures[src].result()
            else:
                self._hashes[src] = inp.fingerprint or _file_fingerprint(inp.path)
        return self._hashes[src]

    def close(self) -> None:
        """Stop the background hashing (call when done or on failure)."""
        self._hashing.shutdown(wait=True, cancel_futures=True)

    # -- write ---------------------------------------------------------------------------
    def finish(self) -> None:
        """Place the candidates, drop duplicates, replace the (force, month)
        records in ``crime``, update provenance, fill the report."""
        con, rep = self.con, self.report
        if not con.execute("SELECT count(*) FROM _g").fetchone()[0]:
            if self.inputs:
                rep.warnings.append("the police.uk files hold no records")
            return
        # Winning source of each (force, month): the last in sorted path order.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _fm AS
               SELECT force, month, CAST(month || '-01' AS DATE) AS m, max(src) AS win
               FROM _g GROUP BY force, month"""
        )
        # Point in polygon for the city candidates only (vectorised), once per
        # distinct point: police.uk snaps locations to a fixed set of map
        # points, so ~140,000 candidates of 36 months share a few thousand.
        # Joined back on (lon, lat): the same parsed doubles, so equality is
        # exact; rows without coordinates find no point (placed by code).
        xy = con.execute(
            "SELECT DISTINCT lon, lat FROM _g WHERE cls = 0 AND lon IS NOT NULL AND lat IS NOT NULL"
        ).fetchnumpy()
        lon = np.asarray(xy["lon"], dtype="float64")
        lat = np.asarray(xy["lat"], dtype="float64")
        pts = pd.DataFrame({"lon": lon, "lat": lat, "pt": self.locator.locate_index(lon, lat)})
        types = [r[0] for r in con.execute("SELECT DISTINCT crime_type FROM _g WHERE cls = 0").fetchall()]
        cat = pd.DataFrame(
            {
                "crime_type": pd.Series(types, dtype=object),
                "category": pd.Series([taxonomy.canonical(c) for c in types], dtype=object),
            }
        )
        forces = [r[0] for r in con.execute("SELECT DISTINCT force FROM _fm ORDER BY 1").fetchall()]
        ds = pd.DataFrame({"force": forces, "dataset_id": [dataset_id(f, self.is_demo) for f in forces]})
        con.register("_pts_df", pts)
        con.register("_cat_df", cat)
        con.register("_ds_df", ds)
        try:
            # Kept: placed by coordinates (point in a city LSOA), else by a city
            # LSOA code; rows without a location when their source is a city
            # extract (x: no row outside the city, every candidate placed).
            # Duplicates: a non-empty Crime ID repeated within the (force,
            # month) of one file; one copy stays, chosen by content (not by
            # position, which the grouping scan does not keep) so that a
            # re-import keeps the same one. _k is kept narrow (the row's rowid
            # in _g, the placing and what the report counts): the text columns
            # are read from _g once, by the INSERT, rather than copied twice.
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _k AS
                WITH p AS (
                    SELECT g.rowid AS rid, g.src, g.force, g.month, g.cls, g.by_id, g.crime_id, g.lon, g.lat,
                           g.location, g.code, g.crime_type, g.outcome, g.context, g.n,
                           coalesce(li.lsoa21_code, cb.lsoa21_code) AS lsoa21_code,
                           CASE WHEN li.lsoa21_code IS NOT NULL THEN 'coordinates'
                                WHEN cb.lsoa21_code IS NOT NULL THEN 'code' END AS placed_by,
                           (li.lsoa21_code IS NOT NULL AND g.code IS NOT NULL AND cm.code IS NULL) AS disagree
                    FROM _g g
                    JOIN _fm f ON g.force = f.force AND g.month = f.month AND g.src = f.win
                    LEFT JOIN _pts_df pt ON pt.lon = g.lon AND pt.lat = g.lat
                    LEFT JOIN _lsoa_idx li ON li.idx = pt.pt
                    LEFT JOIN (SELECT code, lsoa21_code FROM _code_map WHERE best) cb ON cb.code = g.code
                    LEFT JOIN _code_map cm ON cm.code = g.code AND cm.lsoa21_code = li.lsoa21_code
                    WHERE g.cls IN ({CAND}, {NO_LOCATION})),
                x AS (
                    SELECT src FROM p WHERE cls = {CAND} GROUP BY src HAVING bool_and(lsoa21_code IS NOT NULL)
                    EXCEPT
                    SELECT src FROM _g WHERE cls = {OUTSIDE}),
                q AS (
                    SELECT p.*, (p.lsoa21_code IS NOT NULL OR (p.cls = {NO_LOCATION} AND x.src IS NOT NULL)) AS kept
                    FROM p LEFT JOIN x ON x.src = p.src),
                d AS (
                    SELECT src, force, month, crime_id FROM q
                    WHERE by_id AND crime_id IS NOT NULL AND kept
                    GROUP BY ALL HAVING count(*) > 1 OR max(n) > 1),
                r AS (
                    SELECT q.rid, row_number() OVER (
                        PARTITION BY q.src, q.force, q.month, q.crime_id
                        ORDER BY q.location, q.lon, q.lat, q.crime_type, q.outcome, q.context, q.code,
                                 q.lsoa21_code) AS rn
                    FROM q JOIN d ON d.src = q.src AND d.force = q.force AND d.month = q.month
                                 AND d.crime_id = q.crime_id
                    WHERE q.by_id AND q.kept)
                SELECT q.rid, q.src, q.force, q.month, q.cls, q.crime_type, q.lon IS NOT NULL AS has_xy, q.n,
                       q.lsoa21_code, CASE WHEN q.kept THEN coalesce(q.placed_by, 'none') END AS placed_by,
                       q.disagree,
                       CASE WHEN NOT q.kept THEN 0
                            WHEN r.rid IS NULL THEN q.n
                            WHEN r.rn = 1 THEN 1 ELSE 0 END AS keep_n
                FROM q LEFT JOIN r ON r.rid = q.rid"""
            )
            # Replace the (force, month) records loaded before, from any dataset.
            replaced = con.execute(
                """SELECT c.dataset_id, count(*) FROM crime c JOIN _fm f ON c.force = f.force AND c.month = f.m
                   GROUP BY 1 ORDER BY 1"""
            ).fetchall()
            if replaced:
                con.execute("DELETE FROM crime USING _fm f WHERE crime.force = f.force AND crime.month = f.m")
            # Identical rows (keep_n > 1) are separate incidents: written keep_n times.
            con.execute(
                """INSERT INTO crime
                   SELECT d.dataset_id, g.force, CAST(g.month || '-01' AS DATE), g.crime_id,
                          coalesce(c.category, g.crime_type), g.crime_type, g.lon, g.lat, g.location,
                          g.code, k.lsoa21_code, l.ward_code, k.placed_by, g.outcome, g.context
                   FROM (SELECT rid, lsoa21_code, placed_by FROM _k WHERE keep_n = 1
                         UNION ALL
                         SELECT rid, lsoa21_code, placed_by
                         FROM (SELECT *, unnest(range(keep_n)) AS _i FROM _k WHERE keep_n > 1)) k
                   JOIN _g g ON g.rowid = k.rid
                   JOIN _ds_df d ON d.force = g.force
                   LEFT JOIN _cat_df c ON c.crime_type = g.crime_type
                   LEFT JOIN lsoa21 l ON l.lsoa21_code = k.lsoa21_code"""
            )
            self._provenance(ds, replaced)
        finally:
            for v in ("_pts_df", "_cat_df", "_ds_df"):
                _unregister(con, v)
        self._fill_report(replaced, dict(zip(cat["crime_type"], cat["category"])))

    def _provenance(self, ds: pd.DataFrame, replaced: list[tuple[str, int]]) -> None:
        """One dataset row per force (``police_uk:<force>``): period and row
        count recomputed from ``crime``; other datasets whose months were
        replaced are brought up to date, and deleted when left empty."""
        con = self.con
        ours = dict(zip(ds["dataset_id"], ds["force"]))
        touched = sorted(set(ours) | {d for d, _ in replaced})
        counts = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT dataset_id, count(*), min(month), max(month) FROM crime "
                "WHERE list_contains(?, dataset_id) GROUP BY 1",
                [touched],
            ).fetchall()
        }
        new_rows = dict(
            con.execute(
                "SELECT d.dataset_id, sum(k.keep_n) FROM _k k JOIN _ds_df d ON d.force = k.force GROUP BY 1"
            ).fetchall()
        )
        for dsid in touched:
            n, start, end = counts.get(dsid, (0, None, None))
            if n == 0:
                con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dsid])
                continue
            if dsid not in ours:
                con.execute(
                    "UPDATE dataset SET row_count = ?, period_start = ?, period_end = ? WHERE dataset_id = ?",
                    [n, start, _month_end(end), dsid],
                )
                continue
            force = ours[dsid]
            srcs = [
                r[0] for r in con.execute("SELECT DISTINCT win FROM _fm WHERE force = ? ORDER BY 1", [force]).fetchall()
            ]
            names = [self.inputs[s].name for s in srcs]
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6:,} more" if len(names) > 6 else "")
            source = f"data.police.uk street-level crime ({force}): {shown}"
            if self.source_note:
                source = self.source_note
            if n > int(new_rows.get(dsid) or 0):
                source += "; and earlier imports"
            h = hashlib.sha256()
            for s in srcs:
                h.update(f"{self.inputs[s].name}:{self.fingerprint(s)}\n".encode())
            store.record_dataset(
                con,
                dataset_id=dsid,
                name=f"police.uk street-level crime: {force}" + (" (demo)" if self.is_demo else ""),
                kind=KIND,
                source=source,
                licence=DEMO_LICENCE if self.is_demo else OGL,
                is_demo=self.is_demo,
                row_count=n,
                period_start=start,
                period_end=_month_end(end),
                file_hash=h.hexdigest(),
            )
            if dsid not in self.report.datasets:
                self.report.datasets.append(dsid)

    def _fill_report(self, replaced: list[tuple[str, int]], categories: dict) -> None:
        con, rep = self.con, self.report
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
        if replaced:
            rep.warnings.append(
                "replaced the records loaded before for the same force and month: "
                + ", ".join(f"{d} ({n:,} rows)" for d, n in replaced)
            )


def _unregister(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop a registered DataFrame view; harmless if the transaction already failed."""
    try:
        con.unregister(name)
    except duckdb.Error:
        pass


def _month_end(d: dt.date | None) -> dt.date | None:
    if d is None:
        return None
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


# ----------------------------------------------------------------------------- API records
def _load_json(path: Path, label: str) -> list:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise InputError(label, f"not UTF-8 text (byte at position {e.start})") from None
    except json.JSONDecodeError as e:
        raise InputError(label, f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    if not isinstance(data, list):
        raise InputError(label, "not a police.uk API crimes-street response: expected a list of crime records")
    return data


def _api_record(label: str, k: int, rec) -> dict:
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
        except (TypeError, ValueError):
            raise bad(
                f"latitude/longitude {loc.get('latitude')!r}, {loc.get('longitude')!r} is not a coordinate"
            ) from None
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


# ----------------------------------------------------------------------------- geometry cache
_LOCATORS: dict[str, AreaLocator] = {}


def _locator(lsoa: pd.DataFrame) -> AreaLocator:
    """The LSOA 2021 point locator, cached on the shapes' bytes (cheap to hash)."""
    h = hashlib.sha1()
    for code, geom in zip(lsoa["lsoa21_code"], lsoa["geom"]):
        h.update(str(code).encode())
        h.update(bytes(geom))
    key = h.hexdigest()
    if key not in _LOCATORS:
        gdf = from_frame(lsoa[["lsoa21_code", "geom"]])
        _LOCATORS.clear()
        _LOCATORS[key] = AreaLocator.from_frame(gdf, "lsoa21_code")
    return _LOCATORS[key]
