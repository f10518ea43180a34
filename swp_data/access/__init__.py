"""Who is acting, and what they may do (no Streamlit here).

The server's mode comes from ``SWP_MODE`` (``local`` default, ``partnership``,
``public``), never from a control on a page. The app sets the acting person
for each script run (:func:`set_actor`, from ``st.user`` in partnership mode);
the command line acts as the operating-system user, who already controls the
server. Every function that changes data calls :func:`require_analyst` (and
:func:`swp_data.store.transaction` checks it again), so a page cannot change
data on behalf of anyone but an analyst, whichever page calls it.
"""

from __future__ import annotations

import contextlib
import contextvars
import getpass
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from swp_data.errors import InputError

MODES = ("local", "partnership", "public")
ROLES = ("analyst", "viewer", "public")


class NotAuthorised(InputError):
    """A change asked for by someone who may not make it."""

    def __init__(self, problem: str):
        super().__init__(None, problem)


@dataclass(frozen=True)
class Actor:
    """Who is acting: ``who`` is an email address (sign-in) or an operating-system
    user name (local mode, command line); ``via`` says which."""

    who: str
    role: str  # one of ROLES
    via: str  # "oidc" | "os"

    @property
    def is_analyst(self) -> bool:
        return self.role == "analyst"


def mode() -> str:
    """The server's mode from ``SWP_MODE``; an unknown value is refused, not guessed."""
    value = os.environ.get("SWP_MODE", "local").strip().lower() or "local"
    if value not in MODES:
        raise InputError(None, f"SWP_MODE must be one of {', '.join(MODES)}, not {value[:40]!r}")
    return value


def os_actor() -> Actor:
    """The operating-system user: an analyst (whoever runs the command line or a
    local app already owns the store file)."""
    try:
        name = getpass.getuser()
    except Exception:  # no user name in a bare container
        name = f"uid {os.getuid()}"
    return Actor(who=name, role="analyst", via="os")


_UNSET = Actor(who="", role="", via="")  # nobody has set the acting person in this context
_current: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("swp_actor", default=_UNSET)
_resolver: Callable[[], Actor | None] | None = None


def set_actor(actor: Actor | None) -> None:
    """Set the acting person for this thread's context (the app calls it at the
    start of every script run; ``None`` means nobody is signed in)."""
    _current.set(actor)


def set_resolver(resolver: Callable[[], Actor | None] | None) -> None:
    """How to find the acting person where nobody set one in this context.

    Streamlit runs a widget's callback in a new thread before the script, so
    before the app's :func:`set_actor` of that run: the app registers a
    resolver that works the person out again from the signed-in session."""
    global _resolver
    _resolver = resolver


def current() -> Actor | None:
    """The acting person. In local mode, when nobody was set, the OS user."""
    actor = _current.get()
    if actor is _UNSET:
        actor = _resolver() if _resolver is not None else None
    if actor is None and mode() == "local":
        return os_actor()
    return actor


@contextlib.contextmanager
def acting_as(actor: Actor | None) -> Iterator[None]:
    token = _current.set(actor)
    try:
        yield
    finally:
        _current.reset(token)


def require_analyst(what: str = "changing data") -> Actor:
    """The acting analyst, or :class:`NotAuthorised` naming what was refused."""
    actor = current()
    if actor is None:
        raise NotAuthorised(f"{what} needs an analyst's sign-in; nobody is signed in")
    if not actor.is_analyst:
        raise NotAuthorised(f"{what} needs an analyst; {actor.who} is signed in as {actor.role}")
    return actor


__all__ = [
    "MODES",
    "ROLES",
    "Actor",
    "NotAuthorised",
    "acting_as",
    "current",
    "mode",
    "os_actor",
    "require_analyst",
    "set_actor",
    "set_resolver",
]
