"""``python -m swp_data import PATH...`` and the Data page's import: files,
folders (recursively) and zip archives in any mix, dispatched by content, all
written in ONE store transaction.

* ``.zip``  -> a data.police.uk archive (street members ``YYYY-MM/YYYY-MM-<force>-street.csv``;
  other members are skipped and counted);
* ``.json`` -> police.uk API ``crimes-street`` responses;
* ``.csv``  -> a police.uk street CSV when its header is the 12-column police.uk
  header; otherwise a partner series CSV or an engagement CSV, recognised by
  their headers (:mod:`swp_data.sources.partner`, :mod:`swp_data.sources.engagement`).

Any problem raises :class:`~swp_data.errors.InputError` (file, row, problem)
and rolls the transaction back: the store is unchanged. Files are taken in
sorted path order (archive members in name order after their archive's path);
when the same police.uk (force, month) comes in several files, the last wins.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import datetime as dt
import logging
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import access, config, store
from swp_data.errors import InputError
from swp_data.sources import engagement, partner, policeuk
from swp_data.sources.policeuk import outcomes as police_outcomes
from swp_data.store import audit

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
SUFFIXES = (".csv", ".json", ".zip")
# Street CSVs are read by DuckDB in batches: one scan per batch. Each scan
# has a fixed cost of about 20 ms (mostly its tail, when one of the two threads
# finishes the last file alone), so 36 West Midlands files (231 MB) cost about
# 0.07 s more in four 64 MB scans than in one.
# * Archive members are extracted to a temporary folder by EXTRACT_THREADS
#   threads, at most BATCH_BYTES ahead of the reader, so disk use stays around
#   two batches and inflating overlaps the scan of the previous batch. Measured
#   on the 56 MB bench archive (bench/bench_import.py, 2 cores): one thread and
#   64 MB batches 1.28 s; two threads 1.19 s (64 MB), 1.14 s (128 MB), 1.10 s
#   (256 MB, but twice the disk).
# * Files on disk need no extraction: they are scanned in batches of up to
#   FILE_BATCH_BYTES, large enough to make the per-scan cost small (~5%) and
#   small enough for progress to move every half second or so. Memory does not
#   grow with the batch: the scan streams, and only the city candidates (about
#   a tenth of a force's rows) are kept, as they are in any case.
BATCH_BYTES = 128 * 1024 * 1024
EXTRACT_THREADS = 2
FILE_BATCH_BYTES = 256 * 1024 * 1024


@dataclasses.dataclass
class ImportReport:
    """What an import did. Every police.uk row read ends in exactly one of
    rows_kept, outside_city, no_location or duplicates_dropped (partner and
    engagement importers add their own rows read and kept)."""

    files: int = 0  # files read (archive members count one each)
    rows_read: int = 0
    rows_kept: int = 0
    outside_city: int = 0  # located (code or coordinates) outside Wolverhampton
    no_location: int = 0  # neither coordinates nor LSOA code, in a file covering more than the city: not kept
    kept_without_location: int = 0  # of rows_kept: no location, from a city extract (city totals only)
    placed_by_code: int = 0  # kept rows placed by their LSOA code, not coordinates
    disagreements: int = 0  # LSOA code disagrees with the coordinates (coordinates win)
    duplicates_dropped: int = 0  # repeated Crime ID / API id, or a (force, month) superseded in this import
    unknown_categories: dict[str, int] = dataclasses.field(default_factory=dict)
    by_category: dict[str, int] = dataclasses.field(default_factory=dict)
    months: list[str] = dataclasses.field(default_factory=list)
    skipped_members: int = 0  # archive members that are not street CSVs
    datasets: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    # police.uk outcomes files (swp_data.sources.policeuk.outcomes)
    outcomes_read: int = 0  # outcome rows read
    outcomes_kept: int = 0  # of them, for crimes in the store (kept in each crime's outcome history)
    outcomes_not_in_store: int = 0  # for crimes the store does not hold: counted, not kept
    outcomes_duplicates: int = 0  # repeated within a file, or a (force, month) superseded in this import
    unknown_outcomes: dict[str, int] = dataclasses.field(default_factory=dict)  # counted as "other"
    outcome_months: list[str] = dataclasses.field(default_factory=list)  # months outcomes were recorded

    def to_dict(self) -> dict:
        """JSON-ready; keys are the field names."""
        return {
            f.name: (dict(v) if isinstance(v, dict) else list(v) if isinstance(v, list) else int(v))
            for f in dataclasses.fields(self)
            for v in [getattr(self, f.name)]
        }

    def to_text(self) -> str:
        """A readable summary ("1,234" numbers, "Jan 2025" months)."""
        lines = [
            f"Files read: {self.files:,}"
            + (f" ({self.skipped_members:,} other archive member(s) skipped)" if self.skipped_members else ""),
            f"Rows read: {self.rows_read:,}",
            f"Rows kept (Wolverhampton): {self.rows_kept:,}",
        ]
        if self.outside_city or self.no_location or self.duplicates_dropped:
            lines.append(
                f"Not kept: {self.outside_city:,} outside the city, {self.no_location:,} with no location, "
                f"{self.duplicates_dropped:,} duplicate(s)"
            )
        if self.kept_without_location:
            lines.append(f"Kept without a location (city totals only): {self.kept_without_location:,}")
        if self.placed_by_code or self.disagreements:
            lines.append(f"Placed by LSOA code (no coordinates, or just outside the city): {self.placed_by_code:,}")
            lines.append(f"LSOA code and coordinates disagree (coordinates used): {self.disagreements:,}")
        if self.months:
            first, last = _month_label(self.months[0]), _month_label(self.months[-1])
            span = first if first == last else f"{first} to {last}"
            lines.append(f"Months: {span} ({len(self.months):,})")
        if self.by_category:
            lines.append("By category:")
            width = max(len(c) for c in self.by_category)
            for c, n in sorted(self.by_category.items(), key=lambda kv: (-kv[1], kv[0])):
                lines.append(f"  {c:<{width}}  {n:>9,}")
        if self.unknown_categories:
            lines.append(
                "Unknown categories (kept as written): "
                + ", ".join(f"{c} ({n:,})" for c, n in self.unknown_categories.items())
            )
        if self.outcomes_read:
            lines.append(
                f"Outcomes read: {self.outcomes_read:,}; kept: {self.outcomes_kept:,}; "
                f"for crimes not in the store (not kept): {self.outcomes_not_in_store:,}"
                + (f"; duplicates: {self.outcomes_duplicates:,}" if self.outcomes_duplicates else "")
            )
        if self.unknown_outcomes:
            lines.append(
                "Unknown outcome names (counted as other): "
                + ", ".join(f"{c} ({n:,})" for c, n in self.unknown_outcomes.items())
            )
        if self.datasets:
            lines.append("Datasets: " + ", ".join(self.datasets))
        for w in self.warnings:
            lines.append(f"Note: {w}")
        return "\n".join(lines)


def _month_label(m: str) -> str:
    try:
        return dt.date(int(m[:4]), int(m[5:7]), 1).strftime("%b %Y")
    except ValueError:
        return m


# ----------------------------------------------------------------------------- planning
@dataclasses.dataclass
class _Item:
    kind: str  # street | api | partner | engagement | zip | outcomes
    path: Path
    size: int
    engagement_kind: str | None = None
    members: list[zipfile.ZipInfo] = dataclasses.field(default_factory=list)
    outcome_members: list[zipfile.ZipInfo] = dataclasses.field(default_factory=list)


def _expand(paths: Iterable[str | Path], report: ImportReport) -> list[Path]:
    """Files to read, in sorted path order (folders searched recursively)."""
    found: dict[str, Path] = {}
    ignored = 0
    for raw in paths:
        p = Path(raw).expanduser()
        if p.is_dir():
            n_before = len(found)
            for f in p.rglob("*"):
                rel = f.relative_to(p)
                if any(part.startswith(".") or part == "__MACOSX" for part in rel.parts) or not f.is_file():
                    continue
                if f.suffix.lower() in SUFFIXES:
                    found.setdefault(str(f.resolve()), f)
                else:
                    ignored += 1
            if len(found) == n_before:
                raise InputError(p, "no .csv, .json or .zip files in this folder")
        elif p.is_file():
            if p.suffix.lower() not in SUFFIXES:
                raise InputError(p, "not a .csv, .json or .zip file; cannot import it")
            found.setdefault(str(p.resolve()), p)
        else:
            raise InputError(p, "file or folder not found")
    if ignored:
        report.warnings.append(f"{ignored:,} file(s) in the folders are not .csv, .json or .zip: ignored")
    return [found[k] for k in sorted(found)]


def _plan(files: list[Path], report: ImportReport, today: dt.date) -> list[_Item]:
    """Classify every file by content before anything is written."""
    items = []
    for p in files:
        suffix = p.suffix.lower()
        size = p.stat().st_size
        if suffix == ".zip":
            members, skipped = policeuk.archive_members(p, str(p), today)
            omembers = police_outcomes.outcome_members(p, str(p), today)
            report.skipped_members += skipped - len(omembers)
            items.append(_Item("zip", p, sum(m.file_size for m in members), members=members, outcome_members=omembers))
        elif suffix == ".json":
            items.append(_Item("api", p, size))
        else:
            header = policeuk.read_header(p, str(p))
            if policeuk.is_street_header(header):
                items.append(_Item("street", p, size))
                continue
            if police_outcomes.is_outcomes_header(header):
                items.append(_Item("outcomes", p, size))
                continue
            if partner.is_partner_header(header):
                items.append(_Item("partner", p, size))
                continue
            kind = engagement.detect_kind(header)
            if kind:
                items.append(_Item("engagement", p, size, engagement_kind=kind))
                continue
            shown = policeuk.show_header(header)
            near = policeuk.header_problem(header)
            if near:  # most of the police.uk columns: say what is wrong with it
                raise InputError(p, f"looks like a police.uk street CSV but {near}", row=1)
            raise InputError(
                p,
                f"not a police.uk street CSV, nor a partner or engagement CSV; header found: {shown}. "
                f"A police.uk street CSV starts: {', '.join(policeuk.POLICE_COLUMNS)}",
                row=1,
            )
    return items


# ----------------------------------------------------------------------------- archives
def _member_label(path: Path, label: str, m: zipfile.ZipInfo) -> str:
    return policeuk.archives.member_label(label, m.filename)


class _Extractor:
    """Extracts the street members of an archive to temporary files on
    EXTRACT_THREADS background threads (each with its own handle on the
    archive), at most about BATCH_BYTES ahead of the reader, so disk use stays
    around two batches and inflating overlaps DuckDB's scan of the previous
    batch (zlib and file writes release the GIL). Nothing is held in memory
    beyond a 1 MB buffer per thread. Iterating yields (k, member, path) in
    member order; a broken member raises InputError naming it."""

    def __init__(self, path: Path, label: str, members: list[zipfile.ZipInfo], folder: Path, first: int):
        self.path, self.label, self.members, self.folder, self.first = path, label, members, folder, first
        self.stop = threading.Event()
        self.local = threading.local()
        self.handles: list[zipfile.ZipFile] = []
        self.lock = threading.Lock()
        self.pool = concurrent.futures.ThreadPoolExecutor(EXTRACT_THREADS, thread_name_prefix="swp-unzip")
        self.pending: collections.deque = collections.deque()
        self.ahead = 0  # bytes submitted for extraction and not yet taken by the reader
        self.next = 0  # next member to submit

    def __enter__(self) -> _Extractor:
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        for zf in self.handles:
            zf.close()

    def _extract(self, k: int, m: zipfile.ZipInfo) -> Path:
        zf = getattr(self.local, "zf", None)
        if zf is None:
            zf = self.local.zf = zipfile.ZipFile(self.path)
            with self.lock:
                self.handles.append(zf)
        dest = self.folder / f"{self.first + k:06d}.csv"
        with open(dest, "wb") as fout:
            policeuk.archives.copy_member(zf, m, fout, _member_label(self.path, self.label, m), self.stop)
        return dest

    def _fill(self) -> None:
        while self.next < len(self.members):
            m = self.members[self.next]
            if self.pending and self.ahead + m.file_size > BATCH_BYTES:
                return
            self.pending.append((self.next, m, self.pool.submit(self._extract, self.next, m)))
            self.ahead += m.file_size
            self.next += 1

    def __iter__(self):
        self._fill()
        while self.pending:
            k, m, fut = self.pending.popleft()
            try:
                dest = fut.result()
            except InputError:
                raise
            except Exception as e:
                raise InputError(
                    _member_label(self.path, self.label, m),
                    f"cannot extract this member ({e}): the archive looks damaged; download it again",
                ) from None
            self.ahead -= m.file_size
            self._fill()
            yield k, m, dest


# ----------------------------------------------------------------------------- import
# A replacement of a force's month is refused, unless confirmed, when the new
# files bring fewer than REPLACE_MIN_SHARE of the records loaded for that force
# and month AND remove at least REPLACE_MIN_LOST more than they bring: a partial
# or mistaken file (one row of June) must not erase a month. A smaller month
# (a quiet force, a city extract of a few dozen rows) is replaced freely.
REPLACE_MIN_SHARE = 0.5
REPLACE_MIN_LOST = 100
# The private staging database may use this much memory before spilling to the
# import's temporary folder.
STAGING_MEMORY = "1GB"


def import_paths(
    paths: Sequence[str | Path] | str | Path,
    *,
    is_demo: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    also: Callable[[duckdb.DuckDBPyConnection], object] | None = None,
    source_note: str | None = None,
    confirm_replace: bool = False,
) -> ImportReport:
    """Import files, folders and zips (any mix) into the store in one
    transaction; returns the report. Raises InputError (store unchanged).

    The files are read, checked, classified and placed first, on a private
    in-memory DuckDB connection (spilling to a temporary folder), while other
    sessions keep reading the store; the store's write lock is held only to
    replace the records, write provenance and the audit trail.

    ``also(con)``, if given, runs inside the same transaction after the files
    (the demo uses it to add its Impact Areas). ``source_note``, if given, is
    the ``source`` of the police.uk dataset rows written instead of the file
    names (the API fetch says what it asked and when). ``confirm_replace``
    lets a replacement go ahead that removes far more records of a force's
    month than it brings (see REPLACE_MIN_SHARE); otherwise it is refused.

    Every failure is one line (InputError) and a rollback: an unexpected
    error is logged with its traceback and reported without internals."""
    access.require_analyst("importing data")
    try:
        return _import_paths(
            paths,
            is_demo=is_demo,
            progress=progress,
            today=today,
            also=also,
            source_note=source_note,
            confirm_replace=confirm_replace,
        )
    except InputError:
        raise
    except Exception as e:
        log.exception("import of %s failed", paths)
        raise InputError(
            None,
            f"the import failed unexpectedly ({type(e).__name__}); nothing was changed. "
            "The details are in the server log",
        ) from None


def _import_paths(
    paths,
    *,
    is_demo: bool,
    progress: Progress | None,
    today: dt.date | None,
    also,
    source_note: str | None,
    confirm_replace: bool,
) -> ImportReport:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise InputError(None, "no files to import")
    today = today or dt.date.today()
    report = ImportReport()
    say = progress or (lambda f, m: None)
    say(0.0, "Checking the files")
    items = _plan(_expand(paths, report), report, today)  # every file classified before writing
    if not config.store_path().exists():
        raise InputError(config.store_path(), "the store is not built; run `python -m swp_data build` first")
    police_kinds = {"street", "zip", "api"}
    with tempfile.TemporaryDirectory(prefix="swp-import-") as tmp:
        staged = None
        run = None
        staged_crimes: dict = {}
        if any(i.kind in police_kinds for i in items):
            scon = _staging_connection(Path(tmp))
            try:
                run = _Run(
                    scon,
                    report,
                    is_demo=is_demo,
                    today=today,
                    say=say,
                    tmp=Path(tmp),
                    total=sum(i.size for i in items),
                    source_note=source_note,
                )
                for item in items:
                    if item.kind in police_kinds:
                        run.add(item)
                staged = run.stage()
                rows_file = Path(tmp) / "rows.parquet"
                if staged is not None:
                    # uncompressed: written and read once, on local disk (faster than the default)
                    scon.execute(
                        f"COPY {policeuk.replacing.OUT_TABLE} TO '{_sql_text(rows_file)}' "
                        "(FORMAT parquet, COMPRESSION uncompressed)"
                    )
                if staged is not None and _has_outcomes(items):
                    staged_crimes = police_outcomes.known_crimes(scon, f"SELECT * FROM {policeuk.replacing.OUT_TABLE}")
            finally:
                if run is not None:
                    run.close()
                scon.close()
        outcomes_reader = None
        if _has_outcomes(items):
            say(0.9, "Reading the outcomes files")
            outcomes_reader = _read_outcomes(items, staged_crimes, Path(tmp), today)
        say(0.92, "Writing the store")
        with store.transaction(files=Path(tmp)) as con:  # reads rows.parquet from tmp, no other file
            con.execute("SET enable_progress_bar = false")
            for item in items:
                if item.kind == "partner":
                    partner.import_partner_csv(con, item.path, is_demo=is_demo, report=report)
                elif item.kind == "engagement":
                    assert item.engagement_kind is not None  # set by _plan for every engagement file
                    engagement.import_engagement_csv(
                        con, item.path, item.engagement_kind, is_demo=is_demo, report=report
                    )
            replaced: list[tuple[str, int]] = []
            if staged is not None and run is not None:
                if not (confirm_replace or is_demo):
                    _check_replacement(con, staged)
                replaced = run.police.write(con, staged, f"SELECT * FROM read_parquet('{_sql_text(rows_file)}')")
            if outcomes_reader is not None:
                police_outcomes.write(con, outcomes_reader, report, is_demo=is_demo)
            _audit(con, report, staged, replaced, items)
            if also is not None:
                also(con)
            say(0.98, "Committing")
    say(1.0, "Import complete")
    return report


def _has_outcomes(items: list[_Item]) -> bool:
    """Outcomes files, archive members, or API responses (their records' outcome_status)."""
    return any(i.kind in ("outcomes", "api") or i.outcome_members for i in items)


def _read_outcomes(
    items: list[_Item], staged_crimes: dict, tmp: Path, today: dt.date
) -> police_outcomes.OutcomesReader:
    """Read every outcomes file (single files and archive members, in sorted
    path order) against the store's crimes and this import's."""
    with store.reading() as src:
        known = police_outcomes.known_crimes(src) if store.table_exists(src, "crime") else {}
    known.update(staged_crimes)
    reader = police_outcomes.OutcomesReader(known, today)
    for item in items:
        if item.kind == "api":
            reader.read_api(item.path, str(item.path))
        if item.kind == "outcomes":
            reader.read(
                police_outcomes.OutcomeFile(
                    item.path, str(item.path), item.path.name, police_outcomes.file_force(item.path.name)
                )
            )
        for k, m in enumerate(item.outcome_members):
            mlabel = _member_label(item.path, str(item.path), m)
            dest = tmp / f"outcomes-{k:06d}.csv"
            police_outcomes.extract_member(item.path, m, dest, mlabel)
            reader.read(
                police_outcomes.OutcomeFile(
                    dest,
                    mlabel,
                    f"{item.path.name}!{m.filename}",
                    police_outcomes.file_force(m.filename),
                    policeuk.content_fingerprint(m.CRC, m.file_size),
                )
            )
            dest.unlink(missing_ok=True)
    return reader


def _sql_text(p: Path) -> str:
    """A path inside a SQL string literal."""
    return str(p).replace("'", "''")


def _staging_connection(tmp: Path) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with the store's LSOA shapes and crosswalk
    copied in (read under the store's read lock, briefly)."""
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")  # DuckDB would print it on stdout (the CLI's JSON)
    con.execute(f"SET memory_limit = '{STAGING_MEMORY}'")
    con.execute(f"SET temp_directory = '{_sql_text(tmp / 'spill')}'")
    with store.reading() as src:
        have = {r[0] for r in src.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        frames = {t: src.execute(f"SELECT * FROM {t}").df() for t in ("lsoa21", "lsoa_crosswalk") if t in have}
        if "national_lsoa" in have:  # other places' counts (policeuk.lad_counts)
            frames[policeuk.lad_counts.LOOKUP_TABLE] = src.execute(
                "SELECT lsoa21_code, lad24_code FROM national_lsoa"
            ).df()
    for t, df in frames.items():
        con.register("_ref_df", df)
        con.execute(f"CREATE TABLE {t} AS SELECT * FROM _ref_df")
        con.unregister("_ref_df")
    return con


class ReplaceRefused(InputError):
    """A replacement that would remove far more records than it brings; the
    caller may confirm it (``confirm_replace=True``)."""


def _check_replacement(con: duckdb.DuckDBPyConnection, staged: policeuk.Staged) -> None:
    """Refuse (one line) a replacement that removes far more records of a
    force's month than the new files bring (REPLACE_MIN_SHARE, REPLACE_MIN_LOST)."""
    fm = pd.DataFrame(staged.force_months, columns=["force", "m"])
    con.register("_fm_check", fm)
    try:
        loaded = con.execute(
            "SELECT c.force, c.month, count(*) FROM crime c JOIN _fm_check f ON c.force = f.force AND c.month = f.m "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
    finally:
        con.unregister("_fm_check")
    bad = []
    for force, month, old in loaded:
        new = staged.new_by_force_month.get((force, month), 0)
        if new < REPLACE_MIN_SHARE * old and old - new >= REPLACE_MIN_LOST:
            bad.append((force, month, int(old), int(new)))
    if not bad:
        return
    force, month, old, new = bad[0]
    more = f" (and {len(bad) - 1:,} more month(s))" if len(bad) > 1 else ""
    raise ReplaceRefused(
        staged.labels.get((force, month)),
        f"would remove the {old:,} records loaded for {force}, {month:%b %Y} and bring {new:,}{more}; "
        "nothing was changed. If the new file is right, confirm the replacement "
        "(--confirm-replace on the command line, or the checkbox on the Data page)",
    )


def _audit(con, report: ImportReport, staged, replaced: list[tuple[str, int]], items: list[_Item]) -> None:
    """One audit row per dataset touched: its rows now and the fingerprint of its files."""
    names = [i.path.name for i in items]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    police = staged.forces if staged is not None else {}
    removed = dict(replaced)
    touched = list(dict.fromkeys([*report.datasets, *removed]))
    for dsid in touched:
        row = con.execute("SELECT row_count, file_hash FROM dataset WHERE dataset_id = ?", [dsid]).fetchone()
        rows, fp = (row[0], row[1]) if row else (0, None)
        if dsid in police:
            rows, fp = staged.new_rows.get(dsid, 0), staged.sources[dsid][1]
            detail = f"imported {shown}"
        elif dsid in removed and dsid not in report.datasets:
            detail = f"{removed[dsid]:,} row(s) replaced by an import of {shown}"
            fp = None
        else:
            detail = f"imported {shown}"
        if dsid in removed and dsid in police:
            detail += f"; replaced {removed[dsid]:,} row(s) loaded before"
        audit.record(con, "import", dataset_id=dsid, rows=rows, fingerprint=fp, detail=detail)


class _Run:
    """Reading the police.uk files of one import: files in path order, street
    CSVs batched for DuckDB, on the staging connection."""

    def __init__(
        self,
        con,
        report: ImportReport,
        *,
        is_demo: bool,
        today: dt.date,
        say: Progress,
        tmp: Path,
        total: int,
        source_note: str | None = None,
    ):
        self.con, self.report, self.is_demo, self.today = con, report, is_demo, today
        self.say, self.tmp, self.total = say, tmp, max(1, total)
        self.source_note = source_note
        self.done = 0  # bytes read so far (for progress)
        self.src = 0  # position in sorted path order
        self.batch: list[policeuk.CsvInput] = []
        self.batch_bytes = 0
        self.api: list[tuple[Path, str]] = []
        self.api_src: int | None = None
        self.police = policeuk.StreetImporter(con, report, is_demo=is_demo, today=today, source_note=source_note)

    def step(self, nbytes: int, message: str) -> None:
        self.done += nbytes
        self.say(min(0.9, 0.9 * self.done / self.total), message)

    def flush(self) -> None:
        if self.batch:
            self.police.read_csv_batch(self.batch)
            self.step(self.batch_bytes, f"Read {self.batch[-1].name}")
            for b in self.batch:  # extracted archive members are not needed any more
                if b.path.parent == self.tmp:
                    b.path.unlink(missing_ok=True)
        self.batch, self.batch_bytes = [], 0

    def add(self, item: _Item) -> None:
        label = str(item.path)
        if item.kind == "street":
            path = item.path
            if any(ch in str(path) for ch in "*?[]{}"):
                # DuckDB would read glob characters in a file name as a pattern.
                path = self.tmp / f"{self.src:06d}-link.csv"
                path.symlink_to(item.path.resolve())
            self.batch.append(policeuk.CsvInput(path, label, self.src, item.path.name))
            self.batch_bytes += item.size
            self.src += 1
        elif item.kind == "zip":
            self.add_archive(item, label)
        elif item.kind == "api":
            self.api.append((item.path, label))
            self.api_src = self.src  # the API records sit at the position of the last JSON file
            self.src += 1
            self.step(item.size, f"Checked {item.path.name}")
        if self.batch_bytes >= FILE_BATCH_BYTES:
            self.flush()

    def add_archive(self, item: _Item, label: str) -> None:
        with _Extractor(item.path, label, item.members, self.tmp, self.src) as ex:
            for k, m, dest in ex:
                mlabel = _member_label(item.path, label, m)  # header checked while extracting
                # The archive's CRC-32 and size give the member's fingerprint
                # without reading it again (the same as the file's on disk).
                fp = policeuk.content_fingerprint(m.CRC, m.file_size)
                self.batch.append(policeuk.CsvInput(dest, mlabel, self.src + k, f"{item.path.name}!{m.filename}", fp))
                self.batch_bytes += m.file_size
                self.say(min(0.9, 0.9 * (self.done + self.batch_bytes) / self.total), f"Extracted {m.filename}")
                if self.batch_bytes >= BATCH_BYTES:
                    self.flush()
        self.src += len(item.members)

    def stage(self) -> policeuk.Staged | None:
        """Read what is left, then place, de-duplicate and report (no store lock)."""
        self.flush()
        if self.api and self.api_src is not None:
            self.police.read_api(self.api, self.api_src)
        self.say(0.9, "Placing records in LSOAs and wards")
        return self.police.stage()

    def close(self) -> None:
        self.police.close()


def import_path(path: str | Path, **kw) -> ImportReport:  # convenience for one path
    return import_paths([path], **kw)


__all__ = ["ImportReport", "ReplaceRefused", "import_paths", "import_path", "BATCH_BYTES", "FILE_BATCH_BYTES"]
