"""A deterministic synthetic township (or county) for demos, tests and benchmarks.

The township profile matches the article's published framework exactly: 11 villages,
45 areas, 252 groups, 627 neighborhoods, 4555 households, with 45 area chiefs, 252
group chiefs and 627 neighborhood chiefs. Everything is drawn from one seeded random
generator, so two runs give the same roster. ID numbers carry valid check digits but
are synthetic (region 4307xx, 安乡县 and neighbours); nobody real is in here.
"""

from __future__ import annotations

import functools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric

from sanzhang.core import crypto
from sanzhang.core.db import update_rows
from sanzhang.org.levels import Level
from sanzhang.org.models import (
    Household,
    Post,
    Resident,
    Role,
    Station,
    Tag,
    Unit,
    User,
)
from sanzhang.org.pii import id_number_mask, phone_mask
from sanzhang.org.services.township import township_install_defaults
from sanzhang.org.services.units import units_rebuild_derived

from . import names

ARTICLE = {
    "villages": 11,
    "areas": 45,
    "groups": 252,
    "neighborhoods": 627,
    "households": 4555,
}
CENTER = (112.17, 29.41)  # 安乡县安全乡, roughly
KM_LAT = 1 / 111.0
KM_LON = 1 / 96.8
DEMO_PASSWORD = "sanzhang-demo"  # noqa: S105 - printed by `sanzhang demo`; demo data only
COUNTY_TOWNSHIPS = 44  # 44 x 4555 = 200,420 households


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    unit: str
    password: str = DEMO_PASSWORD


@dataclass
class _Ids:
    """Hands out unique synthetic ID numbers and phones across the whole build."""

    used_seq: dict[str, int] = field(default_factory=dict)
    phone_seq: int = 0

    def id_number(self, region: str, birth: date, male: bool) -> str:
        key = region + birth.strftime("%Y%m%d")
        seq = self.used_seq.get(key, 0) + 1
        if (seq % 2 == 1) != male:  # the sequence's last digit is odd for men
            seq += 1
        self.used_seq[key] = seq
        body = f"{key}{seq:03d}"
        # calc_check_digit reads the first 17 characters of an 18-character number.
        return body + ric.calc_check_digit(body + "0")

    def phone(self, rng: random.Random) -> str:
        self.phone_seq += 1
        prefix = rng.choice(
            ("138", "139", "150", "151", "158", "173", "181", "189", "199")
        )
        return f"{prefix}{(self.phone_seq * 7919) % 100_000_000:08d}"


def split_exact(
    total: int, parts: int, lo: int, hi: int, rng: random.Random
) -> list[int]:
    """`parts` integers in [lo, hi] summing to `total`, spread at random."""
    if not lo * parts <= total <= hi * parts:
        raise ValueError("total out of range")
    sizes = [lo] * parts
    extra = total - lo * parts
    while extra:
        i = rng.randrange(parts)
        if sizes[i] < hi:
            sizes[i] += 1
            extra -= 1
    return sizes


def _given_name(rng: random.Random, male: bool) -> str:
    pool = names.MALE_CHARS if male else names.FEMALE_CHARS
    return "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2, 2))))


def _surname(rng: random.Random) -> str:
    pool = names.COMMON_SURNAMES if rng.random() < 0.6 else names.SURNAMES
    return rng.choice(pool)


def _offset(
    center: tuple[float, float], rng: random.Random, km: float
) -> tuple[float, float]:
    angle = rng.random() * 2 * math.pi
    dist = km * (0.3 + 0.7 * rng.random())
    return (
        center[0] + dist * math.cos(angle) * KM_LON,
        center[1] + dist * math.sin(angle) * KM_LAT,
    )


class TownshipBuilder:
    """Builds one township; `build()` does it in a handful of bulk inserts."""

    def __init__(
        self,
        *,
        name: str,
        seed: int,
        region: str,
        center: tuple[float, float],
        ids: _Ids,
    ):
        self.rng = random.Random(seed)
        self.name = name
        self.region = region
        self.center = center
        self.ids = ids
        self.today = timezone.localdate()

    # --- tree ------------------------------------------------------------------------
    def _units(
        self, township: Unit
    ) -> tuple[list[Unit], list[Unit], list[Unit], list[Unit]]:
        rng = self.rng
        area_counts = split_exact(ARTICLE["areas"], ARTICLE["villages"], 3, 5, rng)
        group_counts = split_exact(ARTICLE["groups"], ARTICLE["areas"], 4, 7, rng)
        nb_counts = split_exact(ARTICLE["neighborhoods"], ARTICLE["groups"], 1, 4, rng)
        villages = [
            Unit(
                parent=township,
                level=Level.VILLAGE,
                name=vname,
                sort_order=i,
                is_demo=True,
                code=f"{i + 1:02d}",
            )
            for i, vname in enumerate(names.VILLAGES)
        ]
        for i, v in enumerate(villages):
            angle = 2 * math.pi * i / len(villages)
            v.lon = self.center[0] + 5 * math.cos(angle) * KM_LON
            v.lat = self.center[1] + 5 * math.sin(angle) * KM_LAT
        Unit.objects.bulk_create(villages)
        areas, groups, nbs = [], [], []
        for v, n_areas in zip(villages, area_counts, strict=True):
            for j in range(n_areas):
                lon, lat = _offset((v.lon, v.lat), rng, 1.2)
                areas.append(
                    Unit(
                        parent=v,
                        level=Level.AREA,
                        name=f"第{names.numeral(j + 1)}片",
                        sort_order=j,
                        is_demo=True,
                        lon=lon,
                        lat=lat,
                    )
                )
        Unit.objects.bulk_create(areas)
        g_iter = iter(group_counts)
        village_group_no: dict[int, int] = {}
        for a in areas:
            for _ in range(next(g_iter)):
                k = village_group_no.get(a.parent_id, 0) + 1
                village_group_no[a.parent_id] = k
                lon, lat = _offset((a.lon, a.lat), rng, 0.5)
                groups.append(
                    Unit(
                        parent=a,
                        level=Level.GROUP,
                        name=f"{names.numeral(k)}组",
                        sort_order=k,
                        is_demo=True,
                        lon=lon,
                        lat=lat,
                    )
                )
        Unit.objects.bulk_create(groups)
        for g, n in zip(groups, nb_counts, strict=True):
            for j in range(n):
                nbs.append(
                    Unit(
                        parent=g,
                        level=Level.NEIGHBORHOOD,
                        name=f"{j + 1}邻",
                        sort_order=j,
                        is_demo=True,
                    )
                )
        Unit.objects.bulk_create(nbs)
        units_rebuild_derived(root=township)

        def reload(level: str) -> list[Unit]:
            return list(
                Unit.objects.filter(township=township, level=level).order_by("id")
            )

        return (
            reload(Level.VILLAGE),
            reload(Level.AREA),
            reload(Level.GROUP),
            reload(Level.NEIGHBORHOOD),
        )

    # --- people ------------------------------------------------------------------------
    def _person(
        self, *, household: Household, relation: str, male: bool, age: int, surname: str
    ) -> Resident:
        rng = self.rng
        birth = self.today - timedelta(days=age * 365 + rng.randrange(365))
        resident = Resident(
            household=household,
            township_id=household.township_id,
            name=surname + _given_name(rng, male),
            sex="M" if male else "F",
            birth_date=birth,
            relation=relation,
            is_party_member=age >= 25 and rng.random() < 0.08,
        )
        if age >= 1:
            idn = self.ids.id_number(self.region, birth, male)
            resident.id_number_sealed = crypto.seal(idn)
            resident.id_number_hash = crypto.lookup_hash("id", idn)
            resident.id_number_masked = id_number_mask(idn)
        if age >= 16 and rng.random() < 0.75:
            phone = self.ids.phone(rng)
            resident.phone_sealed = crypto.seal(phone)
            resident.phone_hash = crypto.lookup_hash("phone", phone)
            resident.phone_masked = phone_mask(phone)
        return resident

    def _members(self, household: Household) -> list[Resident]:
        rng = self.rng
        surname = _surname(rng)
        head_age = rng.randint(30, 85)
        male = rng.random() < 0.8
        people = [
            self._person(
                household=household,
                relation=Resident.Relation.HEAD,
                male=male,
                age=head_age,
                surname=surname,
            )
        ]
        if head_age < 80 and rng.random() < 0.8:
            people.append(
                self._person(
                    household=household,
                    relation=Resident.Relation.SPOUSE,
                    male=not male,
                    age=max(20, head_age + rng.randint(-5, 3)),
                    surname=_surname(rng),
                )
            )
        if head_age < 70:
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
                child_age = max(0, head_age - rng.randint(22, 34))
                people.append(
                    self._person(
                        household=household,
                        relation=Resident.Relation.CHILD,
                        male=rng.random() < 0.5,
                        age=child_age,
                        surname=surname,
                    )
                )
        return people

    def _households(
        self, township: Unit, nbs: list[Unit], groups: list[Unit]
    ) -> list[Household]:
        rng = self.rng
        sizes = split_exact(ARTICLE["households"], len(nbs), 5, 15, rng)
        villages = {
            v.pk: v for v in Unit.objects.filter(township=township, level=Level.VILLAGE)
        }
        group_by_id = {g.pk: g for g in groups}
        households = []
        house_no: dict[int, int] = {}
        for nb, size in zip(nbs, sizes, strict=True):
            g = group_by_id[nb.villager_group_id]
            # Houses line a road through the group's centre: neighbours are consecutive.
            heading = rng.random() * math.pi
            for _ in range(size):
                k = house_no.get(g.pk, 0) + 1
                house_no[g.pk] = k
                along = (k - 8) * 0.045 + rng.gauss(0, 0.01)
                side = rng.gauss(0, 0.02)
                lon = (
                    g.lon
                    + (along * math.cos(heading) - side * math.sin(heading)) * KM_LON
                )
                lat = (
                    g.lat
                    + (along * math.sin(heading) + side * math.cos(heading)) * KM_LAT
                )
                households.append(
                    Household(
                        township_id=nb.township_id,
                        village_id=nb.village_id,
                        area_id=nb.area_id,
                        villager_group_id=nb.villager_group_id,
                        neighborhood_id=nb.pk,
                        # 户号: village, group and house number, e.g. 01-003-012.
                        code=f"{villages[g.village_id].code}-{g.sort_order:03d}-{k:03d}",
                        address=f"{villages[g.village_id].name}{g.name}{k}号",
                        lon=round(lon, 6),
                        lat=round(lat, 6),
                    )
                )
        Household.objects.bulk_create(households, batch_size=2000)
        return households

    def _tags(
        self, households: list[Household], members: dict[int, list[Resident]]
    ) -> None:
        rng = self.rng
        tags = {t.code: t for t in Tag.objects.filter(township=None)}
        through = Household.tags.through
        rows = []
        odds = {
            "alone_elderly": 0.05,
            "left_behind_child": 0.07,
            "disabled": 0.04,
            "dibao": 0.05,
            "monitored": 0.02,
            "veteran": 0.04,
            "over_80": 0.06,
            "dilapidated_house": 0.01,
            "flood_relocation": 0.03,
            "community_correction": 0.003,
        }
        for hh in households:
            chosen = {code for code, p in odds.items() if rng.random() < p}
            if any(m.is_party_member for m in members[hh.pk]):
                chosen.add("party_household")
            rows += [
                through(household_id=hh.pk, tag_id=tags[c].pk)
                for c in sorted(chosen)
                if c in tags
            ]
        through.objects.bulk_create(rows, batch_size=5000)

    # --- chiefs ------------------------------------------------------------------------
    def _posts(
        self, township: Unit, villages, areas, groups, nbs, members_by_unit
    ) -> dict[str, Post]:
        rng = self.rng
        how = (
            Post.HowChosen.SELF_NOMINATED,
            Post.HowChosen.RECOMMENDED,
            Post.HowChosen.SURVEYED,
        )
        start = date(2023, 3, 1)
        posts: list[Post] = []
        samples: dict[str, Post] = {}

        def pick(pool: list[Resident], taken: set[int]) -> Resident:
            adults = [
                r
                for r in pool
                if r.pk not in taken and r.relation == Resident.Relation.HEAD
            ]
            party = [r for r in adults if r.is_party_member]
            choice = rng.choice(
                party or adults or [r for r in pool if r.pk not in taken]
            )
            taken.add(choice.pk)
            return choice

        def post(role: str, unit: Unit, r: Resident, chosen: str) -> Post:
            p = Post(
                role=role,
                unit=unit,
                township=township,
                resident=r,
                holder_name=r.name,
                how_chosen=chosen,
                started_on=start + timedelta(days=rng.randrange(60)),
            )
            posts.append(p)
            samples.setdefault(role, p)
            return p

        taken: set[int] = set()
        areas_of = {}
        for a in areas:
            areas_of.setdefault(a.parent_id, []).append(a)
        for v in villages:
            village_areas = areas_of[v.pk]
            cadres = [
                pick(members_by_unit["village", v.pk], taken)
                for _ in range(len(village_areas) + 1)
            ]
            for c in cadres:
                post(Role.VILLAGE_CADRE, v, c, Post.HowChosen.ELECTED)
            # The first cadre (书记) leads the village; the others each take an area.
            for a, c in zip(village_areas, cadres[1:], strict=True):
                post(Role.AREA_CHIEF, a, c, Post.HowChosen.APPOINTED)
        for g in groups:
            post(
                Role.GROUP_CHIEF,
                g,
                pick(members_by_unit["group", g.pk], taken),
                Post.HowChosen.ELECTED,
            )
        for nb in nbs:
            post(
                Role.NEIGHBORHOOD_CHIEF,
                nb,
                pick(members_by_unit["nb", nb.pk], taken),
                rng.choice(how),
            )
        Post.objects.bulk_create(posts, batch_size=2000)
        return samples

    def build(self) -> tuple[Unit, dict[str, Post]]:
        from sanzhang.org.services.units import unit_create

        township = unit_create(
            parent=None,
            level=Level.TOWNSHIP,
            name=self.name,
            is_demo=True,
            lon=self.center[0],
            lat=self.center[1],
        )
        township_install_defaults(township=township)
        villages, areas, groups, nbs = self._units(township)
        households = self._households(township, nbs, groups)
        members: dict[int, list[Resident]] = {}
        all_people: list[Resident] = []
        for hh in households:
            people = self._members(hh)
            members[hh.pk] = people
            all_people += people
        Resident.objects.bulk_create(all_people, batch_size=2000)
        for hh in households:
            hh.head = members[hh.pk][0]
            hh.member_count = len(members[hh.pk])
        update_rows(Household, ["head", "member_count"], households)
        self._tags(households, members)
        by_unit: dict[tuple[str, int], list[Resident]] = {}
        for hh in households:
            for key in (
                ("village", hh.village_id),
                ("group", hh.villager_group_id),
                ("nb", hh.neighborhood_id),
            ):
                by_unit.setdefault(key, []).extend(members[hh.pk])
        samples = self._posts(township, villages, areas, groups, nbs, by_unit)
        return township, samples


@functools.cache
def _demo_password_hash(hasher: str) -> str:
    # Argon2 is slow on purpose (~0.3 s a hash): the demo logins share one published
    # password, so one hash per hasher serves them all (a shared salt reveals nothing).
    return make_password(DEMO_PASSWORD)


def _account(username: str, display: str, resident: Resident | None = None) -> User:
    user = User(
        username=username,
        display_name=display,
        resident=resident,
        password=_demo_password_hash(settings.PASSWORD_HASHERS[0]),
    )
    user.save()
    return user


def demo_accounts(township: Unit, samples: dict[str, Post]) -> list[DemoLogin]:
    """One login per role, all in the first village / area / group / neighborhood."""
    from sanzhang.org.models import CHIEF_ROLES

    today = timezone.localdate()
    logins = []
    admin = _account("admin", "乡镇管理员")
    Post.objects.create(
        role=Role.TOWNSHIP_ADMIN,
        unit=township,
        township=township,
        user=admin,
        holder_name="乡镇管理员",
        started_on=today,
    )
    logins.append(DemoLogin("admin", str(Role.TOWNSHIP_ADMIN.label), township.name))
    station = Station.objects.get(township=township, code="minzheng")
    staff = _account("station", "民政办工作人员")
    Post.objects.create(
        role=Role.STATION_STAFF,
        unit=township,
        township=township,
        user=staff,
        station=station,
        holder_name="民政办工作人员",
        started_on=today,
    )
    logins.append(
        DemoLogin(
            "station", f"{Role.STATION_STAFF.label}（{station.name}）", township.name
        )
    )
    first_nb = (
        Unit.objects.filter(township=township, level=Level.NEIGHBORHOOD)
        .order_by("id")
        .first()
    )
    chosen = {
        Role.VILLAGE_CADRE: Post.objects.filter(
            role=Role.VILLAGE_CADRE, unit_id=first_nb.village_id
        )
        .order_by("id")
        .first(),
        Role.AREA_CHIEF: Post.objects.filter(
            role=Role.AREA_CHIEF, unit_id=first_nb.area_id
        ).first(),
        Role.GROUP_CHIEF: Post.objects.filter(
            role=Role.GROUP_CHIEF, unit_id=first_nb.villager_group_id
        ).first(),
        Role.NEIGHBORHOOD_CHIEF: Post.objects.filter(
            role=Role.NEIGHBORHOOD_CHIEF, unit=first_nb
        ).first(),
    }
    usernames = {
        Role.VILLAGE_CADRE: "cadre",
        Role.AREA_CHIEF: "area",
        Role.GROUP_CHIEF: "group",
        Role.NEIGHBORHOOD_CHIEF: "neighbor",
    }
    for role, post in chosen.items():
        _account(usernames[role], post.holder_name, post.resident)
        logins.append(DemoLogin(usernames[role], str(Role(role).label), post.unit.name))
    chiefs = Post.objects.filter(role__in=[*CHIEF_ROLES, Role.VILLAGE_CADRE]).values(
        "resident_id"
    )
    resident = (
        Resident.objects.filter(household__neighborhood=first_nb)
        .exclude(pk__in=chiefs)
        .order_by("id")
        .first()
    )
    _account("resident", resident.name, resident)
    logins.append(
        DemoLogin("resident", str(Role.RESIDENT.label), resident.household.address)
    )
    return logins


DEMO_USERNAMES = ("admin", "station", "cadre", "area", "group", "neighbor", "resident")


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist, with their roles (for printing again)."""
    from sanzhang.org.access import access_for

    logins = []
    for user in sorted(
        User.objects.filter(username__in=DEMO_USERNAMES),
        key=lambda u: DEMO_USERNAMES.index(u.username),
    ):
        access = access_for(user)
        roots = access.root_units()
        roles = "、".join(str(Role(r).label) for r in sorted(access.roles))
        logins.append(DemoLogin(user.username, roles, roots[0].name if roots else ""))
    return logins


# Each module's year of records for the demo township, in dependency order (visits
# and meetings may point at cases; the red list and stories read everything).
RECORD_SEEDERS = (
    "sanzhang.cases.demo",
    "sanzhang.visits.demo",
    "sanzhang.activities.demo",
    "sanzhang.notices.demo",
    "sanzhang.reports.demo",
)


def seed_records(
    township: Unit, rng: random.Random, progress: Callable[[str], None]
) -> None:
    """Fill the demo township with a year of cases, visits, activities and notices, so
    queues, ledgers, dashboards and the red list have something true-looking to show."""
    import importlib

    today = timezone.localdate()
    for module in RECORD_SEEDERS:
        started = time.perf_counter()
        importlib.import_module(module).seed_demo(township, rng, today)
        progress(f"  {module.split('.')[1]}: {time.perf_counter() - started:.1f} s")


def demo_build(
    *,
    profile: str = "township",
    seed: int = 2024,
    progress: Callable[[str], None] = lambda _: None,
) -> list[DemoLogin]:
    """Build the demo township (or a county of 44 townships) and its demo logins."""
    if Unit.objects.filter(is_demo=True).exists():
        raise RuntimeError("demo data already loaded")
    ids = _Ids()
    count = 1 if profile == "township" else COUNTY_TOWNSHIPS
    logins: list[DemoLogin] = []
    for t in range(count):
        name = "安全乡" if t == 0 else f"示范{names.numeral(t % 10 + 1)}镇{t:02d}"
        center = CENTER if t == 0 else _offset(CENTER, random.Random(seed + t), 40)
        with transaction.atomic():
            builder = TownshipBuilder(
                name=name,
                seed=seed + t,
                region=f"4307{21 + t % 60:02d}",
                center=center,
                ids=ids,
            )
            township, samples = builder.build()
            if t == 0:
                logins = demo_accounts(township, samples)
                if profile == "township":
                    seed_records(township, random.Random(seed), progress)
        progress(f"{name}: {ARTICLE['households']} 户")
    return logins
