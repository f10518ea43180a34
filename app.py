"""Safer Wolverhampton Insight: navigation and the shared sidebar only."""

import streamlit as st

from ui import a11y, auth, heap, meeting, navigation, sidebar, urlstate

st.set_page_config(page_title="Safer Wolverhampton Insight", page_icon=":material/shield:", layout="wide")
navigation.ensure_navigation()  # a first visit straight to a page's URL reruns through here

# Each page with the roles that may open it (auth.EVERYONE: analyst, viewer and the public site).
# A page missing from a role's navigation is not served: a direct link gets "page not found" and the Overview.
PAGES = [
    (st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True), auth.EVERYONE),
    (st.Page("pages/performance.py", title="Performance", icon=":material/flag:"), auth.EVERYONE),
    (st.Page("pages/trends.py", title="Trends", icon=":material/trending_up:"), auth.EVERYONE),
    (st.Page("pages/crime_map.py", title="Crime map", icon=":material/map:"), auth.EVERYONE),
    (st.Page("pages/outcomes.py", title="Outcomes", icon=":material/gavel:"), auth.EVERYONE),
    (st.Page("pages/deprivation.py", title="Deprivation", icon=":material/layers:"), auth.EVERYONE),
    (st.Page("pages/impact_areas.py", title="Impact Areas", icon=":material/location_on:"), auth.EVERYONE),
    (st.Page("pages/clusters.py", title="Neighbourhood clusters", icon=":material/hub:"), auth.EVERYONE),
    (st.Page("pages/engagement.py", title="Engagement", icon=":material/groups:"), auth.EVERYONE),
    # The plan names people and internal work: signed-in roles, not the public site.
    (st.Page("pages/actions.py", title="Action plan", icon=":material/checklist:"), auth.SIGNED_IN),
    (st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"), auth.EVERYONE),
    # Meetings: any signed-in role opens an agenda (analysts edit it); not on the public site.
    (st.Page("pages/agendas.py", title="Meetings", icon=":material/co_present:"), auth.SIGNED_IN),
    (st.Page("pages/data.py", title="Data", icon=":material/database:"), auth.ANALYST),
]

auth.gate([page for page, _ in PAGES])  # who is using the app, or the sign-in / refusal page (the run stops)
role = auth.role()
# expanded: every page listed (with 13 pages Streamlit would otherwise fold the list behind "View more")
nav = st.navigation([page for page, roles in PAGES if role in roles], expanded=True)
urlstate.begin(nav.url_path)  # a link's filters seed the sidebar
auth.sidebar()  # who is using the app, sign out
sidebar.sidebar()
a11y.styles()  # contrast fixes for every page (WCAG 2.2 AA)
try:
    meeting.bar(nav.url_path)  # while an agenda is presented: the meeting's bar above the page
    nav.run()
finally:
    urlstate.publish()  # the view, as it is now, goes to the URL
    heap.settle()  # once a page has loaded its modules: short full collections for every session
