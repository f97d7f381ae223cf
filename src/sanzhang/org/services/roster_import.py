"""Import a township's roster (.xlsx / .csv): validate everything, then write all or nothing.

Re-importing the same file changes nothing: households match on 户号 within the township,
residents on their ID number (keyed hash), or on name within the household when the row
has no ID number. Members missing from a file are left alone; the import never deletes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from types import SimpleNamespace
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Min, OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhang.core import crypto
from sanzhang.core.audit import AuditAction, audit_record
from sanzhang.core.db import insert_rows, update_rows
from sanzhang.core.errors import DomainError, NotAllowed

from ..access import access_for
from ..levels import SCOPE_FIELD, Level
from ..models import Household, Resident, Tag, Unit
from ..pii import (
    clean_text,
    id_number_mask,
    id_number_parse,
    person_name_clean,
    phone_mask,
    phone_parse,
)
from ..policy import Action
from ..roster_format import KEY_HEADER, RowError, map_header, read_rows
from .units import units_rebuild_derived

RELATIONS = {str(label): value for value, label in Resident.Relation.choices}
RELATIONS.update(
    {
        "本人": "head",
        "妻": "spouse",
        "夫": "spouse",
        "子": "child",
        "女": "child",
        "长子": "child",
        "次子": "child",
        "长女": "child",
        "次女": "child",
        "父亲": "parent",
        "母亲": "parent",
        "孙子": "grandchild",
        "孙女": "grandchild",
        "儿媳": "child_in_law",
        "女婿": "child_in_law",
    }
)
YES = {"是", "1", "y", "yes", "true", "党员", "中共党员"}
NO = {"", "否", "0", "n", "no", "false", "群众"}
# Cells checked as plain text: (key, label for messages, max length). Lazy labels, so
# the translation is looked up only when a message is actually shown.
TEXT_CELLS = (
    ("village", gettext_lazy("村"), 60),
    ("area", gettext_lazy("片"), 60),
    ("group", gettext_lazy("组"), 60),
    ("code", gettext_lazy("户号"), 32),
)
OPTIONAL_TEXT_CELLS = (
    ("neighborhood", gettext_lazy("邻"), 60),
    ("address", gettext_lazy("地址"), 120),
)
OPTIONAL_KEYS = frozenset(key for key, _label, _size in OPTIONAL_TEXT_CELLS)
RESIDENT_FIELDS = [
    "name",
    "relation",
    "sex",
    "birth_date",
    "is_party_member",
    "id_number_sealed",
    "id_number_hash",
    "id_number_masked",
    "phone_sealed",
    "phone_hash",
    "phone_masked",
]
HOUSEHOLD_INSERT_FIELDS = [
    "code",
    "address",
    "lon",
    "lat",
    "township",
    "village",
    "area",
    "villager_group",
    "neighborhood",
    "member_count",
    "is_active",
    "version",
    "created_at",
    "updated_at",
]
# A new resident's values before the row is copied in (see _fill).
NEW_RESIDENT = {
    "name": "",
    "relation": "",
    "sex": "",
    "birth_date": None,
    "is_party_member": False,
    "id_number_sealed": None,
    "id_number_hash": None,
    "id_number_masked": "",
    "phone_sealed": None,
    "phone_hash": None,
    "phone_masked": "",
    "is_active": True,
    "version": 1,
}
YES_OR_NO = YES | NO
SEXES = {"男": "M", "女": "F", "": ""}
TAG_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass
class ImportReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    units_created: int = 0
    households_created: int = 0
    households_updated: int = 0
    residents_created: int = 0
    residents_updated: int = 0
    unchanged: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    lon: float | None = None
    lat: float | None = None
    name: str = ""
    relation: str = "other"
    sex: str = ""
    id_number: str = ""
    birth_date: Any = None
    phone: str = ""
    party: bool = False
    tags: tuple[int, ...] = ()
    ok: bool = True

    @cached_property
    def id_hash(self) -> str:
        return crypto.lookup_hash("id", self.id_number)

    @cached_property
    def phone_hash(self) -> str:
        return crypto.lookup_hash("phone", self.phone)


def _residents_holding(hashes: list[str]) -> Iterator[Resident]:
    """The residents holding any of these ID hashes, with their households."""
    residents = Resident.objects.select_related("household")
    if connection.vendor == "postgresql" and hashes:
        # One array parameter: PostgreSQL parses and plans a 900-value IN list slowly,
        # and a new township's file asks for all of its 20,000 numbers.
        yield from residents.filter(
            pk__in=RawSQL(  # noqa: S611 - the table name only; the hashes are a parameter
                f"SELECT id FROM {Resident._meta.db_table}"  # noqa: S608
                " WHERE id_number_hash = ANY(%s)",
                [hashes],
            )
        )
        return
    for start in range(0, len(hashes), 900):
        yield from residents.filter(id_number_hash__in=hashes[start : start + 900])


class _Importer:
    def __init__(self, *, township: Unit, by: Any) -> None:
        self.township = township
        self.by = by
        self.report = ImportReport()
        self.today = timezone.localdate()
        # Cell values already found clean, per column: checked once per file.
        self.valid_text: dict[str, set[str]] = defaultdict(set)
        self.allowed_villages = self._allowed_villages()
        units = Unit.objects.filter(township=township, is_active=True)
        self.units: dict[tuple, Unit] = {}
        self.groups_by_village: dict[tuple[int, str], Unit] = {}
        for u in units:
            self.units[self._key(u)] = u
            if u.level == Level.GROUP:
                self.groups_by_village[(u.village_id, u.name)] = u
        self.tags = {t.name: t.pk for t in Tag.objects.filter(township=None)}
        self.tags.update({t.name: t.pk for t in Tag.objects.filter(township=township)})

    # --- who may import where ----------------------------------------------------------
    def _allowed_villages(self) -> set[int] | None:
        """None means the whole township (new villages too); else the village ids."""
        grants = access_for(self.by).grants_for(Action.IMPORT_ROSTER)
        if any(
            g.level == Level.TOWNSHIP and g.unit_id == self.township.pk for g in grants
        ):
            return None
        villages = {
            g.unit_id
            for g in grants
            if g.level == Level.VILLAGE and g.township_id == self.township.pk
        }
        if not villages:
            raise NotAllowed(_("无权向该乡镇导入花名册"))
        return villages

    def _key(self, u: Unit) -> tuple:
        return (u.level, u.parent_id, u.name)

    def error(self, line: int, key: str, message: str) -> None:
        self.report.errors.append(RowError(line, KEY_HEADER.get(key, key), message))

    # --- row validation ------------------------------------------------------------------
    def _id_number_parse(self, raw: str) -> Any:
        return id_number_parse(raw, today=self.today)

    def _parse(self, line: int, cells: dict[str, str]) -> _Row:
        rec = _Row(line=line, cells=cells)
        before = len(self.report.errors)

        def check(key: str, fn):
            try:
                return fn(cells[key])
            except DomainError as exc:
                self.error(line, key, exc.message)
                return None

        for key, label, size in TEXT_CELLS + OPTIONAL_TEXT_CELLS:
            value = cells[key]
            if (not value and key in OPTIONAL_KEYS) or value in self.valid_text[key]:
                continue  # place names and addresses repeat row after row
            if check(key, partial(clean_text, field=label, max_length=size)):
                self.valid_text[key].add(value)
        rec.name = check("name", person_name_clean) or ""
        relation = RELATIONS.get(cells["relation"])
        if relation is None:
            self.error(
                line,
                "relation",
                _(
                    "与户主关系应为：户主、配偶、子女、父母、孙子女、兄弟姐妹、儿媳/女婿、其他"
                ),
            )
        rec.relation = relation or "other"
        for key, lo, hi in (("lon", 73.0, 136.0), ("lat", 3.0, 54.0)):
            if cells[key]:
                try:
                    value = float(cells[key])
                    if not lo <= value <= hi:
                        raise ValueError
                    setattr(rec, key, value)
                except ValueError:
                    self.error(
                        line, key, _("坐标应为中国境内的十进制度数，如 112.17 / 29.41")
                    )
        if cells["id_number"]:
            parsed = check("id_number", self._id_number_parse)
            if parsed:
                rec.id_number, rec.birth_date, rec.sex = (
                    parsed.value,
                    parsed.birth_date,
                    parsed.sex,
                )
        sex = SEXES.get(cells["sex"])
        if sex is None:
            self.error(line, "sex", _("性别应为“男”或“女”"))
        elif sex and rec.sex and sex != rec.sex:
            self.error(line, "sex", _("性别与身份证号不符"))
        elif sex:
            rec.sex = sex
        if cells["phone"]:
            rec.phone = check("phone", phone_parse) or ""
        party = cells["party"].lower()
        if party not in YES_OR_NO:
            self.error(line, "party", _("党员列应填“是”或“否”"))
        rec.party = party in YES
        if cells["tags"]:
            names = [t for t in TAG_SPLIT.split(cells["tags"]) if t]
            unknown = [t for t in names if t not in self.tags]
            if unknown:
                self.error(
                    line,
                    "tags",
                    _("未知的户标签：%(tags)s") % {"tags": "、".join(unknown)},
                )
            rec.tags = tuple(sorted({self.tags[t] for t in names if t in self.tags}))
        rec.ok = len(self.report.errors) == before
        return rec

    def _check_households(self, rows: list[_Row]) -> dict[str, list[_Row]]:
        by_code: dict[str, list[_Row]] = defaultdict(list)
        for r in rows:
            by_code[r.cells["code"]].append(r)
        for code, members in by_code.items():
            first = members[0]
            place = [
                first.cells[k] for k in ("village", "area", "group", "neighborhood")
            ]
            for r in members[1:]:
                if [
                    r.cells[k] for k in ("village", "area", "group", "neighborhood")
                ] != place:
                    self.error(
                        r.line,
                        "code",
                        _("同一户号 %(code)s 的村/片/组/邻不一致") % {"code": code},
                    )
            heads = [r for r in members if r.relation == "head"]
            unreadable = any(r.cells["relation"] not in RELATIONS for r in members)
            if (
                len(heads) != 1 and not unreadable
            ):  # a bad relation cell is reported already
                self.error(
                    first.line,
                    "relation",
                    _("户号 %(code)s 应有且只有一名户主（现有 %(n)d 名）")
                    % {"code": code, "n": len(heads)},
                )
            if not any(r.cells["address"] for r in members):
                self.error(
                    first.line, "address", _("户号 %(code)s 没有地址") % {"code": code}
                )
        return by_code

    def _check_ids(self, rows: list[_Row]) -> None:
        seen: dict[str, int] = {}
        for r in rows:
            if not r.id_number:
                continue
            if r.id_number in seen:
                self.error(
                    r.line,
                    "id_number",
                    _("身份证号与第%(n)d行重复") % {"n": seen[r.id_number]},
                )
                self.error(
                    seen[r.id_number],
                    "id_number",
                    _("身份证号与第%(n)d行重复") % {"n": r.line},
                )
            else:
                seen[r.id_number] = r.line

    def _resolve_units(self, by_code: dict[str, list[_Row]]) -> dict[str, tuple]:
        """The (village, area, group, neighborhood) names of each household, checked."""
        places = {}
        for code, members in by_code.items():
            first = members[0]
            v, a, g, n = (
                first.cells[k] for k in ("village", "area", "group", "neighborhood")
            )
            village = self.units.get((Level.VILLAGE, self.township.pk, v))
            if village is None and self.allowed_villages is not None:
                self.error(
                    first.line,
                    "village",
                    _("村“%(name)s”不存在或无权导入") % {"name": v},
                )
                continue
            if (
                village is not None
                and self.allowed_villages is not None
                and village.pk not in self.allowed_villages
            ):
                self.error(
                    first.line,
                    "village",
                    _("无权导入其他村的户：%(name)s") % {"name": v},
                )
                continue
            group = self.groups_by_village.get((village.pk, g)) if village else None
            if group is not None:
                area = self.units.get((Level.AREA, village.pk, a))
                if area is None or group.parent_id != area.pk:
                    self.error(
                        first.line,
                        "group",
                        _("“%(group)s”已属于本村其他片，请先调整划片") % {"group": g},
                    )
                    continue
            places[code] = (v, a, g, n)
        return places

    # --- planning and writing ------------------------------------------------------------
    def run(self, data: bytes, filename: str, *, dry_run: bool) -> ImportReport:
        table = read_rows(data, filename)
        positions = map_header(table[0])
        parsed: list[_Row] = []
        columns = [(key, positions.get(key)) for key in KEY_HEADER]
        for i, raw in enumerate(table[1:], start=2):
            width = len(raw)
            cells = {
                key: raw[j].strip() if j is not None and j < width and raw[j] else ""
                for key, j in columns
            }
            if any(cells.values()):  # skip blank lines at the end of a sheet
                parsed.append(self._parse(i, cells))
        self.report.rows = len(parsed)
        if not parsed:
            raise DomainError(_("文件中没有数据行"))
        rows = [r for r in parsed if r.ok]
        self._check_ids(rows)
        # Households are checked on every row, so a bad cell in a head's row does not
        # also report the household as headless.
        by_code = self._check_households(parsed)
        places = self._resolve_units(by_code)
        existing = self._existing(rows, by_code)
        if self.report.errors:
            self.report.errors.sort(key=lambda e: (e.row, e.column))
            return self.report
        with transaction.atomic():
            self._apply(by_code, places, existing)
            if dry_run:
                transaction.set_rollback(True)
            else:
                audit_record(
                    by=self.by,
                    action=AuditAction.IMPORT,
                    obj=self.township,
                    township_id=self.township.pk,
                    filename=filename[:100],
                    rows=self.report.rows,
                )
                self.report.committed = True
        return self.report

    def _existing(
        self, rows: list[_Row], by_code: dict[str, list[_Row]]
    ) -> dict[str, Any]:
        """What the file meets in the database: its households, their members, and any
        resident elsewhere already holding one of its ID numbers.

        The township's households and residents are read whole (a township is a few
        thousand households); only ID numbers not found there are looked up across the
        installation. Long `IN` lists over the whole table cost seconds on PostgreSQL.
        """
        in_township = {
            h.code: h for h in Household.objects.filter(township=self.township)
        }
        households = {
            code: in_township[code] for code in by_code if code in in_township
        }
        by_pk = {h.pk: h for h in in_township.values()}
        by_name: dict[int, dict[str, Resident]] = defaultdict(dict)
        owners: dict[str, Resident] = {}
        for res in Resident.objects.filter(
            household__township=self.township, is_active=True
        ):
            by_name[res.household_id][res.name] = res
            if res.id_number_hash:
                owners[res.id_number_hash] = res
        hashes = {r.id_hash: r for r in rows if r.id_number}
        elsewhere = [h for h in hashes if h not in owners]
        for res in _residents_holding(elsewhere):
            owners[res.id_number_hash] = res
            by_pk.setdefault(res.household_id, res.household)
        for h, r in hashes.items():
            owner = owners.get(h)
            if owner is None:
                continue
            home = by_pk[owner.household_id]
            if home.township_id != self.township.pk or home.code != r.cells["code"]:
                where = (
                    home.code if home.township_id == self.township.pk else _("其他乡镇")
                )
                self.error(
                    r.line,
                    "id_number",
                    _("该身份证号已在户号 %(code)s 登记，如需迁户请先办理迁出")
                    % {"code": where},
                )
        return {"households": households, "owners": owners, "by_name": by_name}

    def _create_units(self, places: dict[str, tuple]) -> None:
        """Create the villages, areas, groups and neighborhoods the file names, level by
        level in bulk; derived columns are filled once at the end (units_rebuild_derived)."""
        wanted: list[set[tuple[str, ...]]] = [set(), set(), set(), set()]
        for v, a, g, n in places.values():
            wanted[0].add((v,))
            wanted[1].add((v, a))
            wanted[2].add((v, a, g))
            if n:
                wanted[3].add((v, a, g, n))
        levels = (Level.VILLAGE, Level.AREA, Level.GROUP, Level.NEIGHBORHOOD)
        self.by_names: dict[tuple[str, ...], Unit] = {(): self.township}
        for level, names in zip(levels, wanted, strict=True):
            new = []
            for key in sorted(names):
                parent = self.by_names[key[:-1]]
                unit = self.units.get((level, parent.pk, key[-1]))
                if unit is None:
                    unit = Unit(
                        parent=parent, level=level, name=key[-1], is_demo=parent.is_demo
                    )
                    for attr in (
                        "township_id",
                        "village_id",
                        "area_id",
                        "villager_group_id",
                    ):
                        setattr(unit, attr, getattr(parent, attr))
                    new.append(unit)
                self.by_names[key] = unit
            siblings: dict[int, int] = {}
            for unit in new:
                siblings[unit.parent_id] = siblings.get(unit.parent_id, 0) + 1
                unit.sort_order = siblings[unit.parent_id]
            Unit.objects.bulk_create(new, batch_size=2000)
            for unit in new:
                setattr(unit, SCOPE_FIELD[level], unit.pk)
                self.units[(level, unit.parent_id, unit.name)] = unit
            self.report.units_created += len(new)

    def _apply(
        self,
        by_code: dict[str, list[_Row]],
        places: dict[str, tuple],
        existing: dict[str, Any],
    ) -> None:
        households: dict[str, Household] = existing["households"]
        new_households, changed_households = [], []
        tag_changes: dict[str, tuple[int, ...]] = {}
        self._create_units(places)
        for code, members in by_code.items():
            v, a, g, n = places[code]
            village, area = self.by_names[(v,)], self.by_names[(v, a)]
            group = self.by_names[(v, a, g)]
            nb = self.by_names[(v, a, g, n)] if n else None
            address = next(r.cells["address"] for r in members if r.cells["address"])
            lon = next((r.lon for r in members if r.lon is not None), None)
            lat = next((r.lat for r in members if r.lat is not None), None)
            values = {
                "address": address,
                "lon": lon,
                "lat": lat,
                "township_id": self.township.pk,
                "village_id": village.pk,
                "area_id": area.pk,
                "villager_group_id": group.pk,
                "neighborhood_id": nb.pk if nb else None,
            }
            hh = households.get(code)
            if hh is None:
                # A plain record until inserted: model instances cost more than the row.
                hh = SimpleNamespace(
                    pk=None,
                    code=code,
                    head_id=None,
                    member_count=0,
                    is_active=True,
                    version=1,
                    **values,
                )
                households[code] = hh
                new_households.append(hh)
            elif any(getattr(hh, k) != val for k, val in values.items()):
                for k, val in values.items():
                    setattr(hh, k, val)
                changed_households.append(hh)
            tag_changes[code] = tuple(sorted({t for r in members for t in r.tags}))
        self._insert_households(new_households)
        if changed_households:
            update_rows(
                Household,
                [
                    "address",
                    "lon",
                    "lat",
                    "village_id",
                    "area_id",
                    "villager_group_id",
                    "neighborhood_id",
                ],
                changed_households,
            )
        self.report.households_created = len(new_households)
        retagged = self._apply_tags(
            households, tag_changes, {h.code for h in new_households}
        )
        self.report.households_updated = len(
            {h.code for h in changed_households} | retagged
        )
        self._apply_residents(by_code, households, existing)
        if self.report.units_created:
            units_rebuild_derived(root=self.township)

    def _insert_households(self, households: list[Household]) -> None:
        """Insert new households with one prepared statement, then read their ids back
        by 户号 (bulk_create's per-value SQL building costs more than the insert)."""
        now = timezone.now()
        for hh in households:
            hh.created_at = hh.updated_at = now
        insert_rows(Household, HOUSEHOLD_INSERT_FIELDS, households)
        by_code = {hh.code: hh for hh in households}
        codes = list(by_code)
        for start in range(0, len(codes), 900):
            for code, pk in Household.objects.filter(
                township=self.township, code__in=codes[start : start + 900]
            ).values_list("code", "pk"):
                by_code[code].pk = pk

    def _apply_tags(
        self,
        households: dict[str, Household],
        tags: dict[str, tuple[int, ...]],
        new: set[str],
    ) -> set[str]:
        """Make each household's tags those of the file; returns codes re-tagged."""
        through = Household.tags.through
        current: dict[int, set[int]] = defaultdict(set)
        old_ids = [households[c].pk for c in tags if c not in new]
        for hh_id, tag_id in through.objects.filter(
            household_id__in=old_ids
        ).values_list("household_id", "tag_id"):
            current[hh_id].add(tag_id)
        to_add, changed = [], set()
        for code, wanted in tags.items():
            hh = households[code]
            have = current.get(hh.pk, set())
            if set(wanted) != have:
                changed.add(code)
                to_add += [through(household_id=hh.pk, tag_id=t) for t in wanted]
        if changed:
            through.objects.filter(
                household_id__in=[households[c].pk for c in changed]
            ).delete()
            through.objects.bulk_create(to_add, batch_size=5000)
        return changed - new

    def _apply_residents(self, by_code, households, existing) -> None:
        owners, by_name = existing["owners"], existing["by_name"]
        new, changed = [], []
        unchanged = 0
        for code, members in by_code.items():
            hh = households[code]
            for r in members:
                res = owners.get(r.id_hash) if r.id_number else None
                if res is None:
                    res = by_name.get(hh.pk, {}).get(r.name)
                if res is None:
                    # A plain record, not a model: new rows go straight to insert_rows.
                    res = SimpleNamespace(
                        **NEW_RESIDENT, household_id=hh.pk, township_id=self.township.pk
                    )
                    self._fill(res, r)
                    new.append(res)
                elif self._fill(res, r):
                    changed.append(res)
                else:
                    unchanged += 1
        now = timezone.now()
        for res in new:
            res.created_at = res.updated_at = now
        # New residents need no ids here (heads are set in SQL below), so they go in as
        # one prepared INSERT rather than through bulk_create's per-value SQL building.
        insert_rows(
            Resident,
            [
                *RESIDENT_FIELDS,
                "household",
                "township",
                "is_active",
                "version",
                "created_at",
                "updated_at",
            ],
            new,
        )
        update_rows(Resident, RESIDENT_FIELDS, changed)
        self.report.residents_created = len(new)
        self.report.residents_updated = len(changed)
        self.report.unchanged = unchanged
        new_ids = {h.pk for h in households.values() if h.head_id is None}
        self._set_heads_and_counts(
            [pk for h in households.values() if (pk := h.pk) not in new_ids]
        )
        self._set_heads_and_counts_in_sql(sorted(new_ids))

    def _set_heads_and_counts_in_sql(self, household_ids: list[int]) -> None:
        """Households without a head yet (all new ones): one set-based UPDATE per batch."""
        members = Resident.objects.filter(household_id=OuterRef("pk"), is_active=True)
        head = (
            members.filter(relation=Resident.Relation.HEAD)
            .order_by("id")
            .values("id")[:1]
        )
        count = (
            members.order_by()
            .values("household_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        for start in range(0, len(household_ids), 900):
            Household.objects.filter(pk__in=household_ids[start : start + 900]).update(
                head_id=Subquery(head), member_count=Coalesce(Subquery(count), 0)
            )

    def _set_heads_and_counts(self, household_ids: list[int]) -> None:
        """Point each household at its head and store its member count, in SQL."""
        heads: dict[int, int] = {}
        counts: dict[int, int] = {}
        current: dict[int, tuple[int | None, int]] = {}
        for start in range(0, len(household_ids), 900):
            batch = household_ids[start : start + 900]
            members = Resident.objects.filter(household_id__in=batch, is_active=True)
            counts.update(members.values_list("household_id").annotate(n=Count("id")))
            heads.update(
                members.filter(relation=Resident.Relation.HEAD)
                .values_list("household_id")
                .annotate(first=Min("id"))
            )
            current.update(
                (pk, (head, n))
                for pk, head, n in Household.objects.filter(pk__in=batch).values_list(
                    "pk", "head_id", "member_count"
                )
            )
        stale = []
        for pk in household_ids:
            wanted = (heads.get(pk, current[pk][0]), counts.get(pk, 0))
            if current[pk] != wanted:
                stale.append(
                    SimpleNamespace(pk=pk, head_id=wanted[0], member_count=wanted[1])
                )
        update_rows(Household, ["head", "member_count"], stale)

    def _fill(self, res: Resident, r: _Row) -> bool:
        """Copy row values onto a resident; True when anything changed."""
        changed = False
        for attr, value in (
            ("name", r.name),
            ("relation", r.relation),
            ("is_party_member", r.party),
        ):
            if getattr(res, attr) != value:
                setattr(res, attr, value)
                changed = True
        if r.sex and res.sex != r.sex:
            res.sex, changed = r.sex, True
        if r.id_number:
            h = r.id_hash
            if res.id_number_hash != h:
                res.id_number_sealed = crypto.seal(r.id_number)
                res.id_number_hash = h
                res.id_number_masked = id_number_mask(r.id_number)
                res.birth_date = r.birth_date
                changed = True
        if r.phone:
            h = r.phone_hash
            if res.phone_hash != h:
                res.phone_sealed = crypto.seal(r.phone)
                res.phone_hash = h
                res.phone_masked = phone_mask(r.phone)
                changed = True
        return changed


def roster_import(
    *, township: Unit, data: bytes, filename: str, by: Any, dry_run: bool = False
) -> ImportReport:
    """Validate a roster file and, if every row is good, write it in one transaction."""
    return _Importer(township=township, by=by).run(data, filename, dry_run=dry_run)
