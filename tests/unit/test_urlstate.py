"""ui/urlstate.py: the query parameters of each kind of widget, read and
written: round trips on the real option lists, and what a bad value gives."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from swp_data.analysis import crime
from ui import urlstate as u


@pytest.fixture(scope="module")
def demo(demo_store):
    con = duckdb.connect(str(demo_store), read_only=True)
    yield {"categories": crime.category_options(con), "months": crime.months_loaded(con)}
    con.close()


def test_slug_is_short_and_readable():
    assert u.slug("Theft from the person") == "theft-from-the-person"
    assert u.slug("All crime (excluding ASB)") == "all-crime-excluding-asb"
    assert u.slug("<script>alert(1)</script>") == "script-alert-1-script"


def test_every_crime_type_round_trips_through_its_token(demo):
    field = u.Choice("cat", "tr_sel", demo["categories"], default="All crime and ASB")
    for value in demo["categories"]:
        q = field.format(value)
        if value == "All crime and ASB":
            assert q == {}  # the default stays out of the link
            continue
        bad: list[u.Rejected] = []
        assert field.parse(q, bad) == value and not bad
    assert len(field.tokens()) == len(set(demo["categories"]))  # no two crime types share a token


def test_choice_rejects_what_is_not_an_option_and_names_it():
    field = u.Choice("freq", "tr_freq", ["month", "quarter", "fy"])
    bad: list[u.Rejected] = []
    assert field.parse({"freq": "weekly"}, bad) is u._ABSENT
    assert bad == [u.Rejected("freq", "weekly", "not one of the choices")]
    assert field.parse({}, bad) is u._ABSENT and len(bad) == 1  # absent is not an error
    assert field.default_value() == "month"
    assert field.format("month") == {} and field.format("fy") == {"freq": "fy"}
    assert field.format("weekly") == {}  # a value the widget cannot hold is not written


def test_always_writes_the_default():
    field = u.Choice("area", "area", {"city": "Whole city", "ward:E05014843": "Ward: East Park"}, always=True)
    assert field.format("Whole city") == {"area": "city"}


def test_multi_keeps_the_good_values_and_reports_the_bad():
    field = u.Multi("lsoa", "tr_lsoas", {"E01010410": "E01010410", "E01010411": "E01010411"})
    bad: list[u.Rejected] = []
    assert field.parse({"lsoa": "E01010411,<b>x</b>,E01010410,E01010411"}, bad) == ["E01010411", "E01010410"]
    assert [(r.name, r.value) for r in bad] == [("lsoa", "<b>x</b>")]
    assert field.format(["E01010411", "E01010410"]) == {"lsoa": "E01010411,E01010410"}
    assert field.format([]) == {}


def test_month_range_reads_loaded_months_only(demo):
    months = demo["months"]
    field = u.MonthRange("from", "to", "cm_period", months)
    assert field.default_value() == (months[-12], months[-1])
    assert field.format(field.default_value()) == {}
    a, b = months[3], months[20]
    q = field.format((a, b))
    assert q == {"from": f"{a:%Y-%m}", "to": f"{b:%Y-%m}"}
    bad: list[u.Rejected] = []
    assert field.parse(q, bad) == (a, b) and not bad
    # reversed: put in order
    assert field.parse({"from": q["to"], "to": q["from"]}, bad) == (a, b)
    # one end only: the other end is the default's
    assert field.parse({"from": q["from"]}, bad) == (a, months[-1])
    # a month not loaded, a month badly written, a month that does not exist
    before = months[0] - pd.DateOffset(months=1)
    assert field.parse({"from": f"{before:%Y-%m}", "to": "Sep 2026"}, bad) is u._ABSENT  # the default
    assert [(r.name, r.why) for r in bad] == [
        ("from", "no records are loaded for that month"),
        ("to", "not a month written YYYY-MM"),
    ]
    bad.clear()
    assert field.parse({"to": "2026-13"}, bad) is u._ABSENT and bad[0].name == "to"


def test_flag_and_number():
    flag = u.Flag("split", "tr_split")
    bad: list[u.Rejected] = []
    assert flag.parse({"split": "1"}, bad) is True and flag.parse({"split": "no"}, bad) is False
    assert flag.parse({"split": "maybe"}, bad) is u._ABSENT and bad[-1].name == "split"
    assert flag.format(True) == {"split": "1"} and flag.format(False) == {}

    w = u.Number("w_harm", "cl_w_harm", 0.0, 1.0, default=0.4)
    assert w.parse({"w_harm": "0.55"}, bad) == 0.55
    for raw in ("nan", "2", "-0.1", "1e400", "x"):
        assert w.parse({"w_harm": raw}, bad) is u._ABSENT
    assert w.format(0.4) == {} and w.format(0.55) == {"w_harm": "0.55"}
    k = u.Number("k", "cl_k", 2, 50, default=None, integer=True)
    assert k.parse({"k": "4"}, bad) == 4 and k.parse({"k": "4.5"}, bad) is u._ABSENT
    assert k.format(4) == {"k": "4"}
