"""Builders for a small, fully known world used across the tests.

Two townships (安全乡, 邻乡), each with 2 villages x 2 areas x 2 groups x 2
neighborhoods x 6 households (one resident each, the head; two more in the first
household). One account per role sits in the first branch of 安全乡:

    admin     township admin of 安全乡          station  民政办 staff of 安全乡
    cadre     village cadre of V1                 area     area chief of V1-A1 (not a cadre now)
    group     group chief of V1-A1-G1             nchief   neighborhood chief of V1-A1-G1-N1
    resident  resident of a household in N1
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import count

from sanzhang.demo.generator import _Ids
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
from sanzhang.org.services.households import resident_set_id_number, resident_set_phone
from sanzhang.org.services.township import township_install_defaults
from sanzhang.org.services.units import unit_create

_ids = _Ids()
_seq = count(1)


def valid_id_number(*, male: bool = True, born: date | None = None) -> str:
    """A fresh synthetic ID number with a correct check digit, never handed out twice."""
    born = born or date(1940, 1, 1) + timedelta(days=next(_seq) % 25000)
    # A birth date has 999 sequence numbers; a session that rebuilds the world many
    # times (after each browser test) uses them up for a fixed date: take the next day.
    while _ids.used_seq.get("110105" + born.strftime("%Y%m%d"), 0) >= 997:
        born += timedelta(days=1)
    return _ids.id_number("110105", born, male)  # not a demo region: no clash


def make_household(
    nb: Unit,
    *,
    code: str | None = None,
    head_name: str = "张三",
    id_number: str | None = None,
    phone: str | None = None,
) -> Household:
    n = next(_seq)
    hh = Household.objects.create(
        code=code or f"T{n:05d}",
        address=f"{nb.name}{n}号",
        township_id=nb.township_id,
        village_id=nb.village_id,
        area_id=nb.area_id,
        villager_group_id=nb.villager_group_id,
        neighborhood_id=nb.pk if nb.level == Level.NEIGHBORHOOD else None,
        lon=112.17,
        lat=29.41,
    )
    head = Resident(
        household=hh,
        township_id=nb.township_id,
        name=head_name,
        relation=Resident.Relation.HEAD,
    )
    resident_set_id_number(head, id_number or valid_id_number())
    resident_set_phone(head, phone or f"138{n % 10**8:08d}")
    head.save()
    hh.head = head
    hh.member_count = 1
    hh.save(update_fields=["head", "member_count"])
    return hh


def make_user(name: str, *, resident: Resident | None = None) -> User:
    """A fixture account: username "t_<name>", password "pw-<name>"."""
    user = User(username=f"t_{name}", display_name=name, resident=resident)
    user.set_password("pw-" + name)
    user.save()
    return user


def post(
    role: str,
    unit: Unit,
    *,
    user: User | None = None,
    resident: Resident | None = None,
    station: Station | None = None,
) -> Post:
    return Post.objects.create(
        role=role,
        unit=unit,
        township_id=unit.township_id,
        user=user,
        resident=resident,
        station=station,
        holder_name=(resident.name if resident else user.username),
        started_on=date.today() - timedelta(days=30),
    )


@dataclass
class World:
    townships: list[Unit] = field(default_factory=list)
    units: dict[str, Unit] = field(default_factory=dict)  # "T1-V1-A1-G1-N1" style keys
    households: dict[str, list[Household]] = field(default_factory=dict)  # by nb key
    users: dict[str, User] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)

    def unit(self, key: str) -> Unit:
        return self.units[key]

    def households_under(self, key: str) -> set[int]:
        return {
            h.pk for k, hs in self.households.items() if k.startswith(key) for h in hs
        }


def build_world() -> World:
    w = World()
    for t in (1, 2):
        township = unit_create(
            parent=None,
            level=Level.TOWNSHIP,
            name="安全乡" if t == 1 else "邻乡",
            code=f"T{t}",
        )
        township_install_defaults(township=township)
        w.townships.append(township)
        w.units[f"T{t}"] = township
        for v in (1, 2):
            village = unit_create(
                parent=township, level=Level.VILLAGE, name=f"村{v}", code=f"T{t}-V{v}"
            )
            w.units[f"T{t}-V{v}"] = village
            for a in (1, 2):
                area = unit_create(
                    parent=village,
                    level=Level.AREA,
                    name=f"片{a}",
                    code=f"T{t}-V{v}-A{a}",
                )
                w.units[f"T{t}-V{v}-A{a}"] = area
                for g in (1, 2):
                    group = unit_create(
                        parent=area,
                        level=Level.GROUP,
                        name=f"组{g}",
                        code=f"T{t}-V{v}-A{a}-G{g}",
                    )
                    w.units[f"T{t}-V{v}-A{a}-G{g}"] = group
                    for n in (1, 2):
                        key = f"T{t}-V{v}-A{a}-G{g}-N{n}"
                        nb = unit_create(
                            parent=group,
                            level=Level.NEIGHBORHOOD,
                            name=f"{n}邻",
                            code=key,
                        )
                        w.units[key] = nb
                        w.households[key] = [make_household(nb) for _ in range(6)]
    w.tags = {t.code: t for t in Tag.objects.filter(township=None)}
    t1 = w.units["T1"]
    nb = w.units["T1-V1-A1-G1-N1"]
    first = w.households["T1-V1-A1-G1-N1"][0]
    first.tags.set(
        [w.tags["dibao"], w.tags["alone_elderly"], w.tags["community_correction"]]
    )
    for name in ("李四", "王五"):
        r = Resident(
            household=first,
            township_id=t1.pk,
            name=name,
            relation=Resident.Relation.CHILD,
        )
        resident_set_id_number(
            r, valid_id_number(male=name == "李四", born=date(2000, 1, 2))
        )
        r.save()
    heads = [h.head for h in w.households["T1-V1-A1-G1-N1"]]
    w.users["admin"] = make_user("admin")
    post(Role.TOWNSHIP_ADMIN, t1, user=w.users["admin"])
    w.users["station"] = make_user("station")
    post(
        Role.STATION_STAFF,
        t1,
        user=w.users["station"],
        station=Station.objects.get(township=t1, code="minzheng"),
    )
    w.users["cadre"] = make_user("cadre", resident=heads[1])
    post(Role.VILLAGE_CADRE, w.units["T1-V1"], resident=heads[1])
    w.users["area"] = make_user("area", resident=heads[2])
    post(Role.AREA_CHIEF, w.units["T1-V1-A1"], resident=heads[2])
    w.users["group"] = make_user("group", resident=heads[3])
    post(Role.GROUP_CHIEF, w.units["T1-V1-A1-G1"], resident=heads[3])
    w.users["nchief"] = make_user("nchief", resident=heads[4])
    post(Role.NEIGHBORHOOD_CHIEF, nb, resident=heads[4])
    w.users["resident"] = make_user("resident", resident=heads[5])
    w.users["nobody"] = make_user("nobody")
    return w


WORLD_USERS = (
    "admin",
    "station",
    "cadre",
    "area",
    "group",
    "nchief",
    "resident",
    "nobody",
)


def load_world() -> World | None:
    """The world already in the database (built by an earlier test), or None."""
    units = {
        u.code: u for u in Unit.objects.filter(code__startswith="T", is_active=True)
    }
    if "T1" not in units or "T2-V2-A2-G2-N2" not in units:
        return None
    w = World(townships=[units["T1"], units["T2"]], units=units)
    by_nb: dict[int, list[Household]] = {}
    for hh in Household.objects.filter(township__in=w.townships).order_by("id"):
        by_nb.setdefault(hh.neighborhood_id, []).append(hh)
    w.households = {
        k: by_nb.get(u.pk, [])
        for k, u in units.items()
        if u.level == Level.NEIGHBORHOOD
    }
    w.users = {
        u.username[2:]: u
        for u in User.objects.filter(username__in=[f"t_{n}" for n in WORLD_USERS])
    }
    w.tags = {t.code: t for t in Tag.objects.filter(township=None)}
    return w
