"""Categorical colours for maps drawn by ``furniture.map_block`` (clusters).

``map_block`` always draws a :func:`geo.maps.choropleth` of a numeric column;
:func:`recolour` returns a ``layers`` callback for it that recolours that
choropleth's polygons by category (keyed by the feature property ``id``, the
area code, which click handling also relies on) and swaps the continuous
legend (``m.legend_html``, drawn beside the map by ``map_block``) for a
categorical one. Text in the legend is HTML-escaped.

Palette: Paul Tol's "muted" qualitative scheme (colour-blind safe, designed
for categorical data), plus pale grey for a tenth category.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import branca.colormap as bcm
import folium

from .maps import NO_DATA, esc

# Paul Tol, "muted" (https://personal.sron.nl/~pault/#sec:qualitative), + pale grey.
PALETTE: tuple[str, ...] = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
    "#DDDDDD",
)


def colours(n: int) -> list[str]:
    """``n`` categorical colours (cycled beyond 10)."""
    return [PALETTE[i % len(PALETTE)] for i in range(max(int(n), 0))]


def category_colours(categories) -> dict:
    """A colour per category, in the order given."""
    cats = list(dict.fromkeys(categories))
    return dict(zip(cats, colours(len(cats)), strict=True))


def legend_html(title: str, labels: Mapping, palette: Mapping) -> str:
    """A small self-contained HTML legend, one swatch per category (escaped
    text; no scripts), drawn beside the map like geo.maps.legend_html."""
    rows = "".join(
        f'<span style="display:inline-block;margin:2px 14px 2px 0;white-space:nowrap">'
        f'<span style="display:inline-block;width:14px;height:14px;background:{esc(palette.get(k, NO_DATA))};'
        f'border:1px solid #555;vertical-align:middle;margin-right:5px"></span>{esc(v)}</span>'
        for k, v in labels.items()
    )
    return f'<div style="font-size:13px;margin:2px 0 6px 0"><b>{esc(title)}</b><br>{rows}</div>'


def recolour(
    category_of: Mapping[str, object],
    labels: Mapping[object, str],
    *,
    title: str,
    palette: Mapping[object, str] | None = None,
    opacity: float = 0.8,
) -> Callable[[folium.Map], None]:
    """A ``layers`` callback for ``map_block``: colour each polygon by
    ``category_of[id]`` (ids without a category are grey) and show a legend of
    ``labels`` (category -> text) instead of the continuous colour bar.
    Highlighted outlines (the red edge of ``highlight``) are kept. A
    ``functools.partial`` of plain data, so that a map drawn with it can be
    cached by its content (ui/foliummap.py)."""
    return functools.partial(
        _recolour,
        category_of=dict(category_of),
        labels=dict(labels),
        title=title,
        palette=dict(palette) if palette else category_colours(labels),
        opacity=opacity,
    )


def _recolour(
    m: folium.Map,
    *,
    category_of: dict[str, object],
    labels: dict[object, str],
    title: str,
    palette: dict[object, str],
    opacity: float,
) -> None:
    for key, child in list(m._children.items()):
        if isinstance(child, bcm.ColorMap):
            del m._children[key]
        elif isinstance(child, folium.GeoJson) and child.style_function is not None:
            old = child.style_function

            def style(feature, old=old):
                base = dict(old(feature)) if old else {}
                cat = category_of.get((feature.get("properties") or {}).get("id"))
                base["fillColor"] = palette.get(cat, NO_DATA)
                base["fillOpacity"] = opacity
                return base

            child.style_function = style
    m.legend_html = legend_html(title, labels, palette)  # type: ignore[attr-defined]  # see maps.choropleth
