"""`python -m swp_data fetch --peers`: other districts' counts from the police.uk API (the local stand-in)
within generalised boundaries, labelled approximate; imported files' counts win."""

from __future__ import annotations

import copy
import json

import geopandas as gpd
import pytest

from swp_data import access, cli, config, store
from swp_data.errors import InputError
from swp_data.places import peer_police
from swp_data.sources import bundle, peer_fetch
from swp_data.sources.fetch import Client
from tests.policeuk_standin import StandIn, june_2018_records

WALSALL, SANDWELL = "E08000030", "E08000028"
MONTH = "2025-06"


def _records() -> list[dict]:
    """Synthetic records for the stand-in: 30 burglaries and 20 ASB at Walsall's centre, 10 burglaries at
    Sandwell's (coordinates from the bundle's generalised boundaries)."""
    g = gpd.read_file(bundle.path(bundle.FILES["nat_lad_geo"])).set_index("ltla24_code")
    base = june_2018_records()[0]
    out = []
    for code, cat, n in ((WALSALL, "burglary", 30), (WALSALL, "anti-social-behaviour", 20), (SANDWELL, "burglary", 10)):
        pt = g.loc[code, "geometry"].representative_point()
        for i in range(n):
            r = copy.deepcopy(base)
            r.update({"id": f"{code}-{cat}-{i}", "category": cat, "month": MONTH, "persistent_id": ""})
            r["location"] = {**r["location"], "latitude": f"{pt.y:.6f}", "longitude": f"{pt.x:.6f}"}
            out.append(r)
    return out


@pytest.fixture
def api(monkeypatch):
    with StandIn({MONTH: _records()}) as a:
        monkeypatch.setenv("SWP_POLICE_API", a.url)
        yield a


def _quick(api) -> Client:
    return Client(api.url, backoff=0.01, max_wait=0.05, timeout=(2.0, 5.0))


def test_counts_within_generalised_boundaries(store_path, api):
    res = peer_fetch.fetch_peers([WALSALL, SANDWELL, config.CITY_LAD], MONTH, MONTH, client=_quick(api))
    assert res.districts == [WALSALL, SANDWELL] and res.records == 60
    with store.reading() as con:
        got = con.execute("SELECT lad24_code, category, n, force FROM crime_lad_month ORDER BY 1, 2").fetchall()
        trail = con.execute("SELECT detail FROM audit WHERE action = 'fetch' ORDER BY changed_at").fetchall()
    assert [r[:3] for r in got] == [
        (SANDWELL, "Burglary", 10),
        (WALSALL, "Anti-social behaviour", 20),
        (WALSALL, "Burglary", 30),
    ]
    assert {r[3] for r in got} == {peer_fetch.API_FORCE_LABEL}
    assert all("approximate" in t[0] for t in trail) and len(trail) == 2
    # Again: replaced, not added.
    peer_fetch.fetch_peers([WALSALL], MONTH, MONTH, client=_quick(api))
    with store.reading() as con:
        assert store.one(con, "SELECT sum(n) FROM crime_lad_month WHERE lad24_code = ?", [WALSALL]) == 50


def test_file_counts_win_over_the_api(store_path, api, tmp_path):
    from tests.unit.test_peer_police import WALSALL_LSOA, _month_file

    peer_fetch.fetch_peers([WALSALL], MONTH, MONTH, client=_quick(api))
    with store.reading() as con:
        m = peer_police.monthly(con)
    w = m[(m["code"] == WALSALL) & (m["priority"] == "Neighbourhood crime")]
    assert w["n"].tolist() == [30] and w["approximate"].all()
    from swp_data.sources.imports import import_paths

    import_paths([_month_file(tmp_path, MONTH, {(WALSALL_LSOA, "Burglary"): 7, ("E01010442", "Burglary"): 1})])
    with store.reading() as con:
        m = peer_police.monthly(con)
    w = m[(m["code"] == WALSALL) & (m["priority"] == "Neighbourhood crime")]
    assert w["n"].tolist() == [7] and not w["approximate"].any()


def test_refusals(store_path, api):
    viewer = access.Actor(who="v@example.gov.uk", role="viewer", via="oidc")
    with pytest.raises(access.NotAuthorised), access.acting_as(viewer):
        peer_fetch.fetch_peers([WALSALL], MONTH, MONTH, client=_quick(api))
    with pytest.raises(InputError, match="no police.uk records are loaded"):
        peer_fetch.fetch_peers([WALSALL], client=_quick(api))
    with pytest.raises(InputError, match="both --since and --until"):
        peer_fetch.fetch_peers([WALSALL], MONTH, None, client=_quick(api))
    with pytest.raises(InputError, match="no district"):
        peer_fetch.fetch_peers([config.CITY_LAD], MONTH, MONTH, client=_quick(api))
    with store.reading() as con:
        assert store.one(con, "SELECT count(*) FROM crime_lad_month") == 0


def test_cli_fetch_peers(store_path, api, capsys):
    assert cli.main(["fetch", "--peers", "--since", MONTH, "--until", MONTH, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["approximate"] is True and len(out["districts"]) == 15 and out["records"] == 60
