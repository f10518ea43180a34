"""`python -m swp_data audit [--json]`: who changed what, when, newest first."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import subprocess
import sys

from swp_data import access, cli, store
from swp_data.store import audit

ANALYST = access.Actor(who="ana.lyst@example.gov.uk", role="analyst", via="oidc")


def _rows(store_path) -> None:
    with access.acting_as(ANALYST), store.transaction() as con:
        audit.record(
            con, "import", dataset_id="police_uk:west-midlands", rows=1234, fingerprint="sha256:ab12", detail="a.csv"
        )
    with store.transaction() as con:
        # a second later, as the OS user (the command line); newest first is by time, then by insertion
        con.execute("UPDATE audit SET changed_at = changed_at - INTERVAL 1 SECOND")
    with access.acting_as(access.os_actor()), store.transaction() as con:
        audit.record(con, "delete", dataset_id="demo:partner", rows=560, detail="Deleted demo partner series")


def test_audit_json_newest_first(store_path, capsys):
    _rows(store_path)
    assert cli.main(["audit", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [r["action"] for r in out] == ["delete", "import"]
    assert [r["who"] for r in out] == [getpass.getuser(), "ana.lyst@example.gov.uk"]
    assert [r["via"] for r in out] == ["os", "oidc"]
    assert out[1] | {"changed_at": None} == {
        "changed_at": None,
        "who": "ana.lyst@example.gov.uk",
        "via": "oidc",
        "action": "import",
        "dataset_id": "police_uk:west-midlands",
        "rows": 1234,
        "fingerprint": "sha256:ab12",
        "detail": "a.csv",
    }
    when = dt.datetime.fromisoformat(out[0]["changed_at"])
    assert abs((dt.datetime.now() - when).total_seconds()) < 120
    assert cli.main(["audit", "--json", "--limit", "1"]) == 0
    assert [r["action"] for r in json.loads(capsys.readouterr().out)] == ["delete"]


def test_audit_text(store_path, capsys):
    assert cli.main(["audit"]) == 0
    assert capsys.readouterr().out == "No changes recorded.\n"
    _rows(store_path)
    assert cli.main(["audit"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0][19:].split() == [
        getpass.getuser(),
        "delete",
        "demo:partner",
        "560",
        "rows",
        "Deleted",
        "demo",
        "partner",
        "series",
    ]
    assert lines[1][19:].split() == [
        "ana.lyst@example.gov.uk",
        "import",
        "police_uk:west-midlands",
        "1,234",
        "rows",
        "a.csv",
    ]
    dt.datetime.strptime(lines[0][:19], "%Y-%m-%d %H:%M:%S")


def test_audit_as_a_process(store_path):
    _rows(store_path)
    r = subprocess.run(
        [sys.executable, "-m", "swp_data", "audit", "--json"], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    assert [row["action"] for row in json.loads(r.stdout)] == ["delete", "import"]


def test_audit_lists_entries_without_a_row_count(store_path, capsys):
    """publish and restore record no row count: the listing must not stop at them."""
    _rows(store_path)
    with store.transaction() as con:
        audit.record(con, "publish", detail="published to /srv/public/swp.duckdb")
    assert cli.main(["audit"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3
    assert out[0].endswith("publish      published to /srv/public/swp.duckdb")
    assert "1,234 rows" in out[2]
    assert cli.main(["audit", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["rows"] is None


def test_audit_limit_must_be_positive(store_path, capsys):
    _rows(store_path)
    for bad in ("-1", "0", "x"):
        assert cli.main(["audit", "--limit", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--limit" in err, err
    assert cli.main(["audit", "--limit", "1"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
