"""Where a case is in the loop, and which moves are allowed, as data.

Status and level are kept apart: `status` says where the case is in the loop; the
handling level (neighborhood > group > area > village > station) says who holds it.
Escalating (吹哨) moves the holder up the ladder and leaves the case pending there; a
station may send it back down with a reason. Every service checks its move here first,
so an illegal move is refused with a reason in Chinese before anything is written.

    pending  --accept-->    handling --resolve--> resolved --follow_up(满意)--> closed
       |   \\--escalate/return/refer (stays pending, at another level)
       \\--answer on the spot at intake ------------------------------------> closed
    resolved --follow_up(不满意)--> handling (at the level that resolved it)
    resolved --close_without_follow_up(reason)--> closed
    pending/handling --merge--> merged (gathered into another case)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanzhang.core.errors import DomainError


class CaseStatus(models.TextChoices):
    PENDING = "pending", _("待签收")  # at a level, nobody has taken it yet
    HANDLING = "handling", _("办理中")  # taken by the level that holds it
    RESOLVED = "resolved", _("已办结待回访")  # result recorded; the follow-up is due
    CLOSED = "closed", _("已结案")  # followed up (or why not recorded); the end
    MERGED = "merged", _("已并案")  # gathered into another case, answered with it


OPEN_STATUSES = (CaseStatus.PENDING, CaseStatus.HANDLING, CaseStatus.RESOLVED)
ACTIVE_STATUSES = (CaseStatus.PENDING, CaseStatus.HANDLING)


class HandlingLevel(models.TextChoices):
    NEIGHBORHOOD = "neighborhood", _("邻长")
    GROUP = "group", _("组长")
    AREA = "area", _("片长")
    VILLAGE = "village", _("村两委")
    STATION = "station", _("乡站所")


# The escalation ladder, bottom to top: 村巷吹哨、两委报到、乡站呼应.
LADDER: tuple[str, ...] = (
    HandlingLevel.NEIGHBORHOOD,
    HandlingLevel.GROUP,
    HandlingLevel.AREA,
    HandlingLevel.VILLAGE,
    HandlingLevel.STATION,
)
RANK: dict[str, int] = {level: i for i, level in enumerate(LADDER)}
# Levels inside the village (小事不出村) and inside the township (大事不出乡).
VILLAGE_LEVELS = frozenset(LADDER[:4])
TOWNSHIP_LEVELS = frozenset(LADDER)


def level_above(level: str) -> str | None:
    i = RANK[level]
    return LADDER[i + 1] if i + 1 < len(LADDER) else None


class Source(models.TextChoices):
    VISIT = "visit", _("走访")
    PHONE = "phone", _("电话")
    COUNCIL = "council", _("议事会")
    WALK_IN = "walk_in", _("上门反映")
    SELF_REPORTED = "self", _("居民自报")
    NIGHT_PATROL = "patrol", _("夜巡")
    ASSIGNED = "assigned", _("上级交办")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


SATISFIED_VALUES = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)


class DeadlineFlag(models.TextChoices):
    NONE = "", _("正常")
    YELLOW = "yellow", _("临期")
    RED = "red", _("超期")


class Move(str, Enum):
    """A transition: the services are named after these (case_accept, case_escalate ...)."""

    ACCEPT = "accept"
    ESCALATE = "escalate"
    RETURN = "return"
    REFER = "refer"
    RESOLVE = "resolve"
    FOLLOW_UP = "follow_up"
    CLOSE_WITHOUT_FOLLOW_UP = "close_without_follow_up"
    MERGE = "merge"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    # None: the status does not change (the level does, e.g. escalate).
    target: str | None
    label: str


S = CaseStatus
TRANSITIONS: dict[Move, Transition] = {
    Move.ACCEPT: Transition(frozenset({S.PENDING}), S.HANDLING, _("签收")),
    Move.ESCALATE: Transition(
        frozenset({S.PENDING, S.HANDLING}), S.PENDING, _("上报（吹哨）")
    ),
    Move.RETURN: Transition(frozenset({S.PENDING, S.HANDLING}), S.PENDING, _("退回")),
    Move.REFER: Transition(
        frozenset({S.PENDING, S.HANDLING}), S.PENDING, _("转交乡站所")
    ),
    Move.RESOLVE: Transition(frozenset({S.HANDLING}), S.RESOLVED, _("办结")),
    # The target depends on the rating: closed, or handling again (不满意).
    Move.FOLLOW_UP: Transition(frozenset({S.RESOLVED}), None, _("回访")),
    Move.CLOSE_WITHOUT_FOLLOW_UP: Transition(
        frozenset({S.RESOLVED}), S.CLOSED, _("无法回访结案")
    ),
    Move.MERGE: Transition(frozenset({S.PENDING, S.HANDLING}), S.MERGED, _("并案")),
}

# A follow-up closes the case, or (不满意) sends it back to handling.
FOLLOW_UP_TARGETS = frozenset({S.CLOSED, S.HANDLING})

# Status -> the statuses it may go to, derived from the table (for docs and tests).
NEXT_STATUSES: dict[str, frozenset[str]] = {
    status: frozenset(
        t.target or "" for t in TRANSITIONS.values() if status in t.sources and t.target
    )
    | (FOLLOW_UP_TARGETS if status in TRANSITIONS[Move.FOLLOW_UP].sources else set())
    for status in CaseStatus
}


class InvalidTransition(DomainError):
    """The move is not allowed from the case's status; nothing was changed."""

    status_code = 409


def moves_from(status: str) -> list[Move]:
    return [m for m, t in TRANSITIONS.items() if status in t.sources]


def check_move(move: Move, status: str) -> Transition:
    """The transition for `move`, or InvalidTransition naming what is allowed instead."""
    transition = TRANSITIONS[move]
    if status in transition.sources:
        return transition
    allowed = "、".join(str(TRANSITIONS[m].label) for m in moves_from(status))
    raise InvalidTransition(
        gettext("事件当前为「%(status)s」，不能%(move)s。可以：%(allowed)s")
        % {
            "status": CaseStatus(status).label,
            "move": transition.label,
            "allowed": allowed or gettext("无（已结束）"),
        }
    )
