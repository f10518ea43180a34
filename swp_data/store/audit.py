"""The audit trail: who changed what, when (no Streamlit here).

Every import, deletion, Impact Area change, target and setting change writes a
row with :func:`record` inside the same transaction as the change, so the
trail and the data cannot disagree. ``python -m swp_data audit [--json]``
lists it; the Data page shows it to analysts.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from swp_data import access

DDL = """
    CREATE TABLE IF NOT EXISTS audit (
        changed_at  TIMESTAMP NOT NULL,
        who         VARCHAR NOT NULL,   -- signed-in email, or the operating-system user
        via         VARCHAR NOT NULL,   -- oidc | os
        action      VARCHAR NOT NULL,   -- import | delete | impact_area | target | setting | fetch | demo
        dataset_id  VARCHAR,            -- what it changed (comma-separated when several)
        rows        BIGINT,             -- rows added or removed
        fingerprint VARCHAR,            -- file fingerprint(s) where a file was read
        detail      VARCHAR             -- one line for people
    )
"""

COLUMNS = ["changed_at", "who", "via", "action", "dataset_id", "rows", "fingerprint", "detail"]


def record(
    con: duckdb.DuckDBPyConnection,
    action: str,
    *,
    dataset_id: str | None = None,
    rows: int | None = None,
    fingerprint: str | None = None,
    detail: str | None = None,
) -> None:
    """Add a row for the acting person (call inside the change's transaction)."""
    actor = access.current() or access.Actor(who="unknown", role="public", via="os")
    con.execute(DDL)
    con.execute(
        "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now().replace(microsecond=0),
            actor.who,
            actor.via,
            action,
            dataset_id,
            None if rows is None else int(rows),
            fingerprint,
            None if detail is None else str(detail)[:2000],
        ],
    )


def entries(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> pd.DataFrame:
    """The trail, newest first."""
    from swp_data.store import table_exists

    if not table_exists(con, "audit"):
        return pd.DataFrame(columns=COLUMNS)
    q = f"SELECT {', '.join(COLUMNS)} FROM audit ORDER BY changed_at DESC, rowid DESC"
    if limit is not None:
        q += f" LIMIT {int(limit)}"
    return con.execute(q).df()


__all__ = ["COLUMNS", "DDL", "entries", "record"]
