"""Demo targets: so the Performance page's RAG status shows on the demo
dataset. Set in the demo import's transaction when the store holds no target
at all (an analyst's targets are never touched), stored with the setter
``targets.DEMO_SETTER`` and shown as "DEMO target" everywhere.

The values are illustrative, chosen so the demo shows each colour; they are
not the partnership's targets.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from swp_data import store
from swp_data.errors import InputError
from swp_data.report import performance, priorities, targets

# priority key -> (percent fewer than the baseline financial year). A negative value allows a rise.
DEMO_REDUCTIONS: dict[str, float] = {
    "asb": 5.0,
    "violence": 2.0,
    "neighbourhood": 5.0,
    "domestic_abuse": -5.0,
    "hate_crime": -10.0,
}


def ensure_demo_targets(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Set the demo targets (percent fewer than the last complete financial
    year loaded, in force for the following financial year) when no target
    exists; returns the priority keys set ([] when targets exist or no
    financial year is complete). Runs in the caller's transaction."""
    store.ensure_data_tables(con)
    if store.one(con, "SELECT count(*) FROM target"):
        return []
    fy = performance.last_complete_fy(con)
    if fy is None:
        return []
    first = int(fy[:4])
    start, end = dt.date(first + 1, 4, 1), dt.date(first + 2, 3, 31)
    have = {p.key for p in priorities.priorities(con)}
    done = []
    for key, pct in DEMO_REDUCTIONS.items():
        if key not in have:
            continue
        try:
            targets.set_target(con, key, "reduction_pct", pct, start, end, fy)
        except InputError:  # e.g. a partner series without that baseline year
            continue
        done.append(key)
    if done:
        con.execute("UPDATE target SET set_by = ? WHERE list_contains(?, priority)", [targets.DEMO_SETTER, done])
    return done
