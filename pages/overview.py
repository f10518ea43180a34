"""Overview: the city at a glance, the strategy priorities, data freshness."""

import streamlit as st

from swp_data import fmt
from swp_data.analysis import crime
from swp_data.analysis import reference as ref
from swp_data.periods import fmt_month
from ui import a11y, charts, furniture, gateway, urlstate

furniture.page_header(
    "Safer Wolverhampton Insight",
    "The Safer Wolverhampton Partnership's dashboard: crime, deprivation and community engagement "
    "across the City of Wolverhampton's 20 wards and 161 neighbourhoods (LSOAs).",
)
urlstate.page("overview")
# The figures' labels and values wrap instead of ending in "…" in the narrow columns at 1280x720 (issue 22, finding 9).
st.html(f"<style>{furniture.METRIC_WRAP_CSS}</style>")

s = gateway.q(ref.city_summary)
i25, i19 = s["imd2025"], s["imd2019"]

st.subheader("The city at a glance")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Residents (Census 2021)", fmt.fmt_int(s["population"]), help=f"{s['n_lsoa']} LSOAs, {s['n_ward']} wards")
c2.metric(
    "Most deprived local authorities, IMD 2025",
    f"{i25['rank_avg_score']} of {i25['n_la']}",
    delta=f"{i19['rank_avg_score']} of {i19['n_la']} in 2019",
    delta_color="off",
    delta_arrow="off",
    help="Rank of average LSOA score among English local authorities (1 = most deprived).",
)
c3.metric(
    "LSOAs in England's most deprived 10%",
    f"{i25['lsoa_in_decile1']} of {s['n_lsoa']} ({100 * i25['prop_most_deprived_10']:.1f}%)",
    delta=f"{100 * i19['prop_most_deprived_10']:.1f}% in 2019",
    delta_color="off",
    delta_arrow="off",
    help="MHCLG local authority summary: proportion of LSOAs in the most deprived 10% nationally.",
)
c4.metric(
    "West Midlands police force area",
    f"{i25['wm_rank']} of {i25['wm_n']}",
    delta=f"{i19['wm_rank']} of {i19['wm_n']} in 2019",
    delta_color="off",
    delta_arrow="off",
    help="Rank by IMD average score among the seven local authorities of the West Midlands force "
    "area (1 = most deprived).",
)

st.subheader("Recorded crime in the whole city: the last 12 months")
h = gateway.q(crime.headline)
if not h["rows"]:
    st.info(
        "No crime data is loaded yet. Import police.uk files on the Data page, or load the demo dataset.",
        icon=":material/info:",
    )
else:
    if h["is_demo"]:
        furniture.demo_banner(("police_uk",))
    st.caption(
        f"{h['current_label']} against {h['previous_label'] or 'the previous 12 months'}. "
        f"Latest month loaded: {fmt_month(h['last_month'])} (records from {fmt_month(h['first_month'])}). "
        "A change is called real only at 95% confidence (exact Poisson test); counts under 10 are "
        "too few to judge."
    )
    cols = st.columns(len(h["rows"]))
    for col, r in zip(cols, h["rows"], strict=True):
        ch = r["change"]
        delta = None if ch is None or ch.previous == 0 else f"{ch.pct_change:+.1f}%"
        col.metric(
            r["grouping"] + (" (DEMO)" if h["is_demo"] else ""),
            fmt.fmt_int(r["current"]),
            delta=delta,
            delta_color="inverse" if ch is not None and ch.significant else "off",
            help="Red/green only when the change is significant at 95%; grey otherwise.",
        )
        col.caption(r["text"])

left, right = st.columns([3, 2], gap="large")
with left:
    fig = charts.wm_deprivation(i25["wm_areas"])
    st.plotly_chart(fig, width="stretch")
    a11y.chart_table(i25["wm_areas"], key="ov_wm_dl", title="IMD 2025 average score, West Midlands force area",
                     filename="imd2025-west-midlands")  # fmt: skip
with right:
    st.markdown("#### Strategy priorities (2023 onwards)")
    st.markdown(
        "- Anti-social behaviour\n- Public place violence\n- Safety of women and girls\n"
        "- Neighbourhood crime (robbery, burglary, theft from the person, vehicle crime)\n"
        "- Alcohol and substance related crime\n\n"
        "**Statutory duties:** serious violence, domestic abuse.  \n"
        "**Approach:** place-based, aligned with West Midlands Police Impact Areas; building community capacity."
    )

st.subheader("Figures the partnership has published")
pub = gateway.q(
    ref.published_figures,
    (
        "violence_with_injury",
        "violence_against_person_share_of_recorded_crime",
        "safety_of_women_and_girls_not_safe_at_night",
        "safety_of_women_and_girls_survey_respondents",
        "priority_areas_population_share",
        "priority_areas_recorded_crime_share",
    ),
)
pub["indicator"] = pub["indicator"].str.replace("_", " ").str.capitalize()
pub["source_document"] = pub["source_document"].map(ref.source_name)  # by name, not file name
pub = pub.rename(
    columns={
        "indicator": "Figure",
        "breakdown": "Breakdown",
        "period": "Period",
        "value": "Value",
        "unit": "Unit",
        "geography": "Area",
        "source_document": "Source",
    }
)
st.dataframe(
    pub, hide_index=True, width="stretch", column_config={"Source": st.column_config.TextColumn(width="large")}
)
furniture.download(
    pub,
    label="Download CSV",
    filename="published-figures",
    title="Figures published by SWP",
    is_demo=False,
    source="SWP strategy documents",
)

st.subheader("Data loaded")
ds = furniture.datasets()
fresh = ds.assign(status=ds["is_demo"].map({True: "DEMO", False: "Real"}))[
    ["name", "kind", "status", "period_start", "period_end", "row_count", "loaded_at"]
]
st.dataframe(fresh, hide_index=True, width="stretch")
furniture.provenance()
