"""Nothing in a backup is trusted: restore and publish take only the store's
own base tables, and every store connection has DuckDB's file access off."""

from __future__ import annotations

import hashlib

import duckdb
import pytest

from swp_data import store
from swp_data.errors import InputError
from swp_data.store import backup


def _digest(p) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _tampered(demo_store_path, tmp_path, *sql: str):
    """A copy of the store (a genuine backup) changed by ``sql``."""
    out = tmp_path / "nightly.duckdb"
    backup.backup(out)
    con = duckdb.connect(str(out))
    for s in sql:
        con.execute(s)
    con.close()
    return out


def test_a_dataset_view_reading_a_file_is_refused(demo_store_path, tmp_path):
    bad = _tampered(
        demo_store_path,
        tmp_path,
        "ALTER TABLE dataset RENAME TO dataset_old",
        "CREATE VIEW dataset AS SELECT content AS dataset_id, content AS name, 'reference' AS kind, '' AS source, "
        "'' AS licence, false AS is_demo, NULL::DATE AS period_start, NULL::DATE AS period_end, 0::BIGINT AS "
        "row_count, NULL AS file_hash, now()::TIMESTAMP AS loaded_at FROM read_text('/etc/passwd')",
    )
    before = _digest(demo_store_path)
    with pytest.raises(InputError) as e:
        backup.restore(bad)
    msg = str(e.value)
    assert msg == f"{bad}: not a store backup: it holds a view ('dataset'); a backup has only the store's own tables"
    assert "\n" not in msg
    assert _digest(demo_store_path) == before  # store unchanged
    assert not [p for p in demo_store_path.parent.iterdir() if "restore" in p.name]
    with store.reading() as con:
        names = {r[0] for r in con.execute("SELECT name FROM dataset").fetchall()}
    assert not any("root:" in n for n in names)


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        (["CREATE MACRO leak() AS TABLE SELECT * FROM read_text('/etc/passwd')"], "a macro ('leak')"),
        (["CREATE SEQUENCE s"], "a sequence ('s')"),
        (["CREATE SCHEMA extra", "CREATE TABLE extra.t (x INT)"], "a schema ('extra')"),
        (["CREATE VIEW v AS SELECT 1"], "a view ('v')"),
    ],
)
def test_other_objects_are_refused(demo_store_path, tmp_path, sql, what):
    bad = _tampered(demo_store_path, tmp_path, *sql)
    with pytest.raises(InputError) as e:
        backup.restore(bad)
    assert str(e.value).endswith(f"it holds {what}; a backup has only the store's own tables")


@pytest.mark.parametrize(
    ("sql", "msg"),
    [
        (["CREATE TABLE notes (x VARCHAR)"], "it holds a table the store does not have ('notes')"),
        (["ALTER TABLE dataset ADD COLUMN extra VARCHAR"], "its table 'dataset' does not have the store's columns"),
        (
            ["ALTER TABLE audit ALTER COLUMN detail SET DEFAULT 'x'"],
            "its table 'audit' does not have the store's columns",
        ),
    ],
)
def test_unexpected_tables_and_columns_are_refused(demo_store_path, tmp_path, sql, msg):
    bad = _tampered(demo_store_path, tmp_path, *sql)
    with pytest.raises(InputError) as e:
        backup.restore(bad)
    assert str(e.value).endswith(msg)


def test_a_genuine_backup_is_still_restored(demo_store_path, tmp_path):
    good = _tampered(demo_store_path, tmp_path)
    rep = backup.restore(good)
    assert rep.tables["dataset"] > 0


def test_publish_does_not_carry_a_view(demo_store_path, tmp_path):
    con = duckdb.connect(str(demo_store_path))
    con.execute("CREATE VIEW leak AS SELECT * FROM read_text('/etc/passwd')")
    con.close()
    link = tmp_path / "public" / "swp.duckdb"
    link.parent.mkdir()
    with pytest.raises(InputError, match=r"it holds a view \('leak'\)"):
        backup.publish(link)
    assert not link.exists() and not list(link.parent.glob("swp-*.duckdb"))


def test_store_connections_read_no_files(demo_store_path, tmp_path):
    for opened in (store.reading, store.transaction):
        with opened() as con, pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_text('/etc/passwd')").fetchall()
    private = tmp_path / "staged"
    private.mkdir()
    c = duckdb.connect()
    c.execute(f"COPY (SELECT 42 AS a) TO '{private / 'rows.parquet'}' (FORMAT parquet)")
    c.close()
    with store.transaction(files=private) as con:
        assert con.execute(f"SELECT a FROM read_parquet('{private / 'rows.parquet'}')").fetchall() == [(42,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_text('/etc/passwd')").fetchall()
    with store.reading() as con, pytest.raises(duckdb.PermissionException):  # not left on for the next reader
        con.execute(f"SELECT a FROM read_parquet('{private / 'rows.parquet'}')").fetchall()


def test_publish_keep_prunes_only_what_publish_wrote(demo_store_path, tmp_path):
    """Nightly backups (swp-YYYYMMDD-HHMMSS.duckdb) kept in the published folder stay."""
    folder = tmp_path / "public"
    folder.mkdir()
    nightly = [folder / f"swp-2026110{d}-020000.duckdb" for d in range(1, 6)]
    for p in nightly:
        p.write_bytes(b"a nightly backup")
    other = folder / "swp-notes.duckdb"
    other.write_bytes(b"x")
    link = folder / "swp.duckdb"
    reports = [backup.publish(link, keep=1) for _ in range(3)]
    assert all(p.exists() for p in nightly) and other.exists()
    assert reports[1].removed == [reports[0].file] and reports[2].removed == [reports[1].file]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [link.name, reports[2].file.name, other.name, *(p.name for p in nightly)]
    )
