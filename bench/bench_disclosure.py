"""Disclosure control of a public survey table (swp_data.analysis.disclosure):
the time to protect a 20-ward x 5-answer survey with 12 small cells, and to
run the attack (every hidden value minimised and maximised) on the result.
Medians of repeated runs; writes bench/out/disclosure.json."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

from swp_data.analysis import disclosure, public

OUT = Path(__file__).resolve().parent / "out"


def survey() -> np.ndarray:
    rng = np.random.default_rng(17)
    t = rng.integers(8, 60, size=(20, 5))
    small = [(0, 2), (0, 4), (1, 3), (2, 0), (4, 4), (6, 2), (9, 1), (11, 3), (13, 4), (16, 2), (19, 3)]
    for (i, j), v in zip(small, [1, 1, 4, 2, 3, 1, 2, 4, 1, 3, 2], strict=True):
        t[i, j] = v
    t[18] = [0, 0, 0, 3, 0]
    return t


def main(repeats: int = 5) -> dict:
    t = survey()
    total = int(t.sum())
    shares = [public.shown_share(n, total) for n in t.sum(axis=0)]
    bounds = np.array([disclosure.share_bounds(s, total) for s in shares])
    protect_s, attack_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        ch, rh, _ = disclosure.protect(t, col_bounds=bounds)
        protect_s.append(time.perf_counter() - t0)
        shown = disclosure.Shown(
            cells=np.where(ch, np.nan, t).astype(float),
            row_totals=np.where(rh, np.nan, t.sum(axis=1)).astype(float),
            col_bounds=bounds,
            grand_total=float(total),
        )
        t0 = time.perf_counter()
        ranges = disclosure.hidden_ranges(shown)
        attack_s.append(time.perf_counter() - t0)
    out = {
        "table": "20 wards x 5 answers, 12 small cells",
        "hidden_cells": int(ch.sum()),
        "hidden_ward_totals": int(rh.sum()),
        "pinned": sum(1 for r in ranges if r[2] == r[3]),
        "protect_s_median": round(statistics.median(protect_s), 3),
        "attack_s_median": round(statistics.median(attack_s), 3),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "disclosure.json").write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
