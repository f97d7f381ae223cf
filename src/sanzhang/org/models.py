"""The organisation: the unit tree, households, residents, tags, stations, posts, users.

`Unit.parent` is the truth of the tree; `path` and the ancestor columns are derived
from it (see services/units.py, the only writer) and can be rebuilt at any time.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhang.core.models import TimeStamped

from .levels import Level


class Scoped(models.Model):
    """Ancestor columns: a row is in unit U's subtree iff its column for U's level = U."""

    township = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("乡镇"), null=True
    )
    village = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("村"), null=True
    )
    area = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("片"), null=True
    )
    villager_group = models.ForeignKey(
        "org.Unit", models.PROTECT, related_name="+", verbose_name=_("组"), null=True
    )
    neighborhood = models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="+",
        verbose_name=_("邻"),
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True


class Unit(Scoped, TimeStamped):
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级"),
    )
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    name = models.CharField(_("名称"), max_length=60)
    code = models.CharField(_("编码"), max_length=32, blank=True)
    path = models.CharField(_("路径"), max_length=120, db_index=True, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    is_active = models.BooleanField(_("有效"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        ordering = ["sort_order", "id"]
        indexes = [
            models.Index(fields=["parent", "sort_order"], name="unit_parent_idx"),
            models.Index(fields=["level", "township"], name="unit_level_twp_idx"),
            models.Index(fields=["village", "level"], name="unit_village_idx"),
            models.Index(fields=["area", "level"], name="unit_area_idx"),
            models.Index(fields=["villager_group", "level"], name="unit_group_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"],
                condition=Q(is_active=True),
                name="unit_unique_name_in_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label)


class Station(TimeStamped):
    """A township office that takes escalated matters (综治中心, 司法所, 民政 ...)."""

    township = models.ForeignKey(
        Unit, models.PROTECT, related_name="stations", verbose_name=_("乡镇")
    )
    code = models.CharField(_("代码"), max_length=32)
    name = models.CharField(_("名称"), max_length=60)
    duties = models.TextField(_("受理范围"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("乡站所")
        verbose_name_plural = _("乡站所")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "code"], name="station_code_uniq"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Tag(TimeStamped):
    """A household tag (独居老人, 低保户 ...). Editable data; sensitive ones are restricted."""

    class Category(models.TextChoices):
        WELFARE = "welfare", _("民生保障")
        VULNERABLE = "vulnerable", _("留守与困难")
        ROLE = "role", _("身份力量")
        SPECIAL = "special", _("特殊人群")
        SAFETY = "safety", _("安全")

    township = models.ForeignKey(
        Unit,
        models.CASCADE,
        related_name="tags",
        verbose_name=_("乡镇"),
        null=True,
        blank=True,
        help_text=_("为空表示全系统通用"),
    )
    code = models.CharField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=40)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    is_sensitive = models.BooleanField(
        _("敏感"), default=False, help_text=_("仅片长及以上和负责的站所可见")
    )
    station_code = models.CharField(
        _("负责站所代码"), max_length=32, blank=True, help_text=_("如 minzheng")
    )
    visit_interval_days = models.PositiveIntegerField(
        _("走访周期（天）"), null=True, blank=True
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("户标签")
        verbose_name_plural = _("户标签")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["township", "code"], name="tag_code_uniq"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(township=None), name="tag_code_global_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _ancestor(label: str, *, null: bool = True) -> models.ForeignKey:
    """An ancestor column without its own index: Household's composite indexes below
    lead with each of these columns, so a single-column index would only slow inserts."""
    return models.ForeignKey(
        "org.Unit",
        models.PROTECT,
        related_name="+",
        verbose_name=label,
        null=null,
        blank=True,
        db_index=False,
    )


class Household(Scoped, TimeStamped):
    township = _ancestor(_("乡镇"))
    village = _ancestor(_("村"))
    area = _ancestor(_("片"))
    villager_group = _ancestor(_("组"))
    neighborhood = _ancestor(_("邻"))
    code = models.CharField(_("户号"), max_length=32)
    address = models.CharField(_("地址"), max_length=120)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    head = models.ForeignKey(
        "org.Resident",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("户主"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="households")
    member_count = models.PositiveSmallIntegerField(_("人口"), default=0)
    is_active = models.BooleanField(_("在册"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["villager_group_id", "neighborhood_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["township", "code"], name="household_code_uniq"
            )
        ]
        indexes = [
            models.Index(fields=["village", "code"], name="hh_village_idx"),
            models.Index(fields=["area", "code"], name="hh_area_idx"),
            models.Index(fields=["villager_group", "code"], name="hh_group_idx"),
            models.Index(fields=["neighborhood", "code"], name="hh_nbhd_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.address}"


class Resident(TimeStamped):
    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Relation(models.TextChoices):
        HEAD = "head", _("户主")
        SPOUSE = "spouse", _("配偶")
        CHILD = "child", _("子女")
        PARENT = "parent", _("父母")
        GRANDCHILD = "grandchild", _("孙子女")
        SIBLING = "sibling", _("兄弟姐妹")
        CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
        OTHER = "other", _("其他")

    household = models.ForeignKey(
        Household, models.PROTECT, related_name="members", verbose_name=_("户")
    )
    # Carried for partitioning by township (DESIGN: scale path); never filtered on alone,
    # so no index of its own: one index fewer to write on every imported resident.
    township = models.ForeignKey(
        Unit, models.PROTECT, related_name="+", null=True, db_index=False
    )
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    is_party_member = models.BooleanField(_("党员"), default=False)
    # Sealed (AES-GCM) values, their keyed hashes and the masked forms shown on screen.
    id_number_sealed = models.BinaryField(null=True, editable=False)
    # NULL, not "", for "no ID number": the unique constraint must ignore those rows.
    id_number_hash = models.CharField(max_length=64, null=True, editable=False)  # noqa: DJ001
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    phone_sealed = models.BinaryField(null=True, editable=False)
    phone_hash = models.CharField(  # noqa: DJ001 - NULL means no phone, as above
        max_length=64, null=True, editable=False
    )
    phone_masked = models.CharField(_("电话"), max_length=20, blank=True)
    is_active = models.BooleanField(_("在册"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        ordering = ["household_id", "id"]
        constraints = [
            # One person, one record in the installation: the keyed hash is unique.
            models.UniqueConstraint(fields=["id_number_hash"], name="resident_id_uniq"),
        ]
        # A plain index: db_index on a CharField also makes PostgreSQL keep a second,
        # pattern-matching copy, which no query of a hash uses and every insert pays.
        indexes = [models.Index(fields=["phone_hash"], name="resident_phone_idx")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    TOWNSHIP_ADMIN = "township_admin", _("乡镇管理员")
    STATION_STAFF = "station_staff", _("站所工作人员")
    VILLAGE_CADRE = "village_cadre", _("村两委干部")
    AREA_CHIEF = "area_chief", _("片长")
    GROUP_CHIEF = "group_chief", _("组长")
    NEIGHBORHOOD_CHIEF = "neighborhood_chief", _("邻长")
    RESIDENT = "resident", _("居民")


# The level each post's unit must be at.
ROLE_LEVEL: dict[str, str] = {
    Role.TOWNSHIP_ADMIN: Level.TOWNSHIP,
    Role.STATION_STAFF: Level.TOWNSHIP,
    Role.VILLAGE_CADRE: Level.VILLAGE,
    Role.AREA_CHIEF: Level.AREA,
    Role.GROUP_CHIEF: Level.GROUP,
    Role.NEIGHBORHOOD_CHIEF: Level.NEIGHBORHOOD,
}
CHIEF_ROLES = (Role.AREA_CHIEF, Role.GROUP_CHIEF, Role.NEIGHBORHOOD_CHIEF)
CHIEF_OF_LEVEL: dict[str, str] = {
    Level.AREA: Role.AREA_CHIEF,
    Level.GROUP: Role.GROUP_CHIEF,
    Level.NEIGHBORHOOD: Role.NEIGHBORHOOD_CHIEF,
}


class Post(TimeStamped):
    """A person holding a role over a unit for a period. Ended posts are kept."""

    class HowChosen(models.TextChoices):
        SELF_NOMINATED = "self", _("自荐")
        RECOMMENDED = "recommended", _("群众推")
        SURVEYED = "surveyed", _("片组摸")
        ELECTED = "elected", _("选举")
        APPOINTED = "appointed", _("任命")

    role = models.CharField(_("职务"), max_length=24, choices=Role.choices)
    unit = models.ForeignKey(
        Unit, models.PROTECT, related_name="posts", verbose_name=_("单元")
    )
    township = models.ForeignKey(Unit, models.PROTECT, related_name="+", null=True)
    station = models.ForeignKey(
        Station, models.PROTECT, null=True, blank=True, related_name="posts"
    )
    resident = models.ForeignKey(
        Resident, models.PROTECT, null=True, blank=True, related_name="posts"
    )
    user = models.ForeignKey(
        "org.User", models.PROTECT, null=True, blank=True, related_name="posts"
    )
    holder_name = models.CharField(_("姓名"), max_length=50)
    how_chosen = models.CharField(
        _("产生方式"),
        max_length=16,
        choices=HowChosen.choices,
        default=HowChosen.APPOINTED,
    )
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("卸任日期"), null=True, blank=True)
    end_reason = models.CharField(_("卸任原因"), max_length=120, blank=True)
    predecessor = models.OneToOneField(
        "self", models.SET_NULL, null=True, blank=True, related_name="successor"
    )

    class Meta:
        verbose_name = _("职务")
        verbose_name_plural = _("职务")
        ordering = ["-started_on", "-id"]
        constraints = [
            # A chief's post has one holder at a time; history rows have ended_on set.
            models.UniqueConstraint(
                fields=["role", "unit"],
                condition=Q(
                    ended_on__isnull=True,
                    role__in=["area_chief", "group_chief", "neighborhood_chief"],
                ),
                name="post_one_active_chief",
            ),
            models.CheckConstraint(
                condition=Q(resident__isnull=False) | Q(user__isnull=False),
                name="post_has_holder",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "role", "ended_on"], name="post_unit_idx"),
            models.Index(fields=["user", "ended_on"], name="post_user_idx"),
            models.Index(fields=["resident", "ended_on"], name="post_resident_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.holder_name}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class User(AbstractUser):
    """A login. Its rights come from its posts (and its resident link), never from flags."""

    resident = models.OneToOneField(
        Resident, models.SET_NULL, null=True, blank=True, related_name="account"
    )
    display_name = models.CharField(_("显示名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(TimeStamped):
    """A bearer token for the API; only its hash is stored."""

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=60)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")


class NeighborhoodLayout(TimeStamped):
    """A group's neighborhood layout as it was before a planner change was applied."""

    villager_group = models.ForeignKey(
        Unit, models.CASCADE, related_name="layouts", verbose_name=_("组")
    )
    township = models.ForeignKey(Unit, models.PROTECT, related_name="+", null=True)
    applied_by = models.ForeignKey(
        "org.User", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # {"neighborhoods": [{"id", "name", "households": [ids], "chief_resident": id}]}
    before = models.JSONField(_("调整前"))
    households_moved = models.PositiveIntegerField(_("调整户数"), default=0)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("划邻记录")
        verbose_name_plural = _("划邻记录")
        ordering = ["-created_at", "-id"]
