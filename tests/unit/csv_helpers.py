"""Helpers shared by the partner and engagement import tests."""

from __future__ import annotations

from pathlib import Path

from swp_data import store

DATA_TABLES = ("partner_series", "engagement_meeting", "engagement_survey", "engagement_consultation")


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return p


def snapshot(con) -> dict[str, list[tuple]]:
    """Every data table's contents (dataset without its load time)."""
    out = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in DATA_TABLES}
    out["dataset"] = con.execute("SELECT * EXCLUDE (loaded_at) FROM dataset ORDER BY dataset_id").fetchall()
    return out


def read_snapshot() -> dict[str, list[tuple]]:
    with store.reading() as con:
        return snapshot(con)


def one(sql: str, params=None) -> list[tuple]:
    with store.reading() as con:
        return con.execute(sql, params or []).fetchall()
