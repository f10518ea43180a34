"""Meetings: agendas (items, order, views), decisions and actions, the record."""

from __future__ import annotations

import datetime as dt

import pytest
from docx import Document

from swp_data import access, store
from swp_data.access import roles
from swp_data.actions import plan
from swp_data.errors import InputError
from swp_data.meetings import agendas, notes, record
from swp_data.store import audit

VIEWER = access.Actor(who="pc.view@example.police.uk", role="viewer", via="oidc")
CLERK = access.Actor(who="clerk@example.gov.uk", role="viewer", via="oidc")


def _agenda(title="Delivery Group, March 2026") -> int:
    with store.transaction() as con:
        aid = agendas.create_agenda(con, title, "2026-03-12")
        agendas.add_item(con, aid, title="Burglary", view="http://localhost:8501/trends?area=city&cat=burglary")
        agendas.add_item(con, aid, title="Robbery hotspots", view="/crime_map?area=city&map=hotspots&embed=true")
        agendas.add_item(con, aid, title="Overview", view="/", talking_points="Where we stand")
    return aid


def test_parse_view_accepts_app_links_and_refuses_others():
    assert agendas.parse_view("https://swp.example.gov.uk/trends?area=ward%3AE05014843&cat=burglary") == (
        "trends",
        "area=ward%3AE05014843&cat=burglary",
    )
    assert agendas.parse_view("crime_map?area=city&embed=true") == ("crime_map", "area=city")
    assert agendas.parse_view("/swp/impact_areas/") == ("impact_areas", "")  # behind a proxy's base path
    assert agendas.parse_view("http://localhost:8501/") == ("", "")
    for bad, why in [
        ("javascript:alert(1)", "not views of the app"),
        ("/trends?x=1 and more", "no spaces"),
        ("/Tr<ends>", "not the name of a page"),
        ("", "empty"),
        ("/a?" + "x" * 3000, "at most 2,000"),
    ]:
        with pytest.raises(InputError, match=why):
            agendas.parse_view(bad)


def test_agenda_items_order_and_audit(store_path):
    aid = _agenda()
    with store.reading() as con:
        a = agendas.agenda(con, aid)
        listed = agendas.agendas(con)
    assert [i.title for i in a.items] == ["Burglary", "Robbery hotspots", "Overview"]
    assert [i.position for i in a.items] == [1, 2, 3]
    assert a.items[1].link == "/crime_map?area=city&map=hotspots"  # Streamlit's embed parameter dropped
    assert a.meeting_date == dt.date(2026, 3, 12)
    assert listed["items"].tolist() == [3]
    with store.transaction() as con:
        assert agendas.move_item(con, a.items[2].item_id, -1) == 2
        assert agendas.move_item(con, a.items[0].item_id, -5) == 1  # already first: stays
        agendas.update_item(con, a.items[0].item_id, view="/trends?area=city&cat=robbery", talking_points="Up?")
        agendas.remove_item(con, a.items[1].item_id)
    with store.reading() as con:
        b = agendas.agenda(con, aid)
        trail = audit.entries(con)
    assert [(i.position, i.title) for i in b.items] == [(1, "Burglary"), (2, "Overview")]
    assert b.items[0].query == "area=city&cat=robbery" and b.items[0].talking_points == "Up?"
    agenda_rows = trail[trail["action"] == "agenda"]
    assert len(agenda_rows) == 7  # create, 3 adds, 1 real move (the other stayed), update, remove
    assert "view /trends?area=city&cat=robbery" in " ".join(agenda_rows["detail"])


def test_only_analysts_change_agendas_and_a_failed_change_leaves_the_store(store_path):
    aid = _agenda()
    with (
        access.acting_as(VIEWER),
        pytest.raises(access.NotAuthorised, match="needs an analyst"),
        store.transaction() as con,
    ):
        agendas.add_item(con, aid, title="x", view="/")
    with pytest.raises(InputError, match="not views of the app"), store.transaction() as con:
        agendas.add_item(con, aid, title="first ok", view="/trends")
        agendas.add_item(con, aid, title="second bad", view="file:///etc/passwd")
    with store.reading() as con:
        assert len(agendas.agenda(con, aid).items) == 3  # the whole change rolled back


def test_pack_items_one_per_priority_then_wards_and_impact_areas(demo_store_path):
    from swp_data.report import priorities

    with store.reading() as con:
        prios = priorities.priorities(con)
        items = agendas.pack_items(con)
    assert len(prios) >= 3
    assert [i["title"] for i in items] == [p.label for p in prios] + ["Ward appendix", "Impact Areas"]
    assert items[0]["view"] == f"performance?area=city&chart={prios[0].key}"
    with store.transaction() as con:
        aid = agendas.from_pack(con, "Quarterly review")
    with store.reading() as con:
        a = agendas.agenda(con, aid)
    assert [i.priority for i in a.items][: len(prios)] == [p.key for p in prios]
    assert a.items[-1].page == "impact_areas"


def _roles_file(tmp_path, monkeypatch):
    f = tmp_path / "roles.toml"
    f.write_text(
        '[analyst]\nemails = ["a@example.gov.uk"]\n[viewer]\ndomains = ["example.gov.uk", "example.police.uk"]\n'
        '[note_taker]\nemails = ["clerk@example.gov.uk"]\n'
    )
    monkeypatch.setenv("SWP_ROLES", str(f))
    monkeypatch.setenv("SWP_MODE", "partnership")


def test_note_taker_section_grants_notes_only(store_path, tmp_path, monkeypatch):
    aid = _agenda()
    with store.reading() as con:
        item = agendas.agenda(con, aid).items[0]
    _roles_file(tmp_path, monkeypatch)
    table = roles.load()
    assert table.is_note_taker("Clerk@Example.gov.uk") and not table.is_note_taker("pc.view@example.police.uk")
    assert table.role_of("clerk@example.gov.uk") == "viewer"  # no role of its own
    with access.acting_as(CLERK):
        assert notes.may_take_notes()
        with store.transaction(who_may=notes.require_note_taker) as con:
            notes.add_note(con, item.item_id, kind="decision", text="Focus on Heath Town")
        with pytest.raises(access.NotAuthorised), store.transaction() as con:  # not an analyst: no other change
            agendas.add_item(con, aid, title="x", view="/")
    with access.acting_as(VIEWER):
        assert not notes.may_take_notes()
        with (
            pytest.raises(access.NotAuthorised, match="note-taker"),
            store.transaction(who_may=notes.require_note_taker) as con,
        ):
            notes.add_note(con, item.item_id, kind="decision", text="no")
    with store.reading() as con:
        ns = notes.notes(con, aid)
    assert ns["recorded_by"].tolist() == ["clerk@example.gov.uk"]


def test_notes_checked_timestamped_and_audited(store_path):
    aid = _agenda()
    with store.reading() as con:
        item = agendas.agenda(con, aid).items[1]
    with store.transaction(who_may=notes.require_note_taker) as con:
        notes.add_note(con, item.item_id, kind="action", text="Patrol plan", owner="Insp. Khan", due="2026-04-30")
    for kwargs, why in [
        ({"kind": "action", "text": "no owner"}, "owner is empty"),
        ({"kind": "decision", "text": "x", "owner": "y"}, "record it as an action"),
        ({"kind": "vote", "text": "x"}, "decision or an action"),
        ({"kind": "action", "text": "x", "owner": "y", "due": "30/04/2026"}, "not a date"),
    ]:
        with pytest.raises(InputError, match=why), store.transaction(who_may=notes.require_note_taker) as con:
            notes.add_note(con, item.item_id, **kwargs)
    with store.reading() as con:
        ns = notes.notes(con, aid)
        trail = audit.entries(con)
    assert len(ns) == 1
    row = ns.iloc[0]
    assert (row["kind"], row["owner"], row["position"]) == ("action", "Insp. Khan", 2)
    assert str(row["due"])[:10] == "2026-04-30" and row["recorded_at"] is not None
    assert trail.iloc[0]["action"] == "meeting_note" and "owner Insp. Khan, due 30 Apr 2026" in trail.iloc[0]["detail"]


def test_an_action_becomes_an_action_of_the_plan(store_path, monkeypatch, tmp_path):
    """An analyst's action becomes an action of the plan (swp_data.actions.plan);
    an error of the plan stops the note; a note-taker's action stays a note."""
    aid = _agenda()
    with store.reading() as con:
        item = agendas.agenda(con, aid).items[0]
    with store.transaction() as con:
        notes.add_note(con, item.item_id, kind="action", text="Target hardening", owner="Ana", due="2026-05-01")
        notes.add_note(con, item.item_id, kind="decision", text="Agreed")
    with store.reading() as con:
        acts = plan.list_actions(con)
        ns = notes.notes(con, aid)
    assert len(acts) == 1
    a = acts.iloc[0]
    assert (a["title"], a["priority"], a["lead_name"]) == ("Target hardening", "Burglary", "Ana")  # item's title
    assert str(a["due_date"])[:10] == "2026-05-01"
    assert a["note"] == "Agreed at Delivery Group, March 2026 (Burglary): Target hardening"
    assert ns["plan_action_id"].tolist()[0] == a["action_id"] and len(ns) == 2

    def refuse(con, **kw):
        raise InputError(None, "the plan refused it")

    with monkeypatch.context() as m:
        m.setattr(plan, "add_action", refuse)
        with pytest.raises(InputError, match="plan refused"), store.transaction() as con:
            notes.add_note(con, item.item_id, kind="action", text="boom", owner="Ana")
    with store.reading() as con:
        assert len(notes.notes(con, aid)) == 2 and len(plan.list_actions(con)) == 1  # nothing kept
    # a note-taker's action stays a note: the plan is changed by analysts only
    _roles_file(tmp_path, monkeypatch)
    with access.acting_as(CLERK), store.transaction(who_may=notes.require_note_taker) as con:
        notes.add_note(con, item.item_id, kind="action", text="Clerk's action", owner="Ana")
    with store.reading() as con:
        assert notes.notes(con, aid)["plan_action_id"].isna().tolist() == [False, True, True]
        assert len(plan.list_actions(con)) == 1


def test_record_escapes_and_exports_html_and_word(store_path, tmp_path):
    aid = _agenda('<script>alert("x")</script> Delivery')
    with store.reading() as con:
        item = agendas.agenda(con, aid).items[0]
    with store.transaction() as con:
        notes.add_note(con, item.item_id, kind="decision", text="<img src=x onerror=alert(1)> & more")
        notes.add_note(con, item.item_id, kind="action", text="Patrols", owner="<b>Sgt</b>", due="2026-04-01")
    with store.reading() as con:
        files = record.export(con, aid, tmp_path / "out", ["html", "docx"])
        with pytest.raises(InputError, match="unknown format 'pdf'"):
            record.export(con, aid, tmp_path / "out2", ["pdf"])
    assert [f.name for f in files] == [f"swp-meeting-{aid}-2026-03-12.html", f"swp-meeting-{aid}-2026-03-12.docx"]
    text = files[0].read_text()
    assert "<script>" not in text and "<img" not in text and "<b>Sgt" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in text and "01 Apr 2026" in text
    assert "Nothing recorded." in text  # the other items
    doc = Document(str(files[1]))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Decided: <img src=x onerror=alert(1)> & more" in body
    assert doc.tables[0].rows[1].cells[1].text == "<b>Sgt</b>"  # plain text in Word
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").iterdir())


def test_cli_meeting_record(store_path, tmp_path, capsys):
    import json

    from swp_data import cli

    aid = _agenda()
    assert cli.main(["meeting-record", str(aid), "--out", str(tmp_path), "--format", "html", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agenda_id"] == aid and out["files"][0].endswith(".html")
    assert cli.main(["meeting-record", "999", "--out", str(tmp_path)]) == 2
    assert "there is no agenda 999" in capsys.readouterr().err
