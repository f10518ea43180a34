"""The table reader every CSV importer shares (partner series, engagement,
Impact Area lists): bounded, validated reading of a user's CSV, the checks of
its values, the places it may name, and the transactional replacement of the
rows it brings (no Streamlit here).

Every problem is an :class:`~swp_data.errors.InputError` naming the file, the
row (1 = header, 2 = first data row, as a spreadsheet shows it) and the
problem; reading stops at the :data:`MAX_PROBLEMS`-th.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import config, store
from swp_data.errors import InputError

# Limits on partner and engagement CSVs (docs/import_formats.md, "Limits, and why").
MAX_ROWS = 200_000  # data rows a file: a decade of monthly counts by LSOA for a few measures


MAX_LINE_CHARS = 10_000  # characters a line


MAX_ROW_LINES = 100  # lines one row may span (quoted line breaks)


MAX_PROBLEMS = 10  # problems found before reading stops


MAX_COUNT = 1_000_000  # a count, attendance or number of responses for one period and place


MAX_NUMBER_CHARS = 20  # characters of a count as written ("1,000,000.00" is 12)


# Community safety partnerships began with the Crime and Disorder Act 1998
# (in force April 1998): no partner figure or engagement record ends earlier.
EARLIEST = dt.date(1998, 4, 1)


CITY_ALIASES = {"e08000031", "wolverhampton", "city", "city of wolverhampton", "wolverhampton city"}


# ---------------------------------------------------------------- shared helpers
class Bad(ValueError):
    """A problem with one value; the caller adds the file and row."""


@dataclass
class Problems:
    """Collects row problems; raises the first (lowest row) with a count of the
    rest. Reading stops at the :data:`MAX_PROBLEMS`-th problem: the message
    then says which rows were not checked."""

    path: Path
    items: list[tuple[int, str]] = field(default_factory=list)
    limit: int = MAX_PROBLEMS

    def add(self, row: int, problem: str) -> None:
        self.items.append((row, problem))
        if len(self.items) >= self.limit:
            self.raise_if_any(stopped_at=row)

    def raise_if_any(self, stopped_at: int | None = None) -> None:
        if not self.items:
            return
        self.items.sort(key=lambda t: t[0])
        row, problem = self.items[0]
        n = len(self.items)
        if stopped_at is not None:
            more = f" ({n - 1} more problem(s) up to row {stopped_at:,}; the rows after it were not checked)"
        else:
            more = f" ({n - 1} more problem(s) in this file)" if n > 1 else ""
        raise InputError(self.path, problem + more, row=row)


@dataclass
class Tally:
    """The counters an import report carries (a stand-in where there is no report)."""

    files: int = 0
    rows_read: int = 0
    rows_kept: int = 0
    warnings: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)


def normalise_header(columns: Iterable[str]) -> list[str]:
    return [str(c).replace("\ufeff", "").strip().lower() for c in columns]


class TableReader:
    """Stream a small CSV schema strictly, one row at a time (memory does not
    grow with the file): UTF-8, not truncated, the header naming only
    ``columns`` (case-insensitive, trimmed) and all of ``required``, every row
    with the header's number of fields, at most :data:`MAX_ROWS` data rows of
    lines of at most :data:`MAX_LINE_CHARS` characters. Iterating yields
    (row: column -> text, missing optional columns as "", spreadsheet row
    number, header = 1). Blank rows (no text in any field) are skipped;
    ``rows_read`` counts the others."""

    def __init__(
        self,
        path: Path,
        *,
        columns: tuple[str, ...],
        required: tuple[str, ...],
        what: str,
        data: bytes | None = None,
    ) -> None:
        self.path, self.columns, self.what = Path(path), columns, what
        self.schema = ",".join(columns)
        if data is None and not self.path.exists():
            raise InputError(self.path, "file not found")
        self._data = data
        self.rows_read = 0
        self._pos = 0  # bytes read so far (for the position of a bad byte)
        self._at_last = False
        self._ended_with_newline = True
        self._row_lines = 0
        self._rows = self._read()
        first = next((r for r in self._rows if any(f.strip() for f in r[0])), None)
        if first is None:
            raise InputError(self.path, "the file is empty")
        self.header = normalise_header(first[0])
        _check_header(self.path, self.header, columns, required, what, self.schema)

    def _open(self):
        raw = io.BytesIO(self._data) if self._data is not None else open(self.path, "rb")  # noqa: SIM115
        return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")

    def _lines(self, f) -> Iterator[str]:
        """Physical lines (line ends kept), each checked for length and for
        bytes that are not UTF-8; knows which line is the last."""
        n = 0

        def get() -> str:
            line = f.readline(MAX_LINE_CHARS + 1)
            if len(line) > MAX_LINE_CHARS:
                raise InputError(
                    self.path, f"a line is longer than {MAX_LINE_CHARS:,} characters: not a {self.what} file", row=n + 1
                )
            return line

        nxt = get()
        while nxt:
            cur = nxt
            n += 1
            if not cur.isascii():
                bad = next((i for i, ch in enumerate(cur) if "\udc80" <= ch <= "\udcff"), None)
                if bad is not None:
                    pos = self._pos + len(cur[:bad].encode("utf-8", "surrogateescape"))
                    raise InputError(
                        self.path,
                        f"not UTF-8 text (byte 0x{ord(cur[bad]) - 0xDC00:02x} at position {pos}); "
                        "save the file as UTF-8 CSV and try again",
                        row=n,
                    )
                self._pos += len(cur.encode("utf-8"))
            else:
                self._pos += len(cur)
            self._row_lines += 1
            if self._row_lines > MAX_ROW_LINES:
                raise InputError(
                    self.path,
                    f"a row runs over more than {MAX_ROW_LINES} lines: an unclosed quote?",
                    row=n - MAX_ROW_LINES,
                )
            nxt = get()
            self._at_last = not nxt
            self._ended_with_newline = cur.endswith(("\n", "\r"))
            yield cur

    def _read(self) -> Iterator[tuple[list[str], int]]:
        with self._open() as f:
            reader = csv.reader(self._lines(f), strict=True)
            line = 0
            try:
                for fields in reader:
                    start, line = line + 1, reader.line_num
                    self._row_lines = 0
                    yield fields, start
            except csv.Error as e:
                raise InputError(
                    self.path,
                    f"malformed CSV ({e}); an unclosed quote often means the file is truncated",
                    row=line + 1,
                ) from None

    def __iter__(self) -> Iterator[tuple[dict[str, str], int]]:
        header, n_cols = self.header, len(self.header)
        for fields, start in self._rows:
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > n_cols and not any(f.strip() for f in fields[n_cols:]):
                fields = fields[:n_cols]  # trailing empty cells, as spreadsheets write them
            if len(fields) != n_cols:
                if self._at_last and not self._ended_with_newline and len(fields) < n_cols:
                    raise InputError(
                        self.path,
                        f"the last row has {len(fields)} of {n_cols} fields: the file looks truncated",
                        row=start,
                    )
                raise InputError(
                    self.path,
                    f"this row has {len(fields)} field(s) but the header has {n_cols} "
                    f"({self.schema}); check for a stray comma or a missing value",
                    row=start,
                )
            self.rows_read += 1
            if self.rows_read > MAX_ROWS:
                raise InputError(
                    self.path,
                    f"the file has more than {MAX_ROWS:,} data rows; split it into several files",
                    row=start,
                )
            rec = dict(zip(header, fields, strict=True))
            for c in self.columns:
                rec.setdefault(c, "")
            yield rec, start
        if self.rows_read == 0:
            raise InputError(self.path, f"the file has a header but no data rows ({self.what})", row=2)


def file_digest(path: Path, data: bytes | None = None) -> str:
    """sha256 of a file, read in 1 MB chunks (or of ``data``)."""
    if data is not None:
        return file_hash(data)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _check_header(path, header, columns, required, what, schema) -> None:
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes:
        raise InputError(path, f"column(s) {', '.join(dupes)} appear more than once in the header", row=1)
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in columns]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unexpected column(s) {', '.join(repr(c) for c in unknown)}")
        raise InputError(
            path,
            "; ".join(parts) + f": a {what} file has the columns {schema} (see docs/import_formats.md)",
            row=1,
        )


_INVISIBLE = {
    *map(chr, range(0x200B, 0x2010)),  # zero-width spaces and joiners, LRM/RLM
    *map(chr, range(0x202A, 0x202F)),  # bidi embeddings and overrides
    *map(chr, range(0x2066, 0x206A)),  # bidi isolates
    "\ufeff",
}


def clean_text(value: str) -> str:
    """Free text as stored: control and invisible formatting characters
    removed (tabs and line breaks become spaces), runs of spaces collapsed,
    trimmed. Everything else, markup and formula-looking text included, is
    kept verbatim: pages escape it when they show it."""
    out = []
    for ch in value:
        if ch in "\t\n\r\v\f\x85":
            out.append(" ")
        elif ch in _INVISIBLE or unicodedata.category(ch) == "Cc":
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def text_field(value: str, name: str, *, max_len: int, default: str | None = None) -> str:
    t = clean_text(value)
    if not t:
        if default is not None:
            return default
        raise Bad(f"{name} is empty")
    if len(t) > max_len:
        raise Bad(f"{name} is {len(t):,} characters long (at most {max_len:,})")
    return t


_WHOLE = re.compile(r"^(\d+)(?:\.0+)?$")


_WHOLE_COMMAS = re.compile(r"^\d{1,3}(?:,\d{3})+$")


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def whole_number(value: str, name: str, maximum: int = MAX_COUNT) -> int:
    """A non-negative whole number ("1234", "1,234" and "12.0" are accepted),
    at most ``maximum``."""
    t = value.strip()
    if not t:
        raise Bad(f"{name} is missing")
    if len(t) > MAX_NUMBER_CHARS:
        raise Bad(f"{name} is {len(t):,} characters long: not a plausible {name} (at most {maximum:,})")
    m = _WHOLE.match(t)
    n = int(m.group(1)) if m else int(t.replace(",", "")) if _WHOLE_COMMAS.match(t) else None
    if n is not None:
        if n > maximum:
            raise Bad(f"{name} {n:,} is more than {maximum:,}: not a plausible {name} for one period and place")
        return n
    if _NUMBER.match(t.replace(",", "")):
        if t.startswith("-"):
            raise Bad(f"{name} {t} is negative: it must be a whole number, 0 or more")
        raise Bad(f"{name} {t} is not a whole number")
    raise Bad(f"{name} {t!r} is not a number")


def norm_name(name: str) -> str:
    s = clean_text(name).lower().replace("&", " and ")
    s = re.sub(r"[.'\u2019]", "", s)
    return " ".join(s.split())


class Places:
    """The city's places, read from the store's reference tables, to resolve
    what an input file writes in a geography or ward column."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        wards = con.execute("SELECT ward_code, ward_name FROM ward ORDER BY ward_code").fetchall()
        if not wards:
            raise InputError(None, "the store has no wards: run `python -m swp_data build` first")
        self.ward_names: dict[str, str] = dict(wards)
        self.ward_by_name = {norm_name(n): c for c, n in wards}
        self.ward_range = f"{wards[0][0]}–{wards[-1][0]}"
        self.lsoa21 = {r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21").fetchall()}
        self.lsoa11_children: dict[str, list[str]] = {}
        for l11, l21 in con.execute(
            "SELECT lsoa11_code, lsoa21_code FROM lsoa_crosswalk ORDER BY lsoa11_code, lsoa21_code"
        ).fetchall():
            self.lsoa11_children.setdefault(l11, []).append(l21)
        self.old_wards: dict[str, str] = {}
        if store.table_exists(con, "ward2013"):
            self.old_wards = dict(con.execute("SELECT ward13_code, ward13_name FROM ward2013").fetchall())
        self.old_ward_names = {norm_name(n) for n in self.old_wards.values()}
        self._cache: dict[str, tuple[str, str, str | None]] = {}

    def _ward_help(self) -> str:
        return f"use a May 2023 ward code ({self.ward_range}) or name, e.g. {next(iter(self.ward_names.values()))}"

    def ward(self, text: str) -> str:
        """A May 2023 ward code from a code or a name (case-insensitive)."""
        t = clean_text(text)
        if not t:
            raise Bad("ward is empty")
        code = t.upper()
        if code in self.ward_names:
            return code
        by_name = self.ward_by_name.get(norm_name(t))
        if by_name:
            return by_name
        raise Bad(self._not_a_ward(t))

    def _not_a_ward(self, t: str) -> str:
        code = t.upper()
        if code in self.old_wards:
            return (
                f"{t} is a ward of 2004–2023 ({self.old_wards[code]}), not one of the May 2023 wards; "
                + self._ward_help()
            )
        if norm_name(t) in self.old_ward_names:
            return f"{t!r} is a ward name of 2004–2023, not one of the May 2023 wards; " + self._ward_help()
        if re.fullmatch(r"[EWSN]\d{8}", code):
            return f"{t} is not one of the city's wards (outside the city?); " + self._ward_help()
        return f"unknown ward {t!r}; " + self._ward_help()

    def geography(self, text: str) -> tuple[str, str, str | None]:
        """(level, code, 2011 code it was mapped from or None) for the city, a
        May 2023 ward or an LSOA."""
        key = text.strip()
        hit = self._cache.get(key)
        if hit is None:
            hit = self._geography(key)
            self._cache[key] = hit
        return hit

    def _geography(self, text: str) -> tuple[str, str, str | None]:
        t = clean_text(text)
        if not t:
            raise Bad("geography is empty")
        low, code = norm_name(t), t.upper()
        if low in CITY_ALIASES:
            return "city", config.CITY_LAD, None
        if code in self.ward_names:
            return "ward", code, None
        if low in self.ward_by_name:
            return "ward", self.ward_by_name[low], None
        if code in self.lsoa21:
            return "lsoa", code, None
        if code in self.lsoa11_children:
            kids = self.lsoa11_children[code]
            if len(kids) == 1:
                return "lsoa", kids[0], code
            raise Bad(
                f"LSOA 2011 {code} was split in 2021 into {' and '.join(kids)}: a count for it cannot "
                f"be placed; give the counts by LSOA 2021 code ({', '.join(kids)}) or by ward"
            )
        if code.startswith("E05") or code in self.old_wards or low in self.old_ward_names:
            raise Bad(self._not_a_ward(t))
        if re.fullmatch(r"E01\d{6}", code):
            raise Bad(f"LSOA {t} is outside the city (not one of its 161 LSOAs 2021 or 158 LSOAs 2011)")
        if re.fullmatch(r"[EWSN]\d{8}", code):
            raise Bad(f"geography {t} is outside the city (the city is {config.CITY_LAD}, Wolverhampton)")
        raise Bad(
            f"unknown geography {t!r}: use {config.CITY_LAD} or Wolverhampton for the city, a May 2023 "
            f"ward code ({self.ward_range}) or name, or an LSOA code"
        )


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class DatasetInfo:
    dataset_id: str
    name: str
    kind: str
    source: str
    licence: str
    is_demo: bool
    file_hash: str | None


def drop_keys_held_by_others(
    con: duckdb.DuckDBPyConnection, table: str, keys: tuple[str, ...], df: pd.DataFrame, own_id: str
) -> pd.DataFrame:
    """Rows of ``df`` whose key no other dataset holds (used by the build's
    loaders of published figures, so a rebuild never overwrites a newer import)."""
    if df.empty:
        return df
    view = "_swp_keys_check"
    con.register(view, df)
    try:
        cond = " AND ".join(f"t.{k} = n.{k}" for k in keys)
        held = con.execute(
            f"SELECT n._i FROM {view} n WHERE EXISTS (SELECT 1 FROM {table} t WHERE {cond} AND t.dataset_id <> ?)",
            [own_id],
        ).fetchall()
    finally:
        con.unregister(view)
    drop = {r[0] for r in held}
    return df[~df["_i"].isin(drop)].reset_index(drop=True)


def replace_rows(
    con: duckdb.DuckDBPyConnection,
    *,
    table: str,
    keys: tuple[str, ...],
    columns: tuple[str, ...],
    new: pd.DataFrame,
    info: DatasetInfo,
    period_of: Callable[[duckdb.DuckDBPyConnection, str], tuple[dt.date | None, dt.date | None]],
    report,
    label: str,
    file: Path | None = None,
) -> int:
    """Write ``new`` (``columns`` without dataset_id) into ``table`` as dataset
    ``info``: rows with the same keys are deleted first, from whichever
    dataset, except that figures the partnership published (``published:``
    datasets) are never replaced by another dataset (InputError naming
    ``file`` and the first such row, ``new["_row"]``). Provenance rows of every
    dataset touched are brought up to date (row count, period) and datasets
    left without rows are deleted. Returns the number of rows replaced."""
    replaced: list[tuple[str, int]] = []
    if not new.empty:
        view = "_swp_import_rows"
        frame = new[list(columns) + (["_row"] if "_row" in new else [])].copy()
        con.register(view, frame)
        try:
            key_list = ", ".join(keys)
            cond = " AND ".join(f"t.{k} = n.{k}" for k in keys)
            _refuse_replacing_published(con, table, view, cond, info, file or label, "_row" in new)
            replaced = con.execute(
                f"SELECT t.dataset_id, count(*) FROM {table} t "
                f"JOIN (SELECT DISTINCT {key_list} FROM {view}) n ON {cond} GROUP BY 1 ORDER BY 1"
            ).fetchall()
            if replaced:
                con.execute(f"DELETE FROM {table} WHERE ({key_list}) IN (SELECT {key_list} FROM {view})")
            con.execute(
                f"INSERT INTO {table} (dataset_id, {', '.join(columns)}) SELECT ?, {', '.join(columns)} FROM {view}",
                [info.dataset_id],
            )
        finally:
            con.unregister(view)
    touched = sorted({d for d, _ in replaced} | {info.dataset_id})
    for ds in touched:
        n = con.execute(f"SELECT count(*) FROM {table} WHERE dataset_id = ?", [ds]).fetchall()[0][0]
        if n == 0:
            con.execute("DELETE FROM dataset WHERE dataset_id = ?", [ds])
            continue
        start, end = period_of(con, ds)
        if ds == info.dataset_id:
            store.record_dataset(
                con,
                dataset_id=ds,
                name=info.name,
                kind=info.kind,
                source=info.source,
                licence=info.licence,
                is_demo=info.is_demo,
                row_count=n,
                period_start=start,
                period_end=end,
                file_hash=info.file_hash,
            )
        else:
            con.execute(
                "UPDATE dataset SET row_count = ?, period_start = ?, period_end = ? WHERE dataset_id = ?",
                [n, start, end, ds],
            )
    total = sum(n for _, n in replaced)
    if total:
        where = ", ".join(f"{d} ({n:,})" for d, n in replaced)
        report.warnings.append(f"{label}: {total:,} row(s) replaced rows with the same key loaded before, from {where}")
    return total


def _refuse_replacing_published(con, table: str, view: str, cond: str, info: DatasetInfo, file, has_rows: bool):
    if info.dataset_id.startswith("published:"):
        return
    first = "min(n._row)" if has_rows else "NULL"
    hit = con.execute(
        f"SELECT count(*), {first}, min(t.dataset_id) FROM {view} n JOIN {table} t ON {cond} "
        "WHERE t.dataset_id LIKE 'published:%'"
    ).fetchall()[0]
    if hit[0]:
        raise InputError(
            file,
            f"{'this row' if hit[0] == 1 else f'this and {hit[0] - 1:,} more row(s)'} would replace a figure the "
            f"partnership published ({hit[2]}); published figures are never replaced by an upload: "
            "leave those rows out",
            row=None if hit[1] is None else int(hit[1]),
        )


def dataset_suffix(path: Path) -> str:
    return Path(path).stem.strip().lower()


def file_dataset(path: Path, digest: str, dataset_id: str, name: str, kind: str, is_demo: bool) -> DatasetInfo:
    """Provenance of an imported file (demo files get ``demo:`` ids and the demo licence)."""
    return DatasetInfo(
        dataset_id=("demo:" if is_demo else "") + dataset_id,
        name=name + (" (demo)" if is_demo else ""),
        kind=kind,
        source=path.name,
        licence=config.DEMO_LICENCE if is_demo else config.PARTNER_LICENCE,
        is_demo=bool(is_demo),
        file_hash=digest,
    )


def tally_file(report, info: DatasetInfo, rows_read: int, rows_kept: int, warnings: list[str]) -> None:
    """Add one imported file to an import report (or a :class:`Tally`)."""
    report.files += 1
    report.rows_read += rows_read
    report.rows_kept += rows_kept
    report.warnings.extend(warnings)
    report.datasets.append(info.dataset_id)
