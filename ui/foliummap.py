"""Choropleth maps rendered once per content and shared by every session.

Rendering a folium map to what streamlit-folium sends the browser (Jinja
templates compiled for each element, the GeoJSON written out) was three
quarters of a warm Crime map run: 0.11 s of 0.14 s of server CPU, for every
session and every run, though twenty people in a meeting mostly look at the
same map. :func:`choropleth` builds and renders a map only for content it has
not rendered before, and hands the component the same strings otherwise.

The cache key is the map's content, never a page's word for it:
- the areas' values and names (the GeoDataFrame without its geometry, hashed
  by value) and a digest of the geometry's WKB;
- every option of :func:`geo.maps.choropleth`, with ``value_fmt`` replaced by
  what it prints for each value (a lambda's identity says nothing about its
  output, and a new lambda can reuse a dead one's id);
- each extra layer, which must be a ``functools.partial`` of a module-level
  function (its arguments are hashed by value: a DataFrame by its contents).
  Anything else is refused with a TypeError rather than cached wrongly.

streamlit-folium has no public way to send a map rendered earlier, so
:func:`_render` runs its own ``st_folium`` once with its private
``_component_func`` captured (under a lock: every map of the app is drawn
here) and :func:`_show` calls the real function, kept aside at import, with
the captured arguments.
The lock file pins streamlit-folium; ``tests/app`` and ``tests/e2e`` click
these maps, so an upgrade that changes the private function fails there.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st
import streamlit_folium

from geo import maps

_render_lock = threading.Lock()
# The component itself, taken once: while one map renders, the module's name
# points at the capture below, and another session sending its map at that
# moment must still reach the real component.
_COMPONENT = streamlit_folium._component_func


@dataclass(frozen=True)
class Rendered:
    """What streamlit-folium sends for one map, and the legend drawn beside it."""

    component_kwargs: dict[str, Any]
    legend_html: str | None


def _render(build: Callable[[], Any], key: str, height: int, returned_objects: tuple[str, ...]) -> Rendered:
    """Build the map and render it as ``st_folium`` would, capturing the
    component's arguments instead of sending them."""
    captured: dict[str, Any] = {}

    def capture(**kwargs):
        captured.update(kwargs)
        return None

    m = build()
    with _render_lock:
        streamlit_folium._component_func = capture
        try:
            streamlit_folium.st_folium(
                m, key=key, height=height, use_container_width=True, returned_objects=list(returned_objects)
            )
        finally:
            streamlit_folium._component_func = _COMPONENT
    if "script" not in captured:  # pragma: no cover - an upgrade of streamlit-folium changed its internals
        raise RuntimeError("streamlit-folium did not call its component: check ui/foliummap.py against it")
    captured["header"] = maps.allow_zoom(captured.get("header") or "")  # the map's frame may be zoomed
    return Rendered(captured, getattr(m, "legend_html", None))


@st.cache_resource(show_spinner=False, max_entries=64)
def _rendered(
    values: pd.DataFrame,
    geometry_digest: str,
    labels: tuple[str, ...],
    options: tuple,
    layer_keys: tuple,
    key: str,
    height: int,
    returned_objects: tuple[str, ...],
    _gdf: gpd.GeoDataFrame,
    _options: dict,
    _layers: tuple,
) -> Rendered:
    """The rendered map; the arguments without a leading underscore are its
    key (Streamlit does not hash those with one)."""

    def build():
        m = maps.choropleth(_gdf, **_options)
        for layer in _layers:
            layer(m)
        return m

    return _render(build, key, height, returned_objects)


def _digest(gdf: gpd.GeoDataFrame) -> str:
    wkb = shapely.to_wkb(gdf.geometry.to_numpy())
    return hashlib.sha256(b"".join(len(w).to_bytes(4, "little") + w for w in wkb)).hexdigest()


def _layer_keys(layers: tuple) -> tuple:
    """Each layer as (the function's full name, its arguments): what it draws."""
    out = []
    for layer in layers:
        func = getattr(layer, "func", None)
        if not isinstance(layer, functools.partial) or "<locals>" in getattr(func, "__qualname__", "<locals>"):
            raise TypeError(
                "a map layer must be a functools.partial of a module-level function (its arguments are the "
                f"cache key): got {layer!r}"
            )
        assert func is not None  # a partial has one
        out.append((f"{func.__module__}.{func.__qualname__}", layer.args, layer.keywords))
    return tuple(out)


def choropleth(
    gdf: gpd.GeoDataFrame,
    *,
    key: str,
    height: int,
    layers: Sequence[Callable] | None = None,
    returned_objects: Sequence[str] = ("last_active_drawing",),
    **options,
) -> tuple[dict | None, str | None]:
    """Draw :func:`geo.maps.choropleth` of ``gdf`` with ``options`` and the
    extra ``layers`` (each called with the map), as ``st_folium`` would;
    returns what the component returned (the user's last click) and the
    legend HTML the layers set, if any."""
    fmt = options.get("value_fmt") or maps.fmt_number
    values = pd.to_numeric(gdf[options["value_col"]], errors="coerce")
    labels = tuple(fmt(v) for v in values)
    hashed = tuple(sorted((k, v) for k, v in options.items() if k != "value_fmt"))
    layers = tuple(layers or ())
    rendered = _rendered(
        pd.DataFrame(gdf.drop(columns=gdf.geometry.name)),
        _digest(gdf),
        labels,
        hashed,
        _layer_keys(layers),
        key,
        int(height),
        tuple(returned_objects),
        _gdf=gdf,
        _options=options,
        _layers=layers,
    )
    return _show(rendered), rendered.legend_html


def _show(rendered: Rendered) -> dict | None:
    kwargs = dict(rendered.component_kwargs)
    kwargs["default"] = copy.deepcopy(kwargs.get("default"))  # the session may keep what it returns
    return _COMPONENT(**kwargs)
