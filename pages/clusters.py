"""Neighbourhood clusters: group LSOAs (or wards) with similar crime, harm,
deprivation and engagement; choose k with silhouettes; profile the clusters;
and rank where partnership delivery should focus."""

import pandas as pd
import streamlit as st

from geo import categorical
from swp_data import fmt, taxonomy
from swp_data.analysis import crime_window, reference
from swp_data.places import clustering, indicators, place_clusters, priority
from ui import charts, furniture, gateway, sidebar, urlstate
from ui.urlstate import Choice, Multi, Number

furniture.page_header(
    "Neighbourhood clusters",
    "Areas grouped by the indicators you choose (standardised: each counts equally), and a ranked, explained "
    "list of where partnership delivery should focus.",
)


f = sidebar.filters()
ss = st.session_state
level = f.level
unit = "wards" if level == "ward" else "LSOAs"
labels = indicators.labels()

available = gateway.q(indicators.available_indicators)
defaults = gateway.q(indicators.default_indicators)
given = urlstate.page(  # a link's choices seed the widgets below
    "clusters",
    Multi("ind", "cl_ind", {c: c for c in available}, default=list(defaults), why="not an indicator"),
    Choice("method", "cl_method", list(clustering.METHODS)),
    Number("k", "cl_k", 2, 50, default=None, integer=True),
    *(Number(f"w_{k}", f"cl_w_{k}", 0.0, 1.0, default=float(v)) for k, v in priority.DEFAULT_WEIGHTS.items()),
)
if any("k" in fld.names for fld in given):
    # the page picks the best k again when the indicators change: these are the link's
    picked = ss.get("cl_ind", defaults)
    ss["cl_k_for"] = (
        level,
        tuple(c for c in picked if c in available),
        ss.get("cl_method", next(iter(clustering.METHODS))),
    )
is_demo = furniture.demo_banner(kinds=("police_uk", "engagement"))
window = gateway.q(crime_window.crime_window)

c1, c2 = st.columns([3, 2])
ss["cl_ind"] = [c for c in ss["cl_ind"] if c in available] if "cl_ind" in ss else list(defaults)
cols = c1.multiselect(
    "Indicators",
    available,
    key="cl_ind",
    format_func=labels.get,
    help="Crime rates are per 1,000 residents over the latest 12 months loaded; IMD scores: "
    "higher = more deprived; engagement: meeting attendees per 1,000 residents of the ward.",
)
method = c2.radio(
    "Method",
    list(clustering.METHODS),
    format_func=clustering.METHOD_LABELS.get,
    key="cl_method",
    help="k-means and Ward group similar areas wherever they are; 'neighbouring areas only' "
    "keeps every cluster a connected patch of the map (a place).",
)
if not cols:
    st.info("Choose at least one indicator.")
    st.stop()
if window:
    st.caption(
        f"Crime indicators: {crime_window.window_label(window)}. Harm weights: one per police.uk category, "
        "approximated from the ONS Crime Severity Score (see the table below)."
    )
    with st.expander("Harm weights by category"):
        st.dataframe(
            taxonomy.harm_weights_frame().sort_values("harm_weight", ascending=False), hide_index=True, width="stretch"
        )
cols_t = tuple(cols)

# ------------------------------------------------------------- choice of k
sil = gateway.q(place_clusters.silhouettes, level, cols_t, method)
best = clustering.choose_k(sil)
sig = (level, cols_t, method)
if ss.get("cl_k_for") != sig or ss.get("cl_k") not in list(sil["k"]):
    ss["cl_k_for"] = sig
    ss["cl_k"] = best
left, right = st.columns([2, 3])
with left:
    k = st.select_slider(
        "Number of clusters (k)",
        options=list(sil["k"]),
        key="cl_k",
        help=f"Suggested: {best}, the number from 3 up whose groups are most distinct from each other "
        "(highest silhouette; 2 would only split areas into more and less crime).",
    )
    res = gateway.q(place_clusters.cluster_analysis, level, cols_t, method, int(k))
    st.metric(
        "Agreement across 20 resamples",
        f"{res['stability']:.2f} out of 1",
        help="Adjusted Rand index. The clustering is repeated on 20 resampled versions of the data "
        "(80% of areas each time; for neighbouring-areas-only, small random noise instead) and compared "
        "with the clustering of all the data: 1 = identical every time, 0 = no better than chance.",
    )
    st.caption(f"Reading: {place_clusters.stability_reading(res['stability'])}.")
with right:
    fig = charts.silhouettes(sil, k=int(k))
    st.plotly_chart(fig, width="stretch", key="cl_sil_chart")
    furniture.download(
        sil.round(4),
        label="Download CSV",
        filename=f"silhouettes-{level}",
        title=f"Silhouette by k ({clustering.METHOD_LABELS[method]}, {unit})",
        is_demo=is_demo,
        key="cl_sil_dl",
    )

# ------------------------------------------------------------- map and profiles
names = res["names"]
lab = res["labels"]
ind = gateway.q(indicators.indicators, level)
table = ind[["name", "ward_name", "population", *cols]].copy()
table.insert(0, "cluster", lab.reindex(table.index))
table.insert(1, "description", table["cluster"].map(names))
table = table.reset_index().rename(columns={c: labels[c] for c in cols})
scope = set(f.lsoa_codes) if level == "lsoa" else set(gateway.q(reference.wards_of, tuple(f.lsoa_codes)))
geo = gateway.geo_frame(level)
gdf = geo.merge(table[["code", "cluster", "description"]], on="code", how="left")
palette = dict(zip(range(1, int(k) + 1), categorical.colours(int(k)), strict=True))
legend = {c: f"{c}: {names[c]} ({int(res['sizes'][c])})" for c in sorted(names)}
st.subheader(f"{int(k)} clusters of {unit}")
furniture.map_block(
    gdf,
    table[table["code"].isin(scope)].sort_values(["cluster", "code"]).round(2),
    key=f"cl_map_{level}",
    title=f"Clusters ({clustering.METHOD_LABELS[method]})",
    is_demo=is_demo,
    source="data.police.uk; MHCLG IoD2025; ONS Census 2021; partnership engagement returns",
    id_col="code",
    name_col="name",
    value_col="cluster",
    value_label="Cluster",
    value_fmt=lambda v: "–" if pd.isna(v) else f"{int(v)}",
    tooltip={"description": "Description"},
    highlight=f.lsoa_codes if (f.area_kind != "city" and level == "lsoa") else [],
    layers=(
        categorical.recolour(
            dict(zip(gdf["code"], gdf["cluster"], strict=True)), legend, title="Cluster", palette=palette
        ),
    ),
)

st.markdown("#### Cluster profiles: how far above or below the city average each group is")
short = {c: n[:1].upper() + n[1:] for c, n in indicators.nice_names().items()}
prof = res["profile"].rename(columns=labels)
fig = charts.cluster_profiles(
    res["profile"],
    indicators=tuple(short[c] for c in res["profile"].columns),
    clusters=tuple(f"{c}: {names[c]}" for c in prof.index),
)
st.plotly_chart(fig, width="stretch", key="cl_prof_chart")
st.caption(
    "Orange = above the city average, purple = below, in standard deviations (a z-score: 1 = well above "
    "average, 2 = far above). Labels name each cluster's one or two most "
    "extreme indicators (at least half a standard deviation from average)."
)
pt = prof.round(3).reset_index()
pt.insert(1, "description", pt["cluster"].map(names))
pt.insert(2, "areas", pt["cluster"].map(res["sizes"]))
furniture.download(
    pt,
    label="Download CSV",
    filename=f"cluster-profiles-{level}",
    title=f"Cluster profiles ({clustering.METHOD_LABELS[method]}, {unit})",
    is_demo=is_demo,
    key="cl_prof_dl",
)

# ------------------------------------------------------------- priority list
st.subheader(f"Where partnership delivery should focus ({unit})")
st.caption(
    "A transparent score: each component becomes a percentile within the city (0 = lowest, 100 = "
    "highest; engagement reversed, as low engagement means more need), then a weighted mean. Move the "
    "sliders to change the weights; they need not add up to 1."
)
wcols = st.columns(len(priority.DEFAULT_WEIGHTS))
weights = {}
for col, (key, default) in zip(wcols, priority.DEFAULT_WEIGHTS.items(), strict=True):
    weights[key] = col.slider(
        priority.COMPONENT_LABELS[key].split(" (")[0],
        0.0,
        1.0,
        float(default),
        0.05,
        key=f"cl_w_{key}",
        help=priority.COMPONENT_LABELS[key],
    )
if sum(weights.values()) <= 0:
    st.warning("All weights are 0: give at least one component a weight.")
    st.stop()
wt = priority.weights_table(weights)
st.dataframe(
    wt.assign(share=(100 * wt["share"]).round(0).astype(int).astype(str) + "%"), hide_index=True, width="content"
)
plist = gateway.q(place_clusters.priority_list, level, tuple(weights.items()))
shown = plist[plist.index.isin(scope)].reset_index()
shown = shown.rename(
    columns={
        "name": "area",
        "ward_name": "ward",
        "harm": "harm per 1,000",
        "deprivation": "IMD 2025 score",
        "engagement": "attendees per 1,000",
        "trend": "crime ratio (last 12 / previous 12)",
    }
)
view = shown[
    [
        "rank",
        "area",
        "reason",
        "score",
        "ward",
        "code",
        "harm per 1,000",
        "IMD 2025 score",
        "attendees per 1,000",
        "crime ratio (last 12 / previous 12)",
    ]
].round(2)
if f.area_kind != "city":
    st.caption(f"Showing the {len(view)} {unit} in {fmt.md(f.area_label)}; ranks are within the whole city.")
st.dataframe(
    view,
    hide_index=True,
    width="stretch",
    height=420,
    # the answer first (area and why), the code hidden (the CSV keeps it)
    column_order=[c for c in view.columns if c != "code"],
    column_config={
        "rank": st.column_config.NumberColumn("Rank", format="%d"),
        "area": st.column_config.TextColumn("Area", pinned=True),
        "reason": st.column_config.TextColumn("Why it is high on the list", width="large"),
        "score": st.column_config.NumberColumn("Score (0 to 100)", format="%.1f"),
        "ward": st.column_config.TextColumn("Ward"),
        "harm per 1,000": st.column_config.NumberColumn(
            "Harm: days of custody per 1,000", format="%.0f", help="Harm weights: ONS Crime Severity Score"
        ),
    },
)
furniture.download(
    view.assign(weights="; ".join(f"{k} {v:g}" for k, v in weights.items())),
    label="Download the priority list",
    filename=f"priority-{level}",
    title=f"Where partnership delivery should focus ({unit})",
    is_demo=is_demo,
    source="data.police.uk; MHCLG IoD2025; ONS Census 2021; partnership engagement returns",
    key="cl_prio_dl",
)
furniture.provenance(kinds=("reference", "police_uk", "engagement"))
