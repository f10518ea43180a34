"""Period helpers: starts, labels, parsing and formatting."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from swp_data.fmt import fmt_int
from swp_data.periods import fmt_month, month_range, parse_period, period_label, period_start

DATES = pd.Series(
    pd.to_datetime(["2019-03-31", "2019-04-01", "2024-02-29", "2024-12-31", "2025-01-01", None]),
    index=[10, 11, 12, 13, 14, 15],
)


def test_period_start_month() -> None:
    got = period_start(DATES, "month")
    assert list(got.index) == [10, 11, 12, 13, 14, 15]
    assert list(got.iloc[:5]) == [
        pd.Timestamp(d) for d in ["2019-03-01", "2019-04-01", "2024-02-01", "2024-12-01", "2025-01-01"]
    ]
    assert pd.isna(got.iloc[5])


def test_period_start_quarter() -> None:
    got = period_start(DATES, "quarter")
    assert list(got.iloc[:5]) == [
        pd.Timestamp(d) for d in ["2019-01-01", "2019-04-01", "2024-01-01", "2024-10-01", "2025-01-01"]
    ]


def test_period_start_financial_year() -> None:
    got = period_start(DATES, "fy")
    assert list(got.iloc[:5]) == [
        pd.Timestamp(d) for d in ["2018-04-01", "2019-04-01", "2023-04-01", "2024-04-01", "2024-04-01"]
    ]


def test_period_start_accepts_strings_and_rejects_unknown_freq() -> None:
    got = period_start(pd.Series(["2020-08-17"]), "quarter")
    assert got.iloc[0] == pd.Timestamp("2020-07-01")
    with pytest.raises(ValueError, match="Unknown period type"):
        period_start(DATES, "week")


@pytest.mark.parametrize(
    ("value", "freq", "label"),
    [
        ("2025-01-01", "month", "Jan 2025"),
        ("2024-09-15", "month", "Sep 2024"),
        ("2025-01-01", "quarter", "Jan–Mar 2025"),
        ("2024-11-30", "quarter", "Oct–Dec 2024"),
        ("2019-03-31", "fy", "2018-19"),
        ("2019-04-01", "fy", "2019-20"),
        ("2099-06-01", "fy", "2099-00"),
        (date(2024, 4, 1), "fy", "2024-25"),
    ],
)
def test_period_label(value: object, freq: str, label: str) -> None:
    assert period_label(pd.Timestamp(value) if isinstance(value, str) else value, freq) == label


def test_period_label_missing_is_blank() -> None:
    assert period_label(pd.NaT, "month") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05", ("month", date(2024, 5, 1), date(2024, 5, 31))),
        ("2024-02", ("month", date(2024, 2, 1), date(2024, 2, 29))),
        ("2011-12", ("month", date(2011, 12, 1), date(2011, 12, 31))),
        (" 2024-Q1 ", ("quarter", date(2024, 1, 1), date(2024, 3, 31))),
        ("2024 Q4", ("quarter", date(2024, 10, 1), date(2024, 12, 31))),
        ("2023q2", ("quarter", date(2023, 4, 1), date(2023, 6, 30))),
        ("2018-19", ("fy", date(2018, 4, 1), date(2019, 3, 31))),
        ("2018/19", ("fy", date(2018, 4, 1), date(2019, 3, 31))),
        ("2011/12", ("fy", date(2011, 4, 1), date(2012, 3, 31))),
        ("FY2011-12", ("fy", date(2011, 4, 1), date(2012, 3, 31))),
        ("2018/2019", ("fy", date(2018, 4, 1), date(2019, 3, 31))),
        ("2099-00", ("fy", date(2099, 4, 1), date(2100, 3, 31))),
    ],
)
def test_parse_period(text: str, expected: tuple[str, date, date]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text", ["", "2024", "2024-13", "2024-00", "2024-Q5", "2018/20", "May 2024", "24-05", "2018-20"]
)
def test_parse_period_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_period(text)


def test_parse_period_rejects_non_text() -> None:
    with pytest.raises(ValueError, match="No period given"):
        parse_period(None)  # type: ignore[arg-type]


def test_parse_period_error_explains_formats() -> None:
    with pytest.raises(ValueError, match='"2024-Q1"'):
        parse_period("last spring")


def test_month_range() -> None:
    got = month_range("2024-11-15", date(2025, 2, 3))
    assert got == [pd.Timestamp(d) for d in ["2024-11-01", "2024-12-01", "2025-01-01", "2025-02-01"]]
    assert month_range("2024-05-01", "2024-05-31") == [pd.Timestamp("2024-05-01")]
    assert month_range("2024-06-01", "2024-05-01") == []


def test_formatting() -> None:
    assert fmt_int(1234) == "1,234"
    assert fmt_int(1234567.6) == "1,234,568"
    assert fmt_int(0) == "0"
    assert fmt_int(-2500) == "-2,500"
    assert fmt_int(None) == "–"
    assert fmt_int(float("nan")) == "–"
    assert fmt_month(pd.Timestamp("2025-01-31")) == "Jan 2025"
    assert fmt_month("2010-12-01") == "Dec 2010"
    assert fmt_month(None) == ""


def test_quick_periods_end_at_the_latest_month_loaded():
    from swp_data.periods import preset_range

    months = list(pd.date_range("2021-01-01", "2026-09-01", freq="MS"))
    assert preset_range(months, "Last 12 months") == (pd.Timestamp("2025-10-01"), pd.Timestamp("2026-09-01"))
    assert preset_range(months, "This financial year") == (pd.Timestamp("2026-04-01"), pd.Timestamp("2026-09-01"))
    assert preset_range(months, "This calendar year") == (pd.Timestamp("2026-01-01"), pd.Timestamp("2026-09-01"))
    # a financial year that began the previous calendar year; a gap: the first month loaded in the period
    feb = [m for m in months if m <= pd.Timestamp("2026-02-01") and m != pd.Timestamp("2025-04-01")]
    assert preset_range(feb, "This financial year") == (pd.Timestamp("2025-05-01"), pd.Timestamp("2026-02-01"))
    assert preset_range([], "Last 12 months") is None
