"""Shared page furniture: the sidebar filters, cached queries, the demo banner,
provenance, and the map-with-table-and-download block every map uses.

Pages import this module; it is not a page itself (app.py lists the pages).
"""

from __future__ import annotations

import functools
import html
import importlib
import logging
import re
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from geo import assets
from geo import boundaries as gb
from swp_data import access, config, store
from swp_data.report import export
from ui import foliummap

CITY = "Whole city"
_log = logging.getLogger(__name__)

assets.ensure_static(config.PROJECT_ROOT)  # Leaflet served by the app: maps work offline


# ----------------------------------------------------------------- data access
# One script run shows one state of the store. Every query of a run is cached
# under the store version pinned when the run began (pin_store_version(), from
# sidebar(), which app.py runs first). A query that finds the store changed
# since (an import committed during the run; or AppTest, which runs only the
# page after its first run, so the sidebar did not pin) starts the run again,
# pinned to the new version, so the page shows the new state throughout. A
# query not cached yet reads the store only if it is still at the pinned
# version, checked while the read connection is open, when no import can
# commit (the in-process lock holds off this process's writers, DuckDB's file
# lock another process's). So a page never mixes figures from before an
# import with figures from after it.
_PINNED = "_swp_store_version"
_RESTARTS = "_swp_store_restarts"
_MAX_RESTARTS = 3  # imports committing during every run: show the newest state


class _StoreChanged(Exception):
    """The store changed since this script run began (never cached)."""


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(fn_path: str, version: float, args: tuple, kwargs: tuple):
    mod, name = fn_path.rsplit(".", 1)
    fn = getattr(importlib.import_module(mod), name)
    with store.reading() as con:
        if store.store_version() != version:
            raise _StoreChanged
        return fn(con, *args, **dict(kwargs))


def pin_store_version() -> None:
    """Read the store as it is now for the rest of this script run."""
    st.session_state[_PINNED] = store.store_version()


def _store_changed() -> None:
    """Start the run again on the store as it is now: the version is taken
    under a read connection, so after any import in progress has committed
    (an import changes the file several times before it commits; pinning one
    of those would only restart again). At most _MAX_RESTARTS times in a row;
    then carry on with the newest state."""
    ss = st.session_state
    with store.reading():
        ss[_PINNED] = store.store_version()
    if ss.get(_RESTARTS, 0) < _MAX_RESTARTS:
        ss[_RESTARTS] = ss.get(_RESTARTS, 0) + 1
        st.rerun()


def q(fn, *args, **kwargs):
    """Call ``fn(con, *args, **kwargs)`` on the store, cached until the store
    changes, as the store was when this script run began (see above). Waits
    while an import writes; if another program keeps the store locked
    (store.StoreBusy), says so and stops the page."""
    ss = st.session_state
    name = f"{fn.__module__}.{fn.__qualname__}"
    kw = tuple(sorted(kwargs.items()))
    try:
        if ss.get(_PINNED) is None:
            pin_store_version()
        elif ss[_PINNED] != store.store_version():
            _store_changed()
        try:
            result = _cached(name, ss[_PINNED], args, kw)
        except _StoreChanged:
            _store_changed()
            result = _cached(name, ss[_PINNED], args, kw)
    except store.StoreBusy as e:
        st.warning(problem(e))
        st.stop()
    except _StoreChanged:
        st.warning("The data changed while this page was shown: reload the page to see it.")
        st.stop()
    ss[_RESTARTS] = 0
    return result


def sql(query: str, params: tuple = ()) -> pd.DataFrame:
    return q(_run_sql, query, params)


def _run_sql(con, query: str, params: tuple) -> pd.DataFrame:
    return con.execute(query, list(params)).df()


@st.cache_resource(show_spinner=False, max_entries=8)
def _geo(level: str, version: float) -> gpd.GeoDataFrame:
    with store.reading() as con:
        if level == "ward":
            df = con.execute(
                "SELECT ward_code AS code, ward_name AS name, geom_display AS geom FROM ward ORDER BY ward_code"
            ).df()
        else:
            df = con.execute(
                "SELECT lsoa21_code AS code, lsoa21_name || ' (' || ward_name || ')' AS name, "
                "ward_code, geom_display AS geom FROM lsoa21 ORDER BY lsoa21_code"
            ).df()
    return gb.from_frame(df)


def geo_frame(level: str) -> gpd.GeoDataFrame:
    """Display geometry (simplified once at build time) with code and name."""
    return _geo(level, store.store_version())


# ----------------------------------------------------------------- filters
@dataclass
class Filters:
    level: str = "lsoa"  # lsoa | ward (map and table level)
    area_kind: str = "city"  # city | ward | impact
    area_code: str | None = None
    area_label: str = CITY
    lsoa_codes: list[str] = field(default_factory=list)  # LSOAs in scope (all for the city)
    public_mode: bool = False

    def scope(self, df: pd.DataFrame, level: str | None = None) -> pd.DataFrame:
        """Rows of a table by ``code`` (LSOA or ward: ``level``, default the
        sidebar's) in the sidebar area; maps keep the whole city for context."""
        if self.area_kind == "city":
            return df
        if (level or self.level) == "lsoa":
            return df[df["code"].isin(self.lsoa_codes)]
        wards = set(
            sql("SELECT DISTINCT ward_code FROM lsoa21 WHERE list_contains(?, lsoa21_code)", (self.lsoa_codes,))[
                "ward_code"
            ]
        )
        return df[df["code"].isin(wards)]


def _area_options() -> dict[str, tuple[str, str | None]]:
    opts: dict[str, tuple[str, str | None]] = {CITY: ("city", None)}
    wards = sql("SELECT ward_code, ward_name FROM ward ORDER BY ward_name")
    for r in wards.itertuples():
        opts[f"Ward: {r.ward_name}"] = ("ward", r.ward_code)
    try:
        ia = sql("SELECT area_id, name, approximate FROM impact_area ORDER BY name")
    except Exception:
        ia = pd.DataFrame(columns=["area_id", "name", "approximate"])
    for r in ia.itertuples():
        label = f"Impact Area: {r.name}" + (" (approximate)" if r.approximate else "")
        opts[label] = ("impact", r.area_id)
    return opts


def ensure_navigation() -> None:
    """Run every page through app.py's st.navigation.

    Streamlit treats a ``pages/`` folder beside the main script as a legacy
    multipage folder until ``st.navigation`` has run once in the process (and
    AppTest resets that on every run): a first visit to ``/deprivation``
    would run the page alone, without app.py's sidebar. Switch the legacy
    mode off and rerun through app.py.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def sidebar() -> None:
    """The shared sidebar; called by app.py before the page runs."""
    ensure_navigation()
    pin_store_version()  # this run reads the store as it is now
    with st.sidebar:
        st.markdown("### Filters")
        if not config.store_path().exists():
            st.error("The store is not built. Run `make run` (or `python -m swp_data build`).")
            return
        st.radio(
            "Geography level",
            ["LSOA", "Ward"],
            key="level",
            horizontal=True,
            help="LSOA: 161 small areas of about 1,600 residents (2021). Ward: the 20 wards of May 2023 "
            "(best-fit from LSOAs).",
        )
        opts = _area_options()
        if st.session_state.get("area") not in opts:
            st.session_state["area"] = CITY
        st.selectbox(
            "Area",
            list(opts),
            key="area",
            help="Limit figures to a ward or an Impact Area. Maps still show the whole city, "
            "with the chosen area outlined.",
        )
        st.divider()
        _data_status()
        st.caption(config.ATTRIBUTION)


def filters() -> Filters:
    ss = st.session_state
    level = "ward" if ss.get("level") == "Ward" else "lsoa"
    label = ss.get("area", CITY)
    opts = _area_options() if config.store_path().exists() else {CITY: ("city", None)}
    kind, code = opts.get(label, ("city", None))
    if kind == "ward":
        codes = sql("SELECT lsoa21_code FROM lsoa21 WHERE ward_code = ? ORDER BY 1", (code,))["lsoa21_code"]
    elif kind == "impact":
        codes = sql("SELECT lsoa21_code FROM impact_area_lsoa WHERE area_id = ? ORDER BY 1", (code,))["lsoa21_code"]
    else:
        codes = sql("SELECT lsoa21_code FROM lsoa21 ORDER BY 1")["lsoa21_code"]
        label = CITY
    return Filters(
        level=level,
        area_kind=kind,
        area_code=code,
        area_label=label,
        lsoa_codes=list(codes),
        public_mode=access.mode() == "public",  # the server's mode (SWP_MODE), never a control on the page
    )


# ----------------------------------------------------------------- provenance
def datasets() -> pd.DataFrame:
    return sql("SELECT * FROM dataset ORDER BY kind, dataset_id")


def _data_status() -> None:
    ds = datasets()
    demo = ds[ds["is_demo"]]
    if len(demo):
        st.warning(
            f"**Demo data loaded** ({len(demo)} dataset(s)). Figures marked DEMO are synthetic.",
            icon=":material/science:",
        )
    crime = ds[ds["kind"] == "police_uk"]
    if len(crime):
        last = pd.to_datetime(crime["period_end"]).max()
        st.caption(f"Crime records to {last:%b %Y}." if pd.notna(last) else "")


DEMO_NOTE = (
    "**DEMO DATA.** This page shows synthetic figures generated for demonstration "
    "(calibrated to real published totals, but not real records)."
)


def demo_banner(
    kinds: tuple[str, ...] = ("police_uk", "partner", "engagement", "impact_area"),
    advice: str = "Import real data on the Data page.",
) -> bool:
    """Show a plain banner when any dataset of these kinds is demo; returns whether it is."""
    ds = datasets()
    demo = ds[ds["is_demo"] & ds["kind"].isin(kinds)]
    if len(demo):
        st.warning(f"{DEMO_NOTE} {advice}", icon=":material/science:")
        return True
    return False


def provenance(dataset_ids: list[str] | None = None, kinds: tuple[str, ...] | None = None) -> None:
    """An expander listing the datasets a page used, with the attribution."""
    ds = datasets()
    if dataset_ids is not None:
        ds = ds[ds["dataset_id"].isin(dataset_ids)]
    if kinds is not None:
        ds = ds[ds["kind"].isin(kinds)]
    with st.expander("Sources and provenance"):
        view = ds[["name", "is_demo", "period_start", "period_end", "row_count", "source", "licence", "loaded_at"]]
        view = view.assign(is_demo=view["is_demo"].map({True: "DEMO", False: "Real"}))
        st.dataframe(view.rename(columns={"is_demo": "status"}), hide_index=True, width="stretch")
        st.caption(config.ATTRIBUTION)


# ----------------------------------------------------------------- downloads and maps
def download(
    df: pd.DataFrame, *, label: str, filename: str, title: str, is_demo: bool, source: str = "", key: str | None = None
) -> None:
    """A CSV download of ``df`` (formula-safe, titled, marked DEMO when it is).
    The file is written when the button is clicked, not on every run (it was
    7% of a Trends run), and a click does not rerun the page."""
    st.download_button(
        label,
        functools.partial(export.to_csv_bytes, df.copy(), title=title, is_demo=is_demo, source=source),
        file_name=filename + ("-DEMO" if is_demo else "") + ".csv",
        mime="text/csv",
        key=key,
        icon=":material/download:",
        on_click="ignore",
    )


def map_block(
    gdf: gpd.GeoDataFrame,
    table: pd.DataFrame,
    *,
    key: str,
    title: str,
    is_demo: bool = False,
    source: str = "",
    map_height: int = 520,
    layers=None,
    **choropleth_kwargs,
) -> str | None:
    """A choropleth with its table and CSV download beside it.

    ``layers``: extra layers drawn on the map, each a ``functools.partial``
    of a module-level function taking the map (see ui/foliummap.py: the
    map is rendered once per content and shared between sessions).

    Returns the code of the area last clicked on the map (or picked in the
    list below it, for keyboard users), kept in ``st.session_state``.
    """
    sel_key = f"{key}_selected"
    left, right = st.columns([3, 2], gap="medium")
    with left:
        out, legend = foliummap.choropleth(gdf, key=f"{key}_map", height=map_height, layers=layers, **choropleth_kwargs)
        if legend:
            st.html(legend)
        clicked = None
        if out and out.get("last_active_drawing"):
            clicked = (out["last_active_drawing"].get("properties") or {}).get("id")
        if clicked and clicked != st.session_state.get(f"{sel_key}_last_click"):
            st.session_state[f"{sel_key}_last_click"] = clicked
            st.session_state[sel_key] = clicked
    with right:
        st.markdown(f"**{md(title)}**")
        st.dataframe(table, hide_index=True, width="stretch", height=map_height - 90)
        download(
            table, label="Download CSV", filename=key, title=title, is_demo=is_demo, source=source, key=f"{key}_dl"
        )
    id_col = choropleth_kwargs["id_col"]
    name_col = choropleth_kwargs["name_col"]
    names = dict(zip(gdf[id_col], gdf[name_col], strict=True))
    options = [None, *sorted(names, key=lambda c: str(names[c]))]
    if st.session_state.get(sel_key) not in options:
        st.session_state[sel_key] = None
    st.selectbox(
        "Area profile (click the map or choose)",
        options,
        key=sel_key,
        format_func=lambda c: "None" if c is None else f"{names[c]} ({c})",
    )
    return st.session_state.get(sel_key)


def md(text) -> str:
    """Text from data (an area or file name) made inert in Markdown: HTML-escaped
    and every Markdown punctuation mark backslash-escaped. Quotes stay as they
    are: "&#x27;" would have its "#" escaped and show as typed ("Don&#x27;t").
    "@" and "/" are escaped too, with ":" and ".": a bare web or email address
    (https://evil.example, www.evil.example, x@evil.example) is not turned
    into a live link by Markdown's autolinking."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~$<>:=@/])", r"\\\1", html.escape(str(text), quote=False))


STORE_BUSY = (
    "The data store is busy with another program and stayed locked; the page will show again once it is "
    "free: reload it."
)


def problem(e: Exception) -> str:
    """A refusal (swp_data.errors.InputError) as one Markdown-safe line for
    the page. A busy store's path and the other process's id stay in the
    server log."""
    if isinstance(e, store.StoreBusy):
        _log.warning("%s", e)
        return STORE_BUSY
    return md(str(e))


def fmt_int(n) -> str:
    return "–" if n is None or pd.isna(n) else f"{int(round(n)):,}"


def page_header(title: str, caption: str) -> None:
    ensure_navigation()
    st.title(title)
    st.caption(caption)
