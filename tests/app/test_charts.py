"""ui/charts.py: a figure is built once per content and shared; drawing it
leaves it as it was (every session draws the same object)."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from ui import charts


def _roll(k: int = 0) -> pd.DataFrame:
    months = pd.date_range("2024-01-01", periods=24, freq="MS")
    return pd.DataFrame(
        {"month": months, "rolling_12": [1000 + i + k for i in range(24)], "month_label": [f"m{i}" for i in range(24)]}
    )


def test_the_same_content_gives_the_same_figure_and_other_content_another():
    charts.rolling_12.clear()
    a = charts.rolling_12(_roll(), ycol="rolling_12", ylab="Records", yfmt=",.0f")
    b = charts.rolling_12(_roll(), ycol="rolling_12", ylab="Records", yfmt=",.0f")  # an equal, new frame
    assert a is b
    c = charts.rolling_12(_roll(k=1), ycol="rolling_12", ylab="Records", yfmt=",.0f")
    d = charts.rolling_12(_roll(), ycol="rolling_12", ylab="Per 1,000", yfmt=",.0f")
    assert c is not a and d is not a
    assert list(c.data[0].y)[0] == 1001 and d.layout.yaxis.title.text == "Per 1,000"


def test_drawing_a_shared_figure_leaves_it_unchanged():
    charts.rolling_12.clear()
    fig = charts.rolling_12(_roll(), ycol="rolling_12", ylab="Records", yfmt=",.0f")
    before = fig.to_json()

    def page():
        import pandas as pd
        import streamlit as st

        from ui import charts

        months = pd.date_range("2024-01-01", periods=24, freq="MS")
        roll = pd.DataFrame(
            {"month": months, "rolling_12": [1000 + i for i in range(24)], "month_label": [f"m{i}" for i in range(24)]}
        )
        st.plotly_chart(charts.rolling_12(roll, ycol="rolling_12", ylab="Records", yfmt=",.0f"), width="stretch")

    for _ in range(2):
        at = AppTest.from_function(page)
        at.run()
        assert not at.exception
        assert len(at.get("plotly_chart")) == 1
    assert charts.rolling_12(_roll(), ycol="rolling_12", ylab="Records", yfmt=",.0f") is fig
    assert fig.to_json() == before
