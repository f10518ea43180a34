"""Agendas: a meeting's list of views, in order (no Streamlit here).

An agenda has a title and an optional meeting date; each item has a title, a
view (a page's url path and query string: every view of the app is a link,
see ui/urlstate.py) and talking points. Several agendas are kept, one per
meeting. Analysts create, edit, reorder and delete them (audited, with who
and when); anyone who may open the app may open one (reading needs no role
here: the page decides who sees it).

A view is stored as given, normalised (``page`` without slashes, ``query``
re-encoded): whether its page and values still exist is decided when it is
opened (the page then shows its defaults and says which part of the link it
could not use).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import duckdb
import pandas as pd

from swp_data import access
from swp_data.errors import InputError
from swp_data.store import audit, ensure_data_tables, one

MAX_TITLE = 200  # characters of an agenda's or item's title
MAX_POINTS = 4000  # characters of an item's talking points
MAX_LINK = 2000  # characters of a pasted link
MAX_ITEMS = 60  # items per agenda
MAX_AGENDAS = 500
RESERVED = {"embed", "embed_options"}  # Streamlit's own parameters, never part of a view
_PAGE_RE = re.compile(r"^[a-z0-9_]{0,60}$")


@dataclass(frozen=True)
class Item:
    item_id: int
    agenda_id: int
    position: int
    title: str
    page: str  # url path of the page ('' = the default page, Overview)
    query: str  # query string without '?'
    talking_points: str
    priority: str | None
    updated_by: str
    updated_at: dt.datetime

    @property
    def link(self) -> str:
        """The view as a relative link: ``/trends?area=city&cat=burglary``."""
        return "/" + self.page + ("?" + self.query if self.query else "")

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


@dataclass(frozen=True)
class Agenda:
    agenda_id: int
    title: str
    meeting_date: dt.date | None
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime
    items: list[Item] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _text(value, what: str, limit: int, *, required: bool = True) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if required and not text:
        raise InputError(None, f"the {what} is empty")
    if len(text) > limit:
        raise InputError(None, f"the {what} is {len(text):,} characters long; at most {limit:,} are kept")
    return text


def _date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(None, f"{str(value)[:40]!r} is not a date (write YYYY-MM-DD)") from None


def parse_view(link: str) -> tuple[str, str]:
    """A view from a link as copied from the app (``https://host/trends?area=city``,
    ``/trends?...`` or ``trends?...``): its page's url path and its query
    string (normalised, Streamlit's own parameters dropped). A link that is
    not a view of an app gets one line saying why."""
    text = _text(link, "link", MAX_LINK)
    if any(c.isspace() for c in text):
        raise InputError(None, "a link has no spaces: paste the address of the view as it is")
    has_scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text) is not None
    parts = urlsplit(text if has_scheme or text.startswith("/") else "/" + text)
    if parts.scheme not in ("", "http", "https"):
        raise InputError(None, f"{parts.scheme[:20]!r} links are not views of the app (use its http(s) address)")
    page = parts.path.rstrip("/").rsplit("/", 1)[-1].lower()
    if not _PAGE_RE.match(page):
        raise InputError(None, f"{page[:60]!r} is not the name of a page of the app")
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() not in RESERVED]
    return page, urlencode(pairs)


# --------------------------------------------------------------------------- reading
def agendas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every agenda, the newest meeting first: agenda_id, title, meeting_date,
    items, updated_by, updated_at."""
    cols = ["agenda_id", "title", "meeting_date", "items", "updated_by", "updated_at"]
    if not one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'agenda'"):
        return pd.DataFrame(columns=cols)
    return con.execute(
        """SELECT a.agenda_id, a.title, a.meeting_date, count(i.item_id) AS items, a.updated_by, a.updated_at
           FROM agenda a LEFT JOIN agenda_item i USING (agenda_id)
           GROUP BY ALL ORDER BY a.meeting_date DESC NULLS LAST, a.agenda_id DESC"""
    ).df()[cols]


def agenda(con: duckdb.DuckDBPyConnection, agenda_id: int) -> Agenda:
    """One agenda with its items in order; InputError when there is none."""
    if not one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'agenda'"):
        raise InputError(None, f"there is no agenda {int(agenda_id)}")
    row = con.execute(
        "SELECT agenda_id, title, meeting_date, created_by, created_at, updated_by, updated_at "
        "FROM agenda WHERE agenda_id = ?",
        [int(agenda_id)],
    ).fetchone()
    if row is None:
        raise InputError(None, f"there is no agenda {int(agenda_id)} (it may have been deleted)")
    items = [
        Item(*r)
        for r in con.execute(
            "SELECT item_id, agenda_id, position, title, page, query, talking_points, priority, updated_by, "
            "updated_at FROM agenda_item WHERE agenda_id = ? ORDER BY position, item_id",
            [int(agenda_id)],
        ).fetchall()
    ]
    aid, title, date, cby, cat, uby, uat = row
    return Agenda(int(aid), title, date, cby, cat, uby, uat, items=items)


def _item(con, item_id: int) -> Item:
    row = con.execute(
        "SELECT item_id, agenda_id, position, title, page, query, talking_points, priority, updated_by, updated_at "
        "FROM agenda_item WHERE item_id = ?",
        [int(item_id)],
    ).fetchone()
    if row is None:
        raise InputError(None, f"there is no agenda item {int(item_id)} (it may have been removed)")
    return Item(*row)


# --------------------------------------------------------------------------- changing (analysts)
def _touch(con, agenda_id: int, who: str) -> None:
    con.execute("UPDATE agenda SET updated_by = ?, updated_at = ? WHERE agenda_id = ?", [who, _now(), agenda_id])


def create_agenda(con: duckdb.DuckDBPyConnection, title: str, meeting_date=None) -> int:
    """A new, empty agenda (analyst only; audited); returns its id."""
    actor = access.require_analyst("creating an agenda")
    ensure_data_tables(con)
    t = _text(title, "agenda's title", MAX_TITLE)
    d = _date(meeting_date)
    if one(con, "SELECT count(*) FROM agenda") >= MAX_AGENDAS:
        raise InputError(None, f"there are already {MAX_AGENDAS} agendas: delete old ones first")
    new_id = int(one(con, "SELECT coalesce(max(agenda_id), 0) + 1 FROM agenda"))
    now = _now()
    con.execute("INSERT INTO agenda VALUES (?, ?, ?, ?, ?, ?, ?)", [new_id, t, d, actor.who, now, actor.who, now])
    audit.record(con, "agenda", dataset_id=f"agenda:{new_id}", detail=f"agenda created: {t[:200]}")
    return new_id


def update_agenda(con: duckdb.DuckDBPyConnection, agenda_id: int, *, title: str, meeting_date=None) -> None:
    """Rename an agenda or change its date (analyst only; audited)."""
    actor = access.require_analyst("changing an agenda")
    old = agenda(con, agenda_id)
    t = _text(title, "agenda's title", MAX_TITLE)
    d = _date(meeting_date)
    con.execute("UPDATE agenda SET title = ?, meeting_date = ? WHERE agenda_id = ?", [t, d, old.agenda_id])
    _touch(con, old.agenda_id, actor.who)
    audit.record(con, "agenda", dataset_id=f"agenda:{old.agenda_id}", detail=f"agenda renamed: {t[:200]}")


def delete_agenda(con: duckdb.DuckDBPyConnection, agenda_id: int) -> None:
    """Delete an agenda, its items and its notes (analyst only; audited)."""
    access.require_analyst("deleting an agenda")
    old = agenda(con, agenda_id)
    con.execute("DELETE FROM meeting_note WHERE agenda_id = ?", [old.agenda_id])
    con.execute("DELETE FROM agenda_item WHERE agenda_id = ?", [old.agenda_id])
    con.execute("DELETE FROM agenda WHERE agenda_id = ?", [old.agenda_id])
    audit.record(
        con,
        "agenda",
        dataset_id=f"agenda:{old.agenda_id}",
        rows=len(old.items),
        detail=f"agenda deleted: {old.title[:200]}",
    )


def add_item(
    con: duckdb.DuckDBPyConnection,
    agenda_id: int,
    *,
    title: str,
    view: str,
    talking_points: str = "",
    priority: str | None = None,
) -> int:
    """Add an item at the end of an agenda (analyst only; audited); ``view``
    is a link to a view (see :func:`parse_view`). Returns the item's id."""
    actor = access.require_analyst("changing an agenda")
    a = agenda(con, agenda_id)
    if len(a.items) >= MAX_ITEMS:
        raise InputError(None, f"an agenda holds at most {MAX_ITEMS} items")
    t = _text(title, "item's title", MAX_TITLE)
    page, query = parse_view(view)
    points = _text(talking_points, "talking points", MAX_POINTS, required=False)
    item_id = int(one(con, "SELECT coalesce(max(item_id), 0) + 1 FROM agenda_item"))
    position = len(a.items) + 1
    con.execute(
        "INSERT INTO agenda_item VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [item_id, a.agenda_id, position, t, page, query, points, priority, actor.who, _now()],
    )
    _touch(con, a.agenda_id, actor.who)
    audit.record(con, "agenda", dataset_id=f"agenda:{a.agenda_id}", detail=f"item {position} added: {t[:200]}")
    return item_id


def update_item(
    con: duckdb.DuckDBPyConnection,
    item_id: int,
    *,
    title: str | None = None,
    view: str | None = None,
    talking_points: str | None = None,
) -> Item:
    """Change an item's title, view or talking points (analyst only; audited).
    Saving a view changed in the meeting back to its item is this with ``view``."""
    actor = access.require_analyst("changing an agenda")
    old = _item(con, item_id)
    t = old.title if title is None else _text(title, "item's title", MAX_TITLE)
    page, query = (old.page, old.query) if view is None else parse_view(view)
    points = (
        old.talking_points
        if talking_points is None
        else _text(talking_points, "talking points", MAX_POINTS, required=False)
    )
    con.execute(
        "UPDATE agenda_item SET title = ?, page = ?, query = ?, talking_points = ?, updated_by = ?, updated_at = ? "
        "WHERE item_id = ?",
        [t, page, query, points, actor.who, _now(), old.item_id],
    )
    _touch(con, old.agenda_id, actor.who)
    what = []
    if (page, query) != (old.page, old.query):
        what.append(f"view {('/' + page + ('?' + query if query else ''))[:300]}")
    if t != old.title:
        what.append("title")
    if points != old.talking_points:
        what.append("talking points")
    audit.record(
        con,
        "agenda",
        dataset_id=f"agenda:{old.agenda_id}",
        detail=f"item {old.position} ({t[:120]}) changed: {', '.join(what) or 'nothing'}",
    )
    return _item(con, old.item_id)


def _renumber(con, agenda_id: int, order: list[int]) -> None:
    for pos, iid in enumerate(order, start=1):
        con.execute("UPDATE agenda_item SET position = ? WHERE item_id = ?", [pos, iid])


def remove_item(con: duckdb.DuckDBPyConnection, item_id: int) -> None:
    """Remove an item and its notes (analyst only; audited); the others close up."""
    actor = access.require_analyst("changing an agenda")
    old = _item(con, item_id)
    con.execute("DELETE FROM meeting_note WHERE item_id = ?", [old.item_id])
    con.execute("DELETE FROM agenda_item WHERE item_id = ?", [old.item_id])
    _renumber(con, old.agenda_id, [i.item_id for i in agenda(con, old.agenda_id).items])
    _touch(con, old.agenda_id, actor.who)
    audit.record(
        con, "agenda", dataset_id=f"agenda:{old.agenda_id}", detail=f"item {old.position} removed: {old.title[:200]}"
    )


def move_item(con: duckdb.DuckDBPyConnection, item_id: int, step: int) -> int:
    """Move an item up (``step`` < 0) or down (> 0) the agenda (analyst only;
    audited); returns its new position (unchanged at either end)."""
    actor = access.require_analyst("changing an agenda")
    old = _item(con, item_id)
    order = [i.item_id for i in agenda(con, old.agenda_id).items]
    i = order.index(old.item_id)
    j = min(max(i + int(step), 0), len(order) - 1)
    if i == j:
        return i + 1
    order.insert(j, order.pop(i))
    _renumber(con, old.agenda_id, order)
    _touch(con, old.agenda_id, actor.who)
    audit.record(
        con, "agenda", dataset_id=f"agenda:{old.agenda_id}", detail=f"item {old.title[:120]} moved {i + 1} -> {j + 1}"
    )
    return j + 1


# --------------------------------------------------------------------------- from the pack
def pack_items(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The quarterly pack's contents as agenda items (title, view, talking
    points, priority): one per priority the loaded data can measure (its
    chart on the Performance page), the ward appendix, the Impact Areas."""
    from swp_data.report import priorities

    items: list[dict[str, Any]] = []
    for p in priorities.priorities(con):
        query = urlencode({"area": "city", "chart": p.key})
        items.append(
            {
                "title": p.label,
                "view": f"performance?{query}",
                "talking_points": "Is the change real or normal variation? Where is it against its target "
                "(RAG)? What should we do next quarter?",
                "priority": p.key,
            }
        )
    first = items[0]["priority"] if items else None
    items.append(
        {
            "title": "Ward appendix",
            "view": "performance?" + urlencode({"area": "city", **({"wards": first} if first else {})}),
            "talking_points": "Which wards moved, and is any change real?",
            "priority": None,
        }
    )
    items.append(
        {
            "title": "Impact Areas",
            "view": "impact_areas?area=city",
            "talking_points": "Each area's share of residents against its share of crime.",
            "priority": None,
        }
    )
    return items


def from_pack(con: duckdb.DuckDBPyConnection, title: str, meeting_date=None) -> int:
    """A new agenda with the quarterly pack's contents (:func:`pack_items`;
    analyst only; audited); returns its id."""
    new_id = create_agenda(con, title, meeting_date)
    for it in pack_items(con):
        add_item(con, new_id, **it)
    return new_id


__all__ = [
    "MAX_ITEMS",
    "Agenda",
    "Item",
    "add_item",
    "agenda",
    "agendas",
    "create_agenda",
    "delete_agenda",
    "from_pack",
    "move_item",
    "pack_items",
    "parse_view",
    "remove_item",
    "update_agenda",
    "update_item",
]
