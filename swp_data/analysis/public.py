"""What the public site (``SWP_MODE=public``) may show of partner data (no Streamlit here).

Partner returns (domestic abuse, hate crime by ward or LSOA, from police and
council systems) are shared with the partnership, not published. The public
site shows partner measures only as the partnership has published them: the
``published:`` datasets of the bundle, whole city, financial years. Small
numbers elsewhere (survey answers by ward) are suppressed with
:func:`swp_data.analysis.stats.suppress_small`, always on in public mode.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from swp_data.analysis.stats import _secondary_position

PUBLISHED_SOURCE = "Published (real)"  # crime.partner_series' source of published: datasets

NOTE = (
    "On the public site, domestic abuse and hate crime figures are shown only as the partnership publishes "
    "them: for the whole city, by financial year."
)


def published_partner(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`swp_data.analysis.crime.partner_series` result that come
    from published figures (whole city); partner returns are left out."""
    if frame.empty or "source" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["source"] == PUBLISHED_SOURCE].reset_index(drop=True)


def suppress_table(
    df: pd.DataFrame,
    count_col: str,
    dimensions: Sequence[Sequence[str]],
    threshold: int = 5,
) -> pd.DataFrame:
    """Small-number suppression of a table whose totals are shown along several
    ``dimensions`` (e.g. ``[["ward_code"], ["answer"]]``: each ward's total and
    each answer's city total are public). Returns a copy.

    Primary: 0 < count < ``threshold`` becomes NaN. Secondary, repeated until
    nothing changes: in any group of any dimension holding exactly one
    suppressed cell, the smallest other non-zero cell (else a zero) is
    suppressed too, so no shown total minus the shown cells reveals a small
    count. (:func:`swp_data.analysis.stats.suppress_small` protects one dimension; a
    survey answer by ward needs both.) A boolean column ``suppressed`` marks both kinds.
    """
    out = df.reset_index(drop=True).copy()
    counts = pd.to_numeric(out[count_col], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    suppressed = (counts > 0) & (counts < threshold)
    groups = [
        np.asarray(g) for dim in dimensions for g in out.groupby(list(dim), dropna=False, sort=False).indices.values()
    ]
    changed = bool(suppressed.any())
    while changed:
        changed = False
        for positions in groups:
            if suppressed[positions].sum() != 1:
                continue
            extra = _secondary_position(counts[positions], suppressed[positions])
            if extra is not None:
                suppressed[positions[extra]] = True
                changed = True
    out[count_col] = np.where(suppressed, np.nan, counts)
    out["suppressed"] = suppressed
    return out


__all__ = ["NOTE", "PUBLISHED_SOURCE", "published_partner", "suppress_table"]
