"""Benchmark of the police.uk API update (issue 9 targets: 36 city-sized months
from the local stand-in, fetched and imported, in under 30 s at the polite
rate; peak memory under 500 MB).

    .venv/bin/python bench/bench_fetch.py [--months 36] [--limit 10000]

1. Starts the police.uk stand-in (tests/policeuk_standin.py) in its own
   process, serving ``--months`` synthetic months of about 2,500 records each
   (the real June 2018 Wolverhampton records relabelled: synthetic, bench only).
2. Builds a reference store in a child process.
3. In another child (its own peak memory, ru_maxrss), runs ``fetch.fetch()``
   with the default client: at most 15 requests a second, bursts of 30, the
   real retry and timeout rules. Measures the wall time, the requests made and
   the peak memory; then a second run (everything up to date).
4. With ``--limit 1000`` the stand-in refuses areas holding more than 1,000
   records, so every month is split (more requests: the rate limit shows).

The floor is the rate limit: the first BURST requests go at once, the rest at
RATE a second, so ``max(0, requests - BURST) / RATE`` seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import git_rev, machine, save  # noqa: E402

TARGET_SECONDS = 30.0
TARGET_MB = 500.0


def _child_fetch(store: str, api: str) -> None:
    os.environ["SWP_STORE"] = store
    os.environ["SWP_POLICE_API"] = api
    from swp_data.sources import fetch

    t, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    first = fetch.fetch()
    secs = time.perf_counter() - t
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu_secs = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    t = time.perf_counter()
    again = fetch.fetch()
    secs_again = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": round(secs, 2),
                "cpu_seconds": round(cpu_secs, 2),  # of the fetching process, all threads: less load-dependent
                "months_fetched": len(first.months_fetched),
                "requests": first.requests,
                "retries": first.retries,
                "splits": first.splits,
                "records": first.records,
                "rows_kept": first.rows_kept,
                "peak_mb": round(peak_mb, 1),
                "rerun_seconds": round(secs_again, 2),
                "rerun_requests": again.requests,
                "rerun_months_fetched": len(again.months_fetched),
            }
        )
    )


def _child_build(store: str) -> None:
    from swp_data.sources.build import build

    build(target=Path(store))


def _start_standin(months: int, limit: int) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.policeuk_standin",
            "--port",
            str(port),
            "--months",
            str(months),
            "--limit",
            str(limit),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/crime-last-updated", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the stand-in did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--limit", type=int, default=10_000, help="stand-in's record limit per area (police.uk: 10,000)")
    ap.add_argument("--child-fetch", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--child-build", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child_fetch:
        return _child_fetch(*a.child_fetch)
    if a.child_build:
        return _child_build(a.child_build)

    from swp_data.sources import fetch

    tmp = Path(tempfile.mkdtemp(prefix="swp-bench-fetch-"))
    proc = None
    try:
        ref = tmp / "ref.duckdb"
        subprocess.run([sys.executable, __file__, "--child-build", str(ref)], cwd=ROOT, check=True)
        store = tmp / "swp.duckdb"
        shutil.copy(ref, store)
        proc, url = _start_standin(a.months, a.limit)
        out = subprocess.run(
            [sys.executable, __file__, "--child-fetch", str(store), url],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    floor = max(0, r["requests"] - fetch.BURST) / fetch.RATE
    result = {
        "machine": machine(),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "git": git_rev(),
        "months": a.months,
        "record_limit": a.limit,
        "rate_per_s": fetch.RATE,
        "burst": fetch.BURST,
        **r,
        "floor_seconds": round(floor, 2),
        "floor_without_burst_seconds": round(r["requests"] / fetch.RATE, 2),
        "target_seconds": TARGET_SECONDS,
        "target_mb": TARGET_MB,
        "meets_targets": r["seconds"] < TARGET_SECONDS and r["peak_mb"] < TARGET_MB,
    }
    name = "fetch" if a.limit == 10_000 else f"fetch-limit{a.limit}"
    save(name, result)
    print(
        f"\n{a.months} months, {r['records']:,} records ({r['rows_kept']:,} kept): {r['seconds']:.1f} s "
        f"({r['cpu_seconds']:.1f} s CPU), "
        f"{r['requests']:,} requests ({r['splits']:,} splits; floor {floor:.1f} s at {fetch.RATE:g}/s, "
        f"burst {fetch.BURST}), peak {r['peak_mb']:.0f} MB; rerun {r['rerun_seconds']:.1f} s "
        f"({r['rerun_requests']} requests)"
    )


if __name__ == "__main__":
    main()
