"""Who may do what, as data: role -> actions. Where is decided by org/access.py.

Each action a role holds applies inside the subtree of the unit of the post that
grants it (a village cadre: their village; a neighborhood chief: their neighborhood).
A resident holds actions on their own household only. docs/permissions.md is built
from this table, and org/tests/test_access_matrix.py walks every cell of it.
"""

from __future__ import annotations

from enum import Enum

from django.utils.translation import gettext_lazy as _

from .models import Role


class Action(str, Enum):
    VIEW_TREE = "view_tree"
    VIEW_HOUSEHOLDS = "view_households"
    VIEW_SENSITIVE_TAGS = "view_sensitive_tags"
    VIEW_STATION_TAGS = "view_station_tags"
    REVEAL_PHONE = "reveal_phone"
    REVEAL_ID_NUMBER = "reveal_id_number"
    EDIT_HOUSEHOLDS = "edit_households"
    IMPORT_ROSTER = "import_roster"
    EXPORT_ROSTER = "export_roster"
    MANAGE_POSTS = "manage_posts"
    VIEW_INTEGRITY = "view_integrity"
    VIEW_AUDIT = "view_audit"
    PLAN_NEIGHBORHOODS = "plan_neighborhoods"


ACTION_LABELS = {
    Action.VIEW_TREE: _("查看组织架构"),
    Action.VIEW_HOUSEHOLDS: _("查看户和居民"),
    Action.VIEW_SENSITIVE_TAGS: _("查看敏感标签"),
    Action.VIEW_STATION_TAGS: _("查看本站所负责的敏感标签"),
    Action.REVEAL_PHONE: _("查看完整电话"),
    Action.REVEAL_ID_NUMBER: _("查看完整身份证号"),
    Action.EDIT_HOUSEHOLDS: _("编辑户和居民"),
    Action.IMPORT_ROSTER: _("导入花名册"),
    Action.EXPORT_ROSTER: _("导出花名册"),
    Action.MANAGE_POSTS: _("任免三长"),
    Action.VIEW_INTEGRITY: _("查看户户有人联检查"),
    Action.VIEW_AUDIT: _("查看审计日志"),
    Action.PLAN_NEIGHBORHOODS: _("科学划邻（规划并应用）"),
}

A = Action
_CHIEF_COMMON = {A.VIEW_TREE, A.VIEW_HOUSEHOLDS, A.REVEAL_PHONE}

MATRIX: dict[str, frozenset[Action]] = {
    Role.TOWNSHIP_ADMIN: frozenset(Action),
    Role.STATION_STAFF: frozenset(
        {A.VIEW_TREE, A.VIEW_HOUSEHOLDS, A.VIEW_STATION_TAGS, A.REVEAL_PHONE}
    ),
    Role.VILLAGE_CADRE: frozenset(set(Action) - {A.VIEW_AUDIT, A.VIEW_STATION_TAGS}),
    Role.AREA_CHIEF: frozenset(
        _CHIEF_COMMON | {A.VIEW_SENSITIVE_TAGS, A.VIEW_INTEGRITY}
    ),
    Role.GROUP_CHIEF: frozenset(_CHIEF_COMMON | {A.VIEW_INTEGRITY}),
    Role.NEIGHBORHOOD_CHIEF: frozenset(_CHIEF_COMMON),
    # A resident sees their own household and may reveal their own identifiers.
    Role.RESIDENT: frozenset({A.VIEW_HOUSEHOLDS, A.REVEAL_PHONE, A.REVEAL_ID_NUMBER}),
}


def role_may(role: str, action: Action) -> bool:
    return action in MATRIX.get(role, frozenset())


def matrix_markdown() -> str:
    """The matrix as the Markdown table in docs/permissions.md (a test keeps them equal)."""
    roles = list(MATRIX)
    head = "| 动作 action | " + " | ".join(str(Role(r).label) for r in roles) + " |"
    rule = "|---|" + "---|" * len(roles)
    rows = [
        f"| {ACTION_LABELS[a]} `{a.value}` | "
        + " | ".join("✓" if a in MATRIX[r] else "—" for r in roles)
        + " |"
        for a in Action
    ]
    return "\n".join([head, rule, *rows])
