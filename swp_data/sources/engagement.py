"""Community engagement: meetings, surveys and consultations.

Three CSV schemas (documented for users in ``docs/import_formats.md``):

* meetings: ``date,ward,kind,attendees``; key (date, ward_code, kind).
* survey: ``survey,period,ward,question,answer,responses`` (aggregated
  responses per ward and answer); key (survey, period, ward_code, question, answer).
* consultation: ``consultation,period,geography,responses,share`` where
  geography is a May 2023 ward or a Wolverhampton postcode district (WV1 to
  WV14) and at least one of responses and share is given; key
  (consultation, period, geography_code).

Same guarantees as partner series (:mod:`swp_data.sources.partner`, whose reading and
bookkeeping helpers this module shares): errors name the file and row and
leave the store unchanged; an import replaces rows with the same key from
whichever dataset (the newer file wins), so importing a file twice changes
nothing. Free text (kind, survey, question, answer, consultation) is stored
verbatim apart from control characters and runs of spaces.

Query helpers for the Engagement page (pure functions of a DuckDB connection
returning DataFrames): :func:`meetings_by_ward_quarter`,
:func:`survey_by_ward`, :func:`consultation_shares`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from swp_data import config
from swp_data.errors import InputError
from swp_data.periods import MONTH_ABBR, parse_period, period_label
from swp_data.sources.partner import PUBLISHED_LICENCE
from swp_data.sources.tables import (
    EARLIEST,
    Bad,
    DatasetInfo,
    Places,
    Problems,
    TableReader,
    Tally,
    clean_text,
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
    "KINDS",
    "POSTCODE_DISTRICTS",
    "detect_kind",
    "import_engagement_csv",
    "load_published_consultation",
]

PUBLISHED_CONSULTATION_ID = "published:consultation_2020"
PUBLISHED_CONSULTATION_NAME = "SWP strategy consultation 2020"

# Postcode districts accepted for consultations: the geographic WV districts of
# the Wolverhampton (WV1-WV11), Willenhall (WV12-WV13) and Bilston (WV14) post
# towns. Some lie partly or wholly outside the city (e.g. WV5 Wombourne, WV8
# Codsall) but residents there answer city consultations (the 2020 one
# published shares for WV5 and WV8). WV15-WV16 (Bridgnorth) and the
# non-geographic WV98/WV99 are refused.
POSTCODE_DISTRICTS: tuple[str, ...] = tuple(f"WV{i}" for i in range(1, 15))

SCHEMAS: dict[str, dict] = {
    "meetings": {
        "columns": ("date", "ward", "kind", "attendees"),
        "required": ("date", "ward", "kind", "attendees"),
        "what": "meetings",
    },
    "survey": {
        "columns": ("survey", "period", "ward", "question", "answer", "responses"),
        "required": ("survey", "period", "ward", "question", "answer", "responses"),
        "what": "survey",
    },
    "consultation": {
        "columns": ("consultation", "period", "geography", "responses", "share"),
        "required": ("consultation", "period", "geography"),
        "what": "consultation",
    },
}
KINDS = tuple(SCHEMAS)


def detect_kind(columns: list[str]) -> str | None:
    """Which engagement schema a CSV header is (meant to be): 'meetings',
    'survey', 'consultation' or None. Case-insensitive, trimmed."""
    cols = set(normalise_header(columns))
    if "attendees" in cols and ({"date", "kind"} & cols):
        return "meetings"
    if {"question", "answer"} <= cols:
        return "survey"
    if {"consultation", "geography"} <= cols:
        return "consultation"
    return None


# ---------------------------------------------------------------- periods
_YEAR = re.compile(r"^(\d{4})$")
_FY_LABEL = re.compile(r"^(\d{4})-(\d{2})$")
_MONTH_LABEL = re.compile(r"^([A-Z][a-z]{2}) (\d{4})$")
_QUARTER_LABEL = re.compile(r"^([A-Z][a-z]{2})\u2013([A-Z][a-z]{2}) (\d{4})$")


def parse_engagement_period(text: str) -> tuple[str, dt.date, dt.date]:
    """A period as written in a survey or consultation file -> (stored label,
    start, end). Accepts a calendar year ``2023`` and everything
    :func:`swp_data.periods.parse_period` reads; stores the display label
    (``2023``, ``May 2024``, ``Jan–Mar 2024``, ``2018-19``) so the same period
    written two ways is one key."""
    t = clean_text(text)
    if not t:
        raise Bad("period is empty")
    m = _YEAR.match(t)
    if m:
        y = int(m.group(1))
        return t, dt.date(y, 1, 1), dt.date(y, 12, 31)
    try:
        ptype, start, end = parse_period(t)
    except ValueError as e:
        raise Bad(f'period: {str(e).rstrip(".")}, or "2023" for a calendar year') from None
    return period_label(start, ptype), start, end


def label_bounds(label: str) -> tuple[dt.date, dt.date] | None:
    """Start and end of a stored period label (the inverse of the label part
    of :func:`parse_engagement_period`); None when it is not one."""
    if m := _YEAR.match(label):
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y, 12, 31)
    if m := _FY_LABEL.match(label):
        y = int(m.group(1))
        return dt.date(y, 4, 1), dt.date(y + 1, 3, 31)
    if (m := _MONTH_LABEL.match(label)) and m.group(1) in MONTH_ABBR:
        y, mo = int(m.group(2)), MONTH_ABBR.index(m.group(1)) + 1
        return dt.date(y, mo, 1), (pd.Timestamp(y, mo, 1) + pd.offsets.MonthEnd(0)).date()
    if (m := _QUARTER_LABEL.match(label)) and m.group(1) in MONTH_ABBR:
        y, mo = int(m.group(3)), MONTH_ABBR.index(m.group(1)) + 1
        return dt.date(y, mo, 1), (pd.Timestamp(y, mo, 1) + pd.offsets.MonthEnd(3)).date()
    return None


def _label_period_of(table: str):
    def period_of(con, ds):
        labels = [
            r[0] for r in con.execute(f"SELECT DISTINCT period FROM {table} WHERE dataset_id = ?", [ds]).fetchall()
        ]
        bounds = [b for b in map(label_bounds, labels) if b]
        if not bounds:
            return None, None
        return min(b[0] for b in bounds), max(b[1] for b in bounds)

    return period_of


def _meeting_period(con, ds):
    return tuple(
        con.execute("SELECT min(date), max(date) FROM engagement_meeting WHERE dataset_id = ?", [ds]).fetchone()
    )


# ---------------------------------------------------------------- values
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DISTRICT = re.compile(r"^WV\s*0*(\d{1,2})$", re.IGNORECASE)
_POSTCODE = re.compile(r"^WV\s*\d{1,2}\s*\d[A-Z]{2}$", re.IGNORECASE)


def _date(text: str, today: dt.date) -> dt.date:
    t = text.strip()
    if not t:
        raise Bad("date is missing")
    m = _ISO_DATE.match(t)
    if not m:
        raise Bad(f"date {t!r} is not an ISO date: write it as YYYY-MM-DD, e.g. 2024-05-21")
    try:
        d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise Bad(f"date {t} does not exist") from None
    if d > today:
        raise Bad(f"date {t} is in the future (today is {today:%d %b %Y})")
    if d < EARLIEST:
        raise Bad(f"date {t} is before {EARLIEST:%B %Y}, when community safety partnerships began")
    return d


def _period(text: str, cache: dict, today: dt.date) -> tuple[str, dt.date, dt.date]:
    key = text.strip()
    if key not in cache:
        try:
            label, start, end = parse_engagement_period(key)
            if start > today:
                raise Bad(f"period {key} is in the future (it starts {start:%d %b %Y}; today is {today:%d %b %Y})")
            if end < EARLIEST:
                raise Bad(f"period {key[:20]} is before {EARLIEST:%B %Y}, when community safety partnerships began")
            cache[key] = (label, start, end)
        except Bad as e:
            cache[key] = e
    hit = cache[key]
    if isinstance(hit, Bad):
        raise hit
    return hit


def _share(text: str) -> float | None:
    t = text.strip().rstrip("%").strip()
    if not t:
        return None
    try:
        v = float(t)
    except ValueError:
        raise Bad(f"share {text.strip()!r} is not a number (a percentage 0 to 100)") from None
    if not np.isfinite(v) or not 0 <= v <= 100:
        raise Bad(f"share {text.strip()} is outside 0 to 100 (a percentage of respondents)")
    return v


def _consultation_geography(places: Places, text: str) -> tuple[str, str]:
    t = clean_text(text)
    if not t:
        raise Bad("geography is empty")
    m = _DISTRICT.match(t)
    if m:
        district = f"WV{int(m.group(1))}"
        if district not in POSTCODE_DISTRICTS:
            raise Bad(
                f"{t} is not one of Wolverhampton's postcode districts "
                f"({POSTCODE_DISTRICTS[0]}–{POSTCODE_DISTRICTS[-1]})"
            )
        return "postcode_district", district
    if _POSTCODE.match(t):
        raise Bad(f"{t!r} is a full postcode: give the postcode district only (e.g. {t.split()[0].upper()})")
    if re.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]?", t.upper()):
        raise Bad(
            f"postcode district {t.upper()} is not a Wolverhampton district "
            f"({POSTCODE_DISTRICTS[0]}–{POSTCODE_DISTRICTS[-1]})"
        )
    try:
        return "ward", places.ward(t)
    except Bad as e:
        raise Bad(f"{e}; or a postcode district {POSTCODE_DISTRICTS[0]}–{POSTCODE_DISTRICTS[-1]}") from None


# ---------------------------------------------------------------- validation
def _validate(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    data: bytes | None,
    kind: str,
    label: str,
    *,
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, int, list[str]]:
    spec = SCHEMAS[kind]
    rows = TableReader(path, columns=spec["columns"], required=spec["required"], what=spec["what"], data=data)
    if kind == "consultation" and not ({"responses", "share"} & set(rows.header)):
        raise InputError(
            path,
            "a consultation file needs a responses column, a share column or both "
            "(consultation,period,geography,responses,share)",
            row=1,
        )
    today = today or dt.date.today()
    places = Places(con)
    problems = Problems(path)
    cache: dict = {}
    seen: dict[tuple, int] = {}
    out: list[tuple] = []
    rows_n: list[int] = []
    warnings: list[str] = []
    key: tuple
    row: tuple
    for rec, rn in rows:
        try:
            if kind == "meetings":
                d = _date(rec["date"], today)
                ward = places.ward(rec["ward"])
                k = text_field(rec["kind"], "kind", max_len=200)
                n = whole_number(rec["attendees"], "attendees")
                key = (d, ward, k)
                row = (d, ward, k, n)
                what = "date, ward and kind"
            elif kind == "survey":
                s = text_field(rec["survey"], "survey", max_len=200)
                plabel, _, _ = _period(rec["period"], cache, today)
                ward = places.ward(rec["ward"])
                q = text_field(rec["question"], "question", max_len=1000)
                a = text_field(rec["answer"], "answer", max_len=500)
                n = whole_number(rec["responses"], "responses")
                key = (s, plabel, ward, q, a)
                row = (s, plabel, ward, q, a, n)
                what = "survey, period, ward, question and answer"
            else:
                c = text_field(rec["consultation"], "consultation", max_len=200)
                plabel, _, _ = _period(rec["period"], cache, today)
                level, code = _consultation_geography(places, rec["geography"])
                resp = rec["responses"].strip()
                given = float(whole_number(resp, "responses")) if resp else None
                share = _share(rec["share"])
                if given is None and share is None:
                    raise Bad("give responses, share or both (both are empty)")
                key = (c, plabel, code)
                row = (c, plabel, level, code, given, share)
                what = "consultation, period and geography"
        except Bad as e:
            problems.add(rn, str(e))
            continue
        if key in seen:
            hint = (
                "combine them into one row, or tell the meetings apart in kind (e.g. 'PACT meeting (evening)')"
                if kind == "meetings"
                else "add them up into one row"
            )
            problems.add(rn, f"duplicate row: same {what} as row {seen[key]}; each must appear once: {hint}")
            continue
        seen[key] = rn
        out.append(row)
        rows_n.append(rn)
    problems.raise_if_any()
    if kind == "meetings":
        df = pd.DataFrame(out, columns=["date", "ward_code", "kind", "attendees"])
        df["attendees"] = df["attendees"].astype("int64")
    elif kind == "survey":
        df = pd.DataFrame(out, columns=["survey", "period", "ward_code", "question", "answer", "responses"])
        df["responses"] = df["responses"].astype("int64")
    else:
        df = pd.DataFrame(
            out, columns=["consultation", "period", "geography_level", "geography_code", "responses", "share"]
        )
        df["responses"] = df["responses"].astype("float64")
        df["share"] = df["share"].astype("float64")
        totals = df.groupby(["consultation", "period", "geography_level"])["share"].sum()
        over = totals[totals > 100.5]
        if len(over):
            (c, p, lvl), v = next(iter(over.items()))
            warnings.append(
                f"{label}: shares of {c} ({p}, by {lvl.replace('_', ' ')}) add up to {v:.1f}%, "
                "more than 100% (fine if respondents could give several answers)"
            )
    df["_i"] = range(len(df))
    df["_row"] = rows_n
    return df, rows.rows_read, warnings


_TABLES = {
    "meetings": (
        "engagement_meeting",
        ("date", "ward_code", "kind"),
        ("date", "ward_code", "kind", "attendees"),
        _meeting_period,
    ),
    "survey": (
        "engagement_survey",
        ("survey", "period", "ward_code", "question", "answer"),
        ("survey", "period", "ward_code", "question", "answer", "responses"),
        _label_period_of("engagement_survey"),
    ),
    "consultation": (
        "engagement_consultation",
        ("consultation", "period", "geography_code"),
        ("consultation", "period", "geography_level", "geography_code", "responses", "share"),
        _label_period_of("engagement_consultation"),
    ),
}


def _write(con, kind: str, df: pd.DataFrame, info: DatasetInfo, report, label: str, file: Path | None = None) -> None:
    table, keys, columns, period_of = _TABLES[kind]
    replace_rows(
        con,
        table=table,
        keys=keys,
        columns=columns,
        new=df,
        info=info,
        period_of=period_of,
        report=report,
        label=label,
        file=file,
    )


def import_engagement_csv(con: duckdb.DuckDBPyConnection, path: Path, kind: str, *, is_demo: bool, report) -> None:
    """Import one engagement CSV (``kind``: meetings, survey or consultation)
    inside the caller's transaction, as dataset ``engagement:<kind>:<file stem,
    lower case>`` (``demo:engagement:...`` for demo data). Raises InputError
    (file, row, problem) on any problem, before writing anything."""
    path = Path(path)
    if kind not in SCHEMAS:
        raise InputError(path, f"unknown engagement file kind {kind!r} (use {', '.join(KINDS)})")
    if not path.exists():
        raise InputError(path, "file not found")
    label = path.name
    df, n_read, warnings = _validate(con, path, None, kind, label)
    info = file_dataset(
        path,
        file_digest(path),
        f"engagement:{kind}:{dataset_suffix(path)}",
        f"Engagement ({kind}): {path.name}",
        "engagement",
        is_demo,
    )
    _write(con, kind, df, info, report, label, file=path)
    tally_file(report, info, n_read, len(df), warnings)


def published_consultation_csv(con: duckdb.DuckDBPyConnection) -> bytes:
    """The 2020 consultation's published shares of respondents by postcode
    district, in the consultation CSV schema (responses not published: empty)."""
    rows = con.execute(
        "SELECT breakdown, period, value FROM published_figure "
        "WHERE indicator = 'strategy_consultation_responses_share' AND geography = ? "
        "ORDER BY breakdown",
        [config.CITY_NAME],
    ).fetchall()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SCHEMAS["consultation"]["columns"])
    for district, period, value in rows:
        w.writerow([PUBLISHED_CONSULTATION_NAME, period, district, "", value])
    return buf.getvalue().encode("utf-8")


def load_published_consultation(con: duckdb.DuckDBPyConnection) -> Tally:
    """Load the 2020 strategy consultation's published shares of respondents by
    WV postcode district (``published_figure`` indicator
    strategy_consultation_responses_share) into engagement_consultation as
    dataset ``published:consultation_2020`` (real, OGL), through the same
    validation and write as a consultation CSV. Idempotent; keys that a later
    import of another dataset holds are left to it."""
    from swp_data.sources import bundle

    tally = Tally()
    path = bundle.path(bundle.FILES["published"])
    data = published_consultation_csv(con)
    label = f"{path.name} (published consultation shares)"
    if data.count(b"\n") <= 1:
        con.execute("DELETE FROM engagement_consultation WHERE dataset_id = ?", [PUBLISHED_CONSULTATION_ID])
        con.execute("DELETE FROM dataset WHERE dataset_id = ?", [PUBLISHED_CONSULTATION_ID])
        return tally
    df, n_read, warnings = _validate(con, path, data, "consultation", label)
    table, keys, _, _ = _TABLES["consultation"]
    kept = drop_keys_held_by_others(con, table, keys, df, PUBLISHED_CONSULTATION_ID)
    info = DatasetInfo(
        dataset_id=PUBLISHED_CONSULTATION_ID,
        name="Published: 2020 strategy consultation, share of respondents by postcode district",
        kind="engagement",
        source=f"{bundle.FILES['published']} in the open-data bundle (Safer Wolverhampton "
        "Partnership strategy 2020-23)",
        licence=PUBLISHED_LICENCE,
        is_demo=False,
        file_hash=file_hash(data),
    )
    _write(con, "consultation", kept, info, tally, label)
    tally.files += 1
    tally.rows_read += n_read
    tally.rows_kept += len(kept)
    tally.warnings.extend(warnings)
    tally.datasets.append(PUBLISHED_CONSULTATION_ID)
    return tally
