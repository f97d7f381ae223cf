"""What `sanzhang tick` does for notices (called by cases' tick command)."""

from __future__ import annotations

from datetime import datetime


def tick(now: datetime | None = None) -> str:
    """Run this module's periodic work; return one summary line."""
    return ""
