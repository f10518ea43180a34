"""The action plan (swp_data.actions.plan): analysts change it (audited),
everybody reads it; CSV import is transactional and idempotent, and export
imports back unchanged."""

from __future__ import annotations

import pytest

from swp_data import access, store
from swp_data.actions import plan
from swp_data.errors import InputError
from swp_data.store import audit

VIEWER = access.Actor(who="viewer@example.org", role="viewer", via="oidc")


def _ward(con) -> tuple[str, str]:
    r = con.execute("SELECT ward_code, ward_name FROM ward ORDER BY ward_code LIMIT 1").fetchone()
    return str(r[0]), str(r[1])


def test_add_list_update_delete_are_audited(store_path):
    with store.transaction() as con:
        code, name = _ward(con)
        aid = plan.add_action(
            con,
            title="Target hardening =cmd|x",
            priority="Neighbourhood crime",
            lead_org="City of Wolverhampton Council",
            lead_name="A. Lead",
            place_kind="ward",
            place_code=name,  # a name is accepted and stored as the code
            start="2025-01",
            due="2025-12-31",
            status="On track",
            measure="burglary",
            note="Locks and lighting",
        )
        assert aid == 1
        assert plan.add_action(con, title="Second", priority="Anti-social behaviour") == 2
    with store.reading() as con:
        df = plan.list_actions(con)
        trail = audit.entries(con)
    assert list(df["action_id"]) == [2, 1]  # ordered by priority
    row = df[df["action_id"] == 1].iloc[0]
    assert row["place_code"] == code and row["place_label"] == f"{name} ward"
    assert row["status"] == "on track" and row["measure"] == "Burglary"
    assert str(row["start_date"])[:10] == "2025-01-01" and str(row["due_date"])[:10] == "2025-12-31"
    assert row["title"] == "Target hardening =cmd|x"  # verbatim; escaped where shown
    assert row["created_by"] and row["updated_by"]
    assert (trail["action"] == "action").sum() == 2
    with store.transaction() as con:
        plan.update_action(con, 1, status="at risk", note="Delayed")
        assert plan.delete_action(con, 2) is True
        assert plan.delete_action(con, 99) is False
    with store.reading() as con:
        df = plan.list_actions(con)
        trail = audit.entries(con)
    assert list(df["action_id"]) == [1]
    assert df.iloc[0]["status"] == "at risk" and df.iloc[0]["note"] == "Delayed"
    assert df.iloc[0]["title"] == "Target hardening =cmd|x"  # untouched fields kept
    assert (trail["action"] == "action").sum() == 4
    assert "deleted action: Second" in set(trail["detail"])


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"title": ""}, "needs a title"),
        ({"status": "green"}, "is not one of: not started, on track"),
        ({"place_kind": "ward", "place_code": "Nowhere"}, "is not one of the city's wards"),
        ({"place_kind": "lsoas", "place_code": "E01010520;E99999999"}, "E99999999"),
        ({"place_kind": "county"}, "place kind"),
        ({"measure": "Jaywalking"}, "is not a police.uk grouping"),
        ({"start": "2025-13"}, "is not a date"),
        ({"start": "2025-06", "due": "2025-01"}, "due date is before the start"),
        ({"title": "x" * 201}, "use at most 200"),
    ],
)
def test_bad_fields_are_one_line_and_write_nothing(store_path, kwargs, problem):
    args = {"title": "An action", "priority": "Violence"} | kwargs
    with pytest.raises(InputError, match=problem) as e, store.transaction() as con:
        plan.add_action(con, **args)
    assert "\n" not in str(e.value)
    with store.reading() as con:
        assert plan.list_actions(con).empty
        assert not (audit.entries(con)["action"] == "action").any()


def test_only_analysts_change_the_plan_and_everyone_reads_it(store_path):
    with store.transaction() as con:
        plan.add_action(con, title="Read me", priority="Violence")
    with access.acting_as(VIEWER):
        with pytest.raises(access.NotAuthorised), store.transaction() as con:
            plan.add_action(con, title="Not allowed", priority="Violence")
        with store.reading() as con:
            assert list(plan.list_actions(con)["title"]) == ["Read me"]


def test_csv_import_is_idempotent_and_export_imports_back_unchanged(store_path, tmp_path):
    with store.reading() as con:
        code, name = _ward(con)
        lsoas = [r[0] for r in con.execute("SELECT lsoa21_code FROM lsoa21 ORDER BY 1 LIMIT 2").fetchall()]
    f = tmp_path / "plan.csv"
    f.write_text(
        "Title,Priority,lead_org,lead_name,place_kind,place,start,due,status,measure,note\n"
        f"Op Shield,Violence,West Midlands Police,Insp. A,ward,{name},2025-02,2025-11,on track,Violence,\n"
        f'"Alley gates, phase 2",Neighbourhood crime,Council,,lsoas,"{lsoas[0]};{lsoas[1]}",2024-06,,'
        "not started,Burglary,a note\n"
        "Citywide campaign,Domestic abuse,Partners,,city,,,,complete,domestic_abuse_incidents,\n",
        encoding="utf-8",
    )
    with store.transaction() as con:
        first = plan.import_csv(con, f)
    assert first == {"rows": 3, "added": 3, "changed": 0, "unchanged": 0}
    with store.transaction() as con:
        again = plan.import_csv(con, f)
    assert again == {"rows": 3, "added": 0, "changed": 0, "unchanged": 3}
    with store.reading() as con:
        df = plan.list_actions(con)
        text = plan.export_csv(con)
        n_audit = len(audit.entries(con))
    assert len(df) == 3
    assert set(df["place_code"].dropna()) == {code, f"{lsoas[0]};{lsoas[1]}"}
    exported = tmp_path / "export.csv"
    exported.write_text(text, encoding="utf-8")
    with store.transaction() as con:
        back = plan.import_csv(con, exported)
    assert back == {"rows": 3, "added": 0, "changed": 0, "unchanged": 3}
    with store.reading() as con:
        assert len(audit.entries(con)) == n_audit  # nothing changed, nothing audited
    # An edited export changes that action, by its id, even with a new title.
    lines = text.splitlines()
    i = next(n for n, line in enumerate(lines) if "Op Shield" in line)
    lines[i] = lines[i].replace("on track", "off track").replace("Op Shield", "Op Shield II")
    exported.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with store.transaction() as con:
        assert plan.import_csv(con, exported)["changed"] == 1
    with store.reading() as con:
        df = plan.list_actions(con)
    assert len(df) == 3 and "Op Shield II" in set(df["title"])
    assert df.set_index("title").loc["Op Shield II", "status"] == "off track"


def test_a_bad_row_names_file_and_row_and_leaves_the_plan_unchanged(store_path, tmp_path):
    with store.transaction() as con:
        plan.add_action(con, title="Kept", priority="Violence")
    f = tmp_path / "bad.csv"
    f.write_text(
        "title,priority,status\nNew one,Violence,on track\nBroken,Violence,purple\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as e, store.transaction() as con:
        plan.import_csv(con, f)
    msg = str(e.value)
    assert msg.startswith("bad.csv") or "bad.csv" in msg
    assert "row 3" in msg and "purple" in msg and "\n" not in msg
    with store.reading() as con:
        assert list(plan.list_actions(con)["title"]) == ["Kept"]
    f.write_text("title,colour\nx,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="colour|priority"), store.transaction() as con:
        plan.import_csv(con, f)


def test_status_table_has_words_for_every_status(store_path):
    with store.transaction() as con:
        for s in plan.STATUSES:
            plan.add_action(con, title=f"Action {s}", priority="Violence", status=s, due="2026-03")
    with store.reading() as con:
        t = plan.status_table(con)
    assert set(t["Status"]) == {s.capitalize() for s in plan.STATUSES}
    assert t.attrs["counts"] == dict.fromkeys(plan.STATUSES, 1)
    assert set(t["Due"]) == {"01 Mar 2026"}


def test_export_is_formula_safe_and_still_round_trips(store_path, tmp_path):
    with store.transaction() as con:
        plan.add_action(con, title='=HYPERLINK("http://x")', priority="+Violence", note="-1 @risk")
    with store.reading() as con:
        text = plan.export_csv(con)
    assert "'=HYPERLINK" in text and ",'+Violence," in text and ",'-1 @risk," in text
    f = tmp_path / "export.csv"
    f.write_text(text, encoding="utf-8")
    with store.transaction() as con:
        assert plan.import_csv(con, f) == {"rows": 1, "added": 0, "changed": 0, "unchanged": 1}
    with store.reading() as con:
        assert plan.list_actions(con).iloc[0]["title"] == '=HYPERLINK("http://x")'


def test_the_plan_survives_a_rebuild_of_the_reference_tables(store_path):
    from swp_data.sources.build import build

    with store.transaction() as con:
        plan.add_action(con, title="Kept across rebuilds", priority="Violence", status="at risk")
    build(target=store_path)
    with store.reading() as con:
        df = plan.list_actions(con)
    assert list(df["title"]) == ["Kept across rebuilds"] and df.iloc[0]["status"] == "at risk"
