"""The store: one DuckDB file.

Two families of tables live in it.

Reference tables are rebuilt from the open-data bundle by ``python -m swp_data
build`` (see :mod:`swp_data.sources.build`). The build writes a new file beside the old
one and renames it into place, so a failed build leaves the previous store
untouched; the data tables below are copied across so a rebuild never loses an
import.

Data tables are filled by imports (police.uk, partner, engagement, demo) and by
users (Impact Areas). Every import runs in one DuckDB transaction.

Geometries are WGS84 WKB blobs (the DuckDB spatial extension is not available
offline); :mod:`geo.boundaries` turns them into GeoDataFrames.

Every loaded dataset has a row in ``dataset`` (provenance): pages read it to
show what is real and what is demo.

Access: the app serves several sessions from one process, and DuckDB refuses
a read-only and a read-write connection to the same file at the same time in
one process ("different configuration"), while across processes it holds a
file lock (shared for readers, exclusive for a writer). So every read goes
through :func:`reading` and every write through :func:`transaction`: in the
process, a readers-writer lock lets reads run together and a write alone
(readers wait for an import to finish rather than fail); across processes (the
command line importing while the app runs), opening retries while the other
process holds the lock, for up to ``SWP_STORE_WAIT`` seconds (default 30),
then raises :class:`StoreBusy`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from swp_data import access, config
from swp_data.errors import InputError
from swp_data.store.audit import DDL as _AUDIT_DDL

SCHEMA_VERSION = 1
log = logging.getLogger(__name__)

# Tables filled by imports and by users: kept across rebuilds of the reference tables.
DATA_TABLES_DDL: dict[str, str] = {
    "dataset": """
        CREATE TABLE IF NOT EXISTS dataset (
            dataset_id   VARCHAR PRIMARY KEY,  -- stable key, e.g. 'police_uk:west-midlands'
            name         VARCHAR NOT NULL,
            kind         VARCHAR NOT NULL,     -- reference | police_uk | partner | engagement | impact_area
            source       VARCHAR NOT NULL,     -- where it came from (file names, URL, generator)
            licence      VARCHAR NOT NULL,
            is_demo      BOOLEAN NOT NULL,
            period_start DATE,
            period_end   DATE,
            row_count    BIGINT NOT NULL,
            file_hash    VARCHAR,              -- sha256 of the inputs (sorted, combined)
            loaded_at    TIMESTAMP NOT NULL
        )""",
    "crime": """
        CREATE TABLE IF NOT EXISTS crime (
            dataset_id        VARCHAR NOT NULL,
            force             VARCHAR NOT NULL,   -- 'Reported by' (CSV) or force slug
            month             DATE NOT NULL,      -- first day of the month
            crime_id          VARCHAR,            -- police.uk Crime ID / API persistent_id or id; NULL for ASB
            category          VARCHAR NOT NULL,   -- canonical (taxonomy.CATEGORIES or historic)
            category_original VARCHAR NOT NULL,   -- as in the file
            lon               DOUBLE,
            lat               DOUBLE,
            location          VARCHAR,
            lsoa_code_source  VARCHAR,            -- LSOA code as given in the file (2011 or 2021)
            lsoa21_code       VARCHAR,            -- placed LSOA 2021 (NULL: no location)
            ward_code         VARCHAR,            -- May 2023 ward of lsoa21_code
            placed_by         VARCHAR NOT NULL,   -- coordinates | code | none
            outcome           VARCHAR,
            context           VARCHAR
        )""",
    "partner_series": """
        CREATE TABLE IF NOT EXISTS partner_series (
            dataset_id      VARCHAR NOT NULL,
            measure         VARCHAR NOT NULL,   -- e.g. domestic_abuse_incidents, hate_crime
            breakdown       VARCHAR NOT NULL,   -- 'all', 'adults', 'youth', hate strand ...
            period_type     VARCHAR NOT NULL,   -- month | quarter | fy
            period_start    DATE NOT NULL,
            period_end      DATE NOT NULL,      -- last day of the period
            geography_level VARCHAR NOT NULL,   -- city | ward | lsoa
            geography_code  VARCHAR NOT NULL,   -- E08000031 for the city
            count           BIGINT NOT NULL
        )""",
    "engagement_meeting": """
        CREATE TABLE IF NOT EXISTS engagement_meeting (
            dataset_id VARCHAR NOT NULL,
            date       DATE NOT NULL,
            ward_code  VARCHAR NOT NULL,
            kind       VARCHAR NOT NULL,
            attendees  BIGINT NOT NULL
        )""",
    "engagement_survey": """
        CREATE TABLE IF NOT EXISTS engagement_survey (
            dataset_id VARCHAR NOT NULL,
            survey     VARCHAR NOT NULL,
            period     VARCHAR NOT NULL,
            ward_code  VARCHAR NOT NULL,
            question   VARCHAR NOT NULL,
            answer     VARCHAR NOT NULL,
            responses  BIGINT NOT NULL
        )""",
    "engagement_consultation": """
        CREATE TABLE IF NOT EXISTS engagement_consultation (
            dataset_id      VARCHAR NOT NULL,
            consultation    VARCHAR NOT NULL,
            period          VARCHAR NOT NULL,
            geography_level VARCHAR NOT NULL,  -- ward | postcode_district
            geography_code  VARCHAR NOT NULL,
            responses       DOUBLE,            -- NULL where only a share is published
            share           DOUBLE             -- percent of respondents
        )""",
    "impact_area": """
        CREATE TABLE IF NOT EXISTS impact_area (
            area_id     VARCHAR PRIMARY KEY,
            name        VARCHAR NOT NULL,
            source      VARCHAR NOT NULL,     -- 'map selection', 'list', file name, 'demo'
            approximate BOOLEAN NOT NULL,
            is_demo     BOOLEAN NOT NULL,
            note        VARCHAR,
            created_at  TIMESTAMP NOT NULL
        )""",
    "impact_area_lsoa": """
        CREATE TABLE IF NOT EXISTS impact_area_lsoa (
            area_id     VARCHAR NOT NULL,
            lsoa21_code VARCHAR NOT NULL
        )""",
    "police_fetch": """
        CREATE TABLE IF NOT EXISTS police_fetch (
            month           DATE PRIMARY KEY,  -- first day of a month fetched from the police.uk API
            requested_at    TIMESTAMP NOT NULL,
            api_last_update DATE,              -- the API's crime-last-updated when it was fetched
            records         BIGINT NOT NULL,   -- unique records the API returned for the city's area
            rows_kept       BIGINT NOT NULL,   -- of them, kept in the city (real rows the crime table holds)
            requests        INTEGER NOT NULL   -- HTTP requests it took (retries and split areas included)
        )""",  # swp_data.sources.fetch: per-month state of the police.uk API update
    "crime_outcome": """
        CREATE TABLE IF NOT EXISTS crime_outcome (
            dataset_id VARCHAR NOT NULL,   -- police_uk_outcomes:<force slug> (demo: prefixed)
            force      VARCHAR NOT NULL,   -- 'Reported by', as the crime table's force
            crime_id   VARCHAR NOT NULL,   -- police.uk Crime ID of a crime in the crime table
            month      DATE NOT NULL,      -- the month the outcome was recorded
            outcome    VARCHAR NOT NULL,   -- 'Outcome type' as police.uk wrote it
            seq        INTEGER NOT NULL    -- row order in its file (the later of one month's outcomes is the latest)
        )""",  # swp_data.sources.policeuk.outcomes: each crime's outcome history
    "crime_lad_month": """
        CREATE TABLE IF NOT EXISTS crime_lad_month (
            force      VARCHAR NOT NULL,   -- 'Reported by' of the file
            month      DATE NOT NULL,
            lad24_code VARCHAR NOT NULL,   -- English district (not the city: its records are in crime)
            category   VARCHAR NOT NULL,   -- canonical category
            n          BIGINT NOT NULL,
            is_demo    BOOLEAN NOT NULL
        )""",  # swp_data.sources.policeuk.lad_counts: other places' monthly counts (issue 18)
    "audit": _AUDIT_DDL,  # who changed what, when (swp_data.store.audit)
    # Performance (swp_data.report.performance): targets per priority, settings (RAG amber margin), own priorities.
    "target": """
        CREATE TABLE IF NOT EXISTS target (
            priority       VARCHAR NOT NULL,   -- priorities.Priority.key (one target per priority)
            kind           VARCHAR NOT NULL,   -- reduction_pct | count
            value          DOUBLE NOT NULL,    -- percent fewer than the baseline, or the count allowed in 12 months
            baseline_label VARCHAR,            -- e.g. '2025-26' (reduction_pct)
            baseline_count BIGINT,             -- the baseline's count when the target was set
            start_date     DATE NOT NULL,
            end_date       DATE NOT NULL,
            set_by         VARCHAR NOT NULL,
            set_at         TIMESTAMP NOT NULL
        )""",
    "setting": """
        CREATE TABLE IF NOT EXISTS setting (
            key    VARCHAR NOT NULL,           -- e.g. rag_amber_margin
            value  VARCHAR NOT NULL,
            set_by VARCHAR NOT NULL,
            set_at TIMESTAMP NOT NULL
        )""",
    "custom_priority": """
        CREATE TABLE IF NOT EXISTS custom_priority (
            key        VARCHAR NOT NULL,       -- 'cat:<slug>'
            label      VARCHAR NOT NULL,
            categories VARCHAR[] NOT NULL,     -- police.uk categories
            created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL
        )""",
    # The action plan (swp_data.actions.plan): one row per action, changed by analysts (audited).
    "action": """
        CREATE TABLE IF NOT EXISTS action (
            action_id  INTEGER PRIMARY KEY,
            title      VARCHAR NOT NULL,
            priority   VARCHAR NOT NULL,     -- a strategy priority (plan.STRATEGY_PRIORITIES or the analyst's words)
            lead_org   VARCHAR NOT NULL,
            lead_name  VARCHAR NOT NULL,
            place_kind VARCHAR NOT NULL,     -- city | ward | impact_area | lsoas
            place_code VARCHAR,              -- ward code, Impact Area id, or LSOA 2021 codes separated by ';'
            start_date DATE,
            due_date   DATE,
            status     VARCHAR NOT NULL,     -- plan.STATUSES
            measure    VARCHAR,              -- police.uk grouping or category, or a partner measure key
            note       VARCHAR NOT NULL,
            created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            updated_by VARCHAR NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
    # Meetings (swp_data.meetings): agendas of views, their items, and what each meeting decided.
    "agenda": """
        CREATE TABLE IF NOT EXISTS agenda (
            agenda_id    BIGINT NOT NULL,      -- 1, 2, ... (max + 1)
            title        VARCHAR NOT NULL,     -- e.g. 'Delivery Group, March 2026'
            meeting_date DATE,
            created_by   VARCHAR NOT NULL,
            created_at   TIMESTAMP NOT NULL,
            updated_by   VARCHAR NOT NULL,
            updated_at   TIMESTAMP NOT NULL
        )""",
    "agenda_item": """
        CREATE TABLE IF NOT EXISTS agenda_item (
            item_id        BIGINT NOT NULL,    -- unique across agendas
            agenda_id      BIGINT NOT NULL,
            position       INTEGER NOT NULL,   -- 1.. in the agenda's order
            title          VARCHAR NOT NULL,
            page           VARCHAR NOT NULL,   -- the view: a page's url path ('' = Overview) ...
            query          VARCHAR NOT NULL,   -- ... and its query string, without '?'
            talking_points VARCHAR NOT NULL,
            priority       VARCHAR,            -- priorities.Priority.key when the item is a priority's
            updated_by     VARCHAR NOT NULL,
            updated_at     TIMESTAMP NOT NULL
        )""",
    "meeting_note": """
        CREATE TABLE IF NOT EXISTS meeting_note (
            note_id        BIGINT NOT NULL,
            agenda_id      BIGINT NOT NULL,
            item_id        BIGINT NOT NULL,
            kind           VARCHAR NOT NULL,   -- decision | action
            text           VARCHAR NOT NULL,
            owner          VARCHAR,            -- actions: who will do it
            due            DATE,               -- actions: by when
            plan_action_id BIGINT,             -- the action plan's id (swp_data.actions), when it has one
            recorded_by    VARCHAR NOT NULL,
            recorded_at    TIMESTAMP NOT NULL
        )""",
}


class StoreBusy(InputError):
    """Another program held the store's lock for longer than ``SWP_STORE_WAIT`` seconds."""


class _ReadWriteLock:
    """Readers share, a writer is alone; a waiting writer goes before new
    readers (pages keep reading, an import must not starve). A thread that
    already reads may read again (nested reads) without waiting."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer: int | None = None  # thread id of the writer
        self._writers_waiting = 0
        self._local = threading.local()

    @contextlib.contextmanager
    def read(self, timeout: float | None = None) -> Iterator[None]:
        """Wait for writers (at most ``timeout`` seconds, then StoreBusy)."""
        depth = getattr(self._local, "depth", 0)
        me = threading.get_ident()
        with self._cond:
            if depth == 0 and self._writer != me:
                deadline = None if timeout is None else time.monotonic() + timeout
                while self._writer is not None or self._writers_waiting:
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        log.warning("store: a read waited %.1f s for an import in this process; gave up", timeout)
                        raise StoreBusy(
                            None,
                            f"the store is busy: an import has been writing to it for more than {timeout:g} s; "
                            "try again when it has finished",
                        )
                    self._cond.wait(left)
            self._readers += 1
        self._local.depth = depth + 1
        try:
            yield
        finally:
            self._local.depth = depth
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        me = threading.get_ident()
        if getattr(self._local, "depth", 0) or self._writer == me:
            raise RuntimeError("store: a write was started inside a read or another write of the same thread")
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writer is not None or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writer = me
        try:
            yield
        finally:
            with self._cond:
                self._writer = None
                self._cond.notify_all()


_ACCESS = _ReadWriteLock()


def _wait_seconds() -> float:
    try:
        return max(0.0, float(os.environ.get("SWP_STORE_WAIT", "30")))
    except ValueError:
        return 30.0


def no_file_access(con: duckdb.DuckDBPyConnection, files: Path | None = None) -> duckdb.DuckDBPyConnection:
    """``con`` with DuckDB's external access switched off: no ``read_text``,
    ``read_csv``, ``glob``, ``COPY``, ``ATTACH`` or extension loading, whatever
    a stored view or macro asks. The setting belongs to the open database, so
    every connection to the store file in this process has it until the last
    one closes. The app's store connections never read files through DuckDB:
    imports scan CSVs in their own in-memory staging database
    (:mod:`swp_data.sources.imports`), and data frames are passed with
    ``register``; the police.uk import's transaction reads its staged rows
    from one private folder, ``files`` (DuckDB's ``allowed_directories``:
    that folder alone stays readable)."""
    if files is not None:
        folder = str(Path(files).resolve()).replace("'", "''").rstrip("/") + "/"
        con.execute(f"SET allowed_directories = ['{folder}']")
    con.execute("SET enable_external_access = false")
    return con


def connect(read_only: bool = True, path: Path | None = None, files: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store (callers hold the in-process lock: use :func:`reading`
    or :func:`transaction`). Waits while another process holds the file lock.
    Raises FileNotFoundError with a hint when it is not built, StoreBusy when
    the wait runs out. DuckDB's file access is off (:func:`no_file_access`),
    but for the folder ``files``."""
    # A symbolic link is followed on every open (DuckDB 2.0 does so too; here
    # it does not depend on that): DuckDB keeps one database per file path
    # while any connection to it is open, so a file renamed over the store
    # would not be read until every connection had closed, whereas a store
    # published by switching a link (swp_data.store.backup.publish) is a new path:
    # read at the next open while older reads finish on the previous file.
    p = Path(os.path.realpath(path if path else config.store_path()))
    if read_only and not p.exists():
        raise FileNotFoundError(f"{p}: the store is not built; run `python -m swp_data build`")
    p.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + _wait_seconds()
    delay = 0.01
    while True:
        try:
            return no_file_access(duckdb.connect(str(p), read_only=read_only), files)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise
            if time.monotonic() >= deadline:
                # Who holds it (program and process id) and where the store is
                # go to the server log, not to the people using the app.
                m = re.search(r"lock is held in (.+?) \(PID (\d+)\)", str(e))
                holder = f"{m.group(1)}, process {m.group(2)}" if m else "another program"
                log.warning("store %s stayed locked by %s for %g s", p, holder, _wait_seconds())
                raise StoreBusy(
                    None,
                    f"the store is in use by another program and stayed "
                    f"locked for {_wait_seconds():g} s; try again when it has finished",
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


@contextlib.contextmanager
def reading(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection, closed on exit; waits while an import writes,
    for at most ``SWP_STORE_WAIT`` seconds (then StoreBusy)."""
    with _ACCESS.read(timeout=_wait_seconds()):
        con = connect(read_only=True, path=path)
        try:
            yield con
        finally:
            con.close()


@contextlib.contextmanager
def transaction(
    path: Path | None = None,
    files: Path | None = None,
    *,
    who_may: Callable[[str], access.Actor] = access.require_analyst,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection inside one transaction: committed on success,
    rolled back (store unchanged) on any exception. Alone in the process:
    waits for reads to finish, and reads wait for it. Only an analyst may
    write (:func:`swp_data.access.require_analyst`), whichever page asks;
    ``who_may`` is a stricter or other check of the same kind (a meeting's
    note-taker: :func:`swp_data.meetings.notes.require_note_taker`).
    ``files``: a private folder the transaction may read files from (an
    import's staged rows); nothing else outside the store is readable."""
    who_may("changing the store")
    with _ACCESS.write():
        con = connect(read_only=False, path=path, files=files)
        try:
            ensure_data_tables(con)
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            else:
                con.execute("COMMIT")
        finally:
            con.close()


@contextlib.contextmanager
def exclusive(what: str, path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store alone, for replacing its file (a restore): no reader or
    writer of this process, and DuckDB's file lock held by a read-write
    connection (checkpointed, so no write-ahead log is pending), so no other
    process has the file open. A file renamed into place inside this block is
    what every later :func:`reading`, here or in another process, opens.
    Only an analyst (``what`` names the change for the refusal)."""
    access.require_analyst(what)
    with _ACCESS.write():
        con = connect(read_only=False, path=path)
        try:
            con.execute("CHECKPOINT")
            yield con
        finally:
            con.close()


def ensure_data_tables(con: duckdb.DuckDBPyConnection) -> None:
    for ddl in DATA_TABLES_DDL.values():
        con.execute(ddl)


def record_dataset(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset_id: str,
    name: str,
    kind: str,
    source: str,
    licence: str,
    is_demo: bool,
    row_count: int,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    file_hash: str | None = None,
) -> None:
    """Insert or replace a provenance row."""
    con.execute("DELETE FROM dataset WHERE dataset_id = ?", [dataset_id])
    con.execute(
        "INSERT INTO dataset VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dataset_id,
            name,
            kind,
            source,
            licence,
            bool(is_demo),
            period_start,
            period_end,
            int(row_count),
            file_hash,
            dt.datetime.now().replace(microsecond=0),
        ],
    )


def one(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None):
    """The first value of a query's first row (aggregates always return one row)."""
    row = con.execute(query, params or []).fetchone()
    if row is None:
        raise LookupError(f"no row from: {query[:80]}")
    return row[0]


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]))


def store_version(path: Path | None = None) -> float:
    """A cheap token that changes whenever the store changes (for caches).

    Never fails while an import commits or a checkpoint runs: the file and its
    write-ahead log are each stat'ed once, and one that vanishes meanwhile
    (the checkpoint removes the log; a restore or publish renames the file)
    counts as absent, never checked first and read after."""
    p = Path(os.path.realpath(path if path else config.store_path()))
    try:
        st = os.stat(p)
    except FileNotFoundError:
        return 0.0
    try:
        w = os.stat(p.with_name(p.name + ".wal")).st_mtime_ns
    except FileNotFoundError:
        w = 0
    return float(st.st_mtime_ns + st.st_size + w)
