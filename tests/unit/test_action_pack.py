"""The meeting pack carries the action plan's status table (HTML/PDF and
PowerPoint), and the public version does not (the plan names people)."""

from __future__ import annotations

from pptx import Presentation

from swp_data import store
from swp_data.actions import plan
from swp_data.report import pack


def test_the_pack_has_the_plan_status_table_and_the_public_pack_does_not(demo_store_path, tmp_path):
    with store.transaction() as con:
        plan.add_action(con, title="Op <Shield> & co", priority="Violence", lead_org="WMP", status="off track")
        plan.add_action(con, title="Alley gates", priority="Neighbourhood crime", due="2026-03", status="complete")
    files = pack.build_pack("html,pptx", tmp_path / "pack")
    html = next(f for f in files if f.suffix == ".html").read_text(encoding="utf-8")
    assert "<h2>Action plan: status of each action</h2>" in html
    assert "Op &lt;Shield&gt; &amp; co" in html and "Op <Shield>" not in html
    assert "<td>Off track</td>" in html and "<td>01 Mar 2026</td>" in html
    deck = Presentation(str(next(f for f in files if f.suffix == ".pptx")))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert "Action plan: status of each action" in titles
    slide = next(s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text.startswith("Action plan"))
    cells = [c.text for sh in slide.shapes if sh.has_table for row in sh.table.rows for c in row.cells]
    assert {"Op <Shield> & co", "Alley gates", "Complete", "Off track", "WMP"} <= set(cells)
    public = pack.build_pack("html", tmp_path / "public", public=True)
    assert "Action plan" not in public[0].read_text(encoding="utf-8")
