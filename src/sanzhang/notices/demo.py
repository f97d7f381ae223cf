"""Demo notices: a handful over the year for the demo township, mostly relayed, the
latest one partly relayed. Bulk: one INSERT ... SELECT per notice, one executemany
UPDATE for the relay marks; no inbox or channel messages for past notices."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from sanzhang.core.db import update_rows
from sanzhang.org.levels import Level
from sanzhang.org.models import Post, Role, Unit, User
from sanzhang.org.selectors import active_posts

from .models import Notice, NoticeRelay, RelayMethod
from .services.send import _fan_out

# (days before today, title, body, whole township?, share relayed)
NOTICES = (
    (
        330,
        "春耕备耕安全生产提示",
        "春耕时节请注意农机具安全，严禁酒后驾驶农机。",
        True,
        1.0,
    ),
    (
        250,
        "医保缴费提醒",
        "城乡居民医保缴费截止本月底，可在村委会代缴或手机缴费。",
        True,
        0.99,
    ),
    (
        190,
        "防汛紧急通知",
        "近期连降暴雨，洞庭湖水位上涨，低洼地带住户请做好转移准备。",
        True,
        0.98,
    ),
    (120, "秸秆禁烧通知", "严禁露天焚烧秸秆，违者依法处理。", False, 0.97),
    (
        60,
        "冬季防火安全提醒",
        "天干物燥，请注意用火用电安全，不在室内给电动车充电。",
        True,
        0.95,
    ),
    (
        2,
        "移风易俗倡议书",
        "倡导红事新办、白事简办，不大操大办，不铺张浪费。",
        True,
        0.4,
    ),
)
METHODS = (
    RelayMethod.VISIT,
    RelayMethod.PHONE,
    RelayMethod.WECHAT,
    RelayMethod.BROADCAST,
)
METHOD_WEIGHTS = (55, 20, 20, 5)


def _accounts(township: Unit) -> tuple[int | None, dict[int, int]]:
    """(an admin account, {neighbourhood id: its chief's account})."""
    posts = list(
        active_posts()
        .filter(
            township=township,
            role__in=[Role.TOWNSHIP_ADMIN, Role.NEIGHBORHOOD_CHIEF],
        )
        .values_list("role", "unit_id", "user_id", "resident_id")
    )
    by_resident = dict(
        User.objects.filter(
            resident_id__in=[r for *_x, r in posts if r], is_active=True
        ).values_list("resident_id", "pk")
    )
    admin = None
    chiefs: dict[int, int] = {}
    for role, unit_id, user_id, resident_id in posts:
        uid = user_id or by_resident.get(resident_id)
        if not uid:
            continue
        if role == Role.TOWNSHIP_ADMIN:
            admin = admin or uid
        else:
            chiefs[unit_id] = uid
    return admin, chiefs


def seed_demo(township: Unit, rng: random.Random, today: date) -> None:
    admin, chiefs = _accounts(township)
    if admin is None:
        admin = (
            Post.objects.filter(township=township, user__isnull=False)
            .values_list("user_id", flat=True)
            .first()
        )
    if admin is None:
        return  # nobody to have sent them
    villages = list(
        Unit.objects.filter(parent=township, level=Level.VILLAGE, is_active=True)
    )
    with transaction.atomic():
        for days, title, body, whole, share in NOTICES:
            unit = township if whole or not villages else rng.choice(villages)
            sent_at = timezone.make_aware(
                datetime.combine(today - timedelta(days=days), time(9, 0))
            )
            notice = Notice.objects.create(
                client_key=uuid.UUID(int=rng.getrandbits(128)),
                unit=unit,
                township_id=unit.township_id,
                village_id=unit.village_id,
                title=title,
                body=body,
                created_by_id=admin,
            )
            count = _fan_out(notice)
            Notice.objects.filter(pk=notice.pk).update(
                sent_at=sent_at, sent_by_id=admin, household_count=count
            )
            _relay(notice, sent_at, share, rng, chiefs, timezone.now())


def _relay(
    notice: Notice,
    sent_at: datetime,
    share: float,
    rng: random.Random,
    chiefs: dict[int, int],
    now: datetime,
) -> None:
    rows = NoticeRelay.objects.filter(notice=notice).order_by("pk")
    marks = []
    for pk, nb in rows.values_list("pk", "neighborhood_id"):
        if rng.random() >= share:
            continue
        at = min(sent_at + timedelta(hours=rng.randint(1, 72)), now)
        marks.append(
            SimpleNamespace(
                pk=pk,
                relayed_at=at,
                method=rng.choices(METHODS, METHOD_WEIGHTS)[0],
                relayed_by_id=chiefs.get(nb),
            )
        )
    update_rows(NoticeRelay, ["relayed_at", "method", "relayed_by"], marks)
