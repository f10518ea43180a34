"""Outcomes (issue 19): the import of a force-sized year of outcomes files
beside the city's crimes, and the Outcomes page's query on the demo store.

* A West Midlands outcomes file holds about 30,000 rows a month, a tenth of
  them the city's. Here: 12 files of 30,000 rows (360,000), 3,000 a month
  for crimes in the store (the real 2012-01 Crime IDs, cycled over months),
  the rest for crimes elsewhere (counted, not kept). Median of 3 imports
  (each replaces the last: idempotent), and the process's peak memory.
* ``analysis.outcomes.view`` for the whole city, 36 months (the page's one
  query call), on the demo store; median of 5.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import git_rev, machine, private_store, save, timeit  # noqa: E402

TODAY = dt.date(2026, 11, 23)
ROWS_A_MONTH = 30_000
MONTHS = 12


def write_files(folder: Path, crimes: list[dict]) -> list[Path]:
    from swp_data.sources.policeuk.outcomes import OUTCOME_COLUMNS

    paths = []
    for k in range(MONTHS):
        month = f"2012-{k + 2:02d}" if k < 11 else "2013-01"
        p = folder / month / f"{month}-west-midlands-outcomes.csv"
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(OUTCOME_COLUMNS)
            for i in range(ROWS_A_MONTH):
                if i < 3_000:
                    r = crimes[(i + 97 * k) % len(crimes)]
                    cid = r["Crime ID"]
                else:
                    cid = hashlib.sha256(f"{month}-{i}".encode()).hexdigest()
                w.writerow(
                    [cid, month, "West Midlands Police", "West Midlands Police", "-1.9", "52.4"]
                    + ["On or near Somewhere", "E01009999", "Birmingham 001A", "Unable to prosecute suspect"]
                )
        paths.append(p)
    return paths


def main() -> None:
    from swp_data import config, store
    from swp_data.analysis import outcomes as oc
    from swp_data.sources.imports import import_paths

    street = config.data_dir() / "police_uk/csv/2012-01-west-midlands-street-wolverhampton.csv"
    with open(street, encoding="utf-8", newline="") as fh:
        crimes = [r for r in csv.DictReader(fh) if r["Crime ID"]]
    result: dict = {"machine": machine(), "date": f"{dt.date.today()}", "rev": git_rev()}
    with private_store() as _p, tempfile.TemporaryDirectory() as tmp:
        import_paths([street], today=TODAY)
        files = write_files(Path(tmp), crimes)
        size = sum(f.stat().st_size for f in files)
        reports = []
        med, times = timeit(lambda: reports.append(import_paths(files, today=TODAY)), repeat=3)
        rep = reports[-1]
        result["import"] = {
            "files": len(files),
            "rows": MONTHS * ROWS_A_MONTH,
            "mb": round(size / 2**20, 1),
            "median_s": round(med, 2),
            "runs_s": [round(t, 2) for t in times],
            "kept": rep.outcomes_kept,
            "not_in_store": rep.outcomes_not_in_store,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
    with private_store(demo=True) as _p:
        with store.reading() as con:
            last = oc.as_of(con)
            start = last - __import__("pandas").DateOffset(months=35)
            med, times = timeit(lambda: oc.view(con, None, oc.DEFAULT_MEASURE, start, last), repeat=5)
            crimes_n = oc.view(con, None, oc.DEFAULT_MEASURE, start, last).crimes
        result["view_city_36_months"] = {
            "crimes": crimes_n,
            "median_s": round(med, 2),
            "runs_s": [round(t, 2) for t in times],
        }
    save("outcomes", result)


if __name__ == "__main__":
    main()
