"""Visits (走访): a chief's call on a household, the township's care intervals and
settings, full-coverage campaigns, and the marker that keeps reminders from repeating.

`Visit` carries the household's ancestor columns (org.models.Scoped) as they were when
it was recorded, so "visits under unit U" is one indexed equality. Coverage is counted
from the household side (households now in the subtree with a visit), see selectors.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanzhang.core.models import TimeStamped
from sanzhang.org.models import Scoped

# Default visit interval for every household (DOMAIN §1.3: 全覆盖 once a month).
DEFAULT_HOUSEHOLD_INTERVAL_DAYS = 30
DEFAULT_QUIET_AFTER_DAYS = 30


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("串门")
    SERVICE = "service", _("上门服务")
    KNOCK = "knock", _("敲门")
    FOLLOWUP = "followup", _("回访")


def _ancestor(label: str) -> models.ForeignKey:
    """An ancestor column without a single-column index: the composite indexes below
    lead with each of these, so another index would only slow the bulk inserts."""
    return models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="+",
        verbose_name=label,
        null=True,
        blank=True,
        db_index=False,
    )


class VisitCampaign(Scoped, TimeStamped):
    """A full-coverage visit drive (全覆盖走访) over a subtree for a period."""

    township = _ancestor(_("乡镇"))
    village = _ancestor(_("村"))
    area = _ancestor(_("片"))
    villager_group = _ancestor(_("组"))
    neighborhood = _ancestor(_("邻"))
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("目标单元")
    )
    name = models.CharField(_("名称"), max_length=60)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("发起人"),
    )

    class Meta:
        verbose_name = _("走访活动")
        verbose_name_plural = _("走访活动")
        ordering = ["-starts_on", "-id"]
        indexes = [
            models.Index(fields=["township", "starts_on"], name="visit_camp_twp_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Visit(Scoped):
    """One visit by a chief (or cadre) to one household."""

    township = _ancestor(_("乡镇"))
    village = _ancestor(_("村"))
    area = _ancestor(_("片"))
    villager_group = _ancestor(_("组"))
    neighborhood = _ancestor(_("邻"))
    household = models.ForeignKey(
        "org.Household",
        models.PROTECT,
        related_name="visits",
        verbose_name=_("户"),
        db_index=False,  # (household, visited_on) below serves it
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("走访人"),
        db_index=False,  # (recorded_by, visited_on) below serves it
    )
    kind = models.CharField(
        _("方式"), max_length=16, choices=VisitKind.choices, default=VisitKind.ROUTINE
    )
    visited_on = models.DateField(_("走访日期"))
    people_served = models.PositiveIntegerField(_("服务人次"), default=1)
    notes = models.TextField(_("情况记录"), blank=True)
    needs = models.TextField(_("发现诉求"), blank=True)
    case = models.ForeignKey(
        "cases.Case",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("登记的事件"),
    )
    campaign = models.ForeignKey(
        VisitCampaign,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("走访活动"),
    )
    # Idempotency: the phone's UUID; a retried submission finds this row again.
    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    body_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_on", "-id"]
        indexes = [
            # Coverage and "last visit" per household: an index seek per household.
            models.Index(fields=["household", "visited_on"], name="visit_hh_idx"),
            # Ledgers and reports: "visits under unit U in period P".
            models.Index(fields=["township", "visited_on"], name="visit_twp_idx"),
            models.Index(fields=["village", "visited_on"], name="visit_village_idx"),
            models.Index(fields=["area", "visited_on"], name="visit_area_idx"),
            models.Index(
                fields=["villager_group", "visited_on"], name="visit_group_idx"
            ),
            models.Index(fields=["neighborhood", "visited_on"], name="visit_nbhd_idx"),
            # Quiet chiefs and per-person ledgers.
            models.Index(fields=["recorded_by", "visited_on"], name="visit_by_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on} {self.get_kind_display()}"


class CareInterval(TimeStamped):
    """How often households with a care tag must be visited in one township."""

    township = models.ForeignKey(
        "org.Unit", models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    tag = models.ForeignKey(
        "org.Tag", models.CASCADE, related_name="+", verbose_name=_("户标签")
    )
    days = models.PositiveSmallIntegerField(_("走访周期（天）"))

    class Meta:
        verbose_name = _("关爱走访周期")
        verbose_name_plural = _("关爱走访周期")
        ordering = ["days", "tag_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "tag"], name="visit_care_interval_uniq"
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=366),
                name="visit_care_interval_days",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag_id}: {self.days}"


class VisitSettings(TimeStamped):
    """A township's visit rules: the ordinary interval and when a chief is 'quiet'."""

    township = models.OneToOneField(
        "org.Unit", models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    household_interval_days = models.PositiveSmallIntegerField(
        _("普通户走访周期（天）"), default=DEFAULT_HOUSEHOLD_INTERVAL_DAYS
    )
    quiet_after_days = models.PositiveSmallIntegerField(
        _("多少天无记录视为未履职"), default=DEFAULT_QUIET_AFTER_DAYS
    )

    class Meta:
        verbose_name = _("走访设置")
        verbose_name_plural = _("走访设置")

    def __str__(self) -> str:
        return f"{self.township_id}"


class CareReminder(models.Model):
    """When the chief was last reminded about an overdue care household (tick)."""

    household = models.OneToOneField(
        "org.Household", models.CASCADE, related_name="+", verbose_name=_("户")
    )
    township = models.ForeignKey(
        "org.Unit", models.CASCADE, related_name="+", db_index=False
    )
    reminded_on = models.DateField(_("提醒日期"))

    class Meta:
        verbose_name = _("关爱户提醒")
        verbose_name_plural = _("关爱户提醒")

    def __str__(self) -> str:
        return f"{self.household_id}: {self.reminded_on}"
