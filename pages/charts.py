"""The pages' plotly figures, built once per content and shared by every session.

Building a plotly figure (plotly express, ``update_layout``: plotly validates
every property) was most of a warm page run: 0.2 s of the Trends page's
0.33 s, half of the Overview's 0.06 s (py-spy on a real server session). With
twenty people in a meeting opening the same pages, each built the same
figures again, one after another, in the one server process.

Each builder here is a pure function of its arguments, cached with
``st.cache_resource``: the arguments are hashed by content (a DataFrame by its
values, dtypes and columns), so the same data gives the same figure object
and new data (an import, another filter) a new one. ``st.plotly_chart`` only
reads the figure (it serialises a copy), so sessions can share it. **Callers
must not change a figure they get from here**: it is every session's figure.
Anything a builder uses is an argument, never a page's global, so the cache
can never show one view's chart in another.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from geo import maps

PRIMARY = "#0b5394"
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}

# A few views per page and a few data versions: far fewer than this in a day.
_cached = st.cache_resource(show_spinner=False, max_entries=128)


@_cached
def wm_deprivation(wm: pd.DataFrame) -> go.Figure:
    """Overview: IMD 2025 average score of the West Midlands force area's
    authorities, Wolverhampton highlighted."""
    wm = wm.rename(columns={"ltla24_name": "Local authority", "imd_average_score": "IMD 2025 average score"})
    wm["Wolverhampton"] = wm["Local authority"].eq("Wolverhampton").map({True: "Wolverhampton", False: "Other"})
    fig = px.bar(
        wm,
        x="IMD 2025 average score",
        y="Local authority",
        orientation="h",
        color="Wolverhampton",
        color_discrete_map={"Wolverhampton": PRIMARY, "Other": "#9ecae1"},
        height=320,
        title="Deprivation across the West Midlands force area (higher = more deprived)",
    )
    fig.update_layout(showlegend=False, yaxis={"categoryorder": "total ascending"}, margin={"l": 10, "r": 10})
    return fig


@_cached
def trend_series(
    plot: pd.DataFrame,
    *,
    x: str,
    ycol: str,
    ylab: str,
    yfmt: str,
    colour_by_category: bool,
    colours: tuple[str, ...],
    axis_order: tuple[str, ...] | None,
    monthly: bool,
) -> go.Figure:
    """Trends: the series by period (a line per category when split), hollow
    markers for partial periods. ``plot`` has the ``period`` and ``complete``
    columns the hover text and markers use."""
    fig = px.line(
        plot,
        x=x,
        y=ycol,
        color="category" if colour_by_category else None,
        markers=True,
        color_discrete_sequence=list(colours),
        labels={ycol: ylab, "period_start": "", "axis": "", "category": "Category"},
        custom_data=["period", "complete"],
        height=380,
        category_orders={"axis": list(axis_order)} if axis_order is not None else None,
    )
    fig.update_traces(hovertemplate="%{customdata[0]}: %{y:" + yfmt + "}<extra></extra>")
    for tr in fig.data:  # hollow markers for partial periods
        tr.marker.symbol = ["circle" if bool(c) else "circle-open" for c in tr.customdata[:, 1]]
    if monthly:
        fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(
        margin=MARGIN, legend={"orientation": "h", "y": -0.15}, yaxis={"tickformat": ",", "rangemode": "tozero"}
    )
    return fig


@_cached
def rolling_12(roll: pd.DataFrame, *, ycol: str, ylab: str, yfmt: str) -> go.Figure:
    """Trends: the total of the 12 months to each month (``month_label`` for the hover)."""
    fig = px.line(
        roll,
        x="month",
        y=ycol,
        labels={"month": "", ycol: ylab},
        height=300,
        color_discrete_sequence=[PRIMARY],
        custom_data=["month_label"],
    )
    fig.update_traces(hovertemplate="12 months to %{customdata[0]}: %{y:" + yfmt + "}<extra></extra>")
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(margin=MARGIN, yaxis={"tickformat": ",", "rangemode": "tozero"})
    return fig


@_cached
def seasonal_decomposition(dec: pd.DataFrame) -> go.Figure:
    """Trends: the STL components (observed, trend, seasonal, remainder), one panel each."""
    long = dec.reset_index().melt(id_vars="month", var_name="component", value_name="value")
    long["component"] = long["component"].map(
        {"observed": "Observed", "trend": "Trend", "seasonal": "Seasonal", "resid": "Remainder"}
    )
    fig = px.line(
        long,
        x="month",
        y="value",
        facet_row="component",
        height=420,
        labels={"month": "", "value": ""},
        color_discrete_sequence=[PRIMARY],
    )
    fig.update_yaxes(matches=None, tickformat=",")
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(margin=MARGIN)
    return fig


@_cached
def partner_years(both: pd.DataFrame, *, palette: dict[str, str], title: str) -> go.Figure:
    """Trends: published figures (diamonds) and partner data (lines) by
    financial year; ``both`` has ``axis`` (the year's label), ``breakdown``,
    ``source``, ``count`` and ``complete``."""
    fig = go.Figure()
    for (b, src), d in both.groupby(["breakdown", "source"], sort=False):
        published = src.startswith("Published")
        symbols = "diamond-open" if published else ["circle" if c else "circle-open" for c in d["complete"]]
        fig.add_trace(
            go.Scatter(
                x=d["axis"],
                y=d["count"],
                name=maps.esc(f"{b}: {src}"),
                mode="markers" if published else "lines+markers",
                customdata=[[maps.esc(b), src]] * len(d),
                marker={
                    "symbol": symbols,
                    "size": 15 if published else 8,
                    "color": palette[b],
                    "line": {"width": 2},
                },
                line={"color": palette[b]},
                hovertemplate="%{x} · %{customdata[0]} · %{customdata[1]}: %{y:,.0f}<extra></extra>",
            )
        )
    fig.update_xaxes(categoryorder="array", categoryarray=list(dict.fromkeys(both["axis"])), title="Financial year")
    fig.update_layout(
        height=380,
        margin=MARGIN,
        legend={"orientation": "h", "y": -0.25},
        yaxis={"tickformat": ",", "rangemode": "tozero", "title": "Count"},
        title={"text": title, "font": {"size": 14}},
    )
    return fig


@_cached
def partner_periods(part: pd.DataFrame, *, palette: dict[str, str], markers: bool, title: str) -> go.Figure:
    """Trends: partner data by month or quarter, a line per breakdown."""
    fig = px.line(
        part.assign(breakdown=part["breakdown"].map(maps.esc)),
        x="period_start",
        y="count",
        color="breakdown",
        height=300,
        markers=markers,
        color_discrete_map={maps.esc(k): v for k, v in palette.items()},
        labels={"period_start": "", "count": "Count", "breakdown": ""},
        custom_data=["period"],
    )
    fig.update_traces(hovertemplate="%{customdata[0]}: %{y:,.0f}<extra></extra>")
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(
        margin=MARGIN,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"tickformat": ","},
        title={"text": title, "font": {"size": 14}},
    )
    return fig
