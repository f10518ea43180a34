"""AppTest: the Meetings page (agendas, presenting, decisions)."""

from __future__ import annotations

from swp_data import store
from swp_data.meetings import agendas, notes
from tests.app.conftest import no_errors, open_page

PAGE = "pages/agendas.py"


def _make(title="Delivery <b>Group</b> *March*", items=3) -> int:
    with store.transaction() as con:
        aid = agendas.create_agenda(con, title, "2026-03-12")
        views = ["/trends?area=city&cat=burglary", "/crime_map?area=city&map=hotspots", "/gone_page?x=1"]
        for k in range(items):
            agendas.add_item(
                con, aid, title=f"Item {k + 1} <i>x</i>", view=views[k % 3], talking_points=f"Point {k + 1} [link](x)"
            )
    return aid


def _buttons(at, label):
    return [b for b in at.button if b.label == label]


def test_no_agenda_then_create_from_pack(demo_store_path):
    at = open_page(PAGE)
    no_errors(at)
    assert any("There is no agenda yet" in m.value for m in at.markdown)
    at.text_input[0].input("Delivery Group, June")
    submit = [b for b in at.button if b.label == "Create the agenda"]
    submit[0].click().run()
    no_errors(at)
    with store.reading() as con:
        listed = agendas.agendas(con)
        a = agendas.agenda(con, int(listed.iloc[0]["agenda_id"]))
    assert listed["title"].tolist() == ["Delivery Group, June"]
    assert [i.title for i in a.items][-2:] == ["Ward appendix", "Impact Areas"]
    assert any("1 agenda kept" in m.value for m in at.markdown)


def test_items_escaped_reordered_and_presented(store_path):
    aid = _make()
    at = open_page(PAGE)
    no_errors(at)
    text = " ".join(m.value for m in at.markdown)
    assert "<b>" not in text and "\\*March\\*" in text  # the title is inert Markdown
    at.button(key=f"ag_down_{1}").click().run()
    with store.reading() as con:
        assert [i.position for i in agendas.agenda(con, aid).items if i.item_id == 1] == [2]
    at.button(key="ag_present").click().run()
    no_errors(at)
    assert at.session_state["meeting_presenting"]["agenda_id"] == aid
    assert any("1 of 3" in m.value for m in at.markdown)
    assert at.title[0].value == "Item 2 <i>x</i>"  # st.title shows text, not HTML
    assert at.button(key="meeting_prev").disabled
    at.button(key="meeting_next").click().run()
    assert any("2 of 3" in m.value for m in at.markdown)
    at.button(key="meeting_next").click().run()
    assert any("3 of 3" in m.value for m in at.markdown)
    assert at.button(key="meeting_next").disabled
    assert any("no longer exists" in w.value for w in at.warning)  # /gone_page
    # a decision recorded while presenting
    at.text_area[0].input("Keep the patrols <script>")
    [b for b in at.button if b.label == "Record"][0].click().run()
    no_errors(at)
    with store.reading() as con:
        ns = notes.notes(con, aid)
    assert ns["text"].tolist() == ["Keep the patrols <script>"] and ns["position"].tolist() == [3]
    at.button(key="meeting_stop").click().run()
    assert "meeting_presenting" not in at.session_state


def test_empty_agenda_cannot_be_presented(store_path):
    _make(items=0)
    at = open_page(PAGE)
    no_errors(at)
    assert at.button(key="ag_present").disabled
    assert any("cannot be presented" in c.value for c in at.caption)


def test_viewer_opens_but_does_not_edit(store_path, monkeypatch):
    from swp_data import access

    _make()
    viewer = access.Actor(who="v@example.gov.uk", role="viewer", via="oidc")
    monkeypatch.setattr(access, "current", lambda: viewer)
    at = open_page(PAGE)
    no_errors(at)
    assert not [b for b in at.button if b.label in ("Up", "Down", "Remove")]
    assert not [b for b in at.button if b.label == "Create the agenda"]
    assert any("note-takers named in the roles file" in c.value for c in at.caption)
