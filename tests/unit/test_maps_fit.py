"""Issue 22, finding 7: every map fitted to the city, a compact attribution,
a legend per layer (the heat ramp running as the choropleth's), visible
outlines and a titled frame. On the real ward boundaries."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from geo import maps


def _city():
    import geopandas as gpd
    from shapely.geometry import box

    # two boxes spanning Wolverhampton's extent
    return gpd.GeoDataFrame(
        {"code": ["E1", "E2"], "name": ["West <b>", "East"], "v": [1.0, 9.0]},
        geometry=[box(-2.21, 52.53, -2.13, 52.64), box(-2.13, 52.55, -2.04, 52.62)],
        crs=4326,
    )


def _script(html: str) -> str:
    m = re.search(r"\(function\(map\)\{(.*?)\}\)\(map_", html, re.S)
    assert m, "no FitCity script"
    return m.group(1)


def test_fitted_to_the_city_bounds_with_compact_attribution_and_title():
    g = _city()
    html = maps.choropleth(g, id_col="code", name_col="name", value_col="v", value_label="Rate <x>").get_root().render()
    js = _script(html)
    bounds = json.loads(re.search(r"var b = (\[\[.*?\]\])", js).group(1))
    assert [x for pair in bounds for x in pair] == pytest.approx([52.53, -2.21, 52.64, -2.04])
    assert "map.fitBounds(b, o)" in js and "addEventListener('resize'" in js  # refitted when the frame resizes
    assert "setPrefix(false)" in js
    assert "zoomSnap" in html and "0.25" in html
    # the frame's title, escaped as a JSON string (no markup from the label)
    assert '"Map of Wolverhampton: Rate \\u003cx\\u003e"' in js
    assert "frameElement.setAttribute('title', t)" in js


def test_attribution_is_one_short_line():
    m = maps.base_map()
    html = m.get_root().render()
    assert "OS data" in html and len(maps.ATTRIBUTION) < 50
    assert "database right" not in html


def test_outlined_areas_drawn_white_on_black_above_the_fills():
    g = _city()
    m = maps.choropleth(g, id_col="code", name_col="name", value_col="v", value_label="Rate", highlight=["E2"])
    html = m.get_root().render()
    assert html.count('"fill": false') >= 1 and maps.OUTLINE in html
    casing = [c for c in m._children.values() if isinstance(c, maps.folium.GeoJson)]
    assert len(casing) == 2  # the choropleth and the outline layer above it
    outline = casing[1]
    assert len(outline.data["features"]) == 1
    # the outlined area's own stroke is the black casing, the others the thin grey edge
    styles = [casing[0].style_function(f) for f in casing[0].data["features"]]
    assert [s["color"] for s in styles] == ["#444444", maps.OUTLINE_CASING]
    assert styles[1]["weight"] > styles[0]["weight"]


def test_heat_layer_ramp_runs_as_the_choropleth_and_has_a_legend():
    g = _city()
    m = maps.choropleth(g, id_col="code", name_col="name", value_col="v", value_label="Records")
    cm = maps.colormap(g["v"])
    maps.heat_layer(m, pd.DataFrame({"lat": [52.58, 52.59], "lon": [-2.1, -2.11]}), name="Records (heat)")
    grad = list(maps.HEAT_GRADIENT.items())
    # few -> many: the heat's low end is the choropleth's low colour, its high end the high colour
    assert grad[0][1] == cm(cm.vmin).lower()[:7] == maps.VIRIDIS[0]
    assert grad[-1][1] == maps.VIRIDIS[-1] and grad[-1][0] == 1.0
    assert [k for k, _ in grad] == sorted(k for k, _ in grad)
    html = m.get_root().render()
    assert '"gradient"' in html and maps.VIRIDIS[-1] in html
    # both legends, the choropleth's first
    assert m.legend_html.index("<b>Records</b>") < m.legend_html.index("<b>Records (heat)</b>")
    assert "fewer records" in m.legend_html


def test_points_layer_has_a_legend():
    g = _city()
    m = maps.choropleth(g, id_col="code", name_col="name", value_col="v", value_label="Records")
    n = maps.points_layer(
        m, pd.DataFrame({"lat": [52.58], "lon": [-2.1], "c": ["x"]}), label_cols={"c": "C"}, name="Rec <s>"
    )
    assert n == 1
    assert "<b>Rec &lt;s&gt;</b>" in m.legend_html and "1 drawn" in m.legend_html
