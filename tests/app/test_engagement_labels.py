"""Issue 22, finding 9: the engagement scatter names only the wards that
answer the question (and the extremes); the rest are named on hover."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ui import charts


def _wards(n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    eng = rng.uniform(2, 6, n)
    harm = rng.uniform(80, 120, n)  # a dense cloud: twenty names would overlap
    hm, em = float(np.median(harm)), float(np.median(eng))
    quadrant = np.where((harm > hm) & (eng < em), "High harm, low engagement", "Other")
    return pd.DataFrame(
        {
            "code": [f"E050{i:05d}" for i in range(n)],
            "name": [f"Ward <{i}>" for i in range(n)],
            "engagement": eng,
            "harm": harm,
            "quadrant": quadrant,
        }
    )


def test_only_the_focus_wards_and_extremes_are_named():
    eh = _wards()
    focus = set(eh.index[eh["quadrant"] == "High harm, low engagement"])
    assert 2 <= len(focus) < charts.ENGAGEMENT_LABELS
    label, position = charts.engagement_labels(eh, outlined=(eh.at[0, "code"],))
    named = {i for i, v in label.items() if v}
    assert len(focus & named) >= len(focus) - 1 and 0 in eh.index
    assert len(named) <= charts.ENGAGEMENT_LABELS < len(eh)
    # no two names meet, nor a name another point (as estimated in pixels at 1280x720)
    xmax, ymax = eh["engagement"].max() * 1.08, eh["harm"].max() * 1.08
    boxes = {
        i: charts._label_box(
            eh.at[i, "engagement"] / xmax * charts._PLOT_W,
            eh.at[i, "harm"] / ymax * charts._PLOT_H,
            charts._CHAR_W * len(eh.at[i, "name"]),
            position[i],
        )
        for i in named
    }
    for i in named:
        for j in named:
            assert i == j or not charts._overlap(boxes[i], boxes[j]), (i, j)
    # crowded points: not every name is above its point
    assert {position[i] for i in named} != {"top center"}


def test_figure_shows_names_only_for_the_named_and_every_name_on_hover():
    eh = _wards()
    hm, em = float(eh["harm"].median()), float(eh["engagement"].median())
    fig = charts.engagement_harm(eh, harm_median=hm, engagement_median=em, outlined=())
    texts = [t for tr in fig.data for t in tr.text]
    hover = [t for tr in fig.data for t in tr.customdata]
    assert len(hover) == len(eh) and all(h.startswith("Ward &lt;") for h in hover)  # escaped
    shown = [t for t in texts if t]
    assert 0 < len(shown) <= charts.ENGAGEMENT_LABELS
    assert all("%{customdata}" in tr.hovertemplate for tr in fig.data)
