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

import pandas as pd
import streamlit as st

from swp_data import config
from ui import common

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
        back = {}
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
        if not re.fullmatch(r"\d{4}-\d{2}", raw):
            bad.append(Rejected(name, raw, "not a month written YYYY-MM"))
            return _ABSENT
        try:
            ts = pd.Timestamp(raw + "-01")
        except ValueError:
            ts = None
        if ts is None or ts not in self.months:
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
    given = []
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


def page(name: str, *fields: Field) -> None:
    """Seed this page's widgets from the URL and say what was not used.
    Call once, before the page's widgets are drawn. The page's parameters are
    declared in ``PAGES[name]`` below, or given here as ``fields``."""
    run = st.session_state.get(_RUN)
    if run is None:  # the page ran without app.py (AppTest with ensure_navigation stubbed)
        return
    if config.store_path().exists():
        spec = PAGES.get(name)
        if spec is not None:
            spec(run)
        _seed(run, fields)
    if run.mode == "full":
        known = {n for f in run.fields for n in f.names}
        run.rejected += [Rejected(k, "", "not a setting of this page") for k in run.query if k not in known]
    note()


def note() -> None:
    """One short note naming the parameters of the link that were not used."""
    run = st.session_state.get(_RUN)
    if run is None or run.shown or not run.rejected:
        return
    run.shown = True

    def cut(text: str) -> str:
        return common.md(text if len(text) <= SHOWN else text[:SHOWN] + "…")

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
            lambda: {_area_token(*v): label for label, v in common._area_options().items()},
            default=common.CITY,
            always=True,
            why="not a ward or Impact Area of the city",
        ),
        Choice("level", "level", {"lsoa": "LSOA", "ward": "Ward"}),
    ]


ALL = "All crime and ASB"


def _categories() -> dict[str, str]:
    from swp_data.analysis import crime

    return {slug(c): c for c in common.q(crime.category_options)}


def _trends(run: _Run) -> None:
    _seed(
        run,
        [
            Choice("cat", "tr_sel", _categories, default=ALL, why="not a crime type"),
            Choice("freq", "tr_freq", ["month", "quarter", "fy"]),
            Choice("measure", "tr_measure", {"count": "Counts", "rate": "Rate per 1,000 residents"}),
            Flag("split", "tr_split"),
            Multi(
                "lsoa",
                "tr_lsoas",
                lambda: {c: c for c in common.filters().lsoa_codes},
                why="not an LSOA of the area",
            ),
        ],
    )


def _crime_map(run: _Run) -> None:
    from swp_data.analysis import crime

    months = common.q(crime.months_loaded)
    ss = st.session_state

    def sel_key() -> str:
        level = "ward" if ss.get("level") == "Ward" else "lsoa"
        if ss.get("cm_view", "Areas") != "Areas":
            return "cm_hotspots_selected"
        measure = ss.get("cm_measure", "Count")
        what = {"Count": "count", "Change": "change"}.get(measure, "rate_per_1000")
        return f"cm_change_{level}_selected" if what == "change" else f"cm_{what}_{level}_selected"

    def sel_codes() -> dict[str, str]:
        level = "ward" if ss.get("level") == "Ward" and ss.get("cm_view", "Areas") == "Areas" else "lsoa"
        return {c: c for c in common.geo_frame(level)["code"]}

    fields: list[Field] = [Choice("cat", "cm_sel", _categories, default=ALL, why="not a crime type")]
    if months:
        fields.append(MonthRange("from", "to", "cm_period", months))
    fields += [
        Choice("map", "cm_view", {"areas": "Areas", "hotspots": "Hotspots"}),
        Choice("layer", "cm_overlay", {"none": "None", "points": "Points", "heat": "Heat"}),
        Choice("measure", "cm_measure", {"count": "Count", "rate": "Rate per 1,000 residents", "change": "Change"}),
        Choice("change", "cm_change_as", {"pct": "%", "ratio": "Ratio"}),
        Choice("select", sel_key, sel_codes, default=None, why="not an area of this map"),
    ]
    _seed(run, fields)


IA_MODES = {
    "profile": "Profile of an area",
    "create": "Create an area",
    "import": "Import a file",
    "manage": "Rename or delete",
}


def _impact_areas(run: _Run) -> None:
    from swp_data.analysis import crime_window
    from swp_data.places import impact_areas

    areas = common.q(impact_areas.list_areas)
    ids = list(areas["area_id"])
    ss = st.session_state

    def lsoas() -> dict[str, str]:
        aid = ss.get("ia_profile")
        return {c: c for c in common.q(impact_areas.area_codes, aid)} if aid in ids else {}

    given = _seed(
        run,
        [
            Choice("mode", "ia_mode", IA_MODES, default=IA_MODES["profile"] if ids else IA_MODES["create"]),
            Choice("ia", "ia_profile", {i: i for i in ids}, default=ids[0] if ids else None, why="no such Impact Area"),
            Choice("measure", "ia_measure", crime_window.measures(), default=crime_window.DEFAULT_SELECTION),
            Choice("lsoa", "ia_lsoas_selected", lsoas, default=None, why="not an LSOA of the area"),
            Choice(
                "edit", "ia_manage", {i: i for i in ids}, default=ids[0] if ids else None, why="no such Impact Area"
            ),
        ],
    )
    if any(f.name == "ia" for f in given):
        # the link's area wins over the sidebar's Impact Area, which would otherwise replace it
        f = common.filters()
        st.session_state["ia_sidebar_seen"] = f.area_code if f.area_kind == "impact" else None


DEP_VIEWS = {
    "imd": "IMD and domains",
    "crime-and-deprivation": "Crime and deprivation",
    "crime": "IoD2025 crime indicators",
    "census": "Census 2021",
    "pockets": "Pockets of deprivation",
}


def _deprivation(run: _Run) -> None:
    from swp_data.analysis import reference as ref

    ss = st.session_state

    def edition() -> str:
        return ss.get("dep_edition", ref.EDITIONS[0])

    def topic() -> str:
        return ss.get("dep_census", next(iter(ref.CENSUS_OVERLAYS)))

    def sel_key() -> str:
        level = "ward" if ss.get("level") == "Ward" else "lsoa"
        view = ss.get("dep_view", DEP_VIEWS["imd"])
        if view == DEP_VIEWS["pockets"]:
            return f"pockets_{ss.get('pockets_edition', ref.EDITIONS[0])}_{ss.get('pockets_band', 'decile')}_selected"
        if view == DEP_VIEWS["crime-and-deprivation"]:
            return "dep_vs_lsoa_selected"
        part = {DEP_VIEWS["imd"]: "imd", DEP_VIEWS["crime"]: "crime", DEP_VIEWS["census"]: "census"}[view]
        return f"dep_{part}_{level}_selected"

    def sel_codes() -> dict[str, str]:
        pockets = ss.get("dep_view") in (DEP_VIEWS["pockets"], DEP_VIEWS["crime-and-deprivation"])
        level = "ward" if ss.get("level") == "Ward" and not pockets else "lsoa"
        return {c: c for c in common.geo_frame(level)["code"]}

    _seed(
        run,
        [
            Choice("view", "dep_view", DEP_VIEWS),
            Choice("edition", "dep_edition", list(ref.EDITIONS)),
            Choice("domain", lambda: f"dep_domain_{edition()}", lambda: list(ref.DOMAINS[edition()])),
            Choice(
                "measure",
                "dep_measure",
                lambda: ["decile", "rank"] + (["score"] if edition() == "2025" else []),
            ),
            Choice(
                "indicator",
                "dep_crime_ind",
                {slug(k.split("_rate_per")[0]): k for k in ref.CRIME_INDICATORS},
            ),
            Choice("topic", "dep_census", list(ref.CENSUS_OVERLAYS)),
            Choice(
                "group",
                lambda: f"dep_census_cat_{topic()}",
                lambda: common.q(ref.census_categories, topic()),
            ),
            Choice("vsdomain", "dep_vs_domain", list(ref.DOMAINS["2025"]), default="income"),
            Choice("vscat", "dep_vs_cat", _categories, default=ALL, why="not a crime type"),
            Choice("pockets", "pockets_edition", list(ref.EDITIONS)),
            Choice("band", "pockets_band", ["decile", "quintile"]),
            Choice("select", sel_key, sel_codes, default=None, why="not an area of this map"),
        ],
    )


def _clusters(run: _Run) -> None:
    from swp_data.places import clustering, indicators, priority

    available = common.q(indicators.available_indicators)
    defaults = list(common.q(indicators.default_indicators))
    fields: list[Field] = [
        Multi("ind", "cl_ind", {c: c for c in available}, default=defaults, why="not an indicator"),
        Choice("method", "cl_method", list(clustering.METHODS)),
        Number("k", "cl_k", 2, 50, default=None, integer=True),
    ]
    fields += [Number(f"w_{k}", f"cl_w_{k}", 0.0, 1.0, default=float(v)) for k, v in priority.DEFAULT_WEIGHTS.items()]
    given = _seed(run, fields)
    if any(f.name == "k" for f in given):
        # the page picks the best k again when the indicators change: these are the link's
        ss = st.session_state
        cols = ss.get("cl_ind", defaults)
        method = ss.get("cl_method", next(iter(clustering.METHODS)))
        ss["cl_k_for"] = (common.filters().level, tuple(c for c in cols if c in available), method)


def _engagement(run: _Run) -> None:
    from swp_data.sources import engagement as eng

    sv = common.q(eng.survey_by_ward)
    if sv.empty:
        return
    sv = sv.assign(label=sv["survey"] + " (" + sv["period"] + ")")
    surveys = list(dict.fromkeys(sv["label"]))
    ss = st.session_state

    def questions() -> list[str]:
        return list(dict.fromkeys(sv.loc[sv["label"] == ss.get("en_survey", surveys[0]), "question"]))

    def answers() -> list[str]:
        qs = questions()
        sub = sv[(sv["label"] == ss.get("en_survey", surveys[0])) & (sv["question"] == ss.get("en_question", qs[0]))]
        return list(dict.fromkeys(sub["answer"]))

    _seed(
        run,
        [
            Choice("survey", "en_survey", surveys),
            Choice("question", "en_question", questions),
            Choice("answer", "en_answer", answers, default=lambda: "No" if "No" in answers() else answers()[0]),
        ],
    )


def _performance(run: _Run) -> None:
    from swp_data.analysis import crime
    from swp_data.report import performance

    months = list(reversed(common.q(crime.months_loaded)))[:60]  # the page offers the last 5 years
    keys = {p.key: p.key for p in common.q(performance.priorities)}
    first = next(iter(keys), None)
    _seed(
        run,
        [
            Choice(
                "to",
                "perf_to",
                {f"{m:%Y-%m}": f"{m:%Y-%m}" for m in months},  # the page's options are "YYYY-MM"
                default=f"{months[0]:%Y-%m}" if months else None,
                why="not a month of the last 5 years loaded",
            ),
            Choice("chart", "perf_chart_priority", keys, default=first, why="not a priority of this report"),
            Choice("wards", "perf_ward_priority", keys, default=first, why="not a priority of this report"),
        ],
    )


PAGES: dict[str, Callable[[_Run], None]] = {
    "performance": _performance,
    "trends": _trends,
    "crime_map": _crime_map,
    "impact_areas": _impact_areas,
    "deprivation": _deprivation,
    "clusters": _clusters,
    "engagement": _engagement,
}
