"""Performance against the strategy priorities: the quarterly report's figures,
targets and RAG status (no Streamlit here).

CONTRACT (written before the code; the Performance page and the meeting pack
both build on it, so change it only together with them):

- :func:`report` computes everything the Performance page and every export
  show, for one period end (``to_month``, default the last complete month
  loaded) and one audience (``public=True``: small-number suppression as the
  public pages apply it). Figures are the same statistics the other pages show
  (``swp_data.stats.poisson_change``, rates per 1,000 Census 2021 residents).
- Targets and RAG thresholds are stored in the store (tables ``target`` and
  ``setting``), changed only by an analyst (``access.require_analyst``), with
  who and when, and each change is written to the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

# RAG colours (colour-blind-safe fills are chosen by the page/pack, not here).
RAG = ("green", "amber", "red", "grey")
DEFAULT_AMBER_MARGIN = 0.05  # within 5% of the target: amber


@dataclass(frozen=True)
class Priority:
    """A strategy priority the data can measure."""

    key: str  # stable id, e.g. "asb", "violence", "neighbourhood", "domestic_abuse", "hate_crime", "cat:<category>"
    label: str  # "Anti-social behaviour"
    source: str  # "police_uk" | "partner"
    categories: tuple[str, ...] = ()  # police.uk categories (source police_uk)
    measure: str | None = None  # partner measure name (source partner)
    custom: bool = False  # added by an analyst from the categories


@dataclass(frozen=True)
class Target:
    priority: str  # Priority.key
    kind: str  # "reduction_pct" (e.g. 5 = 5% fewer than the baseline) | "count" (at most N in the period)
    value: float
    baseline_label: str | None  # e.g. "2025/26" for reduction_pct (financial year or "Jan 2025 to Dec 2025")
    baseline_count: int | None  # the baseline's count, resolved when the target is set or computed
    start: dt.date
    end: dt.date
    set_by: str
    set_at: dt.datetime


@dataclass
class PriorityFigures:
    priority: Priority
    last12: int | None  # count, last 12 months to to_month (None: suppressed or not measurable)
    prev12: int | None  # count, the 12 months before
    rate_per_1000: float | None  # last 12 months per 1,000 residents
    change_pct: float | None
    p_value: float | None
    significant: bool  # exact Poisson test at 95%
    ci: tuple[float, float] | None  # rate ratio interval
    verdict: str  # one sentence as the pages say it (stats.describe_change)
    # direction of travel since the last quarter: the rolling 12 months to to_month against the rolling 12
    # months to 3 months earlier (i.e. the last 3 months against the same 3 a year before: no seasonal
    # swing); "flat" within +/-1%. "up" | "down" | "flat"
    direction: str
    monthly: pd.DataFrame  # columns month (Timestamp, month start), count; 24+ months ending at to_month
    target: Target | None
    rag: str  # one of RAG
    rag_reason: str  # e.g. "1,234 against a target of at most 1,200 (within the 5% margin)"
    small_numbers: bool  # any count under 10 (flag unreliable)
    is_demo: bool  # any figure from demo data


@dataclass
class PerformanceReport:
    to_month: pd.Timestamp  # month start of the last month in the window
    window: str  # "Oct 2025 to Sep 2026"
    previous_window: str  # "Oct 2024 to Sep 2025"
    public: bool
    amber_margin: float  # the RAG threshold in force (e.g. 0.05)
    rows: list[PriorityFigures]
    # Ward appendix: one row per ward and priority: ward_code, ward_name, priority, count, prev_count,
    # rate_per_1000, change_pct, p_value, significant, small (bool), suppressed (bool)
    wards: pd.DataFrame
    # Impact Areas: area_id, name, population_share, crime_share (last 12 months, all crime), is_demo
    impact_areas: pd.DataFrame
    data_status: str  # one line: months loaded, real or demo, records without a location
    is_demo: bool  # any figure in the report from demo data
    sources: list[str] = field(default_factory=list)  # provenance lines for the notes slide
    attribution: str = ""  # config.ATTRIBUTION
    methods: list[str] = field(default_factory=list)  # how the figures are computed, one line each


def priorities(con: duckdb.DuckDBPyConnection) -> list[Priority]:
    """The priorities the loaded data can measure, strategy order, then custom ones."""
    raise NotImplementedError


def report(
    con: duckdb.DuckDBPyConnection,
    to_month: str | pd.Timestamp | None = None,
    *,
    public: bool = False,
) -> PerformanceReport:
    """Everything the Performance page and the pack show. Raises InputError
    (one line) for a period with no data."""
    raise NotImplementedError


def rag_status(actual: int | None, target: Target | None, margin: float = DEFAULT_AMBER_MARGIN) -> tuple[str, str]:
    """(colour, reason): green met, amber within ``margin`` of the target, red
    worse, grey no target or nothing to compare."""
    raise NotImplementedError


def set_target(
    con: duckdb.DuckDBPyConnection,
    priority: str,
    kind: str,
    value: float,
    start: dt.date,
    end: dt.date,
    baseline: str | None = None,
) -> Target:
    """Create or replace a priority's target (analyst only; audited)."""
    raise NotImplementedError


def remove_target(con: duckdb.DuckDBPyConnection, priority: str) -> bool:
    raise NotImplementedError


def targets(con: duckdb.DuckDBPyConnection) -> dict[str, Target]:
    raise NotImplementedError


def amber_margin(con: duckdb.DuckDBPyConnection) -> float:
    raise NotImplementedError


def set_amber_margin(con: duckdb.DuckDBPyConnection, margin: float) -> None:
    """Analyst only; audited. 0 <= margin < 1."""
    raise NotImplementedError


def add_priority(con: duckdb.DuckDBPyConnection, label: str, categories: tuple[str, ...]) -> Priority:
    """An analyst's own priority from police.uk categories (analyst only; audited)."""
    raise NotImplementedError


def remove_priority(con: duckdb.DuckDBPyConnection, key: str) -> bool:
    raise NotImplementedError
