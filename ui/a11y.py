"""Accessibility helpers for every page (WCAG 2.2 AA): the app-wide styles,
and a chart's figures one click away for people who cannot see the chart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import furniture

# Streamlit draws captions at 60% opacity: 4.46:1 on the sidebar's grey, under AA's 4.5:1 (1.4.3).
# Solid #4d4d4d is 8.4:1 on white and 7.4:1 on the sidebar.
CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 1; color: #4d4d4d; }
</style>"""


def styles() -> None:
    """The app-wide accessibility styles (app.py, every page)."""
    st.html(CSS)


def chart_table(
    df: pd.DataFrame, *, key: str, title: str, filename: str, is_demo: bool = False, source: str = ""
) -> None:
    """The figures a chart draws, as a table and a CSV, in an expander below it (text equivalent, 1.1.1)."""
    with st.expander("The chart's figures as a table", icon=":material/table:"):
        st.dataframe(df, hide_index=True, width="stretch")
        furniture.download(
            df, label="Download CSV", filename=filename, title=title, is_demo=is_demo, source=source, key=key
        )
