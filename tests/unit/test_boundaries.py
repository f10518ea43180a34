"""Every threshold that protects users or data, tested on both sides: a test
here fails when the boundary moves (issue 17, item 9)."""

from __future__ import annotations

import datetime as dt
import types
import zipfile

import duckdb
import numpy as np
import pandas as pd
import pytest

from swp_data.analysis import stats
from swp_data.errors import InputError
from swp_data.report import export, performance
from swp_data.sources import imports
from swp_data.sources.policeuk import archives


# ----------------------------------------------------------------- significance: p < 0.05, not p <= 0.10
def _with_p(lo: float, hi: float) -> stats.ChangeResult:
    """A change whose exact Poisson p-value lies in [lo, hi)."""
    for cur in range(100, 200):
        r = stats.poisson_change(cur, 100)
        if lo <= r.p_value < hi:
            return r
    raise AssertionError(f"no count gives p in [{lo}, {hi})")


def test_significant_only_below_0_05():
    just_below = _with_p(0.04, 0.05)
    assert just_below.significant
    just_above = _with_p(0.05, 0.06)
    assert not just_above.significant
    weak = _with_p(0.06, 0.10)
    assert not weak.significant  # a rule of p <= 0.10 would call it real


# ----------------------------------------------------------------- a small file cannot erase a month
def _staged(force: str, month: dt.date, new: int) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        force_months=[(force, month)], new_by_force_month={(force, month): new}, labels={(force, month): "f.csv"}
    )


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        (100, 0, True),  # loses exactly REPLACE_MIN_LOST: refused (>= 100)
        (99, 0, False),  # loses 99: a small month is replaced freely
        (200, 99, True),  # brings under half and loses 101
        (200, 100, False),  # brings exactly half: allowed
        (150, 49, True),
        (150, 51, False),  # loses 99
    ],
)
def test_replacement_guard_both_sides(old, new, refused):
    assert imports.REPLACE_MIN_LOST == 100 and imports.REPLACE_MIN_SHARE == 0.5
    month = dt.date(2025, 6, 1)
    con = duckdb.connect()
    con.execute("CREATE TABLE crime (force VARCHAR, month DATE)")
    con.execute("INSERT INTO crime SELECT 'West Midlands Police', ?::DATE FROM range(?)", [month, old])
    staged = _staged("West Midlands Police", month, new)
    if refused:
        with pytest.raises(imports.ReplaceRefused, match=f"would remove the {old:,} records"):
            imports._check_replacement(con, staged)
    else:
        imports._check_replacement(con, staged)


# ----------------------------------------------------------------- CSV formula injection
@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_lead_is_made_text_in_cells_and_headers(lead):
    df = pd.DataFrame({f"{lead}HEAD": [f"{lead}cmd|' /C calc'!A0", "plain"]})
    out = export.sanitise(df)
    assert list(out.columns) == [f"'{lead}HEAD"]
    assert out.iloc[0, 0] == f"'{lead}cmd|' /C calc'!A0" and out.iloc[1, 0] == "plain"
    text = export.to_csv_bytes(df, title="t", is_demo=False).decode("utf-8-sig")
    assert f"'{lead}HEAD" in text


def test_harmless_leads_and_numbers_are_left_alone():
    out = export.sanitise(pd.DataFrame({"a": ["x=1", " =1", "'=1"], "n": [-1, 2, 3]}))
    assert out["a"].tolist() == ["x=1", " =1", "'=1"] and out["n"].tolist() == [-1, 2, 3]


# ----------------------------------------------------------------- the whole archive's inflation ratio
def _member(month: int, size: int, compressed: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(f"2024-{month:02d}/2024-{month:02d}-west-midlands-street.csv")
    info.file_size, info.compress_size = size, compressed
    return info


def test_whole_archive_ratio_both_sides():
    """Members of 1 MB each are under the per-member check; together they are not."""
    mb = 1024 * 1024
    today = dt.date(2025, 1, 1)
    over = [_member(m, mb, mb // 101) for m in range(1, 4)]  # 101 times, whole archive 3 MB
    with pytest.raises(InputError, match=f"inflate more than {archives.MAX_RATIO} times"):
        archives.check_street_members("a.zip", over, today)
    under = [_member(m, mb, mb // 99) for m in range(1, 4)]  # 99 times
    archives.check_street_members("a.zip", under, today)
    assert archives.MAX_RATIO == 100


def test_member_ratio_both_sides():
    mb = 1024 * 1024
    today = dt.date(2025, 1, 1)
    with pytest.raises(InputError, match="times"):
        archives.check_street_members("a.zip", [_member(1, 2 * mb, 2 * mb // 101)], today)
    archives.check_street_members("a.zip", [_member(1, 2 * mb, 2 * mb // 99)], today)


# ----------------------------------------------------------------- direction of travel on complete months
def _series(values: dict[str, float], start: str = "2023-01-01", months: int = 30) -> pd.Series:
    idx = pd.date_range(start, periods=months, freq="MS")
    s = pd.Series(100.0, index=idx)
    for k, v in values.items():
        s[pd.Timestamp(k)] = v
    return s


def test_a_missing_month_is_not_a_fall():
    s = _series({"2025-05-01": np.nan})  # a month not loaded in the last 12
    to = s.index[-1]
    assert performance._direction(s, to) == "flat"  # raw totals would read 1,100 against 1,200: "down"


def test_direction_band_both_sides():
    to = pd.Timestamp("2025-06-01")
    band = performance.DIRECTION_BAND
    assert band == 0.01
    # the 3 newest months raised so the rolling year rises by 0.9% and 1.1% against 3 months earlier
    for rise, expected in ((0.009, "flat"), (0.011, "up"), (-0.009, "flat"), (-0.011, "down")):
        per_month = 100.0 * 12 * rise / 3
        s = _series({m: 100.0 + per_month for m in ("2025-04-01", "2025-05-01", "2025-06-01")})
        assert performance._direction(s, to) == expected, rise
