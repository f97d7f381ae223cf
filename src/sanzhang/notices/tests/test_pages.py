"""Pages per role, inside and outside scope: list, compose, detail/progress, relay,
attachments, ledger and its export."""

from __future__ import annotations

import io
import uuid

import pytest
from django.test import Client
from openpyxl import load_workbook

from sanzhang.core.models import AuditEvent
from sanzhang.notices.models import Notice, NoticeRelay

from .conftest import N1


def login(world, name: str) -> Client:
    c = Client()
    c.force_login(world.users[name])
    return c


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("cadre", 200),
        ("area", 200),
        ("group", 200),
        ("nchief", 200),
        ("station", 404),
        ("resident", 404),
        ("nobody", 404),
    ],
)
def test_list_is_for_senders_and_chiefs(world, who, status):
    assert login(world, who).get("/notices/").status_code == status


def test_compose_then_confirm_then_send(world):
    c = login(world, "cadre")
    assert c.get("/notices/new/").status_code == 200
    key = str(uuid.uuid4())
    body = {
        "client_key": key,
        "unit": world.unit("T1-V1-A1").pk,
        "title": "秸秆禁烧",
        "body": "严禁焚烧秸秆。",
    }
    r = c.post("/notices/new/", body)
    notice = Notice.objects.get(client_key=key)
    assert r.status_code == 302
    assert r["Location"] == f"/notices/{notice.pk}/"
    assert c.post("/notices/new/", body).status_code == 302  # double submit
    assert Notice.objects.filter(title="秸秆禁烧").count() == 1
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert "将发给 24 户" in page
    # Without the confirm box nothing is sent.
    c.post(f"/notices/{notice.pk}/send/")
    assert Notice.objects.get(pk=notice.pk).sent_at is None
    c.post(f"/notices/{notice.pk}/send/", {"confirm": "1"})
    assert NoticeRelay.objects.filter(notice=notice).count() == 24
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert "已传达 0 / 24 户（0%）" in page


def test_compose_errors_are_shown_and_nothing_saved(world):
    c = login(world, "admin")
    before = Notice.objects.count()
    r = c.post(
        "/notices/new/",
        {"client_key": str(uuid.uuid4()), "unit": world.unit("T1").pk, "title": ""},
    )
    assert r.status_code == 400
    assert "请填写通知标题" in r.content.decode()
    r = c.post(
        "/notices/new/",
        {"client_key": str(uuid.uuid4()), "title": "t", "body": "b"},
    )
    assert r.status_code == 400
    assert "请选择发送范围" in r.content.decode()
    assert Notice.objects.count() == before


def test_compose_outside_scope_is_404(world):
    c = login(world, "cadre")
    for key in ("T1-V2", "T2-V1", "T1"):
        r = c.post(
            "/notices/new/",
            {
                "client_key": str(uuid.uuid4()),
                "unit": world.unit(key).pk,
                "title": "t",
                "body": "b",
            },
        )
        assert r.status_code == 404
    for who in ("nchief", "station", "resident"):
        assert login(world, who).get("/notices/new/").status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("cadre", 200),  # the admin's notice reached their village
        ("area", 200),
        ("group", 200),
        ("nchief", 200),
        ("station", 404),
        ("resident", 404),
        ("nobody", 404),
    ],
)
def test_detail_of_a_township_notice_per_role(world, sent, who, status):
    notice = sent("admin", "T1")
    assert login(world, who).get(f"/notices/{notice.pk}/").status_code == status


def test_a_chief_sees_progress_of_their_own_subtree_only(world, sent):
    notice = sent("admin", "T1")
    c = login(world, "nchief")
    page = c.get(f"/notices/{notice.pk}/").content.decode()
    assert "已传达 0 / 6 户（0%）" in page  # their neighbourhood
    assert (
        c.get(f"/notices/{notice.pk}/?unit={world.unit('T1-V1').pk}").status_code == 404
    )
    g = login(world, "group")
    page = g.get(f"/notices/{notice.pk}/").content.decode()
    assert "已传达 0 / 12 户（0%）" in page


def test_drafts_and_other_villages_notices_are_404(world, draft, sent):
    d = draft("admin", "T1")
    assert login(world, "cadre").get(f"/notices/{d.pk}/").status_code == 404
    assert login(world, "nchief").get(f"/notices/{d.pk}/").status_code == 404
    other = sent("admin", "T1-V2")
    for who in ("cadre", "area", "nchief"):
        assert login(world, who).get(f"/notices/{other.pk}/").status_code == 404
    assert login(world, "admin").get("/notices/999999/").status_code == 404


def test_drill_down_to_households(world, sent):
    notice = sent("admin", "T1-V1")
    c = login(world, "admin")
    page = c.get(f"/notices/{notice.pk}/?unit={world.unit(N1).pk}").content.decode()
    assert world.households[N1][0].code in page
    assert c.get(f"/notices/{notice.pk}/?unit={world.unit('T2').pk}").status_code == 404


def test_relay_page_marks_one_and_all_and_refuses_outsiders(world, sent):
    notice = sent("admin", "T1-V1")
    c = login(world, "nchief")
    url = f"/notices/{notice.pk}/relay/"
    page = c.get(url).content.decode()
    assert page.count('class="primary relay-one"') == 6
    first = world.households[N1][0].pk
    c.post(url, {"household": first, "method": "phone"})
    row = NoticeRelay.objects.get(notice=notice, household_id=first)
    assert (row.method, row.relayed_by) == ("phone", world.users["nchief"])
    outside = world.households["T1-V1-A1-G1-N2"][0].pk
    r = c.post(url, {"household": outside, "method": "visit"}, follow=True)
    assert "不在您负责的范围内" in r.content.decode()
    assert not NoticeRelay.objects.get(notice=notice, household_id=outside).relayed_at
    c.post(url, {"all": "1", "method": "visit"})
    assert (
        NoticeRelay.objects.filter(
            notice=notice, neighborhood=world.unit(N1), relayed_at__isnull=False
        ).count()
        == 6
    )
    assert (
        NoticeRelay.objects.filter(notice=notice, relayed_at__isnull=False).count() == 6
    )
    for who in ("admin", "cadre", "station", "resident"):
        assert login(world, who).get(url).status_code == 404


def test_attachment_served_only_in_scope(world, sent):
    pdf = io.BytesIO(b"%PDF-1.4\n% test\n")
    pdf.name = "防汛<预案>.pdf"
    notice = sent("admin", "T1-V1", files=[pdf])
    att = notice.attachments.get()
    assert att.name == "防汛预案.pdf"
    url = f"/notices/files/{att.pk}/"
    r = login(world, "nchief").get(url)
    assert r.status_code == 200
    assert b"".join(r.streaming_content).startswith(b"%PDF")
    assert login(world, "station").get(url).status_code == 404
    other = sent("admin", "T1-V2", files=[io.BytesIO(b"%PDF-1.4\n")])
    assert (
        login(world, "nchief")
        .get(f"/notices/files/{other.attachments.get().pk}/")
        .status_code
        == 404
    )


def test_ledger_filters_and_a_safe_audited_export(world, sent):
    sent("admin", "T1-V1", title='=HYPERLINK("http://x")')
    sent("cadre", "T1-V1-A2", title="村里通知")
    sent("admin", "T1-V2", title="二村通知")
    c = login(world, "cadre")
    page = c.get("/notices/ledger/").content.decode()
    # The cadre sees what was sent into V1 (both), not V2's.
    assert "村里通知" in page
    assert "HYPERLINK" in page
    assert "二村通知" not in page
    page = c.get(f"/notices/ledger/?sender={world.users['cadre'].pk}").content.decode()
    assert "村里通知" in page
    assert "HYPERLINK" not in page
    before = AuditEvent.objects.filter(action="export").count()
    r = c.get("/notices/ledger/?format=xlsx")
    ws = load_workbook(io.BytesIO(r.content)).active
    titles = {ws.cell(row=i, column=2).value for i in range(2, ws.max_row + 1)}
    assert titles == {'=HYPERLINK("http://x")', "村里通知"}
    cell = next(
        ws.cell(row=i, column=2)
        for i in range(2, ws.max_row + 1)
        if ws.cell(row=i, column=2).value.startswith("=")
    )
    assert cell.data_type == "s"
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert login(world, "nchief").get("/notices/ledger/").status_code == 404
