"""What the public site (``SWP_MODE=public``) may show of partner data (no Streamlit here).

Partner returns (domestic abuse, hate crime by ward or LSOA, from police and
council systems) are shared with the partnership, not published. The public
site shows partner measures only as the partnership has published them: the
``published:`` datasets of the bundle, whole city, financial years. Small
numbers elsewhere (survey answers by ward) are suppressed with
:func:`swp_data.stats.suppress_small`, always on in public mode.
"""

from __future__ import annotations

import pandas as pd

PUBLISHED_SOURCE = "Published (real)"  # crime.partner_series' source of published: datasets

NOTE = (
    "On the public site, domestic abuse and hate crime figures are shown only as the partnership publishes "
    "them: for the whole city, by financial year."
)


def published_partner(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a :func:`swp_data.crime.partner_series` result that come
    from published figures (whole city); partner returns are left out."""
    if frame.empty or "source" not in frame.columns:
        return frame.iloc[0:0]
    return frame[frame["source"] == PUBLISHED_SOURCE].reset_index(drop=True)


__all__ = ["NOTE", "PUBLISHED_SOURCE", "published_partner"]
