"""Other places' monthly counts kept by the police.uk importer, and the city against its peers per priority
(data built with a known effect)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from swp_data import store
from swp_data.places import peer_police, peers
from swp_data.sources.imports import import_paths
from swp_data.sources.policeuk import POLICE_COLUMNS

CITY_LSOA = "E01010442"  # East Park, Wolverhampton (same code in 2011 and 2021)
WALSALL_LSOA = "E01010241"
SANDWELL = "E08000028"
WALSALL = "E08000030"
BIRMINGHAM_LSOA = "E01008881"


def _row(month: str, code: str, crime_type: str, i: int) -> list[str]:
    return [
        f"id-{month}-{code}-{crime_type[:3]}-{i}",
        month,
        "West Midlands Police",
        "West Midlands Police",
        "",
        "",
        "On or near X",
        code,
        "",
        crime_type,
        "Under investigation",
        "",
    ]


def _month_file(folder: Path, month: str, counts: dict[tuple[str, str], int]) -> Path:
    p = folder / f"{month}-west-midlands-street.csv"
    with open(p, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(POLICE_COLUMNS)
        for (code, ctype), n in counts.items():
            for i in range(n):
                w.writerow(_row(month, code, ctype, i))
    return p


def _residents(con, lad: str) -> int:
    return int(store.one(con, "SELECT residents FROM national_lad WHERE lad24_code = ?", [lad]))


def _sandwell_lsoa(con) -> str:
    return store.one(con, "SELECT min(lsoa21_code) FROM national_lsoa WHERE lad24_code = ?", [SANDWELL])


@pytest.fixture
def twelve_months(store_path, tmp_path):
    """12 months: the city 50 violence records a month; Walsall and Sandwell at twice the city's rate."""
    con = duckdb.connect(str(store_path), read_only=True)
    city, wal, san = _residents(con, "E08000031"), _residents(con, WALSALL), _residents(con, SANDWELL)
    sandwell_lsoa = _sandwell_lsoa(con)
    con.close()
    n_wal = round(2 * 50 * wal / city)
    n_san = round(2 * 50 * san / city)
    files = []
    for m in range(1, 13):
        month = f"2025-{m:02d}"
        files.append(
            _month_file(
                tmp_path,
                month,
                {
                    (CITY_LSOA, "Violence and sexual offences"): 50,
                    (WALSALL_LSOA, "Violence and sexual offences"): n_wal,
                    (sandwell_lsoa, "Violence and sexual offences"): n_san,
                    (WALSALL_LSOA, "Violent crime"): 1,  # a historic name: counted as violence
                    (BIRMINGHAM_LSOA, "Burglary"): 3,
                    ("E01099999", "Burglary"): 4,  # no such LSOA: not counted anywhere
                },
            )
        )
    rep = import_paths(files)
    return {"report": rep, "files": files, "n_wal": n_wal, "n_san": n_san, "store": store_path}


def test_counts_kept_for_other_districts_not_their_records(twelve_months):
    with store.reading() as con:
        assert (
            store.one(con, "SELECT count(*) FROM crime WHERE lsoa21_code <> ? OR lsoa21_code IS NULL", [CITY_LSOA]) == 0
        )
        assert store.one(con, "SELECT count(*) FROM crime") == 12 * 50
        got = dict(
            con.execute(
                "SELECT lad24_code, sum(n) FROM crime_lad_month WHERE category = 'Violence and sexual offences' "
                "GROUP BY 1"
            ).fetchall()
        )
        assert got == {WALSALL: 12 * (twelve_months["n_wal"] + 1), SANDWELL: 12 * twelve_months["n_san"]}
        assert store.one(con, "SELECT sum(n) FROM crime_lad_month WHERE lad24_code = 'E08000025'") == 36
        assert store.one(con, "SELECT count(*) FROM crime_lad_month WHERE lad24_code = 'E08000031'") == 0
        assert store.one(con, "SELECT count(DISTINCT month) FROM crime_lad_month") == 12


def test_reimport_replaces_counts(twelve_months):
    with store.reading() as con:
        before = con.execute("SELECT * FROM crime_lad_month ORDER BY ALL").fetchall()
    import_paths(twelve_months["files"][:1])
    with store.reading() as con:
        assert con.execute("SELECT * FROM crime_lad_month ORDER BY ALL").fetchall() == before


def test_city_against_peers_known_effect(twelve_months):
    with store.reading() as con:
        g = peers.nearest(con)
        assert {WALSALL, SANDWELL} <= set(g.codes)
        cmp = peer_police.comparison(con).set_index("priority")
    v = cmp.loc["Violence"]
    assert v["peers_with_data"] == 2 and v["group_size"] == 3
    assert v["city_count"] == 600
    assert v["peer_rate"] == pytest.approx(2 * v["city_rate"], rel=0.02)  # twice, by construction
    assert v["verdict"] == "significantly lower" and v["rank_in_group"] == 3
    assert str(v["to_month"]) == "2025-12-01" and str(v["from_month"]) == "2025-01-01"
    assert not v["is_demo"]
    # No previous 12 months loaded: no change is claimed.
    assert v["city_change_pct"] != v["city_change_pct"]
    asb = cmp.loc["Anti-social behaviour"]
    assert asb["city_count"] == 0 and asb["peer_count"] == 0


def test_trend_series(twelve_months):
    with store.reading() as con:
        t = peer_police.trend(con, "Violence")
    assert len(t) == 12 and (t["peers"] == 2).all()
    assert (t["peer_rate"] / t["city_rate"]).round(1).eq(2.0).all()


def test_nothing_loaded_says_so(store_path):
    with store.reading() as con:
        assert not peer_police.loaded(con)
        assert peer_police.comparison(con).empty


def test_compare_json_has_police_when_loaded(twelve_months, capsys):
    import json

    from swp_data import cli

    assert cli.main(["compare", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    pol = {r["priority"]: r for r in out["police"]}
    assert pol["Violence"]["area_count"] == 600 and pol["Violence"]["verdict"] == "significantly lower"
    assert pol["Violence"]["to_month"] == "2025-12"
    assert cli.main(["compare"]) == 0
    assert "police.uk Violence 2025-01 to 2025-12" in capsys.readouterr().out
