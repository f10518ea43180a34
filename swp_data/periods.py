"""Period helpers used by every page: month, calendar quarter and UK financial
year (April to March) starts, labels, parsing and number formatting.

Conventions
-----------
* ``freq`` is one of ``"month"``, ``"quarter"`` (calendar quarter: Jan-Mar,
  Apr-Jun, Jul-Sep, Oct-Dec) or ``"fy"`` (UK financial year, 1 April to
  31 March).
* Period starts are ``pd.Timestamp`` values at midnight (``period_start``,
  ``month_range``); ``parse_period`` returns ``datetime.date`` bounds.
* Labels: month ``"Jan 2025"``, quarter ``"Jan–Mar 2025"`` (en dash),
  financial year ``"2024-25"``. Month names are fixed English abbreviations,
  independent of the machine's locale.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

Freq = Literal["month", "quarter", "fy"]
FREQS: tuple[str, ...] = ("month", "quarter", "fy")
FREQ_LABELS = {"month": "Monthly", "quarter": "Quarterly", "fy": "Financial year"}  # as the pages name them

MONTH_ABBR: tuple[str, ...] = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

# pandas period aliases: "Y-MAR" is a year ending in March, i.e. the UK
# financial year (its start_time is 1 April of the previous calendar year).
_PANDAS_FREQ: dict[str, str] = {"month": "M", "quarter": "Q", "fy": "Y-MAR"}

DateLike: TypeAlias = date | datetime | pd.Timestamp | np.datetime64 | str


def _check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise ValueError(f"Unknown period type {freq!r}: use one of {', '.join(FREQS)}.")
    return freq


def period_start(dates: pd.Series, freq: str) -> pd.Series:
    """The first day of the month, calendar quarter or financial year of each date.

    Missing dates stay missing (NaT). The index of ``dates`` is kept.
    """
    _check_freq(freq)
    values = pd.to_datetime(pd.Series(dates), errors="coerce")
    return values.dt.to_period(_PANDAS_FREQ[freq]).dt.start_time.dt.normalize()


def _fy_start_year(ts: pd.Timestamp) -> int:
    """Calendar year in which the financial year containing ``ts`` starts."""
    return ts.year if ts.month >= 4 else ts.year - 1


def fy_label(start_year: int) -> str:
    """``2024`` -> ``"2024-25"``."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def period_label(start: DateLike, freq: str) -> str:
    """Label of the period (of type ``freq``) that contains ``start``.

    Month ``"Jan 2025"``, quarter ``"Jan–Mar 2025"``, financial year
    ``"2024-25"``. A missing date gives ``""``.
    """
    _check_freq(freq)
    if start is None or pd.isna(start):
        return ""
    ts = pd.Timestamp(start)
    if freq == "month":
        return f"{MONTH_ABBR[ts.month - 1]} {ts.year}"
    if freq == "quarter":
        first = 3 * ((ts.month - 1) // 3)
        return f"{MONTH_ABBR[first]}–{MONTH_ABBR[first + 2]} {ts.year}"
    return fy_label(_fy_start_year(ts))


def _month_end(year: int, month: int) -> date:
    return (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(\d{4})\s*[- ]?\s*Q([1-4])$", re.IGNORECASE)
_FY_RE = re.compile(r"^(?:FY\s*)?(\d{4})\s*([-/])\s*(\d{2}|\d{4})$", re.IGNORECASE)

_PARSE_HELP = (
    'use "2024-05" for a month, "2024-Q1" for a calendar quarter or '
    '"2018-19" / "2018/19" for a financial year (April to March)'
)


def _parse_fy(text: str) -> tuple[str, date, date] | None:
    match = _FY_RE.match(text)
    if match is None:
        return None
    first, sep, second = int(match.group(1)), match.group(2), match.group(3)
    explicit_fy = text.upper().startswith("FY") or sep == "/" or len(match.group(3)) == 4
    following = first + 1 if len(match.group(3)) == 4 else (first + 1) % 100
    if int(second) != following:
        if explicit_fy:
            raise ValueError(
                f"{text!r} is not a financial year: the second year must follow the first "
                f"(for example {fy_label(first)})."
            )
        return None
    if not explicit_fy and 1 <= int(second) <= 12:
        return None  # "2011-12" is the month Dec 2011 (police.uk style); write 2011/12 for the FY
    return "fy", date(first, 4, 1), date(first + 1, 3, 31)


def parse_period(text: str) -> tuple[str, date, date]:
    """Parse a period written by a person: ``(period_type, start_date, end_date)``.

    * ``"2024-05"``: month (May 2024).
    * ``"2024-Q1"``, ``"2024 Q1"``, ``"2024Q1"``: calendar quarter (Jan-Mar 2024).
    * ``"2018-19"``, ``"2018/19"``, ``"2018/2019"``, ``"FY2018-19"``: UK
      financial year, 1 April 2018 to 31 March 2019.

    ``"YYYY-MM"`` where MM is a valid month is always read as a month (the
    police.uk convention), so ``"2011-12"`` is December 2011; write
    ``"2011/12"`` or ``"FY2011-12"`` for that financial year.

    ``end_date`` is the last day of the period. Raises ValueError otherwise.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"No period given ({text!r}): {_PARSE_HELP}.")
    cleaned = text.strip()
    fy = _parse_fy(cleaned)
    if fy is not None:
        return fy
    if (match := _QUARTER_RE.match(cleaned)) is not None:
        year, quarter = int(match.group(1)), int(match.group(2))
        first_month = 3 * (quarter - 1) + 1
        return "quarter", date(year, first_month, 1), _month_end(year, first_month + 2)
    if (match := _MONTH_RE.match(cleaned)) is not None:
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"{text!r} is not a valid month (month {month} does not exist).")
        return "month", date(year, month, 1), _month_end(year, month)
    raise ValueError(f"Cannot read the period {text!r}: {_PARSE_HELP}.")


def _month_floor(value: DateLike) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        raise ValueError("month_range needs two dates, got a missing value.")
    return pd.Timestamp(year=ts.year, month=ts.month, day=1)


def month_range(start: DateLike, end: DateLike) -> list[pd.Timestamp]:
    """Month starts from the month of ``start`` to the month of ``end`` inclusive.

    Empty when ``end`` is before ``start``.
    """
    first, last = _month_floor(start), _month_floor(end)
    if last < first:
        return []
    return list(pd.date_range(first, last, freq="MS"))


def fmt_month(d: DateLike | None) -> str:
    """A date's month as ``"Jan 2025"``; missing -> ``""``."""
    return "" if d is None else period_label(d, "month")


def month_span(start: DateLike, end: DateLike) -> str:
    """``"Jan 2025 to Dec 2025"``; one month alone when both ends are in it."""
    a, b = fmt_month(start), fmt_month(end)
    return a if a == b else f"{a} to {b}"


_YYYY_MM = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: object) -> pd.Timestamp | None:
    """A month written ``YYYY-MM`` (years 1900 to 2199) as its first day; None
    for anything else ("2026-13", "0000-05", "Sep 2026", ""). Callers say
    what the month was for."""
    m = _YYYY_MM.match(str(text or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1900 <= int(m.group(1)) < 2200:
        return None
    return pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)


# Quick periods for a month-range picker (issue #22, finding 3): label -> rule.
PRESETS = ("Last 12 months", "This financial year", "This calendar year")


def preset_range(months: list[pd.Timestamp], preset: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """(first, last) month loaded of a quick period, ending at the latest
    month loaded: "Last 12 months" (the 12 months to it), "This financial
    year" (from April of its financial year), "This calendar year" (from
    January of its year). None when no month of the period is loaded."""
    if not months:
        return None
    have = sorted(pd.Timestamp(m) for m in months)
    last = have[-1]
    if preset == "Last 12 months":
        first = last - pd.DateOffset(months=11)
    elif preset == "This financial year":
        first = pd.Timestamp(year=_fy_start_year(last), month=4, day=1)
    elif preset == "This calendar year":
        first = pd.Timestamp(year=last.year, month=1, day=1)
    else:
        raise ValueError(f"unknown period {preset!r}: use one of {', '.join(PRESETS)}")
    inside = [m for m in have if m >= first]
    return (inside[0], last) if inside else None
