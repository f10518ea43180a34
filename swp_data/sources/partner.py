"""Partner series: counts the partners send (domestic abuse, hate crime...) by
period and place, and the figures the partnership has published.

The CSV schema (documented for users in ``docs/import_formats.md``)::

    period,geography,measure,breakdown,count
    2024-05,Bilston North,domestic_abuse_incidents,adults,37

* ``period``: a month ``2024-05``, a calendar quarter ``2024-Q1`` or a UK
  financial year ``2018-19`` (April to March), as read by
  :func:`swp_data.periods.parse_period`. A period that starts after today is
  refused; one that has not ended yet is kept with a warning (partial).
* ``geography``: the city (``E08000031``, ``Wolverhampton`` or ``city``), a May
  2023 ward (code or name, any case), or an LSOA code (2021; a 2011 code is
  mapped when the LSOA was not split in 2021, a split one is refused with its
  2021 codes).
* ``measure``: a lower-case slug (``[a-z0-9_]+``), e.g. ``domestic_abuse_incidents``.
* ``breakdown`` (optional column; empty means ``all``): free text, lower-cased,
  control characters removed, e.g. ``adults``, ``youth``, ``race``.
* ``count``: a whole number, 0 or more.

Import is idempotent: a row's key is (measure, breakdown, period_type,
period_start, geography_level, geography_code); an import replaces the rows
with the same keys loaded before from any dataset (the newer file wins).

This module also holds the small reading and bookkeeping helpers the
engagement importer shares (:mod:`swp_data.sources.engagement`): header handling,
row-numbered problems, place names and codes, whole numbers, free text, and
the replace-by-key write with its provenance rows.

Public API (called by :mod:`swp_data.sources.imports` inside its open transaction and
by the build): :func:`is_partner_header`, :func:`import_partner_csv`,
:func:`load_published`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import config, taxonomy
from swp_data.errors import InputError
from swp_data.periods import parse_period
from swp_data.sources.tables import (
    EARLIEST,
    Bad,
    DatasetInfo,
    Places,
    Problems,
    TableReader,
    Tally,
    dataset_suffix,
    drop_keys_held_by_others,
    file_dataset,
    file_digest,
    file_hash,
    normalise_header,
    replace_rows,
    tally_file,
    text_field,
    whole_number,
)

__all__ = [
    "PARTNER_COLUMNS",
    "PUBLISHED_LICENCE",
    "PUBLISHED_DATASET_ID",
    "is_partner_header",
    "import_partner_csv",
    "load_published",
]

PARTNER_COLUMNS = ("period", "geography", "measure", "breakdown", "count")
PARTNER_REQUIRED = ("period", "geography", "measure", "count")
PARTNER_KEY = ("measure", "breakdown", "period_type", "period_start", "geography_level", "geography_code")

PUBLISHED_LICENCE = config.PUBLISHED_LICENCE
PUBLISHED_DATASET_ID = "published:swp_strategy_figures"
# Published indicators loaded as partner series (city level, financial years).
PUBLISHED_MEASURES = ("domestic_violence_reports", "hate_crime_reports")


# ---------------------------------------------------------------- partner series
def is_partner_header(columns: list[str]) -> bool:
    """True when a CSV header is (meant to be) the partner series schema: it
    names period, geography, measure and count (any case, trimmed)."""
    cols = set(normalise_header(columns))
    return all(c in cols for c in PARTNER_REQUIRED)


_MEASURE = re.compile(r"^[a-z0-9_]+$")


def _validate_partner(
    con: duckdb.DuckDBPyConnection, path: Path, data: bytes | None, label: str, *, today: dt.date | None = None
) -> tuple[pd.DataFrame, int, list[str]]:
    """Parse and check a partner CSV; returns (rows, data rows read, warnings).
    Raises InputError (file, row, problem) before anything is written."""
    rows = TableReader(path, columns=PARTNER_COLUMNS, required=PARTNER_REQUIRED, what="partner series", data=data)
    today = today or dt.date.today()
    places = Places(con)
    problems = Problems(path)
    periods: dict[str, tuple[str, dt.date, dt.date] | str] = {}
    seen: dict[tuple, int] = {}
    out: list[tuple] = []
    rows_n: list[int] = []
    mapped: set[str] = set()
    partial = 0
    unknown_measures: set[str] = set()
    for rec, rn in rows:
        try:
            ptext = rec["period"].strip()
            p = periods.get(ptext)
            if p is None:
                try:
                    p = parse_period(ptext)
                    if p[1] > today:
                        p = f"period {ptext} is in the future (it starts {p[1]:%d %b %Y}; today is {today:%d %b %Y})"
                    elif p[2] < EARLIEST:
                        p = f"period {ptext[:20]} is before {EARLIEST:%B %Y}, when community safety partnerships began"
                except ValueError as e:
                    p = str(e).rstrip(".")
                    p = p if "period" in p.lower() else f"period: {p}"
                periods[ptext] = p
            if isinstance(p, str):
                raise Bad(p)
            ptype, pstart, pend = p
            level, gcode, from11 = places.geography(rec["geography"])
            measure = rec["measure"].strip()
            if not measure:
                raise Bad("measure is empty")
            if not _MEASURE.match(measure) or len(measure) > 64:
                hint = re.sub(r"[^a-z0-9]+", "_", measure.lower()).strip("_")
                raise Bad(
                    f"measure {measure!r} is not a lower-case name of letters, digits and _"
                    + (f" (did you mean {hint}?)" if hint and len(hint) <= 64 else "")
                )
            breakdown = text_field(rec["breakdown"], "breakdown", max_len=100, default="all").lower()
            count = whole_number(rec["count"], "count")
        except Bad as e:
            problems.add(rn, str(e))
            continue
        key = (measure, breakdown, ptype, pstart, level, gcode)
        if key in seen:
            problems.add(
                rn,
                f"duplicate row: same period, geography, measure and breakdown as row {seen[key]} "
                f"({ptext}, {rec['geography'].strip()}, {measure}, {breakdown}); "
                "each combination must appear once",
            )
            continue
        seen[key] = rn
        if from11:
            mapped.add(from11)
        if pend >= today:
            partial += 1
        if measure not in taxonomy.PARTNER_MEASURES:
            unknown_measures.add(measure)
        out.append((measure, breakdown, ptype, pstart, pend, level, gcode, count))
        rows_n.append(rn)
    problems.raise_if_any()
    warnings = []
    if mapped:
        warnings.append(
            f"{label}: {len(mapped)} LSOA 2011 code(s) mapped to their unchanged LSOA 2021 code "
            f"(e.g. {sorted(mapped)[0]})"
        )
    if partial:
        warnings.append(f"{label}: {partial:,} row(s) are for periods that have not ended yet (partial counts)")
    if unknown_measures:
        warnings.append(
            f"{label}: measure(s) {', '.join(sorted(unknown_measures))} are not among the known partner "
            f"measures ({', '.join(taxonomy.PARTNER_MEASURES)}); stored as given"
        )
    df = pd.DataFrame(out, columns=list(_PARTNER_COLS))
    df["count"] = df["count"].astype("int64")
    df["_i"] = range(len(df))
    df["_row"] = rows_n
    return df, rows.rows_read, warnings


def _partner_period(con, ds):
    return tuple(
        con.execute(
            "SELECT min(period_start), max(period_end) FROM partner_series WHERE dataset_id = ?", [ds]
        ).fetchone()
    )


_PARTNER_COLS = (
    "measure",
    "breakdown",
    "period_type",
    "period_start",
    "period_end",
    "geography_level",
    "geography_code",
    "count",
)


def _write_partner(con, df: pd.DataFrame, info: DatasetInfo, report, label: str, file: Path | None = None) -> None:
    replace_rows(
        con,
        table="partner_series",
        keys=PARTNER_KEY,
        columns=_PARTNER_COLS,
        new=df,
        info=info,
        period_of=_partner_period,
        report=report,
        label=label,
        file=file,
    )


def import_partner_csv(con: duckdb.DuckDBPyConnection, path: Path, *, is_demo: bool, report) -> None:
    """Import one partner series CSV inside the caller's transaction.

    Dataset ``partner:<file stem, lower case>`` (``demo:partner:...`` for demo
    data). Raises InputError (file, row, problem) on any problem, before
    writing anything."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    label = path.name
    df, n_read, warnings = _validate_partner(con, path, None, label)
    info = file_dataset(
        path, file_digest(path), f"partner:{dataset_suffix(path)}", f"Partner series: {path.name}", "partner", is_demo
    )
    _write_partner(con, df, info, report, label, file=path)
    tally_file(report, info, n_read, len(df), warnings)


def published_partner_csv(con: duckdb.DuckDBPyConnection) -> bytes:
    """The published SWP series (domestic violence and hate crime reports,
    city, financial years) written in the partner CSV schema."""
    rows = con.execute(
        "SELECT indicator, breakdown, period, value FROM published_figure "
        "WHERE indicator IN (SELECT unnest(?)) AND geography = ? AND unit = 'count' "
        "ORDER BY indicator, breakdown, period",
        [list(PUBLISHED_MEASURES), config.CITY_NAME],
    ).fetchall()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PARTNER_COLUMNS)
    for indicator, breakdown, period, value in rows:
        count = int(value) if value is not None and float(value).is_integer() else value
        w.writerow([period, config.CITY_LAD, indicator, breakdown, count])
    return buf.getvalue().encode("utf-8")


def load_published(con: duckdb.DuckDBPyConnection) -> Tally:
    """Load the published SWP figures (``published_figure``: domestic_violence_reports
    by adults/youth and hate_crime_reports, 2014-15 to 2018-19) as city-level
    partner series, dataset ``published:swp_strategy_figures``, through the same
    parsing, validation and replace-by-key write as a partner CSV.

    Idempotent (run by every build after the data tables are carried over):
    its own earlier rows are replaced; keys that a later import of another
    dataset holds are left to that dataset (the newer data wins)."""
    from swp_data.sources import bundle

    tally = Tally()
    path = bundle.path(bundle.FILES["published"])
    data = published_partner_csv(con)
    label = f"{path.name} (published series)"
    if data.count(b"\n") <= 1:  # no published rows: nothing to hold
        con.execute("DELETE FROM partner_series WHERE dataset_id = ?", [PUBLISHED_DATASET_ID])
        con.execute("DELETE FROM dataset WHERE dataset_id = ?", [PUBLISHED_DATASET_ID])
        return tally
    df, n_read, warnings = _validate_partner(con, path, data, label)
    kept = drop_keys_held_by_others(con, "partner_series", PARTNER_KEY, df, PUBLISHED_DATASET_ID)
    if len(kept) < len(df):
        tally.warnings.append(
            f"{label}: {len(df) - len(kept)} published row(s) left to newer imports with the same key"
        )
    info = DatasetInfo(
        dataset_id=PUBLISHED_DATASET_ID,
        name="Published SWP figures: domestic violence reports (adults, youth) and hate crime "
        "reports, Wolverhampton, 2014-15 to 2018-19",
        kind="partner",
        source=f"{bundle.FILES['published']} in the open-data bundle (Safer Wolverhampton "
        "Partnership strategy documents)",
        licence=PUBLISHED_LICENCE,
        is_demo=False,
        file_hash=file_hash(data),
    )
    _write_partner(con, kept, info, tally, label)
    tally.files += 1
    tally.rows_read += n_read
    tally.rows_kept += len(kept)
    tally.warnings.extend(warnings)
    tally.datasets.append(PUBLISHED_DATASET_ID)
    return tally
