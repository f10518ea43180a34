"""Meetings: agendas of views built from links, presented one item at a time
on a projector, with the decisions and actions the meeting records."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from swp_data import fmt, store
from swp_data.errors import InputError
from swp_data.meetings import agendas, notes, record
from ui import auth, furniture, gateway, meeting, navigation, urlstate

navigation.ensure_navigation()  # a first visit straight to /agendas runs through app.py's sign-in gate first
ss = st.session_state
analyst = auth.may_change()
note_taker = notes.may_take_notes()
listed = gateway.q(agendas.agendas)
ids = [int(x) for x in listed["agenda_id"]]
urlstate.page(
    "agendas",
    urlstate.Choice("agenda", "ag_agenda", {str(i): i for i in ids}, default=ids[0] if ids else None),
)
if ss.get("ag_agenda") not in ids:
    ss["ag_agenda"] = ids[0] if ids else None


def _write(fn, *args, who_may=None, done: str = "", **kwargs):
    """Run one change in its own transaction; a refusal becomes one line on the next run."""
    try:
        with store.transaction(**({"who_may": who_may} if who_may else {})) as con:
            out = fn(con, *args, **kwargs)
        if done:
            ss["ag_flash"] = done
        return out
    except InputError as e:
        ss["ag_problem"] = furniture.problem(e)
        return None


# ----------------------------------------------------------------- presenting
p = meeting.presenting()
if p is not None:
    try:
        a = gateway.q(agendas.agenda, p["agenda_id"])
    except InputError:
        a = None
    if a is None or not a.items:
        meeting.stop()
        ss["ag_problem"] = "That agenda has no items (or no longer exists), so it cannot be presented."
        st.rerun()
    assert a is not None
    st.html(meeting.PRESENT_CSS)
    n = len(a.items)
    i = min(p["index"], n - 1)
    item = a.items[i]
    with st.container(key="meeting_progress"):
        st.markdown(f"{fmt.md(a.title)}: **{i + 1} of {n}**")
    with st.container(key="meeting_slide"):
        st.title(item.title, anchor=False)
        if item.talking_points:
            st.markdown(fmt.md(item.talking_points).replace("\n", "  \n"))
        if meeting.page_file(item.page) is None:
            st.warning(
                f"This item's view was on a page that no longer exists (“{fmt.md(item.page[:40])}”): "
                "“Show the view” opens the Overview.",
                icon=":material/link_off:",
            )
    with st.container(key="meeting_controls", horizontal=True):
        if st.button("Previous", key="meeting_prev", disabled=i == 0, icon=":material/arrow_back:"):
            meeting.step(-1, n)
            st.rerun()
        if st.button("Show the view", key="meeting_view", type="primary", icon=":material/visibility:"):
            meeting.open_view(item)
        if st.button("Next", key="meeting_next", disabled=i + 1 >= n, icon=":material/arrow_forward:"):
            meeting.step(1, n)
            st.rerun()
        if st.button("Stop presenting", key="meeting_stop", icon=":material/close:"):
            meeting.stop()
            st.rerun()
    st.caption(
        "Keys: → or Page Down next, ← or Page Up previous, V the view, Esc stop. From the view, the bar above "
        "the page comes back to this item; explore freely meanwhile."
    )
    meeting.keys()
    item_notes = gateway.q(notes.notes, a.agenda_id)
    item_notes = item_notes[item_notes["item_id"] == item.item_id]
    if note_taker:
        with st.expander("Record a decision or an action", expanded=False), st.form("ag_note_form", border=False):
            kind = st.radio("Kind", ["decision", "action"], horizontal=True, format_func=str.capitalize)
            text = st.text_area("What was decided or agreed", max_chars=agendas.MAX_POINTS)
            owner = st.text_input("Owner (actions)", max_chars=200)
            due = st.date_input("Due (actions)", value=None, format="DD/MM/YYYY")
            if st.form_submit_button("Record", icon=":material/edit_note:"):
                _write(
                    notes.add_note,
                    item.item_id,
                    who_may=notes.require_note_taker,
                    kind=kind,
                    text=text,
                    owner=owner if kind == "action" else "",
                    due=due if kind == "action" else None,
                    done=f"Recorded: {kind}.",
                )
                st.rerun()
    if len(item_notes):
        st.markdown("**Recorded for this item**")
        st.dataframe(
            item_notes[["kind", "text", "owner", "due", "recorded_by", "recorded_at"]],
            hide_index=True,
            width="stretch",
        )
    st.stop()

# ----------------------------------------------------------------- the agendas
furniture.page_header(
    "Meetings",
    "Agendas of views for the Delivery Group's meetings: present them one item at a time on a projector, "
    "and record what the meeting decides.",
)
for key, show in (("ag_flash", st.success), ("ag_problem", st.error)):
    if (msg := ss.pop(key, None)) is not None:
        show(msg)

if not ids:
    st.markdown("**There is no agenda yet.**" + (" Create one below." if analyst else " An analyst creates them."))
else:
    nxt = listed.iloc[0]
    when = "" if pd.isna(nxt["meeting_date"]) else f" on {pd.Timestamp(nxt['meeting_date']):%d %b %Y}"
    st.markdown(
        f"**{len(ids):,} agenda{'s' if len(ids) != 1 else ''} kept.** The latest, "
        f"“{fmt.md(nxt['title'])}”{when}, has {int(nxt['items']):,} item{'s' if nxt['items'] != 1 else ''}."
    )

if analyst:
    with st.expander("New agenda", expanded=not ids, icon=":material/add:"), st.form("ag_new", border=False):
        title = st.text_input("Title", max_chars=agendas.MAX_TITLE, placeholder="Delivery Group, March 2026")
        date = st.date_input("Meeting date", value=None, format="DD/MM/YYYY")
        from_pack = st.checkbox(
            "Start from the quarterly pack's contents",
            value=True,
            help="One item per priority (its chart on the Performance page), the ward appendix and the Impact Areas.",
        )
        if st.form_submit_button("Create the agenda", icon=":material/add:"):
            new_id = _write(agendas.from_pack if from_pack else agendas.create_agenda, title, date, done="Created.")
            if new_id is not None:
                ss["ag_agenda"] = new_id
            st.rerun()

if not ids:
    st.stop()

agenda_id = st.selectbox(
    "Agenda",
    ids,
    key="ag_agenda",
    format_func=lambda i: f"{listed.set_index('agenda_id').loc[i, 'title']} (no. {i})",
)
a = gateway.q(agendas.agenda, agenda_id)
rows = pd.DataFrame(
    [{"No.": it.position, "Item": it.title, "View": it.link, "Talking points": it.talking_points} for it in a.items],
    columns=["No.", "Item", "View", "Talking points"],
)

with st.container(horizontal=True):
    if st.button("Present", key="ag_present", type="primary", icon=":material/co_present:", disabled=not a.items):
        meeting.start(a.agenda_id)
        st.rerun()
    if not a.items:
        st.caption("An empty agenda cannot be presented: add items first.")

st.subheader("Items", anchor=False)
st.dataframe(
    rows,
    hide_index=True,
    width="stretch",
    column_config={"View": st.column_config.TextColumn(help="The page and its choices, as a link")},
)
furniture.download(
    rows, label="Download CSV", filename=f"agenda-{a.agenda_id}", title=f"Agenda: {a.title}", is_demo=False,
    key="ag_items_dl",
)  # fmt: skip

if analyst and a.items:
    st.markdown("**Order and edits**")
    for it in a.items:
        with st.container(horizontal=True, key=f"ag_row_{it.item_id}", vertical_alignment="center"):
            st.markdown(f"{it.position}. {fmt.md(it.title)}")
            if st.button("Up", key=f"ag_up_{it.item_id}", disabled=it.position == 1, icon=":material/arrow_upward:"):
                _write(agendas.move_item, it.item_id, -1)
                st.rerun()
            if st.button(
                "Down",
                key=f"ag_down_{it.item_id}",
                disabled=it.position == len(a.items),
                icon=":material/arrow_downward:",
            ):
                _write(agendas.move_item, it.item_id, 1)
                st.rerun()
            if st.button("Remove", key=f"ag_rm_{it.item_id}", icon=":material/delete:"):
                _write(agendas.remove_item, it.item_id, done="Item removed.")
                st.rerun()
    with st.expander("Edit an item", icon=":material/edit:"):
        pick = st.selectbox(
            "Item", [it.item_id for it in a.items], key="ag_edit_pick",
            format_func=lambda iid: next(f"{x.position}. {x.title}" for x in a.items if x.item_id == iid),
        )  # fmt: skip
        cur = next(x for x in a.items if x.item_id == pick)
        with st.form(f"ag_edit_{pick}", border=False):
            e_title = st.text_input("Title", value=cur.title, max_chars=agendas.MAX_TITLE)
            e_view = st.text_input("View (a link to the view)", value=cur.link, max_chars=agendas.MAX_LINK)
            e_points = st.text_area("Talking points", value=cur.talking_points, max_chars=agendas.MAX_POINTS)
            if st.form_submit_button("Save the item", icon=":material/save:"):
                _write(agendas.update_item, pick, title=e_title, view=e_view, talking_points=e_points, done="Saved.")
                st.rerun()

if analyst:
    last = ss.get(meeting.LAST_VIEW)
    last_link = ("/" + last[0] + ("?" + urlencode(last[1]) if last[1] else "")) if last else ""
    with (
        st.expander("Add an item", icon=":material/playlist_add:", expanded=not a.items),
        st.form("ag_add", border=False),
    ):
        n_title = st.text_input("Title", max_chars=agendas.MAX_TITLE)
        n_view = st.text_input(
            "View: paste a link (“Copy link to this view” in the sidebar of any page)",
            value=last_link,
            max_chars=agendas.MAX_LINK,
            help="Filled in with the last view you looked at (“add this view”).",
        )
        n_points = st.text_area("Talking points", max_chars=agendas.MAX_POINTS)
        if st.form_submit_button("Add to the agenda", icon=":material/add:"):
            _write(agendas.add_item, a.agenda_id, title=n_title, view=n_view, talking_points=n_points, done="Added.")
            st.rerun()
    with st.expander("Rename or delete this agenda", icon=":material/settings:"):
        with st.form("ag_rename", border=False):
            r_title = st.text_input("Title", value=a.title, max_chars=agendas.MAX_TITLE)
            r_date = st.date_input("Meeting date", value=a.meeting_date, format="DD/MM/YYYY")
            if st.form_submit_button("Save", icon=":material/save:"):
                _write(agendas.update_agenda, a.agenda_id, title=r_title, meeting_date=r_date, done="Saved.")
                st.rerun()
        if st.button("Delete this agenda and its notes", key="ag_delete", icon=":material/delete_forever:"):
            _write(agendas.delete_agenda, a.agenda_id, done="Agenda deleted.")
            ss.pop("ag_agenda", None)
            st.rerun()

# ----------------------------------------------------------------- the record
st.subheader("Decisions and actions", anchor=False)
ns = gateway.q(notes.notes, a.agenda_id)
if ns.empty:
    st.markdown("Nothing recorded yet: record decisions and actions while presenting.")
else:
    n_dec = int((ns["kind"] == "decision").sum())
    st.markdown(f"**{n_dec:,} decision(s) and {len(ns) - n_dec:,} action(s) recorded.**")
    view = ns[["position", "item", "kind", "text", "owner", "due", "plan_action_id", "recorded_by", "recorded_at"]]
    st.dataframe(view, hide_index=True, width="stretch")
    furniture.download(
        view, label="Download CSV", filename=f"meeting-{a.agenda_id}-notes", title=f"Decisions and actions: {a.title}",
        is_demo=False, key="ag_notes_dl",
    )  # fmt: skip
stem = f"swp-meeting-{a.agenda_id}-{(a.meeting_date or dt.date.today()):%Y-%m-%d}"
with st.container(horizontal=True):
    st.download_button(
        "Record of the meeting (HTML)",
        gateway.q(record.record_html, a.agenda_id),
        file_name=f"{stem}.html",
        mime="text/html",
        key="ag_rec_html",
        icon=":material/download:",
        on_click="ignore",
    )
    st.download_button(
        "Record of the meeting (Word)",
        gateway.q(record.docx_bytes, a.agenda_id),
        file_name=f"{stem}.docx",
        mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        key="ag_rec_docx",
        icon=":material/download:",
        on_click="ignore",
    )
if not note_taker:
    st.caption("Analysts, and note-takers named in the roles file, record decisions and actions.")

with st.expander("How meetings work"):
    st.markdown(
        "- Every view of the app is a link (its page and choices). An agenda item keeps one, with a title and "
        "talking points; agendas are kept in the store with who changed them and when (the audit trail).\n"
        "- **Present** shows one item at a time, full width, in large type, without the sidebar. **Show the "
        "view** opens the item's page live: the chair may change any filter, and a bar above the page steps to "
        "the previous or next item, goes back to the agenda, or (analysts) saves the view as it is now to the "
        "item.\n"
        "- A view whose page or values no longer exist (a deleted Impact Area, a month no longer loaded) opens "
        "with the page's defaults there, and the page says which part of the link it could not use.\n"
        "- Decisions and actions are timestamped and audited. Where the app has the action plan, an action "
        "recorded here is added to it. The record (HTML or Word; `python -m swp_data meeting-record`) escapes "
        "everything people typed."
    )
