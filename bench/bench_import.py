"""Benchmark of the police.uk importer (issue targets: 36 West Midlands-sized
monthly files in under 20 s, under 3x a bare DuckDB scan of the same files,
peak memory under 1 GB).

    .venv/bin/python bench/bench_import.py [--months 36] [--rows 30000] [--repeat 3]

1. Writes 36 monthly police.uk street CSVs of about 30,000 rows each in the
   real 12-column format into bench/out/csv/ (git-ignored; reused when already
   there with the same parameters): about 10% of rows in Wolverhampton LSOAs
   with coordinates drawn inside their (full) LSOA 2021 shapes read from a
   built store, the rest with other West Midlands LSOA codes and names (from
   the bundle's LSOA/LAD lookup) and coordinates in the West Midlands outside
   the city, about 1.5% "No Location" rows, anti-social behaviour rows without
   Crime ID, all 14 categories, some repeated rows. The same files are also
   zipped as one data.police.uk-style archive (YYYY-MM/YYYY-MM-west-midlands-street.csv).
2. Measures, each in its own subprocess (so peak memory, ru_maxrss, is
   separate; the files and the reference store are made by child processes
   too, as a child inherits its parent's peak):
   (a) a bare DuckDB scan: read_csv of the 36 files with the importer's
       options and a count(*) (the floor the issue names),
   (b) the same scan parsing every column,
   (c) the write floor: read every column, keep the rows with a city LSOA
       code, insert them into ``crime`` and commit (the least any importer
       that stores the records must do),
   (d) inflating the archive with zlib, output discarded,
   (e) the import of the 36 files into a copy of a freshly built store,
   (f) the import of the archive into another copy.
3. Prints a Markdown table and writes bench/out/import.json.

Reading the ratio: the floor is DuckDB counting rows, which materialises no
column at all. An importer must at least materialise every column and write
the kept rows: (c) alone is about 3x (a) (BENCHMARKS.md). The importer also
classifies every row, places the candidates by point in polygon, drops
repeated Crime IDs, replaces earlier (force, month) records and counts
everything for the report. The archive also pays for inflating the members
(d), which the floor does not. Timings on a shared 2-core machine vary by
+-30% between runs: hence the median of several runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from swp_data.sources.policeuk.schema import POLICE_COLUMNS  # noqa: E402

TARGET_SECONDS = 20.0
TARGET_RATIO = 3.0
TARGET_MEMORY_MB = 1024.0

# Rough category mix of a West Midlands month (share of rows).
CATEGORY_MIX = {
    "Anti-social behaviour": 0.20,
    "Bicycle theft": 0.01,
    "Burglary": 0.05,
    "Criminal damage and arson": 0.08,
    "Drugs": 0.02,
    "Other crime": 0.02,
    "Other theft": 0.07,
    "Possession of weapons": 0.01,
    "Public order": 0.07,
    "Robbery": 0.02,
    "Shoplifting": 0.06,
    "Theft from the person": 0.01,
    "Vehicle crime": 0.08,
    "Violence and sexual offences": 0.30,
}
OUTCOMES = [
    "Investigation complete; no suspect identified",
    "Unable to prosecute suspect",
    "Under investigation",
    "Awaiting court outcome",
    "Offender given a caution",
    "Local resolution",
    "Court result unavailable",
    "Further investigation is not in the public interest",
    "Status update unavailable",
]
STREETS = [
    "High Street",
    "Church Road",
    "Park Lane",
    "Station Road",
    "Victoria Street",
    "Mill Lane",
    "Queen Street",
    "School Road",
    "Supermarket",
    "Parking Area",
    "Shopping Area",
    "Petrol Station",
    "Nightclub",
    "Sports/Recreation Area",
]
# Bounding box of the West Midlands police force area (approximate).
WM_BBOX = (-2.25, 52.35, -1.42, 52.68)
WM_LADS = {"E08000025", "E08000026", "E08000027", "E08000028", "E08000029", "E08000030"}
COLUMNS = list(POLICE_COLUMNS)


def reference_store() -> Path:
    """A freshly built store (no crime data) to read LSOA shapes from and to
    copy for each import: built once per run, so results do not depend on what
    the local store holds (importing over the demo also deletes its months).
    Built in a child process: a child inherits its parent's peak memory
    (ru_maxrss survives fork and exec), so the parent stays small."""
    p = OUT / "ref.duckdb"
    if not getattr(reference_store, "built", False):
        for q in (p, p.with_name(p.name + ".wal")):
            q.unlink(missing_ok=True)
        print(f"building a reference store at {p} ...", flush=True)
        subprocess.run(
            [sys.executable, "-m", "swp_data", "build"],
            check=True,
            cwd=ROOT,
            env={**os.environ, "SWP_STORE": str(p)},
            stdout=subprocess.DEVNULL,
        )
        reference_store.built = True
    return p


def _points_in(geoms, n_per: np.ndarray, rng: np.random.Generator):
    """n_per[i] random points inside geoms[i] (rejection sampling)."""
    import shapely

    xs, ys = [], []
    for g, n in zip(geoms, n_per, strict=True):
        minx, miny, maxx, maxy = g.bounds
        got_x: list[np.ndarray] = []
        need = int(n)
        while need > 0:
            cx = rng.uniform(minx, maxx, need * 3 + 8)
            cy = rng.uniform(miny, maxy, need * 3 + 8)
            inside = shapely.contains_xy(g, cx, cy)
            got_x.append(np.column_stack([cx[inside], cy[inside]])[:need])
            need -= len(got_x[-1])
        pts = np.vstack(got_x) if got_x else np.empty((0, 2))
        xs.append(pts[:, 0])
        ys.append(pts[:, 1])
    return np.concatenate(xs), np.concatenate(ys)


def generate(out: Path, months: int, rows: int, seed: int = 2026) -> list[Path]:
    import duckdb
    import pandas as pd
    import shapely

    from geo.boundaries import from_frame
    from swp_data import config

    csv_dir = out / "csv"
    stamp = csv_dir / "params.json"
    params = {"months": months, "rows": rows, "seed": seed, "version": 2}
    if stamp.exists() and json.loads(stamp.read_text()) == params:
        return sorted(csv_dir.glob("*.csv"))
    shutil.rmtree(csv_dir, ignore_errors=True)
    csv_dir.mkdir(parents=True)
    rng = np.random.default_rng(seed)

    con = duckdb.connect(str(reference_store()), read_only=True)
    try:
        lsoa = from_frame(con.execute("SELECT lsoa21_code, lsoa21_name, geom FROM lsoa21 ORDER BY lsoa21_code").df())
    finally:
        con.close()
    city = shapely.union_all(lsoa.geometry.to_numpy())
    shapely.prepare(city)
    lk = pd.read_csv(config.data_dir() / "lookups" / "lsoa11_lad2021_england_wales.csv", dtype=str)
    other = lk[lk["ltla21_code"].isin(WM_LADS)].reset_index(drop=True)

    # Fixed snap points, as police.uk anonymises locations to a set of points.
    # City: 12 per LSOA inside its shape. Elsewhere: 40,000 points in the West
    # Midlands box but outside the city (some fall in the city's bounding box).
    city_n = np.full(len(lsoa), 12)
    cx, cy = _points_in(lsoa.geometry.to_numpy(), city_n, rng)
    c_code = np.repeat(lsoa["lsoa21_code"].to_numpy(), city_n)
    c_name = np.repeat(lsoa["lsoa21_name"].to_numpy(), city_n)
    ox = rng.uniform(WM_BBOX[0], WM_BBOX[2], 60_000)
    oy = rng.uniform(WM_BBOX[1], WM_BBOX[3], 60_000)
    keep = ~shapely.contains_xy(city, ox, oy)
    ox, oy = ox[keep][:40_000], oy[keep][:40_000]
    o_pick = rng.integers(0, len(other), len(ox))
    o_code = other["lsoa11_code"].to_numpy()[o_pick]
    o_name = other["lsoa11_name"].to_numpy()[o_pick]
    c_street = rng.choice(STREETS, len(cx))
    o_street = rng.choice(STREETS, len(ox))

    cats = np.array(list(CATEGORY_MIX))
    probs = np.array(list(CATEGORY_MIX.values()))
    probs = probs / probs.sum()
    files = []
    con = duckdb.connect()
    for m in range(months):
        year, mon = 2022 + m // 12, m % 12 + 1
        month = f"{year}-{mon:02d}"
        n = rows + int(rng.integers(-2000, 2000))
        u = rng.random(n)
        in_city = u < 0.10
        no_loc = u > 0.985
        cat = rng.choice(cats, n, p=probs)
        lon = np.empty(n, dtype=object)
        lat = np.empty(n, dtype=object)
        code = np.empty(n, dtype=object)
        name = np.empty(n, dtype=object)
        loc = np.empty(n, dtype=object)
        ci = rng.integers(0, len(cx), in_city.sum())
        lon[in_city] = np.char.mod("%.6f", cx[ci])
        lat[in_city] = np.char.mod("%.6f", cy[ci])
        code[in_city] = c_code[ci]
        name[in_city] = c_name[ci]
        loc[in_city] = np.char.add("On or near ", c_street[ci].astype(str))
        out_mask = ~in_city & ~no_loc
        oi = rng.integers(0, len(ox), out_mask.sum())
        lon[out_mask] = np.char.mod("%.6f", ox[oi])
        lat[out_mask] = np.char.mod("%.6f", oy[oi])
        code[out_mask] = o_code[oi]
        name[out_mask] = o_name[oi]
        loc[out_mask] = np.char.add("On or near ", o_street[oi].astype(str))
        lon[no_loc] = lat[no_loc] = code[no_loc] = name[no_loc] = None
        loc[no_loc] = "No Location"
        ids = np.array([os.urandom(32).hex() for _ in range(n)], dtype=object)
        is_asb = cat == "Anti-social behaviour"
        ids[is_asb] = None
        outcome = rng.choice(OUTCOMES, n).astype(object)
        outcome[is_asb] = None
        df = pd.DataFrame(
            {
                "Crime ID": ids,
                "Month": month,
                "Reported by": "West Midlands Police",
                "Falls within": "West Midlands Police",
                "Longitude": lon,
                "Latitude": lat,
                "Location": loc,
                "LSOA code": code,
                "LSOA name": name,
                "Crime type": cat,
                "Last outcome category": outcome,
                "Context": None,
            }
        )
        # A few exact repeats (two incidents at one anonymised point).
        rep = df[is_asb].sample(frac=0.02, random_state=m)
        df = pd.concat([df, rep]).sort_values(["LSOA code", "Crime type"], kind="stable")
        p = csv_dir / f"{month}-west-midlands-street.csv"
        con.register("_df", df)
        con.execute(f"COPY _df TO '{p}' (HEADER, DELIMITER ',')")
        con.unregister("_df")
        files.append(p)
    con.close()
    stamp.write_text(json.dumps(params))
    return files


def make_zip(files: list[Path], out: Path) -> Path:
    z = out / "archive.zip"
    stamp = out / "archive.params"
    key = json.dumps([(f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in files])
    if z.exists() and stamp.exists() and stamp.read_text() == key:
        return z
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for f in files:
            month = f.name[:7]
            zf.write(f, f"{month}/{f.name}")
    stamp.write_text(key)
    return z


# -- child processes: one measurement each -------------------------------------------


def _child(kind: str, paths: list[str], store: str | None) -> None:
    # Modules are imported before the clock starts (same for every measurement).
    import duckdb

    from swp_data.sources import policeuk
    from swp_data.sources.imports import import_paths

    t = time.perf_counter()
    if kind == "scan":
        con = duckdb.connect()
        n = con.execute(f"SELECT count(*) FROM read_csv(?, {policeuk.read_csv_options()})", [paths]).fetchone()[0]
        result = {"rows": int(n)}
    elif kind == "scan_all":
        # The same scan, parsing every value of every column (count of each).
        con = duckdb.connect()
        cols = ", ".join(f'count("{c}")' for c in policeuk.POLICE_COLUMNS)
        n = con.execute(f"SELECT count(*), {cols} FROM read_csv(?, {policeuk.read_csv_options()})", [paths]).fetchone()[
            0
        ]
        result = {"rows": int(n)}
    elif kind == "inflate":
        # Inflating every member of the archive (zlib), output discarded: what
        # the archive costs on top of the files before any reading.
        nbytes = 0
        with zipfile.ZipFile(paths[0]) as zf:
            for m in zf.infolist():
                with zf.open(m) as fh:
                    while chunk := fh.read(1 << 20):
                        nbytes += len(chunk)
        result = {"bytes": nbytes}
    elif kind == "write_floor":
        # The least any importer must do (the floor for writing): read every
        # column, keep the rows whose LSOA code is a city code (2011 or 2021),
        # write them to the crime table, commit. No classification, placing,
        # de-duplication, replacement, report or provenance.
        con = duckdb.connect(store)
        con.execute("BEGIN")
        con.execute(
            f"""INSERT INTO crime
                SELECT 'floor', "Reported by", CAST("Month" || '-01' AS DATE), "Crime ID", "Crime type",
                       "Crime type", TRY_CAST("Longitude" AS DOUBLE), TRY_CAST("Latitude" AS DOUBLE),
                       "Location", "LSOA code", "LSOA code", NULL, 'code', "Last outcome category", "Context"
                FROM read_csv(?, {policeuk.read_csv_options()})
                WHERE "LSOA code" IN (SELECT lsoa11_code FROM lsoa_crosswalk UNION SELECT lsoa21_code FROM lsoa21)""",
            [paths],
        )
        kept = con.execute("SELECT count(*) FROM crime").fetchone()[0]
        con.execute("COMMIT")
        con.close()
        result = {"rows_kept": int(kept)}
    else:
        os.environ["SWP_STORE"] = store
        rep = import_paths(paths)
        result = {
            "rows": rep.rows_read,
            "rows_kept": rep.rows_kept,
            "outside_city": rep.outside_city,
            "no_location": rep.no_location,
            "duplicates_dropped": rep.duplicates_dropped,
        }
    result["seconds"] = time.perf_counter() - t
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps(result))


def _measure_once(kind: str, paths: list[Path], store: Path | None) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--store", str(store or "")] + [str(p) for p in paths]
    t = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode:
        raise SystemExit(f"{kind} failed:\n{r.stderr}")
    res = json.loads(r.stdout.strip().splitlines()[-1])
    res["process_seconds"] = wall  # including interpreter start and imports
    return res


def _measure(kind: str, paths: list[Path], ref: Path | None, repeat: int) -> dict:
    """``repeat`` runs, each in a fresh subprocess (and, for imports, on a fresh
    copy of the store); the median time is reported, the largest peak memory."""
    runs = []
    for _ in range(repeat):
        store = None
        if ref is not None:
            store = OUT / "bench.duckdb"
            for p in (store, store.with_name(store.name + ".wal")):
                p.unlink(missing_ok=True)
            shutil.copy(ref, store)
        runs.append(_measure_once(kind, paths, store))
        if store is not None:
            store.unlink(missing_ok=True)
    runs.sort(key=lambda r: r["seconds"])
    res = dict(runs[len(runs) // 2])
    res["peak_mb"] = max(r["peak_mb"] for r in runs)
    res["all_seconds"] = [round(r["seconds"], 3) for r in runs]
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--rows", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument("--child")
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--store")
    ap.add_argument("paths", nargs="*")
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.paths, args.store)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    if args.prepare:
        files = generate(OUT, args.months, args.rows)
        make_zip(files, OUT)
        return

    # The files are written by a child process, as is the reference store, so
    # that this process stays small: the measured children inherit its peak
    # memory (ru_maxrss survives fork and exec).
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--prepare", "--months", str(args.months), "--rows", str(args.rows)],
        check=True,
        cwd=ROOT,
    )
    files = sorted((OUT / "csv").glob("*.csv"))
    archive = OUT / "archive.zip"
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"{len(files)} files, {size_mb:,.0f} MB (archive {archive.stat().st_size / 1e6:,.0f} MB); "
        f"ready in {time.perf_counter() - t:.1f} s",
        flush=True,
    )

    ref = reference_store()
    results = {}
    results["bare DuckDB scan (floor)"] = _measure("scan", files, None, args.repeat)
    results["DuckDB scan parsing every column"] = _measure("scan_all", files, None, args.repeat)
    results["write floor: read, keep city codes, insert, commit"] = _measure("write_floor", files, ref, args.repeat)
    results["inflate the archive (zlib only)"] = _measure("inflate", [archive], None, args.repeat)
    results[f"import {len(files)} CSV files"] = _measure("import", files, ref, args.repeat)
    results["import 1 archive zip"] = _measure("import", [archive], ref, args.repeat)
    scan_rows = results["bare DuckDB scan (floor)"]["rows"]
    for label, r in results.items():
        if r.get("rows", scan_rows) != scan_rows:
            raise SystemExit(f"{label}: read {r['rows']:,} rows, the scan counted {scan_rows:,}")

    floor = results["bare DuckDB scan (floor)"]["seconds"]
    floor_all = results["DuckDB scan parsing every column"]["seconds"]
    floor_write = results["write floor: read, keep city codes, insert, commit"]["seconds"]
    lines = [
        f"| measurement (median of {args.repeat}) | rows kept | seconds | rows/s | "
        "peak memory (MB) | x bare scan | x full-parse scan | x write floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, r in results.items():
        r["rows_per_second"] = scan_rows / r["seconds"]
        r["ratio_to_scan"] = r["seconds"] / floor
        r["ratio_to_full_scan"] = r["seconds"] / floor_all
        r["ratio_to_write_floor"] = r["seconds"] / floor_write
        kept = f"{r['rows_kept']:,}" if "rows_kept" in r else ""
        lines.append(
            f"| {label} | {kept} | {r['seconds']:.2f} | {r['rows_per_second']:,.0f} | "
            f"{r['peak_mb']:,.0f} | {r['ratio_to_scan']:.2f} | {r['ratio_to_full_scan']:.2f} | "
            f"{r['ratio_to_write_floor']:.2f} |"
        )
    imp = [r for label, r in results.items() if label.startswith("import")]
    verdict = {
        "under_20_s": all(r["seconds"] < TARGET_SECONDS for r in imp),
        "under_3x_scan": all(r["ratio_to_scan"] < TARGET_RATIO for r in imp),
        "under_1_gb": all(r["peak_mb"] < TARGET_MEMORY_MB for r in imp),
    }
    print(f"{scan_rows:,} rows in every measurement")
    print("\n".join(lines))
    print("targets met: " + ", ".join(f"{k}={v}" for k, v in verdict.items()))
    (OUT / "import.json").write_text(
        json.dumps(
            {
                "files": len(files),
                "megabytes": round(size_mb, 1),
                "cpus": os.cpu_count(),
                "repeat": args.repeat,
                "load_average": os.getloadavg(),
                "targets_set": {"seconds": TARGET_SECONDS, "ratio_to_scan": TARGET_RATIO, "peak_mb": TARGET_MEMORY_MB},
                "results": results,
                "targets_met": verdict,
            },
            indent=2,
        )
    )
    print(f"written {OUT / 'import.json'}")


if __name__ == "__main__":
    main()
