"""Notices (上传下达): a notice written by the township or a village, sent to a subtree
(optionally only households with given tags), and relayed by the chiefs to every household.

A notice is a draft until `sent_at` is set; sending fans out one `NoticeRelay` row per
target household (services/send.py). Relay rate = relayed rows / rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhang.core.models import TimeStamped
from sanzhang.org.models import Scoped


class RelayMethod(models.TextChoices):
    VISIT = "visit", _("走访")
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    BROADCAST = "broadcast", _("广播")


def _ancestor(label: str) -> models.ForeignKey:
    """An ancestor column without an index of its own (the composites below lead with
    them) and without a database foreign-key constraint.

    The columns are copies of the household's own (checked there) taken by the same
    statement that writes the row, and units are never deleted (they are made
    inactive; PROTECT still guards the ORM). On PostgreSQL each constraint is one
    look-up and row lock per row at commit: the five cost ~0.2 s of a township's
    0.45 s send, 9 s of a county's (bench/notices/)."""
    return models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="+",
        verbose_name=label,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
    )


class Notice(Scoped, TimeStamped):
    """The ancestor columns are those of the target unit (`unit`), so "notices aimed
    inside my subtree" is one equality, like everywhere else."""

    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("发送范围")
    )
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("正文"), max_length=4000)
    tags = models.ManyToManyField(
        "org.Tag", blank=True, related_name="+", verbose_name=_("只发给有这些标签的户")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True, db_index=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发送人"),
    )
    # Target households at send time (the relay rows' count), kept for cheap lists.
    household_count = models.PositiveIntegerField(_("应传达户数"), default=0)
    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["township", "sent_at"], name="notice_twp_idx"),
            models.Index(fields=["village", "sent_at"], name="notice_village_idx"),
            models.Index(fields=["sent_by", "sent_at"], name="notice_sender_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.sent_at is None


class NoticeAttachment(models.Model):
    """A file sent with a notice; stored under a random name outside the static root
    (MEDIA_ROOT/notices/) and served only through a scoped view."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="attachments")
    file = models.CharField(max_length=120, unique=True)
    name = models.CharField(_("文件名"), max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class NoticeRelay(Scoped):
    """One target household of a sent notice; relayed when `relayed_at` is set."""

    township = _ancestor(_("乡镇"))
    village = _ancestor(_("村"))
    area = _ancestor(_("片"))
    villager_group = _ancestor(_("组"))
    neighborhood = _ancestor(_("邻"))
    # No database constraint on these two either (see _ancestor): the send writes
    # the rows from the household table and the notice it holds locked, sent notices
    # are never deleted and households never are (CASCADE/PROTECT stay in the ORM).
    # The two checks cost ~4.8 s of a county send on PostgreSQL (bench/notices/).
    notice = models.ForeignKey(
        Notice,
        models.CASCADE,
        related_name="relays",
        db_index=False,
        db_constraint=False,
    )
    household = models.ForeignKey(
        "org.Household",
        models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    relayed_at = models.DateTimeField(_("传达时间"), null=True, blank=True)
    method = models.CharField(
        _("传达方式"), max_length=16, choices=RelayMethod.choices, blank=True
    )
    relayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("传达到户")
        verbose_name_plural = _("传达到户")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "household"], name="notice_relay_uniq"
            ),
            models.CheckConstraint(
                condition=Q(relayed_at__isnull=True, method="")
                | Q(relayed_at__isnull=False) & ~Q(method=""),
                name="notice_relay_method_set",
            ),
        ]
        # Each leads with an ancestor column: a chief's pending list across notices, and
        # a notice's progress inside one unit (column = unit, notice = N), both indexed.
        indexes = [
            models.Index(fields=["village", "notice"], name="relay_village_idx"),
            models.Index(fields=["area", "notice"], name="relay_area_idx"),
            models.Index(fields=["villager_group", "notice"], name="relay_group_idx"),
            models.Index(fields=["neighborhood", "notice"], name="relay_nbhd_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.household_id}"


class NoticeReminder(models.Model):
    """Marker: chief `user` was reminded of `notice` on `sent_on` (at most once a day)."""

    notice = models.ForeignKey(Notice, models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "user", "sent_on"], name="notice_reminder_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice_id}/{self.user_id} {self.sent_on}"
