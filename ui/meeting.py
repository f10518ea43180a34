"""The meeting room in the browser: presenting an agenda, the bar that follows
the chair to each item's live view, and the app-wide accessibility styles.

Presenting state lives in ``st.session_state[PRESENTING]`` (never in the URL):
the agenda's id, the item shown (0-based) and whether the slide or the live
view is up. The Meetings page (pages/agendas.py) shows the slide; "Show the
view" opens the item's page with its query (``st.switch_page``), where
:func:`bar` (app.py, before each page) offers previous / next item, back to
the slide and, for analysts, saving the view as it is now back to the item.
The chair may explore freely from there (any page, any filter): the bar stays
and brings them back to the same item.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import streamlit as st

from swp_data import fmt, store
from swp_data.errors import InputError
from swp_data.meetings import agendas
from ui import auth, furniture, gateway

PRESENTING = "meeting_presenting"
LAST_VIEW = "meeting_last_view"  # (page, query) of the last view seen outside the Meetings page
NOTICE = "meeting_notice"  # one line for the next run (a view that no longer exists, a saved view)
PAGE = "agendas"
ROOT = Path(__file__).resolve().parents[1]

# Presentation mode: no sidebar or toolbar, full width, type for the back of a room.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"] { display: none !important; }
.stMainBlockContainer, [data-testid="stMainBlockContainer"] { max-width: 100% !important;
  padding: 1.5rem 3rem !important; }
.st-key-meeting_slide h1 { font-size: 3.4rem !important; line-height: 1.15; }
.st-key-meeting_slide p, .st-key-meeting_slide li { font-size: 2.1rem !important; line-height: 1.4; }
.st-key-meeting_progress p { font-size: 1.6rem !important; font-weight: 600; }
.st-key-meeting_controls button p { font-size: 1.5rem !important; }
.st-key-meeting_controls button { min-height: 3.2rem; }
</style>"""

# Keys for the chair: → / PageDown next, ← / PageUp previous, v the view, Escape stop. They click the
# page's own buttons (so the same callbacks run). Typing in a field is never taken as a key.
KEYS_JS = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>Keyboard keys for presenting</title></head><body><script>
const doc = window.parent.document;
// One listener at a time: a frame of an earlier run (gone, its scripts dead) leaves its own behind.
if (window.parent.__swpMeetingKeys) doc.removeEventListener("keydown", window.parent.__swpMeetingKeys);
const onKey = (e) => {
  const t = e.target;
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const keys = {ArrowRight: "meeting_next", PageDown: "meeting_next", ArrowLeft: "meeting_prev",
                PageUp: "meeting_prev", v: "meeting_view", Escape: "meeting_stop"};
  const key = keys[e.key];
  if (!key) return;
  const b = doc.querySelector(".st-key-" + key + " button");
  if (b && !b.disabled) { e.preventDefault(); b.click(); }
};
doc.addEventListener("keydown", onKey);
window.parent.__swpMeetingKeys = onKey;
window.addEventListener("pagehide", () => doc.removeEventListener("keydown", onKey));
</script></body></html>"""


def presenting() -> dict | None:
    return st.session_state.get(PRESENTING)


def start(agenda_id: int, index: int = 0) -> None:
    st.session_state[PRESENTING] = {"agenda_id": int(agenda_id), "index": int(index), "slide": True}


def stop() -> None:
    st.session_state.pop(PRESENTING, None)


def step(delta: int, count: int) -> None:
    p = presenting()
    if p is not None:
        p["index"] = min(max(p["index"] + delta, 0), max(count - 1, 0))
        p["slide"] = True


def page_file(page: str) -> Path | None:
    """The script of a page's url path ('' = Overview), or None when there is none."""
    name = page or "overview"
    f = ROOT / "pages" / f"{name}.py"
    return f if agendas._PAGE_RE.match(page) and f.is_file() else None


def open_view(item: agendas.Item) -> None:
    """Go to an item's view: its page with its query, as a whole view (a
    parameter it lacks takes the page's default; a value the page no longer
    knows is dropped with the page's note). A page that no longer exists:
    the Overview, and a note saying so."""
    from ui import urlstate

    p = presenting()
    if p is not None:
        p["slide"] = False
    f = page_file(item.page)
    if f is None or item.page == PAGE:
        st.session_state[NOTICE] = (
            f"This item's view was on a page that no longer exists (“{item.page[:40]}”): the Overview is shown instead."
        )
        _leave()
        st.switch_page("pages/overview.py")
    # The view is a whole view (urlstate's "full" mode), not filters carried over from the Meetings page.
    st.session_state[urlstate._LAST] = (item.page, None)
    _leave()
    st.switch_page(str(f.relative_to(ROOT)), query_params=dict(parse_qsl(item.query, keep_blank_values=True)))


def _leave() -> None:
    """Before switching page: this run's view is not published (app.py's urlstate.publish would write it
    to the URL, over the query the switch carries)."""
    from ui import urlstate

    st.session_state.pop(urlstate._RUN, None)


def keys() -> None:
    """The keyboard listener (a component frame of no height, titled for screen readers)."""
    st.iframe(KEYS_JS, height="content", alt="Keyboard keys for presenting")


def _save_view(item_id: int) -> None:
    """The view on the screen when the button was clicked: the one the last run published."""
    from ui import urlstate

    last = st.session_state.get(urlstate._LAST)
    if not last or last[1] is None or last[0] == PAGE:
        st.session_state[NOTICE] = "Nothing saved: the page had not finished showing its view. Save it again."
        return
    page, query = last
    try:
        with store.transaction() as con:
            agendas.update_item(con, item_id, view="/" + page + ("?" + urlencode(query) if query else ""))
        st.session_state[NOTICE] = "Saved: this view is now the item's view."
    except InputError as e:
        st.session_state[NOTICE] = furniture.problem(e)


def bar(url_path: str) -> None:
    """Before every page (app.py): remember the last view seen (for "Add this
    view" and "Save this view") and, while an agenda is presented, the
    meeting's bar above the page."""
    from ui import urlstate

    ss = st.session_state
    last = ss.get(urlstate._LAST)
    if last is not None and last[0] != PAGE and last[1] is not None:
        ss[LAST_VIEW] = (last[0], dict(last[1]))
    # The note stays while this page is shown (a rerun, e.g. after the store changed, must not lose it).
    notice = ss.get(NOTICE)
    if isinstance(notice, str):
        notice = ss[NOTICE] = (notice, url_path)
    if notice and notice[1] == url_path:
        st.info(notice[0], icon=":material/info:")
    elif notice:
        del ss[NOTICE]
    p = presenting()
    if p is None or url_path == PAGE:
        return
    try:
        a = gateway.q(agendas.agenda, p["agenda_id"])
    except InputError:
        stop()
        return
    if not a.items:
        stop()
        return
    i = min(p["index"], len(a.items) - 1)
    item = a.items[i]
    with st.container(key="meeting_bar", border=True):
        st.markdown(f"**{fmt.md(a.title)}**: item {i + 1} of {len(a.items)}, {fmt.md(item.title)}")
        cols = st.columns(4 if auth.may_change() else 3)
        if cols[0].button("Previous item", key="meeting_bar_prev", disabled=i == 0, icon=":material/arrow_back:"):
            step(-1, len(a.items))
            open_view(a.items[i - 1])
        if cols[1].button("Back to the agenda", key="meeting_bar_back", icon=":material/co_present:"):
            p["slide"] = True
            _leave()
            st.switch_page("pages/agendas.py")
        if cols[2].button(
            "Next item", key="meeting_bar_next", disabled=i + 1 >= len(a.items), icon=":material/arrow_forward:"
        ):
            step(1, len(a.items))
            open_view(a.items[i + 1])
        if auth.may_change():
            cols[3].button(
                "Save this view to the item",
                key="meeting_bar_save",
                on_click=_save_view,
                args=(item.item_id,),
                icon=":material/save:",
                help="The item opens this page with these choices from now on.",
            )


__all__ = ["PRESENTING", "bar", "keys", "open_view", "presenting", "start", "step", "stop"]
