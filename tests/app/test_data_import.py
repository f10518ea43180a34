"""AppTest: the Data page refuses an upload that would erase a month, offers
the confirmation checkbox with the refusal, and imports when it is ticked."""

from __future__ import annotations

import csv
import io

import duckdb

from swp_data.sources.policeuk import POLICE_COLUMNS
from tests.app.conftest import open_page

DA = "pages/data.py"
CONFIRM = "Replace months even when the new file has far fewer records"


def _one_row_june_2025() -> bytes:
    """One West Midlands record of June 2025 at a point in Birmingham (the issue's case)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(POLICE_COLUMNS)
    w.writerow(
        [
            "abc123",
            "2025-06",
            "West Midlands Police",
            "West Midlands Police",
            "-1.890000",
            "52.480000",
            "On or near Broad Street",
            "E01009000",
            "Birmingham 050A",
            "Burglary",
            "Under investigation",
            "",
        ]
    )
    return buf.getvalue().encode()


def _june(store) -> int:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(
            "SELECT count(*) FROM crime WHERE force = 'West Midlands Police' AND month = DATE '2025-06-01'"
        ).fetchone()[0]
    finally:
        con.close()


def test_a_one_row_upload_is_refused_until_confirmed(demo_app, demo_store_path):
    before = _june(demo_store_path)
    assert before > 1000
    at = open_page(DA)
    at.file_uploader(key="data_upload").set_value(("june.csv", _one_row_june_2025(), "text/csv")).run()
    assert not at.checkbox  # no checkbox before a refusal
    at.button(key="data_import").click().run()
    assert not at.exception
    (err,) = [e.value.replace("\\", "") for e in at.error]
    assert err == (
        f"Nothing was loaded. june.csv: would remove the {before:,} records loaded for West Midlands Police, "
        "Jun 2025 and bring 0; nothing was changed. If the new file is right, confirm the replacement "
        "(--confirm-replace on the command line, or the checkbox on the Data page)"
    )
    assert _june(demo_store_path) == before
    box = at.checkbox(key="data_confirm_replace")
    assert box.label == CONFIRM and box.value is False
    box.check().run()
    at.button(key="data_import").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _june(demo_store_path) == 0
    assert not at.checkbox  # gone with the refusal
