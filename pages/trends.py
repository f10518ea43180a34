"""Trends: crime series by category or strategy grouping for the city, a ward,
an Impact Area or chosen LSOAs; counts or rates; change against last year with
the exact Poisson test; rolling 12 months; seasonality; domestic abuse and
hate crime from the published series and partner data."""

import pandas as pd
import streamlit as st

from geo import categorical, maps
from swp_data import fmt, periods, taxonomy
from swp_data.analysis import crime, stats
from swp_data.analysis import public as public_site
from swp_data.analysis import reference as ref
from ui import charts, furniture, gateway, sidebar, urlstate
from ui.urlstate import Choice, Flag, Multi

FREQS = periods.FREQ_LABELS
MEASURES = {"count": "Counts", "rate": "Rate per 1,000 residents"}  # URL token -> label


furniture.page_header(
    "Trends",
    "Police recorded crime and anti-social behaviour (data.police.uk) by month, quarter or financial year, "
    "with change against the same period last year, and the partnership's domestic abuse and hate crime figures.",
)
f = sidebar.filters()
urlstate.page(  # a link's choices seed the widgets below
    "trends",
    Choice("cat", "tr_sel", urlstate.category_tokens, default=urlstate.ALL, why="not a crime type"),
    Choice("freq", "tr_freq", list(FREQS)),
    Choice("measure", "tr_measure", MEASURES),
    Flag("split", "tr_split"),
    Multi("lsoa", "tr_lsoas", lambda: {c: c for c in f.lsoa_codes}, why="not an LSOA of the area"),
)
ss = st.session_state
furniture.demo_banner(kinds=("police_uk", "partner"))

last = gateway.q(crime.last_month)
months = gateway.q(crime.months_loaded)

# ----------------------------------------------------------------- controls
c1, c2, c3 = st.columns([3, 2, 2])
options = gateway.q(crime.category_options)
if ss.get("tr_sel") not in options:
    ss["tr_sel"] = urlstate.ALL
selection = c1.selectbox(
    "Crime type",
    options,
    key="tr_sel",
    format_func=crime.category_label,
    help="A strategy grouping (defined once in the app's taxonomy) or one police.uk category. "
    "Historic categories were used before 2013.",
)
freq = c2.radio(
    "Period",
    list(FREQS),
    format_func=FREQS.get,
    horizontal=True,
    key="tr_freq",
    help="Calendar quarters (Jan–Mar ...) or UK financial years (April to March).",
)
measure = c3.radio(
    "Show",
    list(MEASURES.values()),
    horizontal=True,
    key="tr_measure",
    help="Rates use the Census 2021 usual residents of the area in scope.",
)
cats = taxonomy.categories_for(selection)
split = False
if selection in taxonomy.GROUPINGS:
    split = st.toggle("Show each category of the grouping", key="tr_split")

# LSOA picker: within the sidebar area
lsoas = gateway.q(ref.areas, "lsoa")
names = dict(zip(lsoas["code"], lsoas["name"] + " (" + lsoas["ward_name"] + ")", strict=True))
choices = [c for c in f.lsoa_codes if c in names]
if "tr_lsoas" in ss:
    ss["tr_lsoas"] = [c for c in ss["tr_lsoas"] if c in choices]
picked = st.multiselect(
    "LSOAs (optional)",
    choices,
    key="tr_lsoas",
    format_func=lambda c: f"{names[c]} {c}",
    placeholder=f"All of {f.area_label}",
    help="Narrow the series to some LSOAs of the area chosen in the sidebar.",
)
if picked:
    scope = tuple(sorted(picked))
    scope_label = names[scope[0]] if len(scope) == 1 else f"{len(scope)} LSOAs of {f.area_label}"
elif f.area_kind == "city":
    scope, scope_label = None, sidebar.CITY  # every record, including any without an LSOA
else:
    scope, scope_label = tuple(f.lsoa_codes), f.area_label
rates = measure != MEASURES["count"]

if last is None:
    st.info(
        "No police.uk crime records are loaded yet. Import a data.police.uk download, or load the demo "
        "dataset, on the Data page.",
        icon=":material/info:",
    )
    st.page_link("pages/data.py", label="Go to the Data page", icon=":material/database:")
else:
    view = gateway.q(crime.trend_view, cats, scope, freq, split)
    series, by, pop = view["series"], (["category"] if split else []), view["population"]
    is_demo = gateway.q(crime.is_demo_selection, "crime", categories=cats)
    st.markdown(
        f"**Latest month: {periods.fmt_month(last)}** · records loaded for {len(months):,} month(s), "
        f"{periods.fmt_month(months[0])} to {periods.fmt_month(last)} · area: **{fmt.md(scope_label)}** "
        f"({fmt.fmt_int(pop)} residents, Census 2021)"
    )
    unlocated = gateway.q(crime.unlocated_count, cats)
    if unlocated:
        st.caption(
            f"{unlocated:,} record(s) of this selection have no location (from files holding only "
            "Wolverhampton records): "
            + (
                "included in these city totals."
                if scope is None
                else "counted in city totals only, not in this area's."
            )
        )

    ycol, ylab = ("rate_per_1000", "Rate per 1,000 residents") if rates else ("count", "Records")
    yfmt = ",.2f" if rates else ",.0f"

    # ------------------------------------------------------------- the series
    st.subheader(f"{fmt.md(selection)}: {FREQS[freq].lower()} {'rates' if rates else 'counts'}")
    plot = crime.with_gaps(series, freq, by) if freq == "month" else series.copy()
    if freq == "month":
        x, axis_order = "period_start", None
    else:
        x = "axis"
        plot["axis"] = [
            periods.period_label(s, freq) + ("*" if not c else "")
            for s, c in zip(plot["period_start"], plot["complete"], strict=True)
        ]
        axis_order = tuple(dict.fromkeys(plot["axis"]))
    n_lines = plot["category"].nunique() if split else 1
    if split:
        # historic categories say so; legend and hover text render some HTML, so escape
        plot["category"] = plot["category"].map(lambda c: maps.esc(crime.category_label(c)))
    fig = charts.trend_series(
        plot,
        x=x,
        ycol=ycol,
        ylab=ylab,
        yfmt=yfmt,
        colour_by_category=split,
        colours=tuple(categorical.colours(n_lines)) if split else (charts.PRIMARY,),
        axis_order=axis_order,
        monthly=freq == "month",
    )
    st.plotly_chart(fig, width="stretch", key="tr_series_chart")
    if not series["complete"].all():
        st.caption(
            "\\* Partial period: not every month of it is loaded; its figure covers only the months loaded "
            "(hollow markers)."
        )
    out = series.assign(area=scope_label, population=pop)[
        ["period", "period_start", *by, "count", "rate_per_1000", "months", "complete", "area", "population"]
    ]
    furniture.download(
        out,
        label="Download the series (CSV)",
        filename="trend-series",
        title=f"{selection}, {FREQS[freq].lower()}, {scope_label}",
        is_demo=is_demo,
        source="data.police.uk street-level crime; ONS Census 2021",
        key="tr_series_dl",
    )

    # ------------------------------------------------------------- change
    st.subheader("Change")
    k1, k2 = st.columns(2)
    for col, ch, what in (
        (k1, view["same_period"], "Same period last year"),
        (k2, view["last12"], "Last 12 months against the 12 before"),
    ):
        with col:
            if ch is None:
                st.metric(what, "–", help="The earlier months are not loaded.")
                st.caption(f"{what}: the earlier months are not loaded, so there is nothing to compare with.")
                continue
            r = ch["result"]
            value = f"{1000 * r.current / pop:,.2f} per 1,000" if rates and pop else fmt.fmt_int(r.current)
            delta = None if pd.isna(r.pct_change) or abs(r.pct_change) == float("inf") else f"{r.pct_change:+.1f}%"
            st.metric(
                f"{what}: {ch['current_label']} vs {ch['previous_label']}",
                value,
                delta=delta,
                delta_color="inverse",
                help="Exact Poisson test (conditional on the total) of the two counts; the interval is "
                "that of the rate ratio. A change is called real only at 95% confidence.",
            )
            st.markdown(f"**{stats.describe_change(r)}**; {crime.fmt_ci(r)}.")
            if r.unreliable:
                st.warning("Fewer than 10 records in a period: too few to judge any change.", icon=":material/warning:")

    # ------------------------------------------------------------- the area against the rest of the city
    if scope is not None and view["last12"] is not None:
        city12 = gateway.q(crime.trend_view, cats, None, freq, False)["last12"]
        if city12 is not None:
            a, c = view["last12"]["result"], city12["result"]
            diff = stats.change_difference(a.current, a.previous, c.current - a.current, c.previous - a.previous)
            st.markdown(
                f"**Does {fmt.md(scope_label)} change differently from the rest of the city?** {fmt.md(diff.text)}."
            )
            st.caption(
                "Last 12 months against the 12 before, inside against the rest of the city: ratio of rate "
                f"ratios {diff.rrr:.2f} (95% interval {diff.ci_low:.2f} to {diff.ci_high:.2f}), Fisher's exact "
                "test of the 2x2 table. 1 = the same change as the rest."
            )

    # ------------------------------------------------------------- rolling 12 months
    roll = view["rolling"]
    left, right = st.columns(2)
    with left:
        st.markdown("**Rolling 12 months** (total of the 12 months to each month)")
        if roll.empty:
            st.caption("Needs 12 consecutive months loaded.")
        else:
            roll = roll.assign(
                rate_per_1000=1000 * roll["rolling_12"] / pop if pop else float("nan"),
                month_label=[periods.fmt_month(m) for m in roll["month"]],
            )
            ry, rlab = (
                ("rate_per_1000", "Per 1,000 residents (12 months)") if rates else ("rolling_12", "Records (12 months)")
            )
            fig = charts.rolling_12(roll, ycol=ry, ylab=rlab, yfmt=yfmt)
            st.plotly_chart(fig, width="stretch", key="tr_roll_chart")
            furniture.download(
                roll[["month_label", "rolling_12", "rate_per_1000"]].rename(columns={"month_label": "12 months to"}),
                label="Download (CSV)",
                filename="trend-rolling-12",
                title=f"{selection}, rolling 12 months, {scope_label}",
                is_demo=is_demo,
                source="data.police.uk street-level crime; ONS Census 2021",
                key="tr_roll_dl",
            )

    # ------------------------------------------------------------- seasonality
    with right:
        st.markdown("**Seasonal pattern** (STL decomposition, period 12 months)")
        dec = view["stl"]
        if dec is None:
            st.caption("Shown with 24 or more consecutive months loaded.")
        else:
            fig = charts.seasonal_decomposition(dec)
            st.plotly_chart(fig, width="stretch", key="tr_stl_chart")
            peak = dec["seasonal"].groupby(dec.index.month).mean()
            st.caption(
                f"Records are seasonally highest in {periods.MONTH_ABBR[int(peak.idxmax()) - 1]} and lowest "
                f"in {periods.MONTH_ABBR[int(peak.idxmin()) - 1]} (counts of the whole area in scope)."
            )
            dl = dec.reset_index().assign(month=lambda d: [periods.fmt_month(m) for m in d["month"]]).round(2)
            furniture.download(
                dl,
                label="Download (CSV)",
                filename="trend-seasonality",
                title=f"{selection}, STL decomposition, {scope_label}",
                is_demo=is_demo,
                source="data.police.uk street-level crime",
                key="tr_stl_dl",
            )

# ----------------------------------------------------------------- partner panels
st.divider()
st.subheader("Domestic abuse and hate crime")
st.caption(
    "police.uk does not identify domestic abuse or hate crime. These panels combine the figures the "
    "partnership has **published** (real, whole city, financial years) with the **partner data** loaded "
    "(each line says whether it is real or DEMO)."
)
if picked or f.area_kind == "impact":
    p_geo, p_codes = "lsoa", (scope if scope is not None else tuple(f.lsoa_codes))
elif f.area_kind == "ward":
    p_geo, p_codes = "ward", (f.area_code,)
else:
    p_geo, p_codes = "city", None
public = bool(f.public_mode)
if public:  # the public site: partner figures only as the partnership publishes them
    p_geo, p_codes = "city", None
    st.info(public_site.NOTE, icon=":material/public:")

PANELS = {
    "Domestic abuse": ("domestic_violence_reports", "domestic_abuse_incidents"),
    "Hate crime": ("hate_crime_reports", "hate_crime"),
}
tabs = st.tabs(list(PANELS))
for tab, (title, (pub_measure, partner_measure)) in zip(tabs, PANELS.items(), strict=True):
    with tab:
        panel = gateway.q(crime.partner_panel, partner_measure, pub_measure, freq, p_geo, p_codes, public)
        part, pub, both = panel["part"], panel["published"], panel["years"]
        if panel["fell_back"]:
            st.info(
                f"The partner data are not held for areas as small as {fmt.md(scope_label)}: showing the whole city.",
                icon=":material/info:",
            )
        area_txt = sidebar.CITY if panel["geography"] == "city" else scope_label
        if part.empty and pub.empty:
            st.info(f"No {title.lower()} figures are loaded. Import a partner CSV on the Data page.")
            continue
        panel_demo = bool(part["is_demo"].any()) if len(part) else False
        palette = dict(
            zip(dict.fromkeys(both["breakdown"]), categorical.colours(both["breakdown"].nunique()), strict=True)
        )
        fig = charts.partner_years(
            both,
            palette=palette,
            title=f"{title}, {area_txt}, by financial year (diamonds: published; lines: partner data)",
        )
        st.plotly_chart(fig, width="stretch", key=f"tr_{partner_measure}_fy_chart")
        if freq != "fy" and len(part):
            src = "DEMO" if panel_demo else "real"
            fig = charts.partner_periods(
                part,
                palette=palette,
                markers=freq == "quarter",
                title=f"Partner data ({src}), {FREQS[freq].lower()}, {area_txt}",
            )
            st.plotly_chart(fig, width="stretch", key=f"tr_{partner_measure}_chart")
        if not both["complete"].all():
            st.caption("\\* Partial financial year: only some of its months are loaded (hollow markers).")
        table = pd.concat(
            [both.assign(freq="fy"), part.assign(freq=freq)] if freq != "fy" else [both.assign(freq="fy")],
            ignore_index=True,
        )
        table = table.assign(area=area_txt)[
            ["freq", "period", "breakdown", "source", "count", "suppressed", "months", "complete", "area"]
        ]
        furniture.download(
            table,
            label="Download the figures (CSV)",
            filename=f"trend-{partner_measure}",
            title=f"{title}: published and partner figures, {area_txt}",
            is_demo=panel_demo,
            source="Safer Wolverhampton Partnership (published); partner returns",
            key=f"tr_{partner_measure}_dl",
        )

furniture.provenance(kinds=("police_uk", "partner"))
