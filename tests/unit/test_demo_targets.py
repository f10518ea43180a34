"""The demo targets: set with the demo when no target exists, labelled DEMO,
so the RAG status shows colours; an analyst's targets are left alone."""

from __future__ import annotations

import datetime as dt

from swp_data import store
from swp_data.demo.targets import DEMO_REDUCTIONS, ensure_demo_targets
from swp_data.report import performance, targets, wording


def test_demo_targets_make_the_rag_show_and_are_labelled_demo(demo_store_path):
    with store.transaction() as c:
        done = ensure_demo_targets(c)
    assert done == list(DEMO_REDUCTIONS)
    with store.reading() as c:
        rep = performance.report(c)
        tg = targets.targets(c)
    assert {t.set_by for t in tg.values()} == {targets.DEMO_SETTER}
    assert all(t.baseline_label == "2025-26" and t.start == dt.date(2026, 4, 1) for t in tg.values())
    colours = {r.priority.key: r.rag for r in rep.rows}
    assert "grey" not in colours.values()
    for r in rep.rows:  # the colour is the RAG rule applied to the demo target
        assert (r.rag, r.rag_reason) == targets.rag_status(r.last12, r.target, rep.amber_margin)
    table = wording.summary_table(rep)
    assert table["Target"].str.endswith("(DEMO target)").all()
    # the public version keeps the DEMO label (it hides only an analyst's name)
    with store.reading() as c:
        pub = performance.report(c, public=True)
    assert {r.target.set_by for r in pub.rows} == {targets.DEMO_SETTER}


def test_demo_targets_leave_an_analysts_targets_alone(demo_store_path):
    with store.transaction() as c:
        targets.set_target(c, "asb", "count", 1000, dt.date(2026, 4, 1), dt.date(2027, 3, 31))
        assert ensure_demo_targets(c) == []
    with store.reading() as c:
        tg = targets.targets(c)
    assert list(tg) == ["asb"] and tg["asb"].set_by != targets.DEMO_SETTER
