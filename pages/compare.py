"""Compare: the city (or any English district or CSP) against its most similar places and England on the
IoD2025 police recorded crime indicators, and every ward and LSOA against England's LSOAs."""

import streamlit as st

from swp_data import config, fmt, store
from swp_data.errors import InputError
from swp_data.places import benchmarks as bm
from swp_data.places import peer_police, peers
from ui import auth, charts, furniture, gateway, urlstate

furniture.page_header(
    "Compare",
    "Is that high for a place like ours? The city against its 15 most similar English districts (an open "
    "method, not the Home Office's list) and England, on the IoD2025 police recorded crime indicators; every "
    "ward and LSOA against England's 33,755 LSOAs. All of it is open data.",
)

if not gateway.q(peers.has_national):
    st.info("The national tables are not in the store yet: run `python -m swp_data build` (or `make run`).")
    st.stop()

places = gateway.q(peers.places)
names = dict(zip(places["code"], places["name"] + places["kind"].map({"district": "", "csp": " (CSP)"}), strict=True))
IND = dict(bm.LABELS)
urlstate.page(
    "compare",
    urlstate.Choice(
        "place", "cmp_place", {c.lower(): c for c in names}, default=config.CITY_LAD, why="not an English place"
    ),
    urlstate.Choice("indicator", "cmp_indicator", {urlstate.slug(k): k for k in IND}),
    urlstate.Choice("level", "cmp_level", {"lsoa": "lsoa", "ward": "ward"}),
)

c1, c2 = st.columns([3, 2])
codes = sorted(names, key=lambda c: (c != config.CITY_LAD, names[c]))
code = c1.selectbox(
    "Place", codes, format_func=lambda c: f"{names[c]} ({c})", key="cmp_place", help="An English district or CSP"
)
indicator = c2.selectbox("Indicator for the charts", list(IND), format_func=IND.get, key="cmp_indicator")

try:
    place = gateway.q(peers.resolve, code)
    group = gateway.q(peers.peer_table, code)
    ind = gateway.q(bm.indicators, code)
except InputError as e:
    st.error(furniture.problem(e), icon=":material/error:")
    st.stop()

unit = bm.INDICATOR_INFO[indicator][2]
source = "MHCLG English Indices of Deprivation 2025; ONS Census 2021 and lookups"
st.markdown(fmt.md(bm.summary_sentence(ind, place.label)))
st.caption(
    "Compared with the peers' pooled rate; England's is shown beside it. The IoD2025 indicators are averages "
    "over the index's reference years, not this year's figures."
)

# ----------------------------------------------------------------- benchmarks
st.subheader("Crime indicators against the most similar places and England")
view = ind[["label", "unit", "area_rate", "lo95", "hi95", "peer_rate", "england_rate", "rank_in_group"]].copy()
view["verdict (peers)"] = ind["verdict"]
view["verdict (England)"] = ind["verdict_england"]
view = view.rename(
    columns={
        "label": "indicator",
        "area_rate": place.name,
        "lo95": "95% lower",
        "hi95": "95% upper",
        "peer_rate": "peers (pooled)",
        "england_rate": "England",
        "rank_in_group": "rank of 16 (1 = highest)",
    }
)
st.dataframe(view.round(2), hide_index=True, width="stretch")
furniture.download(
    view.round(3),
    label="Download CSV",
    filename=f"compare-indicators-{place.code}",
    title=f"{place.name}: IoD2025 crime indicators against the most similar places and England",
    is_demo=False,
    source=source,
    key="cmp_ind_dl",
)

st.markdown("**Spine chart**: each indicator against the peers' pooled rate")
st.plotly_chart(charts.spine(ind), width="stretch", key="cmp_spine")
st.caption(
    "The blue line is the peers' pooled rate; the pale band the peers' range, the darker band their middle "
    "half (interquartile range); the diamond this place; the black tick England."
)
furniture.download(
    ind[["label", "area_rate", "peer_rate", "peer_q1", "peer_q3", "peer_min", "peer_max", "england_rate"]].round(3),
    label="Download the spine chart's data",
    filename=f"compare-spine-{place.code}",
    title=f"{place.name}: spine chart data",
    is_demo=False,
    source=source,
    key="cmp_spine_dl",
)

b1, b2 = st.columns(2)
with b1:
    st.markdown(f"**{fmt.md(IND[indicator])}: the group, highest first**")
    bars = gateway.q(bm.group_bars, code, indicator)
    st.plotly_chart(charts.group_bars(bars, unit=unit), width="stretch", key="cmp_bars")
    furniture.download(
        bars,
        label="Download CSV",
        filename=f"compare-group-{place.code}-{indicator}",
        title=f"{place.name} and its most similar places: {IND[indicator]} {unit}",
        is_demo=False,
        source=source,
        key="cmp_bars_dl",
    )
with b2:
    st.markdown(f"**{fmt.md(IND[indicator])}: every English district (funnel plot)**")
    pts = gateway.q(bm.funnel_points, code, indicator)
    lim = gateway.q(bm.funnel_limits, code, indicator)
    st.plotly_chart(
        charts.funnel(pts, lim, england_rate=float(lim["england_rate"].iloc[0]), unit=unit),
        width="stretch",
        key="cmp_funnel",
    )
    furniture.download(
        pts,
        label="Download CSV",
        filename=f"compare-funnel-{indicator}",
        title=f"English districts: {IND[indicator]} {unit} and at-risk denominators",
        is_demo=False,
        source=source,
        key="cmp_funnel_dl",
    )
    furniture.download(
        lim.round(4),
        label="Download the funnel's limits",
        filename=f"compare-funnel-limits-{indicator}",
        title=f"England's {IND[indicator]} rate and the 95% and 99.8% limits by denominator",
        is_demo=False,
        source=source,
        key="cmp_funnel_lim_dl",
    )

# ----------------------------------------------------------------- peers
st.subheader("Who the most similar places are, and why")
st.markdown(
    fmt.md(
        f"The 15 English districts nearest to {place.label} on context alone (deprivation domains, spread of "
        "deprivation, housing, tenure, age, household deprivation, population and density): never on crime, "
        "which is what is compared. Groups are not symmetric (a peer's own group need not include this place), "
        "and this is not the Home Office's most similar group."
    )
)
p1, p2 = st.columns([2, 3])
with p1:
    ptab = group[["rank", "name", "code", "match", "distance"]].round(3)
    st.dataframe(ptab, hide_index=True, width="stretch", height=460)
    furniture.download(
        group.round(4),
        label="Download CSV",
        filename=f"compare-peers-{place.code}",
        title=f"{place.name}: most similar places (match 1 = identical on every variable)",
        is_demo=False,
        source=source,
        key="cmp_peers_dl",
    )
with p2:
    st.plotly_chart(charts.peer_contributions(group, labels=dict(peers.LABELS)), width="stretch", key="cmp_contrib")
    st.caption("Each bar splits a peer's distance by variable: the longer a colour, the more that variable differs.")

ctx = gateway.q(peers.context_table, code)
with st.expander("The context variables: this place, its peers and England"):
    st.dataframe(ctx.drop(columns="variable").round(3), hide_index=True, width="stretch")
    furniture.download(
        ctx.round(4),
        label="Download CSV",
        filename=f"compare-context-{place.code}",
        title=f"{place.name}: context variables and weights",
        is_demo=False,
        source=source,
        key="cmp_ctx_dl",
    )

with st.expander("Sensitivity: which peers change when one variable is left out"):
    sens = gateway.q(peers.sensitivity, code)
    st.dataframe(sens.drop(columns="variable"), hide_index=True, width="stretch")
    furniture.download(
        sens,
        label="Download CSV",
        filename=f"compare-sensitivity-{place.code}",
        title=f"{place.name}: peers that leave and join when one variable is left out",
        is_demo=False,
        source=source,
        key="cmp_sens_dl",
    )

# ----------------------------------------------------------------- wards and LSOAs among England's
st.subheader(f"Wards and LSOAs among England's LSOAs: {IND[indicator]}")
level = st.radio(
    "Areas", ["lsoa", "ward"], format_func={"lsoa": "LSOAs", "ward": "Wards"}.get, horizontal=True, key="cmp_level"
)
pct = gateway.q(bm.england_percentiles, code, level)
one = pct[pct["indicator"] == indicator].copy()
top = int(one["most_affected_10pct"].sum())
st.markdown(
    fmt.md(
        f"{top} of {len(one)} {'LSOAs' if level == 'lsoa' else 'wards'} of {place.name} are in England's most "
        f"affected 10% on {IND[indicator].lower()} (percentile above 90 among England's LSOAs)."
    )
)
table = one[["code", "name", "ward24_name", "rate", "percentile", "most_affected_10pct"]].rename(
    columns={"ward24_name": "ward", "rate": unit, "most_affected_10pct": "England's most affected 10%"}
)
table = table.sort_values("percentile", ascending=False).round(2)
if level == "ward":
    table = table.drop(columns="ward")
title = f"{place.name}: {IND[indicator]} percentile among England's LSOAs"
if place.code == config.CITY_LAD:
    geo = gateway.geo_frame(level)
    gdf = geo.merge(one[["code", "percentile", "rate"]], on="code", how="left")
    furniture.map_block(
        gdf,
        table,
        key=f"cmp_map_{level}",
        title=title,
        source=source,
        id_col="code",
        name_col="name",
        value_col="percentile",
        value_label="Percentile among England's LSOAs",
        tooltip={"rate": unit},
    )
else:
    st.caption("The map covers the city only (its detailed boundaries); the table covers any place.")
    st.dataframe(table, hide_index=True, width="stretch")
    furniture.download(
        table,
        label="Download CSV",
        filename=f"compare-areas-{place.code}",
        title=title,
        is_demo=False,
        source=source,
        key="cmp_areas_dl",
    )

pockets = gateway.q(bm.hidden_pockets, code)
with st.expander(f"Pockets the ward averages hide ({len(pockets)} LSOA-indicator pairs)"):
    st.caption("LSOAs in England's most affected 10% on an indicator whose ward, taken as a whole, is not.")
    pk = (
        pockets[["label", "code", "name", "ward24_name", "rate", "percentile", "ward_percentile"]]
        .rename(columns={"label": "indicator", "ward24_name": "ward"})
        .round(1)
    )
    st.dataframe(pk, hide_index=True, width="stretch")
    furniture.download(
        pk,
        label="Download CSV",
        filename=f"compare-pockets-{place.code}",
        title=f"{place.name}: LSOAs in England's most affected 10% whose ward is not",
        is_demo=False,
        source=source,
        key="cmp_pockets_dl",
    )

# ----------------------------------------------------------------- police.uk
st.subheader("Peers' current police.uk figures")
if place.code != config.CITY_LAD:
    st.caption(fmt.md(f"Compared for {config.CITY_NAME} only: its records are the ones loaded."))
elif not gateway.q(peer_police.loaded):
    st.info(
        "No other district's police.uk figures are loaded. Import the monthly street files of the peers' "
        "forces (or the national archive, all forces) on the Data page or with `python -m swp_data import`: "
        "every import keeps monthly counts by district and category for every place in the file, and only "
        "the city's records. Or `python -m swp_data fetch --peers` fetches the peers' last 12 months from the "
        "police.uk API (counted within generalised boundaries: approximate).",
        icon=":material/info:",
    )
else:
    pol = gateway.q(peer_police.comparison, code)
    if pol.empty:
        st.info("No month is loaded for both the city and a peer.", icon=":material/info:")
    else:
        if bool(pol["is_demo"].any()):
            furniture.demo_banner(kinds=("police_uk",))
        r0 = pol.iloc[0]
        st.markdown(
            fmt.md(
                f"The city's last 12 months ({r0['from_month']:%b %Y} to {r0['to_month']:%b %Y}) per 1,000 "
                "residents against the pooled rate of the peers with all 12 months loaded."
            )
        )
        pview = pol.rename(
            columns={
                "city_count": "city count",
                "city_rate": "city per 1,000",
                "lo95": "95% lower",
                "hi95": "95% upper",
                "peer_rate": "peers per 1,000 (pooled)",
                "peers_with_data": "peers with data",
                "rank_in_group": "rank (1 = highest)",
                "city_change_pct": "city change on the year before (%)",
                "group_change_pct": "peers' change (%)",
            }
        ).drop(columns=["from_month", "to_month", "peer_count", "is_demo", "approximate"])
        st.dataframe(pview.round(2), hide_index=True, width="stretch")
        furniture.download(
            pol.round(3),
            label="Download CSV",
            filename="compare-police-uk",
            title=f"{config.CITY_NAME} against its most similar places: police.uk, last 12 months",
            is_demo=bool(pol["is_demo"].any()),
            source="data.police.uk street-level crime (recorded crime, anonymised points)",
            key="cmp_pol_dl",
        )
        pr = st.selectbox("Trend of", list(peer_police.PRIORITIES), key="cmp_pol_trend")
        tr = gateway.q(peer_police.trend, pr, code)
        st.plotly_chart(charts.peer_trend(tr, label=pr), width="stretch", key="cmp_pol_chart")
        furniture.download(
            tr.round(4),
            label="Download the trend's data",
            filename="compare-police-uk-trend",
            title=f"{pr}: {config.CITY_NAME} and its peers pooled, per 1,000 residents a month",
            is_demo=bool(pol["is_demo"].any()),
            source="data.police.uk street-level crime",
            key="cmp_pol_trend_dl",
        )
        if bool(pol["approximate"].any()):
            st.caption(
                "Some peers' counts come from the police.uk API within generalised district boundaries: "
                "approximate (records near an edge may be counted in the wrong district)."
            )
        st.caption(
            "police.uk figures are recorded crime, moved to anonymised map points; a district's count is the "
            "records police.uk placed in its LSOAs. Rates per 1,000 Census 2021 residents."
        )

# ----------------------------------------------------------------- weights (analysts)
weights = gateway.q(peers.weights)
if auth.may_change():
    with st.expander("Weights of the context variables (analysts)"):
        st.caption(
            "Stored for everyone and written to the audit trail. 0 leaves a variable out; at least one must count."
        )
        cols = st.columns(3)
        new = {}
        for i, (k, label) in enumerate(peers.LABELS.items()):
            new[k] = cols[i % 3].number_input(
                label, min_value=0.0, max_value=10.0, value=float(weights[k]), step=0.5, key=f"cmp_w_{k}"
            )
        s1, s2 = st.columns(2)
        action = None
        if s1.button("Save the weights", key="cmp_w_save"):
            action = new
        if s2.button("Back to the published defaults", key="cmp_w_reset"):
            action = "reset"
        if action is not None:
            try:
                with store.transaction() as con:
                    peers.set_weights(con, None if action == "reset" else action)
            except InputError as e:
                st.error(furniture.problem(e), icon=":material/error:")
            else:
                for k in peers.LABELS:
                    st.session_state.pop(f"cmp_w_{k}", None)
                st.rerun()

# ----------------------------------------------------------------- method
with st.expander("Method, weights and caveats"):
    wt = ", ".join(f"{fmt.md(peers.LABELS[k])} {weights[k]:g}" for k in peers.VARIABLES)
    st.markdown(
        "**Most similar places.** Twelve context variables for every English district (and for a community "
        "safety partnership, the sums of its districts): the IoD2025 Income, Employment, Education and Barriers "
        "domain scores (population-weighted), the spread of deprivation (standard deviation of its LSOAs' IMD "
        "2025 scores), % of households in terraced houses and in flats, % social rented, % of residents aged "
        "16-24, % of households deprived in two or more dimensions (Census 2021), population and density "
        "(log scale; density over the generalised district boundary). Each is standardised across England's "
        "296 districts; the distance is the weighted Euclidean distance, rebased to 0-1 by the largest distance "
        "between two English districts; match = 1 - that. The 15 nearest are the group. Crime is never a "
        "variable. As CIPFA's and NHS England's published methods; not the Home Office's (iQuanta) list, whose "
        f"method is not published. Weights in force: {wt}."
    )
    st.markdown(
        "**Benchmarks.** The IoD2025 file gives each LSOA's rate per 1,000 at-risk residents (properties for "
        "burglary), not counts or the at-risk denominators; a place's rate pools its LSOAs' rates weighted by "
        "Census 2021 residents (households for burglary), and its events are estimated as rate × denominator. "
        "The peers' rate is pooled (sum of events over sum of denominators), not a mean of rates. Limits: "
        "Byar's method, exact Poisson below 10 events, at 95% and 99.8%. Verdict (Fingertips practice; low is "
        "good): similar when the benchmark is inside the 95% interval; higher or lower beyond it; significantly "
        "higher or lower beyond the 99.8% interval. The indicators are averages over the index's reference "
        "years (IoD2025 technical report): structural, not this year's. Percentiles: the percent of England's "
        "LSOAs with a lower rate (ties count half); a ward's rate is pooled from its LSOAs (2024 best-fit wards)."
    )
furniture.provenance(["ref:national", "ref:imd2025", "ref:census2021", "ref:lookups"])
