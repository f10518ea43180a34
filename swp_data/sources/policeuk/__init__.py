"""police.uk street-level crime: street CSVs (single monthly files, folders of
them, data.police.uk archive zips) and API ``crimes-street`` JSON responses.

:mod:`swp_data.sources.imports` finds and dispatches the files; this package reads
them through :class:`StreetImporter`, one stage per module:

* :mod:`.reading`: CSV headers, one DuckDB scan per batch of CSVs into the
  staging table ``_g``, API JSON records;
* :mod:`.classifying`: the class of each row while it is read (city candidate,
  no location, outside, refused) and the one-line refusals;
* :mod:`.placing`: LSOA and ward of each kept record;
* :mod:`.dedup`: the winning file of each (force, month), repeated Crime IDs;
* :mod:`.replacing`: the rows to write, and the write itself (replace the
  (force, month) records, provenance);
* :mod:`.reporting`: the import report;
* :mod:`.archives`, :mod:`.fingerprints`, :mod:`.schema`: archives, provenance
  fingerprints, the shape of the files.

Facts of police.uk that drive the decisions (docs/architecture.md, Crime taxonomy):

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

Provenance: each force's dataset row records the files it came from and a
fingerprint of their content (CRC-32 and size, the zip format's own checksum:
see :func:`content_fingerprint`).
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import config
from swp_data.sources.policeuk import classifying, dedup, lad_counts, placing, reading, replacing, reporting
from swp_data.sources.policeuk.archives import archive_members, check_member_name
from swp_data.sources.policeuk.fingerprints import content_fingerprint, file_fingerprint, sha256_file
from swp_data.sources.policeuk.reading import (
    STAGING_COLUMNS,
    STAGING_DDL,
    CsvInput,
    header_problem,
    is_street_header,
    normalise_header,
    read_csv_options,
    read_header,
    show_header,
)
from swp_data.sources.policeuk.replacing import Staged
from swp_data.sources.policeuk.schema import (
    API_BTP_FORCE,
    API_DUPLICATE,
    API_FORCE,
    BAD_COORDS,
    CAND,
    DEMO_LICENCE,
    KIND,
    MONTH,
    NO_LOCATION,
    NO_TYPE,
    OGL,
    OUTSIDE,
    POLICE_COLUMNS,
    STREET_MEMBER,
    dataset_id,
    force_slug,
)


class StreetImporter:
    """Reads police.uk street records into staging tables of ``con``
    (:meth:`read_csv_batch`, :meth:`read_api`), then :meth:`stage` places,
    de-duplicates and reports them, and :meth:`write` replaces the (force,
    month) records in the store's ``crime`` table and brings the provenance
    rows up to date (:meth:`finish` does both on ``con``)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        report,
        *,
        is_demo: bool,
        today: dt.date,
        source_note: str | None = None,
    ):
        self.con = con
        self.report = report
        self.is_demo = bool(is_demo)
        self.today = today
        self.source_note = source_note
        self.inputs: dict[int, CsvInput] = {}
        self.api_files: dict[int, list[Path]] = {}
        self._hashes: dict[int, str] = {}
        # Content fingerprints of user files for provenance, computed in a
        # background thread after each batch's scan (see read_csv_batch and
        # content_fingerprint).
        self._hashing = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="swp-hash")
        self._futures: dict[int, concurrent.futures.Future] = {}
        self.lad_counts: pd.DataFrame | None = None  # other districts' monthly counts (lad_counts)
        self.locator = placing.load_geography(con)
        con.execute(STAGING_DDL)

    # -- reading -------------------------------------------------------------------------
    def read_csv_batch(self, inputs: list[CsvInput]) -> None:
        """Read several street CSVs in one DuckDB scan (header already checked);
        refuse the first bad row (file, row, problem)."""
        if not inputs:
            return
        for i in inputs:
            self.inputs[i.src] = i
        reading.scan_csv(self.con, inputs, self.locator.bbox)
        # Fingerprint the files (provenance) only now, in the background: the
        # scan keeps both cores busy, whereas finish() (or the next batch's
        # extraction) mostly uses one, so reading the files again costs no
        # wall time there (the files are in the page cache after the scan).
        for i in inputs:
            if i.fingerprint is None:
                self._futures[i.src] = self._hashing.submit(file_fingerprint, i.path)
        classifying.check_batch(self.con, self.inputs, [i.src for i in inputs], self.today)
        self.report.files += len(inputs)

    def read_api(self, files: list[tuple[Path, str]], src: int) -> None:
        """API ``crimes-street`` responses (``files``: (path, label) in sorted
        order), read as one source ``src``; records de-duplicated on ``id``
        across the files (the first copy is kept)."""
        rows = reading.api_rows(files, src, self.today)
        self.report.files += len(files)
        self.api_files[src] = [p for p, _ in files]
        names = [Path(lb).name for _, lb in files]
        shown = names[0] if len(names) == 1 else f"{len(names)} API responses ({names[0]} to {names[-1]})"
        self.inputs[src] = CsvInput(path=files[-1][0], label=files[-1][1], src=src, name=shown)
        if not rows:
            return
        df = pd.DataFrame.from_records(rows, columns=STAGING_COLUMNS)
        df["lon"] = df["lon"].astype("float64")
        df["lat"] = df["lat"].astype("float64")
        self.con.register("_api_df", df)
        try:
            self.con.execute(f"INSERT INTO _g SELECT {', '.join(STAGING_COLUMNS)} FROM _api_df")
        finally:
            placing.unregister(self.con, "_api_df")

    # -- hashing (provenance) ------------------------------------------------------------
    def fingerprint(self, src: int) -> str:
        if src not in self._hashes:
            inp = self.inputs[src]
            if src in self.api_files:
                h = hashlib.sha256()
                for p in self.api_files[src]:
                    h.update(sha256_file(p).encode())
                self._hashes[src] = h.hexdigest()
            elif src in self._futures:
                self._hashes[src] = self._futures[src].result()
            else:
                self._hashes[src] = inp.fingerprint or file_fingerprint(inp.path)
        return self._hashes[src]

    def close(self) -> None:
        """Stop the background hashing (call when done or on failure)."""
        self._hashing.shutdown(wait=True, cancel_futures=True)

    # -- placing, de-duplicating, reporting ----------------------------------------------
    def stage(self) -> Staged | None:
        """Place the candidates, drop duplicates, fill the report and prepare
        the rows to write (``_out``); None when the files hold no records."""
        con = self.con
        if not con.execute("SELECT EXISTS (SELECT 1 FROM _g)").fetchall()[0][0]:
            if self.inputs:
                self.report.warnings.append("the police.uk files hold no records")
            return None
        classifying.check_crime_types(con, self.inputs)
        dedup.winners(con)
        self.lad_counts = lad_counts.count(con, config.CITY_LAD)
        placing.place(con, self.locator)
        dedup.dedupe(con)
        staged = replacing.stage_rows(
            con,
            is_demo=self.is_demo,
            names=lambda s: self.inputs[s].name,
            fingerprint=self.fingerprint,
            labels=lambda s: self.inputs[s].label,
            source_note=self.source_note,
        )
        reporting.fill_report(con, self.report, staged.categories)
        return staged

    # -- replacing -----------------------------------------------------------------------
    def write(self, con: duckdb.DuckDBPyConnection, staged: Staged, rows_sql: str) -> list[tuple[str, int]]:
        """Replace the (force, month) records in ``crime`` on the store
        connection ``con`` by the staged rows (``rows_sql`` selects them)."""
        replaced = replacing.write(con, staged, rows_sql, self.report)
        lad_counts.write(con, staged.force_months, self.lad_counts, self.is_demo)
        reporting.replaced_warning(self.report, replaced)
        return replaced

    def finish(self) -> None:
        """:meth:`stage` and :meth:`write` on the same connection."""
        staged = self.stage()
        if staged is not None:
            self.write(self.con, staged, f"SELECT * FROM {replacing.OUT_TABLE}")


__all__ = [
    "API_BTP_FORCE",
    "API_DUPLICATE",
    "API_FORCE",
    "BAD_COORDS",
    "CAND",
    "DEMO_LICENCE",
    "KIND",
    "MONTH",
    "NO_LOCATION",
    "NO_TYPE",
    "OGL",
    "OUTSIDE",
    "POLICE_COLUMNS",
    "STREET_MEMBER",
    "CsvInput",
    "Staged",
    "StreetImporter",
    "archive_members",
    "check_member_name",
    "content_fingerprint",
    "dataset_id",
    "force_slug",
    "header_problem",
    "is_street_header",
    "normalise_header",
    "read_csv_options",
    "read_header",
    "show_header",
]
