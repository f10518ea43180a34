"""police.uk outcomes files: ``YYYY-MM-<force>-outcomes.csv`` (single files,
folders, archive members), each carrying every outcome recorded that month
for crimes of earlier months, joined to the street records by Crime ID.

Columns (:data:`OUTCOME_COLUMNS`): Crime ID, Month (when the outcome was
recorded), Reported by, Falls within, Longitude, Latitude, Location, LSOA
code, LSOA name, Outcome type.

How they are kept (table ``crime_outcome``, :data:`DDL`): one row per
outcome of a crime in the store (force, Crime ID, the month it was recorded,
the outcome as written, its row order in the file). Rules:

* **Idempotent**: a (force, month) of outcomes replaces whatever outcomes
  were loaded for that force and month before (as street files do); within
  one import the last file in sorted path order wins, the other copies count
  as duplicates, and a row repeated within a file is kept once.
* **Only crimes in the store**: an outcome whose Crime ID is not a crime of
  the store (or of the same import) is counted (``outcomes_not_in_store``),
  not kept: a force's file covers the whole force area.
* **Separate from the street records**: a street file imported after its
  outcomes replaces the crimes, not their outcome history.
* **Refused, one line naming file and row, nothing changed**: a malformed
  row (field count, no Crime ID, no Outcome type, a bad month), a force that
  is not police.uk's or is not the one the file's name says, an outcome for
  a crime the store holds under another force, an outcome recorded before
  its crime's month. The limits of street files apply (archive members'
  sizes, :mod:`.archives`); memory grows only with the kept rows, which are
  bounded by the store's crimes.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import zipfile
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from swp_data import store
from swp_data.errors import InputError
from swp_data.sources.policeuk.archives import (
    MAX_ARCHIVE_BYTES,
    _check_size,
    _mb,
    check_member_name,
    header_of,
    member_label,
)
from swp_data.sources.policeuk.classifying import month_problem
from swp_data.sources.policeuk.fingerprints import file_fingerprint
from swp_data.sources.policeuk.placing import unregister
from swp_data.sources.policeuk.reading import api_record, load_json
from swp_data.sources.policeuk.schema import DEMO_LICENCE, FORCES, OGL, OUTCOMES_MEMBER, force_slug, is_force
from swp_data.taxonomy import outcomes as outcomes_taxonomy

OUTCOME_COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Outcome type",
)
KIND = "police_uk_outcomes"
TABLE = "crime_outcome"
DDL = store.DATA_TABLES_DDL[TABLE]  # kept across rebuilds, deleted with its dataset
MAX_ID_CHARS = 200  # a police.uk Crime ID is 64 hex characters
MAX_UNKNOWN_NAMES = 50  # distinct unknown outcome names listed in the report (the rest counted together)


def is_outcomes_header(columns) -> bool:
    """True for the 10-column police.uk outcomes CSV header (case and spaces ignored)."""
    got = [str(c).strip().lstrip("\ufeff").strip().lower() for c in columns]
    return got == [c.lower() for c in OUTCOME_COLUMNS]


def dataset_id(force: str, is_demo: bool) -> str:
    return ("demo:" if is_demo else "") + f"{KIND}:{force_slug(force)}"


@dataclasses.dataclass
class OutcomeFile:
    """An outcomes CSV to read: its path on disk, its label for messages, the
    name shown in provenance and the force its name says (slug), if any."""

    path: Path
    label: str
    name: str
    force: str | None = None
    fingerprint: str | None = None


def file_force(name: str) -> str | None:
    """The force slug of a file named like police.uk's (``2024-01-west-midlands-outcomes.csv``)."""
    m = OUTCOMES_MEMBER.match(PurePosixPath(name).name)
    return m.group(3).lower() if m else None


def outcome_members(path: Path, label: str, today: dt.date) -> list[zipfile.ZipInfo]:
    """The outcomes members of a police.uk archive (sorted by name), checked
    from the zip directory as street members are (names, forces, months, sizes)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as e:
        raise InputError(label, f"not a readable zip archive ({e})") from None
    found = sorted(
        (i for i in infos if OUTCOMES_MEMBER.match(PurePosixPath(i.filename).name)), key=lambda i: i.filename
    )
    total = 0
    seen: dict[tuple[str, str], str] = {}
    for info in found:
        check_member_name(label, info.filename)
        mlabel = member_label(label, info.filename)
        if info.flag_bits & 0x1:
            raise InputError(mlabel, "encrypted; cannot read it")
        m = OUTCOMES_MEMBER.match(PurePosixPath(info.filename).name)
        assert m is not None
        slug = m.group(3).lower()
        if slug not in FORCES:
            raise InputError(mlabel, f"{slug[:60]!r} is not one of police.uk's forces (e.g. west-midlands)")
        problem = month_problem(f"{m.group(1)}-{m.group(2)}", today)
        if problem:
            raise InputError(mlabel, problem)
        first = seen.setdefault((slug, f"{m.group(1)}-{m.group(2)}"), info.filename)
        if first != info.filename:
            raise InputError(mlabel, f"a second outcomes file for {slug}, {m.group(1)}-{m.group(2)} in this archive")
        _check_size(mlabel, info.file_size, info.compress_size)
        total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise InputError(mlabel, f"the archive's outcomes files inflate to more than {_mb(MAX_ARCHIVE_BYTES)}")
    return found


def extract_member(archive: Path, info: zipfile.ZipInfo, dest: Path, mlabel: str) -> None:
    """Extract one outcomes member, its header checked first and its size
    held to what the directory says (a header that lies is refused)."""
    written = 0
    with zipfile.ZipFile(archive) as zf, zf.open(info) as fin, open(dest, "wb") as fout:
        head = fin.read(64 * 1024)
        if not is_outcomes_header(header_of(head, mlabel)):
            raise InputError(mlabel, "named like a police.uk outcomes file but its header is not", row=1)
        chunk = head
        while chunk:
            written += len(chunk)
            if written > info.file_size:
                raise InputError(mlabel, "inflates to more than its directory entry says; refusing to extract it")
            fout.write(chunk)
            chunk = fin.read(1 << 20)


def _norm(force: str) -> str:
    return " ".join(force.split()).lower()


@dataclasses.dataclass
class OutcomeStats:
    """The outcomes part of an import report."""

    read: int = 0
    kept: int = 0
    not_in_store: int = 0
    duplicates: int = 0
    unknown: dict[str, int] = dataclasses.field(default_factory=dict)
    months: set[str] = dataclasses.field(default_factory=set)


class OutcomesReader:
    """Reads outcomes files against ``known`` (Crime ID -> (force, month of
    the crime) of the store's and this import's crimes) and keeps the rows of
    known crimes per (force, month), the last file winning."""

    def __init__(self, known: dict[str, tuple[str, dt.date]], today: dt.date):
        self.known = known
        self.today = today
        self.stats = OutcomeStats()
        # (force, month) -> (file index, rows [(crime_id, outcome, seq)])
        self.by_fm: dict[tuple[str, dt.date], tuple[int, list[tuple[str, str, int]]]] = {}
        self.files: list[OutcomeFile] = []
        self._unknown_other = 0
        self._months: dict[str, dt.date] = {}  # month as written -> its first day (checked)
        self._forces: dict[str, str] = {}  # 'Reported by' as written -> normalised (checked)
        self._names: dict[str, bool] = {}  # outcome name -> known
        # API responses: (force, crime_id) -> (month, outcome), the crime's latest outcome_status
        self.api: dict[tuple[str, str], tuple[dt.date, str]] = {}
        self.api_labels: list[str] = []

    def read_api(self, path: Path, label: str) -> None:
        """The ``outcome_status`` (category and month) of each record of an
        API ``crimes-street`` response: the latest outcome of a crime, with
        the month it was recorded. It costs no request beyond the crimes
        themselves (``outcomes-for-crime`` would cost one per crime). Kept
        as a history entry; a later release adds the next one."""
        self.api_labels.append(label)
        for k, rec in enumerate(load_json(path, label), start=1):
            r = api_record(label, k, rec)
            status = rec.get("outcome_status") if isinstance(rec, dict) else None
            if not isinstance(status, dict) or not status.get("category") or not status.get("date"):
                continue
            name, month = " ".join(str(status["category"]).split()), str(status["date"]).strip()[:7]
            self.stats.read += 1
            problem = month_problem(month, self.today)
            if problem:
                raise InputError(label, f"record {k}: outcome_status date: {problem}")
            first = dt.date(int(month[:4]), int(month[5:7]), 1)
            self._note_unknown(name)
            crime = self.known.get(r["crime_id"])
            if crime is None:
                self.stats.not_in_store += 1
                continue
            kforce, kmonth = crime
            if first < kmonth:
                raise InputError(
                    label,
                    f"record {k}: an outcome recorded in {first:%b %Y}, before its crime's month ({kmonth:%b %Y})",
                )
            key = (kforce, r["crime_id"])
            if key in self.api:
                self.stats.duplicates += 1
            self.api[key] = (first, name)

    def _note_unknown(self, outcome: str) -> None:
        if not outcomes_taxonomy.is_known(outcome):
            name = " ".join(outcome.split())[:120]
            if name in self.stats.unknown or len(self.stats.unknown) < MAX_UNKNOWN_NAMES:
                self.stats.unknown[name] = self.stats.unknown.get(name, 0) + 1
            else:
                self._unknown_other += 1

    def read(self, f: OutcomeFile) -> None:
        idx = len(self.files)
        self.files.append(f)
        want = {_norm(n) for n in FORCES.get(f.force, ())} if f.force else None
        mine: dict[tuple[str, dt.date], list[tuple[str, str, int]]] = {}
        seen: set[tuple[str, dt.date, str, str]] = set()
        try:
            with open(f.path, encoding="utf-8-sig", newline="") as fh:
                rd = csv.reader(fh, strict=True)
                header = next(rd, None)
                if header is None or not is_outcomes_header(header):
                    raise InputError(f.label, "not a police.uk outcomes CSV (header)", row=1)
                for rec in rd:
                    row = rd.line_num
                    self._row(f, rec, row, want, mine, seen)
        except UnicodeDecodeError:
            raise InputError(f.label, "not UTF-8 text; save the file as UTF-8 CSV and try again") from None
        except csv.Error as e:
            raise InputError(f.label, f"unreadable CSV ({e})", row=rd.line_num) from None
        for fm, rows in mine.items():
            prev = self.by_fm.get(fm)
            if prev is not None:
                self.stats.duplicates += len(prev[1])
            self.by_fm[fm] = (idx, rows)

    def _row(self, f: OutcomeFile, rec: list[str], row: int, want, mine, seen) -> None:
        if len(rec) != len(OUTCOME_COLUMNS):
            raise InputError(f.label, f"{len(rec)} fields where an outcomes row has {len(OUTCOME_COLUMNS)}", row=row)
        crime_id, month, force, outcome = rec[0].strip(), rec[1].strip(), " ".join(rec[2].split()), rec[9].strip()
        self.stats.read += 1
        if not crime_id:
            raise InputError(f.label, "no Crime ID (every outcome names its crime)", row=row)
        if len(crime_id) > MAX_ID_CHARS:
            raise InputError(
                f.label, f"a Crime ID of {len(crime_id):,} characters is not a police.uk Crime ID", row=row
            )
        # Checks of values that repeat on every row (month, force, outcome name) are done once per value.
        first = self._months.get(month)
        if first is None:
            problem = month_problem(month, self.today)
            if problem:
                raise InputError(f.label, problem, row=row)
            first = self._months[month] = dt.date(int(month[:4]), int(month[5:7]), 1)
        nforce = self._forces.get(force)
        if nforce is None:
            if not is_force(force):
                raise InputError(f.label, f"'Reported by' {force[:60]!r} is not one of police.uk's forces", row=row)
            nforce = self._forces[force] = _norm(force)
        if want is not None and nforce not in want:
            raise InputError(
                f.label,
                f"another force's outcomes: 'Reported by' {force[:60]!r} in a file named for {f.force}",
                row=row,
            )
        if not outcome:
            raise InputError(f.label, "no Outcome type", row=row)
        if outcome not in self._names:
            self._names[outcome] = outcomes_taxonomy.is_known(outcome)
        if not self._names[outcome]:
            self._note_unknown(outcome)
        crime = self.known.get(crime_id)
        if crime is None:
            self.stats.not_in_store += 1
            return
        kforce, kmonth = crime
        if _norm(kforce) != nforce:
            raise InputError(
                f.label,
                f"another force's crime: Crime ID {crime_id[:16]}… is a crime of {kforce[:60]}, "
                f"reported here by {force[:60]}",
                row=row,
            )
        if first < kmonth:
            raise InputError(
                f.label,
                f"an outcome recorded in {first:%b %Y}, before its crime's month ({kmonth:%b %Y})",
                row=row,
            )
        key = (kforce, first, crime_id, outcome)
        if key in seen:
            self.stats.duplicates += 1
            return
        seen.add(key)
        mine.setdefault((kforce, first), []).append((crime_id, outcome, row))

    def frame(self, is_demo: bool) -> pd.DataFrame:
        """The rows to write (columns of ``crime_outcome``)."""
        recs: list[tuple] = []
        for (force, month), (_, rows) in sorted(self.by_fm.items()):
            dsid = dataset_id(force, is_demo)
            recs.extend((dsid, force, cid, month, out, seq) for cid, out, seq in rows)
        return pd.DataFrame.from_records(recs, columns=["dataset_id", "force", "crime_id", "month", "outcome", "seq"])


def known_crimes(con: duckdb.DuckDBPyConnection, sql: str = "SELECT force, crime_id, month FROM crime") -> dict:
    """Crime ID -> (force, month) of the crimes ``sql`` selects (IDs only)."""
    out: dict[str, tuple[str, dt.date]] = {}
    cur = con.execute(f"SELECT force, crime_id, month FROM ({sql}) WHERE crime_id IS NOT NULL AND crime_id <> ''")
    while True:
        batch = cur.fetchmany(50_000)
        if not batch:
            return out
        for force, cid, month in batch:
            out[cid] = (force, month if isinstance(month, dt.date) else pd.Timestamp(month).date())


def write(con: duckdb.DuckDBPyConnection, reader: OutcomesReader, report, *, is_demo: bool) -> list[str]:
    """Replace the outcomes of every (force, month) read and keep the rows
    whose crime is in the store (on the store's transaction ``con``); update
    provenance. Returns the dataset ids touched."""
    con.execute(DDL)
    api_kept = _write_api(con, reader, is_demo)
    if not reader.by_fm:
        reader.stats.kept += api_kept
        _fill(report, reader.stats, reader)
        return _record(con, reader, report, sorted({dataset_id(f, is_demo) for f, _ in reader.api}), is_demo)
    df = reader.frame(is_demo)
    fm = pd.DataFrame(sorted(reader.by_fm), columns=["force", "m"])
    con.register("_ofm_df", fm)
    con.register("_orows_df", df)
    try:
        con.execute(f"DELETE FROM {TABLE} USING _ofm_df f WHERE {TABLE}.force = f.force AND {TABLE}.month = f.m")
        before = store.one(con, f"SELECT count(*) FROM {TABLE}")
        con.execute(
            f"""INSERT INTO {TABLE}
                SELECT r.dataset_id, r.force, r.crime_id, CAST(r.month AS DATE), r.outcome, CAST(r.seq AS INTEGER)
                FROM _orows_df r
                WHERE EXISTS (SELECT 1 FROM crime c WHERE c.crime_id = r.crime_id AND c.force = r.force)"""
        )
        kept = int(store.one(con, f"SELECT count(*) FROM {TABLE}") - before)
    finally:
        unregister(con, "_ofm_df")
        unregister(con, "_orows_df")
    reader.stats.kept = kept + api_kept
    reader.stats.not_in_store += len(df) - kept  # crimes gone since the files were read
    _fill(report, reader.stats, reader)
    touched = {dataset_id(f, is_demo) for f, _ in reader.by_fm} | {dataset_id(f, is_demo) for f, _ in reader.api}
    return _record(con, reader, report, sorted(touched), is_demo)


def _write_api(con: duckdb.DuckDBPyConnection, reader: OutcomesReader, is_demo: bool) -> int:
    """The API's outcome_status entries: each replaces only the same crime's
    entry of the same month (a later release adds to the history)."""
    if not reader.api:
        return 0
    df = pd.DataFrame.from_records(
        [(dataset_id(f, is_demo), f, cid, m, out, 0) for (f, cid), (m, out) in sorted(reader.api.items())],
        columns=["dataset_id", "force", "crime_id", "month", "outcome", "seq"],
    )
    con.register("_oapi_df", df)
    try:
        con.execute(
            f"""DELETE FROM {TABLE} USING _oapi_df a
                WHERE {TABLE}.force = a.force AND {TABLE}.crime_id = a.crime_id AND {TABLE}.month = a.month"""
        )
        before = store.one(con, f"SELECT count(*) FROM {TABLE}")
        con.execute(
            f"""INSERT INTO {TABLE}
                SELECT a.dataset_id, a.force, a.crime_id, CAST(a.month AS DATE), a.outcome, 0 FROM _oapi_df a
                WHERE EXISTS (SELECT 1 FROM crime c WHERE c.crime_id = a.crime_id AND c.force = a.force)"""
        )
        kept = int(store.one(con, f"SELECT count(*) FROM {TABLE}") - before)
    finally:
        unregister(con, "_oapi_df")
    reader.stats.not_in_store += len(df) - kept
    return kept


def _record(con, reader: OutcomesReader, report, touched: list[str], is_demo: bool) -> list[str]:
    """Provenance rows of the outcome datasets touched."""
    h = hashlib.sha256()
    for f in reader.files:
        h.update(f"{f.name}:{f.fingerprint or file_fingerprint(f.path)}\n".encode())
    for label in reader.api_labels:
        h.update(f"{label}\n".encode())
    names = [f.name for f in reader.files] + [Path(x).name for x in reader.api_labels]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    for dsid in touched:
        got = con.execute(
            f"SELECT count(*), min(month), max(month), any_value(force) FROM {TABLE} WHERE dataset_id = ?", [dsid]
        ).fetchone()
        assert got is not None  # an aggregate always returns a row
        n, lo, hi, force = got
        force = force or next(f for f, _ in [*reader.by_fm, *reader.api] if dataset_id(f, is_demo) == dsid)
        store.record_dataset(
            con,
            dataset_id=dsid,
            name=("DEMO " if is_demo else "") + f"police.uk outcomes: {force}",
            kind=KIND,
            source=shown,
            licence=DEMO_LICENCE if is_demo else OGL,
            is_demo=is_demo,
            row_count=int(n),
            period_start=lo,
            period_end=hi,
            file_hash=h.hexdigest(),
        )
        if dsid not in report.datasets:
            report.datasets.append(dsid)
    return touched


def _fill(report, stats: OutcomeStats, reader: OutcomesReader) -> None:
    report.outcomes_read += stats.read
    report.outcomes_kept += stats.kept
    report.outcomes_not_in_store += stats.not_in_store
    report.outcomes_duplicates += stats.duplicates
    for k, v in stats.unknown.items():
        report.unknown_outcomes[k] = report.unknown_outcomes.get(k, 0) + v
    if reader._unknown_other:
        report.unknown_outcomes["(other unknown names)"] = (
            report.unknown_outcomes.get("(other unknown names)", 0) + reader._unknown_other
        )
    report.outcome_months = sorted(set(report.outcome_months) | {f"{m:%Y-%m}" for _, m in reader.by_fm})
