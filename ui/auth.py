"""Sign-in, roles and what each mode may see, for app.py (not a page itself).

- ``local`` (default): no sign-in; the operating-system user is the analyst.
- ``partnership``: Streamlit's OIDC sign-in (``st.login``, ``st.user``,
  ``st.logout``; ``[auth]`` in ``.streamlit/secrets.toml``) and the roles file
  (swp_data.access.roles). Nobody without a role gets further than a page saying so.
- ``public``: no sign-in, nobody may change anything.

app.py calls :func:`gate` at the start of every script run: it sets the acting
person (``access.set_actor``) for the functions that change data, or draws the
sign-in / refusal page and stops the run. The pages app.py puts in the
navigation depend on :func:`role`; a page not in the navigation is not served.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import NoReturn

import pandas as pd
import streamlit as st
from streamlit.navigation.page import StreamlitPage

from swp_data import access, fmt
from swp_data.access import roles
from swp_data.errors import InputError
from swp_data.store import audit
from ui import gateway

ANALYST = ("analyst",)
EVERYONE = ("analyst", "viewer", "public")
SIGNED_IN = ("analyst", "viewer")  # the partnership's roles: not the public site
TITLE = "Safer Wolverhampton Insight"


def startup(pages: Sequence[StreamlitPage] = ()) -> str:
    """Server-wide settings that follow the mode; returns the mode (a bad
    ``SWP_MODE`` stops the run with a one-line page)."""
    try:
        mode = access.mode()
    except InputError as e:
        st.set_option("client.showErrorDetails", "none")
        _stop_page(
            pages, "This server is not set up correctly", f"{fmt.md(e)}. Nobody can use the app until it is fixed."
        )
    # Tracebacks name server paths and code: only the analyst's own machine sees them.
    st.set_option("client.showErrorDetails", "full" if mode == "local" else "none")
    return mode


def _stop_page(
    pages: Sequence[StreamlitPage], heading: str, text: str, *, sign_out: bool = False, sign_in: str | None = None
) -> NoReturn:
    """A page showing only ``heading`` and ``text`` (Markdown: callers make data inert
    with :func:`swp_data.fmt.md`) and sign-in/out buttons; ends the run.

    The app's pages are registered with a hidden navigation and none is run:
    the sidebar lists nothing (not even the pages/ folder Streamlit lists
    before any navigation), and a bookmarked page's URL gets this page rather
    than "page not found"."""
    access.set_actor(None)
    if pages:
        st.navigation(list(pages), position="hidden")
    st.title(TITLE)
    st.subheader(heading)
    st.markdown(text)
    if sign_in and st.button(sign_in, type="primary", key="auth_sign_in", icon=":material/login:"):
        st.login()
    if sign_out and st.button("Sign out", key="auth_sign_out_refused", icon=":material/logout:"):
        _sign_out()
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover


def _sign_out() -> None:
    """Sign out: the sign-in is revoked on the server (a copied cookie stops
    working, :func:`swp_data.access.roles.revoke`), then the browser forgets it."""
    try:
        if st.user.is_logged_in:
            roles.revoke(st.user.to_dict(), time.time(), roles.session_hours())
    except InputError:  # a bad SWP_SESSION_HOURS: revoke for the default 12 hours
        roles.revoke(st.user.to_dict(), time.time(), 12.0)
    st.logout()


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _sub(claims: dict) -> str:
    return str(claims.get("sub") or claims.get("email") or "")


def _session_actor() -> access.Actor | None:
    """The running session's person, worked out again from its sign-in (the
    resolver for callbacks, which run before :func:`gate`); None when not let
    in, and on any failure (fail closed)."""
    try:
        mode = access.mode()
        if mode != "partnership":
            return access.os_actor() if mode == "local" else None
        if not _auth_configured() or not st.user.is_logged_in:
            return None
        claims = st.user.to_dict()
        first_seen = st.session_state.get("auth_first_seen", {}).get(_sub(claims), time.time())
        if roles.expired(claims, first_seen, time.time(), roles.session_hours()) or roles.revoked(claims, time.time()):
            return None
        return roles.decide(claims, roles.load()).actor
    except Exception:
        return None


def gate(pages: Sequence[StreamlitPage] = ()) -> access.Actor | None:
    """Who is using the app in this run (set with ``access.set_actor``); in
    partnership mode, anyone not let in gets a page saying why, and the run
    stops (``pages``: all the app's pages, registered but hidden and not run)."""
    access.set_resolver(_session_actor)  # for the callbacks of the next run
    mode = startup(pages)
    if mode == "local":
        actor: access.Actor | None = access.os_actor()
        access.set_actor(actor)
        return actor
    if mode == "public":
        access.set_actor(None)
        return None
    # partnership
    try:
        table = roles.load()
    except InputError as e:
        _stop_page(
            pages,
            "Sign-in is not available",
            f"The list of who may use this app cannot be read ({fmt.md(e)}), so nobody is let in. "
            f"Please tell {fmt.md(roles.contact(None))}.",
        )
    contact = fmt.md(roles.contact(table))
    if not _auth_configured():
        _stop_page(
            pages,
            "Sign-in is not available",
            "Sign-in is not configured on this server (`[auth]` in `.streamlit/secrets.toml`), so nobody is let in. "
            f"Please tell {contact}.",
        )
    if not st.user.is_logged_in:
        _stop_page(
            pages,
            "Sign in",
            "This app is for the Safer Wolverhampton Partnership. Sign in with your organisation's account.",
            sign_in="Sign in",
        )
    claims = st.user.to_dict()
    if roles.revoked(claims, time.time()):  # signed out (perhaps in another browser): the cookie is no good
        _stop_page(
            pages,
            "You have signed out",
            "This sign-in has ended. Sign in again to continue.",
            sign_in="Sign in again",
            sign_out=True,
        )
    seen = st.session_state.setdefault("auth_first_seen", {})
    first_seen = seen.setdefault(_sub(claims), time.time())
    try:
        hours = roles.session_hours()
    except InputError as e:
        _stop_page(pages, "This server is not set up correctly", f"{fmt.md(e)}. Please tell {contact}.", sign_out=True)
    if roles.expired(claims, first_seen, time.time(), hours):
        _stop_page(
            pages,
            "Your session has ended",
            f"Sign-ins last {hours:g} hours on this app. Sign in again to continue.",
            sign_in="Sign in again",
            sign_out=True,
        )
    decision = roles.decide(claims, table)
    if decision.actor is None:
        _stop_page(
            pages,
            "You are signed in, but not authorised to use this app",
            f"Why: {fmt.md(decision.reason)}. To ask for access, contact {contact}.",
            sign_out=True,
        )
    access.set_actor(decision.actor)
    return decision.actor


def role() -> str:
    """The role the navigation is built for: analyst, viewer or public."""
    actor = access.current()
    return actor.role if actor is not None else "public"


def may_change() -> bool:
    """Whether this run may offer controls that change data (uploads, edits)."""
    actor = access.current()
    return actor is not None and actor.is_analyst


def sidebar() -> None:
    """Who is using the app, and sign out (every page)."""
    mode = access.mode()
    actor = access.current()
    with st.sidebar:
        if mode == "local":
            who = actor.who if actor else "unknown"
            st.caption(f"Local mode: no sign-in; you are {fmt.md(who)} (analyst).")
        elif mode == "public":
            st.caption(
                "Public site: police.uk and published figures; small numbers are suppressed. No sign-in.",
            )
        elif actor is not None:
            st.caption(f"Signed in as {fmt.md(actor.who)} ({actor.role}).")
            if st.button("Sign out", key="auth_sign_out", icon=":material/logout:"):
                _sign_out()
        st.divider()


# ----------------------------------------------------------------- audit trail (Data page)
def audit_block(limit: int = 200) -> None:
    """The audit trail on the Data page, newest first, for analysts only."""
    if not may_change():
        return
    st.subheader("Audit trail")

    df: pd.DataFrame = gateway.q(audit.entries, limit=limit)
    if df.empty:
        st.caption("No changes are recorded yet.")
        return
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        key="auth_audit",
        column_order=["changed_at", "who", "action", "dataset_id", "rows", "detail", "fingerprint", "via"],
        column_config={
            "changed_at": st.column_config.DatetimeColumn("when", format="D MMM YYYY, HH:mm:ss"),
            "rows": st.column_config.NumberColumn(format="localized"),
        },
    )
    st.caption(
        f"Who changed what and when, newest first (the last {limit:,} changes; "
        "all of them: `python -m swp_data audit`)."
    )


__all__ = ["ANALYST", "EVERYONE", "audit_block", "gate", "may_change", "role", "sidebar"]
