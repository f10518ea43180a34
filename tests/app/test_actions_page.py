"""AppTest: the Action plan page (the plan with status in words, analysts'
editing, "did it work?" for an action and for the sidebar's area), and who
may open it."""

from __future__ import annotations

import ast
import time

import pytest
from streamlit.testing.v1 import AppTest

from swp_data import store
from swp_data.actions import plan
from swp_data.places.impact_areas import find_area
from swp_data.store import audit
from tests.app.conftest import APP, no_errors

PAGE = "pages/actions.py"


def _seed_plan():
    with store.transaction() as con:
        wr = find_area(con, "Whitmore Reans")
        plan.add_action(
            con,
            title="Op <b>Shield</b> =1+1",
            priority="Neighbourhood crime",
            lead_org="West Midlands Police",
            lead_name="Insp. Khan",
            place_kind="impact_area",
            place_code=wr,
            start="2025-01",
            due="2025-12",
            status="at risk",
            measure="Burglary",
        )
        plan.add_action(con, title="City campaign", priority="Domestic abuse", status="on track")


def _md(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_plan_table_status_in_words_and_did_it_work_for_an_action(demo_app):
    _seed_plan()
    at = demo_app(PAGE)
    no_errors(at)
    assert at.title[0].value == "Action plan"
    text = _md(at)
    assert "**The plan has 2 actions: 1 on track, 1 at risk.**" in text
    table = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert set(table["Status"]) == {"▲ At risk", "● On track"}
    assert "Op <b>Shield</b> =1+1" in set(table["Action"])  # a dataframe shows text, it does not render it
    # Did it work? for the one action with a place, a start and a police.uk measure
    assert "Burglary in Whitmore Reans \\(Impact Area\\) from Jan 2025:" in text
    assert any(c.value.startswith("Rate ratio ") and "similar LSOAs" in c.value for c in at.caption)
    assert "Placebo check" in text and "Displacement" in text
    assert at.get("plotly_chart")
    assert any("DEMO DATA" in w.value for w in at.warning)
    assert any(e.label == "Method" for e in at.expander)
    assert any(e.label == "Change the plan (analysts)" for e in at.expander)


def test_an_analyst_adds_an_action_on_the_page(demo_app):
    at = demo_app(PAGE)
    no_errors(at)
    assert "**The action plan is empty.**" in _md(at)
    at.text_input(key="act_new_title").set_value("Alley gates")
    at.text_input(key="act_new_lead").set_value("J. Smith")
    at.selectbox(key="act_new_status").set_value("on track")
    at.button(key="act_add").click()
    at.run()
    no_errors(at)
    assert any("Added “Alley gates”" in s.value for s in at.success)
    with store.reading() as con:
        df = plan.list_actions(con)
        trail = audit.entries(con)
    assert list(df["title"]) == ["Alley gates"] and df.iloc[0]["status"] == "on track"
    assert df.iloc[0]["priority"] == plan.STRATEGY_PRIORITIES[0]
    assert (trail["action"] == "action").sum() == 1


def test_did_it_work_for_the_sidebar_area_and_one_line_when_it_cannot_say(demo_app):
    at = demo_app(PAGE, area="Impact Area: Whitmore Reans (approximate)")
    no_errors(at)
    at.radio(key="act_for").set_value("The area chosen in the sidebar")
    at.run()
    no_errors(at)
    at.selectbox(key="act_measure").set_value("Violence")
    at.selectbox(key="act_start").set_value("2025-06")
    at.run()
    no_errors(at)
    assert "Violence in Whitmore Reans \\(approximate\\) from Jun 2025:" in _md(at)
    at.selectbox(key="act_start").set_value("2026-08")
    at.run()
    no_errors(at)
    assert any(w.value.startswith("Cannot say: only 2 month") for w in at.warning)
    assert not at.get("plotly_chart")


ROLES = '[analyst]\nemails = ["ana.lyst@example.gov.uk"]\n[viewer]\ndomains = ["example.police.uk"]\n'


def _nav(at: AppTest) -> list[str]:
    with pytest.raises(ValueError, match="Known pages") as e:
        at.switch_page("ui/gateway.py")
    return [p.rsplit("/", 1)[-1] for p in ast.literal_eval(str(e.value).split("Known pages: ")[1].rstrip("."))]


def test_viewers_read_the_plan_without_editing_and_the_public_site_has_no_plan(demo_store_path, tmp_path, monkeypatch):
    _seed_plan()
    roles = tmp_path / "roles.toml"
    roles.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("SWP_ROLES", str(roles))
    monkeypatch.setenv("SWP_MODE", "partnership")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"client_id": "test", "client_secret": "test", "cookie_secret": "test"}
    at.user = {
        "is_logged_in": True,
        "iat": int(time.time()),
        "sub": "v1",
        "email": "pc.view@example.police.uk",
        "email_verified": True,
    }
    at.run()
    at.switch_page(PAGE)
    at.run()
    no_errors(at)
    assert at.title[0].value == "Action plan"
    assert any("Status" in d.value.columns for d in at.dataframe)
    assert not any(e.label == "Change the plan (analysts)" for e in at.expander)
    assert not at.get("file_uploader")
    monkeypatch.setenv("SWP_MODE", "public")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    no_errors(at)
    assert "actions.py" not in _nav(at) and "overview.py" in _nav(at)


def test_performance_page_shows_each_priority_actions_and_status(demo_app):
    _seed_plan()
    at = demo_app("pages/performance.py")
    no_errors(at)
    assert any(s.value == "Action plan" for s in at.subheader)
    summary = next(d.value for d in at.dataframe if "Actions" in d.value.columns)
    assert list(summary["Priority"]) == ["Domestic abuse", "Neighbourhood crime"]
    assert list(summary["At risk"]) == [0, 1] and list(summary["On track"]) == [1, 0]
    lead = "2 actions across 2 priorities: 1 on track, 1 at risk; 1 at risk or off track."
    assert any(lead in m.value for m in at.markdown)
    # the priorities table is still the page's first table with a Status column
    first = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert "Is the change real?" in first.columns


def test_hostile_area_names_are_inert_in_the_verdict_and_chart(demo_app):
    """An Impact Area named by hostile text: the verdict, captions and the
    chart's legend and hover show it as text (tests/app/test_hostile_text.py)."""
    from swp_data.places import impact_areas
    from tests.app.test_hostile_text import HOSTILE, assert_inert

    with store.reading() as con:
        codes = impact_areas.area_codes(con, find_area(con, "Whitmore Reans"))
    impact_areas.in_transaction(impact_areas.save_area, HOSTILE, codes, source="list")
    with store.transaction() as con:
        plan.add_action(
            con,
            title=HOSTILE,
            priority=HOSTILE,
            lead_name=HOSTILE,
            place_kind="impact_area",
            place_code=find_area(con, HOSTILE),
            start="2025-01",
            measure="Violence",
            note=HOSTILE,
        )
    at = demo_app(PAGE)
    assert any(m.value.startswith("**Violence in ") and "Click to log in" in m.value for m in at.markdown)
    assert at.get("plotly_chart")
    assert_inert(at)
