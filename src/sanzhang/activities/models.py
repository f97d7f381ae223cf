"""Activities (活动), volunteer days, customs reform (移风易俗), meetings (议事会/民情分析会/
三长会议) and patrols (夜巡, 巡堤查险).

Every table that grows carries the ancestor columns (org.models.Scoped) of the unit it
belongs to, so "records under unit U" is one indexed equality, as for cases.
`Activity.person_times` is kept by the services equal to attendance rows + unlisted_count.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhang.core.models import TimeStamped
from sanzhang.org.models import Scoped


class ActivityKind(models.TextChoices):
    MICRO_LECTURE = "micro_lecture", _("微宣讲")
    EVENING_TALK = "evening_talk", _("屋场夜谈")
    NIGHT_PATROL = "night_patrol", _("夜巡")
    NIGHT_VISIT = "night_visit", _("夜访")
    NIGHT_CHAT = "night_chat", _("夜话")
    VOLUNTEER_DAY = "volunteer_day", _("周五志愿日")
    CLEANUP = "cleanup", _("人居环境整治")
    CUSTOMS_REFORM = "customs_reform", _("移风易俗")
    ASSETS_CLEANUP = "assets_cleanup", _("三资清理")
    LAND_PATCH = "land_patch", _("图斑整改")
    OTHER = "other", _("其他")


class AttendanceMethod(models.TextChoices):
    LIST = "list", _("名单勾选")
    CODE = "code", _("签到码")


class CustomsEvent(models.TextChoices):
    WEDDING = "wedding", _("婚事")
    FUNERAL = "funeral", _("丧事")
    OTHER = "other", _("其他")


class CustomsOutcome(models.TextChoices):
    SCALED_DOWN = "scaled_down", _("简办")
    CANCELLED = "cancelled", _("不办")
    NOT_PERSUADED = "not_persuaded", _("未劝成")


class MeetingKind(models.TextChoices):
    COUNCIL = "council", _("村民议事会")
    CONCERNS = "concerns", _("民情分析会")
    CHIEFS = "chiefs", _("三长会议")


class PatrolKind(models.TextChoices):
    LEVEE = "levee", _("巡堤查险")
    NIGHT = "night", _("夜巡")


def _scoped_indexes(prefix: str, date_field: str) -> list[models.Index]:
    """One (<ancestor>, <date>) index per level: ledgers filter by subtree and period."""
    cols = {
        "twp": "township",
        "vil": "village",
        "area": "area",
        "grp": "villager_group",
        "nbhd": "neighborhood",
    }
    return [
        models.Index(fields=[col, date_field], name=f"{prefix}_{short}_idx")
        for short, col in cols.items()
    ]


class Activity(Scoped, TimeStamped):
    """One held activity of an organising unit (any level)."""

    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("组织单元")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ActivityKind.choices)
    title = models.CharField(_("主题"), max_length=80, blank=True)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("组织人"),
    )
    leaflets = models.PositiveIntegerField(_("发放资料（份）"), default=0)
    summary = models.TextField(_("小结"), blank=True)
    person_times = models.PositiveIntegerField(_("参加人次"), default=0)
    unlisted_count = models.PositiveIntegerField(_("名单外人次"), default=0)
    # Six digits shown at the event; valid on `held_on` only (see services.checkin).
    checkin_code = models.CharField(_("签到码"), max_length=6)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["-held_on", "-id"]
        indexes = [
            *_scoped_indexes("act", "held_on"),
            models.Index(fields=["unit", "kind", "held_on"], name="act_unit_kind_idx"),
            models.Index(fields=["held_on", "checkin_code"], name="act_code_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}"


class Attendance(models.Model):
    """One person at one activity (a resident, a chief's login, or both)."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="attendances")
    resident = models.ForeignKey(
        "org.Resident", models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    is_chief = models.BooleanField(_("三长"), default=False)
    hours = models.DecimalField(
        _("志愿时长"), max_digits=5, decimal_places=1, default=0
    )
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    method = models.CharField(
        _("方式"),
        max_length=8,
        choices=AttendanceMethod.choices,
        default=AttendanceMethod.LIST,
    )

    class Meta:
        verbose_name = _("参加人")
        verbose_name_plural = _("参加人")
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(resident__isnull=False),
                name="att_resident_uniq",
            ),
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(user__isnull=False),
                name="att_user_uniq",
            ),
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False),
                name="att_has_person",
            ),
        ]
        indexes = [
            models.Index(fields=["resident"], name="att_resident_idx"),
            models.Index(fields=["user"], name="att_user_idx"),
        ]

    def __str__(self) -> str:
        return str(self.name)


class VolunteerSignup(models.Model):
    """A sign-up for a Friday volunteer day (before the day; check-in makes Attendance)."""

    activity = models.ForeignKey(Activity, models.CASCADE, related_name="signups")
    resident = models.ForeignKey(
        "org.Resident", models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    is_chief = models.BooleanField(_("三长"), default=False)
    signed_up_at = models.DateTimeField(_("报名时间"))

    class Meta:
        ordering = ["activity", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "resident"],
                condition=Q(resident__isnull=False),
                name="signup_resident_uniq",
            ),
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=Q(user__isnull=False),
                name="signup_user_uniq",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class ActivityPhoto(models.Model):
    activity = models.ForeignKey(Activity, models.CASCADE, related_name="photos")
    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    # Server-made random name under MEDIA_ROOT/activities/; the upload's name is not kept.
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

    def __str__(self) -> str:
        return str(self.file)


class CustomsReform(Scoped, TimeStamped):
    """A 移风易俗 talk with one household about a wedding, funeral or other event."""

    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    household = models.ForeignKey(
        "org.Household", models.PROTECT, related_name="+", verbose_name=_("户")
    )
    event = models.CharField(_("事项"), max_length=16, choices=CustomsEvent.choices)
    outcome = models.CharField(_("结果"), max_length=16, choices=CustomsOutcome.choices)
    talked_on = models.DateField(_("劝导日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("劝导人"),
    )
    activity = models.ForeignKey(
        Activity,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="customs_reforms",
    )
    notes = models.TextField(_("情况"), blank=True)

    class Meta:
        verbose_name = _("移风易俗")
        verbose_name_plural = _("移风易俗")
        ordering = ["-talked_on", "-id"]
        indexes = _scoped_indexes("cr", "talked_on")

    def __str__(self) -> str:
        return f"{self.talked_on} {self.get_event_display()}"


class Meeting(Scoped, TimeStamped):
    """村民议事会 / 民情分析会 / 三长会议 of a unit."""

    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("单元")
    )
    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    title = models.CharField(_("会议名称"), max_length=80, blank=True)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    convener = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("召集人"),
    )
    notes = models.TextField(_("讨论记录"), blank=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-held_on", "-id"]
        indexes = [
            *_scoped_indexes("mtg", "held_on"),
            models.Index(fields=["unit", "kind", "held_on"], name="mtg_unit_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.get_kind_display()}"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField(_("序号"), default=0)
    title = models.CharField(_("议题"), max_length=200)
    # Set on a prepared 民情分析会 agenda: the open case this item reviews.
    case = models.ForeignKey(
        "cases.Case", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    discussion = models.TextField(_("讨论情况"), blank=True)

    class Meta:
        ordering = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return str(self.title)


class MeetingAttendee(models.Model):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resident = models.ForeignKey(
        "org.Resident", models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)

    class Meta:
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="mtg_att_user_uniq",
            ),
            models.UniqueConstraint(
                fields=["meeting", "resident"],
                condition=Q(resident__isnull=False),
                name="mtg_att_resident_uniq",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)


class Resolution(models.Model):
    """A resolution (决议) or a need (诉求) of a meeting; may be sent up as a case."""

    class Kind(models.TextChoices):
        RESOLUTION = "resolution", _("决议")
        NEED = "need", _("诉求")

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="resolutions")
    kind = models.CharField(
        _("类型"), max_length=16, choices=Kind.choices, default=Kind.RESOLUTION
    )
    text = models.TextField(_("内容"))
    case = models.ForeignKey(
        "cases.Case", models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return str(self.text)[:30]


class LeveeSection(TimeStamped):
    """A levee section a village answers for in flood season (责任段)."""

    village = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("村")
    )
    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    name = models.CharField(_("堤段名称"), max_length=60)
    start_mark = models.CharField(_("起点桩号"), max_length=20, blank=True)
    end_mark = models.CharField(_("终点桩号"), max_length=20, blank=True)
    # Check-in points, one per line (涵闸, 险工险段 ...).
    points = models.TextField(_("巡查点（每行一个）"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("堤段")
        verbose_name_plural = _("堤段")
        ordering = ["village", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="levee_section_name_uniq"
            )
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def point_list(self) -> list[str]:
        return [p.strip() for p in self.points.splitlines() if p.strip()]


class PatrolShift(Scoped, TimeStamped):
    """A levee patrol shift (by section) or a night patrol (by route)."""

    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    unit = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("单元")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=PatrolKind.choices)
    section = models.ForeignKey(
        LeveeSection,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="shifts",
        verbose_name=_("堤段"),
    )
    route = models.CharField(_("巡逻路线"), max_length=120, blank=True)
    on = models.DateField(_("日期"))
    starts_at = models.TimeField(_("开始"))
    ends_at = models.TimeField(_("结束"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("带班人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("巡查班次")
        verbose_name_plural = _("巡查班次")
        ordering = ["-on", "-starts_at", "-id"]
        indexes = _scoped_indexes("shift", "on")

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()}"


class PatrolMember(models.Model):
    shift = models.ForeignKey(PatrolShift, models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resident = models.ForeignKey(
        "org.Resident", models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)

    class Meta:
        ordering = ["shift", "id"]

    def __str__(self) -> str:
        return str(self.name)


class PatrolCheckin(Scoped):
    """A check-in at a point of a shift, with what was found there."""

    client_key = models.UUIDField(_("提交编号"), unique=True, editable=False)
    shift = models.ForeignKey(PatrolShift, models.CASCADE, related_name="checkins")
    point = models.CharField(_("巡查点"), max_length=80)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    finding = models.TextField(_("发现情况"), blank=True)
    is_hazard = models.BooleanField(_("发现险情"), default=False)
    case = models.ForeignKey(
        "cases.Case", models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("巡查签到")
        verbose_name_plural = _("巡查签到")
        ordering = ["shift", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%H:%M} {self.point}"
