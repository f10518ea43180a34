"""Hostile and concurrent police.uk imports (issue 11).

    .venv/bin/python bench/bench_import_hostile.py

1. A zip bomb: one street-named member of a CSV header and 2 GiB of zeros
   (about 2 MB zipped), imported into a copy of a freshly built store in a
   child process: seconds to the refusal, peak memory, temporary disk used (the
   target: refused within 10 s and 500 MB, nothing extracted).
2. Another session's reads while an import runs: the 36 monthly CSVs of
   bench/bench_import.py (231 MB; written by it if missing) are imported on a
   thread while the main thread opens the store and counts the crime records
   every 50 ms. Reported: the import's time, the reads' median and longest
   wait, and the same reads with no import running. Before the store's write
   lock was held only to write, a read waited for the whole import.

Writes bench/out/import_hostile.json (bench/common.py's save()).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import OUT, git_rev, machine, save  # noqa: E402

BOMB = OUT / "bomb-2gib.zip"
HEADER = (
    b"Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    b"Crime type,Last outcome category,Context\n"
)


def make_bomb() -> Path:
    if not BOMB.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        tmp = BOMB.with_suffix(".part")
        name = "2025-06/2025-06-west-midlands-street.csv"
        with (
            zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf,
            zf.open(name, "w", force_zip64=True) as fh,
        ):
            fh.write(HEADER)
            block = bytes(1 << 20)
            for _ in range(2048):
                fh.write(block)
        tmp.rename(BOMB)
    return BOMB


def child_bomb(store: str) -> None:
    os.environ["SWP_STORE"] = store
    from swp_data.errors import InputError
    from swp_data.sources.imports import import_paths

    tmpdir = Path(tempfile.gettempdir())
    before = shutil.disk_usage(tmpdir).used
    t = time.perf_counter()
    try:
        import_paths([BOMB])
        outcome = "imported (not refused)"
    except InputError as e:
        outcome = str(e)
    secs = time.perf_counter() - t
    print(
        json.dumps(
            {
                "seconds": secs,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "temp_disk_growth_mb": max(0, shutil.disk_usage(tmpdir).used - before) / 1e6,
                "outcome": outcome,
            }
        )
    )


def reference_store() -> Path:
    ref = OUT / "ref.duckdb"
    if not ref.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench_import.py"), "--prepare"], check=True, cwd=ROOT)
        env = dict(os.environ, SWP_STORE=str(ref))
        subprocess.run([sys.executable, "-m", "swp_data", "build"], check=True, cwd=ROOT, env=env)
    return ref


def reads_during_import(ref: Path) -> dict:
    files = sorted((OUT / "csv").glob("*.csv"))
    if len(files) < 36:
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench_import.py"), "--prepare"], check=True, cwd=ROOT)
        files = sorted((OUT / "csv").glob("*.csv"))
    d = Path(tempfile.mkdtemp(prefix="swp-bench-hostile-"))
    store_file = d / "swp.duckdb"
    shutil.copy(ref, store_file)
    os.environ["SWP_STORE"] = str(store_file)
    from swp_data import store
    from swp_data.sources.imports import import_paths

    def read_once() -> float:
        t = time.perf_counter()
        with store.reading() as con:
            con.execute("SELECT count(*) FROM crime").fetchone()
        return time.perf_counter() - t

    idle = [read_once() for _ in range(20)]
    done = threading.Event()
    result: dict = {}

    def run() -> None:
        t = time.perf_counter()
        result["rows_kept"] = import_paths(files).rows_kept
        result["import_seconds"] = time.perf_counter() - t
        done.set()

    th = threading.Thread(target=run)
    th.start()
    waits = []
    while not done.is_set():
        waits.append(read_once())
        time.sleep(0.05)
    th.join()
    shutil.rmtree(d, ignore_errors=True)
    return {
        "files": len(files),
        **result,
        "reads_during_import": len(waits),
        "read_median_s": statistics.median(waits),
        "read_longest_s": max(waits),
        "read_idle_median_s": statistics.median(idle),
        "read_idle_longest_s": max(idle),
    }


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child-bomb":
        child_bomb(sys.argv[2])
        return
    ref = reference_store()
    t = time.perf_counter()
    make_bomb()
    made = time.perf_counter() - t
    d = Path(tempfile.mkdtemp(prefix="swp-bench-bomb-"))
    store_copy = d / "swp.duckdb"
    shutil.copy(ref, store_copy)
    r = subprocess.run(
        [sys.executable, __file__, "--child-bomb", str(store_copy)], capture_output=True, text=True, cwd=ROOT
    )
    shutil.rmtree(d, ignore_errors=True)
    if r.returncode:
        raise SystemExit(r.stderr)
    bomb = json.loads(r.stdout.strip().splitlines()[-1])
    bomb["zip_mb"] = BOMB.stat().st_size / 1e6
    bomb["made_in_s"] = made
    bomb["target_met"] = bomb["seconds"] < 10 and bomb["peak_mb"] < 500 and "imported" not in bomb["outcome"]
    save(
        "import_hostile",
        {
            "machine": machine(),
            "git": git_rev(),
            "load_average": os.getloadavg(),
            "zip_bomb_2gib": bomb,
            "reads_while_importing_36_csvs": reads_during_import(ref),
        },
    )


if __name__ == "__main__":
    main()
