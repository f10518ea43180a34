"""Crime map: LSOA or ward choropleths of counts, rates per 1,000 or change,
with a points or heat layer; Getis-Ord Gi* hotspots; click an area for its
profile."""

import functools

import pandas as pd
import streamlit as st

from geo import categorical, maps
from geo.hotspots import COLD, HOT, NOT_SIG
from swp_data import fmt, periods, taxonomy
from swp_data.analysis import crime, hotspot_reading, stats
from swp_data.analysis import reference as ref
from ui import charts, furniture, gateway, sidebar, urlstate
from ui.urlstate import Choice, Field, MonthRange

POINTS_CAP = 1000  # each folium marker with its popup adds about 1 kB to the page: 1,000 keeps maps light
HEAT_CAP = 30000
SOURCE = "data.police.uk street-level crime; ONS Census 2021"
HOT_PALETTE = {HOT: maps.PUOR[-1], COLD: maps.PUOR[0], NOT_SIG: "#eeeeee"}
# URL token -> the widget's label (one list for both: a renamed label cannot break a link)
VIEWS = {"areas": "Areas", "hotspots": "Hotspots"}
LAYERS = {"none": "None", "points": "Points", "heat": "Heat"}
MEASURES = {"count": "Count", "rate": "Rate per 1,000 residents", "change": "Change"}
CHANGE_AS = {"pct": "%", "ratio": "Ratio"}


furniture.page_header(
    "Crime map",
    "Where police recorded crime and anti-social behaviour happen (data.police.uk), by LSOA or ward: counts, "
    "rates per 1,000 residents, change on the year before, and statistically significant hotspots.",
)
f = sidebar.filters()
ss = st.session_state
months = gateway.q(crime.months_loaded)


def _selected_key() -> str:
    """The area picker's key for the map being shown (one per view, measure and level)."""
    level = "ward" if ss.get("level") == sidebar.LEVELS["ward"] else "lsoa"
    if ss.get("cm_view", VIEWS["areas"]) != VIEWS["areas"]:
        return "cm_hotspots_selected"
    what = {MEASURES["count"]: "count", MEASURES["change"]: "change"}.get(ss.get("cm_measure", MEASURES["count"]))
    return f"cm_change_{level}_selected" if what == "change" else f"cm_{what or 'rate_per_1000'}_{level}_selected"


def _selectable() -> dict[str, str]:
    areas = ss.get("level") == sidebar.LEVELS["ward"] and ss.get("cm_view", VIEWS["areas"]) == VIEWS["areas"]
    return {c: c for c in gateway.geo_frame("ward" if areas else "lsoa")["code"]}


fields: list[Field] = [Choice("cat", "cm_sel", urlstate.category_tokens, default=urlstate.ALL, why="not a crime type")]
if months:
    fields.append(MonthRange("from", "to", "cm_period", months))
fields += [
    Choice("map", "cm_view", VIEWS),
    Choice("layer", "cm_overlay", LAYERS),
    Choice("measure", "cm_measure", MEASURES),
    Choice("change", "cm_change_as", CHANGE_AS),
    Choice("select", _selected_key, _selectable, default=None, why="not an area of this map"),
]
urlstate.page("crime_map", *fields)  # a link's choices seed the widgets below
furniture.demo_banner(kinds=("police_uk",))
if not months:
    st.info(
        "No police.uk crime records are loaded yet. Import a data.police.uk download, or load the demo "
        "dataset, on the Data page.",
        icon=":material/info:",
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/database:")
    furniture.provenance(kinds=("police_uk",))
    st.stop()

last = months[-1]
level = f.level
highlight = (
    f.lsoa_codes
    if (f.area_kind != "city" and level == "lsoa")
    else ([f.area_code] if f.area_kind == "ward" and level == "ward" else [])
)

# ----------------------------------------------------------------- controls
c1, c2, c3 = st.columns([3, 3, 2])
options = gateway.q(crime.category_options)
if ss.get("cm_sel") not in options:
    ss["cm_sel"] = urlstate.ALL
selection = c1.selectbox("Crime type", options, key="cm_sel", format_func=crime.category_label)
cats = taxonomy.categories_for(selection)
if "cm_period" in ss and not (isinstance(ss["cm_period"], tuple) and all(m in months for m in ss["cm_period"])):
    del ss["cm_period"]  # months loaded have changed since


def _preset(name: str) -> None:
    """A quick period sets the months slider (and so the link)."""
    rng = periods.preset_range(months, name)
    if rng is not None:
        ss["cm_period"] = rng


start, end = c2.select_slider(
    "Months",
    months,
    value=(months[max(0, len(months) - 12)], last),
    key="cm_period",
    format_func=periods.fmt_month,
    help="From the first to the last month, inclusive. Only months loaded are listed.",
)
view = c3.radio(
    "Map",
    list(VIEWS.values()),
    key="cm_view",
    horizontal=True,
    help="Areas: counts, rates or change by area. Hotspots: clusters of neighbourhoods with high (or low) "
    "rates, more than chance would give.",
)
q_cols = st.columns(len(periods.PRESETS) + 1, gap="small")
q_cols[0].caption("Quick period:")
for col, name in zip(q_cols[1:], periods.PRESETS, strict=True):
    col.button(name, key=f"cm_preset_{name}", on_click=_preset, args=(name,), width="stretch")
d1, d2, d3 = st.columns([3, 3, 2])
overlay = d3.radio("Records layer", list(LAYERS.values()), key="cm_overlay", horizontal=True)
is_demo = gateway.q(crime.is_demo_selection, "crime", categories=cats, start=start, end=end)
span = periods.fmt_month(start) if start == end else f"{periods.fmt_month(start)} to {periods.fmt_month(end)}"
st.markdown(f"**Latest month: {periods.fmt_month(last)}** · showing **{fmt.md(selection)}**, {span}")
unlocated = gateway.q(crime.unlocated_count, cats, start, end)
if unlocated:
    st.caption(
        f"{unlocated:,} record(s) of this selection and period have no location: they count in city "
        "totals (Trends, Overview) but cannot be mapped or placed in a ward or LSOA."
    )


# ----------------------------------------------------------------- records layer
record_layers: tuple = ()
if overlay != LAYERS["none"]:
    cap = POINTS_CAP if overlay == LAYERS["points"] else HEAT_CAP
    pts, n_all = gateway.q(crime.points, cats, start, end, cap)
    shown = len(pts)
    more = f"{shown:,} of {n_all:,} records (a reproducible sample)" if shown < n_all else f"all {n_all:,} records"
    st.caption(
        f"{overlay} layer: {more} with a map point. police.uk places each record at an anonymised point "
        "on or near the street, never the exact address."
    )

    if overlay == LAYERS["points"]:
        record_layers = (
            functools.partial(
                maps.points_layer,
                df=pts,
                label_cols={
                    "category": "Category",
                    "month": "Month",
                    "location": "Location",
                    "outcome": "Last outcome",
                },
                name="Records",
                max_points=POINTS_CAP,
            ),
        )
    else:
        record_layers = (functools.partial(maps.heat_layer, df=pts, name="Records (heat)"),)

# ----------------------------------------------------------------- areas view
selected = None
if view == VIEWS["areas"]:
    measure = d1.radio(
        "Show",
        list(MEASURES.values()),
        key="cm_measure",
        horizontal=True,
        help="Change: the 12 months to the last month chosen against the 12 months before.",
    )
    geo = gateway.geo_frame(level)
    if measure == MEASURES["change"]:
        as_ratio = (
            d2.radio("Change as", list(CHANGE_AS.values()), key="cm_change_as", horizontal=True) == CHANGE_AS["ratio"]
        )
        prev_start, prev_end = end - pd.DateOffset(months=23), end - pd.DateOffset(months=12)
        n_prev = sum(prev_start <= m <= prev_end for m in months)
        n_cur = sum(end - pd.DateOffset(months=11) <= m <= end for m in months)
        if n_prev < 12 or n_cur < 12:
            st.warning(
                f"Change compares the 12 months to {periods.fmt_month(end)} with the 12 months before: "
                f"{n_cur} and {n_prev} of those months are loaded, so areas are compared on unequal "
                "periods."
                if n_prev
                else "No months are loaded for the 12 months before "
                f"{periods.fmt_month(end - pd.DateOffset(months=11))}: "
                "choose a later month, or import earlier data.",
                icon=":material/warning:",
            )
        data = gateway.q(crime.area_change, cats, end, level)
        vcol = "ratio" if as_ratio else "pct_change"
        label = (
            f"{selection}: ratio, 12 months to {periods.fmt_month(end)} / 12 months before"
            if as_ratio
            else f"{selection}: % change, 12 months to {periods.fmt_month(end)} on the 12 months before"
        )
        vals = data[vcol].dropna()
        m = float(max(abs(vals - (1 if as_ratio else 0)).max(), 1e-9)) if len(vals) else 1.0
        centre = 1.0 if as_ratio else 0.0
        data["judgement"] = [
            "too few to judge" if u else ("real change" if s else "within normal variation")
            for u, s in zip(data["unreliable"], data["significant"], strict=True)
        ]
        gdf = geo.merge(data[["code", vcol, "current", "previous", "judgement"]], on="code", how="left")
        table = data[
            [
                "code",
                "name",
                "population",
                "current",
                "previous",
                "pct_change",
                "ratio",
                "ci_low",
                "ci_high",
                "p_value",
                "judgement",
            ]
        ].sort_values("pct_change", ascending=False)
        table = table.rename(
            columns={
                "current": "12 months to " + periods.fmt_month(end),
                "previous": "12 months before",
                "pct_change": "% change",
            }
        )
        ccur = "12 months to " + periods.fmt_month(end)
        selected = furniture.map_block(
            gdf,
            f.scope(table).round(3),
            column_order=["name", "% change", "judgement", ccur, "12 months before", "ratio", "p_value"],
            column_config={
                "name": st.column_config.TextColumn("Ward" if level == "ward" else "Neighbourhood"),
                "% change": st.column_config.NumberColumn("Change", format="%+.1f%%"),
                "judgement": st.column_config.TextColumn("Is it real?"),
                ccur: st.column_config.NumberColumn(format="localized"),
                "12 months before": st.column_config.NumberColumn(format="localized"),
                "ratio": st.column_config.NumberColumn("Ratio", format="%.2f"),
                "p_value": st.column_config.NumberColumn("p-value", format="%.3f"),
            },
            key=f"cm_change_{level}",
            title=label,
            is_demo=is_demo,
            source=SOURCE,
            id_col="code",
            name_col="name",
            value_col=vcol,
            kind="diverging",
            value_label="Ratio (last 12 months / 12 before)" if as_ratio else "% change on the 12 months before",
            vmin=centre - m,
            vmax=centre + m,
            value_fmt=(lambda v: "no data" if pd.isna(v) else f"{v:.2f}")
            if as_ratio
            else (lambda v: "no data" if pd.isna(v) else f"{v:+.1f}%"),
            tooltip={"current": "Last 12 months", "previous": "12 months before", "judgement": "Exact Poisson test"},
            highlight=highlight,
            layers=record_layers,
        )
        st.caption(
            "Purple: fewer records, orange: more. Each area's change is tested with the exact Poisson test "
            "(95%); areas with fewer than 10 records in either year are 'too few to judge'. Areas going "
            "from 0 to some records have no ratio and are grey."
        )
    else:
        rates = measure != MEASURES["count"]
        data = gateway.q(crime.area_counts, cats, start, end, level)
        vcol = "rate_per_1000" if rates else "count"
        label = f"{selection}, {span}: " + ("rate per 1,000 residents" if rates else "records")
        gdf = geo.merge(data[["code", "count", "rate_per_1000", "population"]], on="code", how="left")
        table = data[["code", "name", "population", "count", "rate_per_1000"]].sort_values(vcol, ascending=False)
        selected = furniture.map_block(
            gdf,
            f.scope(table).round(2),
            # the answer first, the code hidden (the CSV keeps it)
            column_order=["name", vcol, "rate_per_1000" if not rates else "count", "population"],
            column_config={
                "name": st.column_config.TextColumn("Ward" if level == "ward" else "Neighbourhood"),
                "count": st.column_config.NumberColumn("Records", format="localized"),
                "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.1f"),
                "population": st.column_config.NumberColumn("Residents", format="localized"),
            },
            key=f"cm_{vcol}_{level}",
            title=label,
            is_demo=is_demo,
            source=SOURCE,
            id_col="code",
            name_col="name",
            value_col=vcol,
            value_label=f"Per 1,000 residents, {span}" if rates else f"Records, {span}",
            value_fmt=(lambda v: "no data" if pd.isna(v) else f"{v:,.1f}")
            if rates
            else (lambda v: "no data" if pd.isna(v) else f"{v:,.0f}"),
            tooltip={"count": "Records", "population": "Residents (2021)"}
            if rates
            else {"rate_per_1000": "Per 1,000 residents", "population": "Residents (2021)"},
            highlight=highlight,
            layers=record_layers,
        )
        if level == "ward":
            st.caption("Wards: the May 2023 wards, best-fit from LSOAs.")

# ----------------------------------------------------------------- hotspots view
else:
    hs = gateway.q(crime.hotspots, cats, start, end)
    n_hot, n_cold = int((hs["hotspot"] == HOT).sum()), int((hs["hotspot"] == COLD).sum())
    top = gateway.q(hotspot_reading.highest_rates, hs)
    # the answer first, in words; guidance and the highest rates when nothing stands out
    answer = hotspot_reading.reading(hs, top, crime.category_label(selection), span)
    (st.info if n_hot or n_cold else st.warning)(fmt.md(answer), icon=":material/travel_explore:")
    h1, h2, h3 = st.columns(3)
    h1.metric("Hot spots", f"{n_hot}", help="Neighbourhoods in a cluster of high rates, more than chance would give")
    h2.metric("Cold spots", f"{n_cold}", help="Neighbourhoods in a cluster of low rates, more than chance would give")
    h3.metric("Records", fmt.fmt_int(hs["count"].sum()))
    if not (n_hot or n_cold) and len(top):
        st.dataframe(
            top,
            hide_index=True,
            key="cm_top_rates",
            column_order=["name", "ward_name", "times_city", "rate_per_1000", "count"],
            column_config={
                "name": st.column_config.TextColumn("Neighbourhood"),
                "ward_name": st.column_config.TextColumn("Ward"),
                "times_city": st.column_config.NumberColumn("Times the city rate", format="%.1f"),
                "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.1f"),
                "count": st.column_config.NumberColumn("Records", format="localized"),
            },
        )
    with st.expander("Method: how hotspots are found"):
        st.markdown(
            "Getis-Ord Gi* on LSOA rates per 1,000 residents, with "
            f"{hs.attrs.get('weights') or 'queen contiguity'} (each LSOA with its neighbours), 999 permutations "
            "and a false discovery rate correction (Benjamini–Hochberg, 5%). Rates are smoothed first "
            "(empirical Bayes): LSOAs with few residents are pulled towards the city rate, so a handful of "
            "records cannot make a hotspot. The highest rates listed when nothing is significant are the "
            "smoothed rates."
            + (" Hotspots are always computed on LSOAs, whatever the Geography level." if level == "ward" else "")
        )
    geo = gateway.geo_frame("lsoa")
    gdf = geo.merge(hs[["code", "z", "hotspot", "count", "rate_per_1000", "eb_rate"]], on="code", how="left")
    labels = {HOT: "Hot spot", COLD: "Cold spot", NOT_SIG: "Not significant"}
    hot_layers = (
        categorical.recolour(
            dict(zip(hs["code"], hs["hotspot"], strict=True)),
            labels,
            title="Hotspots (clusters of high or low rates beyond chance)",
            palette=HOT_PALETTE,
        ),
        *record_layers,
    )

    table = hs[["code", "name", "population", "count", "rate_per_1000", "eb_rate", "z", "p_fdr", "hotspot"]].rename(
        columns={"eb_rate": "smoothed rate per 1,000", "z": "Gi* z", "p_fdr": "p (FDR adjusted)"}
    )
    table = table.sort_values(["Gi* z"], ascending=False)
    if f.area_kind != "city":
        table = table[table["code"].isin(f.lsoa_codes)]
    selected = furniture.map_block(
        gdf,
        table.round(3),
        column_order=["name", "hotspot", "rate_per_1000", "count", "smoothed rate per 1,000", "Gi* z"],
        column_config={
            "name": st.column_config.TextColumn("Neighbourhood"),
            "hotspot": st.column_config.TextColumn("Class"),
            "rate_per_1000": st.column_config.NumberColumn("Per 1,000 residents", format="%.1f"),
            "count": st.column_config.NumberColumn("Records", format="localized"),
            "smoothed rate per 1,000": st.column_config.NumberColumn(format="%.1f"),
            "Gi* z": st.column_config.NumberColumn(
                "Cluster strength", format="%.1f", help="Gi* z-score: above 0, neighbours with high rates"
            ),
        },
        key="cm_hotspots",
        title=f"Hotspots: {selection}, {span}",
        is_demo=is_demo,
        source=SOURCE,
        id_col="code",
        name_col="name",
        value_col="z",
        value_label="Cluster strength (high rates with high-rate neighbours: above 0)",
        kind="diverging",
        tooltip={"hotspot": "Class", "rate_per_1000": "Rate per 1,000", "eb_rate": "Smoothed rate"},
        highlight=f.lsoa_codes if f.area_kind != "city" else [],
        layers=hot_layers,
    )

# ----------------------------------------------------------------- profile of the clicked area
if selected:
    try:
        prof = gateway.q(crime.area_profile, selected, cats, end)
    except KeyError:
        prof = None
    if prof:
        st.subheader(f"Profile: {prof['name']} ({selected})")
        top = prof["top"]
        k1, k2, k3, k4 = st.columns(4)
        k1.metric("Residents (Census 2021)", fmt.fmt_int(prof["population"]))
        n12 = int(prof["monthly"]["count"].tail(12).sum())
        k2.metric(f"{fmt.md(selection)}, 12 months to {periods.fmt_month(end)}", fmt.fmt_int(n12))
        k3.metric("Per 1,000 residents", f"{stats.rate_per_1000(n12, prof['population']):,.1f}")
        try:
            dep = gateway.q(ref.lsoa_profile, selected)
        except KeyError:
            dep = None
        if dep is not None:
            d = dep["deprivation"]
            imd = d[(d["edition"] == "2025") & (d["domain"] == ref.DOMAINS["2025"]["imd"])]
            if len(imd):
                k4.metric(
                    "IMD 2025 decile",
                    f"{int(imd['decile'].iloc[0])}",
                    help="National decile (1 = most deprived 10% in England)",
                )
        t1, t2, t3 = st.columns([2, 2, 2])
        with t1:
            st.markdown(f"**{fmt.md(selection)}: last 24 months**")
            mon = prof["monthly"].assign(label=lambda x: [periods.fmt_month(m) for m in x["month"]])
            fig = charts.profile_months(mon)
            st.plotly_chart(fig, width="stretch", key="cm_profile_spark")
            furniture.download(
                mon[["label", "count"]].rename(columns={"label": "month"}),
                label="Download (CSV)",
                filename=f"profile-{selected}",
                title=f"{selection}, {prof['name']}, by month",
                is_demo=is_demo,
                source=SOURCE,
                key="cm_profile_dl",
            )
        with t2:
            st.markdown(f"**Top categories, {prof['period']}** (all records)")
            view_top = (
                top.head(8)
                .assign(times_city=lambda x: x["times_city"].round(2))
                .rename(
                    columns={
                        "rate_per_1000": "per 1,000",
                        "city_rate_per_1000": "city per 1,000",
                        "times_city": "× city rate",
                    }
                )
            )
            st.dataframe(view_top.round(2), hide_index=True, width="stretch")
        with t3:
            st.markdown("**Deprivation** (decile 1 = most deprived 10% in England)")
            if dep is not None:
                st.dataframe(
                    dep["deprivation"].pivot(index="domain", columns="edition", values="decile"), width="stretch"
                )

furniture.provenance(kinds=("police_uk",))
