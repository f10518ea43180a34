"""Hostile inputs of the place imports (issue 11), each refused within
seconds and bounded memory:

- a 5,000-point self-intersecting star polygon (99 KB GeoJSON) imported as an
  Impact Area (before: still running after 14 minutes at 17.6 GB);
- 5 million junk partner rows (~170 MB; before: 64-73 s and ~5 GB for 267 MB);
- 5 million well-formed partner rows with distinct keys (~230 MB): the worst
  case for memory, refused at the row cap (200,000 rows) after checking them.

Each case runs in a fresh process on a copy of a reference store; the peak
resident memory includes the bounded repair child. Target: 10 s and 500 MB.
Run: .venv/bin/python bench/bench_hostile_places.py
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, git_rev, machine, save  # noqa: E402


def write_star(path: Path, n: int = 5000) -> None:
    m = n // 2 - 1
    lon, lat, r = -2.128, 52.586, 0.01
    ring = [
        [round(lon + r * math.cos(2 * math.pi * k * m / n), 6), round(lat + r * math.sin(2 * math.pi * k * m / n), 6)]
        for k in range(n)
    ]
    ring.append(ring[0])
    doc = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}],
    }
    path.write_text(json.dumps(doc))


def write_junk(path: Path, rows: int = 5_000_000) -> None:
    line = b"2024-01,Nowhere,hate_crime,all,1\n"
    with open(path, "wb") as f:
        f.write(b"period,geography,measure,breakdown,count\n")
        for _ in range(rows // 100_000):
            f.write(line * 100_000)


def write_valid(path: Path, rows: int = 5_000_000) -> None:
    months = [f"{y}-{mo:02d}" for y in range(1999, 2026) for mo in range(1, 13)]
    with open(path, "w") as f:
        f.write("period,geography,measure,breakdown,count\n")
        n = 0
        for k in range(20_000):
            for p in months:
                f.write(f"{p},city,measure_{k},all,{n % 97}\n")
                n += 1
                if n >= rows:
                    return


def run_case(case: str, file: str) -> dict:
    """In this (fresh) process: import the file, return elapsed and peak memory."""
    from swp_data import store
    from swp_data.errors import InputError
    from swp_data.places import area_files, impact_areas
    from swp_data.sources import partner

    t = time.perf_counter()
    outcome = "imported"
    try:
        if case == "star":
            impact_areas.in_transaction(area_files.import_area_file, Path(file))
        else:
            with store.transaction() as con:
                partner.import_partner_csv(con, Path(file), is_demo=False, report=partner.Tally())
    except InputError as e:
        outcome = f"refused: {str(e)[-160:]}"
    elapsed = time.perf_counter() - t
    hwm = next(line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM"))
    return {"seconds": round(elapsed, 2), "process_peak_rss_mb": round(int(hwm.split()[1]) / 1024), "outcome": outcome}


def main() -> dict:
    from swp_data.sources.build import build

    work = Path(tempfile.mkdtemp(prefix="swp-bench-hostile-"))
    try:
        ref = work / "ref.duckdb"
        build(target=ref)
        files = {"star": work / "star.geojson", "junk": work / "junk.csv", "valid": work / "valid.csv"}
        write_star(files["star"])
        write_junk(files["junk"])
        write_valid(files["valid"])
        result = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "rev": git_rev(), "cases": {}}
        for case, f in files.items():
            s = work / f"{case}.duckdb"
            shutil.copy(ref, s)
            env = {**os.environ, "SWP_STORE": str(s)}
            # /usr/bin/time reports the largest resident set of the case and its children (the repair child).
            cmd = ["/usr/bin/time", "-f", "maxrss_kb=%M", sys.executable, __file__, "--case", case, str(f)]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
            r = json.loads(out.stdout.strip().splitlines()[-1]) if out.returncode == 0 else {"error": out.stderr[-500:]}
            kb = [ln for ln in out.stderr.splitlines() if ln.startswith("maxrss_kb=")]
            if kb:
                r["peak_rss_mb_with_children"] = round(int(kb[-1].split("=")[1]) / 1024)
            r["file_mb"] = round(f.stat().st_size / 1e6, 1)
            result["cases"][case] = r
        return save("hostile_places", result)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        print(json.dumps(run_case(sys.argv[2], sys.argv[3])))
    else:
        main()
