"""Partner series import: round trip, idempotency, errors naming file and row,
places, and the published SWP series loaded by the build."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from swp_data import config, store
from swp_data.errors import InputError
from swp_data.sources import partner

from .csv_helpers import one, read_snapshot, snapshot, write

Report = partner.Tally  # the counters an import report carries


def do_import(path: Path, *, is_demo: bool = False) -> Report:
    rep = Report()
    with store.transaction() as con:
        partner.import_partner_csv(con, path, is_demo=is_demo, report=rep)
    return rep


def rows_of(dataset_id: str) -> list[tuple]:
    return one(
        "SELECT measure, breakdown, period_type, period_start, period_end, geography_level, "
        "geography_code, count FROM partner_series WHERE dataset_id = ? ORDER BY ALL",
        [dataset_id],
    )


D = dt.date

GOOD = (
    " Period ,GEOGRAPHY,Measure,breakdown, Count \n"
    "2024-05,E08000031,domestic_abuse_incidents,adults,412\n"
    "2024-Q1,Bilston North,hate_crime,Race,17\n"
    "2018-19,wolverhampton,domestic_abuse_crimes,,2901\n"
    '2024-05,E05014851,domestic_abuse_incidents,youth,"1,203"\n'
    "2024-05,{lsoa},hate_crime,religion,0\n"
)


@pytest.fixture
def lsoa_u(store_path) -> str:
    """An LSOA 2011 code unchanged in 2021 (same code), from the crosswalk."""
    return one("SELECT lsoa11_code FROM lsoa_crosswalk WHERE change_code = 'U' ORDER BY 1 LIMIT 1")[0][0]


@pytest.fixture
def split_lsoa(store_path) -> tuple[str, list[str]]:
    rows = one("SELECT lsoa11_code, lsoa21_code FROM lsoa_crosswalk WHERE change_code = 'S' ORDER BY 1, 2")
    code = rows[0][0]
    return code, [r[1] for r in rows if r[0] == code]


def test_round_trip_exact_rows(store_path, tmp_path, lsoa_u):
    p = write(tmp_path, "DA_Returns_2024.csv", GOOD.format(lsoa=lsoa_u))
    rep = do_import(p)
    assert (rep.files, rep.rows_read, rep.rows_kept) == (1, 5, 5)
    assert rep.datasets == ["partner:da_returns_2024"]
    assert rows_of("partner:da_returns_2024") == sorted(
        [
            ("domestic_abuse_incidents", "adults", "month", D(2024, 5, 1), D(2024, 5, 31), "city", "E08000031", 412),
            ("hate_crime", "race", "quarter", D(2024, 1, 1), D(2024, 3, 31), "ward", "E05014838", 17),
            ("domestic_abuse_crimes", "all", "fy", D(2018, 4, 1), D(2019, 3, 31), "city", "E08000031", 2901),
            ("domestic_abuse_incidents", "youth", "month", D(2024, 5, 1), D(2024, 5, 31), "ward", "E05014851", 1203),
            ("hate_crime", "religion", "month", D(2024, 5, 1), D(2024, 5, 31), "lsoa", lsoa_u, 0),
        ]
    )
    ds = one(
        "SELECT kind, source, licence, is_demo, period_start, period_end, row_count, file_hash "
        "FROM dataset WHERE dataset_id = 'partner:da_returns_2024'"
    )
    assert len(ds) == 1
    kind, source, licence, is_demo, start, end, n, h = ds[0]
    assert (kind, source, is_demo, n) == ("partner", "DA_Returns_2024.csv", False, 5)
    assert licence == "Partner data (not open): used under the partnership's data sharing agreement"
    assert (start, end) == (D(2018, 4, 1), D(2024, 5, 31))
    import hashlib

    assert h == hashlib.sha256(p.read_bytes()).hexdigest()


def test_demo_import_is_labelled(store_path, tmp_path):
    p = write(tmp_path, "demo_partner.csv", "period,geography,measure,count\n2023-01,Penn,hate_crime,3\n")
    rep = do_import(p, is_demo=True)
    assert rep.datasets == ["demo:partner:demo_partner"]
    assert one("SELECT is_demo, licence FROM dataset WHERE dataset_id = 'demo:partner:demo_partner'") == [
        (True, "Demo data (synthetic)")
    ]
    assert rows_of("demo:partner:demo_partner") == [
        ("hate_crime", "all", "month", D(2023, 1, 1), D(2023, 1, 31), "ward", "E05014852", 3)
    ]


def test_published_series_after_build(store_path, bundle_dir):
    with open(bundle_dir / "published" / "swp_strategy_figures.csv", newline="", encoding="utf-8") as f:
        pub = [
            r for r in csv.DictReader(f) if r["indicator"] == "domestic_violence_reports" and r["breakdown"] == "adults"
        ]
    expected = sum(
        int(float(r["value"])) for r in pub if r["period"] in ("2014-15", "2015-16", "2016-17", "2017-18", "2018-19")
    )
    assert expected == 1360 + 1618 + 1838 + 2141 + 2839
    got = one(
        "SELECT sum(count), count(*) FROM partner_series WHERE dataset_id = ? AND measure = "
        "'domestic_violence_reports' AND breakdown = 'adults' AND period_type = 'fy' AND "
        "geography_level = 'city' AND geography_code = ? AND period_start BETWEEN '2014-04-01' AND '2018-04-01'",
        [partner.PUBLISHED_DATASET_ID, config.CITY_LAD],
    )
    assert got == [(expected, 5)]
    assert one(
        "SELECT breakdown, count(*) FROM partner_series WHERE dataset_id = ? GROUP BY 1 ORDER BY 1",
        [partner.PUBLISHED_DATASET_ID],
    ) == [("adults", 5), ("all", 5), ("youth", 5)]
    assert one(
        "SELECT count FROM partner_series WHERE measure = 'hate_crime_reports' AND period_start = '2018-04-01'"
    ) == [(506,)]
    ds = one(
        "SELECT kind, licence, is_demo, row_count FROM dataset WHERE dataset_id = ?", [partner.PUBLISHED_DATASET_ID]
    )
    assert ds == [
        ("partner", "Open Government Licence v3.0 (published by the Safer Wolverhampton Partnership)", False, 15)
    ]


def test_rebuild_keeps_published_rows_once_and_newer_imports(store_path, tmp_path):
    from swp_data.sources.build import build

    # A partner upload never replaces a figure the partnership published (issue 11):
    # a one-row "corrected figure" is refused, naming the file and the row.
    p = write(
        tmp_path,
        "corrected.csv",
        "period,geography,measure,breakdown,count\n2018-19,city,domestic_violence_reports,adults,2850\n",
    )
    before = read_snapshot()
    with pytest.raises(InputError) as e:
        do_import(p)
    assert (
        e.value.row == 2
        and "corrected.csv: row 2: this row would replace a figure the partnership published" in str(e.value)
    )
    assert "published figures are never replaced by an upload" in str(e.value)
    assert read_snapshot() == before
    # A newer import beside the published rows survives a rebuild, and the published rows stay once.
    do_import(write(tmp_path, "newer.csv", "period,geography,measure,count\n2023-06,Oxley,hate_crime,2\n"))
    before = read_snapshot()
    build(target=store_path)
    after = read_snapshot()
    assert after == before
    assert one(
        "SELECT dataset_id, count FROM partner_series WHERE measure = 'domestic_violence_reports' "
        "AND breakdown = 'adults' AND period_start = '2018-04-01'"
    ) == [(partner.PUBLISHED_DATASET_ID, 2839)]
    assert one("SELECT row_count FROM dataset WHERE dataset_id = ?", [partner.PUBLISHED_DATASET_ID]) == [(15,)]


def test_load_published_twice_is_idempotent(store_path):
    before = read_snapshot()
    with store.transaction() as con:
        partner.load_published(con)
        partner.load_published(con)
    assert read_snapshot() == before


def test_reimport_same_file_leaves_identical_tables(store_path, tmp_path, lsoa_u):
    p = write(tmp_path, "returns.csv", GOOD.format(lsoa=lsoa_u))
    do_import(p)
    first = read_snapshot()
    rep = do_import(p)
    assert read_snapshot() == first
    replaced = [w for w in rep.warnings if "replaced" in w]
    assert len(replaced) == 1 and "5 row(s)" in replaced[0] and "partner:returns (5)" in replaced[0]


def test_newer_file_replaces_same_keys_from_other_dataset(store_path, tmp_path):
    a = write(
        tmp_path, "a.csv", "period,geography,measure,count\n2024-01,Penn,hate_crime,4\n2024-02,Penn,hate_crime,5\n"
    )
    b = write(tmp_path, "b.csv", "period,geography,measure,count\n2024-02,PENN,hate_crime,6\n")
    c = write(tmp_path, "c.csv", "period,geography,measure,count\n2024-01,E05014852,hate_crime,7\n")
    do_import(a)
    rep = do_import(b)
    assert [w for w in rep.warnings if "replaced" in w] == [
        "b.csv: 1 row(s) replaced rows with the same key loaded before, from partner:a (1)"
    ]
    assert one(
        "SELECT dataset_id, period_start, count FROM partner_series WHERE measure = 'hate_crime' ORDER BY 2"
    ) == [("partner:a", D(2024, 1, 1), 4), ("partner:b", D(2024, 2, 1), 6)]
    assert one("SELECT row_count, period_end FROM dataset WHERE dataset_id = 'partner:a'") == [(1, D(2024, 1, 31))]
    do_import(c)  # takes a's last row: dataset a is left empty and deleted
    assert one("SELECT count(*) FROM dataset WHERE dataset_id = 'partner:a'") == [(0,)]
    assert one("SELECT dataset_id, count FROM partner_series WHERE measure = 'hate_crime' ORDER BY 1") == [
        ("partner:b", 6),
        ("partner:c", 7),
    ]


def test_ward_names_resolve_case_insensitively(store_path, tmp_path):
    p = write(
        tmp_path,
        "wards.csv",
        "period,geography,measure,breakdown,count\n"
        "2024-01,BILSTON NORTH,hate_crime,a,1\n"
        "2024-01,bushbury south and low hill,hate_crime,b,2\n"
        "2024-01,  ettingshall south & spring vale ,hate_crime,c,3\n"
        "2024-01,st peters,hate_crime,d,4\n"
        "2024-01,e05014857,hate_crime,e,5\n",
    )
    do_import(p)
    assert one(
        "SELECT breakdown, geography_level, geography_code FROM partner_series "
        "WHERE dataset_id = 'partner:wards' ORDER BY 1"
    ) == [
        ("a", "ward", "E05014838"),
        ("b", "ward", "E05014842"),
        ("c", "ward", "E05014845"),
        ("d", "ward", "E05014853"),
        ("e", "ward", "E05014857"),
    ]


def test_breakdown_control_characters_removed(store_path, tmp_path):
    p = write(
        tmp_path,
        "ctrl.csv",
        "period,geography,measure,breakdown,count\n"
        '2024-01,city,hate_crime,"sexual\torientation",1\n'
        "2024-01,city,hate_crime,disab\x07ility\x00,2\n",
    )
    do_import(p)
    assert one("SELECT breakdown FROM partner_series WHERE dataset_id = 'partner:ctrl' ORDER BY 1") == [
        ("disability",),
        ("sexual orientation",),
    ]


def test_split_2011_lsoa_rejected_with_its_2021_codes(store_path, tmp_path, split_lsoa):
    code, kids = split_lsoa
    assert len(kids) == 2
    p = write(
        tmp_path,
        "split.csv",
        f"period,geography,measure,count\n2024-01,city,hate_crime,1\n2024-01,{code},hate_crime,3\n",
    )
    with pytest.raises(InputError) as e:
        do_import(p)
    msg = str(e.value)
    assert e.value.row == 3 and "split.csv" in msg and "row 3" in msg
    assert "split" in msg and all(k in msg for k in kids)


def test_header_detection():
    assert partner.is_partner_header([" Period", "geography", "MEASURE", "breakdown", "count "])
    assert partner.is_partner_header(["period", "geography", "measure", "count"])
    assert not partner.is_partner_header(["date", "ward", "kind", "attendees"])
    assert not partner.is_partner_header(["Crime ID", "Month", "Reported by", "LSOA code"])


BASE = "period,geography,measure,breakdown,count\n2024-01,city,hate_crime,all,5\n"
BAD_CASES = [
    # id, file bytes, row, words in the message
    ("unknown_period", BASE + "May 2024,city,hate_crime,race,1\n", 3, "cannot read the period"),
    ("month_13", BASE + "2024-13,city,hate_crime,race,1\n", 3, "not a valid month"),
    ("negative_count", BASE + "2024-02,city,hate_crime,all,-3\n", 3, "negative"),
    ("fraction_count", BASE + "2024-02,city,hate_crime,all,2.5\n", 3, "not a whole number"),
    ("text_count", BASE + "2024-02,city,hate_crime,all,many\n", 3, "not a number"),
    ("missing_count", BASE + "2024-02,city,hate_crime,all,\n", 3, "count is missing"),
    ("ward_outside", BASE + "2024-02,E05011111,hate_crime,all,1\n", 3, "not one of the city's wards"),
    ("lad_outside", BASE + "2024-02,E08000030,hate_crime,all,1\n", 3, "outside the city"),
    ("lsoa_outside", BASE + "2024-02,E01000001,hate_crime,all,1\n", 3, "outside the city"),
    ("unknown_place", BASE + "2024-02,Walsall,hate_crime,all,1\n", 3, "unknown geography"),
    ("future_period", BASE + "2099-01,city,hate_crime,all,1\n", 3, "in the future"),
    ("bad_measure", BASE + "2024-02,city,Hate Crime,all,1\n", 3, "did you mean hate_crime"),
    (
        "duplicate_key",
        BASE + "2024-02,city,hate_crime,all,1\n2024-01,Wolverhampton,hate_crime,,9\n",
        4,
        "same period, geography, measure and breakdown as row 2",
    ),
    ("wrong_header", "month,ward,measure,count\n2024-01,Penn,hate_crime,1\n", 1, "missing column(s) period, geography"),
    (
        "extra_header",
        "period,geography,measure,count,notes\n2024-01,Penn,hate_crime,1,x\n",
        1,
        "unexpected column(s) 'notes'",
    ),
    ("missing_header", "period,geography,measure\n2024-01,Penn,hate_crime\n", 1, "missing column(s) count"),
    ("bad_encoding", BASE.encode() + b"2024-02,city,hate_crime,caf\xe9,1\n", 3, "not UTF-8"),
    ("truncated", BASE + "2024-02,city,hate_cr", 3, "truncated"),
    ("truncated_quote", BASE + '2024-02,city,hate_crime,"religion,1\n', 3, "malformed CSV"),
    ("short_row", BASE + "2024-02,city,hate_crime\n2024-03,city,hate_crime,all,1\n", 3, "has 3 field(s)"),
    ("header_only", "period,geography,measure,count\n", 2, "no data rows"),
]


@pytest.mark.parametrize("case", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_names_file_and_row_and_changes_nothing(store_path, tmp_path, case):
    name, content, row, words = case
    do_import(write(tmp_path, "earlier.csv", "period,geography,measure,count\n2023-06,Oxley,hate_crime,2\n"))
    before = read_snapshot()
    assert before["partner_series"]  # published series + the earlier file
    p = write(tmp_path, f"bad_{name}.csv", content)
    with store.transaction() as con:
        with pytest.raises(InputError) as e:
            partner.import_partner_csv(con, p, is_demo=False, report=Report())
        inside = snapshot(con)  # nothing written even before the rollback
    err = e.value
    msg = str(err)
    assert err.row == row, msg
    assert Path(err.file).name == p.name and p.name in msg and f"row {row}" in msg
    assert words.lower() in msg.lower(), msg
    assert inside == before
    assert read_snapshot() == before


def test_many_problems_reports_first_row_and_count(store_path, tmp_path):
    p = write(
        tmp_path,
        "many.csv",
        BASE + "2024-02,city,hate_crime,all,-1\n2024-03,Nowhere,hate_crime,all,1\n2024-04,city,hate_crime,all,x\n",
    )
    with pytest.raises(InputError) as e:
        do_import(p)
    assert e.value.row == 3 and "2 more problem(s)" in str(e.value)


def test_ward_of_2004_2023_is_explained(store_path, tmp_path):
    old = one("SELECT ward13_code FROM ward2013 ORDER BY 1 LIMIT 1")[0][0]
    p = write(tmp_path, "old.csv", f"period,geography,measure,count\n2019-01,{old},hate_crime,1\n")
    with pytest.raises(InputError, match="ward of 2004–2023"):
        do_import(p)
