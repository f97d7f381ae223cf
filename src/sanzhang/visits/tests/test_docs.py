"""docs/visits.md carries the permissions table exactly as VISIT_MATRIX says."""

from __future__ import annotations

from pathlib import Path

from sanzhang.visits.access import matrix_markdown

DOCS = Path(__file__).resolve().parents[4] / "docs"


def test_permissions_table_matches_the_matrix():
    assert matrix_markdown() in (DOCS / "visits.md").read_text()
