"""Engagement imports (meetings, survey, consultation) and their query helpers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from swp_data import store
from swp_data.errors import InputError
from swp_data.places import engagement_analysis
from swp_data.sources import engagement, partner

from .csv_helpers import one, read_snapshot, snapshot, write

Report = partner.Tally  # the counters an import report carries


D = dt.date
HOSTILE_HTML = "<img src=x onerror=alert(1)>"
HOSTILE_FORMULA = "=CMD()"


def do_import(path: Path, kind: str, *, is_demo: bool = False) -> Report:
    rep = Report()
    with store.transaction() as con:
        engagement.import_engagement_csv(con, path, kind, is_demo=is_demo, report=rep)
    return rep


def query(fn, *args, **kw):
    with store.reading() as con:
        return fn(con, *args, **kw)


def ward_pop(code: str) -> int:
    return one("SELECT population FROM ward WHERE ward_code = ?", [code])[0][0]


MEETINGS = (
    "Date,Ward,Kind,Attendees\n"
    "2024-01-15,Bilston North,PACT meeting,12\n"
    "2024-02-20,E05014838,Community walkabout,8\n"
    "2024-05-03,penn,PACT meeting,20\n"
    "2024-05-03,Penn,Community walkabout,5\n"
)


def test_meetings_import_and_by_ward_quarter(store_path, tmp_path):
    rep = do_import(write(tmp_path, "Meetings_2024.csv", MEETINGS), "meetings")
    assert (rep.files, rep.rows_read, rep.rows_kept) == (1, 4, 4)
    assert rep.datasets == ["engagement:meetings:meetings_2024"]
    assert one("SELECT dataset_id, date, ward_code, kind, attendees FROM engagement_meeting ORDER BY ALL") == [
        ("engagement:meetings:meetings_2024", D(2024, 1, 15), "E05014838", "PACT meeting", 12),
        ("engagement:meetings:meetings_2024", D(2024, 2, 20), "E05014838", "Community walkabout", 8),
        ("engagement:meetings:meetings_2024", D(2024, 5, 3), "E05014852", "Community walkabout", 5),
        ("engagement:meetings:meetings_2024", D(2024, 5, 3), "E05014852", "PACT meeting", 20),
    ]
    assert one(
        "SELECT kind, is_demo, period_start, period_end, row_count FROM dataset "
        "WHERE dataset_id = 'engagement:meetings:meetings_2024'"
    ) == [("engagement", False, D(2024, 1, 15), D(2024, 5, 3), 4)]

    df = query(engagement_analysis.meetings_by_ward_quarter)
    assert list(df.columns) == [
        "ward_code",
        "ward_name",
        "quarter_start",
        "meetings",
        "attendees",
        "population",
        "attendees_per_1000",
    ]
    assert len(df) == 2 * 20  # every ward, both quarters from the first to the last
    q1 = df[(df.ward_code == "E05014838") & (df.quarter_start == "2024-01-01")].iloc[0]
    assert (q1.ward_name, q1.meetings, q1.attendees) == ("Bilston North", 2, 20)
    assert q1.population == ward_pop("E05014838")
    assert q1.attendees_per_1000 == pytest.approx(20 / ward_pop("E05014838") * 1000)
    q2 = df[(df.ward_code == "E05014852") & (df.quarter_start == "2024-04-01")].iloc[0]
    assert (q2.meetings, q2.attendees) == (2, 25)
    assert df.attendees.sum() == 45 and df.meetings.sum() == 4
    quiet = df[(df.ward_code == "E05014850")]
    assert quiet.meetings.tolist() == [0, 0] and quiet.attendees_per_1000.tolist() == [0.0, 0.0]


def test_meetings_query_empty_store(store_path):
    df = query(engagement_analysis.meetings_by_ward_quarter)
    assert df.empty and "attendees_per_1000" in df.columns


SURVEY = (
    "survey,period,ward,question,answer,responses\n"
    "Safety of women and girls,2023,Bilston North,Do you feel safe at night?,Yes,30\n"
    "Safety of women and girls,2023,Bilston North,Do you feel safe at night?,No,25\n"
    "Safety of women and girls,2023,Penn,Do you feel safe at night?,Yes,40\n"
    "Safety of women and girls,2023,Penn,Do you feel safe at night?,No,8\n"
    "Safety of women and girls,2023,Penn,Do you feel safe at night?,Don't know,0\n"
    "Safety of women and girls,2023,Penn,Have you been harassed?,Yes,12\n"
    "Safety of women and girls,2023,Penn,Have you been harassed?,No,33\n"
    "Other survey,2023-Q1,Oxley,Do you feel safe at night?,Yes,0\n"
    "Other survey,2023-Q1,Oxley,Do you feel safe at night?,No,0\n"
)


def test_survey_import_and_wilson_intervals(store_path, tmp_path):
    do_import(write(tmp_path, "swg.csv", SURVEY), "survey")
    assert one("SELECT DISTINCT survey, period FROM engagement_survey ORDER BY ALL") == [
        ("Other survey", "Jan–Mar 2023"),
        ("Safety of women and girls", "2023"),
    ]
    assert one(
        "SELECT period_start, period_end, row_count FROM dataset WHERE dataset_id = 'engagement:survey:swg'"
    ) == [(D(2023, 1, 1), D(2023, 12, 31), 9)]

    df = query(
        engagement_analysis.survey_by_ward, survey="Safety of women and girls", question="Do you feel safe at night?"
    )
    assert len(df) == 5 and set(df.ward_name) == {"Bilston North", "Penn"}
    counts = {
        ("E05014838", "Yes"): (30, 55),
        ("E05014838", "No"): (25, 55),
        ("E05014852", "Yes"): (40, 48),
        ("E05014852", "No"): (8, 48),
        ("E05014852", "Don't know"): (0, 48),
    }
    for r in df.itertuples():
        k, n = counts[(r.ward_code, r.answer)]
        lo, hi = proportion_confint(k, n, alpha=0.05, method="wilson")
        assert (r.responses, r.ward_responses) == (k, n)
        assert r.share == pytest.approx(k / n, abs=1e-12)
        assert r.ci_low == pytest.approx(lo, abs=1e-12) and r.ci_high == pytest.approx(hi, abs=1e-12)
    assert df.loc[(df.ward_code == "E05014852") & (df.answer == "Don't know"), "ci_high"].iloc[0] > 0

    all_rows = query(engagement_analysis.survey_by_ward)
    assert len(all_rows) == 9
    oxley = all_rows[all_rows.ward_code == "E05014850"]
    assert oxley.share.isna().all() and oxley.ci_low.isna().all()  # no responses: no interval
    harassed = query(engagement_analysis.survey_by_ward, question="Have you been harassed?")
    assert harassed.share.sum() == pytest.approx(1.0) and len(harassed) == 2


def test_survey_period_written_two_ways_is_one_key(store_path, tmp_path):
    a = write(tmp_path, "a.csv", "survey,period,ward,question,answer,responses\nS,2023-Q1,Penn,Q,Yes,3\n")
    b = write(tmp_path, "b.csv", "survey,period,ward,question,answer,responses\nS,2023 q1,PENN,Q,Yes,4\n")
    do_import(a, "survey")
    rep = do_import(b, "survey")
    assert one("SELECT dataset_id, period, responses FROM engagement_survey") == [
        ("engagement:survey:b", "Jan–Mar 2023", 4)
    ]
    assert one("SELECT count(*) FROM dataset WHERE dataset_id = 'engagement:survey:a'") == [(0,)]
    assert any("engagement:survey:a (1)" in w for w in rep.warnings)


def test_hostile_text_is_stored_verbatim(store_path, tmp_path):
    m = write(
        tmp_path,
        "m.csv",
        f'date,ward,kind,attendees\n2024-03-01,Penn,"{HOSTILE_HTML}",3\n2024-03-01,Penn,{HOSTILE_FORMULA},4\n',
    )
    s = write(
        tmp_path,
        "s.csv",
        "survey,period,ward,question,answer,responses\n"
        f'S,2024,Penn,{HOSTILE_FORMULA},"{HOSTILE_HTML}",5\nS,2024,Penn,{HOSTILE_FORMULA},{HOSTILE_FORMULA},6\n',
    )
    do_import(m, "meetings")
    do_import(s, "survey")
    assert one("SELECT kind FROM engagement_meeting ORDER BY 1") == [(HOSTILE_HTML,), (HOSTILE_FORMULA,)]
    assert one("SELECT question, answer FROM engagement_survey ORDER BY 2") == [
        (HOSTILE_FORMULA, HOSTILE_HTML),
        (HOSTILE_FORMULA, HOSTILE_FORMULA),
    ]
    df = query(engagement_analysis.survey_by_ward, question=HOSTILE_FORMULA)
    assert sorted(df.answer) == sorted([HOSTILE_HTML, HOSTILE_FORMULA])


CONSULTATION = (
    "consultation,period,geography,responses,share\n"
    "Test consultation,2024,wv1,10,\n"
    "Test consultation,2024,WV 10,30,\n"
    "Test consultation,2024,Graiseley,,12.5\n"
    "Test consultation,2024,heath town,7,20%\n"
)


def test_consultation_import_and_shares(store_path, tmp_path):
    do_import(write(tmp_path, "consult.csv", CONSULTATION), "consultation")
    assert one(
        "SELECT geography_level, geography_code, responses, share FROM engagement_consultation "
        "WHERE dataset_id = 'engagement:consultation:consult' ORDER BY 2"
    ) == [
        ("ward", "E05014847", None, 12.5),
        ("ward", "E05014848", 7.0, 20.0),
        ("postcode_district", "WV1", 10.0, None),
        ("postcode_district", "WV10", 30.0, None),
    ]
    df = query(engagement_analysis.consultation_shares)
    mine = df[df.consultation == "Test consultation"].set_index("geography_code")
    assert mine.loc["WV1", "share"] == pytest.approx(25.0) and not mine.loc["WV1", "share_given"]
    assert mine.loc["WV10", "share"] == pytest.approx(75.0)
    assert mine.loc["E05014847", "geography_name"] == "Graiseley" and mine.loc["E05014847", "share"] == 12.5
    assert bool(mine.loc["E05014848", "share_given"])


def test_published_consultation_after_build(store_path):
    df = query(engagement_analysis.consultation_shares)
    pub = df[df.dataset_id == engagement.PUBLISHED_CONSULTATION_ID]
    assert pub.geography_code.tolist() == ["WV1", "WV2", "WV3", "WV4", "WV5", "WV6", "WV8", "WV10", "WV11", "WV14"]
    assert pub.set_index("geography_code").loc["WV1", "share"] == pytest.approx(27.3)
    assert pub.share.sum() == pytest.approx(100.1)
    assert pub.responses.isna().all() and not pub.is_demo.any() and (pub.period == "2020").all()
    assert one(
        "SELECT kind, licence, is_demo, row_count, period_start FROM dataset WHERE dataset_id = ?",
        [engagement.PUBLISHED_CONSULTATION_ID],
    ) == [
        (
            "engagement",
            "Open Government Licence v3.0 (published by the Safer Wolverhampton Partnership)",
            False,
            10,
            D(2020, 1, 1),
        )
    ]
    before = read_snapshot()
    with store.transaction() as con:
        engagement.load_published_consultation(con)
    assert read_snapshot() == before


@pytest.mark.parametrize(
    "kind,name,text",
    [
        ("meetings", "m.csv", MEETINGS),
        ("survey", "s.csv", SURVEY),
        ("consultation", "c.csv", CONSULTATION),
    ],
)
def test_reimport_is_idempotent(store_path, tmp_path, kind, name, text):
    p = write(tmp_path, name, text)
    do_import(p, kind)
    first = read_snapshot()
    rep = do_import(p, kind)
    assert read_snapshot() == first
    assert len([w for w in rep.warnings if "replaced" in w]) == 1


def test_demo_engagement_dataset(store_path, tmp_path):
    rep = do_import(write(tmp_path, "Demo_Meetings.csv", MEETINGS), "meetings", is_demo=True)
    assert rep.datasets == ["demo:engagement:meetings:demo_meetings"]
    assert one("SELECT is_demo, licence FROM dataset WHERE dataset_id = ?", [rep.datasets[0]]) == [
        (True, "Demo data (synthetic)")
    ]


def test_detect_kind():
    assert engagement.detect_kind(["Date", " ward", "kind", "attendees"]) == "meetings"
    assert engagement.detect_kind(["survey", "period", "ward", "question", "answer", "responses"]) == "survey"
    assert engagement.detect_kind(["consultation", "period", "geography", "share"]) == "consultation"
    assert engagement.detect_kind(["period", "geography", "measure", "count"]) is None


M_HEAD = "date,ward,kind,attendees\n2024-01-10,Penn,PACT meeting,5\n"
S_HEAD = "survey,period,ward,question,answer,responses\nS,2024,Penn,Q,Yes,5\n"
C_HEAD = "consultation,period,geography,responses,share\nC,2024,WV3,5,\n"
BAD = [
    ("meetings", "uk_date", M_HEAD + "15/01/2024,Penn,PACT meeting,3\n", 3, "not an ISO date"),
    ("meetings", "no_such_day", M_HEAD + "2024-02-30,Penn,PACT meeting,3\n", 3, "does not exist"),
    ("meetings", "future_date", M_HEAD + "2099-01-01,Penn,PACT meeting,3\n", 3, "in the future"),
    ("meetings", "negative", M_HEAD + "2024-01-11,Penn,PACT meeting,-2\n", 3, "negative"),
    ("meetings", "unknown_ward", M_HEAD + "2024-01-11,Sedgley,PACT meeting,2\n", 3, "unknown ward"),
    ("meetings", "empty_kind", M_HEAD + "2024-01-11,Penn,,2\n", 3, "kind is empty"),
    ("meetings", "duplicate", M_HEAD + "2024-01-10,PENN,PACT meeting,9\n", 3, "same date, ward and kind as row 2"),
    ("meetings", "missing_col", "date,ward,kind\n2024-01-10,Penn,PACT\n", 1, "missing column(s) attendees"),
    ("meetings", "bad_encoding", M_HEAD.encode() + b"2024-01-11,Penn,Caf\xe9 chat,2\n", 3, "not UTF-8"),
    ("meetings", "truncated", M_HEAD + "2024-01-11,Penn", 3, "truncated"),
    ("survey", "future_period", S_HEAD + "S,2099,Penn,Q,No,1\n", 3, "in the future"),
    ("survey", "bad_period", S_HEAD + "S,spring 2024,Penn,Q,No,1\n", 3, "calendar year"),
    ("survey", "fraction", S_HEAD + "S,2024,Penn,Q,No,1.5\n", 3, "not a whole number"),
    ("survey", "duplicate", S_HEAD + "S,2024,penn,Q,Yes,1\n", 3, "same survey, period, ward, question and answer"),
    (
        "survey",
        "no_answer_col",
        "survey,period,ward,question,responses\nS,2024,Penn,Q,1\n",
        1,
        "missing column(s) answer",
    ),
    ("consultation", "wv15", C_HEAD + "C,2024,WV15,5,\n", 3, "not one of Wolverhampton's postcode districts"),
    ("consultation", "wv99", C_HEAD + "C,2024,WV99,5,\n", 3, "not one of Wolverhampton's postcode districts"),
    ("consultation", "birmingham", C_HEAD + "C,2024,B1,5,\n", 3, "not a Wolverhampton district"),
    ("consultation", "full_postcode", C_HEAD + "C,2024,WV1 1AA,5,\n", 3, "give the postcode district only"),
    ("consultation", "not_a_place", C_HEAD + "C,2024,Sedgley,5,\n", 3, "or a postcode district"),
    ("consultation", "both_empty", C_HEAD + "C,2024,WV4,,\n", 3, "give responses, share or both"),
    ("consultation", "share_over_100", C_HEAD + "C,2024,WV4,,100.5\n", 3, "outside 0 to 100"),
    ("consultation", "share_text", C_HEAD + "C,2024,WV4,,lots\n", 3, "not a number"),
    ("consultation", "duplicate", C_HEAD + "C,2024,wv 3,,4\n", 3, "same consultation, period and geography"),
    ("consultation", "no_value_cols", "consultation,period,geography\nC,2024,WV3\n", 1, "responses column, a share"),
]


@pytest.mark.parametrize("case", BAD, ids=[f"{c[0]}-{c[1]}" for c in BAD])
def test_bad_engagement_input_names_file_and_row(store_path, tmp_path, case):
    kind, name, content, row, words = case
    do_import(
        write(tmp_path, "earlier.csv", {"meetings": M_HEAD, "survey": S_HEAD, "consultation": C_HEAD}[kind]), kind
    )
    before = read_snapshot()
    p = write(tmp_path, f"bad_{name}.csv", content)
    with store.transaction() as con:
        with pytest.raises(InputError) as e:
            engagement.import_engagement_csv(con, p, kind, is_demo=False, report=Report())
        inside = snapshot(con)
    msg = str(e.value)
    assert e.value.row == row, msg
    assert p.name in msg and f"row {row}" in msg
    assert words.lower() in msg.lower(), msg
    assert inside == before and read_snapshot() == before


def test_all_wolverhampton_districts_accepted(store_path, tmp_path):
    text = "consultation,period,geography,share\n" + "".join(
        f"All districts,2024,{d.lower()},{100 / 14:.4f}\n" for d in engagement.POSTCODE_DISTRICTS
    )
    rep = do_import(write(tmp_path, "districts.csv", text), "consultation")
    assert rep.rows_kept == 14
    got = query(engagement_analysis.consultation_shares)
    got = got[got.consultation == "All districts"]
    assert got.geography_code.tolist() == [f"WV{i}" for i in range(1, 15)]
    assert np.allclose(got.share, 100 / 14, atol=1e-4)
