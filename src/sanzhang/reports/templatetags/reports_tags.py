"""Small template filters for the report pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def pct(value: Any) -> str:
    """0.8333 -> "83.3%"; None -> "—"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f}%"
