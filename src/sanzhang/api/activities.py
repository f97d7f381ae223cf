"""活动与会议 over the API (same services and scope as the pages)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["activities"])
