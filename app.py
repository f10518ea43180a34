"""Safer Wolverhampton Insight: navigation and the shared sidebar only."""

import streamlit as st

from pages import common

st.set_page_config(page_title="Safer Wolverhampton Insight", page_icon=":material/shield:", layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("pages/performance.py", title="Performance", icon=":material/flag:"),
    st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"),
    st.Page("pages/crime_map.py", title="Crime map", icon=":material/map:"),
    st.Page("pages/deprivation.py", title="Deprivation", icon=":material/layers:"),
    st.Page("pages/impact_areas.py", title="Impact Areas", icon=":material/location_on:"),
    st.Page("pages/clusters.py", title="Neighbourhood clusters", icon=":material/hub:"),
    st.Page("pages/engagement.py", title="Engagement", icon=":material/groups:"),
    st.Page("pages/data.py", title="Data", icon=":material/database:"),
]

nav = st.navigation(PAGES)
common.sidebar()
nav.run()
