"""Action plan: the partnership's actions and their status, and "did it work?"
for an action (or any area, measure and start month) against matched
comparison LSOAs. Signed-in roles only (not the public site: the plan names
people); analysts add, edit, delete and import."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from swp_data import access, fmt, store, taxonomy
from swp_data.actions import evaluate, plan
from swp_data.analysis import crime
from swp_data.errors import InputError
from swp_data.periods import fmt_month
from swp_data.places.impact_areas import city_lsoas
from ui import auth, charts, furniture, gateway, sidebar, urlstate

furniture.page_header(
    "Action plan",
    "The partnership's actions by strategy priority, with their leads, places, dates and status; and, for an "
    "action with a place, a start and a measure, whether the measure fell more than in similar places.",
)
if access.mode() == "public":  # not served on the public site (app.py); a second check here
    st.info("The action plan is for the partnership's members: sign in to see it.")
    st.stop()

f = sidebar.filters()
ss = st.session_state
actions = gateway.q(plan.list_actions)
months = gateway.q(crime.months_loaded)
month_tokens = {f"{m:%Y-%m}": f"{m:%Y-%m}" for m in months}
ev_actions = evaluate.evaluable(actions)
action_tokens = {str(int(a)): int(a) for a in ev_actions["action_id"]}
measures = list(taxonomy.GROUPINGS) + [c for c in taxonomy.CATEGORIES if c not in taxonomy.GROUPINGS]
default_start = f"{months[-12]:%Y-%m}" if len(months) >= 12 + evaluate.MIN_PRE else None
FOR = {"action": "An action of the plan", "area": "The area chosen in the sidebar"}

urlstate.page(
    "actions",
    urlstate.Choice("for", "act_for", FOR, default=FOR["action"] if action_tokens else FOR["area"]),
    urlstate.Choice("action", "act_action", action_tokens, default=next(iter(action_tokens.values()), None)),
    urlstate.Choice("measure", "act_measure", measures, default=evaluate.DEFAULT_MEASURE),
    urlstate.Choice("start", "act_start", month_tokens, default=default_start, why="not a loaded month"),
)

if flash := ss.pop("act_flash", None):
    st.success(flash, icon=":material/check_circle:")

SYMBOL = {"not started": "○", "on track": "●", "at risk": "▲", "off track": "✕", "complete": "✓"}


def status_words(s: str) -> str:
    """A status in words with a shape (never colour alone)."""
    return f"{SYMBOL.get(s, '')} {s.capitalize()}".strip()


# ----------------------------------------------------------------- the plan
counts = {s: int((actions["status"] == s).sum()) for s in plan.STATUSES}
if actions.empty:
    st.markdown("**The action plan is empty.**" + (" Add actions below or import a CSV." if auth.may_change() else ""))
else:
    parts = [f"{n:,} {s}" for s, n in counts.items() if n]
    st.markdown(
        f"**The plan has {len(actions):,} action{'s' if len(actions) != 1 else ''}: {', '.join(parts)}.**"
        + (
            f" {counts['off track'] + counts['at risk']:,} need attention."
            if counts["off track"] + counts["at risk"]
            else ""
        )
    )
    view = pd.DataFrame(
        {
            "ID": actions["action_id"].astype(int),
            "Priority": actions["priority"],
            "Action": actions["title"],
            "Status": actions["status"].map(status_words),
            "Lead organisation": actions["lead_org"],
            "Named lead": actions["lead_name"],
            "Place": actions["place_label"],
            "Start": actions["start_date"].map(lambda d: "" if pd.isna(d) else pd.Timestamp(d).strftime("%d %b %Y")),
            "Due": actions["due_date"].map(lambda d: "" if pd.isna(d) else pd.Timestamp(d).strftime("%d %b %Y")),
            "Measure": actions["measure"].map(lambda m: plan.measure_options().get(m, m) if m else ""),
            "Note": actions["note"],
            "Last changed": [
                f"{pd.Timestamp(t):%d %b %Y %H:%M} by {w}"
                for t, w in zip(actions["updated_at"], actions["updated_by"], strict=True)
            ],
        }
    )
    st.dataframe(view, hide_index=True, width="stretch", key="act_table")
st.download_button(
    "Download the plan (CSV, the import format)",
    gateway.q(plan.export_csv).encode("utf-8-sig"),
    file_name="swp-action-plan.csv",
    mime="text/csv",
    key="act_export",
    icon=":material/download:",
    on_click="ignore",
)


# ----------------------------------------------------------------- analysts: add, edit, delete, import
def _write(fn, *args, ok: str, **kwargs) -> bool:
    try:
        with store.transaction() as con:
            fn(con, *args, **kwargs)
    except InputError as e:
        st.error(f"Not saved: {furniture.problem(e)}", icon=":material/error:")
        return False
    ss["act_flash"] = ok
    st.rerun()
    return True


def _form(prefix: str, init: dict) -> dict:
    """The fields of an action (add or edit); returns the add_action arguments."""
    places = gateway.q(plan.place_choices)
    lsoas = gateway.q(city_lsoas)
    prios = list(plan.STRATEGY_PRIORITIES)
    if init.get("priority") and init["priority"] not in prios:
        prios.append(init["priority"])
    out: dict = {}
    c1, c2 = st.columns(2)
    out["title"] = c1.text_input("Title", value=init.get("title", ""), key=f"{prefix}_title", max_chars=plan.TITLE_MAX)
    out["priority"] = c2.selectbox(
        "Strategy priority",
        prios,
        index=prios.index(init["priority"]) if init.get("priority") in prios else 0,
        key=f"{prefix}_priority",
        accept_new_options=True,
    )
    out["lead_org"] = c1.text_input("Lead organisation", value=init.get("lead_org", ""), key=f"{prefix}_org")
    out["lead_name"] = c2.text_input("Named lead", value=init.get("lead_name", ""), key=f"{prefix}_lead")
    kinds = list(plan.PLACE_KINDS)
    kind = st.radio(
        "Place",
        kinds,
        index=kinds.index(init.get("place_kind", "city")),
        format_func=plan.PLACE_KIND_LABELS.get,
        horizontal=True,
        key=f"{prefix}_kind",
    )
    out["place_kind"], out["place_code"] = kind, None
    if kind in ("ward", "impact_area"):
        opts = places[places["kind"] == kind]
        codes = list(opts["code"])
        labels = dict(zip(opts["code"], opts["label"], strict=True))
        if not codes:
            st.caption("No Impact Areas are defined yet (Impact Areas page).")
        else:
            cur = init.get("place_code")
            out["place_code"] = st.selectbox(
                plan.PLACE_KIND_LABELS[kind],
                codes,
                index=codes.index(cur) if cur in codes else 0,
                format_func=lambda c: labels.get(c, c),
                key=f"{prefix}_place_{kind}",
            )
    elif kind == "lsoas":
        names = dict(zip(lsoas["code"], lsoas["name"], strict=True))
        cur = [c for c in str(init.get("place_code") or "").split(";") if c in names]
        picked = st.multiselect(
            "LSOAs",
            list(names),
            default=cur,
            format_func=lambda c: f"{names[c]} ({c})",
            key=f"{prefix}_lsoas",
        )
        out["place_code"] = ";".join(picked)
    c1, c2, c3 = st.columns(3)
    out["start"] = c1.date_input(
        "Start", value=_date(init.get("start_date")), key=f"{prefix}_start", format="DD/MM/YYYY"
    )
    out["due"] = c2.date_input("Due", value=_date(init.get("due_date")), key=f"{prefix}_due", format="DD/MM/YYYY")
    out["status"] = c3.selectbox(
        "Status",
        list(plan.STATUSES),
        index=list(plan.STATUSES).index(init.get("status", "not started")),
        format_func=status_words,
        key=f"{prefix}_status",
    )
    mopts = {"": "(none)", **plan.measure_options()}
    cur_m = init.get("measure") or ""
    out["measure"] = (
        st.selectbox(
            "Measure it should move",
            list(mopts),
            index=list(mopts).index(cur_m) if cur_m in mopts else 0,
            format_func=mopts.get,
            key=f"{prefix}_measure",
        )
        or None
    )
    out["note"] = st.text_area("Note", value=init.get("note", ""), key=f"{prefix}_note", max_chars=plan.NOTE_MAX)
    for k in ("start", "due"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


def _date(d):
    return None if d is None or pd.isna(d) else pd.Timestamp(d).date()


if auth.may_change():
    with st.expander("Change the plan (analysts)", icon=":material/edit:"):
        tab_add, tab_edit, tab_import = st.tabs(["Add an action", "Edit or delete", "Import a CSV"])
        with tab_add:
            fields = _form("act_new", {})
            if st.button("Add the action", key="act_add", icon=":material/add:"):
                _write(plan.add_action, ok=f"Added “{fmt.md(fields['title'])}”.", **fields)
        with tab_edit:
            if actions.empty:
                st.caption("No actions yet.")
            else:
                titles = dict(zip(actions["action_id"].astype(int), actions["title"], strict=True))
                aid = st.selectbox("Action", list(titles), format_func=lambda a: f"{a}: {titles[a]}", key="act_edit_id")
                row = actions[actions["action_id"] == aid].iloc[0].to_dict()
                fields = _form(f"act_edit_{aid}", row)
                c1, c2 = st.columns(2)
                if c1.button("Save the changes", key="act_save", icon=":material/save:"):
                    _write(plan.update_action, int(aid), ok=f"Saved action {aid}.", **fields)
                confirm = c2.checkbox("Yes, delete this action", key="act_del_confirm")
                if c2.button("Delete the action", key="act_delete", icon=":material/delete:", disabled=not confirm):
                    _write(plan.delete_action, int(aid), ok=f"Deleted action {aid}.")
        with tab_import:
            st.caption(
                "A CSV with the columns of the download above (title and priority required; see "
                "docs/import_formats.md, “Action plan”). A row with an existing action_id, or the same title and "
                "place, updates that action; others are added. Importing the same file again changes nothing."
            )
            up = st.file_uploader("Action plan CSV", type=["csv"], key="act_upload")
            if up is not None and st.button("Import", key="act_import", icon=":material/upload:"):
                try:
                    with store.transaction() as con:
                        r = plan.import_csv(con, up.name, data=up.getvalue())
                except InputError as e:
                    st.error(f"Not imported: {furniture.problem(e)}", icon=":material/error:")
                else:
                    ss["act_flash"] = (
                        f"Imported {fmt.md(up.name)}: {r['added']} added, {r['changed']} changed, "
                        f"{r['unchanged']} unchanged."
                    )
                    st.rerun()

# ----------------------------------------------------------------- did it work?
st.subheader("Did it work?")
if not months:
    st.info("No crime records are loaded: import police.uk data or load the demo on the Data page.")
    st.stop()
is_demo = furniture.demo_banner(("police_uk",))
if ss.get("act_for") not in FOR.values():
    ss["act_for"] = FOR["action"] if action_tokens else FOR["area"]
choice = st.radio("For", list(FOR.values()), key="act_for", horizontal=True)
ev = None
try:
    if choice == FOR["action"]:
        if not action_tokens:
            st.info(
                "No action has a place smaller than the city, a start date and a police.uk measure yet: add them "
                "to an action, or choose “The area chosen in the sidebar”."
            )
            st.stop()
        titles = dict(zip(ev_actions["action_id"].astype(int), ev_actions["title"], strict=True))
        if ss.get("act_action") not in titles:  # deleted, or changed so it cannot be asked
            ss["act_action"] = next(iter(titles))
        aid = st.selectbox("Action", list(titles), format_func=lambda a: f"{a}: {titles[a]}", key="act_action")
        ev = gateway.q(evaluate.evaluate_action, int(aid))
    else:
        if f.area_kind == "city":
            st.info("Choose a ward or an Impact Area in the sidebar (Area): the city has no comparison areas in it.")
            st.stop()
        c1, c2 = st.columns(2)
        if ss.get("act_measure") not in measures:
            ss["act_measure"] = evaluate.DEFAULT_MEASURE
        measure = c1.selectbox("Measure", measures, key="act_measure")
        opts = list(month_tokens)
        if ss.get("act_start") not in opts:
            ss["act_start"] = default_start or opts[-1]
        start = c2.selectbox("Start month", opts, key="act_start", format_func=lambda m: fmt_month(m + "-01"))
        label = f.area_label.split(": ", 1)[-1] + (" ward" if f.area_kind == "ward" else "")
        ev = gateway.q(evaluate.evaluate_codes, tuple(f.lsoa_codes), start, None, measure, label=label)
except InputError as e:
    st.warning(f"Cannot say: {furniture.problem(e)}", icon=":material/warning:")
    st.stop()

e = ev.estimate
st.markdown(f"**{fmt.md(ev.measure)} in {fmt.md(ev.area)} from {ev.start:%b %Y}: {fmt.md(ev.verdict)}.**")
st.caption(
    f"Rate ratio {e.rate_ratio:.2f} (95% interval {e.ci_low:.2f} to {e.ci_high:.2f}, p = {e.p:.3f}): the area's "
    f"change over the change in {len(ev.comparison)} similar LSOAs; below 1 means it fell more. "
    f"{ev.pre_months} months before ({ev.pre_first:%b %Y} to {ev.start - pd.DateOffset(months=1):%b %Y}), "
    f"{ev.post_months} from the start (to {ev.end:%b %Y}). {evaluate.mde_text(e).capitalize()}."
)
plot = ev.series.copy()
plot["where"] = plot["where"].map(html.escape)
plot["label"] = [
    f"{w}: {m:%b %Y}, {n:,} records, {r:.2f} per 1,000"
    for w, m, n, r in zip(plot["where"], plot["month"], plot["count"], plot["rate_per_1000"], strict=True)
]
st.plotly_chart(
    charts.did_it_work(plot, start=ev.start, start_label=f"Start: {ev.start:%b %Y}"),
    width="stretch",
    key="act_chart",
)
table = ev.series.assign(month=ev.series["month"].dt.strftime("%b %Y"))[
    ["month", "where", "period", "count", "population", "rate_per_1000"]
]
furniture.download(
    table,
    label="Download the chart's data (CSV)",
    filename="did-it-work",
    title=f"Did it work? {ev.measure} in {ev.area} from {ev.start:%b %Y}",
    is_demo=is_demo,
    key="act_chart_dl",
)

c1, c2 = st.columns(2)
with c1:
    st.markdown("**Placebo check** (the same analysis with the start a year earlier)")
    if ev.placebo:
        pe = ev.placebo.estimate
        ok = pe.ci_low <= 1 <= pe.ci_high
        st.markdown(
            f"From {ev.placebo.start:%b %Y}: {fmt.md(ev.placebo.verdict)} (rate ratio {pe.rate_ratio:.2f}, "
            f"{pe.ci_low:.2f} to {pe.ci_high:.2f}). "
            + (
                "As it should: nothing started then."
                if ok
                else "**Caution:** a change where nothing started suggests the area and its comparison were "
                "already drifting apart; read the result above with care."
            )
        )
    else:
        st.markdown(fmt.md(ev.placebo_note))
with c2:
    st.markdown("**Displacement** (the ring of LSOAs around the area)")
    if ev.displacement:
        de = ev.displacement.estimate
        st.markdown(
            f"{len(ev.ring)} neighbouring LSOAs: {fmt.md(ev.displacement.verdict)} (rate ratio "
            f"{de.rate_ratio:.2f}, {de.ci_low:.2f} to {de.ci_high:.2f})."
            + (
                " A rise next door alongside a fall inside suggests crime moved rather than stopped."
                if de.p < 0.05 and de.rate_ratio > 1
                else ""
            )
        )
    else:
        st.markdown(fmt.md(ev.displacement_note))

with st.expander("The comparison LSOAs and how they were matched"):
    names = gateway.q(city_lsoas).set_index("code")["name"]
    m = ev.matching.assign(name=lambda d: d["lsoa21_code"].map(names))
    m = m[["group", "lsoa21_code", "name", "level", "trend", "deprivation"]].rename(
        columns={
            "group": "Group",
            "lsoa21_code": "LSOA",
            "name": "Name",
            "level": "Level before (log rate per 1,000 a month)",
            "trend": "Trend before (log ratio, 2nd half to 1st)",
            "deprivation": "Deprivation (mean standardised IMD 2025 domains)",
        }
    )
    st.dataframe(m, hide_index=True, width="stretch")
    furniture.download(
        m,
        label="Download the matching (CSV)",
        filename="did-it-work-matching",
        title=f"Comparison LSOAs for {ev.area}",
        is_demo=is_demo,
        key="act_match_dl",
    )

with st.expander("Method"):
    st.markdown(
        f"""
- **Difference in differences.** The area's monthly records of the measure against those of matched comparison
  LSOAs, from up to {evaluate.MAX_PRE} months before the start (at least {evaluate.MIN_PRE}) to the end (at least
  {evaluate.MIN_POST} months). The rate ratio is the area's after/before ratio over the comparison's.
- **Comparison LSOAs**: for each LSOA in the area, its most similar LSOAs outside the area and outside its ring of
  neighbours, on the level and trend of the measure before the start and on deprivation (IMD 2025 domains other
  than crime), standardised, nearest by Euclidean distance (the similar-places method of the Impact Areas page);
  at least {evaluate.MIN_POOL}.
- **Model**: a Poisson model with a term per month (shared seasons and city-wide change), quasi-Poisson
  variance (monthly counts vary more than Poisson: the Pearson dispersion, never below 1), Student's t interval.
- **Minimum detectable effect**: the smallest fall the data would find at 5% significance with 80% power. "No
  change" for a small area with a large minimum detectable effect means the data cannot tell, not that nothing
  happened.
- **Placebo**: the same analysis a year earlier, on the months before the start; **displacement**: the same for
  the ring of neighbouring LSOAs (queen contiguity).
- **Caveats**: months are treated as independent (runs of similar months would make the interval too narrow);
  the comparison is matched, not randomised: other changes in the area at the same time are counted as the
  action's; police.uk places records at anonymised points near where they happened. At least
  {evaluate.MIN_RECORDS} records of the measure are needed in the area before the start.
"""
    )

furniture.provenance(kinds=("police_uk", "impact_area"))
