"""Deprivation: IMD 2019/2025 and domains, IoD2025 crime indicators, Census
overlays, and pockets of deprivation hidden inside average wards."""

import streamlit as st

from swp_data import fmt, taxonomy
from swp_data.analysis import crime, crime_deprivation
from swp_data.analysis import reference as ref
from swp_data.periods import fmt_month
from ui import a11y, charts, furniture, gateway, sidebar, urlstate
from ui.urlstate import Choice, slug

furniture.page_header(
    "Deprivation",
    "English Indices of Deprivation 2025 and 2019 (MHCLG), IoD2025 police recorded crime indicators and "
    "Census 2021, by LSOA or ward. Rank 1 and decile 1 are the most deprived in England.",
)
f = sidebar.filters()
level = f.level
ss = st.session_state
# URL token -> the picker's label (one list for both: a renamed label cannot break a link)
VIEWS = {
    "imd": "IMD and domains",
    "crime-and-deprivation": "Crime and deprivation",
    "crime": "IoD2025 crime indicators",
    "census": "Census 2021",
    "pockets": "Pockets of deprivation",
}
BANDS = ["decile", "quintile"]


def _edition() -> str:
    return ss.get("dep_edition", ref.EDITIONS[0])


def _topic() -> str:
    return ss.get("dep_census", next(iter(ref.CENSUS_OVERLAYS)))


def _measures() -> list[str]:
    return ["decile", "rank"] + (["score"] if _edition() == "2025" else [])


def _selected_key() -> str:
    """The area picker's key for the map being shown."""
    lvl = "ward" if ss.get("level") == sidebar.LEVELS["ward"] else "lsoa"
    view = ss.get("dep_view", VIEWS["imd"])
    if view == VIEWS["pockets"]:
        return f"pockets_{ss.get('pockets_edition', ref.EDITIONS[0])}_{ss.get('pockets_band', BANDS[0])}_selected"
    if view == VIEWS["crime-and-deprivation"]:
        return "dep_vs_lsoa_selected"
    part = {VIEWS["imd"]: "imd", VIEWS["crime"]: "crime", VIEWS["census"]: "census"}[view]
    return f"dep_{part}_{lvl}_selected"


def _selectable() -> dict[str, str]:
    pockets = ss.get("dep_view") in (VIEWS["pockets"], VIEWS["crime-and-deprivation"])
    lvl = "ward" if ss.get("level") == sidebar.LEVELS["ward"] and not pockets else "lsoa"
    return {c: c for c in gateway.geo_frame(lvl)["code"]}


urlstate.page(  # a link's choices seed the widgets below
    "deprivation",
    Choice("view", "dep_view", VIEWS),
    Choice("edition", "dep_edition", list(ref.EDITIONS)),
    Choice("domain", lambda: f"dep_domain_{_edition()}", lambda: list(ref.DOMAINS[_edition()])),
    Choice("measure", "dep_measure", _measures),
    Choice("indicator", "dep_crime_ind", {slug(k.split("_rate_per")[0]): k for k in ref.CRIME_INDICATORS}),
    Choice("topic", "dep_census", list(ref.CENSUS_OVERLAYS)),
    Choice("group", lambda: f"dep_census_cat_{_topic()}", lambda: gateway.q(ref.census_categories, _topic())),
    Choice("vsdomain", "dep_vs_domain", list(ref.DOMAINS["2025"]), default="income"),
    Choice("vscat", "dep_vs_cat", urlstate.category_tokens, default=urlstate.ALL, why="not a crime type"),
    Choice("pockets", "pockets_edition", list(ref.EDITIONS)),
    Choice("band", "pockets_band", BANDS),
    Choice("select", _selected_key, _selectable, default=None, why="not an area of this map"),
)

c1, c2, c3 = st.columns([2, 2, 2])
view = c1.selectbox("Show", list(VIEWS.values()), key="dep_view")

geo = gateway.geo_frame(level)
highlight = (
    f.lsoa_codes
    if (f.area_kind != "city" and level == "lsoa")
    else ([f.area_code] if f.area_kind == "ward" and level == "ward" else [])
)


source = "MHCLG English Indices of Deprivation 2025/2019; ONS Census 2021"
selected = None

if view == VIEWS["imd"]:
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
    measures = _measures()
    measure = st.radio(
        "Measure",
        measures,
        horizontal=True,
        key="dep_measure",
        format_func={"decile": "National decile", "rank": "National rank", "score": "Score"}.get,
    )
    data = gateway.q(ref.imd_measure, edition, domain, level)
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
    selected = furniture.map_block(
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

elif view == VIEWS["crime-and-deprivation"]:
    domains = ref.DOMAINS["2025"]
    if st.session_state.get("dep_vs_domain", "income") not in domains:
        del st.session_state["dep_vs_domain"]
    domain = c2.selectbox(
        "Deprivation domain (IoD 2025)",
        list(domains),
        index=list(domains).index(crime_deprivation.DEFAULT_DOMAIN),
        format_func=domains.get,
        key="dep_vs_domain",
        help="Income (the default) is not built from crime. The overall IMD and the Crime domain are partly "
        "made of police recorded crime.",
    )
    options = gateway.q(crime.category_options)
    if st.session_state.get("dep_vs_cat") not in options:
        st.session_state["dep_vs_cat"] = "All crime and ASB"
    selection = c3.selectbox("Crime type", options, key="dep_vs_cat", format_func=crime.category_label)
    months = gateway.q(crime.months_loaded)
    if not months:
        st.info(
            "No police.uk records are loaded: import them (or the demo) on the Data page to compare crime "
            "with deprivation.",
            icon=":material/info:",
        )
    else:
        what = selection
        cats = taxonomy.categories_for(selection)
        rel = gateway.q(crime_deprivation.relationship, domain, cats, None, None, "2025", what)
        is_demo = furniture.demo_banner(kinds=("police_uk",))
        last = months[-1]
        first = months[max(0, len(months) - 12)]
        span = f"{fmt_month(first)} to {fmt_month(last)}"
        st.markdown(f"**{fmt.md(rel.reading)}**")
        st.caption(f"Records of the last 12 months loaded ({span}), per 1,000 residents (Census 2021).")
        if rel.warning:
            st.warning(fmt.md(rel.warning), icon=":material/warning:")
        st.markdown(fmt.md(rel.spearman_words))
        left, right = st.columns(2)
        with left:
            fig = charts.crime_by_deprivation_fifth(rel.fifths, domain_label=rel.domain_label, what=what)
            st.plotly_chart(fig, width="stretch", key="dep_vs_fifths")
            furniture.download(
                rel.fifths,
                label="Download the fifths (CSV)",
                filename=f"crime-by-{domain}-fifth",
                title=f"{what} per 1,000 residents by fifth of {rel.domain_label} deprivation, {span}",
                is_demo=is_demo,
                source="data.police.uk; MHCLG IoD2025; ONS Census 2021",
                key="dep_vs_fifths_dl",
            )
        with right:
            fig = charts.crime_against_domain(rel.lsoas, domain_label=rel.domain_label, what=what)
            st.plotly_chart(fig, width="stretch", key="dep_vs_scatter")
        lsoa_geo = gateway.geo_frame("lsoa")
        gdf = lsoa_geo.merge(rel.lsoas[["code", "rate_per_1000", "count"]], on="code", how="left")
        most = rel.lsoas.loc[rel.lsoas["fifth"] == 1, "code"].tolist()
        table = (
            rel.lsoas.assign(fifth=rel.lsoas["fifth"].map(lambda i: crime_deprivation.FIFTHS[i - 1]))
            .sort_values("rate_per_1000", ascending=False)
            .round(2)
        )
        selected = furniture.map_block(
            gdf,
            f.scope(table, level="lsoa"),
            key="dep_vs_lsoa",
            title=f"{what} per 1,000 residents; outlined: the most deprived fifth ({rel.domain_label})",
            is_demo=is_demo,
            source="data.police.uk; MHCLG IoD2025; ONS Census 2021",
            id_col="code",
            name_col="name",
            value_col="rate_per_1000",
            value_label=f"{what} per 1,000 residents, {span}",
            tooltip={"count": "Records"},
            highlight=most,
            column_order=["name", "rate_per_1000", "fifth", "rank", "count", "population"],
            column_config={
                "name": st.column_config.TextColumn("Neighbourhood"),
                "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.1f"),
                "fifth": st.column_config.TextColumn(f"{rel.domain_label} deprivation"),
                "rank": st.column_config.NumberColumn("National rank (1 = most deprived)", format="%d"),
                "count": st.column_config.NumberColumn("Records", format="localized"),
                "population": st.column_config.NumberColumn("Residents", format="localized"),
            },
        )
        with st.expander("Method"):
            st.markdown(
                "The city's LSOAs are put in order of their national rank on the chosen IoD 2025 domain and cut "
                "into five groups of nearly equal numbers of LSOAs. Each fifth's rate is its records over its "
                "residents (pooled). Spearman's rank correlation compares the LSOAs' order of deprivation "
                f"with their order of crime rate (rho = {rel.rho:.3f}, p = {rel.p_value:.3g}, n = {len(rel.lsoas)}). "
                "Records without a location are left out. An association across areas says nothing about "
                "individual people (the ecological fallacy)."
            )

elif view == VIEWS["crime"]:
    ind = c2.selectbox(
        "Indicator", list(ref.CRIME_INDICATORS), format_func=ref.CRIME_INDICATORS.get, key="dep_crime_ind"
    )
    data = gateway.q(ref.crime_indicators, level)
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
    selected = furniture.map_block(
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
        imd = gateway.q(ref.imd_measure, "2025", "imd", level)
        both = data[["code", "name", ind, "population"]].merge(imd[["code", "score", "decile"]], on="code")
        fig = charts.crime_against_deprivation(both, ind=ind, label=label)
        st.plotly_chart(fig, width="stretch")
        a11y.chart_table(both.round(2), key=f"dep_vs_{level}_dl", title=f"{label} against IMD 2025 score",
                         filename=f"crime-against-deprivation-{level}", source=source)  # fmt: skip
        r = both[["score", ind]].corr(method="spearman").iloc[0, 1]
        st.caption(
            f"Spearman rank correlation {r:.2f} across {len(both)} areas: 1 would mean the areas fall in the "
            "same order on both, 0 no relation. The overall IMD includes this crime domain, so the link is "
            "partly circular: the 'Crime and deprivation' view compares the loaded records with a domain "
            "of your choice (Income by default)."
        )

elif view == VIEWS["census"]:
    overlay = c2.selectbox(
        "Topic", list(ref.CENSUS_OVERLAYS), key="dep_census", format_func=lambda k: ref.CENSUS_OVERLAYS[k][3]
    )
    cats = gateway.q(ref.census_categories, overlay)
    cat = c3.selectbox("Category", cats, key=f"dep_census_cat_{overlay}")
    data = gateway.q(ref.census_shares, overlay, cat, level)
    gdf = geo.merge(data[["code", "share", "n"]], on="code", how="left")
    label = f"% {cat}"
    table = (
        data[["code", "name", "ward_name", "n", "total", "share"]]
        .rename(columns={"n": "count", "share": "percent"})
        .sort_values("percent", ascending=False)
    )
    selected = furniture.map_block(
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
        BANDS,
        horizontal=True,
        key="pockets_band",
        format_func={"decile": "10%", "quintile": "20%"}.get,
    )
    st.info(
        "Ward averages can mask small deprived areas (raised in the partnership's work on a place-based "
        "approach, 2020–23). "
        f"These LSOAs are in the nationally most deprived {'10%' if band == 'decile' else '20%'} "
        "but sit in a ward whose population-weighted average is not. They are outlined in white (on a black edge).",
        icon=":material/search:",
    )
    p = gateway.q(ref.pockets, edition, band)
    lsoa_geo = gateway.geo_frame("lsoa")
    data = gateway.q(ref.imd_measure, edition, "imd", "lsoa")
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
    m2.metric("Residents in them", fmt.fmt_int(p["population"].sum()))
    selected = furniture.map_block(
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
        prof = gateway.q(ref.lsoa_profile, selected)
    except KeyError:
        prof = None
    if prof:
        a = prof["area"]
        st.subheader(f"Profile: {a['name']} ({a['code']})")
        k1, k2, k3 = st.columns(3)
        k1.metric("Residents (Census 2021)", fmt.fmt_int(a["population"]))
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

furniture.provenance(kinds=("reference",))
