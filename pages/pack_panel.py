"""The meeting pack's export buttons on the Performance page.

Placeholder: helper 'pack' writes the real panel; the lead keeps that version
at merge."""

from __future__ import annotations


def render(report, public: bool) -> None:
    pass
