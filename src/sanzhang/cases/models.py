"""The case loop's tables: categories, cases, their events, photos, follow-ups,
disputes (parties, mediation), affected households, holidays and notifications.

Every table that grows carries the township and the other ancestor columns
(org.models.Scoped), so "cases under unit U" is one indexed equality.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhang.core.models import TimeStamped
from sanzhang.org.models import Scoped

from .states import (
    CaseStatus,
    DeadlineFlag,
    HandlingLevel,
    Satisfaction,
    Source,
)


class Category(TimeStamped):
    """A node of a township's case taxonomy (two levels: 矛盾纠纷 > 邻里纠纷)."""

    township = models.ForeignKey(
        "org.Unit",
        models.CASCADE,
        related_name="case_categories",
        verbose_name=_("乡镇"),
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    code = models.CharField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=40)
    default_level = models.CharField(
        _("默认首办层级"),
        max_length=16,
        choices=HandlingLevel.choices,
        default=HandlingLevel.NEIGHBORHOOD,
    )
    default_station_code = models.CharField(
        _("默认乡站所代码"), max_length=32, blank=True
    )
    # Working days allowed at each level, e.g. {"neighborhood": 1, "village": 3};
    # a level not listed gets `limit_days`.
    level_limits = models.JSONField(_("各层级时限（工作日）"), default=dict, blank=True)
    limit_days = models.PositiveSmallIntegerField(_("默认时限（工作日）"), default=5)
    is_dispute = models.BooleanField(_("矛盾纠纷"), default=False)
    is_emergency = models.BooleanField(_("紧急"), default=False)
    # An urgent case's limit at every level, in clock hours: emergencies (a levee
    # seeping, a child missing) do not wait for the next working day.
    urgent_hours = models.PositiveSmallIntegerField(_("紧急时限（小时）"), default=2)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("事件分类")
        verbose_name_plural = _("事件分类")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "code"], name="case_category_code_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def limit_for(self, level: str) -> int:
        value = (self.level_limits or {}).get(level)
        return int(value) if value is not None else self.limit_days


class Case(Scoped, TimeStamped):
    """A matter a resident raised, from intake to its follow-up."""

    # Idempotency: the client's UUID; a retried submission finds this row again.
    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    body_hash = models.CharField(max_length=64, editable=False)
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="cases", verbose_name=_("分类")
    )
    text = models.TextField(_("情况"))
    source = models.CharField(
        _("来源"), max_length=16, choices=Source.choices, default=Source.VISIT
    )
    household = models.ForeignKey(
        "org.Household",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("户"),
    )
    resident = models.ForeignKey(
        "org.Resident",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("反映人"),
    )
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    is_dispute = models.BooleanField(_("矛盾纠纷"), default=False)
    # Urgent: the category is an emergency one, or the reporter said so (a hazard found
    # on patrol). Its limits run in hours (Category.urgent_hours), not working days.
    is_urgent = models.BooleanField(_("紧急"), default=False, db_index=True)

    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, db_index=True
    )
    handling_level = models.CharField(
        _("办理层级"), max_length=16, choices=HandlingLevel.choices
    )
    handling_unit = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="+",
        verbose_name=_("办理单元"),
    )
    station = models.ForeignKey(
        "org.Station",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("乡站所"),
    )
    arrived_at = models.DateTimeField(_("到达本层级时间"))
    warn_at = models.DateTimeField(_("预警时间"))
    due_at = models.DateTimeField(_("办理时限"), db_index=True)
    deadline_flag = models.CharField(
        _("时限状态"),
        max_length=8,
        choices=DeadlineFlag.choices,
        default=DeadlineFlag.NONE,
        blank=True,
    )

    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("登记人"),
    )
    answered_on_spot = models.BooleanField(_("现场答复"), default=False)
    resolution = models.TextField(_("办理结果"), blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_level = models.CharField(
        _("办结层级"), max_length=16, choices=HandlingLevel.choices, blank=True
    )
    resolved_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_station = models.ForeignKey(
        "org.Station", models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    close_reason = models.CharField(_("未回访原因"), max_length=200, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    overdue_count = models.PositiveSmallIntegerField(_("超期次数"), default=0)
    needs_village_follow_up = models.BooleanField(_("由村回访"), default=False)

    is_tracked = models.BooleanField(_("重难点督办"), default=False, db_index=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("督办领导"),
    )
    supervisor_name = models.CharField(_("督办领导"), max_length=50, blank=True)
    tracked_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_cases",
        verbose_name=_("并入"),
    )
    mediation_outcome = models.CharField(
        _("调解结果"),
        max_length=16,
        blank=True,
        choices=[
            ("", _("未调解")),
            ("succeeded", _("调解成功")),
            ("failed", _("调解失败")),
        ],
    )

    # Normalised (NFKC, case-folded) text for search; see selectors.case_search.
    search_text = models.TextField(blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["township", "status"], name="case_twp_status_idx"),
            models.Index(fields=["village", "status"], name="case_village_idx"),
            models.Index(fields=["area", "status"], name="case_area_idx"),
            models.Index(fields=["villager_group", "status"], name="case_group_idx"),
            models.Index(fields=["neighborhood", "status"], name="case_nbhd_idx"),
            models.Index(fields=["handling_unit", "status"], name="case_handler_idx"),
            models.Index(fields=["station", "status"], name="case_station_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.category}"

    @property
    def title(self) -> str:
        text = " ".join(self.text.split())
        return text[:30] + ("…" if len(text) > 30 else "")

    @property
    def is_open(self) -> bool:
        return self.status in (
            CaseStatus.PENDING,
            CaseStatus.HANDLING,
            CaseStatus.RESOLVED,
        )

    @property
    def handler_label(self) -> str:
        if self.handling_level == HandlingLevel.STATION and self.station_id:
            return self.station.name
        return (
            f"{self.handling_unit.name}（{HandlingLevel(self.handling_level).label}）"
        )


class CaseEvent(Scoped):
    """One step in a case's life. Written only by the services, never changed."""

    class Kind(models.TextChoices):
        REPORTED = "reported", _("登记")
        ANSWERED_ON_SPOT = "answered", _("现场答复")
        ACCEPTED = "accepted", _("签收")
        ESCALATED = "escalated", _("上报")
        RETURNED = "returned", _("退回")
        REFERRED = "referred", _("转交乡站所")
        RESOLVED = "resolved", _("办结")
        FOLLOWED_UP = "followed_up", _("回访")
        REOPENED = "reopened", _("重办")
        CLOSED = "closed", _("结案")
        MERGED = "merged", _("并案")
        GATHERED = "gathered", _("并入同类事件")
        LINKED = "linked", _("关联户")
        TRACKED = "tracked", _("列为重难点督办")
        NOTE = "note", _("进展")
        REMINDED = "reminded", _("提醒")
        FLAGGED = "flagged", _("时限预警")
        MEDIATION = "mediation", _("调解")
        PHOTO = "photo", _("照片")

    case = models.ForeignKey(Case, models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    by_name = models.CharField(_("操作人"), max_length=150, blank=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    from_level = models.CharField(max_length=16, blank=True)
    to_level = models.CharField(max_length=16, blank=True)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    station = models.ForeignKey(
        "org.Station", models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"


class CaseHousehold(Scoped):
    """A household the case concerns (the reporter's, and others linked or gathered)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="affected")
    household = models.ForeignKey("org.Household", models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "household"], name="case_household_uniq"
            )
        ]


class CasePhoto(Scoped):
    case = models.ForeignKey(Case, models.PROTECT, related_name="photos")
    # Server-made random name under MEDIA_ROOT/cases/; the upload's own name is not kept.
    file = models.CharField(max_length=120, unique=True)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class FollowUp(Scoped):
    """回访: the resident's satisfaction, asked by their own neighbourhood chief."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="follow_ups")
    round = models.PositiveSmallIntegerField(_("第几次回访"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    satisfaction = models.CharField(
        _("满意度"), max_length=16, choices=Satisfaction.choices
    )
    note = models.TextField(_("回访情况"), blank=True)
    resolved_level = models.CharField(max_length=16, blank=True)
    resolved_unit = models.ForeignKey(
        "org.Unit", models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_station = models.ForeignKey(
        "org.Station", models.PROTECT, null=True, blank=True, related_name="+"
    )
    is_village_round = models.BooleanField(_("村级回访"), default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["case", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "round"], name="follow_up_round_uniq"
            )
        ]


class CaseParty(models.Model):
    """A party to a dispute (当事人)."""

    class Side(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")
        OTHER = "other", _("其他当事人")

    case = models.ForeignKey(Case, models.CASCADE, related_name="parties")
    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    side = models.CharField(_("身份"), max_length=16, choices=Side.choices)
    name = models.CharField(_("姓名"), max_length=50)
    household = models.ForeignKey(
        "org.Household", models.PROTECT, null=True, blank=True, related_name="+"
    )
    resident = models.ForeignKey(
        "org.Resident", models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.name)


class Mediation(models.Model):
    """The mediation record of a dispute (人民调解法 Art. 27-29), one per case."""

    case = models.OneToOneField(Case, models.CASCADE, related_name="mediation")
    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    mediator_name = models.CharField(_("调解员"), max_length=50)
    agreement_no = models.CharField(_("协议编号"), max_length=40, blank=True)
    agreement_terms = models.TextField(_("协议内容"), blank=True)
    performance = models.CharField(
        _("履行方式、地点、期限"), max_length=200, blank=True
    )
    is_oral = models.BooleanField(_("口头协议"), default=False)
    signatures_noted = models.BooleanField(_("当事人已签字"), default=False)
    agreed_on = models.DateField(_("协议日期"), null=True, blank=True)
    failure_reason = models.CharField(_("调解不成原因"), max_length=200, blank=True)
    # When the mediation ended, in success or failure: the period a dispute counts in.
    ended_at = models.DateTimeField(_("调解结束时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.mediator_name)


class MediationSession(models.Model):
    mediation = models.ForeignKey(Mediation, models.CASCADE, related_name="sessions")
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=80, blank=True)
    attendees = models.CharField(_("参加人"), max_length=200, blank=True)
    notes = models.TextField(_("调解记录"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return str(self.place)


class Holiday(models.Model):
    """A day off on a weekday (法定节假日) or a working weekend day (调休上班)."""

    township = models.ForeignKey(
        "org.Unit",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("为空表示全系统"),
    )
    on = models.DateField(_("日期"))
    name = models.CharField(_("名称"), max_length=40, blank=True)
    is_workday = models.BooleanField(_("调休上班"), default=False)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        constraints = [
            models.UniqueConstraint(fields=["township", "on"], name="holiday_day_uniq"),
            models.UniqueConstraint(
                fields=["on"], condition=Q(township=None), name="holiday_global_uniq"
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class Notification(models.Model):
    """The in-app inbox: always written, whatever channels a township has."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications"
    )
    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notif_user_idx")]

    def __str__(self) -> str:
        return str(self.text)


class NotifyChannel(TimeStamped):
    """A township's outside channel: a generic webhook or a WeCom group robot."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", _("通用 Webhook")
        WECOM = "wecom", _("企业微信群机器人")

    township = models.ForeignKey("org.Unit", models.CASCADE, related_name="+")
    # The chat this robot posts into, as the three levels of WeChat groups work (a 片,
    # 组 or 邻 group). Empty: the township's own channel, which gets case reminders
    # and one line per notice; a chat's robot gets only the notices for its chat.
    unit = models.ForeignKey(
        "org.Unit",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所在群（片/组/邻）"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=60)
    url = models.URLField(_("地址"), max_length=500)
    is_active = models.BooleanField(_("启用"), default=True)


class OutboxMessage(models.Model):
    """A message waiting to leave through a channel; retried with growing pauses."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    channel = models.ForeignKey(NotifyChannel, models.CASCADE, related_name="outbox")
    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    case = models.ForeignKey(
        Case, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")
        ]

    def __str__(self) -> str:
        return str(self.text)
