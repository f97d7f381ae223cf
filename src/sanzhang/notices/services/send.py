"""Sending a notice: one relay row per target household, the chiefs' inbox, and one
message for each area, group and neighbourhood chat of the target that has its own
robot (plus one line on the township's own channels).

The fan-out is one INSERT ... SELECT built from the household queryset: the rows never
travel to Python, so a county (~200k households) costs one statement on SQLite and
PostgreSQL alike (see bench/notices/). Everything runs in one transaction: a failure
leaves the notice a draft with no relay rows and no messages.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhang.cases.models import Notification, NotifyChannel, OutboxMessage
from sanzhang.core.db import insert_rows
from sanzhang.core.errors import DomainError, NotFound
from sanzhang.org.levels import DEPTH, SCOPE_FIELD, Level
from sanzhang.org.models import CHIEF_OF_LEVEL, Household, Post, Unit, User
from sanzhang.org.selectors import active_posts

from ..access import may_manage, may_send
from ..models import Notice, NoticeRelay

_RELAY_COLUMNS = (
    "notice_id",
    "household_id",
    "township_id",
    "village_id",
    "area_id",
    "villager_group_id",
    "neighborhood_id",
    "method",
)
# The chat levels: one group chat per area, per group and per neighbourhood.
CHAT_LEVELS = (Level.AREA, Level.GROUP, Level.NEIGHBORHOOD)


def target_households(notice: Notice) -> models.QuerySet[Household]:
    """Active households in the target subtree having any of the notice's tags."""
    qs = Household.objects.filter(
        **{SCOPE_FIELD[notice.unit.level]: notice.unit_id}, is_active=True
    )
    tag_ids = list(notice.tags.values_list("pk", flat=True))
    if tag_ids:
        through = Household.tags.through
        qs = qs.filter(
            pk__in=through.objects.filter(tag_id__in=tag_ids).values("household_id")
        )
    return qs


def _insert_select(
    model: type[models.Model], columns: tuple[str, ...], select: models.QuerySet
) -> int:
    """INSERT INTO <model> (<columns>) <select>: the rows never travel to Python.
    `select` is a values_list of annotations in the columns' order (Django puts plain
    fields before annotations in the SQL whatever values_list's order; annotations
    keep theirs)."""
    sql, params = select.query.sql_with_params()
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        # Only model metadata is interpolated; values stay parameters.
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) {sql}",  # noqa: S608
            params,
        )
        return cursor.rowcount


def _fan_out(notice: Notice) -> int:
    """INSERT INTO relay (...) SELECT <notice>, id, <ancestors>, '' FROM households."""
    exprs = {
        "_notice": Value(notice.pk, output_field=models.BigIntegerField()),
        "_household": F("pk"),
        "_township": F("township_id"),
        "_village": F("village_id"),
        "_area": F("area_id"),
        "_group": F("villager_group_id"),
        "_nbhd": F("neighborhood_id"),
        "_method": Value("", output_field=models.CharField()),
    }
    select = target_households(notice).order_by().annotate(**exprs).values_list(*exprs)
    return _insert_select(NoticeRelay, _RELAY_COLUMNS, select)


def chat_unit_ids(notice: Notice) -> dict[str, list[int]]:
    """The area, group and neighbourhood chats that have target households, each at or
    below the target unit's level (a notice to one group is not posted in its area's
    chat). One pass over the notice's rows for the three columns."""
    depth = DEPTH[notice.unit.level]
    levels = [level for level in CHAT_LEVELS if DEPTH[level] >= depth]
    columns = [SCOPE_FIELD[level] for level in levels]
    found: dict[str, set[int]] = {level: set() for level in levels}
    triples = (
        NoticeRelay.objects.filter(notice=notice)
        .order_by()
        .values_list(*columns)
        .distinct()
    )
    for row in triples:
        for level, unit_id in zip(levels, row, strict=True):
            if unit_id is not None:
                found[level].add(unit_id)
    return {level: sorted(ids) for level, ids in found.items()}


def _chat_labels(ids: list[int]) -> dict[int, str]:
    """ "村1 片2 组1 3邻": the chat's place, names only (no personal data)."""
    rows = list(
        Unit.objects.filter(pk__in=ids).values_list(
            "pk", "name", "village_id", "area_id", "villager_group_id"
        )
    )
    names = {pk: name for pk, name, *_rest in rows}
    parent_ids = {pid for *_x, v, a, g in rows for pid in (v, a, g) if pid} - set(names)
    names.update(dict(Unit.objects.filter(pk__in=parent_ids).values_list("pk", "name")))
    return {
        pk: " ".join(
            [*(names.get(pid, "") for pid in (v, a, g) if pid and pid != pk), name]
        )
        for pk, name, v, a, g in rows
    }


def channel_text(notice: Notice, label: str, template: str | None = None) -> str:
    template = template or _(
        "【%(chat)s群】新通知：%(title)s。请各位三长及时传达到户。"
    )
    return template % {"chat": label, "title": notice.title}


_OUTBOX_FIELDS = (
    "channel",
    "township",
    "case",
    "text",
    "status",
    "attempts",
    "next_attempt_at",
    "last_error",
    "created_at",
)


def queue_channel_messages(
    notice: Notice, now: datetime, chats: dict[str, list[int]] | None = None
) -> int:
    """Each chat's robot (a channel bound to an area, group or neighbourhood) gets the
    notice once when its chat is among the notice's chats; each township-wide channel
    gets one line for the notice as a whole. Title only: no personal data leaves."""
    channels = list(
        NotifyChannel.objects.filter(
            township_id=notice.township_id, is_active=True
        ).values_list("pk", "unit_id")
    )
    if not channels:
        return 0
    bound: list[tuple[int, int]] = []
    if any(unit_id for _ch, unit_id in channels):  # chats are read only if bound to
        chats = chat_unit_ids(notice) if chats is None else chats
        chat_ids = {i for level in CHAT_LEVELS for i in chats.get(level, [])}
        bound = [(ch, unit_id) for ch, unit_id in channels if unit_id in chat_ids]
    labels = _chat_labels([unit_id for _ch, unit_id in bound] + [notice.unit_id])
    template = _("【%(chat)s群】新通知：%(title)s。请各位三长及时传达到户。")
    targets = [(ch, labels.get(unit_id, "")) for ch, unit_id in bound] + [
        (ch, labels.get(notice.unit_id, "")) for ch, unit_id in channels if not unit_id
    ]
    messages = [
        SimpleNamespace(
            channel_id=ch,
            township_id=notice.township_id,
            case_id=None,
            text=channel_text(notice, label, template),
            status=OutboxMessage.Status.PENDING.value,
            attempts=0,
            next_attempt_at=now,
            last_error="",
            created_at=now,
        )
        for ch, label in targets
    ]
    return insert_rows(OutboxMessage, _OUTBOX_FIELDS, messages)


def chief_posts(notice: Notice) -> models.QuerySet[Post]:
    """The active posts of the area, group and neighbourhood chiefs over target
    households, and of the chiefs above a target below their level (an area chief for
    a notice to one of its groups relays for it too)."""
    relays = NoticeRelay.objects.filter(notice_id=notice.pk)
    in_target = {f"unit__{SCOPE_FIELD[notice.unit.level]}": notice.unit_id}
    q = Q()
    for level in CHAT_LEVELS:
        column = SCOPE_FIELD[level]
        role = CHIEF_OF_LEVEL[level]
        if DEPTH[level] >= DEPTH[notice.unit.level]:
            # One probe of the (<level>, notice) relay index per chief of the target:
            # about a thousand for a township, instead of reading its relay rows.
            has_rows = Exists(relays.filter(**{column: OuterRef("unit_id")}))
            q |= Q(has_rows, role=role, **in_target)
        elif getattr(notice.unit, column):
            q |= Q(role=role, unit_id=getattr(notice.unit, column))
    return active_posts().filter(q)


def chief_user_ids(notice: Notice) -> set[int]:
    """Accounts holding those posts: the post's own account, and the active account
    of its resident (as cases.access.post_user_ids reads them), in one query."""
    account = Subquery(
        User.objects.filter(resident_id=OuterRef("resident_id"), is_active=True).values(
            "pk"
        )[:1]
    )
    pairs = (
        chief_posts(notice).annotate(account=account).values_list("user_id", "account")
    )
    return {uid for pair in pairs for uid in pair if uid}


_NOTIFICATION_FIELDS = ("user", "township", "case", "text", "created_at")


def notify_chiefs(notice: Notice, now: datetime) -> int:
    """One inbox line per chief account (about a thousand for a township), written
    as plain rows (COPY on PostgreSQL): building them as model instances for
    bulk_create was a fifth of a township's send."""
    text = _("新通知《%(title)s》，请传达到您负责的每一户") % {"title": notice.title}
    rows = [
        SimpleNamespace(
            user_id=uid,
            township_id=notice.township_id,
            case_id=None,
            text=text[:300],
            created_at=now,
        )
        for uid in sorted(chief_user_ids(notice))
    ]
    return insert_rows(Notification, _NOTIFICATION_FIELDS, rows)


def notice_send(notice: Notice, *, by: Any, now: datetime | None = None) -> int:
    """Send a draft: fan out relay rows, tell the chiefs, queue the chat messages.
    Returns the number of target households. Sending twice is refused."""
    now = now or timezone.now()
    if not may_manage(by, notice) or not may_send(by, notice.unit):
        raise NotFound(_("找不到该通知"))
    with transaction.atomic():
        # The lock makes a double click wait, then see the notice already sent.
        locked = (
            Notice.objects.select_for_update().select_related("unit").get(pk=notice.pk)
        )
        if locked.sent_at is not None:
            raise DomainError(_("该通知已发送，不能重复发送"))
        if not locked.unit.is_active:
            raise DomainError(_("发送范围已撤销，请重新选择"))
        count = _fan_out(locked)
        if count == 0:
            raise DomainError(_("发送范围内没有符合条件的户，未发送"))
        Notice.objects.filter(pk=locked.pk).update(
            sent_at=now, sent_by=by, household_count=count, updated_at=now
        )
        locked.sent_at, locked.sent_by, locked.household_count = now, by, count
        notify_chiefs(locked, now)
        queue_channel_messages(locked, now)
    notice.sent_at, notice.sent_by, notice.household_count = now, by, count
    return count
