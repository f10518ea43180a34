"""Run every benchmark (`make bench`); results land in bench/out/*.json and are
copied by hand into BENCHMARKS.md with the machine and date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "bench_foundation.py",
    "bench_import.py",
    "bench_pages.py",
    "bench_make_run.py",
    "bench_hostile.py",
    "bench_hostile_places.py",
    "bench_sessions.py",
    "bench_browser.py",
    "bench_import_hostile.py",
    "bench_fetch.py",
    "bench_pack.py",
    "bench_urlstate.py",
    "bench_evaluate.py",
    "bench_disclosure.py",
]

if __name__ == "__main__":
    failed = []
    for s in SCRIPTS:
        if not (HERE / s).exists():
            continue
        print(f"== {s}", flush=True)
        if subprocess.run([sys.executable, str(HERE / s)]).returncode != 0:
            failed.append(s)
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")
