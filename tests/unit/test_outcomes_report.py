"""The Performance report and the meeting pack with outcomes (demo store):
each police.uk priority's share charged or summonsed of its mature cohorts,
checked against the store queried directly, in the summary table, on the
pack's outcomes slide and in its HTML."""

from __future__ import annotations

import pandas as pd
import pytest
from pptx import Presentation

from swp_data import store
from swp_data.report import pack, performance, wording
from swp_data.taxonomy import outcomes as ot

TO = "2026-09"


@pytest.fixture(scope="module")
def rep(demo_store):
    with store.reading(demo_store) as con:
        return performance.report(con, TO)


def charged_by_sql(con, categories, lo: str, hi: str) -> tuple[int, int]:
    """Crimes of the categories offended lo..hi and those whose latest outcome
    (history, else the street record's) is in the charged group."""
    return con.execute(
        f"""WITH h AS (SELECT force, crime_id, arg_max(outcome, epoch(month) * 100000 + seq) AS last
                       FROM crime_outcome GROUP BY 1, 2)
            SELECT count(*), count(*) FILTER (WHERE {ot.group_sql("coalesce(h.last, c.outcome)")} = '{ot.CHARGED}')
            FROM crime c LEFT JOIN h ON h.crime_id = c.crime_id AND h.force = c.force
            WHERE c.category IN (SELECT unnest(?)) AND c.month BETWEEN ? AND ?""",
        [list(categories), lo, hi],
    ).fetchone()


def test_each_police_priority_has_its_share_charged(rep, demo_store):
    with store.reading(demo_store) as con:
        for row in rep.rows:
            if row.priority.source != "police_uk" or row.priority.categories == ("Anti-social behaviour",):
                assert row.charged is None or row.charged.get("crimes", 0) == 0
                continue
            c = row.charged
            # the 12 months of offences ending 6 months before the last month of outcomes (Sep 2026)
            assert (c["from"], c["to"]) == (pd.Timestamp("2025-04-01"), pd.Timestamp("2026-03-01"))
            n, k = charged_by_sql(con, row.priority.categories, "2025-04-01", "2026-03-01")
            assert (c["crimes"], c["charged"]) == (n, k) and n > 1000
            assert c["charged_low"] < k / n < c["charged_high"]
    table = wording.summary_table(rep).set_index("key")
    violence = next(r for r in rep.rows if r.priority.key == "violence")
    assert table.loc["violence", "Charged or summonsed"].startswith(f"{100 * violence.charged['charged_share']:.1f}% (")
    assert table.loc["asb", "Charged or summonsed"] == "–"
    assert list(table.columns).index("Charged or summonsed") == list(table.columns).index("Last 12 months") + 1


def test_the_pack_has_an_outcomes_slide_and_section(rep, demo_store, tmp_path):
    with store.reading(demo_store) as con:
        files = {f.suffix: f for f in pack.write_pack(con, rep, "pptx,html", tmp_path)}
    prs = Presentation(str(files[".pptx"]))
    slides = [s for s in prs.slides if "Outcomes: share charged or summonsed" in (s.shapes.title.text or "")]
    assert len(slides) == 1
    text = "\n".join(c.text for sh in slides[0].shapes if sh.has_table for r in sh.table.rows for c in r.cells)
    violence = next(r for r in rep.rows if r.priority.key == "violence")
    assert f"{100 * violence.charged['charged_share']:.1f}%" in text and "Apr 2025 to Mar 2026" in text
    assert "DEMO" in text
    html = files[".html"].read_text()
    assert "Outcomes: share charged or summonsed" in html
    assert f"{100 * violence.charged['charged_share']:.1f}%" in html
