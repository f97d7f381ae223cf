from __future__ import annotations

from datetime import date

from ninja import Schema


class UnitOut(Schema):
    id: int
    parent_id: int | None
    level: str
    name: str
    path: str
    is_demo: bool


class UnitStatsOut(Schema):
    villages: int
    areas: int
    groups: int
    neighborhoods: int
    households: int
    residents: int
    area_chiefs: int
    group_chiefs: int
    neighborhood_chiefs: int


class TagOut(Schema):
    code: str
    name: str
    is_sensitive: bool


class HouseholdOut(Schema):
    id: int
    code: str
    address: str
    lon: float | None
    lat: float | None
    village_id: int | None
    area_id: int | None
    villager_group_id: int | None
    neighborhood_id: int | None
    head_id: int | None
    member_count: int


class HouseholdDetailOut(HouseholdOut):
    tags: list[TagOut]


class ResidentOut(Schema):
    id: int
    household_id: int
    name: str
    sex: str
    birth_date: date | None
    relation: str
    is_party_member: bool
    id_number_masked: str
    phone_masked: str


class RevealIn(Schema):
    field: str


class RevealOut(Schema):
    field: str
    value: str


class PostOut(Schema):
    id: int
    role: str
    unit_id: int
    holder_name: str
    resident_id: int | None
    how_chosen: str
    started_on: date
    ended_on: date | None
    predecessor_id: int | None


class ErrorOut(Schema):
    detail: str
    # Present on 422 answers to malformed requests: one entry per field at fault.
    errors: list[dict] | None = None


class Page(Schema):
    count: int
    next_offset: int | None
