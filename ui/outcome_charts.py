"""The Outcomes page's plotly figures, built once per content and shared by
every session (as :mod:`ui.charts`: pure functions of their arguments, cached
by content; callers must not change a figure they get from here)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from swp_data.taxonomy import outcomes as ot

_cached = st.cache_resource(show_spinner=False, max_entries=64)
MARGIN = {"l": 10, "r": 10, "t": 30, "b": 10}
# Colour-blind-safe (Okabe-Ito), one per group in ot.GROUPS order.
COLOURS = {
    ot.CHARGED: "#0072B2",
    ot.OUT_OF_COURT: "#56B4E9",
    ot.SUSPECT_NFA: "#E69F00",
    ot.NO_SUSPECT: "#D55E00",
    ot.UNDER_INVESTIGATION: "#CC79A7",
    ot.OTHER: "#999999",
    ot.NO_OUTCOME: "#DDDDDD",
}


@_cached
def mix_by_cohort(cohorts: pd.DataFrame) -> go.Figure:
    """Share of each month's crimes in each outcome group (stacked), by month of offence."""
    fig = go.Figure()
    n = cohorts["crimes"].to_numpy(dtype=float)
    labels = [f"{m:%b %Y}" for m in cohorts["month"]]
    for g in ot.GROUPS:
        share = np.where(n > 0, 100 * cohorts[g].to_numpy(dtype=float) / np.maximum(n, 1), np.nan)
        fig.add_bar(
            x=labels,
            y=share,
            name=g,
            marker_color=COLOURS[g],
            customdata=np.column_stack([cohorts[g].to_numpy(dtype=float), n, cohorts["age"].to_numpy(dtype=float)]),
            hovertemplate=f"{g}<br>%{{x}}: %{{y:.0f}}% (%{{customdata[0]:,.0f}} of %{{customdata[1]:,.0f}})"
            "<br>%{customdata[2]:.0f} months on<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        height=420,
        margin=MARGIN,
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": "% of the month's crimes (latest outcome)", "range": [0, 100]},
        xaxis={"title": "Month of offence", "type": "category"},
    )
    return fig


@_cached
def charged_by_cohort(cohorts: pd.DataFrame, mature_months: int) -> go.Figure:
    """Share charged or summonsed by month of offence with Wilson 95% intervals;
    cohorts younger than ``mature_months`` in grey."""
    labels = [f"{m:%b %Y}" for m in cohorts["month"]]
    share = 100 * cohorts["charged_share"].to_numpy(dtype=float)
    colour = np.where(cohorts["mature"].to_numpy(dtype=bool), "#0072B2", "#BBBBBB")
    fig = go.Figure(
        go.Scatter(
            x=labels,
            y=share,
            mode="markers",
            marker={"color": colour, "size": 8},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": 100 * cohorts["charged_high"].to_numpy(dtype=float) - share,
                "arrayminus": share - 100 * cohorts["charged_low"].to_numpy(dtype=float),
                "color": "#555555",
            },
            customdata=np.column_stack(
                [cohorts["charged"].to_numpy(dtype=float), cohorts["crimes"].to_numpy(dtype=float), cohorts["age"]]
            ),
            hovertemplate="%{x}: %{y:.1f}% charged or summonsed (%{customdata[0]:,.0f} of %{customdata[1]:,.0f})"
            "<br>%{customdata[2]:.0f} months on<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_layout(
        height=360,
        margin=MARGIN,
        yaxis={"title": "% charged or summonsed (Wilson 95%)", "rangemode": "tozero"},
        xaxis={
            "title": f"Month of offence (grey: under {mature_months} months on, not yet comparable)",
            "type": "category",
        },
    )
    return fig


@_cached
def delays(d: pd.DataFrame) -> go.Figure:
    """Crimes by months from offence to first outcome."""
    fig = go.Figure(
        go.Bar(
            x=d["months"],
            y=d["crimes"],
            marker_color="#0072B2",
            hovertemplate="%{x} months: %{y:,} crimes<extra></extra>",
        )
    )
    fig.update_layout(
        height=300,
        margin=MARGIN,
        xaxis={"title": "Months from offence to first outcome"},
        yaxis={"title": "Crimes"},
    )
    return fig
