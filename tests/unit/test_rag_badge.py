"""RAG statuses carry a word and a shape as well as a colour (WCAG 1.4.1)."""

from swp_data.report import targets, wording
from swp_data.report.pack import common


def _row(rag: str):
    from types import SimpleNamespace

    return SimpleNamespace(rag=rag, rag_reason="", target=None)


def test_each_status_has_its_own_symbol_and_word():
    badges = {c: wording.rag_badge(c) for c in targets.RAG}
    assert badges == {
        "green": "✓ Green: met",
        "amber": "! Amber: near",
        "red": "✗ Red: missed",
        "grey": "– Grey: no target",
    }
    assert len({b.split()[0] for b in badges.values()}) == 4  # no two share a shape
    assert "✗ Red: missed" in common.status_text(_row("red"))  # the pack says it the same way
