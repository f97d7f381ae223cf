"""A year of realistic visits for the demo township (deterministic from `rng`).

Most households are visited about monthly by their neighbourhood chief (or, with none,
their group chief); care households more often; a few chiefs have gone quiet for the
last six weeks, so the to-do lists have something to show; one full-coverage campaign
runs over the last month in the first village. Rows go in with `insert_rows`.

Chiefs in the demo are residents without accounts; visits need an account to be
recorded by, so each chief without one gets a login-less account (unusable password).
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.utils import timezone

from sanzhang.core.db import insert_rows
from sanzhang.org.levels import ANCESTOR_FIELDS, Level
from sanzhang.org.models import CHIEF_ROLES, Household, Post, Unit, User

from .models import Visit, VisitCampaign, VisitKind
from .selectors import care_intervals

KINDS = (
    (VisitKind.ROUTINE, 70),
    (VisitKind.SERVICE, 15),
    (VisitKind.KNOCK, 10),
    (VisitKind.FOLLOWUP, 5),
)
NOTES = (
    "家中一切正常",
    "老人身体尚好，药已备足",
    "宣传防溺水安全知识",
    "了解今年种植情况",
    "提醒汛期注意转移路线",
    "宣传医保缴费",
    "孩子在校情况良好",
    "帮助代办社保认证",
    "宣传移风易俗，红白喜事从简",
    "检查用电用火安全",
    "",
)
NEEDS = ("屋后排水沟堵塞", "想了解低保申请条件", "路灯不亮", "")
FIELDS = [
    *ANCESTOR_FIELDS,
    "household_id",
    "recorded_by_id",
    "kind",
    "visited_on",
    "people_served",
    "notes",
    "needs",
    "campaign_id",
    "client_key",
    "body_hash",
    "created_at",
]


def _chief_accounts(township: Unit) -> dict[int, int]:
    """unit id -> account id of its active chief, creating login-less accounts."""
    posts = list(
        Post.objects.filter(
            township_id=township.pk, role__in=CHIEF_ROLES, ended_on__isnull=True
        ).values("pk", "unit_id", "user_id", "resident_id", "holder_name")
    )
    have = dict(
        User.objects.filter(
            resident_id__in=[p["resident_id"] for p in posts if p["resident_id"]]
        ).values_list("resident_id", "pk")
    )
    missing = [p for p in posts if not p["user_id"] and p["resident_id"] not in have]
    new = []
    for p in missing:
        user = User(
            username=f"chief-{township.pk}-{p['pk']}",
            display_name=p["holder_name"],
            resident_id=p["resident_id"],
        )
        user.set_unusable_password()
        new.append(user)
    User.objects.bulk_create(new, batch_size=1000)
    have.update(
        User.objects.filter(
            resident_id__in=[p["resident_id"] for p in missing]
        ).values_list("resident_id", "pk")
    )
    return {
        p["unit_id"]: p["user_id"] or have[p["resident_id"]]
        for p in posts
        if p["user_id"] or p["resident_id"] in have
    }


def _pick_kind(rng: random.Random) -> str:
    roll = rng.randrange(100)
    for kind, weight in KINDS:
        if roll < weight:
            return kind
        roll -= weight
    return VisitKind.ROUTINE


SPAN_DAYS = 183


def seed_demo(township: Unit, rng: random.Random, today: date) -> None:
    """Fill the last half year of visits (and one campaign) for `township`: enough
    for the 30- and 90-day coverage and the trends, and the demo stays well inside
    its 20-second budget."""
    with transaction.atomic():
        _seed(township, rng, today)


def _seed(township: Unit, rng: random.Random, today: date) -> None:
    chiefs = _chief_accounts(township)
    care_tags = set(care_intervals(township.pk))
    through = Household.tags.through
    care = set(
        through.objects.filter(
            household__township=township, tag_id__in=care_tags
        ).values_list("household_id", flat=True)
    )
    households = list(
        Household.objects.filter(township=township, is_active=True).values(
            "pk", *ANCESTOR_FIELDS
        )
    )
    diligence = {uid: rng.uniform(0.55, 0.98) for uid in sorted(set(chiefs.values()))}
    quiet = {uid for uid in diligence if rng.random() < 0.05}
    quiet_since = today - timedelta(days=45)
    village = (
        Unit.objects.filter(parent=township, level=Level.VILLAGE)
        .order_by("sort_order", "id")
        .first()
    )
    campaign = None
    if village is not None:
        campaign = VisitCampaign.objects.create(
            unit=village,
            name=f"{village.name}汛前全覆盖走访",
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=15),
            created_by=None,
            **{f: getattr(village, f) for f in ANCESTOR_FIELDS},
        )
    tz = timezone.get_current_timezone()
    rows: list[Any] = []
    for h in households:
        # Mostly the neighbourhood chief; now and then the group or area chief.
        nb = chiefs.get(h["neighborhood_id"])
        group = chiefs.get(h["villager_group_id"])
        area = chiefs.get(h["area_id"])
        uid = nb or group
        if uid is None:
            continue
        every = (
            10 if h["pk"] in care else 30
        )  # care households: about weekly-fortnightly
        day = today - timedelta(days=SPAN_DAYS) + timedelta(days=rng.randrange(every))
        while day <= today:
            if (uid not in quiet or day < quiet_since) and rng.random() < diligence[
                uid
            ]:
                roll = rng.random()
                who = area if roll < 0.03 and area else group if roll < 0.12 else uid
                rows.append(_row(h, who or uid, day, rng, campaign, tz))
            day += timedelta(days=max(3, int(rng.gauss(every, every / 5))))
    insert_rows(Visit, FIELDS, rows)


def _row(
    h: dict[str, Any],
    uid: int,
    day: date,
    rng: random.Random,
    campaign: VisitCampaign | None,
    tz: Any,
) -> SimpleNamespace:
    in_campaign = (
        campaign is not None
        and h["village_id"] == campaign.unit_id
        and campaign.starts_on <= day <= campaign.ends_on
    )
    kind = VisitKind.KNOCK if in_campaign else _pick_kind(rng)
    needs = rng.choice(NEEDS) if rng.random() < 0.08 else ""
    # A plain record, not a model instance: insert_rows only reads attributes, and
    # 80,000 model instances would cost seconds of the demo's time budget.
    return SimpleNamespace(
        **{f: h[f] for f in ANCESTOR_FIELDS},
        household_id=h["pk"],
        recorded_by_id=uid,
        kind=kind,
        visited_on=day,
        people_served=rng.choice((1, 1, 1, 2, 2, 3)),
        notes=rng.choice(NOTES),
        needs=needs,
        campaign_id=campaign.pk if in_campaign else None,
        client_key=uuid.UUID(int=rng.getrandbits(128), version=4),
        body_hash="",
        created_at=datetime.combine(day, time(rng.randrange(8, 20)), tzinfo=tz),
    )
