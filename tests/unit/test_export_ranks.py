"""CSV downloads write ranks as whole numbers ("218", not "218.0")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from swp_data.report import export


def test_rank_columns_are_written_as_integers():
    df = pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "rank by harm": [218.0, 3.0, np.nan],  # a merge left a gap: floats
            "imd_rank": [1.0, 2.0, 3.0],
            "rate_per_1000": [1.0, 2.0, 3.0],  # not a rank: left as it is
            "rank score": [0.5, 1.0, 2.0],  # not whole: left as it is
        }
    )
    text = export.to_csv_bytes(df, title="t", is_demo=False).decode("utf-8-sig")
    lines = text.splitlines()
    header = lines.index("name,rank by harm,imd_rank,rate_per_1000,rank score")
    assert lines[header + 1 : header + 4] == ["a,218,1,1.0,0.5", "b,3,2,2.0,1.0", "c,,3,3.0,2.0"]
