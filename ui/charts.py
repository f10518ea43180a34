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

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from geo import maps
from swp_data.periods import period_label

PRIMARY = "#0b5394"
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}
TIGHT = {"l": 10, "r": 10, "t": 10, "b": 10}  # no title above the plot

# A few views per page and a few data versions: far fewer than this in a day.
_cached = st.cache_resource(show_spinner=False, max_entries=128)


# ------------------------------------------------------------------ Overview
WM_TITLE = "Deprivation in the West Midlands force area<br><sup>IMD 2025 average score: higher = more deprived</sup>"


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
        # two short lines: one line was cut off in the page's left column at 1280x720 (issue 22, finding 9)
        title=WM_TITLE,
    )
    fig.update_layout(showlegend=False, yaxis={"categoryorder": "total ascending"}, margin={"l": 10, "r": 10, "t": 70})
    return fig


# ------------------------------------------------------------------ Trends
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
        title={"text": maps.esc(title), "font": {"size": 14}},  # the area may be an Impact Area named by a user
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
        title={"text": maps.esc(title), "font": {"size": 14}},  # the area may be an Impact Area named by a user
    )
    return fig


# ------------------------------------------------------------------ Performance
@_cached
def priority_rolling_12(
    roll: pd.DataFrame, *, label: str, is_demo: bool, limit: float | None, amber_margin: float
) -> go.Figure:
    """Performance: one priority's rolling 12 months, with its target and amber limit when it has one."""
    fig = go.Figure(
        go.Scatter(
            x=roll["month"],
            y=roll["rolling_12"],
            mode="lines+markers",
            name="Rolling 12 months",
            hovertemplate="12 months to %{x|%b %Y}: %{y:,.0f}<extra></extra>",
        )
    )
    if limit is not None:
        fig.add_hline(y=limit, line_dash="solid", line_color="#1b7837", annotation_text="Target (green at or below)")
        fig.add_hline(
            y=limit * (1 + amber_margin),
            line_dash="dash",
            line_color="#b35806",
            annotation_text=f"Target + {100 * amber_margin:g}% (amber up to here)",
        )
    fig.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        yaxis={"tickformat": ",", "rangemode": "tozero", "title": "Count in 12 months"},
        title={"text": f"{maps.esc(label)}{' (DEMO)' if is_demo else ''}: rolling 12 months", "font": {"size": 14}},
    )
    return fig


# ------------------------------------------------------------------ Engagement
@_cached
def meetings_heatmap(piv: pd.DataFrame) -> go.Figure:
    """Engagement: meeting attendees per 1,000 residents, a row per ward and a column per quarter start."""
    fig = px.imshow(
        piv.to_numpy(),
        x=[period_label(q, "quarter") for q in piv.columns],
        y=list(piv.index),
        color_continuous_scale=maps.VIRIDIS,
        aspect="auto",
        labels={"color": "attendees per 1,000"},
        height=140 + 22 * len(piv),
    )
    fig.update_layout(margin=TIGHT)
    return fig


ENGAGEMENT_LABELS = 8  # at most this many ward names on the scatter; the rest on hover
# The scatter's plot area at 1280x720 (px) and the size of a name at 11 px, for placing names apart.
_PLOT_W, _PLOT_H, _CHAR_W, _TEXT_H = 700.0, 380.0, 6.2, 14.0
_PLACES = ("top center", "bottom center", "middle right", "middle left")


def _label_box(px: float, py: float, width: float, place: str) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) in px, y up, of a name of ``width`` px set at ``place`` of the point (px, py)."""
    h = _TEXT_H
    if place == "top center":
        return px - width / 2, py + 7, px + width / 2, py + 7 + h
    if place == "bottom center":
        return px - width / 2, py - 7 - h, px + width / 2, py - 7
    if place == "middle right":
        return px + 8, py - h / 2, px + 8 + width, py + h / 2
    return px - 8 - width, py - h / 2, px - 8, py + h / 2


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def engagement_labels(eh: pd.DataFrame, outlined: tuple[str, ...] = ()) -> tuple[dict, dict]:
    """Which wards of the engagement scatter carry their name, and where.

    Twenty names at 11 px overlapped in the middle of the cloud (issue 22,
    finding 9). Candidates, in order: the high-harm, low-engagement wards
    (the chart's answer), the outlined ones, then the extremes (most and
    least harm, most and least engagement); at most
    :data:`ENGAGEMENT_LABELS`. Each name goes above its point, else below,
    right or left: the first place where it meets no name already set, no
    other point and not the chart's edge (estimated in pixels at 1280x720);
    a name with no free place is left to the hover, as are the other wards.
    Returns ``{index: bool}`` (named) and ``{index: textposition}``."""
    order: list = list(eh.index[eh["quadrant"] == "High harm, low engagement"])
    order += [i for i in eh.index[eh["code"].isin(outlined)] if i not in order]
    for col in ("harm", "engagement"):
        for i in (eh[col].idxmax(), eh[col].idxmin()):
            if i not in order:
                order.append(i)
    xmax = float(eh["engagement"].max()) * 1.08 or 1.0
    ymax = float(eh["harm"].max()) * 1.08 or 1.0
    px = {i: float(eh.at[i, "engagement"]) / xmax * _PLOT_W for i in eh.index}
    py = {i: float(eh.at[i, "harm"]) / ymax * _PLOT_H for i in eh.index}
    markers = {i: (px[i] - 6, py[i] - 6, px[i] + 6, py[i] + 6) for i in eh.index}
    # the note in the top-left corner
    taken = [(0.0, _PLOT_H - 22, 340.0, _PLOT_H)]
    named: dict = {}
    position: dict = {}
    for i in order:
        if len(named) >= ENGAGEMENT_LABELS:
            break
        width = _CHAR_W * len(str(eh.at[i, "name"]))
        for place in _PLACES:
            box = _label_box(px[i], py[i], width, place)
            inside = box[0] >= 0 and box[2] <= _PLOT_W and box[1] >= 0 and box[3] <= _PLOT_H
            if (
                inside
                and not any(_overlap(box, t) for t in taken)
                and not any(_overlap(box, m) for j, m in markers.items() if j != i)
            ):
                taken.append(box)
                named[i] = True
                position[i] = place
                break
    for i in eh.index:
        position.setdefault(i, "top center")
    return {i: i in named for i in eh.index}, position


@_cached
def engagement_harm(
    eh: pd.DataFrame, *, harm_median: float, engagement_median: float, outlined: tuple[str, ...]
) -> go.Figure:
    """Engagement: harm against engagement by ward, at the city medians; wards in ``outlined`` in black."""
    hm, em = harm_median, engagement_median
    focus = eh["quadrant"] == "High harm, low engagement"
    label, position = engagement_labels(eh, outlined)
    fig = go.Figure()
    for flag, colour, name in ((False, "#9ecae1", "Other wards"), (True, "#b35806", "High harm, low engagement")):
        d = eh[focus == flag]
        outline = ["#000000" if c in outlined else colour for c in d["code"]]
        fig.add_scatter(
            x=d["engagement"],
            y=d["harm"],
            mode="markers+text",
            name=name,
            text=[_esc(n) if label[i] else "" for i, n in zip(d.index, d["name"], strict=True)],
            customdata=[_esc(n) for n in d["name"]],
            textposition=[position[i] for i in d.index],
            textfont={"size": 11},
            marker={"size": 11, "color": colour, "line": {"width": 1.5, "color": outline}},
            hovertemplate="%{customdata}<br>engagement %{x:.1f} per 1,000<br>harm %{y:,.0f} per 1,000<extra></extra>",
        )
    xmax, ymax = float(eh["engagement"].max()) * 1.08, float(eh["harm"].max()) * 1.08
    fig.add_shape(
        type="rect", x0=0, x1=em, y0=hm, y1=ymax, fillcolor="#fdb863", opacity=0.18, line_width=0, layer="below"
    )
    fig.add_vline(x=em, line_dash="dash", line_color="#555555")
    fig.add_hline(y=hm, line_dash="dash", line_color="#555555")
    fig.add_annotation(
        x=em * 0.02,
        y=ymax,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        text="High harm, low engagement: start capacity building here",
    )
    fig.update_layout(
        height=480,
        margin=TIGHT,
        legend={"orientation": "h"},
        xaxis={"title": "Meeting attendees per 1,000 residents (last 12 months)", "range": [0, xmax]},
        yaxis={"title": "Harm-weighted crime per 1,000 residents", "range": [0, ymax]},
    )
    return fig


@_cached
def survey_by_ward(d: pd.DataFrame, *, answer: str, city_share: float, highlighted: tuple[str, ...]) -> go.Figure:
    """Engagement: each ward's share giving ``answer``, Wilson intervals; wards in ``highlighted`` in orange."""
    colour = ["#b35806" if c in highlighted else "#0b5394" for c in d["ward_code"]]
    fig = go.Figure(
        go.Bar(
            x=100 * d["share"],
            y=d["ward_name"],
            orientation="h",
            marker_color=colour,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": 100 * (d["ci_high"] - d["share"]),
                "arrayminus": 100 * (d["share"] - d["ci_low"]),
                "color": "#333333",
            },
            customdata=np.column_stack([d["responses"].to_numpy(dtype=float), d["ward_responses"]]),
            hovertemplate="%{y}: %{x:.0f}% (%{customdata[0]:,.0f} of %{customdata[1]:,.0f})<extra></extra>",
        )
    )
    fig.add_vline(
        x=100 * city_share, line_dash="dash", line_color="#b35806", annotation_text=f"city {100 * city_share:.0f}%"
    )
    fig.update_layout(
        height=140 + 24 * len(d),
        margin=MARGIN,
        xaxis={"title": f"% answering “{maps.esc(answer)}” (Wilson 95% interval)", "range": [0, 100]},
    )
    return fig


@_cached
def survey_representativeness(rep: pd.DataFrame) -> go.Figure:
    """Engagement: each ward's share of the survey's respondents against its share of residents."""
    long = rep.melt(
        id_vars=["ward_name"],
        value_vars=["respondent_share", "population_share"],
        var_name="measure",
        value_name="percent",
    )
    long["measure"] = long["measure"].map(
        {"respondent_share": "% of respondents", "population_share": "% of residents"}
    )
    fig = px.bar(
        long,
        x="percent",
        y="ward_name",
        color="measure",
        barmode="group",
        orientation="h",
        color_discrete_map={"% of respondents": "#0b5394", "% of residents": "#fdb863"},
        labels={"ward_name": "", "percent": "%", "measure": ""},
        height=620,
    )
    fig.update_layout(margin=TIGHT, legend={"orientation": "h"})
    return fig


@_cached
def consultation_shares(d: pd.DataFrame) -> go.Figure:
    """Engagement: one consultation's share of respondents by postcode district or ward."""
    fig = px.bar(
        d.assign(geography_name=d["geography_name"].map(maps.esc)),  # tick labels render some HTML
        x="geography_name",
        y="share",
        labels={"geography_name": "", "share": "% of respondents"},
        color_discrete_sequence=["#31688e"],
        height=300,
        text_auto=".1f",
    )
    fig.update_layout(margin=TIGHT)
    return fig


# ------------------------------------------------------------------ Neighbourhood clusters
@_cached
def silhouettes(sil: pd.DataFrame, *, k: int) -> go.Figure:
    """Clusters: the mean silhouette by number of clusters, the chosen k marked."""
    fig = go.Figure(
        go.Scatter(
            x=sil["k"],
            y=sil["silhouette"],
            mode="lines+markers",
            line_color="#0b5394",
            hovertemplate="k = %{x}: silhouette %{y:.3f}<extra></extra>",
        )
    )
    fig.add_vline(x=k, line_dash="dash", line_color="#b35806", annotation_text=f"k = {k}")
    fig.update_layout(
        height=260,
        margin=MARGIN,
        title="Silhouette by number of clusters (higher = better separated)",
        xaxis_title="k",
        yaxis_title="Mean silhouette",
    )
    return fig


@_cached
def cluster_profiles(profile: pd.DataFrame, *, indicators: tuple[str, ...], clusters: tuple[str, ...]) -> go.Figure:
    """Clusters: each cluster's (row's) mean z-score of each indicator (column), as a heat map."""
    fig = px.imshow(
        profile.to_numpy(),
        x=list(indicators),
        y=list(clusters),
        color_continuous_scale=maps.PUOR,
        color_continuous_midpoint=0.0,
        aspect="auto",
        text_auto=".1f",
        labels={"color": "z-score", "x": "indicator", "y": "cluster"},
        height=max(280, 130 + 48 * len(profile)),
    )
    fig.update_layout(margin=TIGHT)
    fig.update_xaxes(side="top")
    return fig


# ------------------------------------------------------------------ Deprivation
@_cached
def crime_against_deprivation(both: pd.DataFrame, *, ind: str, label: str) -> go.Figure:
    """Deprivation: an IoD2025 crime indicator against the IMD 2025 score, areas sized by population."""
    return px.scatter(
        both,
        x="score",
        y=ind,
        size="population",
        hover_name="name",
        labels={"score": "IMD 2025 score (higher = more deprived)", ind: label},
        color_discrete_sequence=["#31688e"],
        height=420,
    )


@_cached
def crime_by_deprivation_fifth(fifths: pd.DataFrame, *, domain_label: str, what: str) -> go.Figure:
    """Deprivation: the rate per 1,000 residents in each fifth of the city's
    LSOAs by a domain, most deprived first."""
    fig = go.Figure(
        go.Bar(
            x=[maps.esc(v) for v in fifths["label"]],
            y=fifths["rate_per_1000"],
            marker_color=["#b35806", "#f1a340", "#bdbdbd", "#998ec3", "#542788"][: len(fifths)],
            text=[f"{v:,.1f}" for v in fifths["rate_per_1000"]],
            textposition="outside",
            hovertemplate="%{x}: %{y:,.1f} per 1,000 residents<extra></extra>",
        )
    )
    fig.update_layout(
        height=360,
        margin=MARGIN,
        title={
            "text": maps.esc(f"{what} per 1,000 residents, by {domain_label.lower()} deprivation"),
            "font": {"size": 14},
        },
        yaxis_title="per 1,000 residents",
        xaxis_title=maps.esc(f"Fifths of the city's neighbourhoods by {domain_label.lower()} deprivation"),
    )
    return fig


@_cached
def crime_against_domain(lsoas: pd.DataFrame, *, domain_label: str, what: str) -> go.Figure:
    """Deprivation: each LSOA's rate against its national rank on a domain
    (axis reversed: more deprived to the right), sized by residents."""
    d = lsoas.assign(hover=[maps.esc(n) for n in lsoas["name"]])
    fig = px.scatter(
        d,
        x="rank",
        y="rate_per_1000",
        size="population",
        hover_name="hover",
        labels={
            "rank": maps.esc(f"National rank on {domain_label.lower()} deprivation (more deprived to the right)"),
            "rate_per_1000": maps.esc(f"{what} per 1,000 residents"),
        },
        color_discrete_sequence=["#31688e"],
        height=360,
    )
    fig.update_layout(margin=MARGIN, xaxis={"autorange": "reversed"})
    return fig


# ------------------------------------------------------------------ Impact Areas
@_cached
def area_shares(shares: pd.DataFrame) -> go.Figure:
    """Impact Areas: the area's share of the city's records of each measure, its share of residents marked."""
    fig = go.Figure()
    fig.add_bar(
        x=shares["crime_share"],
        y=shares["measure"],
        orientation="h",
        marker_color="#0b5394",
        name="% of the city's records",
        hovertemplate="%{y}: %{x:.1f}% of the city's records<extra></extra>",
    )
    fig.add_vline(
        x=float(shares["population_share"].iloc[0]),
        line_dash="dash",
        line_color="#b35806",
        annotation_text=f"{shares['population_share'].iloc[0]:.1f}% of residents",
    )
    fig.update_layout(
        height=520,
        margin=MARGIN,
        showlegend=False,
        yaxis={"autorange": "reversed"},
        xaxis_title="% of the city's records inside the area",
    )
    return fig


@_cached
def inside_vs_rest(monthly: pd.DataFrame) -> go.Figure:
    """Impact Areas: records per 1,000 residents by month, inside the area against the rest of the city."""
    fig = px.line(
        monthly,
        x="month",
        y="rate_per_1000",
        color="where",
        color_discrete_map={"Inside the area": "#0b5394", "Rest of the city": "#b35806"},
        labels={"rate_per_1000": "Records per 1,000 residents (monthly)", "month": "", "where": ""},
        height=360,
    )
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(margin=TIGHT, legend={"orientation": "h"})
    return fig


@_cached
def area_deprivation(dep: pd.DataFrame) -> go.Figure:
    """Impact Areas: how many of the area's LSOAs are in each national IMD 2025 decile, by domain."""
    colours = {str(d): maps.VIRIDIS[::-1][d - 1] for d in range(1, 11)}
    fig = px.bar(
        dep.assign(decile=dep["decile"].astype(str)),
        x="lsoas",
        y="domain",
        color="decile",
        orientation="h",
        color_discrete_map=colours,
        category_orders={"decile": [str(d) for d in range(1, 11)]},
        labels={"lsoas": "LSOAs", "domain": "", "decile": "Decile (1 = most deprived)"},
        height=360,
    )
    fig.update_layout(margin=TIGHT, yaxis={"autorange": "reversed"})
    return fig


# ------------------------------------------------------------------ Crime map
@_cached
def profile_months(mon: pd.DataFrame) -> go.Figure:
    """Crime map: the selected area's records by month, for its profile."""
    fig = px.line(
        mon,
        x="month",
        y="count",
        height=200,
        markers=True,
        custom_data=["label"],
        color_discrete_sequence=["#0b5394"],
        labels={"month": "", "count": "Records"},
    )
    fig.update_traces(hovertemplate="%{customdata[0]}: %{y:,.0f}<extra></extra>")
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(margin=TIGHT, yaxis={"rangemode": "tozero"})
    return fig


# ------------------------------------------------------------------ Action plan
@_cached
def did_it_work(series: pd.DataFrame, *, start: pd.Timestamp, start_label: str) -> go.Figure:
    """Action plan: the area against its comparison LSOAs, records per 1,000
    residents by month, the start marked. ``series``: month, where (already
    HTML-escaped by the caller: plotly renders legend text as HTML),
    rate_per_1000, label (hover text, escaped)."""
    names = list(dict.fromkeys(series["where"]))
    fig = px.line(
        series,
        x="month",
        y="rate_per_1000",
        color="where",
        color_discrete_sequence=["#0b5394", "#b35806"],
        category_orders={"where": names},
        custom_data=["label"],
        labels={"rate_per_1000": "Records per 1,000 residents (monthly)", "month": "", "where": ""},
        height=380,
    )
    fig.update_traces(hovertemplate="%{customdata[0]}<extra></extra>")
    fig.add_shape(
        type="line", x0=start, x1=start, xref="x", y0=0, y1=1, yref="paper", line={"dash": "dash", "color": "#444"}
    )
    fig.add_annotation(x=start, y=1, yref="paper", text=start_label, showarrow=False, xanchor="left", yanchor="top")
    fig.update_xaxes(tickformat="%b %Y")
    fig.update_layout(margin=TIGHT, legend={"orientation": "h"}, yaxis={"rangemode": "tozero"})
    return fig


# ------------------------------------------------------------------ Compare (issue 18)
def _esc(s) -> str:
    """Data text in a plotly label or hover: HTML-escaped (plotly renders a subset of HTML)."""
    import html

    return html.escape(str(s), quote=False)


CMP_PLACE = "#b35806"  # the place, against the peers in PRIMARY (colour-blind safe pair)


@_cached
def peer_contributions(contrib: pd.DataFrame, *, labels: dict) -> go.Figure:
    """Compare: each peer's distance split by variable (share of the squared distance, %)."""
    fig = go.Figure()
    palette = px.colors.qualitative.Safe + px.colors.qualitative.Vivid
    names = [_esc(n) for n in contrib["name"]]
    for i, (k, label) in enumerate(labels.items()):
        fig.add_bar(
            x=contrib[f"contrib_{k}"],
            y=names,
            orientation="h",
            name=_esc(label),
            marker_color=palette[i % len(palette)],
            hovertemplate="%{y}: " + _esc(label) + " %{x:.0f}% of the distance<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=460,
        margin=TIGHT,
        yaxis={"autorange": "reversed"},
        xaxis_title="share of the distance to the place (%)",
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


@_cached
def spine(ind: pd.DataFrame) -> go.Figure:
    """Compare: a spine chart. Each indicator as a ratio to the peers' pooled rate (the centre line at 1);
    the band is the peers' interquartile range, the whiskers their range, the dot the place."""
    fig = go.Figure()
    y = [_esc(s) for s in ind["label"]]
    base = ind["peer_rate"]
    fig.add_bar(
        x=(ind["peer_max"] - ind["peer_min"]) / base,
        base=ind["peer_min"] / base,
        y=y,
        orientation="h",
        marker_color="#deebf7",
        name="Peers' range",
        hoverinfo="skip",
    )
    fig.add_bar(
        x=(ind["peer_q3"] - ind["peer_q1"]) / base,
        base=ind["peer_q1"] / base,
        y=y,
        orientation="h",
        marker_color="#9ecae1",
        name="Peers' middle half",
        hoverinfo="skip",
    )
    fig.add_scatter(
        x=ind["area_rate"] / base,
        y=y,
        mode="markers",
        marker={"color": CMP_PLACE, "size": 13, "symbol": "diamond"},
        name="This place",
        customdata=np.stack([ind["area_rate"], ind["peer_rate"], ind["verdict"]], axis=1),
        hovertemplate="%{y}: %{customdata[0]:.2f} against %{customdata[1]:.2f} (%{customdata[2]})<extra></extra>",
    )
    fig.add_scatter(
        x=ind["england_rate"] / base,
        y=y,
        mode="markers",
        marker={"color": "#444444", "size": 9, "symbol": "line-ns-open", "line": {"width": 2}},
        name="England",
        hovertemplate="%{y}: England %{x:.2f} × the peers<extra></extra>",
    )
    fig.add_vline(x=1, line_color=PRIMARY, line_width=2)
    fig.update_layout(
        barmode="overlay",
        height=380,
        margin=TIGHT,
        yaxis={"autorange": "reversed"},
        xaxis_title="rate ÷ the peers' pooled rate (1 = the same)",
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


@_cached
def group_bars(bars: pd.DataFrame, *, unit: str) -> go.Figure:
    """Compare: the place and its peers on one indicator, highest first, the place highlighted."""
    colours = np.where(bars["is_place"], CMP_PLACE, "#9ecae1")
    fig = go.Figure(
        go.Bar(
            x=bars["rate"],
            y=[_esc(n) for n in bars["name"]],
            orientation="h",
            marker_color=colours,
            hovertemplate="%{y}: %{x:.2f} " + _esc(unit) + "<extra></extra>",
        )
    )
    fig.update_layout(height=460, margin=TIGHT, yaxis={"autorange": "reversed"}, xaxis_title=_esc(unit))
    return fig


@_cached
def funnel(points: pd.DataFrame, limits: pd.DataFrame, *, england_rate: float, unit: str) -> go.Figure:
    """Compare: every English district's rate against its at-risk denominator, with England's rate and
    the 95% and 99.8% limits around it."""
    fig = go.Figure()
    for col, dash, name in (("95", "dash", "95% limits"), ("998", "dot", "99.8% limits")):
        for side in ("lo", "hi"):
            fig.add_scatter(
                x=limits["denominator"],
                y=limits[f"{side}{col}"],
                mode="lines",
                line={"color": "#555555", "dash": dash, "width": 1},
                name=name,
                showlegend=side == "lo",
                hoverinfo="skip",
            )
    fig.add_hline(y=england_rate, line_color="#222222", line_width=1)
    style = {
        "other": ("#c6dbef", 6, "Other districts"),
        "peer": (PRIMARY, 9, "Most similar places"),
        "place": (CMP_PLACE, 14, "This place"),
    }
    for grp, (colour, size, name) in style.items():
        d = points[points["group"] == grp]
        fig.add_scatter(
            x=d["denominator"],
            y=d["rate"],
            mode="markers",
            marker={"color": colour, "size": size},
            name=name,
            text=[_esc(n) for n in d["name"]],
            hovertemplate="%{text}: %{y:.2f} " + _esc(unit) + "<extra></extra>",
        )
    fig.update_layout(
        height=440,
        margin=TIGHT,
        xaxis={"type": "log", "title": "at-risk residents (households for burglary), log scale"},
        yaxis_title=_esc(unit),
        legend={"orientation": "h", "y": -0.2},
    )
    return fig


@_cached
def peer_trend(tr: pd.DataFrame, *, label: str) -> go.Figure:
    """Compare: the city's monthly rate against its peers' pooled rate (police.uk)."""
    fig = go.Figure()
    fig.add_scatter(x=tr["month"], y=tr["peer_rate"], name="Most similar places (pooled)", line_color=PRIMARY)
    fig.add_scatter(x=tr["month"], y=tr["city_rate"], name="Wolverhampton", line_color=CMP_PLACE)
    fig.update_layout(
        height=340, margin=TIGHT, yaxis_title=f"{_esc(label)} per 1,000 residents a month", legend={"orientation": "h"}
    )
    return fig
