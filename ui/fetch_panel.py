"""The Data page's "Update from police.uk" block: fetch the months that are
missing or republished from the police.uk API (swp_data.sources.fetch), with a
progress bar month by month and the import report at the end."""

from __future__ import annotations

import logging

import streamlit as st

from swp_data import fmt
from swp_data.errors import InputError
from swp_data.sources import fetch
from ui import gateway

_log = logging.getLogger(__name__)

ss = st.session_state


def render() -> None:
    """Draw the block (call it where it should appear on the Data page)."""
    st.subheader("Update from police.uk")
    st.markdown(
        "Fetches Wolverhampton's street-level records from the police.uk API, month by month: every month "
        "it offers (about the last three years) that is not loaded yet, or that police.uk has republished "
        "since it was loaded. Each month is imported on its own: a month replaces what was loaded for it "
        "(demo records included), and a problem leaves that month as it was. Older months are not in the "
        "API: import them from a data.police.uk archive above."
    )
    state = gateway.q(fetch.fetched_summary)
    if state:
        st.caption(
            fmt.md(
                f"Fetched from the API so far: {state['months']:,} month(s), {state['first']} to {state['last']}; "
                f"last request {state['requested']}, police.uk update of {state['release']}."
            )
        )
    st.button(
        "Update from police.uk",
        key="fetch_run",
        icon=":material/cloud_download:",
        on_click=lambda: ss.update(fetch_action=True, fetch_result=None),
        help=f"Asks {fetch.api_base()} (the SWP_POLICE_API setting).",
    )
    if ss.pop("fetch_action", None):
        _run()
    _show(ss.get("fetch_result"))


def _run() -> None:
    bar = st.progress(0.0, text="Asking police.uk which months it offers")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=message)

    try:
        result = fetch.fetch(progress=progress)
    except InputError as e:
        ss["fetch_result"] = {"kind": "error", "message": str(e)}
    except Exception as e:  # never a traceback in the browser: the server log has it
        _log.exception("the police.uk update failed")
        ss["fetch_result"] = {"kind": "error", "message": f"the update failed unexpectedly ({type(e).__name__})"}
    else:
        ss["fetch_result"] = {"kind": "done", "result": result.to_dict(), "text": result.to_text()}
    st.rerun()


def _show(res: dict | None) -> None:
    if not res:
        return
    if res["kind"] == "error":
        st.error(
            fmt.md(f"Update from police.uk stopped: {res['message']}. Months fetched before it are kept."),
            icon=":material/error:",
        )
        return
    r = res["result"]
    n = len(r["months_fetched"])
    if n:
        st.success(f"Updated from police.uk: {n:,} month(s) fetched and imported.", icon=":material/check_circle:")
    else:
        st.success("Already up to date: no month to fetch.", icon=":material/check_circle:")
    m = st.columns(4)
    m[0].metric("Months fetched", f"{n:,}")
    m[1].metric("Already up to date", f"{len(r['months_skipped']):,}")
    m[2].metric("Requests", f"{r['requests']:,}")
    m[3].metric("Rows kept", f"{r['rows_kept']:,}")
    with st.expander("Update report", expanded=bool(n)):
        st.code(res["text"], language=None)
