"""The partnership's action plan (table ``action``): what is being done, where,
by whom, by when, how it is going, and the measure it should move.

The strategy says actions are "agreed and formalised into a plan, refreshed
annually" and overseen quarterly by the Delivery Group and the Board. Here
each action has a title, the strategy priority it serves, a lead organisation
and a named lead, a place (the city, a ward, an Impact Area or a set of
LSOAs), start and due dates, a status (:data:`STATUSES`), the measure it
should move (a police.uk grouping or category, or a partner measure) and a
short note, with who created and last changed it, and when.

Only analysts change it (every function that writes expects a connection of
:func:`swp_data.store.transaction`, which checks the role, and writes an
audit row in the same transaction); everybody signed in reads it. CSV import
(:func:`import_csv`, transactional, idempotent) and export (:func:`export_csv`)
use the format of docs/import_formats.md ("Action plan").

Pure functions of an open DuckDB connection; no Streamlit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import duckdb
import pandas as pd

from swp_data import access, store, taxonomy
from swp_data.errors import InputError
from swp_data.sources.tables import TableReader, clean_text
from swp_data.store import audit

STATUSES: tuple[str, ...] = ("not started", "on track", "at risk", "off track", "complete")
PLACE_KINDS: tuple[str, ...] = ("city", "ward", "impact_area", "lsoas")
PLACE_KIND_LABELS = {"city": "City", "ward": "Ward", "impact_area": "Impact Area", "lsoas": "LSOAs"}

# The strategy's priorities (seeds/003: 2023+ strategy; statutory duties), offered first; any text is allowed.
STRATEGY_PRIORITIES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Public place violence",
    "Safety of women and girls",
    "Neighbourhood crime",
    "Alcohol and substance related crime",
    "Serious violence",
    "Domestic abuse",
)

TITLE_MAX = 200
SHORT_MAX = 120  # priority, lead organisation, named lead
NOTE_MAX = 1000
MAX_LSOAS = 161  # the city's LSOAs

DDL = store.DATA_TABLES_DDL["action"]  # a data table: kept across rebuilds of the reference tables

COLUMNS = [
    "action_id",
    "title",
    "priority",
    "lead_org",
    "lead_name",
    "place_kind",
    "place_code",
    "start_date",
    "due_date",
    "status",
    "measure",
    "note",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
]

# The CSV format (docs/import_formats.md): export writes these; import reads them (action_id optional).
CSV_COLUMNS = (
    "action_id",
    "title",
    "priority",
    "lead_org",
    "lead_name",
    "place_kind",
    "place",
    "start",
    "due",
    "status",
    "measure",
    "note",
    "updated_by",
    "updated_at",
)
CSV_REQUIRED = ("title", "priority")
MAX_IMPORT_ROWS = 5_000  # a plan has tens of actions; far more is not an action plan


def ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def _has_table(con) -> bool:
    return store.table_exists(con, "action")


# ----------------------------------------------------------------- field checks
def _text(value, name: str, max_len: int, *, required: bool = False, file=None, row=None) -> str:
    text = clean_text("" if value is None else str(value))
    if required and not text:
        raise InputError(file, f"the action needs a {name}", row=row)
    if len(text) > max_len:
        raise InputError(file, f"the {name} is {len(text)} characters long; use at most {max_len}", row=row)
    return text


_DATE = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?$")


def parse_date(value, name: str = "date", *, file=None, row=None) -> dt.date | None:
    """``YYYY-MM`` (the first of the month) or ``YYYY-MM-DD``; empty is None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    m = _DATE.match(text)
    try:
        if not m:
            raise ValueError
        d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        problem = f"the {name} {text[:20]!r} is not a date: write YYYY-MM-DD or YYYY-MM"
        raise InputError(file, problem, row=row) from None
    if not dt.date(2000, 1, 1) <= d <= dt.date(2100, 12, 31):
        raise InputError(file, f"the {name} {text} is outside 2000 to 2100", row=row)
    return d


def _status(value, file=None, row=None) -> str:
    text = " ".join(str(value or "").strip().lower().replace("_", " ").replace("-", " ").split()) or "not started"
    if text not in STATUSES:
        raise InputError(file, f"status {str(value)[:30]!r} is not one of: {', '.join(STATUSES)}", row=row)
    return text


def measure_options() -> dict[str, str]:
    """Stored value -> label: strategy groupings and police.uk categories, then partner measures."""
    out = {m: m for m in taxonomy.GROUPINGS}
    out.update({c: c for c in taxonomy.CATEGORIES if c not in out})
    out.update({k: f"{v} (partner)" for k, v in taxonomy.PARTNER_MEASURES.items()})
    return out


def _measure(value, file=None, row=None) -> str | None:
    text = clean_text(str(value or ""))
    if not text:
        return None
    opts = measure_options()
    low = {k.lower(): k for k in opts} | {v.lower(): k for k, v in taxonomy.PARTNER_MEASURES.items()}
    if text.lower() in low:
        return low[text.lower()]
    raise InputError(
        file,
        f"measure {text[:40]!r} is not a police.uk grouping or category or a partner measure "
        "(e.g. 'Neighbourhood crime', 'Burglary', 'domestic_abuse_incidents')",
        row=row,
    )


def _place(con, kind, code, file=None, row=None) -> tuple[str, str | None]:
    """(place_kind, place_code) as stored; a ward or Impact Area may be named."""
    k = str(kind or "city").strip().lower().replace(" ", "_").replace("-", "_")
    k = {"impact": "impact_area", "area": "impact_area", "lsoa": "lsoas"}.get(k, k)
    if k not in PLACE_KINDS:
        raise InputError(file, f"place kind {str(kind)[:30]!r} is not one of: {', '.join(PLACE_KINDS)}", row=row)
    text = clean_text(str(code or ""))
    if k == "city":
        return k, None
    if not text:
        raise InputError(file, f"a place of kind {k} needs its code or name", row=row)
    if k == "ward":
        r = con.execute(
            "SELECT ward_code FROM ward WHERE ward_code = ? OR lower(ward_name) = lower(?) LIMIT 1", [text, text]
        ).fetchone()
        if r is None:
            raise InputError(file, f"ward {text[:60]!r} is not one of the city's wards (code or name)", row=row)
        return k, str(r[0])
    if k == "impact_area":
        r = con.execute(
            "SELECT area_id FROM impact_area WHERE area_id = ? OR lower(name) = lower(?) ORDER BY area_id LIMIT 1",
            [text, text],
        ).fetchone()
        if r is None:
            raise InputError(file, f"Impact Area {text[:60]!r} is not defined (id or name)", row=row)
        return k, str(r[0])
    codes = [c for c in re.split(r"[;,\s]+", text.upper()) if c]
    codes = list(dict.fromkeys(codes))
    if len(codes) > MAX_LSOAS:
        raise InputError(file, f"{len(codes)} LSOA codes; the city has {MAX_LSOAS}", row=row)
    known = {r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21").fetchall()}
    bad = [c for c in codes if c not in known]
    if bad:
        raise InputError(file, f"{bad[0][:20]!r} is not one of the city's LSOA 2021 codes", row=row)
    return k, ";".join(sorted(codes))


def _fields(con, *, file=None, row=None, **f) -> dict:
    out = {
        "title": _text(f.get("title"), "title", TITLE_MAX, required=True, file=file, row=row),
        "priority": _text(f.get("priority"), "priority", SHORT_MAX, required=True, file=file, row=row),
        "lead_org": _text(f.get("lead_org"), "lead organisation", SHORT_MAX, file=file, row=row),
        "lead_name": _text(f.get("lead_name"), "named lead", SHORT_MAX, file=file, row=row),
        "status": _status(f.get("status"), file, row),
        "measure": _measure(f.get("measure"), file, row),
        "note": _text(f.get("note"), "note", NOTE_MAX, file=file, row=row),
        "start_date": parse_date(f.get("start"), "start date", file=file, row=row),
        "due_date": parse_date(f.get("due"), "due date", file=file, row=row),
    }
    start, due = out["start_date"], out["due_date"]
    if isinstance(start, dt.date) and isinstance(due, dt.date) and due < start:
        raise InputError(file, "the due date is before the start date", row=row)
    out["place_kind"], out["place_code"] = _place(con, f.get("place_kind"), f.get("place_code"), file, row)
    return out


def _who() -> str:
    actor = access.current()
    return actor.who if actor and actor.who else "unknown"


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


# ----------------------------------------------------------------- public contract
def add_action(
    con: duckdb.DuckDBPyConnection,
    *,
    title: str,
    priority: str,
    lead_org: str = "",
    lead_name: str = "",
    place_kind: str = "city",
    place_code: str | None = None,
    start: str | None = None,
    due: str | None = None,
    status: str = "not started",
    measure: str | None = None,
    note: str = "",
) -> int:
    """Add an action (``con`` inside a store.transaction(); audited) and
    return its id. Bad input raises InputError (one line), nothing written."""
    access.require_analyst("changing the action plan")
    ensure_table(con)
    f = _fields(
        con,
        title=title,
        priority=priority,
        lead_org=lead_org,
        lead_name=lead_name,
        place_kind=place_kind,
        place_code=place_code,
        start=start,
        due=due,
        status=status,
        measure=measure,
        note=note,
    )
    return _insert(con, f)


def _insert(con, f: dict, action_id: int | None = None) -> int:
    if action_id is None:
        action_id = int(store.one(con, "SELECT coalesce(max(action_id), 0) + 1 FROM action"))
    who, now = _who(), _now()
    con.execute(
        "INSERT INTO action VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            action_id,
            f["title"],
            f["priority"],
            f["lead_org"],
            f["lead_name"],
            f["place_kind"],
            f["place_code"],
            f["start_date"],
            f["due_date"],
            f["status"],
            f["measure"],
            f["note"],
            who,
            now,
            who,
            now,
        ],
    )
    audit.record(con, "action", dataset_id=f"action:{action_id}", rows=1, detail=f"added action: {f['title'][:200]}")
    return action_id


def list_actions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every action (columns :data:`COLUMNS` and ``place_label``), ordered by
    priority, due date and id. An empty frame when there is no plan yet."""
    if not _has_table(con):
        return pd.DataFrame(columns=[*COLUMNS, "place_label"])
    df = con.execute(f"SELECT {', '.join(COLUMNS)} FROM action ORDER BY priority, due_date NULLS LAST, action_id").df()
    df["place_label"] = _place_labels(con, df)
    return df


def _place_labels(con, df: pd.DataFrame) -> list[str]:
    wards = dict(con.execute("SELECT ward_code, ward_name FROM ward").fetchall())
    areas = (
        dict(con.execute("SELECT area_id, name FROM impact_area").fetchall())
        if store.table_exists(con, "impact_area")
        else {}
    )
    out = []
    for kind, code in zip(df["place_kind"], df["place_code"], strict=True):
        if kind == "city":
            out.append("City of Wolverhampton")
        elif kind == "ward":
            out.append(f"{wards.get(code, code)} ward")
        elif kind == "impact_area":
            out.append(f"{areas.get(code, f'{code} (deleted Impact Area)')} (Impact Area)")
        else:
            n = len(str(code or "").split(";"))
            out.append(f"{n} LSOA{'s' if n != 1 else ''}")
    return out


def place_choices(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Places an action can have, for pickers: kind, code, label (wards, then
    Impact Areas; LSOAs are picked from the city's list)."""
    rows = [
        ("ward", str(c), str(n)) for c, n in con.execute("SELECT ward_code, ward_name FROM ward ORDER BY 2").fetchall()
    ]
    if store.table_exists(con, "impact_area"):
        rows += [
            ("impact_area", str(c), str(n))
            for c, n in con.execute("SELECT area_id, name FROM impact_area ORDER BY name, area_id").fetchall()
        ]
    return pd.DataFrame(rows, columns=["kind", "code", "label"])


def get_action(con: duckdb.DuckDBPyConnection, action_id: int) -> dict | None:
    if not _has_table(con):
        return None
    df = con.execute(f"SELECT {', '.join(COLUMNS)} FROM action WHERE action_id = ?", [int(action_id)]).df()
    return None if df.empty else df.iloc[0].to_dict()


def update_action(con: duckdb.DuckDBPyConnection, action_id: int, **changes) -> None:
    """Change some fields of an action (names of :func:`add_action`;
    ``con`` inside a store.transaction(); audited)."""
    access.require_analyst("changing the action plan")
    ensure_table(con)
    old = get_action(con, action_id)
    if old is None:
        raise InputError(None, f"there is no action {action_id}")
    unknown = set(changes) - {
        "title",
        "priority",
        "lead_org",
        "lead_name",
        "place_kind",
        "place_code",
        "start",
        "due",
        "status",
        "measure",
        "note",
    }
    if unknown:
        raise TypeError(f"unknown field(s): {', '.join(sorted(unknown))}")
    cur = {k: old[k] for k in ("title", "priority", "lead_org", "lead_name", "place_kind", "place_code")}
    cur.update(
        status=old["status"],
        measure=old["measure"],
        note=old["note"],
        start=_iso(old["start_date"]),
        due=_iso(old["due_date"]),
    )
    cur.update(changes)
    f = _fields(con, **cur)
    _write_update(con, int(action_id), f)


def _write_update(con, action_id: int, f: dict) -> None:
    con.execute(
        "UPDATE action SET title = ?, priority = ?, lead_org = ?, lead_name = ?, place_kind = ?, place_code = ?, "
        "start_date = ?, due_date = ?, status = ?, measure = ?, note = ?, updated_by = ?, updated_at = ? "
        "WHERE action_id = ?",
        [
            f["title"],
            f["priority"],
            f["lead_org"],
            f["lead_name"],
            f["place_kind"],
            f["place_code"],
            f["start_date"],
            f["due_date"],
            f["status"],
            f["measure"],
            f["note"],
            _who(),
            _now(),
            action_id,
        ],
    )
    audit.record(con, "action", dataset_id=f"action:{action_id}", rows=1, detail=f"changed action: {f['title'][:200]}")


def delete_action(con: duckdb.DuckDBPyConnection, action_id: int) -> bool:
    """Remove an action (audited); False when there was none."""
    access.require_analyst("changing the action plan")
    ensure_table(con)
    old = get_action(con, action_id)
    if old is None:
        return False
    con.execute("DELETE FROM action WHERE action_id = ?", [int(action_id)])
    audit.record(
        con, "action", dataset_id=f"action:{action_id}", rows=-1, detail=f"deleted action: {old['title'][:200]}"
    )
    return True


def _iso(d) -> str | None:
    if d is None or (isinstance(d, float) and d != d) or d is pd.NaT:
        return None
    return pd.Timestamp(d).strftime("%Y-%m-%d")


# ----------------------------------------------------------------- CSV
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a
    leading apostrophe (taken off again by :func:`import_csv`)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA) else text


def export_csv(con: duckdb.DuckDBPyConnection) -> str:
    """The plan in the documented CSV format (:data:`CSV_COLUMNS`), safe to
    open in a spreadsheet; import it back unchanged and nothing changes."""
    df = list_actions(con)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in df.itertuples(index=False):
        w.writerow(
            _cell(v)
            for v in [
                int(r.action_id),
                r.title,
                r.priority,
                r.lead_org,
                r.lead_name,
                r.place_kind,
                r.place_code or "",
                _iso(r.start_date) or "",
                _iso(r.due_date) or "",
                r.status,
                r.measure or "",
                r.note,
                r.updated_by,
                pd.Timestamp(r.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
            ]
        )
    return buf.getvalue()


def import_csv(con: duckdb.DuckDBPyConnection, path: str | Path, data: bytes | None = None) -> dict:
    """Import actions from a CSV (format of :data:`CSV_COLUMNS`; ``title`` and
    ``priority`` required). ``con`` inside a store.transaction(): the first
    problem raises InputError naming the file, row and problem, and the
    transaction rolls back (nothing written). Idempotent: a row whose
    ``action_id`` exists updates that action; a row without one updates the
    action with the same title and place, if any; otherwise it adds one.
    An unchanged row writes nothing. Returns counts: rows, added, changed,
    unchanged."""
    access.require_analyst("importing the action plan")
    ensure_table(con)
    p = Path(path)
    # what="plan": its messages read "a plan file has the columns ..."
    reader = TableReader(p, columns=CSV_COLUMNS, required=CSV_REQUIRED, what="plan", data=data)
    added = changed = unchanged = 0
    seen: set[int] = set()
    for raw, row in reader:
        rec = {k: _uncell(v) for k, v in raw.items()}
        if reader.rows_read > MAX_IMPORT_ROWS:
            raise InputError(p, f"more than {MAX_IMPORT_ROWS:,} actions: not an action plan", row=row)
        f = _fields(
            con,
            file=p,
            row=row,
            title=rec["title"],
            priority=rec["priority"],
            lead_org=rec["lead_org"],
            lead_name=rec["lead_name"],
            place_kind=rec["place_kind"] or "city",
            place_code=rec["place"],
            start=rec["start"],
            due=rec["due"],
            status=rec["status"],
            measure=rec["measure"],
            note=rec["note"],
        )
        ident = rec["action_id"].strip()
        existing = None
        if ident:
            if not ident.isdigit() or len(ident) > 9:
                raise InputError(p, f"action_id {ident[:20]!r} is not a whole number", row=row)
            existing = get_action(con, int(ident))
        if existing is None:
            r = con.execute(
                "SELECT action_id FROM action WHERE title = ? AND place_kind = ? "
                "AND coalesce(place_code, '') = coalesce(?, '') ORDER BY action_id LIMIT 1",
                [f["title"], f["place_kind"], f["place_code"]],
            ).fetchone()
            existing = get_action(con, int(r[0])) if r else None
        if existing is not None:
            aid = int(existing["action_id"])
            if aid in seen:
                raise InputError(p, f"action {aid} ({f['title'][:60]}) appears twice in the file", row=row)
            seen.add(aid)
            if _same(existing, f):
                unchanged += 1
            else:
                _write_update(con, aid, f)
                changed += 1
        else:
            new_id = int(ident) if ident else None
            aid = _insert(con, f, new_id)
            seen.add(aid)
            added += 1
    if added or changed:
        audit.record(
            con,
            "action",
            dataset_id="action_plan",
            rows=added + changed,
            detail=f"imported the action plan from {p.name}: {added} added, {changed} changed, {unchanged} unchanged",
        )
    return {"rows": reader.rows_read, "added": added, "changed": changed, "unchanged": unchanged}


def _same(old: dict, f: dict) -> bool:
    for k in ("title", "priority", "lead_org", "lead_name", "place_kind", "status", "note"):
        if (old[k] or "") != (f[k] or ""):
            return False
    if (old["place_code"] or None) != f["place_code"] or (old["measure"] or None) != f["measure"]:
        return False
    return _iso(old["start_date"]) == _iso(f["start_date"]) and _iso(old["due_date"]) == _iso(f["due_date"])


def status_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The plan's status table for reports: Priority, Action, Lead, Place,
    Due, Status (words), one row per action; and the count per status in
    ``attrs['counts']``."""
    df = list_actions(con)
    out = pd.DataFrame(
        {
            "Priority": df["priority"],
            "Action": df["title"],
            "Lead": [
                " / ".join(x for x in (o, n) if x) or "-" for o, n in zip(df["lead_org"], df["lead_name"], strict=True)
            ],
            "Place": df["place_label"],
            "Due": [pd.Timestamp(d).strftime("%d %b %Y") if _iso(d) else "-" for d in df["due_date"]],
            "Status": [s.capitalize() for s in df["status"]],
        }
    )
    out.attrs["counts"] = {s: int((df["status"] == s).sum()) for s in STATUSES}
    return out


def priority_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per strategy priority of the plan: Priority, Actions, and the
    number of actions in each status (columns named by the status, in words)."""
    df = list_actions(con)
    cols = ["Priority", "Actions", *[s.capitalize() for s in STATUSES]]
    if df.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    for prio, g in df.groupby("priority", sort=True):
        rows.append(
            {"Priority": prio, "Actions": len(g), **{s.capitalize(): int((g["status"] == s).sum()) for s in STATUSES}}
        )
    return pd.DataFrame(rows, columns=cols)


__all__ = [
    "COLUMNS",
    "CSV_COLUMNS",
    "DDL",
    "PLACE_KINDS",
    "STATUSES",
    "STRATEGY_PRIORITIES",
    "add_action",
    "delete_action",
    "export_csv",
    "get_action",
    "import_csv",
    "list_actions",
    "priority_summary",
    "status_table",
    "update_action",
]
