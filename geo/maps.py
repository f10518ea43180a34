"""Folium maps: choropleths, points and heat layers.

Every property that reaches the browser is turned into an HTML-escaped string
here (tooltips and popups render HTML), so text from data can never inject
markup. Palettes are colour-blind safe (viridis family; PuOr for change).
Tiles come from CartoDB when online; polygons draw without them offline.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Template
from folium import plugins

from . import assets

CITY_CENTRE = (52.5862, -2.1288)

# Viridis (colour-blind safe, prints in greyscale); index 0 = low.
VIRIDIS = ["#fde725", "#b5de2b", "#6ece58", "#35b779", "#1f9e89", "#26828e", "#31688e", "#3e4989", "#482878", "#440154"]
# ColorBrewer PuOr (diverging, colour-blind safe): purple = down, orange = up.
PUOR = ["#542788", "#8073ac", "#b2abd2", "#d8daeb", "#f7f7f7", "#fee0b6", "#fdb863", "#e08214", "#b35806"]
NO_DATA = "#d9d9d9"
# The map's own attribution, compact (Leaflet's prefix is off: see FitCity); config.ATTRIBUTION has it in full.
ATTRIBUTION = "© OpenStreetMap · OS data © Crown copyright"
# Outlined areas (pockets, the chosen area): a white line on a black casing, visible on every fill.
OUTLINE, OUTLINE_CASING = "#ffffff", "#000000"


def esc(value) -> str:
    """HTML-escaped text for a tooltip or popup."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def fmt_number(v, decimals: int = 1) -> str:
    if v is None or pd.isna(v):
        return "no data"
    if float(v).is_integer() and decimals <= 1 and abs(v) >= 100:
        return f"{int(v):,}"
    return f"{v:,.{decimals}f}"


def colormap(
    values: pd.Series,
    kind: str = "sequential",
    caption: str = "",
    reverse: bool = False,
    vmin: float | None = None,
    vmax: float | None = None,
):
    """A branca colormap for ``values``: sequential, diverging (centred on 0) or deciles (1..10)."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if kind == "deciles":
        colours = list(reversed(VIRIDIS)) if not reverse else VIRIDIS
        cm = bcm.StepColormap(colours, vmin=0.5, vmax=10.5, index=[0.5 + i for i in range(11)], caption=caption)
        return cm
    if kind == "diverging":
        m = float(max(abs(v.min()), abs(v.max()), 1e-9)) if len(v) else 1.0
        lo, hi = (vmin, vmax) if vmin is not None and vmax is not None else (-m, m)
        return bcm.LinearColormap(PUOR, vmin=lo, vmax=hi, caption=caption)
    colours = list(reversed(VIRIDIS)) if reverse else VIRIDIS
    lo = float(v.min()) if vmin is None and len(v) else (vmin or 0.0)
    hi = float(v.max()) if vmax is None and len(v) else (vmax or 1.0)
    if hi <= lo:
        hi = lo + 1e-9
    # Quantile-ish steps read better than a linear ramp on skewed crime rates.
    return bcm.LinearColormap(colours, vmin=lo, vmax=hi, caption=caption)


# folium's Map writes a viewport that stops zooming (maximum-scale=1.0, user-scalable=no): WCAG 2.2
# 1.4.4 (resize text) fails in the map's frame. :func:`allow_zoom` puts this one in its place.
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1.0" />'
_VIEWPORT_RE = re.compile(r'<meta\s+name="viewport"[^>]*>', re.IGNORECASE)


def allow_zoom(header: str) -> str:
    """A map document's header with folium's zoom-blocking viewport replaced by :data:`VIEWPORT`."""
    return _VIEWPORT_RE.sub(VIEWPORT, header)


def base_map(zoom: int = 12, tiles: bool = True) -> folium.Map:
    # zoom_snap 0.25: fitting the city picks a quarter zoom, not the whole level below (a smaller city)
    m = folium.Map(
        location=CITY_CENTRE, zoom_start=zoom, tiles=None, prefer_canvas=True, control_scale=True, zoom_snap=0.25
    )
    # Only Leaflet, served by the app (geo/assets.py): no CDN, so maps draw offline.
    m.default_js = [("leaflet", assets.LEAFLET_JS)]
    m.default_css = [("leaflet_css", assets.LEAFLET_CSS)]
    if tiles:
        folium.TileLayer(
            "OpenStreetMap",
            name="Base map",
            control=False,
            # short, so that it stays one line in the bottom-right corner (the full notice is on every page)
            attr=ATTRIBUTION,
        ).add_to(m)
    return m


def feature_collection(gdf: gpd.GeoDataFrame, props: pd.DataFrame) -> dict:
    """GeoJSON with only the given (already escaped, string) properties."""
    geo = json.loads(gpd.GeoSeries(gdf.geometry.to_numpy(), crs=gdf.crs).to_json(drop_id=True))
    for feat, (_, row) in zip(geo["features"], props.iterrows(), strict=True):
        feat["properties"] = {k: v for k, v in row.items()}
    return geo


def choropleth(
    gdf: gpd.GeoDataFrame,
    *,
    id_col: str,
    name_col: str,
    value_col: str,
    value_label: str,
    kind: str = "sequential",
    reverse: bool = False,
    value_fmt: Callable[[float], str] | None = None,
    tooltip: dict[str, str] | None = None,
    highlight: Iterable[str] | None = None,
    m: folium.Map | None = None,
    layer_name: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> folium.Map:
    """A choropleth of ``value_col`` with an escaped tooltip and a legend.

    ``tooltip`` maps extra column names to labels. ``highlight`` outlines the
    given ids (e.g. pockets of deprivation, an Impact Area). The feature
    property ``id`` carries the area code, for click handling.
    """
    fmt = value_fmt or fmt_number
    cm = colormap(gdf[value_col], kind, caption=value_label, reverse=reverse, vmin=vmin, vmax=vmax)
    hl = set(highlight or ())
    values = pd.to_numeric(gdf[value_col], errors="coerce")
    props = pd.DataFrame(
        {
            "id": gdf[id_col].map(esc).to_numpy(),
            "name": gdf[name_col].map(esc).to_numpy(),
            "value": [esc(fmt(v)) for v in values],
            "_fill": [cm(v) if pd.notna(v) else NO_DATA for v in values],
            "_hl": [c in hl for c in gdf[id_col]],
        }
    )
    fields, aliases = ["name", "id", "value"], ["Area", "Code", value_label]
    for i, (col, label) in enumerate((tooltip or {}).items()):
        key = f"t{i}"
        vals = gdf[col]
        props[key] = [
            esc(fmt(float(v)) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else v)
            for v in vals
        ]
        fields.append(key)
        aliases.append(label)
    m = m or base_map()
    gj = folium.GeoJson(
        feature_collection(gdf, props),
        name=layer_name or value_label,
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": OUTLINE_CASING if f["properties"]["_hl"] else "#444444",
            "weight": 5 if f["properties"]["_hl"] else 0.6,
            "fillOpacity": 0.72,
        },
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        # Narrow and wrapping, so that it fits in the map's frame (Leaflet
        # opens it left or right of the pointer, whichever side has room).
        tooltip=folium.GeoJsonTooltip(
            fields=fields,
            aliases=[esc(a) for a in aliases],
            sticky=False,
            style="white-space: normal; width: max-content; max-width: 280px; font-size: 13px;",
        ),
    )
    gj.add_to(m)
    if hl:  # the white line over the black casing drawn above (not interactive: the tooltip stays)
        sel = gdf[gdf[id_col].isin(hl)]
        folium.GeoJson(
            json.loads(gpd.GeoSeries(sel.geometry.to_numpy(), crs=gdf.crs).to_json(drop_id=True)),
            name="Outlined areas",
            control=False,
            interactive=False,
            style_function=lambda f: {"color": OUTLINE, "weight": 2, "fill": False},
        ).add_to(m)
    # drawn beside the map (branca's legend needs d3 from a CDN); an attribute of ours on folium's Map
    m.legend_html = legend_html(cm, value_label, kind)  # type: ignore[attr-defined]
    b = gdf.total_bounds
    if len(gdf) and np.isfinite(b).all():
        FitCity(
            [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]], title=f"Map of Wolverhampton: {value_label}"
        ).add_to(m)
    return m


class FitCity(folium.MacroElement):
    """The map fitted to the city's bounds, again whenever its frame changes
    size (the frame takes its width after the map first draws, which clipped
    the city), with room below for the one-line attribution; Leaflet's
    attribution prefix off; and the frame titled for screen readers (the
    component's iframe is otherwise titled "streamlit_folium.st_folium"):
    ``document.title`` and, the frame being same-origin, its ``title``."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "(function(map){"
        "var b = {{ this.bounds|tojson }}, o = {paddingTopLeft: [8, 8], paddingBottomRight: [8, 22]};"
        "map.attributionControl.setPrefix(false);"
        "map.fitBounds(b, o);"
        "var w = window.innerWidth, h = window.innerHeight;"
        "window.addEventListener('resize', function(){"
        "if (window.innerWidth === w && window.innerHeight === h) return;"
        "w = window.innerWidth; h = window.innerHeight; map.invalidateSize(); map.fitBounds(b, o);});"
        "var t = {{ this.title|tojson }}; document.title = t;"
        "try { if (window.frameElement) window.frameElement.setAttribute('title', t); } catch (e) {}"
        "})({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, bounds: list[list[float]], title: str):
        super().__init__()
        self._name = "FitCity"
        self.bounds = bounds
        self.title = title


class TextPopup(folium.MacroElement):
    """A popup of fixed HTML bound to its parent marker with Leaflet's own
    ``bindPopup``. folium's Popup builds its element with jQuery (``$(`...`)``),
    which the offline maps do not load (the map script stopped at the first
    marker: no map at all with the points layer on the hotspots view), and
    puts the text inside a JavaScript template literal, where a backtick or
    ``${`` from the data would be code. Here the HTML is a JSON string
    (Jinja's ``tojson``: quotes, ``<``, ``>``, ``&`` and ``'`` escaped), and
    the caller has already escaped the data in it (:func:`esc`)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {maxWidth: {{ this.max_width }}});"
        "{% endmacro %}"
    )

    def __init__(self, html_text: str, max_width: int = 260):
        super().__init__()
        self._name = "TextPopup"
        self.html = html_text
        self.max_width = int(max_width)


def points_layer(
    m: folium.Map,
    df: pd.DataFrame,
    *,
    label_cols: dict[str, str],
    name: str = "Points",
    colour: str = "#b35806",
    max_points: int = 3000,
) -> int:
    """Small circle markers with escaped popups; returns the number drawn."""
    d = df.dropna(subset=["lat", "lon"]).head(max_points)
    fg = folium.FeatureGroup(name=name)
    for r in d.itertuples(index=False):
        rd = r._asdict()
        text = "<br>".join(f"<b>{esc(lbl)}</b>: {esc(rd.get(col))}" for col, lbl in label_cols.items())
        folium.CircleMarker(
            location=(rd["lat"], rd["lon"]),
            radius=3,
            color=colour,
            fill=True,
            fill_opacity=0.7,
            weight=0.5,
        ).add_child(TextPopup(text, max_width=260)).add_to(fg)
    fg.add_to(m)
    add_legend(
        m,
        f'<div style="font-size:13px;margin:2px 0 6px 0"><b>{esc(name)}</b><br>'
        f'<span style="display:inline-block;width:10px;height:10px;border-radius:5px;background:{esc(colour)}">'
        f"</span> one record ({len(d):,} drawn; click one for its details)</div>",
    )
    return len(d)


# The heat layer's ramp runs as the choropleth's (viridis: yellow = few, purple = many), not leaflet.heat's
# default (blue = few, red = many), which ran the other way on the same map.
HEAT_GRADIENT = {round(0.1 + 0.1 * i, 1): c for i, c in enumerate(VIRIDIS)}


def heat_layer(m: folium.Map, df: pd.DataFrame, name: str = "Heat") -> None:
    """A heat layer of the records, with its own legend under the choropleth's."""
    d = df.dropna(subset=["lat", "lon"])
    hm = plugins.HeatMap(
        d[["lat", "lon"]].to_numpy().tolist(),
        name=name,
        radius=12,
        blur=15,
        min_opacity=0.3,
        gradient={str(k): v for k, v in HEAT_GRADIENT.items()},
    )
    hm.default_js = [("leaflet-heat.js", assets.LEAFLET_HEAT_JS)]
    hm.add_to(m)
    stops = ", ".join(HEAT_GRADIENT.values())
    add_legend(
        m,
        f'<div style="font-size:13px;margin:2px 0 6px 0"><b>{esc(name)}</b><br>'
        f'<span style="display:inline-block;width:260px;height:14px;background:linear-gradient(to right, {stops})">'
        f'</span><br><span style="font-size:12px">fewer records &nbsp;→&nbsp; more records (density of '
        f"{len(d):,} records)</span></div>",
    )


def add_legend(m: folium.Map, legend: str) -> None:
    """Add a layer's legend under the ones already drawn beside the map."""
    m.legend_html = (getattr(m, "legend_html", None) or "") + legend  # type: ignore[attr-defined]


def legend_html(cm, caption: str, kind: str = "sequential") -> str:
    """A small self-contained HTML legend (escaped caption; no scripts)."""
    if kind == "deciles":
        cells = "".join(
            f'<span style="display:inline-block;width:26px;height:14px;background:{cm(i)};'
            f'text-align:center;font-size:11px;color:{"#fff" if i <= 6 else "#000"}">{i}</span>'
            for i in range(1, 11)
        )
        ends = "1 = most deprived 10% &nbsp;…&nbsp; 10 = least deprived"
    else:
        stops = ", ".join(cm(cm.vmin + (cm.vmax - cm.vmin) * i / 8) for i in range(9))
        cells = (
            f'<span style="display:inline-block;width:260px;height:14px;'
            f'background:linear-gradient(to right, {stops})"></span>'
        )
        ends = f"{esc(fmt_number(cm.vmin))} &nbsp;→&nbsp; {esc(fmt_number(cm.vmax))}"
    return (
        f'<div style="font-size:13px;margin:2px 0 6px 0"><b>{esc(caption)}</b><br>{cells}'
        f'<br><span style="font-size:12px">{ends}</span></div>'
    )


def payload_bytes(m: folium.Map) -> int:
    """Size of the map document sent to the browser."""
    return len(m.get_root().render().encode("utf-8"))
