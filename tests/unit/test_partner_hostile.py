"""Hostile and careless partner and engagement CSVs (issue 11): streamed in
bounded memory, reading stops after the first few problems, nonsense numbers
and periods refused in one line, published figures never replaced."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from swp_data import store
from swp_data.errors import InputError
from swp_data.sources import engagement, partner, tables

from .csv_helpers import read_snapshot, write

HEADER = "period,geography,measure,breakdown,count\n"


def partner_import(path: Path) -> partner.Tally:
    rep = partner.Tally()
    with store.transaction() as con:
        partner.import_partner_csv(con, path, is_demo=False, report=rep)
    return rep


def engagement_import(path: Path, kind: str) -> partner.Tally:
    rep = partner.Tally()
    with store.transaction() as con:
        engagement.import_engagement_csv(con, path, kind, is_demo=False, report=rep)
    return rep


def refused(fn, *args) -> InputError:
    before = read_snapshot()
    with pytest.raises(InputError) as e:
        fn(*args)
    assert "\n" not in str(e.value)
    assert read_snapshot() == before
    return e.value


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    ("count", "words"),
    [
        ("9" * 5000, "count is 5,000 characters long: not a plausible count (at most 1,000,000)"),
        ("9223372036854775807", "count 9,223,372,036,854,775,807 is more than 1,000,000"),
        ("18446744073709551616", "count 18,446,744,073,709,551,616 is more than 1,000,000"),
        ('"1,000,001"', "count 1,000,001 is more than 1,000,000: not a plausible count for one period and place"),
    ],
    ids=["5000_digits", "int64_max", "above_int64", "a_million_and_one"],
)
def test_implausible_counts_are_refused_in_one_line(store_path, tmp_path, count, words):
    p = write(tmp_path, "counts.csv", HEADER + f"2024-01,city,hate_crime,all,{count}\n")
    err = refused(partner_import, p)
    assert err.row == 2 and words in str(err) and "counts.csv" in str(err)


def test_a_million_is_still_a_count(store_path, tmp_path):
    rep = partner_import(write(tmp_path, "big.csv", HEADER + "2024-01,city,hate_crime,all,1000000\n"))
    assert rep.rows_kept == 1


def test_engagement_numbers_are_bounded_too(store_path, tmp_path):
    p = write(tmp_path, "meet.csv", "date,ward,kind,attendees\n2024-05-01,Penn,PACT meeting," + "9" * 5000 + "\n")
    err = refused(engagement_import, p, "meetings")
    assert err.row == 2 and "attendees is 5,000 characters long" in str(err)


# --------------------------------------------------------------------------- periods
def test_periods_before_the_partnerships_are_refused(store_path, tmp_path):
    p = write(tmp_path, "old.csv", HEADER + "2024-01,city,hate_crime,all,1\n1600-01,city,hate_crime,all,1\n")
    err = refused(partner_import, p)
    assert err.row == 3 and "period 1600-01 is before April 1998, when community safety partnerships began" in str(err)
    m = write(tmp_path, "m.csv", "date,ward,kind,attendees\n1600-05-01,Penn,PACT meeting,4\n")
    assert "date 1600-05-01 is before April 1998" in str(refused(engagement_import, m, "meetings"))
    s = write(tmp_path, "s.csv", "survey,period,ward,question,answer,responses\nSafety,1600,Penn,Safe at night?,No,3\n")
    assert "period 1600 is before April 1998" in str(refused(engagement_import, s, "survey"))
    ok = write(tmp_path, "fy.csv", HEADER + "1998-99,city,hate_crime,all,1\n")
    assert partner_import(ok).rows_kept == 1


# --------------------------------------------------------------------------- junk files
def test_reading_stops_after_ten_problems_and_says_the_rest_was_not_checked(store_path, tmp_path):
    p = write(tmp_path, "junk.csv", HEADER + "2024-01,Nowhere,hate_crime,all,1\n" * 50)
    err = refused(partner_import, p)
    assert err.row == 2
    assert str(err).endswith("(9 more problem(s) up to row 11; the rows after it were not checked)")


def test_a_large_junk_file_is_refused_in_bounded_memory(store_path, tmp_path):
    """The reader streams: a 30 MB file of junk rows is refused at its
    tenth problem without the file (or a list of its rows) in memory. The
    old reader held the bytes, the text and a dict per row (~5 GB for
    267 MB)."""
    line = b"2024-01,Nowhere,hate_crime,all,1\n"
    p = tmp_path / "junk.csv"
    with open(p, "wb") as f:
        f.write(HEADER.encode())
        f.write(line * (30_000_000 // len(line)))
    assert p.stat().st_size > 29_000_000
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="the rows after it were not checked"):
            partner_import(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000, f"peak {peak / 1e6:.1f} MB"


def test_rows_lines_and_quoted_runs_are_bounded(store_path, tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 3)
    rows = "".join(f"2024-0{m},city,hate_crime,all,1\n" for m in range(1, 5))
    err = refused(partner_import, write(tmp_path, "many.csv", HEADER + rows))
    assert err.row == 5 and "the file has more than 3 data rows; split it into several files" in str(err)
    long = write(tmp_path, "long.csv", HEADER + "2024-01,city,hate_crime," + "x" * 20_000 + ",1\n")
    err = refused(partner_import, long)
    assert err.row == 2 and "a line is longer than 10,000 characters: not a partner series file" in str(err)
    runaway = write(tmp_path, "quote.csv", HEADER + '2024-01,city,hate_crime,"all\n' + "more\n" * 500 + '",1\n')
    err = refused(partner_import, runaway)
    assert err.row == 2 and "a row runs over more than 100 lines: an unclosed quote?" in str(err)


def test_line_endings_bom_and_truncation_still_read_as_before(store_path, tmp_path):
    crlf = "\ufeff" + HEADER.replace("\n", "\r\n") + "2024-01,city,hate_crime,all,1\r\n2024-02,city,hate_crime,all,2"
    assert partner_import(write(tmp_path, "crlf.csv", crlf)).rows_kept == 2
    cr = HEADER.replace("\n", "\r") + "2024-03,city,hate_crime,all,3\r"
    assert partner_import(write(tmp_path, "cr.csv", cr)).rows_kept == 1
    err = refused(partner_import, write(tmp_path, "cut.csv", HEADER + "2024-04,city,hate_crime,all,1\n2024-05,city,ha"))
    assert err.row == 3 and "the last row has 3 of 5 fields: the file looks truncated" in str(err)
    bad = write(tmp_path, "latin.csv", HEADER.encode() + "2024-01,city,hate_crime,café,1\n".encode("latin-1"))
    err = refused(partner_import, bad)
    assert err.row == 2 and "not UTF-8 text (byte 0xe9 at position " in str(err)
    assert str(len(HEADER) + len("2024-01,city,hate_crime,caf")) in str(err)


# --------------------------------------------------------------------------- published figures
def test_an_upload_never_replaces_a_published_figure(store_path, tmp_path):
    p = write(
        tmp_path,
        "fix.csv",
        HEADER + "2024-01,city,hate_crime,all,3\n2018-19,Wolverhampton,hate_crime_reports,all,1\n",
    )
    err = refused(partner_import, p)
    assert err.row == 3 and str(err).endswith(
        "this row would replace a figure the partnership published (published:swp_strategy_figures); "
        "published figures are never replaced by an upload: leave those rows out"
    )
    c = write(
        tmp_path,
        "cons.csv",
        "consultation,period,geography,responses,share\nSWP strategy consultation 2020,2020,WV1,,99\n",
    )
    err = refused(engagement_import, c, "consultation")
    assert err.row == 2 and "(published:consultation_2020)" in str(err)


def test_a_period_that_ends_after_april_1998_is_kept(store_path, tmp_path):
    s = write(
        tmp_path, "s98.csv", "survey,period,ward,question,answer,responses\nSafety,1998,Penn,Safe at night?,No,3\n"
    )
    assert engagement_import(s, "survey").rows_kept == 1
    old = write(tmp_path, "fy97.csv", HEADER + "1997-98,city,hate_crime,all,1\n")
    assert "period 1997-98 is before April 1998" in str(refused(partner_import, old))
