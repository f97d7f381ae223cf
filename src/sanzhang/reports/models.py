"""The red list (红榜), its weights, appeals, published snapshots, annual
commendations and stories (典型案例 / 先进事迹).

Figures themselves are never stored: they are computed from the records by
reports/metrics.py. Only what people decide is kept here (weights, appeals and their
outcomes, nominations and approvals, stories), plus the frozen copy of a red list
that was published, so the public page shows exactly what was approved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanzhang.core.models import TimeStamped
from sanzhang.org.models import Scoped

# Default weights (DOMAIN.md §1.4: 走访覆盖率 30%, 诉求上报与跟踪 25%, 矛盾调处 15%,
# 隐患/防汛 15%, 群众评议 15%), mapped onto the figures issue 5 names: reporting and
# tracking = cases handled 10 + on-time 15; hazards/flood patrols = activity and
# volunteer participation (patrols are activities); 群众评议 = satisfaction.
DEFAULT_WEIGHTS: dict[str, int] = {
    "visit_coverage": 30,
    "cases_handled": 10,
    "on_time_rate": 15,
    "dispute_resolution_rate": 15,
    "participation": 15,
    "satisfaction_rate": 15,
}
DEFAULT_MIN_RECORDS = 5


class ScoreWeights(TimeStamped):
    """A township's red-list weights (percent points; they need not sum to 100)."""

    township = models.OneToOneField(
        "org.Unit", models.CASCADE, related_name="+", verbose_name=_("乡镇")
    )
    weights = models.JSONField(_("权重"), default=dict)
    min_records = models.PositiveSmallIntegerField(
        _("最少记录数"),
        default=DEFAULT_MIN_RECORDS,
        help_text=_("期内本人记录少于此数的三长单列，不参与排名"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("红榜权重")
        verbose_name_plural = _("红榜权重")


class PublishedRedList(models.Model):
    """A red list as published: a frozen copy with only name, unit and figures."""

    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    span = models.CharField(_("周期"), max_length=8)  # month / quarter / year
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    title = models.CharField(_("标题"), max_length=120)
    slug = models.CharField(max_length=48, unique=True, editable=False)
    rows = models.JSONField(default=list)  # [{"rank","name","unit","score","figures"}]
    weights = models.JSONField(default=dict)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("已公布红榜")
        verbose_name_plural = _("已公布红榜")
        ordering = ["-published_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Appeal(models.Model):
    """A chief asks for one figure of theirs to be reviewed; the outcome is kept."""

    class Status(models.TextChoices):
        OPEN = "open", _("待复核")
        UPHELD = "upheld", _("已更正")
        REJECTED = "rejected", _("维持原数")

    township = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    post = models.ForeignKey("org.Post", models.PROTECT, related_name="+")
    indicator = models.CharField(_("指标"), max_length=40)
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    value_seen = models.FloatField(_("申诉时的数值"))
    reason = models.TextField(_("理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.TextField(_("复核结果"), blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("红榜申诉")
        verbose_name_plural = _("红榜申诉")
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator} {self.start}~{self.end}"


class Commendation(Scoped):
    """An annual commendation (优秀邻长 ...): nominated, approved, published."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已提名")
        APPROVED = "approved", _("已批准")
        PUBLISHED = "published", _("已公布")
        REJECTED = "rejected", _("未通过")

    year = models.PositiveSmallIntegerField(_("年度"))
    post = models.ForeignKey("org.Post", models.PROTECT, related_name="+")
    holder_name = models.CharField(_("姓名"), max_length=50)
    unit_name = models.CharField(_("单元"), max_length=120)
    title = models.CharField(_("称号"), max_length=40)
    reason = models.TextField(_("事迹摘要"), blank=True)
    score = models.FloatField(_("红榜得分"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.NOMINATED
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    nominated_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("年度表彰")
        verbose_name_plural = _("年度表彰")
        ordering = ["-year", "-score", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "post", "title"], name="commendation_once_a_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.title} {self.holder_name}"


class Story(Scoped, TimeStamped):
    """A written-up typical case or exemplary deed, attached to a chief and cases."""

    class Kind(models.TextChoices):
        CASE = "case", _("典型案例")
        DEED = "deed", _("先进事迹")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审核")

    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    post = models.ForeignKey(
        "org.Post", models.PROTECT, null=True, blank=True, related_name="+"
    )
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="+")
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    reported_to = models.CharField(_("报送至"), max_length=120, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("典型案例与先进事迹")
        verbose_name_plural = _("典型案例与先进事迹")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["township", "reported_at"], name="story_twp_rep_idx")
        ]

    def __str__(self) -> str:
        return self.title


class VisitDay(models.Model):
    """Visits per village and day (a rollup of visits.Visit, read by reports.grouped
    for the county report and the township dashboards).

    Kept by database triggers on visits_visit (reports/rollup.py), so it changes in
    the same statement, and transaction, as the visits themselves, whoever writes
    them (the app, a bulk import, SQL by hand). `village_id` 0: a visit with no
    village. Trusted only while its triggers are in place (rollup.ready()); anything
    else reads the visits."""

    township_id = models.BigIntegerField()
    village_id = models.BigIntegerField()
    day = models.DateField()
    visits = models.BigIntegerField(default=0)
    people_served = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["township_id", "village_id", "day"], name="visitday_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.township_id}/{self.village_id} {self.day}: {self.visits}"


class RelayCount(models.Model):
    """Notice relays per notice and village (a rollup of notices.NoticeRelay, read by
    reports.grouped for the relay rate of the county report and the dashboards).

    Kept by database triggers on notices_noticerelay (reports/rollup.py), like
    VisitDay: exact at every commit whoever writes the relays. `relays`: the rows,
    `relayed`: those with `relayed_at` set; `village_id` 0: a relay with no village.
    The period is the notice's `sent_at`, read from the notice itself, so a notice
    is not copied here. Trusted only while its triggers are in place."""

    notice_id = models.BigIntegerField()
    township_id = models.BigIntegerField()
    village_id = models.BigIntegerField()
    relays = models.BigIntegerField(default=0)
    relayed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["notice_id", "township_id", "village_id"],
                name="relaycount_key_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.township_id}/{self.village_id}: {self.relays}"


class HouseholdYear(models.Model):
    """Each household's first and last visit of each calendar year it was visited (a
    rollup of visits.Visit, read by reports.grouped for visit coverage).

    A household was visited in [start, end] when its first or last visit of a year
    lies in the window; not when every visit of the year lies before or after it;
    only when the year's visits straddle the window (first before, last after) are
    its visits looked up. So a county's coverage is a join of two 200,000-row
    tables instead of an index seek per household and window. Kept by triggers on
    visits_visit (reports/rollup.py); trusted only while they are in place."""

    household_id = models.BigIntegerField()
    year = models.IntegerField()
    first_on = models.DateField(null=True)
    last_on = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household_id", "year"], name="householdyear_key_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}: {self.first_on}-{self.last_on}"


class ActivityHours(models.Model):
    """Volunteer hours signed per activity (a rollup of activities.Attendance, read by
    reports.grouped for `volunteer_hours`): the activity's attendance rows' hours
    added up, so a county's year is ~20,000 activities instead of ~375,000
    attendance rows. Kept by triggers on activities_attendance (reports/rollup.py);
    trusted only while they are in place."""

    activity_id = models.BigIntegerField(unique=True)
    hours = models.DecimalField(max_digits=12, decimal_places=1, default=0)

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.hours}"
