"""Page furniture every page shares: the title, the demo banner, provenance,
refusals as one line, CSV downloads, and the map-with-table-and-download
block every map uses."""

from __future__ import annotations

import functools
import logging

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo import assets
from swp_data import config, store
from swp_data.fmt import md
from swp_data.report import export
from swp_data.store import datasets as datasets_store
from ui import foliummap, gateway, navigation

_log = logging.getLogger(__name__)

assets.ensure_static(config.PROJECT_ROOT)  # Leaflet served by the app: maps work offline


# ----------------------------------------------------------------- provenance
def datasets() -> pd.DataFrame:
    return gateway.q(datasets_store.provenance)


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


# st.metric cuts a long label or value with "…" (nowrap, ellipsis): a page's figures wrap instead.
METRIC_WRAP_CSS = (
    '[data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p, '
    '[data-testid="stMetricValue"] div, [data-testid="stMetricValue"] p '
    "{white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}"
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
    column_order: list[str] | None = None,
    column_config: dict | None = None,
    **choropleth_kwargs,
) -> str | None:
    """A choropleth with its table and CSV download beside it.

    ``column_order`` / ``column_config``: the table's shown columns (the
    answer first, codes left out; the CSV keeps every column) and headers.

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
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            height=map_height - 90,
            column_order=column_order,
            column_config=column_config,
        )
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


def problem(e: Exception) -> str:
    """A refusal (swp_data.errors.InputError) as one Markdown-safe line for
    the page. A busy store's path and the other process's id stay in the
    server log."""
    if isinstance(e, store.StoreBusy):
        _log.warning("%s", e)
        return gateway.STORE_BUSY
    return md(str(e))


def page_header(title: str, caption: str) -> None:
    navigation.ensure_navigation()
    st.title(title)
    st.caption(caption)
