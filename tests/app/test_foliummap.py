"""ui/foliummap.py: a choropleth rendered once per content and shared
between sessions, sending the browser exactly what st_folium sends."""

from __future__ import annotations

import functools
import json

import pytest
from streamlit.testing.v1 import AppTest

from ui import foliummap

SCRIPT = """
import functools, sys
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium
from geo import boundaries as gb, maps
from ui import foliummap
from swp_data import store

with store.reading() as con:
    df = con.execute(
        "SELECT ward_code AS code, ward_name AS name, geom_display AS geom FROM ward ORDER BY 1"
    ).df()
gdf = gb.from_frame(df)
gdf["n"] = range(len(gdf))
gdf.loc[0, "n"] = st.session_state.get("first", 0)
opts = dict(id_col="code", name_col="name", value_col="n", value_label="Records",
            value_fmt=st.session_state.get("fmt", lambda v: f"{v:,.0f}"))
layers = st.session_state.get("layers", ())
if st.session_state.get("direct"):
    m = maps.choropleth(gdf, **opts)
    for layer in layers:
        layer(m)
    st_folium(m, key="w_map", height=400, use_container_width=True, returned_objects=["last_active_drawing"])
else:
    foliummap.choropleth(gdf, key="w_map", height=400, layers=layers, **opts)
"""


@pytest.fixture
def renders(monkeypatch):
    """Counts the maps actually built and rendered (cache misses)."""
    calls = []
    real = foliummap._render

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(foliummap, "_render", counting)
    foliummap._rendered.clear()
    return calls


def _app(**state) -> AppTest:
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _component_args(at) -> dict:
    (el,) = [e for e in at.get("component_instance")]
    args = json.loads(el.proto.json_args)
    return args


def test_the_same_map_is_rendered_once_for_every_session(ref_store, monkeypatch, renders):
    monkeypatch.setenv("SWP_STORE", str(ref_store))
    a, b = _app(), _app()  # two sessions, same content
    assert len(renders) == 1
    assert _component_args(a) == _component_args(b)
    _app(first=99)  # one area's value differs: another map
    assert len(renders) == 2
    _app(fmt=lambda v: f"{v:.1f}")  # the same values printed otherwise: another map
    assert len(renders) == 3
    _app(fmt=lambda v: f"{v:,.0f}")  # a new lambda printing the same: the first map again
    assert len(renders) == 3


def test_the_browser_gets_what_st_folium_sends(ref_store, monkeypatch, renders):
    monkeypatch.setenv("SWP_STORE", str(ref_store))
    from geo import maps

    def layer():
        return (functools.partial(maps.heat_layer, df=_points(), name="Heat"),)

    cached = _component_args(_app(layers=layer()))
    direct = _component_args(_app(layers=layer(), direct=True))
    # folium names each element with a random id: compare with the ids made alike; the one change
    # made on purpose is the frame's viewport, which may be zoomed (geo.maps.allow_zoom, WCAG 1.4.4)
    assert "maximum-scale" not in cached["header"]
    direct = {**direct, "header": maps.allow_zoom(direct["header"])}
    assert _normalise(cached) == _normalise(direct)
    assert "Heat" in json.dumps(cached) or "heatLayer" in cached["script"]


def test_a_layer_must_be_a_partial_of_a_module_level_function(ref_store, monkeypatch):
    monkeypatch.setenv("SWP_STORE", str(ref_store))
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["layers"] = (lambda m: None,)
    at.run()
    assert at.exception and "functools.partial of a module-level function" in at.exception[0].value


def test_a_map_sent_while_another_renders_reaches_the_real_component(monkeypatch):
    """While one session's map renders, the module's component name points at
    the capture; another session's map must still go to the real one."""
    sent = []
    monkeypatch.setattr(foliummap, "_COMPONENT", lambda **kw: sent.append(kw) or {"ok": 1})
    monkeypatch.setattr(foliummap.streamlit_folium, "_component_func", lambda **kw: pytest.fail("the capture"))
    out = foliummap._show(foliummap.Rendered({"script": "s", "default": {"a": [1]}}, None))
    assert out == {"ok": 1} and sent[0]["script"] == "s"


def _points():
    import pandas as pd

    return pd.DataFrame({"lat": [52.58, 52.59, 52.6], "lon": [-2.12, -2.13, -2.11]})


def _normalise(args: dict) -> str:
    import re

    text = json.dumps({k: v for k, v in args.items() if k != "key"}, sort_keys=True)
    ids = {}
    return re.sub(r"[0-9a-f]{32}", lambda m: ids.setdefault(m.group(0), f"id{len(ids)}"), text)
