"""Deprivation: IMD 2019/2025 and domains, IoD2025 crime indicators, Census
overlays, and pockets of deprivation hidden inside average wards."""

import streamlit as st

from swp_data.analysis import reference as ref
from ui import a11y, charts, common, urlstate

common.page_header(
    "Deprivation",
    "English Indices of Deprivation 2025 and 2019 (MHCLG), IoD2025 police recorded crime indicators and "
    "Census 2021, by LSOA or ward. Rank 1 and decile 1 are the most deprived in England.",
)
f = common.filters()
urlstate.page("deprivation")  # a link's choices seed the widgets below
level = f.level

VIEWS = ["IMD and domains", "IoD2025 crime indicators", "Census 2021", "Pockets of deprivation"]
c1, c2, c3 = st.columns([2, 2, 2])
view = c1.selectbox("Show", VIEWS, key="dep_view")

geo = common.geo_frame(level)
highlight = (
    f.lsoa_codes
    if (f.area_kind != "city" and level == "lsoa")
    else ([f.area_code] if f.area_kind == "ward" and level == "ward" else [])
)


source = "MHCLG English Indices of Deprivation 2025/2019; ONS Census 2021"
selected = None

if view == "IMD and domains":
    edition = c2.radio(
        "Edition",
        ref.EDITIONS,
        horizontal=True,
        key="dep_edition",
        help="IMD 2019 is published on 2011 LSOAs; it is carried to 2021 LSOAs "
        "(the children of a split LSOA take their parent's values).",
    )
    domains = ref.DOMAINS[edition]
    domain = c3.selectbox("Domain", list(domains), format_func=domains.get, key=f"dep_domain_{edition}")
    measures = ["decile", "rank"] + (["score"] if edition == "2025" else [])
    measure = st.radio(
        "Measure",
        measures,
        horizontal=True,
        key="dep_measure",
        format_func={"decile": "National decile", "rank": "National rank", "score": "Score"}.get,
    )
    data = common.q(ref.imd_measure, edition, domain, level)
    gdf = geo.merge(data.drop(columns=["name"]), on="code", how="left")
    label = f"{domains[domain]} {measure} (IMD {edition})"
    kind = "deciles" if measure == "decile" else "sequential"
    reverse = measure == "rank"  # low rank = most deprived = dark
    table = data[
        ["code", "name", "ward_name", "population", "rank", "decile"] + (["score"] if "score" in data else [])
    ].sort_values("rank")
    if level == "ward":
        st.caption(
            "Ward values: population-weighted average of its LSOAs' national ranks (and scores); the "
            "decile is the national decile that average rank falls in. Wards are best-fit from LSOAs."
        )
    selected = common.map_block(
        gdf,
        f.scope(table).round(3),
        key=f"dep_imd_{level}",
        title=label,
        source=source,
        id_col="code",
        name_col="name",
        value_col=measure,
        value_label=label,
        kind=kind,
        reverse=reverse,
        tooltip={"rank": "National rank", "decile": "National decile"},
        highlight=highlight,
    )

elif view == "IoD2025 crime indicators":
    ind = c2.selectbox(
        "Indicator", list(ref.CRIME_INDICATORS), format_func=ref.CRIME_INDICATORS.get, key="dep_crime_ind"
    )
    data = common.q(ref.crime_indicators, level)
    gdf = geo.merge(data[["code", ind]], on="code", how="left")
    label = f"{ref.CRIME_INDICATORS[ind]} per 1,000 at risk"
    table = (
        data[["code", "name", "ward_name", "population", *ref.CRIME_INDICATORS]]
        .rename(columns=ref.CRIME_INDICATORS)
        .sort_values(ref.CRIME_INDICATORS[ind], ascending=False)
    )
    st.caption(
        "Police recorded crime rates used in the IoD2025 Crime domain (reference period per the IoD2025 "
        "technical report), per 1,000 at-risk population (burglary: per 1,000 properties)."
    )
    selected = common.map_block(
        gdf,
        f.scope(table).round(2),
        key=f"dep_crime_{level}",
        title=label,
        source=source,
        id_col="code",
        name_col="name",
        value_col=ind,
        value_label=label,
        highlight=highlight,
    )
    with st.expander("Crime against deprivation"):
        imd = common.q(ref.imd_measure, "2025", "imd", level)
        both = data[["code", "name", ind, "population"]].merge(imd[["code", "score", "decile"]], on="code")
        fig = charts.crime_against_deprivation(both, ind=ind, label=label)
        st.plotly_chart(fig, width="stretch")
        a11y.chart_table(both.round(2), key=f"dep_vs_{level}_dl", title=f"{label} against IMD 2025 score",
                         filename=f"crime-against-deprivation-{level}", source=source)  # fmt: skip
        r = both[["score", ind]].corr(method="spearman").iloc[0, 1]
        st.caption(f"Spearman rank correlation: {r:.2f} across {len(both)} areas.")

elif view == "Census 2021":
    overlay = c2.selectbox(
        "Topic", list(ref.CENSUS_OVERLAYS), key="dep_census", format_func=lambda k: ref.CENSUS_OVERLAYS[k][3]
    )
    cats = common.q(ref.census_categories, overlay)
    cat = c3.selectbox("Category", cats, key=f"dep_census_cat_{overlay}")
    data = common.q(ref.census_shares, overlay, cat, level)
    gdf = geo.merge(data[["code", "share", "n"]], on="code", how="left")
    label = f"% {cat}"
    table = (
        data[["code", "name", "ward_name", "n", "total", "share"]]
        .rename(columns={"n": "count", "share": "percent"})
        .sort_values("percent", ascending=False)
    )
    selected = common.map_block(
        gdf,
        f.scope(table).round(1),
        key=f"dep_census_{level}",
        title=label,
        source="ONS Census 2021",
        id_col="code",
        name_col="name",
        value_col="share",
        value_label=label,
        tooltip={"n": "Count"},
        highlight=highlight,
    )

else:  # Pockets of deprivation
    edition = c2.radio("Edition", ref.EDITIONS, horizontal=True, key="pockets_edition")
    band = c3.radio(
        "Nationally most deprived",
        ["decile", "quintile"],
        horizontal=True,
        key="pockets_band",
        format_func={"decile": "10%", "quintile": "20%"}.get,
    )
    st.info(
        "Ward averages can mask small deprived areas (raised in the partnership's work on a place-based "
        "approach, 2020–23). "
        f"These LSOAs are in the nationally most deprived {'10%' if band == 'decile' else '20%'} "
        "but sit in a ward whose population-weighted average is not. They are outlined in red.",
        icon=":material/search:",
    )
    p = common.q(ref.pockets, edition, band)
    lsoa_geo = common.geo_frame("lsoa")
    data = common.q(ref.imd_measure, edition, "imd", "lsoa")
    gdf = lsoa_geo.merge(data[["code", "decile", "rank"]], on="code", how="left")
    table = p[["code", "name", "ward_name", "rank", "decile", "ward_decile", "gap", "population"]].rename(
        columns={
            "rank": "national rank",
            "decile": "LSOA decile",
            "ward_decile": "ward average decile",
            "gap": "deciles below ward",
        }
    )
    m1, m2 = st.columns(2)
    m1.metric("Hidden pockets", f"{len(p)}", help="LSOAs in the band whose ward average is not")
    m2.metric("Residents in them", common.fmt_int(p["population"].sum()))
    selected = common.map_block(
        gdf,
        f.scope(table.round(1), level="lsoa"),
        key=f"pockets_{edition}_{band}",
        title=f"Pockets of deprivation (IMD {edition})",
        source=source,
        id_col="code",
        name_col="name",
        value_col="decile",
        value_label=f"IMD {edition} decile",
        kind="deciles",
        tooltip={"rank": "National rank"},
        highlight=list(p["code"]),
    )

# ----------------------------------------------------------------- profile of the clicked area
if selected:
    try:
        prof = common.q(ref.lsoa_profile, selected)
    except KeyError:
        prof = None
    if prof:
        a = prof["area"]
        st.subheader(f"Profile: {a['name']} ({a['code']})")
        k1, k2, k3 = st.columns(3)
        k1.metric("Residents (Census 2021)", common.fmt_int(a["population"]))
        k2.metric("Area", f"{a['area_km2']:.2f} km²")
        k3.metric("Ward", a["ward_name"])
        t1, t2, t3 = st.columns(3)
        with t1:
            st.markdown("**Deprivation** (decile 1 = most deprived 10% in England)")
            d = prof["deprivation"].pivot(index="domain", columns="edition", values="decile")
            st.dataframe(d, width="stretch")
        with t2:
            st.markdown("**IoD2025 crime indicators** (per 1,000 at risk)")
            st.dataframe(prof["crime_indicators"].round(1), hide_index=True, width="stretch")
        with t3:
            st.markdown("**Who lives here** (Census 2021)")
            eth = prof["ethnicity"].rename(columns={"category": "ethnic group", "share": "%"})
            st.dataframe(eth[["ethnic group", "%"]].round(1), hide_index=True, width="stretch")
            hh = prof["household_deprivation"].rename(columns={"category": "households", "share": "%"})
            st.dataframe(hh[["households", "%"]].round(1), hide_index=True, width="stretch")

common.provenance(kinds=("reference",))
