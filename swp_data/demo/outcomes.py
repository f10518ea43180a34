"""Demo outcomes files (``YYYY-MM/YYYY-MM-west-midlands-outcomes.csv``),
labelled demo like everything else the demo writes (imported with
``is_demo=True``).

Each demo crime's final outcome is the "Last outcome category" the street
writer drew in the real June 2018 proportions by category
(:func:`swp_data.demo.write_police_uk`). Here each crime gets the history that
leads to it, with delays in months after the offence drawn from geometric
distributions (illustrative, set in :data:`DELAYS`, not calibrated on real
delays: the bundle holds none):

* no suspect identified, out-of-court, suspect identified but no further
  action, other: one outcome, recorded after ``DELAYS[group]`` months;
* a court result (sent to prison, fined, not guilty...): "Awaiting court
  outcome" after the charge delay, then the result after the court delay;
* "Awaiting court outcome": that one outcome after the charge delay;
* "Under investigation" and no outcome: no history.

Outcomes recorded after the demo's last month (``cfg.end``) have not happened
yet: they are not written, and the street file's "Last outcome category" is
rewritten to what was known at ``cfg.end`` ("Under investigation" when
nothing was), as police.uk's latest archive shows recent months. So recent
months of offence look young in the demo as they do in real data.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np

from swp_data.sources.policeuk.outcomes import OUTCOME_COLUMNS
from swp_data.sources.policeuk.schema import POLICE_COLUMNS
from swp_data.taxonomy import outcomes as ot

# Geometric success probability of the delay in months (delay = draw - 1, so 0 is the offence month):
# mean delay = 1/p - 1.
DELAYS: dict[str, float] = {
    ot.NO_SUSPECT: 0.6,  # about 0.7 months on average
    ot.OUT_OF_COURT: 0.4,  # 1.5
    ot.SUSPECT_NFA: 0.3,  # 2.3
    ot.OTHER: 0.4,  # 1.5
    "charge": 0.35,  # charge or summons: 1.9
    "court": 0.2,  # from charge to the court's result: 4 more (at least 1)
}
PENDING = "Under investigation"
AWAITING = "Awaiting court outcome"
_STREAM = 19  # the random stream of the demo's outcomes (seeded with [seed, 19])


def _index(month: str) -> int:
    """'2024-01' -> a month number (year x 12 + month - 1), for cheap arithmetic."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def write_outcomes(street_paths: list[Path], folder: str | Path, seed: int, end: str) -> list[Path]:
    """Write the outcomes files for the demo street files ``street_paths``
    into ``folder/YYYY-MM/``, rewriting the street files' last outcomes as
    known at ``end`` (YYYY-MM); returns the outcomes files' paths."""
    folder = Path(folder)
    rng = np.random.default_rng([int(seed), _STREAM])
    last = _index(end)
    by_month: dict[int, list[tuple]] = defaultdict(list)
    i_id, i_month, i_out = (POLICE_COLUMNS.index(c) for c in ("Crime ID", "Month", "Last outcome category"))
    groups: dict[str, str] = {}  # outcome name -> group (a few dozen names)
    for path in sorted(street_paths):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        n = len(body)
        changed = False
        d_first = {g: (rng.geometric(p, size=n) - 1).tolist() for g, p in DELAYS.items() if g != "court"}
        d_court = rng.geometric(DELAYS["court"], size=n).tolist()
        for k, r in enumerate(body):
            final = r[i_out]
            if not r[i_id] or not final or final == PENDING:
                continue
            group = groups.get(final) or groups.setdefault(final, ot.group_of(final))
            month = _index(r[i_month])
            if group == ot.CHARGED:
                steps = [(AWAITING, d_first["charge"][k])]
                if final != AWAITING:
                    steps.append((final, steps[0][1] + d_court[k]))
            else:
                steps = [(final, d_first[group][k])]
            known = PENDING
            for name, delay in steps:
                when = month + delay
                if when > last:
                    break
                by_month[when].append((r, name))
                known = name
            if known != final:
                r[i_out] = known
                changed = True
        if not changed:  # every outcome of the month reached by the end: the file stays as written
            continue
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(body)
    paths = []
    for when in sorted(by_month):
        m = f"{when // 12:04d}-{when % 12 + 1:02d}"
        out = folder / m / f"{m}-west-midlands-outcomes.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        with open(out, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(OUTCOME_COLUMNS)
            # Crime ID, Month (recorded), Reported by, Falls within, Longitude, Latitude, Location, LSOA code,
            # LSOA name (as the crime's street row), Outcome type
            w.writerows((r[0], m, r[2], r[3], r[4], r[5], r[6], r[7], r[8], name) for r, name in by_month[when])
        paths.append(out)
    return paths
