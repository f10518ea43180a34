"""CSV downloads that are safe to open in a spreadsheet and honest about demo data.

- Formula injection: a text cell starting with = + - @ (or tab / carriage
  return) is prefixed with an apostrophe, so Excel and LibreOffice show it as
  text instead of running it (OWASP "CSV injection"). Numbers are untouched.
- Demo data: the first line says so, and a ``data_status`` column repeats it
  on every row, so a pasted extract cannot lose the label.
- Provenance and licence lines head every file.
"""

from __future__ import annotations

import io

import pandas as pd

from swp_data.config import ATTRIBUTION

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(v):
    if isinstance(v, str) and v.startswith(_DANGEROUS):
        return "'" + v
    return v


def sanitise(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(_safe_cell)
    out.columns = [_safe_cell(str(c)) for c in out.columns]
    return out


def whole_ranks(df: pd.DataFrame) -> pd.DataFrame:
    """Rank columns (a name with "rank" in it) written as whole numbers: a
    float column of ranks (from a merge or a rounding) would print "218.0".
    Only columns whose every value is whole change; gaps stay empty."""
    out = df.copy()
    for c in out.columns:
        col = out[c]
        if "rank" in str(c).lower() and pd.api.types.is_float_dtype(col):
            vals = col.dropna()
            if len(vals) and (vals == vals.round()).all():
                out[c] = col.round().astype("Int64")
    return out


def to_csv_bytes(df: pd.DataFrame, *, title: str, is_demo: bool, source: str = "") -> bytes:
    """UTF-8 (with BOM, so Excel reads it as UTF-8) CSV with a provenance header."""
    data = sanitise(whole_ranks(df))
    if is_demo:
        data.insert(0, "data_status", "DEMO (synthetic, not real)")
    buf = io.StringIO()
    status = "DEMO DATA: synthetic figures for demonstration; not real crime records" if is_demo else "Real data"
    for line in (f"# {title}", f"# {status}", f"# Source: {source}" if source else None, f"# {ATTRIBUTION}"):
        if line:
            buf.write(line.replace("\n", " ") + "\n")
    data.to_csv(buf, index=False)
    return buf.getvalue().encode("utf-8-sig")
