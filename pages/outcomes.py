"""Outcomes: what happened next to the crimes of a priority, category, ward,
Impact Area or the city, by month of offence (police.uk outcomes)."""

import pandas as pd
import streamlit as st

from swp_data import fmt, periods
from swp_data.analysis import crime
from swp_data.analysis import outcomes as oc
from swp_data.taxonomy import outcomes as ot
from ui import furniture, gateway, outcome_charts, sidebar, urlstate

furniture.page_header(
    "Outcomes",
    "What happened next: the latest police.uk outcome of each crime (anti-social behaviour has none), "
    "by month of offence, with the share charged or summonsed and the share with a suspect identified.",
)
f = sidebar.filters()
months = gateway.q(crime.months_loaded)
MEASURES = oc.measures()
urlstate.page(
    "outcomes",
    urlstate.Choice("measure", "oc_measure", {urlstate.slug(m): m for m in MEASURES}, default=oc.DEFAULT_MEASURE),
    urlstate.MonthRange("from", "to", "oc_months", months=list(months), span=36),
)
ss = st.session_state
is_demo = furniture.demo_banner(kinds=("police_uk", "police_uk_outcomes"))


def pct(x: float) -> str:
    return "–" if x is None or pd.isna(x) else f"{100 * x:.1f}%"


def ci(lo: float, hi: float) -> str:
    return "" if pd.isna(lo) else f"{100 * lo:.1f}–{100 * hi:.1f}%"


if not months:
    st.info(
        "No police.uk crime records are loaded yet. Import a data.police.uk download (its outcomes files too), "
        "or load the demo dataset, on the Data page.",
        icon=":material/info:",
    )
    st.stop()

c1, c2 = st.columns([2, 3])
if ss.get("oc_measure") not in MEASURES:
    ss["oc_measure"] = oc.DEFAULT_MEASURE
measure = c1.selectbox(
    "Crimes",
    MEASURES,
    key="oc_measure",
    help="A strategy grouping or one police.uk category. Anti-social behaviour has no outcomes.",
)
if "oc_months" not in ss or not isinstance(ss["oc_months"], tuple | list):
    ss["oc_months"] = (months[max(0, len(months) - 36)], months[-1])
start, end = c2.select_slider(
    "Months of offence",
    options=list(months),
    key="oc_months",
    format_func=periods.fmt_month,
)
scope = None if f.area_kind == "city" else tuple(f.lsoa_codes)
v = gateway.q(oc.view, scope, measure, start, end)
area = fmt.md(f.area_label)
what = fmt.md(measure)
span = f"{periods.fmt_month(start)} to {periods.fmt_month(end)}"
asof = periods.fmt_month(v.asof) if v.asof is not None else "–"

# ------------------------------------------------------------- the answer
m = v.mature
if v.crimes == 0:
    st.markdown(f"No crimes of **{what}** in **{area}** were committed {span}.")
elif m["crimes"] == 0:
    st.markdown(
        f"None of the **{v.crimes:,}** crimes of **{what}** in **{area}** ({span}) is yet {oc.MATURE_MONTHS} months "
        f"old (outcomes known to {asof}): too recent to judge what happened next."
    )
else:
    flag = " Fewer than 10 crimes: too few to judge." if m["few"] else ""
    st.markdown(
        f"Of the **{m['crimes']:,}** crimes of **{what}** in **{area}** committed {span} and at least "
        f"{oc.MATURE_MONTHS} months before {asof}, **{pct(m['charged_share'])}** had a suspect charged or summonsed "
        f"(95% interval {ci(m['charged_low'], m['charged_high'])}) and **{pct(m['suspect_share'])}** a suspect "
        f"identified ({ci(m['suspect_low'], m['suspect_high'])}).{flag}"
    )
sa = v.same_age
if sa is not None:
    st.markdown(
        f"Same age: offences of {periods.fmt_month(sa.later)}, {sa.age} months on: "
        f"{pct(sa.later_shares['charged_share'])} charged or summonsed ({sa.later_shares['charged']:,} of "
        f"{sa.later_shares['crimes']:,}); offences of {periods.fmt_month(sa.earlier)} at the same age: "
        f"{pct(sa.earlier_shares['charged_share'])} ({sa.earlier_shares['charged']:,} of "
        f"{sa.earlier_shares['crimes']:,}): **{sa.verdict}**."
    )
st.caption(
    f"Recent months have not had time to reach an outcome: a month of offence is compared only with another "
    f"at the same age (months from offence to {asof}, shown beside each figure), and the headline uses months at "
    f"least {oc.MATURE_MONTHS} months old."
    + ("" if v.has_history else " No outcomes files are loaded: latest outcomes are the street files' own.")
)

# ------------------------------------------------------------- by month of offence
cohorts = v.cohorts
if len(cohorts):
    st.subheader(f"{what} in {area}: outcome by month of offence")
    st.plotly_chart(outcome_charts.mix_by_cohort(cohorts), width="stretch", key="oc_mix_chart")
    st.plotly_chart(
        outcome_charts.charged_by_cohort(cohorts, oc.MATURE_MONTHS), width="stretch", key="oc_charged_chart"
    )
    table = pd.DataFrame(
        {
            "Month of offence": [periods.fmt_month(x) for x in cohorts["month"]],
            "Months on": cohorts["age"],
            "Crimes": cohorts["crimes"],
            "Charged or summonsed": cohorts["charged"],
            "% charged": (100 * cohorts["charged_share"]).round(1),
            "95% low": (100 * cohorts["charged_low"]).round(1),
            "95% high": (100 * cohorts["charged_high"]).round(1),
            "Suspect identified": cohorts["suspect"],
            "% suspect identified": (100 * cohorts["suspect_share"]).round(1),
            "Under 10 crimes": cohorts["few"].map({True: "too few to judge", False: ""}),
            "Comparable": cohorts["mature"].map({True: "yes", False: "too recent"}),
            **{g: cohorts[g] for g in ot.GROUPS},
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    furniture.download(
        table,
        label="Download CSV",
        filename="outcomes-by-month-of-offence",
        title=f"Outcomes of {measure} in {f.area_label} by month of offence, {span}",
        is_demo=is_demo,
        key="oc_dl_cohorts",
    )

    # --------------------------------------------------------- outcome names
    st.subheader("Latest outcomes as police.uk writes them")
    mix = v.mix.assign(outcome=v.mix["outcome"].replace("", "(no outcome yet)"))
    mix_table = mix.rename(columns={"outcome": "Outcome", "group": "Group", "count": "Crimes"})
    st.dataframe(mix_table, hide_index=True, width="stretch")
    furniture.download(
        mix_table,
        label="Download CSV",
        filename="outcomes-names",
        title=f"Latest outcomes of {measure} in {f.area_label}, offences {span}",
        is_demo=is_demo,
        key="oc_dl_mix",
    )

# ------------------------------------------------------------- places
st.subheader("The city against each ward and Impact Area")
areas = v.areas
if m["crimes"] == 0:
    st.info("No month of offence in this range is old enough to compare places.")
else:
    places = pd.DataFrame(
        {
            "Area": areas["name"],
            "Kind": areas["kind"].map({"city": "city", "ward": "ward", "impact": "Impact Area"}),
            "Crimes": areas["crimes"],
            "% charged": (100 * areas["charged_share"]).round(1),
            "95% low": (100 * areas["charged_low"]).round(1),
            "95% high": (100 * areas["charged_high"]).round(1),
            "% suspect identified": (100 * areas["suspect_share"]).round(1),
            "Against the city": areas["against_city"],
            "Under 10 crimes": areas["few"].map({True: "too few to judge", False: ""}),
        }
    )
    st.caption(
        f'Months of offence at least {oc.MATURE_MONTHS} months old in the range. "Against the city": the area\'s '
        "95% interval lies wholly above (higher) or below (lower) the city's share, else similar."
    )
    st.dataframe(places, hide_index=True, width="stretch")
    furniture.download(
        places,
        label="Download CSV",
        filename="outcomes-by-area",
        title=f"Share charged or summonsed of {measure}: city, wards and Impact Areas, offences {span}",
        is_demo=is_demo,
        key="oc_dl_areas",
    )

# ------------------------------------------------------------- delays
st.subheader("How long outcomes take")
ds_ = v.delay_summary
if ds_ is None:
    st.info("The time to a first outcome needs the outcomes files (each month's outcomes): none are loaded here.")
else:
    st.markdown(
        f"Of the {ds_['crimes']:,} crimes, {ds_['with_outcome']:,} have an outcome recorded in the outcomes files; "
        f"half of those had their first outcome within **{ds_['median']:.0f} months** of the offence "
        f"(a quarter within {ds_['q1']:.0f}, three quarters within {ds_['q3']:.0f})."
    )
    st.plotly_chart(outcome_charts.delays(v.delays), width="stretch", key="oc_delay_chart")
    delay_table = v.delays.assign(cumulative_share=(100 * v.delays["cumulative_share"]).round(1)).rename(
        columns={"months": "Months to first outcome", "crimes": "Crimes", "cumulative_share": "Cumulative % of crimes"}
    )
    st.dataframe(delay_table, hide_index=True, width="stretch")
    furniture.download(
        delay_table,
        label="Download CSV",
        filename="outcomes-delays",
        title=f"Months from offence to first outcome, {measure} in {f.area_label}, offences {span}",
        is_demo=is_demo,
        key="oc_dl_delays",
    )

with st.expander("Method"):
    st.markdown(
        f"""
- **Latest outcome**: the last outcome in each crime's history (the monthly outcomes files, joined to the
  street records by Crime ID); a crime with no history keeps its street record's "Last outcome category".
- **Groups**: every police.uk outcome name, current and historic, is mapped once into {len(ot.GROUPS)} groups
  (the table is in the README). "Awaiting court outcome" counts as charged or summonsed: a case reaches court
  only after a charge or summons. A name the table does not know counts as "other".
- **Shares**: charged or summonsed, and suspect identified (charged, out-of-court, or identified but no
  further action), of the crimes in scope, with Wilson 95% intervals; under 10 crimes is flagged.
- **Age**: months from the month of offence to the last month of outcomes loaded ({asof}). A change is judged
  only between months of offence of the same age: the earlier one as it stood that many months on, from its
  outcome history (two-proportion test, 95%).
- Anti-social behaviour has no Crime ID and no outcome; it is never counted here.
- police.uk data is open: the public site shows the same figures.
"""
    )
furniture.provenance(kinds=("police_uk", "police_uk_outcomes"))
