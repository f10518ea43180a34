"""Store build time; Deprivation page render time (AppTest); map payload size.

    .venv/bin/python bench/bench_foundation.py

Targets (issue 2): build < 30 s; Deprivation AppTest run < 2 s warm;
map payload < 2 MB for all 161 LSOAs.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine, private_store, save, timeit  # noqa: E402


def bench_build() -> dict:
    from swp_data.sources.build import build

    d = Path(tempfile.mkdtemp(prefix="swp-build-"))
    med, times = timeit(lambda: build(target=d / "swp.duckdb"), repeat=5)
    return {"build_median_s": round(med, 2), "build_runs_s": [round(t, 2) for t in times]}


def bench_payload() -> dict:
    from geo import boundaries as gb
    from geo import maps
    from swp_data import store
    from swp_data.analysis import reference as ref

    con = store.connect()
    try:
        g = gb.from_frame(
            con.execute("SELECT lsoa21_code AS code, lsoa21_name AS name, geom_display AS geom FROM lsoa21").df()
        )
        full = gb.from_frame(con.execute("SELECT lsoa21_code AS code, lsoa21_name AS name, geom FROM lsoa21").df())
        m = ref.imd_measure(con, "2025", "imd", "lsoa")
    finally:
        con.close()
    out = {}
    for label, geo in (("display", g), ("full", full)):
        x = geo.merge(m[["code", "rank", "decile"]], on="code")
        mp = maps.choropleth(
            x,
            id_col="code",
            name_col="name",
            value_col="decile",
            value_label="IMD decile",
            kind="deciles",
            tooltip={"rank": "National rank"},
        )
        out[f"payload_{label}_bytes"] = maps.payload_bytes(mp)
    return out


def bench_pages() -> dict:
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "app.py")
    res = {}
    for page, state in (
        ("pages/overview.py", {}),
        ("pages/deprivation.py", {}),
        ("pages/deprivation.py", {"dep_view": "Pockets of deprivation"}),
        ("pages/deprivation.py", {"level": "Ward"}),
    ):
        at = AppTest.from_file(app, default_timeout=120)
        for k, v in state.items():
            at.session_state[k] = v
        t = time.perf_counter()
        at.run()
        at.switch_page(page)
        at.run()
        cold = time.perf_counter() - t
        assert not at.exception, [e.value for e in at.exception]
        warm, _ = timeit(at.run, repeat=5)
        name = page.split("/")[-1][:-3] + ("" if not state else " " + json.dumps(state))
        res[name] = {"cold_s": round(cold, 2), "warm_median_s": round(warm, 3)}
    return res


def main() -> dict:
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), **bench_build()}
    with private_store():
        result.update(bench_payload())
        result["pages"] = bench_pages()
    return save("foundation", result)


if __name__ == "__main__":
    main()
