"""AppTest: the Performance page (figures, RAG in words, target editor, ward appendix)."""

from __future__ import annotations

import duckdb

from swp_data import config
from swp_data.report import performance, targets
from tests.app.conftest import no_errors

PAGE = "pages/performance.py"


def _table(at):
    return next(d.value for d in at.dataframe if "Status" in d.value.columns)


def _status(at, label: str) -> str:
    t = _table(at)
    return t.loc[t["Priority"].str.startswith(label), "Status"].iloc[0]


def _store_targets():
    c = duckdb.connect(str(config.store_path()), read_only=True)
    try:
        return targets.targets(c)
    finally:
        c.close()


def test_page_shows_priorities_rag_words_thresholds_and_appendix(demo_app):
    at = demo_app(PAGE)
    no_errors(at)
    assert at.title[0].value == "Performance"
    t = _table(at)
    assert [p.replace(" (DEMO)", "") for p in t["Priority"]] == [
        "Anti-social behaviour",
        "Violence",
        "Neighbourhood crime",
        "Domestic abuse",
        "Hate crime",
    ]
    assert (t["Status"] == "⚪ – Grey: no target").all()
    assert t["Verdict"].str.contains("real change|normal variation").all()
    assert t["Is the change real?"].str.match(r"^(Yes|No: normal variation) \(p [<=] ").all()
    assert all(len(v) == 36 for v in t["trend"])
    assert any("RAG thresholds." in m.value and "Amber: above the target by up to 5%" in m.value for m in at.markdown)
    assert any(s.value == "Ward appendix" for s in at.subheader)
    wards = next(d.value for d in at.dataframe if "Ward" in d.value.columns)
    assert len(wards) == 20
    ia = next(d.value for d in at.dataframe if "Impact Area" in d.value.columns)
    assert "All Impact Areas together (approximate)" in set(ia["Impact Area"])
    assert any("30%" in c.value and "the 2011-12 strategy" in c.value for c in at.caption)
    assert any("DEMO DATA" in w.value for w in at.warning)
    assert any(e.label == "Targets and thresholds (analysts)" for e in at.expander)


def test_set_and_remove_a_target_via_the_page(demo_app):
    at = demo_app(PAGE)
    at.selectbox(key="perf_t_priority").set_value("asb")
    at.radio(key="perf_t_kind").set_value("count").run()
    at.number_input(key="perf_t_count").set_value(100000)
    at.button(key="perf_t_set").click().run()
    no_errors(at)
    assert any("Target set for Anti\\-social behaviour" in s.value for s in at.success)
    assert _status(at, "Anti-social behaviour") == "🟢 ✓ Green: met"
    # the rolling-12 chart draws the target and the amber line; its caption gives the reason
    fig = at.get("plotly_chart")[0].proto.spec
    assert "Target (green at or below)" in fig and "Target + 5% (amber up to here)" in fig
    assert any("against a target of at most 100,000: met" in c.value.replace("\\", "") for c in at.caption)
    t = _store_targets()["asb"]
    assert (t.kind, t.value) == ("count", 100000.0)
    # a reduction against the default baseline (the last complete financial year)
    at.radio(key="perf_t_kind").set_value("reduction_pct").run()
    assert at.text_input(key="perf_t_baseline").value == "2025-26"
    at.button(key="perf_t_set").click().run()
    no_errors(at)
    assert _store_targets()["asb"].baseline_label == "2025-26"
    assert "Grey" not in _status(at, "Anti-social behaviour")
    at.button(key="perf_t_remove").click().run()
    no_errors(at)
    assert _store_targets() == {}
    assert _status(at, "Anti-social behaviour") == "⚪ – Grey: no target"


def test_bad_target_shows_one_line_and_changes_nothing(demo_app):
    at = demo_app(PAGE)
    at.text_input(key="perf_t_baseline").set_value("2019/20")
    at.button(key="perf_t_set").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "the baseline 2019\\-20 is not fully loaded for Anti\\-social behaviour \\(0 of 12 months\\)"
    ]
    assert _store_targets() == {}


def test_margin_changes_the_thresholds_stated(demo_app):
    at = demo_app(PAGE)
    at.number_input(key="perf_margin").set_value(10.0)
    at.button(key="perf_margin_save").click().run()
    no_errors(at)
    assert any("Amber: above the target by up to 10%" in m.value for m in at.markdown)


def test_public_mode_shows_no_partner_counts_and_no_editor(demo_app, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "public")  # the server's mode: there is no switch on the page
    at = demo_app(PAGE)
    no_errors(at)
    assert not any(e.label.startswith("Targets") for e in at.expander)
    t = _table(at)
    assert not t["Priority"].str.startswith(("Domestic abuse", "Hate crime")).any()
    assert t["Priority"].str.startswith("Anti-social behaviour").any()
    assert any(performance.PUBLIC_PARTNER_NOTE in c.value for c in at.caption)
    monkeypatch.setenv("SWP_MODE", "local")
    t = _table(demo_app(PAGE))
    assert t["Priority"].str.startswith("Hate crime").any()


def test_no_editor_without_an_analyst(demo_app, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "public")
    at = demo_app(PAGE)
    no_errors(at)
    assert not any(e.label.startswith("Targets") for e in at.expander)


def test_reference_only_store_says_what_to_load(ref_app):
    at = ref_app(PAGE)
    no_errors(at)
    assert any("No figures to report yet" in i.value for i in at.info)


def test_own_priority_with_hostile_name_added_via_the_page(demo_app):
    name = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) Drugs"
    at = demo_app(PAGE)
    at.text_input(key="perf_p_name").set_value(name)
    at.multiselect(key="perf_p_cats").set_value(["Drugs"])
    at.button(key="perf_p_add").click().run()
    no_errors(at)
    t = _table(at)
    assert t["Priority"].iloc[-1] == name + " (DEMO)"  # a data grid cell: text, never HTML
    # a target for it: the success message carries the name escaped
    at.selectbox(key="perf_t_priority").set_value(t["key"].iloc[-1])
    at.radio(key="perf_t_kind").set_value("count").run()
    at.button(key="perf_t_set").click().run()
    no_errors(at)
    msg = next(s.value for s in at.success)
    assert "<img" not in msg and "&lt;img" in msg and "\\[x\\]\\(javascript" in msg
    at.button(key="perf_p_remove").click().run()
    no_errors(at)
    assert len(_table(at)) == 5 and _store_targets() == {}


def test_report_month_picker_and_an_unknown_month_in_state(demo_app):
    at = demo_app(PAGE, perf_to="2025-03")
    no_errors(at)
    assert at.selectbox(key="perf_to").value == "2025-03"
    assert any(c.value.startswith("Apr 2024 to Mar 2025 against Apr 2023 to Mar 2024") for c in at.caption)
    at = demo_app(PAGE, perf_to="<b>2030-01</b>")  # not a month loaded: the latest instead, no error
    no_errors(at)
    assert at.selectbox(key="perf_to").value == "2026-09"


def test_page_leads_with_the_answer_columns_first_and_lists_unmeasured_priorities(demo_app):
    at = demo_app(PAGE)
    no_errors(at)
    assert any(m.value.startswith("**Over Oct 2025 to Sep 2026,") for m in at.markdown)
    el = next(d for d in at.dataframe if "Status" in d.value.columns)
    assert list(el.proto.column_order)[:6] == [
        "Priority",
        "Change",
        "Direction of travel",
        "Is the change real?",
        "Status",
        "Target",
    ]
    # the arrow agrees with the change beside it ("-0.1%" never sits beside "Up")
    t = el.value
    for change, arrow in zip(t["Change"], t["Direction of travel"], strict=True):
        v = float(change.rstrip("%"))
        assert arrow == ("▲ Up" if v > 1 else "▼ Down" if v < -1 else "► Flat"), (change, arrow)
    un = next(d.value for d in at.dataframe if "What data it needs" in d.value.columns)
    assert list(un["Priority"]) == ["Safety of women and girls", "Alcohol and substance related crime"]
    assert any(m.value.startswith("**Not measured yet.**") for m in at.markdown)
