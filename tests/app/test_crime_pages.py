"""AppTest: Trends, Crime map and Data with the demo store, with and without
the shared filters; the Data page's upload, import report, delete and demo
load. Figures on the pages are checked against the store queried directly."""

from __future__ import annotations

import base64
import json
import threading
import time

import duckdb
import numpy as np

from geo import maps
from swp_data.analysis import crime, stats
from swp_data.demo import areas as demo_areas
from swp_data.places import impact_areas
from swp_data.sources.imports import import_paths
from tests.app.conftest import no_errors, open_page

TR = "pages/trends.py"
CM = "pages/crime_map.py"
DA = "pages/data.py"
CSV_2012 = "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"
HEATH_TOWN = "Ward: Heath Town"


def _ro(path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def _metric(at, starts: str):
    return next(m for m in at.metric if m.label.startswith(starts))


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def _demo_banner(at) -> bool:
    return any("DEMO DATA" in w.value for w in at.warning)


# --------------------------------------------------------------------------- Trends
def test_trends_city_monthly(demo_app, demo_store_path):
    at = open_page(TR)
    no_errors(at)
    assert _demo_banner(at)
    assert "**Latest month: Sep 2026**" in _texts(at.markdown)
    con = _ro(demo_store_path)
    cur, prev = (
        con.execute("SELECT count(*) FROM crime WHERE month = ?", [d]).fetchone()[0]
        for d in ("2026-09-01", "2025-09-01")
    )
    m = _metric(at, "Same period last year: Sep 2026 vs Sep 2025")
    assert m.value == f"{cur:,}"
    assert stats.describe_change(stats.poisson_change(cur, prev)) in _texts(at.markdown)
    last12 = con.execute("SELECT count(*) FROM crime WHERE month BETWEEN '2025-10-01' AND '2026-09-01'").fetchone()[0]
    assert _metric(at, "Last 12 months against the 12 before").value == f"{last12:,}"
    charts = at.get("plotly_chart")
    assert len(charts) >= 5  # series, rolling 12 months, STL, two partner charts (+ monthly partner)
    assert "seasonally highest" in _texts(at.caption)  # STL shown: 69 months loaded
    # both partner panels label what is published and what is partner data
    assert any("Published (real)" in c.proto.spec for c in charts)
    assert any("Partner data (DEMO)" in c.proto.spec for c in charts)


def test_trends_reruns_and_a_fresh_session_show_the_same_page(demo_app):
    """Warm reruns and a new session on warm caches draw the same page without
    errors (their speed is measured in bench/bench_pages.py, not asserted here)."""
    at = open_page(TR)
    no_errors(at)
    first = [c.proto.spec for c in at.get("plotly_chart")]
    for _ in range(3):
        at.run()
        no_errors(at)
    fresh = open_page(TR)  # a new session, caches warm
    no_errors(fresh)
    assert first and [c.proto.spec for c in at.get("plotly_chart")] == first
    assert [c.proto.spec for c in fresh.get("plotly_chart")] == first


def test_trends_ward_quarterly_rates(demo_app, demo_store_path):
    at = open_page(TR, area=HEATH_TOWN, tr_freq="quarter", tr_measure="Rate per 1,000 residents")
    no_errors(at)
    assert _demo_banner(at)
    con = _ro(demo_store_path)
    ward = con.execute("SELECT ward_code, population FROM ward WHERE ward_name = 'Heath Town'").fetchone()
    n = con.execute(
        "SELECT count(*) FROM crime WHERE ward_code = ? AND month BETWEEN '2026-07-01' AND '2026-09-01'", [ward[0]]
    ).fetchone()[0]
    m = _metric(at, "Same period last year: Jul–Sep 2026 vs Jul–Sep 2025")
    assert m.value == f"{1000 * n / ward[1]:,.2f} per 1,000"
    assert "Heath Town" in _texts(at.markdown) and f"{ward[1]:,} residents" in _texts(at.markdown)


def test_trends_public_site_shows_partner_figures_only_as_published(demo_app, monkeypatch):
    """SWP_MODE=public: no ward-level partner figures, only the published (whole city) ones."""
    from swp_data.analysis import public

    monkeypatch.setenv("SWP_MODE", "public")
    at = open_page(TR, area=HEATH_TOWN, tr_freq="quarter")
    no_errors(at)
    assert any(i.value == public.NOTE for i in at.info)
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert not any("Partner data" in spec for spec in charts)  # neither the lines nor their legends
    assert sum("Published (real)" in spec for spec in charts) == 2  # domestic abuse and hate crime
    monkeypatch.setenv("SWP_MODE", "local")
    at = open_page(TR, area=HEATH_TOWN, tr_freq="quarter")
    no_errors(at)
    assert not any(i.value == public.NOTE for i in at.info)
    assert any("Partner data (DEMO)" in c.proto.spec for c in at.get("plotly_chart"))


def test_trends_fy_split_by_category(demo_app):
    at = open_page(TR, tr_sel="Violence", tr_split=True, tr_freq="fy")
    no_errors(at)
    assert "Partial period" in _texts(at.caption)  # 2020-21 and 2026-27 are partial
    m = _metric(at, "Same period last year: Apr 2026 to Sep 2026 (2026-27 so far)")
    assert m.value


def test_trends_lsoa_picker_and_impact_area(demo_app, demo_store_path):
    con = _ro(demo_store_path)
    code, name = con.execute("SELECT lsoa21_code, lsoa21_name FROM lsoa21 ORDER BY 1 LIMIT 1").fetchone()
    con.close()
    at = open_page(TR, tr_lsoas=[code], tr_sel="Robbery")
    no_errors(at)
    assert name in _texts(at.markdown).replace("\\", "")
    assert any("not held for areas as small" in i.value for i in at.info)  # partner data: ward level only
    impact_areas.in_transaction(demo_areas.ensure_demo_impact_areas, path=demo_store_path)
    con = _ro(demo_store_path)
    ia, approx = con.execute("SELECT name, approximate FROM impact_area ORDER BY name LIMIT 1").fetchone()
    con.close()
    label = f"Impact Area: {ia}" + (" (approximate)" if approx else "")
    at = open_page(TR, area=label, tr_measure="Rate per 1,000 residents")
    no_errors(at)
    assert maps.esc(ia) in _texts(at.markdown).replace("\\", "")  # escaped: "&" is "&amp;" in Markdown


def test_trends_without_crime_data(ref_app):
    at = open_page(TR)
    no_errors(at)
    assert any("No police.uk crime records are loaded" in i.value for i in at.info)
    assert not _demo_banner(at)


# --------------------------------------------------------------------------- Crime map
def test_crime_map_default_counts(demo_app, demo_store_path):
    at = open_page(CM)
    no_errors(at)
    assert _demo_banner(at)
    assert "**Latest month: Sep 2026**" in _texts(at.markdown)
    table = at.dataframe[0].value
    con = _ro(demo_store_path)
    n = con.execute("SELECT count(*) FROM crime WHERE month BETWEEN '2025-10-01' AND '2026-09-01'").fetchone()[0]
    assert len(table) == 161 and table["count"].sum() == n


def test_crime_map_ward_change_and_layers(demo_app):
    at = open_page(CM, level="Ward", area=HEATH_TOWN, cm_measure="Change")
    no_errors(at)
    table = at.dataframe[0].value
    assert table["name"].tolist() == ["Heath Town"]  # the table keeps to the sidebar area
    assert set(table["judgement"]) <= {"real change", "within normal variation", "too few to judge"}
    at.radio(key="cm_change_as").set_value("Ratio").run()
    no_errors(at)
    at.radio(key="cm_overlay").set_value("Points").run()
    no_errors(at)
    assert "Points layer: 1,000 of" in _texts(at.caption)
    at.radio(key="cm_overlay").set_value("Heat").run()
    no_errors(at)
    assert "Heat layer:" in _texts(at.caption)
    at.radio(key="cm_measure").set_value("Rate per 1,000 residents").run()
    no_errors(at)
    assert "rate_per_1000" in at.dataframe[0].value.columns


def test_crime_map_hotspots_and_profile(demo_app, demo_store_path):
    at = open_page(CM, cm_view="Hotspots", cm_sel="Burglary")
    no_errors(at)
    con = _ro(demo_store_path)
    hs = crime.hotspots(con, ("Burglary",), "2025-10-01", "2026-09-01")
    assert _metric(at, "Hot spots").value == str(int((hs["hotspot"] == "Hot spot").sum()))
    assert _metric(at, "Cold spots").value == str(int((hs["hotspot"] == "Cold spot").sum()))
    assert "empirical Bayes" in _texts(at.markdown)  # the method, in its expander
    code = hs.sort_values("z", ascending=False)["code"].iloc[0]
    at.selectbox(key="cm_hotspots_selected").set_value(code).run()
    no_errors(at)
    assert any(s.value.startswith("Profile:") and code in s.value for s in at.subheader)
    pop = con.execute("SELECT population FROM lsoa21 WHERE lsoa21_code = ?", [code]).fetchone()[0]
    assert _metric(at, "Residents (Census 2021)").value == f"{pop:,}"
    n12 = con.execute(
        "SELECT count(*) FROM crime WHERE lsoa21_code = ? AND category = 'Burglary' "
        "AND month BETWEEN '2025-10-01' AND '2026-09-01'",
        [code],
    ).fetchone()[0]
    assert _metric(at, "Burglary, 12 months to Sep 2026").value == f"{n12:,}"
    assert _metric(at, "IMD 2025 decile").value.isdigit()


def test_hotspots_with_nothing_significant_give_guidance_and_the_highest_rates(demo_app, demo_store_path):
    # robbery over the last 12 months of the demo (765 records): no hot or cold spot
    at = open_page(CM, cm_view="Hotspots", cm_sel="Robbery")
    no_errors(at)
    assert _metric(at, "Hot spots").value == "0" and _metric(at, "Cold spots").value == "0"
    warn = _texts(at.warning).replace("\\", "")  # Markdown escapes
    assert "no cluster of neighbourhoods stands out from chance" in warn and "Try a longer period" in warn
    con = _ro(demo_store_path)
    hs = crime.hotspots(con, ("Robbery",), "2025-10-01", "2026-09-01")
    top = next(d.value for d in at.dataframe if "times_city" in d.value.columns)
    assert list(top["code"]) == list(hs.sort_values(["eb_rate", "code"], ascending=[False, True])["code"].head(5))
    assert "The highest rates are in" in warn and top["name"].iloc[0] in warn


def test_crime_map_lsoa_profile_in_public_mode(demo_app, monkeypatch):
    monkeypatch.setenv("SWP_MODE", "public")
    at = open_page(CM, cm_measure="Rate per 1,000 residents")
    no_errors(at)
    at.selectbox(key="cm_rate_per_1000_lsoa_selected").set_value("E01010452").run()
    no_errors(at)
    assert any("E01010452" in s.value for s in at.subheader)
    assert len(at.get("plotly_chart")) == 1  # the sparkline


# --------------------------------------------------------------------------- Data
def _upload(at, name: str, data: bytes):
    at.file_uploader(key="data_upload").set_value((name, data, "text/csv")).run()
    at.button(key="data_import").click().run()
    return at


def test_data_page_lists_datasets(demo_app):
    at = open_page(DA)
    no_errors(at)
    assert _demo_banner(at)
    table = at.dataframe[0].value
    row = table.set_index("dataset_id").loc["demo:police_uk:west-midlands"]
    assert row["status"] == "DEMO" and row["rows now"] > 150_000
    assert (table.loc[table["kind"] == "reference", "status"] == "Real").all()
    assert "**Latest month of crime records: Sep 2026**" in _texts(at.markdown)
    # reference data cannot be picked for deletion
    opts = at.selectbox(key="data_delete_pick").options
    assert not any("Boundaries" in o for o in opts) and not any("Published SWP" in o for o in opts)


def test_data_upload_imports_the_real_2012_csv(demo_app, demo_store_path, bundle_dir):
    at = open_page(DA)
    data = (bundle_dir / CSV_2012).read_bytes()
    _upload(at, "../2012-01-west-midlands-street.csv", data)  # a path in the name is dropped
    no_errors(at)
    assert "2012\\-01\\-west\\-midlands\\-street\\.csv" in _texts(at.success)
    assert _metric(at, "Rows read").value == "1,793"
    assert _metric(at, "Rows kept").value == "1,793"
    assert "Rows kept (Wolverhampton): 1,793" in _texts(at.code)
    table = at.dataframe[0].value.set_index("dataset_id")
    assert table.loc["police_uk:west-midlands", "status"] == "Real"
    assert table.loc["police_uk:west-midlands", "rows now"] == 1793
    assert table.index[0] == "police_uk:west-midlands"  # newest first
    con = _ro(demo_store_path)
    assert con.execute("SELECT count(*) FROM crime WHERE month = '2012-01-01'").fetchone()[0] == 1793
    assert (
        con.execute("SELECT count(*) FROM crime WHERE dataset_id = 'demo:police_uk:west-midlands'").fetchone()[0]
        > 150_000
    )  # the demo months are untouched


def test_a_page_opened_during_another_sessions_import_waits_and_shows_it(demo_app, demo_store_path, bundle_dir):
    """Two sessions of one server: one imports (its transaction held open 1.5 s),
    the other opens the Data page meanwhile. Without store.reading's lock the
    page failed with DuckDB's "different configuration" ConnectionException."""
    in_tx = threading.Event()

    def slow(con):
        in_tx.set()
        time.sleep(1.5)

    done: list = []
    t = threading.Thread(target=lambda: done.append(import_paths([bundle_dir / CSV_2012], also=slow)))
    t.start()
    assert in_tx.wait(60)
    at = open_page(DA)
    t.join(60)
    no_errors(at)
    assert done and done[0].rows_kept == 1793
    table = at.dataframe[0].value.set_index("dataset_id")
    assert table.loc["police_uk:west-midlands", "rows now"] == 1793  # the page saw the committed import


def test_data_upload_of_a_bad_file_says_why_and_loads_nothing(demo_app, demo_store_path):
    con = _ro(demo_store_path)
    before = (
        con.execute("SELECT count(*) FROM crime").fetchone()[0],
        con.execute("SELECT count(*) FROM dataset").fetchone()[0],
    )
    con.close()
    at = open_page(DA)
    _upload(at, "returns.csv", b"period,geography,measure,count\n2024-05,Nowhere Ward,domestic_abuse_incidents,3\n")
    no_errors_but = [e.value for e in at.error]
    assert not at.exception
    assert len(no_errors_but) == 1
    msg = no_errors_but[0].replace("\\", "")
    assert msg.startswith("Nothing was loaded. returns.csv: row 2:") and "Nowhere Ward" in msg
    assert "swp-upload-" not in msg  # the temporary folder is not shown
    con = _ro(demo_store_path)
    assert (
        con.execute("SELECT count(*) FROM crime").fetchone()[0],
        con.execute("SELECT count(*) FROM dataset").fetchone()[0],
    ) == before


def test_data_delete_asks_first(demo_app, demo_store_path):
    at = open_page(DA)
    at.selectbox(key="data_delete_pick").set_value("demo:partner:hate-crime").run()
    at.button(key="data_delete").click().run()
    no_errors(at)
    assert any(w.value.startswith("Delete **") for w in at.warning)
    at.button(key="data_delete_no").click().run()  # cancel: nothing deleted
    no_errors(at)
    con = _ro(demo_store_path)
    assert (
        con.execute("SELECT count(*) FROM partner_series WHERE dataset_id = 'demo:partner:hate-crime'").fetchone()[0]
        == 15000
    )
    con.close()
    at.selectbox(key="data_delete_pick").set_value("demo:partner:hate-crime").run()
    at.button(key="data_delete").click().run()
    at.button(key="data_delete_yes").click().run()
    no_errors(at)
    assert "15,000 row\\(s\\) removed" in _texts(at.success)
    con = _ro(demo_store_path)
    assert (
        con.execute("SELECT count(*) FROM partner_series WHERE dataset_id = 'demo:partner:hate-crime'").fetchone()[0]
        == 0
    )
    assert (
        con.execute(
            "SELECT count(*) FROM partner_series WHERE dataset_id = 'demo:partner:domestic-abuse-incidents'"
        ).fetchone()[0]
        == 6000
    )
    assert "demo:partner:hate-crime" not in set(at.dataframe[0].value["dataset_id"])


def test_data_load_demo_when_no_crime(ref_app, store_path):
    at = open_page(DA)
    no_errors(at)
    assert any("No police.uk crime records are loaded" in i.value for i in at.info)
    at.button(key="data_demo").click().run(timeout=180)
    no_errors(at)
    assert any("Loaded the demo dataset" in s.value for s in at.success)
    con = _ro(store_path)
    assert con.execute("SELECT count(*) FROM crime").fetchone()[0] > 150_000
    assert con.execute("SELECT bool_and(is_demo) FROM dataset WHERE kind = 'police_uk'").fetchone()[0]
    assert _demo_banner(at)
    assert not any(k.key == "data_demo" for k in at.button)  # offered only while no crime is loaded


# --------------------------------------------------------------------------- records without a location
def test_records_without_location_are_explained_on_trends_and_the_map(ref_app, store_path, bundle_dir, tmp_path):
    """The 2012 sample is a city extract: two "No Location" rows added to it are
    kept in city totals; the pages say where they count."""
    text = (bundle_dir / CSV_2012).read_text(encoding="utf-8")
    nl = "nl{0},2012-01,West Midlands Police,West Midlands Police,,,No Location,,,Burglary,,\n"
    f = tmp_path / "2012-01-extract.csv"
    f.write_text(text + nl.format(1) + nl.format(2), encoding="utf-8")
    rep = import_paths([f])
    assert rep.kept_without_location == 2
    at = open_page(TR, tr_sel="All crime and ASB")
    no_errors(at)
    assert "2 record(s) of this selection have no location" in _texts(at.caption)
    assert "included in these city totals" in _texts(at.caption)
    y = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"]  # plotly's typed array
    assert np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist() == [1795]  # 1,793 + 2
    at = open_page(TR, area=HEATH_TOWN)
    assert "counted in city totals only, not in this area's" in _texts(at.caption)
    at = open_page(CM)
    no_errors(at)
    assert "2 record(s) of this selection and period have no location" in _texts(at.caption)


def test_quick_periods_set_the_months(demo_app):
    import pandas as pd

    at = open_page(CM)
    no_errors(at)
    at.button(key="cm_preset_This financial year").click().run()
    no_errors(at)
    start, end = at.select_slider(key="cm_period").value
    assert (start, end) == (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-09-01"))
    at.button(key="cm_preset_This calendar year").click().run()
    assert at.select_slider(key="cm_period").value[0] == pd.Timestamp("2026-01-01")
