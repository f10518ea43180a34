"""Safer Wolverhampton Insight: navigation and the shared sidebar only."""
import streamlit as st

from pages import common

st.set_page_config(page_title="Safer Wolverhampton Insight", page_icon=":material/shield:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/deprivation.py", title="Deprivation", icon=":material/layers:"),
]

nav = st.navigation(PAGES)
common.sidebar()
nav.run()
