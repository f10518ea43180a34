"""Helpers for the bench scripts: a private store, timing, machine description."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.system()}"


def timeit(fn, repeat: int = 5) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), times


@contextmanager
def private_store(demo: bool = False):
    """A temporary store (reference tables, optionally the demo) with SWP_STORE set."""
    d = Path(tempfile.mkdtemp(prefix="swp-bench-"))
    p = d / "swp.duckdb"
    old = os.environ.get("SWP_STORE")
    os.environ["SWP_STORE"] = str(p)
    try:
        from swp_data.sources.build import build

        build(target=p)
        if demo:
            from swp_data import demo as demo_mod

            demo_mod.generate_and_import(workdir=d / "demo")
        yield p
    finally:
        if old is None:
            os.environ.pop("SWP_STORE", None)
        else:
            os.environ["SWP_STORE"] = old
        shutil.rmtree(d, ignore_errors=True)


def git_rev() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "?"


def save(name: str, result: dict) -> dict:
    """Write ``bench/out/<name>.json``, print it, return it."""
    OUT.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2)
    (OUT / f"{name}.json").write_text(text)
    print(text)
    return result
