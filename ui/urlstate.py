"""Every view is a link: the page's filters and choices live in the URL.

Each page declares which widget keys map to which query parameters (short,
readable names: ``area=ward:E05014843``, ``cat=burglary``, ``from=2025-01``),
with the values allowed (loaded months, known areas, option lists). On each
run:

- ``begin(page)`` (app.py, before the sidebar) decides whether the URL came
  from outside (a pasted link, the first visit, the browser's back or
  forward button) or is the one this app wrote last; from outside, valid
  parameters seed ``st.session_state`` for the widget keys before the widgets
  are drawn, and invalid ones are dropped with one short note;
- ``page(name)`` (each page, before its widgets) does the same for the page's
  own parameters and shows the note;
- ``publish()`` (app.py, after the page) writes the current choices back to
  ``st.query_params`` (only values that differ from the defaults, plus the
  area, which every link states) and shows the link in the sidebar to copy.

Streamlit pushes a browser history entry when ``st.query_params`` changes
(and replaces it while it replays a back or forward navigation), so each
change of view is one step of the back button. Switching page through the
navigation clears the query string: an empty query string therefore keeps the
current choices (the sidebar filters carry over), while a non-empty one on
the same page is a whole view (a parameter it lacks takes its default).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from swp_data import config, fmt, periods
from ui import gateway, sidebar

_LAST = "_urlstate_last"  # (page, query) this app wrote last
_RUN = "_urlstate_run"  # this run: page, mode, fields, notes
_ABSENT = object()
_FIRST = object()
RESERVED = {"embed", "embed_options"}  # Streamlit's own parameters
SHOWN = 40  # characters of a rejected value quoted in the note


def slug(text: Any) -> str:
    """A readable URL token: 'Theft from the person' -> 'theft-from-the-person'."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


@dataclass
class Rejected:
    name: str
    value: str
    why: str


def _resolve(x):
    return x() if callable(x) else x


# ----------------------------------------------------------------- fields
@dataclass
class Choice:
    """One option of a list: a selectbox, a radio, a select_slider of labels.

    ``options``: the widget's values, or a mapping URL token -> value (tokens
    default to ``slug(value)``); may be a callable, evaluated when needed (so
    it can depend on a parameter seeded before it). ``default``: the widget's
    own default (first option unless given)."""

    name: str
    key: str | Callable[[], str]
    options: Any
    default: Any = _FIRST
    always: bool = False  # written even when it is the default
    why: str = "not one of the choices"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    def widget_key(self) -> str:
        return _resolve(self.key)

    def tokens(self) -> dict[str, Any]:
        opts = _resolve(self.options)
        if isinstance(opts, Mapping):
            return dict(opts)
        out: dict[str, Any] = {}
        for o in opts:
            out.setdefault(slug(o), o)
        return out

    def default_value(self) -> Any:
        d = _resolve(self.default)
        if d is _FIRST:
            toks = self.tokens()
            return next(iter(toks.values())) if toks else None
        return d

    def parse(self, query: Mapping[str, str], bad: list[Rejected]) -> Any:
        if self.name not in query:
            return _ABSENT
        raw = query[self.name]
        toks = self.tokens()
        if raw in toks:
            return toks[raw]
        bad.append(Rejected(self.name, raw, self.why))
        return _ABSENT

    def format(self, value: Any) -> dict[str, str]:
        if value == self.default_value() and not self.always:
            return {}
        for tok, v in self.tokens().items():
            if v == value:
                return {self.name: tok}
        return {}


@dataclass
class Multi(Choice):
    """Several options (a multiselect), comma separated in the URL."""

    default: Any = ()

    def default_value(self) -> Any:
        return list(_resolve(self.default))

    def parse(self, query: Mapping[str, str], bad: list[Rejected]) -> Any:
        if self.name not in query:
            return _ABSENT
        toks = self.tokens()
        out = []
        for part in (p.strip() for p in query[self.name].split(",")):
            if part in toks:
                if toks[part] not in out:
                    out.append(toks[part])
            elif part:
                bad.append(Rejected(self.name, part, self.why))
        return out

    def format(self, value: Any) -> dict[str, str]:
        value = list(value or [])
        if value == self.default_value():
            return {}
        back: dict[Any, str] = {}
        for tok, v in self.tokens().items():
            back.setdefault(v, tok)
        return {self.name: ",".join(back[v] for v in value if v in back)}


class _OneParameter:
    """A field of one query parameter (``name``) bound to one widget (``key``)."""

    name: str
    key: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)

    def widget_key(self) -> str:
        return self.key


@dataclass
class Flag(_OneParameter):
    """A toggle or checkbox: ``1`` or ``0``."""

    name: str
    key: str
    default: bool = False
    always: bool = False

    def default_value(self) -> bool:
        return self.default

    def parse(self, query: Mapping[str, str], bad: list[Rejected]) -> Any:
        if self.name not in query:
            return _ABSENT
        raw = query[self.name].lower()
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        bad.append(Rejected(self.name, query[self.name], "not 1 or 0"))
        return _ABSENT

    def format(self, value: Any) -> dict[str, str]:
        return {} if bool(value) == self.default else {self.name: "1" if value else "0"}


@dataclass
class Number(_OneParameter):
    """A slider's number within [lo, hi] (an integer when ``integer``)."""

    name: str
    key: str
    lo: float
    hi: float
    default: Any
    integer: bool = False
    always: bool = False

    def default_value(self) -> Any:
        return _resolve(self.default)

    def parse(self, query: Mapping[str, str], bad: list[Rejected]) -> Any:
        if self.name not in query:
            return _ABSENT
        raw = query[self.name]
        try:
            v = int(raw) if self.integer else float(raw)
        except ValueError:
            v = None
        if v is None or not (self.lo <= v <= self.hi) or v != v:
            bad.append(Rejected(self.name, raw, f"not a number from {self.lo:g} to {self.hi:g}"))
            return _ABSENT
        return v

    def format(self, value: Any) -> dict[str, str]:
        if value is None or value == self.default_value():
            return {}
        return {self.name: str(int(value)) if self.integer else f"{float(value):g}"}


@dataclass
class MonthRange:
    """A (first, last) pair of loaded months (a select_slider range), as
    ``from=YYYY-MM&to=YYYY-MM``; the default is the last ``span`` months."""

    start: str
    end: str
    key: str
    months: list
    span: int = 12
    always: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.start, self.end)

    def widget_key(self) -> str:
        return self.key

    def default_value(self) -> Any:
        m = self.months
        return (m[max(0, len(m) - self.span)], m[-1]) if m else None

    def _month(self, name: str, query: Mapping[str, str], bad: list[Rejected]) -> Any:
        if name not in query:
            return _ABSENT
        raw = query[name]
        ts = periods.parse_month(raw)
        if ts is None:
            bad.append(Rejected(name, raw, "not a month written YYYY-MM"))
            return _ABSENT
        if ts not in self.months:
            bad.append(Rejected(name, raw, "no records are loaded for that month"))
            return _ABSENT
        return ts

    def parse(self, query: Mapping[str, str], bad: list[Rejected]) -> Any:
        a, b = self._month(self.start, query, bad), self._month(self.end, query, bad)
        if a is _ABSENT and b is _ABSENT:
            return _ABSENT
        d0, d1 = self.default_value()
        a = d0 if a is _ABSENT else a
        b = d1 if b is _ABSENT else b
        return (a, b) if a <= b else (b, a)

    def format(self, value: Any) -> dict[str, str]:
        if not isinstance(value, tuple | list) or len(value) != 2 or tuple(value) == self.default_value():
            return {}
        return {self.start: f"{value[0]:%Y-%m}", self.end: f"{value[1]:%Y-%m}"}


Field = Choice | Flag | Number | MonthRange


# ----------------------------------------------------------------- the cycle
@dataclass
class _Run:
    page: str
    mode: str  # "none": the URL is ours; "fill": seed what is given; "full": a whole view
    query: dict[str, str]
    fields: list = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    shown: bool = False
    slot: Any = None  # the sidebar's place for the link, above the filters


def _query() -> dict[str, str]:
    return {k: v for k, v in st.query_params.to_dict().items() if k.lower() not in RESERVED}


def _seed(run: _Run, fields: Iterable[Field]) -> list[Field]:
    """Seed session state from the URL for these fields (in order); returns
    the fields whose value the URL gave."""
    fields = list(fields)
    run.fields.extend(fields)
    given: list[Field] = []
    if run.mode == "none":
        return given
    ss = st.session_state
    for f in fields:
        value = f.parse(run.query, run.rejected)
        if value is not _ABSENT:
            ss[f.widget_key()] = value
            given.append(f)
        elif run.mode == "full":
            ss[f.widget_key()] = f.default_value()
    return given


def begin(page: str) -> None:
    """Start a run of ``page`` (its url path): decide where the URL came from
    and seed the sidebar's shared filters. Call before the sidebar is drawn."""
    ss = st.session_state
    query = _query()
    last = ss.get(_LAST)
    if last is not None and last == (page, query):
        mode = "none"
    elif (last is not None and last[0] != page) or not query:
        mode = "fill"  # a page switch (the sidebar filters carry over) or a bare link
    else:
        mode = "full"
    run = _Run(page=page, mode=mode, query=query, slot=st.sidebar.container())
    ss[_RUN] = run
    if config.store_path().exists():
        _seed(run, shared_fields())


def page(name: str, *fields: Field) -> list[Field]:
    """Seed this page's widgets from the URL and say what was not used.
    Call once, before the page's widgets are drawn, with the page's own
    fields, declared in the page script beside its widgets (with the same
    option lists, so a renamed label cannot break a link). Returns the
    fields whose value the link gave."""
    run = st.session_state.get(_RUN)
    if run is None:  # the page ran without app.py (AppTest with ensure_navigation stubbed)
        return []
    given: list[Field] = []
    if config.store_path().exists():
        given = _seed(run, fields)
    if run.mode == "full":
        known = {n for f in run.fields for n in f.names}
        run.rejected += [Rejected(k, "", "not a setting of this page") for k in run.query if k not in known]
    note()
    return given


def note() -> None:
    """One short note naming the parameters of the link that were not used."""
    run = st.session_state.get(_RUN)
    if run is None or run.shown or not run.rejected:
        return
    run.shown = True

    def cut(text: str) -> str:
        return fmt.md(text if len(text) <= SHOWN else text[:SHOWN] + "…")

    parts = [f"**{cut(r.name)}**" + (f" “{cut(r.value)}”" if r.value else "") + f" ({r.why})" for r in run.rejected]
    st.info(
        "Part of this link could not be used, so the page shows its defaults there: " + "; ".join(parts) + ".",
        icon=":material/link_off:",
    )


def current_query() -> dict[str, str]:
    """The query parameters of the view as it is now (after the page ran)."""
    run = st.session_state.get(_RUN)
    if run is None:
        return {}
    ss = st.session_state
    out: dict[str, str] = {}
    for f in run.fields:
        key = f.widget_key()
        if key in ss:
            value = ss[key]
        elif f.always:
            value = f.default_value()
        else:
            continue
        out.update(f.format(value))
    return out


def publish() -> None:
    """Write the view to the URL (one history entry per change) and offer the
    link in the sidebar. Call after the page ran (also when it stopped)."""
    run = st.session_state.get(_RUN)
    if run is None:
        return
    note()  # a page that never called page()
    query = current_query()
    if query != _query():
        st.query_params.from_dict(query)
    st.session_state[_LAST] = (run.page, query)
    del st.session_state[_RUN]  # a page run alone (AppTest) finds none
    link(query, run.page, run.slot)


def link(query: Mapping[str, str], page_path: str, slot: Any = None) -> None:
    """'Copy link to this view': the full URL with the copy button of st.code."""
    base = st.context.url or ("/" + page_path)  # no URL outside a browser (AppTest)
    url = base + ("?" + urlencode(query) if query else "")
    with slot if slot is not None else st.sidebar:
        st.components.v1.html(copy_button_html(url), height=46)
    with slot if slot is not None else st.sidebar, st.expander("Copy link to this view", icon=":material/link:"):
        st.code(url, language=None, wrap_lines=True)
        st.caption("The copy button is at the right of the link. The link opens this page with the same choices.")


def copy_button_html(url: str) -> str:
    """A real "Copy link" button (issue #22, finding 8): a <button>, so it is
    reached with Tab and pressed with Enter or Space; it copies with
    navigator.clipboard, or, where that is refused, by selecting a hidden
    text field and the copy command; "Link copied" is announced (aria-live).
    The URL goes in as a JSON string: nothing of it runs."""
    data = json.dumps(url).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        # the frame's own document: a title and a language (axe: document-title, html-has-lang)
        "<title>Copy link</title><script>document.documentElement.lang='en';</script>"
        "<style>body{margin:0;font-family:'Source Sans Pro',sans-serif}"
        "button{font:inherit;font-size:15px;padding:6px 12px;border:1px solid #b9bcc4;border-radius:8px;"
        "background:#fff;color:#31333f;cursor:pointer}button:focus-visible{outline:3px solid #0b5394;"
        "outline-offset:1px}#ok{margin-left:8px;font-size:14px;color:#1b5e20}</style>"
        '<button id="copy" type="button">Copy link</button><span id="ok" role="status" aria-live="polite"></span>'
        "<script>(function(){var url=" + data + ";var ok=document.getElementById('ok');"
        "function done(){ok.textContent='Link copied';setTimeout(function(){ok.textContent='';},4000);}"
        "function fallback(){var t=document.createElement('textarea');t.value=url;t.setAttribute('readonly','');"
        "t.style.position='absolute';t.style.left='-9999px';document.body.appendChild(t);t.select();"
        "var good=false;try{good=document.execCommand('copy');}catch(e){}document.body.removeChild(t);"
        "if(good){done();}else{ok.textContent='Copy the link below';}}"
        "document.getElementById('copy').addEventListener('click',function(){"
        "if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(url).then(done,fallback);}"
        "else{fallback();}});})();</script>"
    )


# ----------------------------------------------------------------- declarations
def _area_token(kind: str, code: str | None) -> str:
    return "city" if kind == "city" else f"{kind}:{code}"


def shared_fields() -> list[Field]:
    """The sidebar's filters, on every page."""
    return [
        Choice(
            "area",
            "area",
            lambda: {_area_token(*v): label for label, v in sidebar._area_options().items()},
            default=sidebar.CITY,
            always=True,
            why="not a ward or Impact Area of the city",
        ),
        Choice("level", "level", sidebar.LEVELS),
    ]


ALL = "All crime and ASB"


def category_tokens() -> dict[str, str]:
    """Every crime type a page offers, by its URL token ('theft-from-the-person')."""
    from swp_data.analysis import crime

    return {slug(c): c for c in gateway.q(crime.category_options)}
