"""Benchmark: a national police.uk archive through the import path (issue 18; target: under 60 s and
1 GB peak as a whole process on this machine).

    .venv/bin/python bench/bench_national.py [--months 36] [--rows 12900] [--wm-rows 30000] [--repeat 1]

1. Generates, with DuckDB (fast), a data.police.uk-style archive of every force's monthly street CSVs:
   43 territorial forces x ``--months`` months (1,548 files for 36), about ``--rows`` rows each (West
   Midlands ``--wm-rows``, about a tenth of them in Wolverhampton with coordinates at its LSOAs' points),
   in the real 12-column format: LSOA codes and names of England's real LSOAs (each English district is
   given to one force: the West Midlands force area's to West Midlands Police, the others round-robin),
   coordinates near the district's generalised boundary's representative point, ASB without Crime ID,
   about 1.5% "No Location" rows. Synthetic: for the bench only. Written to bench/out/national/
   (git-ignored; reused when the parameters are the same), zipped (deflate level 1) as
   YYYY-MM/YYYY-MM-<force>-street.csv.
2. Imports the archive into a copy of a freshly built store in a child process (wall time of the whole
   process, interpreter start included, and its peak memory, ru_maxrss), then reads what was kept: the
   city's records and the other districts' monthly counts (crime_lad_month).
3. Prints a Markdown line and writes bench/out/national.json.
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

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

CATEGORIES = {
    "Anti-social behaviour": 0.28,
    "Violence and sexual offences": 0.30,
    "Criminal damage and arson": 0.07,
    "Other theft": 0.06,
    "Public order": 0.06,
    "Shoplifting": 0.05,
    "Vehicle crime": 0.05,
    "Burglary": 0.04,
    "Drugs": 0.025,
    "Other crime": 0.015,
    "Robbery": 0.01,
    "Bicycle theft": 0.01,
    "Theft from the person": 0.01,
    "Possession of weapons": 0.01,
}


def reference_store() -> Path:
    p = OUT / "national-ref.duckdb"
    for q in (p, p.with_name(p.name + ".wal")):
        q.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "swp_data", "build"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "SWP_STORE": str(p)},
        stdout=subprocess.DEVNULL,
    )
    return p


def generate(ref: Path, months: int, rows: int, wm_rows: int, seed: int = 2026) -> Path:
    import duckdb
    import geopandas as gpd
    import pandas as pd

    from swp_data import config
    from swp_data.sources import bundle
    from swp_data.sources.policeuk.schema import FORCES

    out = OUT / "national"
    z = OUT / "national.zip"
    params = {"months": months, "rows": rows, "wm_rows": wm_rows, "seed": seed, "version": 1}
    stamp = OUT / "national.params"
    if z.exists() and stamp.exists() and json.loads(stamp.read_text()) == params:
        return z
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    src = duckdb.connect(str(ref), read_only=True)
    nat = src.execute("SELECT lsoa21_code, lsoa21_name, lad24_code FROM national_lsoa").df()
    city = src.execute("SELECT lsoa21_code, lat, lon FROM lsoa21").df()
    src.close()
    lad_pfa = pd.read_csv(bundle.path(bundle.FILES["lad_pfa"]), dtype=str)
    wm_lads = set(lad_pfa.loc[lad_pfa["pfa24_name"] == "West Midlands", "ltla24_code"])
    g = gpd.read_file(bundle.path(bundle.FILES["nat_lad_geo"]))
    g = g[g["ltla24_code"].str.startswith("E")]
    pts = g.geometry.representative_point()
    lad_xy = pd.DataFrame({"lad24_code": g["ltla24_code"].to_numpy(), "x": pts.x.to_numpy(), "y": pts.y.to_numpy()})
    others = [
        names[0]
        for slug, names in FORCES.items()
        if slug not in ("btp", "west-midlands") and "northern-ireland" not in slug
    ][:42]  # the Welsh forces too (given English districts: the shape of the archive is what counts)
    lads = sorted(set(nat["lad24_code"]) - wm_lads)
    force_of = {lad: others[i % len(others)] for i, lad in enumerate(lads)}
    force_of.update({lad: "West Midlands Police" for lad in wm_lads})
    pool = nat.merge(lad_xy, on="lad24_code")
    pool["force"] = pool["lad24_code"].map(force_of)
    c = city.set_index("lsoa21_code")
    is_city = pool["lad24_code"] == config.CITY_LAD
    pool.loc[is_city, "x"] = pool.loc[is_city, "lsoa21_code"].map(c["lon"])
    pool.loc[is_city, "y"] = pool.loc[is_city, "lsoa21_code"].map(c["lat"])
    pool["jit"] = is_city.map({True: 0.0008, False: 0.02})
    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})").fetchall()
    con.register("_pool", pool)
    con.execute(
        "CREATE TABLE pool AS SELECT *, row_number() OVER (PARTITION BY force ORDER BY lsoa21_code) - 1 AS k FROM _pool"
    )
    con.execute("CREATE TABLE sizes AS SELECT force, count(*) AS n FROM pool GROUP BY force")
    cats = list(CATEGORIES)
    cum = []
    acc = 0.0
    for v in CATEGORIES.values():
        acc += v / sum(CATEGORIES.values())
        cum.append(acc)
    case = "CASE " + " ".join(f"WHEN u < {p} THEN '{c}'" for c, p in zip(cats[:-1], cum[:-1], strict=True))
    case += f" ELSE '{cats[-1]}' END"
    forces = sorted(set(force_of.values()))
    slug_of = {names[0]: slug for slug, names in FORCES.items()}
    total = 0
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for m in range(months):
            year, mon = 2023 + m // 12, m % 12 + 1
            month = f"{year}-{mon:02d}"
            for force in forces:
                n = wm_rows if force == "West Midlands Police" else rows
                p = out / f"{month}-{slug_of[force]}-street.csv"
                con.execute(
                    f"""COPY (
                        WITH r AS (
                            SELECT i, random() AS u, random() AS v,
                                   CAST(floor(random() * (SELECT n FROM sizes WHERE force = $force)) AS BIGINT) AS k
                            FROM range($n) t(i)),
                        c AS (SELECT r.*, {case} AS ctype FROM r)
                        SELECT CASE WHEN ctype = 'Anti-social behaviour' THEN NULL
                                    ELSE md5(i::VARCHAR || $month || $force) || md5(v::VARCHAR) END AS "Crime ID",
                               $month AS "Month", $force AS "Reported by", $force AS "Falls within",
                               CASE WHEN v < 0.015 THEN NULL
                                    ELSE printf('%.6f', p.x + (random() - 0.5) * p.jit) END AS "Longitude",
                               CASE WHEN v < 0.015 THEN NULL
                                    ELSE printf('%.6f', p.y + (random() - 0.5) * p.jit) END AS "Latitude",
                               CASE WHEN v < 0.015 THEN 'No Location' ELSE 'On or near High Street' END AS "Location",
                               CASE WHEN v < 0.015 THEN NULL ELSE p.lsoa21_code END AS "LSOA code",
                               CASE WHEN v < 0.015 THEN NULL ELSE p.lsoa21_name END AS "LSOA name",
                               ctype AS "Crime type",
                               CASE WHEN ctype = 'Anti-social behaviour' THEN NULL
                                    ELSE 'Under investigation' END AS "Last outcome category",
                               NULL AS "Context"
                        FROM c JOIN pool p ON p.force = $force AND p.k = c.k
                    ) TO '{p}' (HEADER, DELIMITER ',')""",
                    {"force": force, "n": n, "month": month},
                )
                zf.write(p, f"{month}/{p.name}")
                p.unlink()
                total += n
    con.close()
    shutil.rmtree(out, ignore_errors=True)
    stamp.write_text(json.dumps(params))
    print(f"generated {months * len(forces):,} files, {total:,} rows: {z} ({z.stat().st_size / 1e6:,.0f} MB)")
    return z


def _child(archive: str, store: str) -> None:
    from swp_data.sources.imports import import_paths

    os.environ["SWP_STORE"] = store
    t = time.perf_counter()
    rep = import_paths([archive])
    seconds = time.perf_counter() - t
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rows_read": rep.rows_read,
                "rows_kept": rep.rows_kept,
                "files": rep.files,
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--rows", type=int, default=12_900)
    ap.add_argument("--wm-rows", type=int, default=30_000)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--child", nargs=2, metavar=("ARCHIVE", "STORE"))
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    import duckdb

    OUT.mkdir(parents=True, exist_ok=True)
    ref = reference_store()
    z = generate(ref, args.months, args.rows, args.wm_rows)
    runs = []
    for _ in range(args.repeat):
        store = OUT / "national-import.duckdb"
        shutil.copy(ref, store)
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, __file__, "--child", str(z), str(store)], capture_output=True, text=True, cwd=ROOT
        )
        wall = time.perf_counter() - t
        if r.returncode:
            raise SystemExit(r.stderr[-3000:])
        res = json.loads(r.stdout.strip().splitlines()[-1])
        res["process_seconds"] = wall
        con = duckdb.connect(str(store), read_only=True)
        res["city_rows"] = con.execute("SELECT count(*) FROM crime").fetchone()[0]
        res["lad_count_rows"] = con.execute("SELECT count(*) FROM crime_lad_month").fetchone()[0]
        res["districts_counted"] = con.execute("SELECT count(DISTINCT lad24_code) FROM crime_lad_month").fetchone()[0]
        res["counted"] = con.execute("SELECT sum(n) FROM crime_lad_month").fetchone()[0]
        con.close()
        res["store_mb"] = store.stat().st_size / 1e6
        runs.append(res)
        print(json.dumps(res))
    (OUT / "national.json").write_text(json.dumps({"archive_mb": z.stat().st_size / 1e6, "runs": runs}, indent=1))
    best = min(runs, key=lambda r: r["process_seconds"])
    print(
        f"| national archive, {best['files']:,} files, {best['rows_read']:,} rows | {best['process_seconds']:.1f} s "
        f"(import {best['seconds']:.1f} s) | {best['peak_mb']:,.0f} MB | {best['city_rows']:,} city rows | "
        f"{best['lad_count_rows']:,} district-month-category counts ({best['districts_counted']} districts) |"
    )


if __name__ == "__main__":
    main()
