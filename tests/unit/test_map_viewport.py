"""Map frames may be zoomed (WCAG 1.4.4): folium's viewport is replaced."""

from geo import maps


def test_folium_header_viewport_allows_zoom():
    m = maps.base_map(tiles=False)
    m.get_root().render()  # as streamlit-folium does, before it takes the header
    header = m.get_root().header.render()
    assert "maximum-scale=1.0" in header and "user-scalable=no" in header  # folium's own, as it ships
    fixed = maps.allow_zoom(header)
    assert "maximum-scale" not in fixed and "user-scalable" not in fixed
    assert fixed.count('name="viewport"') == 1 and maps.VIEWPORT in fixed
