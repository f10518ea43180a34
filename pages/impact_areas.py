"""Impact Areas: define (map, list, CSV, GeoJSON), rename, delete; and the
profile of an area: share of population against share of crime, inside
against the rest of the city, the change test, its LSOAs, deprivation and
similar places."""

from pathlib import Path

import pandas as pd
import streamlit as st

from swp_data import fmt
from swp_data.analysis import crime_window, reference, stats
from swp_data.demo import areas as demo_areas
from swp_data.errors import InputError
from swp_data.places import area_compare, area_files, impact_areas, indicators
from ui import auth, charts, furniture, gateway, sidebar, urlstate
from ui.urlstate import Choice

furniture.page_header(
    "Impact Areas",
    "Place-based working, as the partnership aligns with West Midlands Police Impact Areas: define an area "
    "from LSOAs, then compare it with the rest of the city and with similar places.",
)
f = sidebar.filters()
ss = st.session_state
# URL token -> the radio's label (one list for both: a renamed label cannot break a link)
IA_MODES = {
    "profile": "Profile of an area",
    "create": "Create an area",
    "import": "Import a file",
    "manage": "Rename or delete",
}
MODES = list(IA_MODES.values())
if not auth.may_change():  # viewers and the public site: profiles only, no editing
    MODES = MODES[:1]
areas = gateway.q(impact_areas.list_areas)
ids = list(areas["area_id"])


def _area_lsoas() -> dict[str, str]:
    aid = ss.get("ia_profile")
    return {c: c for c in gateway.q(impact_areas.area_codes, aid)} if aid in ids else {}


given = urlstate.page(  # a link's choices seed the widgets below
    "impact_areas",
    Choice("mode", "ia_mode", IA_MODES, default=IA_MODES["profile"] if ids else IA_MODES["create"]),
    Choice("ia", "ia_profile", {i: i for i in ids}, default=ids[0] if ids else None, why="no such Impact Area"),
    Choice("measure", "ia_measure", crime_window.measures(), default=crime_window.DEFAULT_SELECTION),
    Choice("lsoa", "ia_lsoas_selected", _area_lsoas, default=None, why="not an LSOA of the area"),
    Choice("edit", "ia_manage", {i: i for i in ids}, default=ids[0] if ids else None, why="no such Impact Area"),
)
if any("ia" in fld.names for fld in given):
    # the link's area wins over the sidebar's Impact Area, which would otherwise replace it
    ss["ia_sidebar_seen"] = f.area_code if f.area_kind == "impact" else None
is_demo = furniture.demo_banner(kinds=("police_uk", "impact_area"))
window = gateway.q(crime_window.crime_window)

# Deferred state changes (a widget's value can only be set before it is drawn).
for key in ("ia_mode", "ia_profile"):
    if f"{key}__next" in ss:
        ss[key] = ss.pop(f"{key}__next")
if ss.pop("ia_reset_new", False):
    ss["ia_pending"] = []
    ss["ia_new_name"] = ""
    ss.pop("ia_map_used", None)
if ss.get("ia_mode") not in MODES:
    ss["ia_mode"] = MODES[0] if len(areas) or len(MODES) == 1 else MODES[1]
if flash := ss.pop("ia_flash", None):
    st.success(flash, icon=":material/check_circle:")
if f.level == "ward":
    st.caption("Impact Areas are made of LSOAs: the Geography level filter does not apply on this page.")


def _write(fn, *args, ok: str, **kwargs):
    """Run a store write in one transaction; show the problem on failure."""
    try:
        result = impact_areas.in_transaction(fn, *args, **kwargs)
    except InputError as e:
        st.error(f"Not saved: {furniture.problem(e)}", icon=":material/error:")
        return None
    ss["ia_flash"] = ok
    return result if result is not None else True


def _label(row) -> str:
    tags = [t for t, on in (("approximate", row.approximate), ("demo", row.is_demo)) if on]
    return row.name + (f" ({', '.join(tags)})" if tags else "")


mode = st.radio("What would you like to do?", MODES, key="ia_mode", horizontal=True) if len(MODES) > 1 else MODES[0]

if auth.may_change() and (areas.empty or not areas["is_demo"].any()):
    with st.container(border=True):
        st.markdown(
            "**Demo:** the six 2011-12 priority areas named in the partnership's strategy (red: All "
            "Saints & Blakenhall, City Centre, Whitmore Reans; amber: Heath Town & Park Village, Low "
            "Hill & The Scotlands, Pennfields), approximated from place centres, for demonstration."
        )
        if st.button("Load the demo priority areas", key="ia_demo_load", icon=":material/science:"):
            r = _write(demo_areas.add_demo_impact_areas, ok="Loaded the six demo priority areas (approximate).")
            if r:
                ss["ia_mode__next"] = MODES[0]
                st.rerun()

# =============================================================== create
if mode == "Create an area":
    st.subheader("Create an Impact Area")
    st.caption(
        "Click LSOAs on the map to add or remove them (clicking the same LSOA twice in a row needs "
        "another click in between; the list below always works), or pick them in the list."
    )
    lsoa_tbl = gateway.q(impact_areas.city_lsoas)
    names = {r.code: f"{r.name}, {r.ward_name}" for r in lsoa_tbl.itertuples()}
    pending = [c for c in ss.get("ia_pending", []) if c in names]
    geo = gateway.geo_frame("lsoa")
    if window:
        ind = gateway.q(indicators.indicators, "lsoa")[["crime_all"]].reset_index()
        value_col, value_label, kind = "crime_all", "Recorded crime (excl. ASB) per 1,000, last 12 months", "sequential"
    else:
        ind = gateway.q(reference.imd2025_deciles)
        value_col, value_label, kind = "imd_decile", "IMD 2025 decile", "deciles"
    gdf = geo.merge(ind, on="code", how="left")
    table = lsoa_tbl.assign(selected=lsoa_tbl["code"].isin(pending).map({True: "Yes", False: ""}))
    table = table.merge(ind, on="code", how="left").sort_values(["selected", "code"], ascending=[False, True])
    clicked = furniture.map_block(
        gdf,
        table.round(1),
        key="ia_pick",
        title="LSOAs (selected ones outlined in white)",
        is_demo=is_demo,
        id_col="code",
        name_col="name",
        value_col=value_col,
        value_label=value_label,
        kind=kind,
        highlight=pending,
        map_height=480,
    )
    if clicked and clicked != ss.get("ia_pick_seen"):
        ss["ia_pick_seen"] = clicked
        ss["ia_pending"] = [c for c in pending if c != clicked] if clicked in pending else pending + [clicked]
        ss["ia_map_used"] = True
        st.rerun()
    st.multiselect(
        "LSOAs in the new area",
        list(names),
        key="ia_pending",
        format_func=lambda c: f"{names[c]} ({c})",
        placeholder="Choose LSOAs",
    )
    pending = ss.get("ia_pending", [])
    pop = lsoa_tbl.set_index("code")["population"]
    k1, k2, k3 = st.columns(3)
    k1.metric("LSOAs picked", f"{len(pending)}")
    k2.metric("Residents (Census 2021)", fmt.fmt_int(pop.reindex(pending).sum()))
    k3.metric("Share of the city's residents", f"{100 * pop.reindex(pending).sum() / pop.sum():.1f}%")
    c1, c2 = st.columns([3, 2])
    name = c1.text_input("Name of the area", key="ia_new_name", max_chars=impact_areas.NAME_MAX)
    replace = c2.checkbox("Replace an area of the same name", key="ia_replace")
    if st.button("Save Impact Area", key="ia_save", type="primary", icon=":material/save:", disabled=not pending):
        source = "map selection" if ss.get("ia_map_used") else "list"
        aid = _write(
            impact_areas.save_area,
            name,
            pending,
            source=source,
            replace=replace,
            ok=f"Saved the Impact Area “{fmt.md(name.strip())}” ({len(pending)} LSOAs).",
        )
        if aid:
            ss["ia_reset_new"] = True
            ss["ia_profile__next"] = aid
            ss["ia_mode__next"] = MODES[0]
            st.rerun()

# =============================================================== import
elif mode == "Import a file":
    st.subheader("Import an Impact Area")
    st.markdown(
        "- **CSV of LSOA codes**: a column `lsoa21_code` (or `LSOA21CD`, `lsoa_code`, `lsoa`, `code`), one LSOA "
        "2021 code a row; an optional `area` column makes one area per name.\n"
        "- **GeoJSON of polygons** (longitude/latitude): an LSOA joins the area when more than half of its "
        "residents live inside the polygons. We have no population below LSOA level, so this is estimated as "
        "the share of the LSOA's area inside x its population (residents spread evenly). Features with a "
        "`name` property make one area per name.\n\n"
        "Importing a file again replaces the area of the same name."
    )
    up = st.file_uploader("CSV or GeoJSON file", type=["csv", "geojson", "json"], key="ia_upload")
    name = st.text_input(
        "Name (optional: the file's name, or the names in the file, otherwise)",
        key="ia_import_name",
        max_chars=impact_areas.NAME_MAX,
    )
    if st.button("Import", key="ia_import", type="primary", disabled=up is None, icon=":material/upload:"):
        try:  # read and check before the write lock is taken
            area_files.check_size(Path(up.name), up.size)
            plan = area_files.prepare_area_file(Path(up.name), up.getvalue(), name=name or None)
        except InputError as e:
            st.error(f"Not saved: {furniture.problem(e)}", icon=":material/error:")
            plan = None
        rep = plan and _write(area_files.write_area_file, plan, ok=f"Imported {fmt.md(up.name)}.")
        if rep:
            ss["ia_last_import"] = rep
            st.rerun()
    rep = ss.get("ia_last_import")
    if rep is not None:
        st.markdown(f"**Last import: {fmt.md(rep.file)}**")
        st.dataframe(
            pd.DataFrame(rep.areas).rename(columns={"n_lsoa": "LSOAs", "replaced": "replaced an area"}),
            hide_index=True,
            width="stretch",
        )
        for w in rep.warnings:
            st.caption(f"Note: {w}")
        if rep.assignment is not None:
            a = rep.assignment.assign(
                share_inside=lambda d: (100 * d["share_inside"]).round(1),
                population_inside=lambda d: d["population_inside"].round(0),
            )
            a = a.rename(
                columns={
                    "share_inside": "% of area inside",
                    "population_inside": "residents inside (est.)",
                    "assigned": "in the area",
                }
            )
            st.markdown("**LSOA assignment** (every LSOA the polygons touch)")
            st.dataframe(a, hide_index=True, width="stretch")
            furniture.download(
                a,
                label="Download the assignment",
                filename="impact-area-assignment",
                title=f"Impact Area assignment of {rep.file}",
                is_demo=False,
                key="ia_assign_dl",
            )

# =============================================================== rename / delete
elif mode == "Rename or delete":
    st.subheader("Rename or delete an Impact Area")
    if areas.empty:
        st.info("There are no Impact Areas yet.")
    else:
        labels = {r.area_id: _label(r) for r in areas.itertuples()}
        aid = st.selectbox("Impact Area", list(labels), format_func=labels.get, key="ia_manage")
        row = areas.set_index("area_id").loc[aid]
        st.caption(f"Source: {fmt.md(row['source'])}; {row['n_lsoa']} LSOAs; created {row['created_at']:%d %b %Y}.")
        c1, c2 = st.columns(2)
        with c1:
            new = st.text_input("New name", key="ia_rename_to", max_chars=impact_areas.NAME_MAX)
            renamed = st.button("Rename", key="ia_rename", icon=":material/edit:", disabled=not new.strip())
            if renamed and _write(impact_areas.rename_area, aid, new, ok=f"Renamed to “{fmt.md(new.strip())}”."):
                st.rerun()
        with c2:
            sure = st.checkbox("Yes, delete this area", key="ia_delete_sure")
            deleted = st.button("Delete", key="ia_delete", icon=":material/delete:", disabled=not sure)
            if deleted and _write(impact_areas.delete_area, aid, ok=f"Deleted “{fmt.md(row['name'])}”."):
                st.rerun()

# =============================================================== profile
else:
    if areas.empty:
        st.info("There are no Impact Areas yet: create one, import a file, or load the demo priority areas.")
        st.stop()
    labels = {r.area_id: _label(r) for r in areas.itertuples()}
    if f.area_kind == "impact" and f.area_code in labels and ss.get("ia_sidebar_seen") != f.area_code:
        ss["ia_sidebar_seen"] = f.area_code
        ss["ia_profile"] = f.area_code
    elif f.area_kind == "ward" and ss.get("ia_sidebar_seen") != f.area_code:
        # a ward in the sidebar: open on the Impact Area sharing most of its neighbourhoods
        ss["ia_sidebar_seen"] = f.area_code
        overlap = {a: len(set(gateway.q(impact_areas.area_codes, a)) & set(f.lsoa_codes)) for a in labels}
        if max(overlap.values(), default=0) > 0:
            ss["ia_profile"] = max(overlap, key=lambda a: overlap[a])
    if ss.get("ia_profile") not in labels:
        ss["ia_profile"] = next(iter(labels))

    def _to_sidebar() -> None:
        """The page's choice becomes the sidebar's Area: one area everywhere."""
        chosen = ss.get("ia_profile")
        for label, (kind, code) in sidebar._area_options().items():
            if kind == "impact" and code == chosen:
                ss["area"] = label
                ss["ia_sidebar_seen"] = chosen

    c1, c2 = st.columns([2, 2])
    aid = c1.selectbox("Impact Area", list(labels), format_func=labels.get, key="ia_profile", on_change=_to_sidebar)
    measure = c2.selectbox(
        "Crime measure",
        crime_window.measures(),
        key="ia_measure",
        index=crime_window.measures().index(crime_window.DEFAULT_SELECTION),
    )
    area = areas.set_index("area_id").loc[aid]
    codes = tuple(gateway.q(impact_areas.area_codes, aid))
    st.markdown(f"### {fmt.md(area['name'])}")
    if area["approximate"]:
        st.warning(f"**Approximate, for demonstration.** {fmt.md(area['note'] or '')}", icon=":material/help:")
    st.caption(
        f"Source: {fmt.md(area['source'])} · {len(codes)} LSOAs · {fmt.fmt_int(area['population'])} residents "
        f"(Census 2021)" + (" · DEMO" if area["is_demo"] else "")
    )

    if not window:
        st.info(
            "No crime records are loaded: import police.uk data (or the demo) on the Data page to compare "
            "crime inside and outside the area. Its deprivation profile is below."
        )
    else:
        wl = crime_window.window_label(window)
        # ------------------------------------------------ shares
        st.markdown(f"#### Share of the city's residents against share of its recorded crime ({wl})")
        shares = gateway.q(area_compare.area_shares, codes)
        row = shares.set_index("measure").loc[measure]
        k1, k2, k3 = st.columns(3)
        k1.metric("Share of the city's residents", f"{row['population_share']:.1f}%")
        k2.metric(
            f"Share of {crime_window.measure_text(measure)}",
            f"{row['crime_share']:.1f}%",
            help=f"{fmt.fmt_int(row['inside'])} of {fmt.fmt_int(row['city'])} records, {wl}",
        )
        k3.metric(
            "Crime share ÷ population share",
            f"{row['ratio']:.2f}",
            help="1.00 = its share of crime equals its share of residents; 1.50 = half as much again.",
        )
        pub = gateway.q(demo_areas.published_priority_shares)
        union = tuple(gateway.q(demo_areas.demo_union_codes))
        if pub["population_share"] is not None:
            status = "DEMO data" if is_demo else "loaded data"
            text = (
                f"**The strategy said** the six priority areas of {pub['period']} held about "
                f"{pub['population_share']:.0f}% of the city's population and {pub['crime_share']:.0f}% of its "
                f"recorded crime. **This app's figure on the {status}** ({wl}): "
            )
            if union:
                u = gateway.q(area_compare.area_shares, union).set_index("measure").loc[crime_window.ALL_CRIME]
                text += (
                    f"the six approximate priority areas together hold {u['population_share']:.1f}% of "
                    f"residents and {u['crime_share']:.1f}% of recorded crime (excluding ASB); "
                )
            all_row = shares.set_index("measure").loc[crime_window.ALL_CRIME]
            text += (
                f"this area holds {all_row['population_share']:.1f}% of residents and "
                f"{all_row['crime_share']:.1f}% of recorded crime (excluding ASB)."
            )
            st.info(text, icon=":material/menu_book:")
        tbl = shares.rename(
            columns={
                "inside": "records inside",
                "city": "records in the city",
                "crime_share": "% of city's records",
                "population_share": "% of residents",
                "ratio": "ratio",
                "rate_inside": "per 1,000 inside",
                "rate_rest": "per 1,000 rest of city",
            }
        ).round(2)
        left, right = st.columns([3, 2])
        with left:
            fig = charts.area_shares(shares)
            st.plotly_chart(fig, width="stretch", key="ia_share_chart")
        with right:
            st.dataframe(
                tbl[["measure", "records inside", "% of city's records", "ratio"]],
                hide_index=True,
                width="stretch",
                height=460,
            )
            furniture.download(
                tbl,
                label="Download CSV",
                filename="impact-area-shares",
                title=f"{area['name']}: shares of residents and recorded crime, {wl}",
                is_demo=is_demo,
                source="data.police.uk; ONS Census 2021",
                key="ia_share_dl",
            )

        # ------------------------------------------------ inside against the rest
        st.markdown(f"#### Inside the area against the rest of the city: {crime_window.measure_text(measure)}")
        monthly = gateway.q(area_compare.inside_vs_rest_monthly, codes, measure)
        fig = charts.inside_vs_rest(monthly)
        st.plotly_chart(fig, width="stretch", key="ia_trend_chart")
        furniture.download(
            monthly.assign(month=monthly["month"].dt.strftime("%b %Y")).round(3),
            label="Download CSV",
            filename="impact-area-monthly",
            title=f"{area['name']} against the rest of the city: {measure}, monthly per 1,000",
            is_demo=is_demo,
            source="data.police.uk; ONS Census 2021",
            key="ia_trend_dl",
        )
        change = gateway.q(area_compare.inside_vs_rest_change, codes, measure)
        if change.empty:
            st.caption("The change test needs 24 months of records.")
        else:
            st.markdown(f"**Change, {change.attrs.get('window', '')}** (exact Poisson test; significant at 95%)")
            c1, c2 = st.columns(2)
            for col, r in zip((c1, c2), change.itertuples(), strict=False):  # one or two rows
                col.metric(
                    r.where,
                    f"{r.pct_change:+.0f}%" if pd.notna(r.pct_change) and abs(r.pct_change) != float("inf") else "–",
                    help=f"Rate ratio {r.ratio:.2f} (95% CI {r.ci_low:.2f} to {r.ci_high:.2f})",
                    delta_color="off",
                    delta_arrow="off",
                    delta=r.text,
                )
            by_where = change.set_index("where")
            if {"Inside the area", "Rest of the city"} <= set(by_where.index):
                ins, rest = by_where.loc["Inside the area"], by_where.loc["Rest of the city"]
                diff = stats.change_difference(
                    int(ins["current"]), int(ins["previous"]), int(rest["current"]), int(rest["previous"])
                )
                st.markdown(f"**Is the area doing better or worse than the rest of the city?** {fmt.md(diff.text)}.")
                st.caption(
                    f"Ratio of rate ratios {diff.rrr:.2f} (95% interval {diff.ci_low:.2f} to {diff.ci_high:.2f}): "
                    "1 = the same change as the rest; Fisher's exact test of the 2x2 table."
                )

        # ------------------------------------------------ LSOAs inside
        st.markdown(f"#### The area's neighbourhoods (LSOAs), ranked by harm ({wl})")
        rank = gateway.q(area_compare.area_lsoa_ranking, codes, measure)
        geo = gateway.geo_frame("lsoa")
        gdf = geo[geo["code"].isin(codes)].merge(rank[["code", "harm_per_1000", "rate_per_1000"]], on="code")
        table = rank.rename(
            columns={
                "name": "Neighbourhood",
                "ward_name": "Ward",
                "population": "Residents",
                "count": f"Records ({measure})",
                "rate_per_1000": "Per 1,000 residents",
                "harm_per_1000": "Harm: days of custody per 1,000",
                "harm_index": "Harm (city = 100)",
                "rate_rank": "Rank by rate",
                "harm_rank": "Rank by harm",
                "imd_decile": "Deprivation decile (1 = most deprived)",
            }
        ).round(1)
        # the answer first, codes hidden (the CSV keeps every column)
        lsoa_cols = [
            "Neighbourhood",
            "Harm (city = 100)",
            "Per 1,000 residents",
            f"Records ({measure})",
            "Rank by harm",
            "Deprivation decile (1 = most deprived)",
            "Ward",
        ]
        picked = furniture.map_block(
            gdf,
            table,
            key="ia_lsoas",
            title="The area's neighbourhoods (LSOAs), most harm first",
            is_demo=is_demo,
            source="data.police.uk; ONS Census 2021; harm weights approximated from the ONS Crime Severity Score",
            id_col="code",
            name_col="name",
            value_col="harm_per_1000",
            value_label="Harm: days of custody equivalent per 1,000 residents (last 12 months)",
            tooltip={"rate_per_1000": f"{measure} per 1,000"},
            map_height=420,
            column_order=lsoa_cols,
            column_config={
                "Harm (city = 100)": st.column_config.NumberColumn(
                    format="%.0f",
                    help="Harm-weighted crime per resident against the city's: 100 = the city average, "
                    "200 = twice it. Harm weights: the sentencing days of custody each offence type gets on "
                    "average (ONS Crime Severity Score).",
                ),
                "Per 1,000 residents": st.column_config.NumberColumn(format="%.1f"),
                "Rank by harm": st.column_config.NumberColumn(format="%d"),
            },
        )

    # ------------------------------------------------ deprivation
    st.markdown("#### Deprivation profile (IMD 2025): how many of the area's LSOAs are in each national decile")
    dep = gateway.q(area_compare.deprivation_profile, codes)
    fig = charts.area_deprivation(dep)
    st.plotly_chart(fig, width="stretch", key="ia_dep_chart")
    furniture.download(
        dep.round(1),
        label="Download CSV",
        filename="impact-area-deprivation",
        title=f"{area['name']}: IMD 2025 deciles of its LSOAs",
        is_demo=False,
        source="MHCLG English Indices of Deprivation 2025",
        key="ia_dep_dl",
    )

    # ------------------------------------------------ similar places
    if window:
        st.markdown(f"#### Against similar places outside the area: {crime_window.measure_text(measure)}")
        comp = gateway.q(area_compare.comparators, codes, measure)
        if comp["test"] is None:
            st.caption(comp["verdict"])
        else:
            icon = {True: ":material/thumb_up:", False: ":material/warning:", None: ":material/balance:"}[
                comp["better"]
            ]
            st.info(f"**{comp['verdict']}.**", icon=icon)
            c1, c2, c3 = st.columns(3)
            c1.metric("Rate inside (per 1,000)", f"{comp['inside']['rate_per_1000']:.1f}")
            c2.metric(f"Rate in {len(comp['comparators'])} similar LSOAs", f"{comp['comparator']['rate_per_1000']:.1f}")
            t = comp["test"]
            c3.metric(
                "Ratio (inside ÷ similar)",
                f"{t.ratio:.2f}",
                help=f"95% CI {t.ci_low:.2f} to {t.ci_high:.2f}; exact Poisson test p = {t.p_value:.3f}",
            )
            st.caption(
                "Similar = the 5 nearest LSOAs outside the area to each LSOA inside it, on the six IMD 2025 "
                "domain scores other than crime and on population (standardised over the city). Crime is "
                "left out of the matching on purpose: matching on it would match on the outcome compared."
            )
            ct = (
                comp["comparators"]
                .rename(columns={"count": "records", "rate_per_1000": "per 1,000", "times_chosen": "times chosen"})
                .round(1)
            )
            st.dataframe(ct, hide_index=True, width="stretch")
            furniture.download(
                ct,
                label="Download CSV",
                filename="impact-area-comparators",
                title=f"{area['name']}: comparator LSOAs, {comp['window']}",
                is_demo=is_demo,
                source="MHCLG IoD2025; ONS Census 2021; data.police.uk",
                key="ia_comp_dl",
            )
            if picked in codes:
                mine = comp["pairs"][comp["pairs"]["target"] == picked].merge(
                    comp["comparators"][["code", "rate_per_1000"]], left_on="neighbour", right_on="code"
                )
                own = rank.set_index("code").loc[picked]
                st.markdown(
                    f"**{own['name']}** ({picked}): {own['rate_per_1000']:.1f} per 1,000; its most similar "
                    "LSOAs outside the area:"
                )
                st.dataframe(
                    mine[["rank", "neighbour", "neighbour_name", "distance", "rate_per_1000"]]
                    .rename(columns={"rate_per_1000": "per 1,000"})
                    .round(2),
                    hide_index=True,
                    width="stretch",
                )
            with st.expander("Which LSOA is matched with which (click an LSOA on the map above for one)"):
                st.dataframe(comp["pairs"].round(2), hide_index=True, width="stretch")

furniture.provenance(kinds=("reference", "police_uk", "impact_area"))
