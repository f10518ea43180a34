"""Engagement: community meetings per 1,000 residents, engagement against harm,
the safety of women and girls survey with Wilson intervals, and how
representative respondents are."""

import numpy as np
import streamlit as st

from swp_data import fmt
from swp_data.analysis import public as public_site
from swp_data.analysis import reference, stats
from swp_data.periods import period_label
from swp_data.places import engagement_analysis
from ui import charts, furniture, gateway, sidebar, urlstate
from ui.urlstate import Choice

furniture.page_header(
    "Engagement",
    "Community meetings, surveys and consultations per 1,000 residents (Census 2021), set against harm, and "
    "how well respondents represent the city. Building community capacity is a theme of the strategy.",
)


f = sidebar.filters()
ss = st.session_state
sv = gateway.q(engagement_analysis.survey_by_ward)
sv_labels = sv["survey"] + " (" + sv["period"] + ")"
surveys = list(dict.fromkeys(sv_labels))


def _questions() -> list[str]:
    return list(dict.fromkeys(sv.loc[sv_labels == ss.get("en_survey", surveys[0]), "question"]))


def _answers() -> list[str]:
    pick = (sv_labels == ss.get("en_survey", surveys[0])) & (sv["question"] == ss.get("en_question", _questions()[0]))
    return list(dict.fromkeys(sv.loc[pick, "answer"]))


urlstate.page(  # a link's choices seed the widgets below
    "engagement",
    *(
        [
            Choice("survey", "en_survey", surveys),
            Choice("question", "en_question", _questions),
            Choice("answer", "en_answer", _answers, default=lambda: "No" if "No" in _answers() else _answers()[0]),
        ]
        if len(sv)
        else []
    ),
)
is_demo = furniture.demo_banner(kinds=("engagement",))
ds = furniture.datasets()
eng_ds = ds[ds["kind"] == "engagement"]


def demo_of(prefix: str) -> bool:
    """Whether the engagement datasets of one table (by dataset id) are demo."""
    d = eng_ds[eng_ds["dataset_id"].str.contains(prefix, regex=False)]
    return bool(d["is_demo"].any())


if f.area_kind == "city":
    scope_wards = None
    outlined: tuple[str, ...] = ()  # wards marked in the charts
else:
    scope_wards = set(gateway.q(reference.wards_of, tuple(f.lsoa_codes)))
    st.caption(f"Wards in {fmt.md(f.area_label)} are outlined or listed first; city medians and shares use every ward.")
    outlined = tuple(sorted(scope_wards))
if f.level == "lsoa":
    st.caption("Engagement returns are by ward: this page is at ward level whatever the Geography level.")

# ------------------------------------------------------------- meetings over time
st.subheader("Community meetings: attendees per 1,000 residents, by ward and quarter")
meet = gateway.q(engagement_analysis.meetings_by_ward_quarter)
meet_demo = demo_of(":meetings:")
if meet.empty:
    st.info(
        "No community meeting returns are loaded: import a meetings CSV (date, ward, kind, attendees) on the Data page."
    )
else:
    meet = meet.assign(quarter=[period_label(q, "quarter") for q in meet["quarter_start"]])
    meet_view = meet if scope_wards is None else meet[meet["ward_code"].isin(scope_wards)]
    piv = meet_view.pivot_table(
        index="ward_name", columns="quarter_start", values="attendees_per_1000", aggfunc="sum"
    ).sort_index(ascending=False)
    fig = charts.meetings_heatmap(piv)
    st.plotly_chart(fig, width="stretch", key="en_meet_heat")
    city = meet.groupby("quarter_start", as_index=False)[["meetings", "attendees", "population"]].sum()
    city["attendees_per_1000"] = stats.rate_per_1000(city["attendees"], city["population"]).to_numpy()
    last = city.iloc[-1]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Attendees, {period_label(last['quarter_start'], 'quarter')}", fmt.fmt_int(last["attendees"]))
    c2.metric("Per 1,000 residents (city)", f"{last['attendees_per_1000']:.1f}")
    c3.metric("Meetings that quarter", fmt.fmt_int(last["meetings"]))
    furniture.download(
        meet_view.drop(columns=["quarter_start"]).round(2),
        label="Download CSV",
        filename="meetings-by-ward-quarter",
        title="Community meetings by ward and quarter",
        is_demo=meet_demo,
        source="Partnership engagement returns",
        key="en_meet_dl",
    )

# ------------------------------------------------------------- engagement against harm
st.subheader("Engagement against harm, by ward")
eh = gateway.q(engagement_analysis.ward_engagement_harm)
if eh["harm"].isna().all() or eh["engagement"].isna().all():
    st.info("Needs both crime records and community meeting returns.")
else:
    hm, em = eh.attrs["harm_median"], eh.attrs["engagement_median"]
    focus = eh["quadrant"] == "High harm, low engagement"
    st.caption(
        f"Harm: harm-weighted crime per 1,000 residents, {eh.attrs.get('crime_window')}. Engagement: "
        f"meeting attendees per 1,000 residents, {eh.attrs.get('meeting_window')}. Lines at the city "
        "medians of the 20 wards."
    )
    fig = charts.engagement_harm(eh, harm_median=hm, engagement_median=em, outlined=outlined)
    st.plotly_chart(fig, width="stretch", key="en_harm_scatter")
    start = eh[focus].sort_values("harm", ascending=False)
    st.markdown(
        f"**Where capacity building should start** ({len(start)} wards with harm above and engagement "
        "below the city median):"
    )
    view = eh.rename(columns={"name": "ward", "harm": "harm per 1,000", "engagement": "attendees per 1,000"})[
        ["code", "ward", "quadrant", "harm per 1,000", "attendees per 1,000", "meetings", "attendees", "population"]
    ].sort_values(["quadrant", "harm per 1,000"], ascending=[True, False])
    st.dataframe(view[view["quadrant"] == "High harm, low engagement"].round(1), hide_index=True, width="stretch")
    furniture.download(
        view.round(2),
        label="Download CSV",
        filename="engagement-against-harm",
        title="Engagement against harm by ward",
        is_demo=is_demo or meet_demo,
        source="data.police.uk; partnership engagement returns; ONS Census 2021",
        key="en_harm_dl",
    )

# ------------------------------------------------------------- survey
st.subheader("Surveys: answers by ward, with 95% intervals")
survey_demo = demo_of(":survey:")
if sv.empty:
    st.info(
        "No survey returns are loaded: import a survey CSV (survey, period, ward, question, answer, "
        "responses) on the Data page."
    )
else:
    c1, c2 = st.columns(2)
    pick = c1.selectbox("Survey", surveys, key="en_survey")
    sub = sv[sv_labels == pick]
    question = c2.selectbox("Question", list(dict.fromkeys(sub["question"])), key="en_question")
    sub = sub[sub["question"] == question]
    answers = list(dict.fromkeys(sub["answer"]))
    answer = st.radio(
        "Share answering",
        answers,
        horizontal=True,
        format_func=fmt.md,  # radio labels render Markdown
        key="en_answer",
        index=answers.index("No") if "No" in answers else 0,
    )
    d = sub[sub["answer"] == answer].copy()
    total = int(sub["responses"].sum())
    n_ans = int(d["responses"].sum())
    city_share = n_ans / total if total else np.nan
    lo, hi = engagement_analysis.wilson_interval(n_ans, total) if total else (np.nan, np.nan)
    shown_view = (
        gateway.q(engagement_analysis.public_survey_of, sub["survey"].iloc[0], sub["period"].iloc[0], question)
        if f.public_mode
        else None
    )  # what the public site may show
    if shown_view is not None:  # city shares as published (whole percent), no interval that narrows them
        city_share = shown_view.city_share[answer] / 100.0
    m1, m2 = st.columns(2)
    m1.metric("Respondents", fmt.fmt_int(total))
    m2.metric(
        f"Answering “{fmt.md(answer)}” (city)",
        f"{100 * city_share:.0f}%",
        help=None if shown_view is not None else f"Wilson 95% interval {100 * lo:.1f}% to {100 * hi:.1f}%",
    )
    pub = gateway.q(
        reference.published_figures,
        ("safety_of_women_and_girls_not_safe_at_night", "safety_of_women_and_girls_survey_respondents"),
    )
    if len(pub) == 2 and "women and girls" in pick.lower():
        p = dict(zip(pub["indicator"], pub["value"], strict=True))
        st.caption(
            f"Published ({pub['period'].iloc[0]}): {fmt.fmt_int(p['safety_of_women_and_girls_survey_respondents'])} "
            f"respondents, {p['safety_of_women_and_girls_not_safe_at_night']:.0f}% do not feel safe when out "
            "and about at night."
        )
    if shown_view is not None:  # checked: no hidden count can be worked back from what is shown
        d = shown_view.cells[shown_view.cells["answer"] == answer].copy()
        st.caption(
            "Public mode: where an answer was given 1 to 4 times in a ward, it is not shown, nor are enough "
            "other answers and wards that the totals cannot reveal it; wards with fewer than 5 respondents "
            "show no total. City shares are rounded to whole percent."
        )
    d = d.sort_values("share", ascending=True)
    fig = charts.survey_by_ward(d, answer=answer, city_share=city_share, highlighted=outlined)
    st.plotly_chart(fig, width="stretch", key="en_survey_chart")
    st.caption("Error bars: Wilson score 95% intervals; wide bars mean few respondents in that ward.")
    furniture.download(
        d.assign(share=100 * d["share"], ci_low=100 * d["ci_low"], ci_high=100 * d["ci_high"]).round(2),
        label="Download CSV",
        filename="survey-by-ward",
        title=f"{pick}: {question} ({answer})",
        is_demo=survey_demo,
        source="Partnership survey returns",
        key="en_survey_dl",
    )

    # --------------------------------------------------------- representativeness
    st.subheader("Who answered: respondents by ward against residents (Census 2021)")
    rep = gateway.q(engagement_analysis.survey_representativeness, sub["survey"].iloc[0], question)
    if shown_view is not None:
        rep = public_site.public_representativeness(rep, shown_view.hidden_wards)
    fig = charts.survey_representativeness(rep)
    st.plotly_chart(fig, width="stretch", key="en_rep_chart")
    under = rep.sort_values("ratio").head(3)
    st.caption(
        "Least represented (respondent share ÷ resident share): "
        + "; ".join(f"{fmt.md(r.ward_name)} {r.ratio:.2f}" for r in under.itertuples())
        + ". 1.00 = in proportion."
    )
    furniture.download(
        rep.round(3),
        label="Download CSV",
        filename="survey-representativeness",
        title=f"{pick}: respondents by ward against Census 2021 residents",
        is_demo=survey_demo,
        source="Partnership survey returns; ONS Census 2021",
        key="en_rep_dl",
    )

# ------------------------------------------------------------- consultation
st.subheader("Consultations: respondents by postcode district or ward")
cons = gateway.q(engagement_analysis.consultation_shares)
if cons.empty:
    st.info("No consultation figures are loaded.")
else:
    for (name, period), d in cons.groupby(["consultation", "period"], sort=False):
        real = not d["is_demo"].any()
        st.markdown(f"**{fmt.md(name)} ({fmt.md(period)})**" + (" — as published" if real else " — DEMO"))
        fig = charts.consultation_shares(d)
        st.plotly_chart(fig, width="stretch", key=f"en_cons_{name}_{period}")
        if (d["geography_level"] == "postcode_district").any():
            st.caption(
                "Shares of respondents who gave a postcode, as published. The open data bundle has no "
                "population by postcode district, so residents cannot be set beside them here; WV5 "
                "(Wombourne) and WV8 (Codsall) lie mostly outside the city."
            )
        furniture.download(
            d.drop(columns=["dataset_id"]),
            label="Download CSV",
            filename=f"consultation-{period}",
            title=f"{name} ({period})",
            is_demo=not real,
            source="Safer Wolverhampton Partnership strategy 2020-23" if real else "Demo",
            key=f"en_cons_dl_{name}_{period}",
        )

furniture.provenance(kinds=("reference", "engagement"))
