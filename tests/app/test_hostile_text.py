"""AppTest: text from data (crime categories, survey answers, consultation
names, Impact Area names) never renders as live Markdown or chart HTML, and a
busy store's internals stay out of the page (issue 11)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import duckdb
import pytest

from swp_data import fmt
from swp_data.places import impact_areas
from tests.app.conftest import open_page

HOSTILE = '![x](http://evil.example/x.png) [Click to log in](http://evil.example) <a href="//evil.example">h</a>'
# Live Markdown image or link: "](" not preceded by a backslash, after "[...".
LIVE_MARKDOWN = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")
LIVE_HTML = re.compile(r"<(a|img)\b", re.IGNORECASE)


def texts(at) -> list[str]:
    """Every text the page renders as Markdown: bodies of markdown-like
    elements, metric labels and radio options."""
    out = []
    for kind in ("markdown", "caption", "subheader", "header", "title", "info", "warning", "error", "success"):
        out += [str(e.value) for e in at.get(kind)]
    out += [str(m.label) for m in at.metric]
    for r in at.radio:
        out += [str(o) for o in r.options]
    return out


def chart_specs(at) -> list[str]:
    """Plotly figures as plain JSON text (the spec escapes "<" as \\u003c)."""
    return [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]


def assert_inert(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    rendered = texts(at)
    assert any("Click to log in" in t and "evil" in t for t in rendered), "the hostile text is shown, escaped"
    live = [t for t in rendered if LIVE_MARKDOWN.search(t) or LIVE_HTML.search(t)]
    assert not live, live
    charts = [s for s in chart_specs(at) if LIVE_HTML.search(s)]
    assert not charts, [s[:300] for s in charts]


@pytest.fixture
def hostile_store(demo_store_path):
    """The demo store with a crime category, a survey (with its answers) and
    a consultation named by hostile text, as a careless or malicious import
    could leave them."""
    con = duckdb.connect(str(demo_store_path))
    try:
        con.execute(
            "INSERT INTO crime SELECT * REPLACE (? AS category, ? AS category_original) FROM crime "
            "WHERE month = (SELECT max(month) FROM crime) AND lsoa21_code IS NOT NULL LIMIT 40",
            [HOSTILE, HOSTILE],
        )
        con.execute(
            "INSERT INTO engagement_survey SELECT * REPLACE (? AS survey, ? || ' ' || answer AS answer) "
            "FROM engagement_survey WHERE survey = (SELECT min(survey) FROM engagement_survey)",
            [HOSTILE, HOSTILE],
        )
        con.execute(
            "INSERT INTO engagement_consultation SELECT * REPLACE (? AS consultation, ? AS geography_code) "
            "FROM engagement_consultation",
            [HOSTILE, HOSTILE],
        )
    finally:
        con.close()
    return demo_store_path


def test_trends_heading_of_a_hostile_category(hostile_store):
    at = open_page("pages/trends.py", tr_sel=HOSTILE)
    assert_inert(at)


def test_trends_partner_panels_of_a_hostile_impact_area(demo_store_path):
    """The partner data are not held for an Impact Area, so each panel says it
    shows the whole city, naming the area: escaped, like the area in titles."""
    impact_areas.in_transaction(impact_areas.save_area, HOSTILE, ["E01010410"], source="list", path=demo_store_path)
    at = open_page("pages/trends.py", area=f"Impact Area: {HOSTILE}")
    assert any("not held for areas as small as" in i.value for i in at.info)
    assert_inert(at)


def test_crime_map_of_a_hostile_category_and_its_profile(hostile_store):
    at = open_page("pages/crime_map.py", cm_sel=HOSTILE)
    at.selectbox(key="cm_count_lsoa_selected").set_value("E01010452").run()
    assert any("E01010452" in s.value for s in at.subheader)
    assert_inert(at)


def test_engagement_survey_answers_and_consultation_names(hostile_store):
    at = open_page("pages/engagement.py")
    surveys = at.selectbox(key="en_survey").options
    pick = next(s for s in surveys if "evil.example" in s)
    at.selectbox(key="en_survey").set_value(pick).run()
    assert any("Click to log in" in str(o) for o in at.radio(key="en_answer").options)
    assert_inert(at)


def test_impact_area_error_message(demo_store_path):
    impact_areas.in_transaction(impact_areas.save_area, HOSTILE, ["E01010410"], source="list", path=demo_store_path)
    at = open_page("pages/impact_areas.py", ia_mode="Create an area", ia_pending=["E01010411"], ia_new_name=HOSTILE)
    at.button(key="ia_save").click().run()
    assert any("already exists" in e.value for e in at.error)
    assert_inert(at)


HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def test_store_busy_warning_keeps_path_and_process_id_in_the_log(demo_store_path, monkeypatch, caplog):
    monkeypatch.setenv("SWP_STORE_WAIT", "0.2")
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(demo_store_path), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "locked"
        at = open_page("pages/overview.py")
    finally:
        p.kill()
        p.wait(10)
    shown = " ".join(w.value for w in at.warning)
    assert "The data store is busy with another program" in shown
    assert str(p.pid) not in shown and demo_store_path.name not in shown and "duckdb" not in shown
    assert f"process {p.pid}" in caplog.text


def test_md_keeps_apostrophes_readable():
    """An apostrophe HTML-escaped as &#x27; had its '#' backslash-escaped and showed as typed."""

    assert fmt.md("Don't know") == "Don't know"
    assert fmt.md("O'Neill & Sons <b>") == "O'Neill &amp; Sons &lt;b&gt;"


@pytest.mark.parametrize(
    "text",
    ["https://evil.example/login", "see www.evil.example now", "mail x@evil.example", "ftp://a.b", "http:/\\/x.y"],
)
def test_md_leaves_no_bare_address_to_autolink(text):
    """Markdown autolinks bare addresses (GFM): every "://", "www." and "@" is broken by an escape."""
    for inert in (fmt.md(text),):
        assert not re.search(r"(?<!\\)[:@/]", inert) and "www." not in inert, inert
        assert re.sub(r"\\(.)", r"\1", inert) == text  # shown as typed
