"""Page render times (AppTest) with the demo dataset loaded, for every page of
app.py; and clustering + priority scoring of the 161 LSOAs.

    .venv/bin/python bench/bench_pages.py

Targets (issues 2-4, 8): each page's AppTest run under 2 s warm with the demo
loaded (the Performance page included); clustering and scoring of 161 LSOAs
under 1 s. Also the Performance report computed uncached (what a cold page
or the meeting pack pays), city and public versions.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine, private_store, save, timeit  # noqa: E402


def pages() -> list[str]:
    return re.findall(r'st\.Page\("(pages/[a-z_]+\.py)"', (ROOT / "app.py").read_text())


def bench_pages() -> dict:
    from streamlit.testing.v1 import AppTest

    res = {}
    for page in pages():
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        t = time.perf_counter()
        at.run()
        at.switch_page(page)
        at.run()
        cold = time.perf_counter() - t
        if at.exception:
            res[page] = {"error": at.exception[0].value[:300]}
            continue
        warm, runs = timeit(at.run, repeat=5)
        res[page] = {"cold_s": round(cold, 2), "warm_median_s": round(warm, 3), "warm_max_s": round(max(runs), 3)}
    return res


def bench_clustering() -> dict:
    """What the Neighbourhood clusters page computes, uncached, per method."""
    from swp_data import store
    from swp_data.places import clustering, indicators, place_clusters

    con = store.connect()
    out = {}
    try:
        cols = tuple(indicators.default_indicators(con))
        for method in ("kmeans", "ward", "ward_contiguous"):

            def run(method: str = method) -> None:
                sil = place_clusters.silhouettes(con, "lsoa", cols, method)
                k = clustering.choose_k(sil)
                place_clusters.cluster_analysis(con, "lsoa", cols, method, k)
                place_clusters.priority_list(con, "lsoa")

            med, _ = timeit(run, repeat=3)
            out[method] = round(med, 3)
    finally:
        con.close()
    return {"clusters_and_priority_161_lsoas_s": out, "indicators": list(cols)}


def bench_performance_report() -> dict:
    """performance.report uncached on the demo store (the page caches it)."""
    from swp_data import store
    from swp_data.report import performance

    con = store.connect()
    try:
        out = {}
        for public in (False, True):
            med, _ = timeit(lambda p=public: performance.report(con, public=p), repeat=3)
            out["public" if public else "full"] = round(med, 3)
    finally:
        con.close()
    return {"performance_report_s": out}


def main() -> dict:
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d")}
    with private_store(demo=True):
        result["pages"] = bench_pages()
        try:
            result.update(bench_performance_report())
        except Exception as e:  # report, do not hide
            result["performance_error"] = repr(e)
        try:
            result.update(bench_clustering())
        except Exception as e:  # report, do not hide
            result["clustering_error"] = repr(e)
    return save("pages", result)


if __name__ == "__main__":
    main()
