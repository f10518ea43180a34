"""Who has which role in partnership mode: the roles file (no Streamlit here).

The file's path is ``SWP_ROLES`` (default ``.streamlit/roles.toml``, relative
to the project root; git-ignored: it holds real addresses). It lists email
addresses and whole email domains per role. An address signing in is
compared only when it is plain printable ASCII with exactly one ``@``
(compared case-insensitively, ASCII letters only), or else unchanged by NFKC
normalisation and case folding (compared exactly): no Unicode look-alike (a
KELVIN SIGN that lower-cases to ``k``) or second ``@`` can reach a listed
address or domain (:func:`comparable`). A domain matches only the exact domain
after the ``@`` (``wolverhampton.gov.uk`` matches neither
``x.wolverhampton.gov.uk`` nor ``evil-wolverhampton.gov.uk``). The person is
recorded (audit trail) with the address exactly as the provider sent it.
When an address is listed under both roles, analyst wins::

    [analyst]
    emails = ["analyst@wolverhampton.gov.uk"]
    domains = []
    [viewer]
    emails = []
    domains = ["wolverhampton.gov.uk", "westmidlands.police.uk"]
    [contact]
    text = "the community safety team, community.safety@example.gov.uk"
    [note_taker]
    emails = ["clerk@wolverhampton.gov.uk"]

``[note_taker]`` (optional) names people who, without being analysts, may
record a meeting's decisions and actions (:mod:`swp_data.meetings.notes`):
it grants nothing else and no role (a note-taker signs in by the other
sections, normally as viewer). Analysts may always take notes.

A missing or malformed file is a :class:`RolesError` (one line, naming the
file): the app then lets nobody in. ``.streamlit/roles.example.toml`` is a
template with made-up addresses.
"""

from __future__ import annotations

import os
import threading
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from swp_data import config
from swp_data.access import Actor
from swp_data.errors import InputError

DEFAULT_PATH = ".streamlit/roles.toml"
SECTIONS = ("analyst", "viewer")
NOTE_TAKER = "note_taker"  # not a role: who may also record meeting decisions
DEFAULT_CONTACT = "the partnership's analyst"


class RolesError(InputError):
    """The roles file is missing or malformed: nobody is let in."""


@dataclass(frozen=True)
class RoleTable:
    """The roles file, normalised: lower-case addresses and domains."""

    emails: Mapping[str, frozenset[str]] = field(default_factory=dict)  # role -> addresses
    domains: Mapping[str, frozenset[str]] = field(default_factory=dict)  # role -> domains
    contact: str = DEFAULT_CONTACT

    def role_of(self, email: str) -> str | None:
        """``analyst``, ``viewer`` or None (not listed, or not :func:`comparable`) for an email address."""
        address = comparable(email)
        if address is None:
            return None
        local, _, domain = address.partition("@")
        for role in SECTIONS:  # analyst first: analyst wins when listed under both
            if address in self.emails.get(role, ()) or domain in self.domains.get(role, ()):
                return role
        return None

    def is_note_taker(self, email: str) -> bool:
        """Whether the ``[note_taker]`` section lists this address or its domain."""
        address = email.strip().lower()
        local, at, domain = address.rpartition("@")
        if not at or not local or not domain:
            return False
        return address in self.emails.get(NOTE_TAKER, ()) or domain in self.domains.get(NOTE_TAKER, ())


def comparable(email: str) -> str | None:
    """The form of a signed-in address that is compared with the roles file, or
    None when it cannot be compared safely: exactly one ``@`` with something
    either side, and either plain printable ASCII (then lower-cased: ASCII
    letters only) or text that NFKC normalisation and case folding leave
    unchanged (then compared as it is). Anything else (spaces, control
    characters, look-alikes such as U+212A KELVIN SIGN, full-width letters,
    a second ``@``) is refused rather than folded into a listed address."""
    if not isinstance(email, str) or email.count("@") != 1:
        return None
    local, _, domain = email.partition("@")
    if not local or not domain:
        return None
    if email.isascii():
        return email.lower() if all(33 <= ord(c) <= 126 for c in email) else None
    if unicodedata.normalize("NFKC", email) == email and email.casefold() == email and email.isprintable():
        return email if not any(c.isspace() for c in email) else None
    return None


@dataclass(frozen=True)
class Decision:
    """The outcome of a sign-in: an :class:`Actor`, or why there is none."""

    actor: Actor | None
    email: str | None
    reason: str = ""  # why refused (shown to the person), empty when let in


def roles_path() -> Path:
    value = os.environ.get("SWP_ROLES", "").strip() or DEFAULT_PATH
    p = Path(value).expanduser()
    return p if p.is_absolute() else config.PROJECT_ROOT / p


def _strings(path: Path, section: str, key: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RolesError(path, f"[{section}] {key} must be a list of strings")
    return [v.strip().lower() for v in value if v.strip()]


def parse(text: str, path: Path | str = DEFAULT_PATH) -> RoleTable:
    """A :class:`RoleTable` from the text of a roles file, or :class:`RolesError`."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RolesError(path, f"not valid TOML ({e})") from None
    unknown = sorted(set(data) - {*SECTIONS, NOTE_TAKER, "contact"})
    if unknown:
        raise RolesError(
            path, f"unknown section [{unknown[0]}] (expected [analyst], [viewer], [contact], [note_taker])"
        )
    emails: dict[str, frozenset[str]] = {}
    domains: dict[str, frozenset[str]] = {}
    for role in (*SECTIONS, NOTE_TAKER):
        sec = data.get(role, {})
        if not isinstance(sec, dict):
            raise RolesError(path, f"[{role}] must be a table with emails and domains")
        extra = sorted(set(sec) - {"emails", "domains"})
        if extra:
            raise RolesError(path, f"[{role}] has an unknown key {extra[0]!r} (expected emails, domains)")
        es = _strings(path, role, "emails", sec.get("emails", []))
        ds = [d.removeprefix("@") for d in _strings(path, role, "domains", sec.get("domains", []))]
        for addr in es:
            local, at, dom = addr.rpartition("@")
            if not at or not local or not dom or " " in addr:
                raise RolesError(path, f"[{role}] emails: {addr[:80]!r} is not an email address")
        for d in ds:
            if "@" in d or " " in d or "." not in d or d.startswith(".") or "*" in d:
                raise RolesError(
                    path, f"[{role}] domains: {d[:80]!r} is not a domain (write example.gov.uk, no @ or *)"
                )
        emails[role] = frozenset(es)
        domains[role] = frozenset(ds)
    contact = data.get("contact", {})
    if not isinstance(contact, dict) or not isinstance(contact.get("text", ""), str):
        raise RolesError(path, '[contact] must be a table with text = "..."')
    text_ = (contact.get("text") or "").strip()
    return RoleTable(emails=emails, domains=domains, contact=text_ or DEFAULT_CONTACT)


_cache: dict[Path, tuple[tuple[int, int], RoleTable]] = {}


def load(path: Path | None = None) -> RoleTable:
    """Read the roles file (``SWP_ROLES``); a missing or malformed one is a :class:`RolesError`.

    Read on every page run, so a change takes effect at once; parsed again only
    when the file's modification time or size changes."""
    path = path or roles_path()
    try:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        hit = _cache.get(path)
        if hit is not None and hit[0] == key:
            return hit[1]
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RolesError(
            path.name, "the roles file is missing (set SWP_ROLES or create .streamlit/roles.toml)"
        ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise RolesError(path.name, f"cannot read the roles file ({type(e).__name__})") from None
    table = parse(text, path.name)
    _cache[path] = (key, table)
    return table


def contact(table: RoleTable | None = None) -> str:
    """Whom to ask for access: ``SWP_CONTACT``, else the roles file's [contact] text."""
    env = os.environ.get("SWP_CONTACT", "").strip()
    if env:
        return env
    return table.contact if table is not None else DEFAULT_CONTACT


def email_claim() -> str:
    """The claim holding the address (``SWP_EMAIL_CLAIM``, default ``email``)."""
    return os.environ.get("SWP_EMAIL_CLAIM", "").strip() or "email"


def decide(claims: Mapping[str, object], table: RoleTable) -> Decision:
    """Who a signed-in person is, from the identity token's claims.

    Refused (``actor`` None, ``reason`` saying why): no address in the claim
    named by :func:`email_claim`; ``email_verified`` sent as anything but
    JSON ``true`` (``false``, ``0``, ``"0"``, ``"no"``, ``null``, even
    ``"true"``); an address that is not :func:`comparable` or that the roles
    file does not list. A provider that sends no ``email_verified`` at all
    (Microsoft Entra ID) is taken at its word (see the README). The person is
    recorded with the address exactly as sent.
    """
    claim = email_claim()
    raw = claims.get(claim)
    email = raw if isinstance(raw, str) else ""
    if "@" not in email:
        return Decision(None, None, f"your sign-in did not send an email address (the '{claim}' claim)")
    if "email_verified" in claims and claims.get("email_verified") is not True:
        return Decision(None, email, f"your identity provider has not verified the address {email}")
    if comparable(email) is None:
        return Decision(None, email, f"{email} is not a plain email address (one @, no look-alike characters)")
    role = table.role_of(email)
    if role is None:
        return Decision(None, email, f"{email} is not on the list of people with access")
    return Decision(Actor(who=email, role=role, via="oidc"), email)


def session_hours() -> float:
    """How long a sign-in lasts in the app (``SWP_SESSION_HOURS``, default 12)."""
    value = os.environ.get("SWP_SESSION_HOURS", "").strip() or "12"
    try:
        hours = float(value)
    except ValueError:
        raise InputError(None, f"SWP_SESSION_HOURS must be a number of hours, not {value[:20]!r}") from None
    if not hours > 0:
        raise InputError(None, f"SWP_SESSION_HOURS must be more than 0, not {value[:20]!r}")
    return hours


def signed_in_at(claims: Mapping[str, object], first_seen: float) -> float:
    """When the person signed in (seconds since the epoch): the identity token's
    ``iat`` (issued at the sign-in, kept in Streamlit's signed cookie), else
    ``first_seen`` (when this session first saw them)."""
    iat = claims.get("iat")
    if isinstance(iat, int | float) and not isinstance(iat, bool) and iat > 0:
        return float(iat)
    return first_seen


def expired(claims: Mapping[str, object], first_seen: float, now: float, hours: float | None = None) -> bool:
    """Whether the sign-in is older than :func:`session_hours`."""
    limit = (hours if hours is not None else session_hours()) * 3600
    return now - signed_in_at(claims, first_seen) >= limit


# ----------------------------------------------------------------- sign-out
# Streamlit keeps a sign-in in a signed cookie and nothing on the server, so
# st.logout only asks the browser to forget it: a copy of the cookie would
# still be let in. Signing out here also revokes the sign-in on the server:
# its (subject, issued-at) pair is kept until the sign-in would have expired
# anyway, and a cookie carrying a revoked pair is treated as signed out. Kept in
# this server process's memory: a restart forgets it (see the README).
_revoked: dict[tuple[str, object], float] = {}
_revoked_lock = threading.Lock()


def _signin_key(claims: Mapping[str, object]) -> tuple[str, object]:
    return (str(claims.get("sub") or claims.get(email_claim()) or ""), claims.get("iat"))


def revoke(claims: Mapping[str, object], now: float, hours: float | None = None) -> None:
    """Sign-out: this sign-in (whatever browser holds a copy of its cookie) no longer lets anyone in."""
    until = now + (hours if hours is not None else session_hours()) * 3600
    with _revoked_lock:
        for k, t in list(_revoked.items()):
            if t <= now:
                del _revoked[k]
        _revoked[_signin_key(claims)] = until


def revoked(claims: Mapping[str, object], now: float) -> bool:
    """Whether this sign-in was signed out (:func:`revoke`)."""
    with _revoked_lock:
        until = _revoked.get(_signin_key(claims))
    return until is not None and now < until


__all__ = [
    "DEFAULT_PATH",
    "NOTE_TAKER",
    "Decision",
    "RoleTable",
    "RolesError",
    "comparable",
    "contact",
    "decide",
    "email_claim",
    "expired",
    "load",
    "parse",
    "revoke",
    "revoked",
    "roles_path",
    "session_hours",
    "signed_in_at",
]
