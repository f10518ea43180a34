"""What keeping the view in the URL costs a page run (ui/urlstate.py).

    .venv/bin/python bench/bench_urlstate.py

Pages opened by a link (AppTest through app.py, demo data): the time spent
in urlstate's begin/page/publish on the run that opens the link (reading and
validating every parameter) and on warm runs after it (comparing the URL,
writing the view back, drawing the link), against the whole run. Timed
inside the run, so the noise of a busy machine stays out of the difference.
Target: under 50 ms a run (a small part of the 2 s page budget).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, machine, private_store, save  # noqa: E402

LINKS = {
    "pages/trends.py": {"area": "ward:E05014843", "cat": "burglary", "freq": "quarter", "measure": "rate"},
    "pages/crime_map.py": {"area": "city", "cat": "robbery", "map": "hotspots"},
    "pages/impact_areas.py": {"area": "impact:demo-city-centre", "measure": "burglary"},
    "pages/deprivation.py": {"area": "city", "view": "census", "topic": "household-deprivation"},
}


def _open(page: str, query: dict):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.switch_page(page)
    at.run()
    at.query_params.clear()
    at.query_params.update(query)
    at.run()
    return at


def bench() -> dict:
    import statistics

    from ui import urlstate

    real = {name: getattr(urlstate, name) for name in ("begin", "page", "publish")}
    spent: list[float] = []

    def timed(fn):
        def run(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - t)

        return run

    out = {}
    for name, fn in real.items():
        setattr(urlstate, name, timed(fn))
    try:
        for page, query in LINKS.items():
            at = _open(page, query)  # the pages' caches are warm for the next open
            spent.clear()
            t = time.perf_counter()
            at = _open(page, query)
            if at.exception:
                out[page] = {"error": at.exception[0].value[:300]}
                continue
            opening = {
                "urlstate_ms_in_the_three_runs": round(1000 * sum(spent), 1),
                "three_runs_s": round(time.perf_counter() - t, 3),
            }
            per_run, totals = [], []
            for _ in range(7):
                spent.clear()
                t = time.perf_counter()
                at.run()
                totals.append(time.perf_counter() - t)
                per_run.append(sum(spent))
            out[page] = {
                "opening_link": opening,
                "warm_run_median_s": round(statistics.median(totals), 3),
                "warm_urlstate_median_ms": round(1000 * statistics.median(per_run), 1),
                "warm_urlstate_max_ms": round(1000 * max(per_run), 1),
            }
    finally:
        for name, fn in real.items():
            setattr(urlstate, name, fn)
    return out


def main() -> dict:
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "target_overhead_ms": 50}
    with private_store(demo=True) as p:
        from swp_data.demo import areas as demo_areas
        from swp_data.places import impact_areas

        impact_areas.in_transaction(demo_areas.ensure_demo_impact_areas, path=p)
        result["pages"] = bench()
    return save("urlstate", result)


if __name__ == "__main__":
    main()
