"""What a new browser costs the server (issue 10: AppTest timings miss it):
server CPU and time until the page's script has finished, for a browser with
an empty cache opening the Overview, Trends or Crime map, straight to
`streamlit run` and through the nginx block of docs/deploy.md.

    .venv/bin/python bench/bench_browser.py [--opens 6]

Debian's chromium driven by Playwright; each open is a new browser context
(an empty cache, as a laptop that has never visited: it fetches Streamlit's
front end, about 90 files). The first open of each page warms the server and
is left out. CPU is read from /proc: the app process, and nginx's processes
when it is in front. Demo data loaded.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import proxy  # noqa: E402
from bench.common import machine, private_store, save  # noqa: E402
from bench.stclient import process_cpu_seconds, start_server  # noqa: E402

PAGES = {"": "Overview", "trends": "Trends", "crime_map": "Crime map"}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DONE = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && document.querySelectorAll('[data-testid=\"stElementContainer\"]').length > 5"
)


def _cpu(pids: list[int]) -> float:
    return sum(process_cpu_seconds(pid) for pid in pids)


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                out.append(int(d.name))
    return out


def measure(browser, url: str, app_pid: int, proxy_pids: list[int], opens: int) -> dict:
    res = {}
    for path, name in PAGES.items():
        rows = []
        for i in range(opens):
            ctx = browser.new_context(viewport={"width": 1400, "height": 900}, ignore_https_errors=True)
            page = ctx.new_page()
            requests: list[str] = []
            page.on("request", lambda r, requests=requests: requests.append(r.url))
            a0, p0, t0 = _cpu([app_pid]), _cpu(proxy_pids), time.perf_counter()
            page.goto(f"{url}/{path}")
            page.wait_for_function(DONE, timeout=120_000)
            seconds = time.perf_counter() - t0
            time.sleep(1.0)  # late requests (fonts, the map's files) count too
            row = {
                "seconds": seconds,
                "app_cpu_s": _cpu([app_pid]) - a0,
                "proxy_cpu_s": _cpu(proxy_pids) - p0,
                "requests": len(requests),
                "static_requests": sum("/static/" in u for u in requests),
            }
            ctx.close()
            if i:  # the first open warms the server
                rows.append(row)
        res[name] = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0]}
    return res


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--opens", type=int, default=6)
    a = ap.parse_args()
    res: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "opens": a.opens - 1}
    with private_store(demo=True) as built:
        d = Path(tempfile.mkdtemp(prefix="swp-browser-"))
        try:
            store = d / "swp.duckdb"
            shutil.copy(built, store)
            srv = start_server(store)
            px = proxy.start_proxy(srv.url, d) if proxy.available() else None
            try:
                with sync_playwright() as pw:
                    b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
                    res["direct"] = measure(b, srv.url, srv.proc.pid, [], a.opens)
                    if px:
                        pids = [px.proc.pid, *_children(px.proc.pid)]
                        res["through_nginx"] = measure(b, px.url, srv.proc.pid, pids, a.opens)
                    b.close()
            finally:
                if px:
                    px.stop()
                srv.stop()
        finally:
            shutil.rmtree(d, ignore_errors=True)
    save("browser", res)


if __name__ == "__main__":
    main()
