"""Roster import and export through real .xlsx and .csv files."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from sanzhang.core import crypto
from sanzhang.core.models import AuditEvent
from sanzhang.org.models import Household, Resident, Unit
from sanzhang.org.roster_format import FileRejected
from sanzhang.org.services.roster_export import roster_export
from sanzhang.org.services.roster_import import roster_import
from sanzhang.org.tests.factories import valid_id_number

HEADER = [
    "村",
    "片",
    "组",
    "邻",
    "户号",
    "地址",
    "经度",
    "纬度",
    "姓名",
    "与户主关系",
    "性别",
    "身份证号",
    "联系电话",
    "党员",
    "户标签",
]


def row(
    code="R001",
    name="赵大",
    relation="户主",
    id_number="",
    phone="",
    village="新村",
    area="第一片",
    group="一组",
    nb="1邻",
    tags="",
    party="否",
    address="新村一组1号",
):
    return [
        village,
        area,
        group,
        nb,
        code,
        address,
        "112.17",
        "29.41",
        name,
        relation,
        "",
        id_number,
        phone,
        party,
        tags,
    ]


def xlsx(rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows, encoding="utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def family(code, surname, village="新村", group="一组", nb="1邻"):
    return [
        row(
            code,
            surname + "大",
            "户主",
            valid_id_number(),
            "13912345678",
            village,
            group=group,
            nb=nb,
            tags="独居老人、低保户",
            party="是",
            address=f"{village}{group}{code}号",
        ),
        row(
            code,
            surname + "二",
            "配偶",
            valid_id_number(male=False),
            "",
            village,
            group=group,
            nb=nb,
            address=f"{village}{group}{code}号",
        ),
    ]


def counts():
    return (Unit.objects.count(), Household.objects.count(), Resident.objects.count())


@pytest.fixture
def township(world):
    return world.unit("T1")


def test_import_creates_tree_households_and_residents(world, township):
    rows = family("R001", "赵") + family("R002", "钱") + family("R003", "孙", nb="2邻")
    report = roster_import(
        township=township,
        data=xlsx(rows),
        filename="roster.xlsx",
        by=world.users["admin"],
    )
    assert (
        report.errors,
        report.committed,
        report.units_created,
        report.households_created,
        report.residents_created,
    ) == ([], True, 5, 3, 6)
    village = Unit.objects.get(parent=township, name="新村")
    hh = Household.objects.get(township=township, code="R001")
    assert (hh.village, hh.neighborhood.name, hh.head.name, hh.member_count) == (
        village,
        "1邻",
        "赵大",
        2,
    )
    assert sorted(hh.tags.values_list("name", flat=True)) == ["低保户", "独居老人"]
    head = hh.head
    assert (
        head.id_number_masked
        == crypto.unseal(head.id_number_sealed)[:3]
        + "*" * 11
        + crypto.unseal(head.id_number_sealed)[-4:]
    )
    assert crypto.unseal(head.phone_sealed) == "13912345678"
    assert head.is_party_member
    assert head.sex == "M"
    assert AuditEvent.objects.filter(action="import").count() == 1


def test_reimporting_the_same_file_changes_nothing(world, township):
    data = xlsx(family("R001", "赵") + family("R002", "钱"))
    roster_import(
        township=township, data=data, filename="r.xlsx", by=world.users["admin"]
    )
    before = counts()
    again = roster_import(
        township=township, data=data, filename="r.xlsx", by=world.users["admin"]
    )
    assert (
        again.units_created,
        again.households_created,
        again.households_updated,
        again.residents_created,
        again.residents_updated,
        again.unchanged,
    ) == (0, 0, 0, 0, 0, 4)
    assert counts() == before


def test_bad_rows_are_all_reported_and_nothing_is_written(world, township):
    good = family("R001", "赵")
    dup = valid_id_number()
    rows = good + [
        row("R002", "钱大", id_number="110105194912310021"),  # row 4: bad check digit
        row("R003", "孙大", phone="1380013800"),  # row 5: 10-digit phone
        row("R004", "李大", relation="表哥"),  # row 6: unknown relation
        row("R005", "周大", id_number=dup),  # row 7
        row("R006", "吴大", id_number=dup),  # row 8: duplicate ID
        row("R007", "郑大", relation="配偶"),  # row 9: no head
        row("R008", "", tags="外星人"),  # row 10: empty name, bad tag
        row("R009", "王大", id_number="1.10105E+17"),  # row 11: Excel number
    ]
    before = counts()
    report = roster_import(
        township=township, data=xlsx(rows), filename="bad.xlsx", by=world.users["admin"]
    )
    got = [(e.row, e.column, e.message) for e in report.errors]
    assert got == [
        (4, "身份证号", "身份证号校验位错误"),
        (5, "联系电话", "电话号码无效"),
        (
            6,
            "与户主关系",
            "与户主关系应为：户主、配偶、子女、父母、孙子女、兄弟姐妹、儿媳/女婿、其他",
        ),
        (7, "身份证号", "身份证号与第8行重复"),
        (8, "身份证号", "身份证号与第7行重复"),
        (9, "与户主关系", "户号 R007 应有且只有一名户主（现有 0 名）"),
        (10, "姓名", "姓名不能为空"),
        (10, "户标签", "未知的户标签：外星人"),
        (11, "身份证号", "身份证号被表格转成了数字，请将身份证列设置为文本格式"),
    ]
    assert (report.committed, counts()) == (False, before)


def test_fix_and_import_again(world, township):
    rows = family("R001", "赵") + [row("R002", "钱大", id_number="110105194912310021")]
    first = roster_import(
        township=township, data=xlsx(rows), filename="a.xlsx", by=world.users["admin"]
    )
    assert [e.row for e in first.errors] == [4]
    rows[-1] = row("R002", "钱大", id_number="11010519491231002X")
    second = roster_import(
        township=township, data=xlsx(rows), filename="a.xlsx", by=world.users["admin"]
    )
    assert (second.errors, second.households_created) == ([], 2)


def test_id_number_registered_in_another_household_is_refused(world, township):
    existing = world.households["T1-V1-A1-G1-N1"][0].head
    clear = crypto.unseal(existing.id_number_sealed)
    report = roster_import(
        township=township,
        data=xlsx([row("R001", "赵大", id_number=clear)]),
        filename="x.xlsx",
        by=world.users["admin"],
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, "身份证号")]
    assert "已在户号" in report.errors[0].message


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_common_encodings(world, township, encoding):
    report = roster_import(
        township=township,
        data=csv_bytes(family("R001", "欧阳"), encoding),
        filename="r.csv",
        by=world.users["admin"],
    )
    assert (report.errors, report.residents_created) == ([], 2)
    assert Resident.objects.filter(name="欧阳大").exists()


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "r.csv", "文件是空的"),
        (b"   \n", "r.csv", "文件是空的"),
        (b"\xff\xfe\x00\xd8garbage" + bytes(range(128, 256)), "r.csv", None),
        (b"PK\x03\x04 not really a zip", "r.xlsx", "不是有效的 Excel (.xlsx) 文件"),
        (
            b"\xd0\xcf\x11\xe0 old excel",
            "r.xls",
            "不支持旧版 .xls 格式，请在 Excel 中另存为 .xlsx 后上传",
        ),
        (b"hello", "r.pdf", "只支持 .xlsx 和 .csv 文件"),
        ("姓名,户号\n张三,1\n".encode(), "r.csv", None),
    ],
)
def test_unreadable_files_are_rejected_whole(world, township, data, filename, message):
    before = counts()
    with pytest.raises(FileRejected) as exc:
        roster_import(
            township=township, data=data, filename=filename, by=world.users["admin"]
        )
    if message:
        assert exc.value.message == message
    else:
        assert exc.value.message  # a sentence in Chinese naming what is wrong
    assert counts() == before


def test_invalid_bytes_name_the_line(world, township):
    data = csv_bytes(family("R001", "赵")) + b"\xff\xfe\xfa,\x81\n"
    with pytest.raises(FileRejected) as exc:
        roster_import(
            township=township, data=data, filename="r.csv", by=world.users["admin"]
        )
    assert "第4行" in exc.value.message


def test_missing_required_column_is_named(world, township):
    header = [h for h in HEADER if h != "户号"]
    data = xlsx([r[:4] + r[5:] for r in family("R001", "赵")], header=header)
    with pytest.raises(FileRejected) as exc:
        roster_import(
            township=township, data=data, filename="r.xlsx", by=world.users["admin"]
        )
    assert "户号" in exc.value.message


def test_formula_cells_are_read_as_text(world, township):
    rows = family("R001", "赵")
    rows[0][5] = '=HYPERLINK("http://evil","点我")'
    report = roster_import(
        township=township, data=xlsx(rows), filename="f.xlsx", by=world.users["admin"]
    )
    # openpyxl keeps the cached value (none) for formulas when data_only; the formula text
    # is never evaluated. The household takes the second row's address instead.
    assert report.errors == []
    assert Household.objects.get(code="R001").address == "新村一组R001号"


def test_cadre_may_import_only_into_own_village(world, township):
    rows = family("R001", "赵", village="村1") + family("R002", "钱", village="村2")
    report = roster_import(
        township=township, data=xlsx(rows), filename="v.xlsx", by=world.users["cadre"]
    )
    assert [(e.row, e.column) for e in report.errors] == [(4, "村")]
    assert not report.committed


def test_long_text_emoji_and_markup_are_handled(world, township):
    rows = family("R001", "赵")
    rows[0][5] = "地址" * 61  # 122 chars > 120
    rows[1][8] = "<script>alert('x')</script>"
    rows[1][5] = "🏠新村"
    report = roster_import(
        township=township, data=xlsx(rows), filename="t.xlsx", by=world.users["admin"]
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, "地址", "地址不能超过120个字")
    ]
    rows[0][5] = "新村一组1号🏠"
    report = roster_import(
        township=township, data=xlsx(rows), filename="t.xlsx", by=world.users["admin"]
    )
    assert report.errors == []
    assert Resident.objects.filter(name="<script>alert('x')</script>").count() == 1


def test_dry_run_reports_without_writing(world, township):
    before = counts()
    report = roster_import(
        township=township,
        data=xlsx(family("R001", "赵")),
        filename="d.xlsx",
        by=world.users["admin"],
        dry_run=True,
    )
    assert (report.households_created, report.residents_created, report.committed) == (
        1,
        2,
        False,
    )
    assert counts() == before


def test_export_round_trips_and_masks_for_roles_without_reveal(world, township):
    roster_import(
        township=township,
        data=xlsx(family("R001", "赵")),
        filename="r.xlsx",
        by=world.users["admin"],
    )
    village = Unit.objects.get(parent=township, name="新村")
    data, n = roster_export(unit=village, by=world.users["admin"])
    ws = load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert (n, rows[0]) == (2, HEADER)
    head = Resident.objects.get(name="赵大")
    assert rows[1][8:13] == [
        "赵大",
        "户主",
        "男",
        crypto.unseal(head.id_number_sealed),
        "13912345678",
    ]
    assert rows[1][14] == "独居老人、低保户"
    again = roster_import(
        township=township, data=data, filename="back.xlsx", by=world.users["admin"]
    )
    assert (
        again.errors,
        again.households_created,
        again.residents_created,
        again.unchanged,
    ) == ([], 0, 0, 2)
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_export_neutralises_formulas(world, township):
    hh = world.households["T1-V1-A1-G1-N1"][0]
    Household.objects.filter(pk=hh.pk).update(address="=cmd|' /C calc'!A0")
    Resident.objects.filter(pk=hh.head_id).update(name="@SUM(1)")
    data, _n = roster_export(unit=world.unit("T1-V1-A1-G1-N1"), by=world.users["admin"])
    ws = load_workbook(io.BytesIO(data)).active
    cells = [c for r in ws.iter_rows() for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert "=cmd|' /C calc'!A0" in [c.value for c in cells]


def test_export_by_cadre_shows_ids_masked_only_when_no_reveal(world):
    # A cadre may reveal; a hypothetical export by the station is refused (no export right).
    from sanzhang.org.access import access_for
    from sanzhang.org.policy import Action

    assert not access_for(world.users["station"]).can(
        Action.EXPORT_ROSTER, world.unit("T1")
    )
    data, _n = roster_export(unit=world.unit("T1-V1-A1-G1-N1"), by=world.users["cadre"])
    ws = load_workbook(io.BytesIO(data)).active
    ids = [r[11].value for r in ws.iter_rows(min_row=2)]
    assert all(v and "*" not in v for v in ids)
