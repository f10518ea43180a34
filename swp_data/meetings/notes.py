"""Decisions and actions recorded against an agenda's items as the meeting
goes (no Streamlit here).

Who may record: an analyst, or someone the roles file names under
``[note_taker]`` (partnership mode; see :mod:`swp_data.access.roles`). Each
note is timestamped with who recorded it and audited in the same
transaction: open it with ``store.transaction(who_may=require_note_taker)``.

An action recorded by an analyst becomes an action of the partnership's
action plan (:func:`swp_data.actions.plan.add_action`) where the app has one:
its priority is the item's priority in words (its title when the item is not
a priority's), its lead the owner; its id is kept on the note. A note-taker's
action is kept as a note only (the plan is changed by analysts). Where ``swp_data.actions`` is not installed the note is
kept alone and says so (``plan_action_id`` empty); any other error of the
plan stops the note (the transaction rolls back: no half-recorded action).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from swp_data import access
from swp_data.access import roles
from swp_data.actions import plan
from swp_data.errors import InputError
from swp_data.meetings.agendas import MAX_POINTS, _date, _item, _now, _text, agenda
from swp_data.store import audit, one

KINDS = ("decision", "action")
MAX_NOTES = 500  # per agenda
MAX_OWNER = 200
COLUMNS = [
    "note_id",
    "agenda_id",
    "item_id",
    "position",
    "item",
    "kind",
    "text",
    "owner",
    "due",
    "plan_action_id",
    "recorded_by",
    "recorded_at",
]


def may_take_notes(actor: access.Actor | None = None) -> bool:
    """Whether ``actor`` (default: the acting person) may record a meeting's notes."""
    actor = actor if actor is not None else access.current()
    if actor is None:
        return False
    if actor.is_analyst:
        return True
    if actor.via != "oidc" or access.mode() != "partnership":
        return False
    try:
        return roles.load().is_note_taker(actor.who)
    except roles.RolesError:
        return False


def require_note_taker(what: str = "recording a meeting's notes") -> access.Actor:
    """The acting analyst or note-taker, or :class:`access.NotAuthorised`
    (usable as ``store.transaction(who_may=...)``)."""
    actor = access.current()
    if actor is None:
        raise access.NotAuthorised(f"{what} needs a sign-in; nobody is signed in")
    if not may_take_notes(actor):
        raise access.NotAuthorised(
            f"{what} needs an analyst or a note-taker named in the roles file; {actor.who} is signed in as {actor.role}"
        )
    return actor


def _priority_label(con, key: str | None) -> str | None:
    """The plan names a priority in words ("Anti-social behaviour"): the label of an item's priority key."""
    if not key:
        return None
    from swp_data.report import priorities

    return next((p.label for p in priorities.priorities(con) if p.key == key), None)


def _to_plan(con, *, title: str, priority: str, owner: str, due: dt.date | None, note: str) -> int:
    """The action as an action of the plan (its id). Errors of the plan
    itself are not swallowed: they stop the note."""
    return int(
        plan.add_action(
            con,
            title=title,
            priority=priority,
            lead_name=owner,
            due=None if due is None else due.isoformat(),
            note=note,
        )
    )


def add_note(
    con: duckdb.DuckDBPyConnection,
    item_id: int,
    *,
    kind: str,
    text: str,
    owner: str = "",
    due=None,
    to_plan: bool = True,
) -> int:
    """Record a decision or an action against an agenda item (analyst or
    note-taker; timestamped; audited); returns the note's id. An action needs
    an owner; with ``to_plan`` it also becomes an action of the plan where
    the app has one."""
    actor = require_note_taker()
    if kind not in KINDS:
        raise InputError(None, f"a note is a decision or an action, not {str(kind)[:40]!r}")
    item = _item(con, item_id)
    body = _text(text, kind, MAX_POINTS)
    who = _text(owner, "owner", MAX_OWNER, required=kind == "action")
    when = _date(due)
    if kind == "decision" and (who or when):
        raise InputError(None, "a decision has no owner or due date: record it as an action")
    if one(con, "SELECT count(*) FROM meeting_note WHERE agenda_id = ?", [item.agenda_id]) >= MAX_NOTES:
        raise InputError(None, f"an agenda holds at most {MAX_NOTES} notes")
    a = agenda(con, item.agenda_id)
    plan_id = None
    if kind == "action" and to_plan and actor.is_analyst:  # the plan is changed by analysts only
        plan_id = _to_plan(
            con,
            title=body[:MAX_OWNER],
            priority=_priority_label(con, item.priority) or item.title,
            owner=who,
            due=when,
            note=f"Agreed at {a.title} ({item.title}): {body}"[:MAX_POINTS],
        )
    note_id = int(one(con, "SELECT coalesce(max(note_id), 0) + 1 FROM meeting_note"))
    con.execute(
        "INSERT INTO meeting_note VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [note_id, item.agenda_id, item.item_id, kind, body, who or None, when, plan_id, actor.who, _now()],
    )
    detail = f"{kind} on item {item.position} ({item.title[:80]}): {body[:200]}"
    if kind == "action":
        detail += f"; owner {who[:80]}" + (f", due {when:%d %b %Y}" if when else "")
        detail += f"; action plan #{plan_id}" if plan_id is not None else ""
    audit.record(con, "meeting_note", dataset_id=f"agenda:{item.agenda_id}", detail=detail)
    return note_id


def remove_note(con: duckdb.DuckDBPyConnection, note_id: int) -> None:
    """Remove a note recorded in error (analyst or note-taker; audited). An
    action already passed to the plan stays there (the plan's owners close it)."""
    require_note_taker("removing a meeting's note")
    row = con.execute("SELECT agenda_id, kind, text FROM meeting_note WHERE note_id = ?", [int(note_id)]).fetchone()
    if row is None:
        raise InputError(None, f"there is no note {int(note_id)}")
    con.execute("DELETE FROM meeting_note WHERE note_id = ?", [int(note_id)])
    audit.record(con, "meeting_note", dataset_id=f"agenda:{row[0]}", detail=f"{row[1]} removed: {str(row[2])[:200]}")


def notes(con: duckdb.DuckDBPyConnection, agenda_id: int) -> pd.DataFrame:
    """An agenda's notes in agenda order, then as recorded (:data:`COLUMNS`)."""
    if not one(con, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meeting_note'"):
        return pd.DataFrame(columns=COLUMNS)
    return con.execute(
        """SELECT n.note_id, n.agenda_id, n.item_id, i.position, i.title AS item, n.kind, n.text, n.owner, n.due,
                  n.plan_action_id, n.recorded_by, n.recorded_at
           FROM meeting_note n JOIN agenda_item i USING (item_id)
           WHERE n.agenda_id = ? ORDER BY i.position, n.recorded_at, n.note_id""",
        [int(agenda_id)],
    ).df()[COLUMNS]


__all__ = ["KINDS", "add_note", "may_take_notes", "notes", "remove_note", "require_note_taker"]
