"""The workflow document names every status and every move of the loop."""

from __future__ import annotations

from pathlib import Path

from sanzhang.cases.states import CaseStatus, Move

DOCS = Path(__file__).resolve().parents[4] / "docs"


def test_workflow_names_every_status_and_move():
    text = (DOCS / "workflow.md").read_text()
    missing = [s.value for s in CaseStatus if f"`{s.value}`" not in text]
    missing += [m.value for m in Move if m.value not in text]
    assert missing == []
