"""Performance: each strategy priority's last 12 months against the 12 before,
its direction of travel, target and RAG status, the ward appendix and the
Impact Areas' shares; the meeting pack's exports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from swp_data import access, fmt, store, taxonomy
from swp_data.analysis import crime, reference
from swp_data.errors import InputError
from swp_data.periods import fmt_month
from swp_data.report import performance, priorities, targets, wording
from ui import a11y, action_panel, charts, furniture, gateway, pack_panel, sidebar, urlstate
from ui.urlstate import Choice

furniture.page_header(
    "Performance",
    "The quarterly performance report: each strategy priority the loaded data can measure, its last 12 months "
    "against the 12 before (exact test), direction of travel, target and RAG status.",
)

f = sidebar.filters()
months = gateway.q(crime.months_loaded)
prios = gateway.q(priorities.priorities)
# months as "YYYY-MM" (the form a link or the command line uses); None: the latest month held
options: list[str | None] = [f"{m:%Y-%m}" for m in reversed(months)][:60] or [None]
keys = {p.key: p.key for p in prios}
urlstate.page(
    "performance",
    Choice(
        "to",
        "perf_to",
        {m: m for m in options if m},
        default=options[0],
        why="not a month of the last 5 years loaded",
    ),
    Choice("chart", "perf_chart_priority", keys, default=next(iter(keys), None), why="not a priority of this report"),
    Choice("wards", "perf_ward_priority", keys, default=next(iter(keys), None), why="not a priority of this report"),
)
public = f.public_mode or access.mode() == "public"

if (flash := st.session_state.pop("perf_flash", None)) is not None:
    st.success(flash, icon=":material/check_circle:")

if not prios:
    st.info(
        "No figures to report yet. Import police.uk files or partner returns on the Data page, or load the demo "
        "dataset.",
        icon=":material/info:",
    )
    st.stop()

if st.session_state.get("perf_to") not in options:
    st.session_state["perf_to"] = options[0]
to_month = st.selectbox(
    "Report to the end of",
    options,
    key="perf_to",
    format_func=lambda m: "the latest month" if m is None else fmt_month(m + "-01"),
    help="The last month of the 12-month window. Earlier months give the figures as they stood then, on the "
    "records loaded now.",
)
try:
    rep = gateway.q(performance.report, to_month, public=public)
except InputError as e:
    st.warning(fmt.md(str(e)), icon=":material/warning:")
    st.stop()

if rep.is_demo:
    furniture.demo_banner(("police_uk", "partner", "impact_area"))
st.caption(
    f"{rep.window} against {rep.previous_window}. {fmt.md(rep.data_status)}."
    + (f" Public version: {performance.PUBLIC_PARTNER_NOTE}" if public else "")
)

# ----------------------------------------------------------------- the priorities
st.markdown(f"**{fmt.md(wording.headline(rep))}**")
st.subheader("Strategy priorities")
table = wording.summary_table(rep)
spark = f"Monthly, {fmt_month(rep.rows[0].monthly['month'].iloc[0])} to {fmt_month(rep.to_month)}"
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="perf_table",
    # the answer first (fits 1280x720): the change and its direction, whether it is real, the RAG and target
    column_order=[
        "Priority",
        "Change",
        "Direction of travel",
        "Is the change real?",
        "Status",
        "Target",
        "Rate per 1,000",
        "Last 12 months",
        "Charged or summonsed",
        "Previous 12 months",
        "trend",
        "Verdict",
        "Status reason",
        "Target set by",
        "Source",
    ],
    column_config={
        "Priority": st.column_config.TextColumn(pinned=True),
        "Status": st.column_config.TextColumn(help="RAG status against the target, in words"),
        "Last 12 months": st.column_config.NumberColumn(format="localized", help=rep.window),
        "Previous 12 months": st.column_config.NumberColumn(format="localized", help=rep.previous_window),
        "Charged or summonsed": st.column_config.TextColumn(
            help="Share of the priority's crimes charged or summonsed (Wilson 95% interval), of the 12 months of "
            "offences at least 6 months old, so that each has had time to reach an outcome (see Outcomes)"
        ),
        "Is the change real?": st.column_config.TextColumn(
            help="Exact Poisson test of the last 12 months against the 12 before: real only at 95% confidence"
        ),
        "Change": st.column_config.TextColumn(help="The last 12 months against the 12 before"),
        "Direction of travel": st.column_config.TextColumn(
            "Direction", help="The direction of the change beside it; level within 1% either way"
        ),
        "Verdict": st.column_config.TextColumn(width="large"),
        "Rate per 1,000": st.column_config.NumberColumn(format="%.2f", help="Per 1,000 residents (Census 2021)"),
        "trend": st.column_config.LineChartColumn(spark, y_min=0, width="medium"),
        "Target": st.column_config.TextColumn(width="medium", help="Targets marked DEMO are illustrative"),
        "Status reason": st.column_config.TextColumn(width="large"),
    },
)
st.markdown(f"**RAG thresholds.** {targets.rag_thresholds_text(rep.amber_margin)}")
st.caption(
    "Direction of travel: the direction of the change shown (the last 12 months against the 12 before, so the "
    "seasons do not show as a change); level within 1% either way. Violence stands in for public place "
    "violence (police.uk does not separate it)."
    + (" Counts under 10 are too few to judge." if table["Too few to judge"].any() else "")
)
furniture.download(
    table.drop(columns=["trend"]),
    label="Download the priorities (CSV)",
    filename=f"performance-{rep.to_month:%Y-%m}",
    title=f"Performance against the strategy priorities, {rep.window}",
    is_demo=rep.is_demo,
    source="police.uk; partner returns",
    key="perf_dl",
)


unmeasured = gateway.q(priorities.unmeasured_priorities)
if len(unmeasured):
    st.markdown(
        f"**Not measured yet.** {len(unmeasured)} of the strategy's priorities are not in the table: "
        + "; ".join(fmt.md(p).lower() for p in unmeasured["Priority"])
        + ". The loaded data cannot measure them; this is what each would need."
    )
    st.dataframe(
        unmeasured,
        hide_index=True,
        width="stretch",
        key="perf_unmeasured",
        column_config={
            "Priority": st.column_config.TextColumn(pinned=True),
            "Why it is not shown": st.column_config.TextColumn(width="large"),
            "What data it needs": st.column_config.TextColumn(width="large"),
        },
    )

with st.expander("One priority's rolling 12 months against its target"):
    by_key = {r.priority.key: r for r in rep.rows}
    k = st.selectbox(
        "Priority to chart", list(by_key), format_func=lambda x: by_key[x].priority.label, key="perf_chart_priority"
    )
    row = by_key[k]
    limit = None if row.target is None else targets.target_limit(row.target)
    fig = charts.priority_rolling_12(
        wording.rolling12(row),
        label=row.priority.label,
        is_demo=row.is_demo,
        limit=limit,
        amber_margin=rep.amber_margin,
    )
    st.plotly_chart(fig, width="stretch", key="perf_chart")
    a11y.chart_table(wording.rolling12(row), key="perf_chart_dl", title=f"{row.priority.label}: rolling 12 months",
                     filename=f"rolling-12-{k}", is_demo=row.is_demo)  # fmt: skip
    st.caption(fmt.md(f"{row.rag_reason}. {row.verdict}."))


# ----------------------------------------------------------------- targets (analysts)
def _write(fn, *args, done: str) -> None:
    try:
        with store.transaction() as con:
            fn(con, *args)
    except InputError as e:
        st.error(fmt.md(str(e)), icon=":material/error:")
        return
    st.session_state["perf_flash"] = done
    st.session_state["perf_editor_open"] = True  # keep the editor open after the rerun
    st.rerun()


actor = access.current()
if actor is not None and actor.is_analyst and not public:
    with st.expander("Targets and thresholds (analysts)", expanded=st.session_state.get("perf_editor_open", False)):
        labels = {p.key: p.label for p in prios}
        current = gateway.q(targets.targets)
        key = st.selectbox("Priority to set a target for", list(labels), format_func=labels.get, key="perf_t_priority")
        if key in current:
            t = current[key]
            st.caption(
                fmt.md(f"Current target: {targets.describe_target(t)}; set by {t.set_by} on {t.set_at:%d %b %Y %H:%M}.")
            )
        kinds = {"reduction_pct": "A percentage fewer than a baseline year", "count": "At most a number in 12 months"}
        kind = st.radio("Kind of target", list(kinds), format_func=kinds.get, key="perf_t_kind", horizontal=True)
        c1, c2, c3, c4 = st.columns(4)
        if kind == "reduction_pct":
            value = c1.number_input("Percent fewer", -99.0, 99.0, 5.0, 0.5, key="perf_t_pct")
            baseline = c2.text_input(
                "Baseline (financial year or 12 months)",
                value=gateway.q(performance.last_complete_fy, to_month) or "",
                key="perf_t_baseline",
                help="For example 2025/26, or 2025-01 to 2025-12. All 12 months must be loaded.",
            )
        else:
            value = c1.number_input("At most (in 12 months)", 0, 10_000_000, 1000, 10, key="perf_t_count")
            baseline = None
        fy = rep.to_month.year if rep.to_month.month >= 4 else rep.to_month.year - 1
        start = c3.date_input("From", dt.date(fy, 4, 1), key="perf_t_start", format="DD/MM/YYYY")
        end = c4.date_input("To", dt.date(fy + 1, 3, 31), key="perf_t_end", format="DD/MM/YYYY")
        b1, b2 = st.columns(2)
        if b1.button("Set target", key="perf_t_set", icon=":material/flag:", type="primary"):
            _write(
                targets.set_target,
                key,
                kind,
                value,
                start,
                end,
                baseline,
                done=f"Target set for {fmt.md(labels[key])}.",
            )
        if key in current and b2.button("Remove target", key="perf_t_remove", icon=":material/delete:"):
            _write(targets.remove_target, key, done=f"Target removed for {fmt.md(labels[key])}.")

        st.divider()
        m1, m2 = st.columns([1, 3])
        margin = m1.number_input(
            "Amber margin (%)", 0.0, 99.0, round(100 * rep.amber_margin, 2), 0.5, key="perf_margin"
        )
        m2.caption("Amber: above the target by no more than this; red beyond it.")
        if m2.button("Save the margin", key="perf_margin_save"):
            _write(targets.set_amber_margin, margin / 100.0, done=f"Amber margin set to {margin:g}%.")

        st.divider()
        st.markdown("**Add a priority of your own** (from police.uk categories)")
        n1, n2 = st.columns([1, 2])
        name = n1.text_input("Name", key="perf_p_name", max_chars=80)
        cats = n2.multiselect("Categories", list(taxonomy.CATEGORIES), key="perf_p_cats")
        if st.button("Add priority", key="perf_p_add", icon=":material/add:"):
            _write(priorities.add_priority, name, tuple(cats), done="Priority added.")
        own = [p for p in prios if p.custom]
        if own:
            r1, r2 = st.columns([2, 1])
            drop = r1.selectbox(
                "Remove one of your priorities", [p.key for p in own], format_func=labels.get, key="perf_p_drop"
            )
            if r2.button("Remove priority", key="perf_p_remove", icon=":material/delete:"):
                _write(priorities.remove_priority, drop, done="Priority removed.")

action_panel.render(public)  # each priority's actions and their status (not on the public site)

# ----------------------------------------------------------------- exports (helper 'pack')
st.subheader("Meeting pack")
pack_panel.render(rep, public)


# ----------------------------------------------------------------- ward appendix
st.subheader("Ward appendix")
w = rep.wards
if w.empty:
    st.info("No ward figures for these priorities.")
else:
    plabels = dict(zip(w["priority"], w["priority_label"], strict=False))
    pick = st.selectbox("Priority (ward appendix)", list(plabels), format_func=plabels.get, key="perf_ward_priority")
    view = w[w["priority"] == pick].sort_values("ward_name")
    shown = pd.DataFrame(
        {
            "Ward": view["ward_name"],
            "Last 12 months": view["count"],
            "Previous 12 months": view["prev_count"],
            "Rate per 1,000": view["rate_per_1000"].round(2),
            "Change": view["change_pct"].map(lambda v: "–" if pd.isna(v) else f"{v:+.1f}%"),
            "Is the change real?": view["verdict"],
            "Under 10 (unreliable)": view["small"].map({True: "Yes: too few to judge", False: ""}),
        }
    )
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        key="perf_wards",
        column_config={
            "Last 12 months": st.column_config.NumberColumn(format="localized", help=rep.window),
            "Previous 12 months": st.column_config.NumberColumn(format="localized", help=rep.previous_window),
            "Rate per 1,000": st.column_config.NumberColumn(format="%.2f", help="Per 1,000 residents of the ward"),
        },
    )
    if view["suppressed"].any():
        st.caption("Public version: partner figures are not published below city level.")
    furniture.download(
        w,
        label="Download the ward appendix, every priority (CSV)",
        filename=f"performance-wards-{rep.to_month:%Y-%m}",
        title=f"Ward appendix, {rep.window}",
        is_demo=rep.is_demo,
        source="police.uk; partner returns",
        key="perf_wards_dl",
    )

st.subheader("Impact Areas: share of residents against share of crime")
ia = rep.impact_areas
if ia.empty:
    st.info("No Impact Areas are defined. Define them on the Impact Areas page.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Impact Area": ia["name"] + ia["approximate"].map({True: " (approximate)", False: ""}),
                "LSOAs": ia["n_lsoa"],
                "Residents": ia["population"],
                "Share of residents": ia["population_share"].map("{:.1f}%".format),
                "Recorded crime (excl. ASB)": ia["crime"],
                "Share of crime": ia["crime_share"].map("{:.1f}%".format),
                "Crime share / resident share": ia["ratio"].round(2),
            }
        ),
        hide_index=True,
        width="stretch",
        key="perf_ia",
    )
    st.caption(
        f"Records with a location, {rep.window}. A ratio above 1 means more than its share of the city's crime."
        + (
            " Demo areas are approximations of the 2011-12 priority areas, for demonstration."
            if ia["is_demo"].any()
            else ""
        )
    )

    pub = gateway.q(
        reference.published_figures, ("priority_areas_population_share", "priority_areas_recorded_crime_share")
    )
    together = ia[ia["name"] == "All Impact Areas together"]
    if len(pub) == 2 and len(together) and ia["approximate"].all():
        v = dict(zip(pub["indicator"], pub["value"], strict=True))
        st.caption(
            f"For comparison, the 2011-12 strategy said the priority areas held about "
            f"{v['priority_areas_population_share']:g}% of residents and {v['priority_areas_recorded_crime_share']:g}% "
            f"of recorded crime ({fmt.md(pub['period'].iloc[0])}); these areas together: "
            f"{together['population_share'].iloc[0]:.1f}% and {together['crime_share'].iloc[0]:.1f}%."
        )

with st.expander("Methods"):
    for line in rep.methods:
        st.markdown(f"- {fmt.md(line)}")
furniture.provenance(kinds=("police_uk", "partner", "impact_area"))
